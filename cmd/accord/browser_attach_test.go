package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAttachSearchSort is an agent's reply with two files, one
// chosen and one dropped on the reply box, whose image the timeline shows
// inline under the Content Security Policy; a search for "#N" that opens
// case N; and a queue sorted by a column header.
func TestBrowserAttachSearchSort(t *testing.T) {
	b := newBrowser(t)
	agent := b.person("agent")
	agent.signIn("agent@northwind.example")

	// A real image, so that the browser decodes it.
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for x := range 24 {
		img.Set(x, 8, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "screen.png")
	if err := os.WriteFile(shot, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	agent.open("/cases")
	agent.follow(`main table a[href^="/cases/cas_"]`)
	path := agent.path()
	heading := get(agent, "read the case's heading", chromedp.Text(chromedp.CSS(`main h1`)))
	number := regexp.MustCompile(`^#(\d+)`).FindStringSubmatch(heading)
	if number == nil {
		t.Fatalf("the case's heading %q has no number", heading)
	}

	form := `form[action$="/reply"]`
	agent.do("choose the image", chromedp.SetUploadFiles(chromedp.CSS(form+` input[type="file"]`), []string{shot}))
	// Drop a second file on the reply box, as a person drags it from the
	// desktop: app.js adds it to the form's files.
	n := get(agent, "drop a file on the reply box", chromedp.Evaluate[int](`(() => {
		const box = document.querySelector('`+form+` textarea');
		const dt = new DataTransfer();
		dt.items.add(new File(["the recorder's log\n"], "recorder.log", {type: "text/plain"}));
		box.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
		box.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
		return document.querySelector('`+form+` input[type="file"]').files.length;
	})()`))
	if n != 2 {
		t.Fatalf("after the drop the form holds %d files, want 2", n)
	}
	agent.see(form+` .dropped`, "screen.png", "recorder.log")
	agent.fill(form+` [name="body"]`, "The screen and the recorder's log.")
	agent.submit(form)
	agent.see(`.flash`)
	preview := `.timeline img[alt="screen.png"]`
	agent.do("wait for the preview", chromedp.WaitVisible(chromedp.CSS(preview)))
	if w := get(agent, "read the preview's size", chromedp.Evaluate[int](`(() => {
		const img = document.querySelector('`+preview+`');
		return img.complete ? img.naturalWidth : -1;
	})()`)); w != 24 {
		t.Errorf("the preview's natural width is %d, want 24 (loaded from this origin)", w)
	}
	agent.see(`.timeline`, "recorder.log")
	agent.checkA11y("a case with a reply's files")
	if got := get(agent, "look for the log as an image", chromedp.Evaluate[bool](`!!document.querySelector('.timeline img[alt="recorder.log"]')`)); got {
		t.Error("the log is shown as an image")
	}

	agent.open("/cases/new")
	agent.checkA11y("the new-case form with its files field")

	// "#N" in the search box opens case N.
	agent.open("/cases")
	agent.fill(`#f-q`, "#"+number[1])
	agent.submit(`form[action="/cases"]`)
	if agent.path() != path {
		t.Fatalf("searching #%s led to %s, not %s", number[1], agent.path(), path)
	}

	// Sorting the recently updated view by criticality, then the other way.
	agent.open("/queue?view=updated")
	agent.follow(`th a[href*="sort=criticality"]`)
	sorted := get(agent, "read the sorted header", chromedp.Evaluate[string](
		`(document.querySelector('th[aria-sort]') || {}).textContent + "|" + (document.querySelector('th[aria-sort]') || {getAttribute: () => ""}).getAttribute("aria-sort")`))
	if !strings.HasSuffix(sorted, "|ascending") || !strings.Contains(location(agent), "sort=criticality") {
		t.Errorf("after sorting by criticality: %q at %s", sorted, location(agent))
	}
	crits := get(agent, "read the criticalities", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#queue-table tbody tr .badge[class*="crit-"]')).map(e => e.textContent.trim())`))
	for i := 1; i < len(crits); i++ {
		if crits[i] < crits[i-1] {
			t.Errorf("the rows are not by criticality: %v", crits)
			break
		}
	}
	agent.checkA11y("the queue sorted by a column")
	agent.follow(`th[aria-sort] a`)
	if !strings.Contains(location(agent), "sort=-criticality") {
		t.Errorf("the sorted header's link does not reverse the sort: %s", location(agent))
	}
}

// location is the path and query of the page on screen.
func location(p *person) string {
	p.t.Helper()
	return get(p, "read the location", chromedp.Evaluate[string](`location.pathname + location.search`))
}
