package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// replyForm is the reply form as a browser sends it: multipart, with the
// files in "files" (an empty file field sends a part without a name).
func replyForm(t *testing.T, fields map[string]string, files ...string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if len(files) == 0 {
		files = []string{"", ""}
	}
	for i := 0; i+1 < len(files); i += 2 {
		w, err := mw.CreateFormFile("files", files[i])
		if err == nil {
			_, err = w.Write([]byte(files[i+1]))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, mw.FormDataContentType()
}

var pngBytes = string(append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 40)...))

func TestReplyWithFiles(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		c := f.openIncident("Sign-in fails")
		path := casePath(c.ID)

		// Without a file, as a browser sends an empty file field.
		body, ct := replyForm(t, map[string]string{"body": "Looking into it"})
		mustPost(t, f.do("agent", "POST", path+"/reply", body, ct), "reply without files")

		// Two files: listed under the reply, the image previewed.
		f.later(1)
		body, ct = replyForm(t, map[string]string{"body": "The screen and the trace"}, "screen.png", pngBytes, "trace.txt", "trace\n")
		mustPost(t, f.do("acme", "POST", path+"/reply", body, ct), "reply with files")
		page := f.page("agent", path)
		img := regexp.MustCompile(`<img src="(/api/v1/cases/` + string(c.ID) + `/files/fil_[0-9a-z]{26})" alt="screen.png"`).FindStringSubmatch(page)
		if img == nil || !strings.Contains(page, `download hx-boost="false">trace.txt</a>`) {
			t.Fatalf("the reply's files are not shown:\n%s", page)
		}
		if strings.Contains(page, `alt="trace.txt"`) {
			t.Error("a text file is shown as an image")
		}
		shown := f.get("acme", img[1])
		if shown.status != http.StatusOK || shown.header.Get("Content-Type") != "image/png" ||
			shown.header.Get("Content-Disposition") != "inline; filename=screen.png" || shown.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("the image is served %d %v", shown.status, shown.header)
		}

		// A note's files are the agents'.
		f.later(1)
		body, ct = replyForm(t, map[string]string{"body": "Their SSO config", "internal": "true"}, "sso.xml", "<saml/>")
		mustPost(t, f.do("agent", "POST", path+"/reply", body, ct), "note with a file")
		if !strings.Contains(f.page("agent", path), "sso.xml") {
			t.Error("the agent does not see the note's file")
		}
		customer := f.page("acme", path)
		if strings.Contains(customer, "sso.xml") || strings.Contains(customer, "Their SSO config") {
			t.Error("the customer sees the note or its file")
		}

		// One file too large: the form comes back with the text typed, the
		// refusal names the file, and nothing was written.
		before, err := f.cases.Timeline(f.as("agent"), f.now, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		big := strings.Repeat("x", 1<<20+1)
		body, ct = replyForm(t, map[string]string{"body": "Two more logs"}, "small.log", "ok", "huge.log", big)
		refused := f.do("acme", "POST", path+"/reply", body, ct)
		if refused.status != http.StatusUnprocessableEntity || !strings.Contains(refused.body, "huge.log: at most 1 MiB") ||
			!strings.Contains(refused.body, "Two more logs</textarea>") || !strings.Contains(refused.body, "Choose the files again") {
			t.Errorf("a file too large: %d", refused.status)
		}
		after, err := f.cases.Timeline(f.as("agent"), f.now, c.ID)
		if err != nil || len(after) != len(before) {
			t.Errorf("the refused reply wrote %d entries (%v)", len(after)-len(before), err)
		}
	})
}

func TestNewCaseWithFiles(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		body, ct := replyForm(t, map[string]string{"type": "question", "title": "Licence screen", "description": "As shown"}, "licence.png", pngBytes)
		r := f.do("acme", "POST", "/cases/new", body, ct)
		mustPost(t, r, "open with a file")
		page := f.page("acme", r.location)
		if !strings.Contains(page, `alt="licence.png"`) {
			t.Errorf("the opening's image is not shown")
		}
	})
}

func TestSearchByNumberAndSort(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		c := f.openIncident("Sign-in fails")
		n := strconv.FormatInt(c.Number, 10)
		for _, q := range []string{n, "%23" + n, "+%23" + n + "+"} {
			for _, page := range []string{"/cases", "/queue"} {
				r := f.get("agent", page+"?q="+q)
				if r.status != http.StatusSeeOther || r.location != casePath(c.ID) {
					t.Errorf("%s?q=%s: %d %q", page, q, r.status, r.location)
				}
			}
		}
		// Outside the reader's scope a number is only words to search.
		if r := f.get("globex", "/cases?q="+n); r.status != http.StatusOK || strings.Contains(r.body, "Sign-in fails") {
			t.Errorf("globex searches acme's number: %d", r.status)
		}
		if r := f.get("agent", "/cases?q=99999"); r.status != http.StatusOK {
			t.Errorf("a number nobody has: %d", r.status)
		}

		// Column headers sort, and say how.
		page := f.page("agent", "/queue?view=updated&sort=criticality")
		if !strings.Contains(page, `aria-sort="ascending"><a href="/queue?sort=-criticality&amp;view=updated" class="sort">`) ||
			!strings.Contains(page, `<a href="/queue?sort=state&amp;view=updated" class="sort">`) {
			t.Errorf("the headers of a sorted view:\n%s", page)
		}
		if page := f.page("agent", "/queue?view=updated"); !strings.Contains(page, `aria-sort="descending"><a href="/queue?sort=updated_at&amp;view=updated"`) &&
			strings.Contains(page, "aria-sort") {
			t.Errorf("the updated view's own order is not marked")
		}
		bad := f.get("agent", "/queue?sort=colour")
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "unknown sort key") {
			t.Errorf("an unknown sort: %d", bad.status)
		}
		if page := f.page("agent", "/cases?sort=-number"); !strings.Contains(page, `aria-sort="descending"><a href="/cases?sort=number"`) {
			t.Errorf("the cases list's headers:\n%s", page)
		}

		// A saved view keeps its sort.
		mustPostTo(t, f.post("agent", "/queue/views", map[string][]string{"name": {"By criticality"}, "query": {"sort=-criticality&view=mine"}}), "/queue?sort=-criticality&view=mine")
		if !strings.Contains(f.page("agent", "/queue"), `href="/queue?sort=-criticality&amp;view=mine"`) {
			t.Error("the saved view does not link to its sort")
		}
	})
}

// mustPostTo fails unless a form post was accepted and went to location.
func mustPostTo(t *testing.T, r response, location string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location != location {
		t.Fatalf("post: %d %q, want 303 to %q", r.status, r.location, location)
	}
}
