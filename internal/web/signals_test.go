package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/store/dbtest"
)

// TestSignalPages: an assignment lights the assignee's bell and lists on
// their notifications page, which marks it read; agents see colleagues on
// a case, customers do not; a closed case offers its customer the rating
// form, takes one rating and shows it; a rating link that does not work
// answers with a page that says so.
func TestSignalPages(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	c, err := f.cases.Open(f.as("acme"), f.now, cases.NewCase{Type: cases.Question, Title: "Rotate keys", Description: "How?"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/cases/" + string(c.ID)
	mustPost(t, f.post("admin", path+"/assign", url.Values{"user_id": {string(f.users["agent"].ID)}}), "assign")
	queue := f.page("agent", "/queue")
	if !strings.Contains(queue, `<span class="count unread">1</span>`) {
		t.Fatal("the agent's bell does not count the assignment")
	}
	if strings.Contains(f.page("acme", path), `id="bell"`) {
		t.Error("a customer has a bell")
	}
	list := f.page("agent", "/notifications")
	if !strings.Contains(list, "User admin assigned you") || !strings.Contains(list, `href="`+path+`#e-`) {
		t.Fatalf("the notifications page:\n%s", list)
	}
	mustPost(t, f.post("agent", "/notifications/read", nil), "mark all read")
	if !strings.Contains(f.page("agent", "/queue"), `<span class="count">0</span>`) {
		t.Error("the bell still counts after marking all read")
	}

	// Presence: the admin had the case open a moment ago.
	f.page("admin", path)
	if p := f.page("agent", path); !strings.Contains(p, `id="presence"`) || !strings.Contains(p, "is also viewing this case") {
		t.Error("the agent does not see the admin on the case")
	}
	if p := f.page("acme", path); strings.Contains(p, `id="presence"`) || strings.Contains(p, "is also viewing") {
		t.Error("a customer sees who is on the case")
	}
	if r := f.post("acme", path+"/presence", url.Values{"body": {"x"}}); r.status != http.StatusForbidden {
		t.Errorf("a customer posts presence: %d", r.status)
	}

	// Close and rate.
	mustPost(t, f.post("agent", path+"/reply", url.Values{"body": {"Use the guide."}}), "reply")
	mustPost(t, f.post("agent", path+"/resolve", url.Values{"summary": {"Guide sent."}}), "resolve")
	mustPost(t, f.post("acme", path+"/confirm", nil), "confirm")
	if p := f.page("acme", path); !strings.Contains(p, `action="`+path+`/rating"`) {
		t.Fatal("the closed case does not offer its rating")
	}
	if p := f.page("agent", path); strings.Contains(p, `action="`+path+`/rating"`) {
		t.Error("an agent is offered to rate")
	}
	if r := f.post("acme", path+"/rating", url.Values{"score": {"9"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "from 1 to 5") {
		t.Fatalf("score 9: %d", r.status)
	}
	mustPost(t, f.post("acme", path+"/rating", url.Values{"score": {"4"}, "comment": {"Clear answer"}}), "rate")
	if p := f.page("agent", path); !strings.Contains(p, "Rated 4 out of 5.") || !strings.Contains(p, "Clear answer") {
		t.Error("the rating is not shown")
	}
	if r := f.post("acme-admin", path+"/rating", url.Values{"score": {"1"}}); r.status != http.StatusConflict {
		t.Errorf("rated twice: %d", r.status)
	}

	for _, bad := range []string{path + "/forged-token", "/rate/" + string(accord.NewID("cas")) + "/x"} {
		target := strings.Replace(bad, "/cases/", "/rate/", 1)
		r := f.get("", target)
		if r.status != http.StatusNotFound || !strings.Contains(r.body, "unknown, has been used or has expired") {
			t.Errorf("%s: %d", target, r.status)
		}
	}
}
