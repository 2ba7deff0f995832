package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserMentionAndBell: an agent mentions a colleague in an internal
// note; the colleague's bell counts it, their notifications page lists it
// and marks it read, and the page passes axe.
func TestBrowserMentionAndBell(t *testing.T) {
	b := newBrowser(t)
	admin := b.person("admin")
	admin.signIn("admin@northwind.example")
	admin.open("/notifications")
	before := bellCount(admin)

	agent := b.person("agent")
	agent.signIn("agent@northwind.example")
	agent.open("/cases")
	path := agent.link(`^\/cases\/(?!new$)[^\/?#]+$`)
	agent.open(path)
	agent.see(`#presence`) // agents poll for colleagues on the case
	agent.fill(`form[action$="/reply"] [name="body"]`, "@admin@northwind.example, can you confirm the licence count? cc @nobody")
	agent.do("make it internal", chromedp.Click(chromedp.CSS(`form[action$="/reply"] [name="internal"]`)))
	agent.submit(`form[action$="/reply"]`)
	agent.see(`.timeline li.entry-note`, "@nobody") // told whom the note did not reach

	admin.open("/notifications")
	if got := bellCount(admin); got != before+1 {
		t.Fatalf("the bell counts %d, want %d", got, before+1)
	}
	admin.see(`main .notifications li.unread`, "Sam Support mentioned you on")
	admin.checkA11y("/notifications")
	admin.follow(`main .notifications li.unread a[href^="` + path + `"]`)
	if admin.path() != path {
		t.Fatalf("the notification led to %s, not %s", admin.path(), path)
	}
	admin.open("/notifications")
	admin.submit(`form[action="/notifications/read"]`)
	if got := bellCount(admin); got != 0 {
		t.Fatalf("after marking all read the bell counts %d", got)
	}
}

// bellCount reads the unread count in the page header.
func bellCount(p *person) int {
	p.t.Helper()
	p.see(`#bell .count`)
	text := get(p, "read the bell", chromedp.Text(chromedp.CSS(`#bell .count`)))
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		p.t.Fatalf("the bell says %q", text)
	}
	return n
}

// apiJSON sends body (JSON) with client and decodes the answer into out,
// failing the test unless the status is want.
func apiJSON(t *testing.T, client *http.Client, method, url, body string, want int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
}

// TestBrowserRatingFromMail: a Spanish customer's case is closed; the mail
// that asks for a rating carries a single-use link that opens, without
// signing in, a Spanish page; the rating is recorded once, and the link
// refuses a second use and a forged token.
func TestBrowserRatingFromMail(t *testing.T) {
	b := newBrowser(t)
	base, box := mailedServe(t)
	b.base = base
	gina, agent := signedIn(t, base, "it@globex.example"), signedIn(t, base, "agent@northwind.example")
	var c struct {
		ID     string `json:"id"`
		Number int64  `json:"number"`
	}
	apiJSON(t, gina, "POST", base+"/api/v1/cases", `{"type":"question","title":"¿Cómo rotamos las claves?","description":"Necesitamos el procedimiento."}`, http.StatusCreated, &c)
	apiJSON(t, agent, "POST", base+"/api/v1/cases/"+c.ID+"/replies", `{"body":"Siga la guía de rotación."}`, http.StatusOK, nil)
	apiJSON(t, agent, "POST", base+"/api/v1/cases/"+c.ID+"/resolve", `{"summary":"Guía enviada."}`, http.StatusOK, nil)
	apiJSON(t, gina, "POST", base+"/api/v1/cases/"+c.ID+"/confirm", `{}`, http.StatusOK, nil)

	m := awaitMail(t, box, "it@globex.example", "case.rating")
	if subject := m.Header.Get("Subject"); !strings.Contains(subject, "#"+strconv.FormatInt(c.Number, 10)) {
		t.Fatalf("subject %q", subject)
	}
	token := linkIn(t, m, "/rate/"+c.ID+"/")
	link := "/rate/" + c.ID + "/" + token

	visitor := b.person("gina, from her mail")
	visitor.open(link)
	visitor.see(`main h1`, "Valore nuestro soporte")
	visitor.see(`main`, "¿Cómo rotamos las claves?", "Muy satisfecho")
	visitor.checkA11y(link)
	visitor.do("choose 4", chromedp.Click(chromedp.CSS(`#f-score-4`)))
	visitor.fill(`#f-comment`, "Rápido y claro.")
	visitor.submit(`form[action="` + link + `"]`)
	visitor.see(`main .flash`, "Gracias")

	visitor.open(link)
	visitor.see(`main .alert`, "ya se ha usado") // her language still: the link is known
	forged := regexp.MustCompile(`.$`).ReplaceAllString(link, "x")
	if forged == link {
		forged = link[:len(link)-1] + "y"
	}
	visitor.open(forged)
	visitor.see(`main .alert`)

	var rating struct {
		Score   int    `json:"score"`
		Comment string `json:"comment"`
		Via     string `json:"via"`
	}
	apiJSON(t, agent, "GET", base+"/api/v1/cases/"+c.ID+"/rating", "", http.StatusOK, &rating)
	if rating.Score != 4 || rating.Comment != "Rápido y claro." || rating.Via != "link" {
		t.Fatalf("rating = %+v", rating)
	}
	apiJSON(t, gina, "POST", base+"/api/v1/cases/"+c.ID+"/rating", `{"score":1}`, http.StatusConflict, nil)
}
