package web

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"accord/internal/store/dbtest"
)

var exportLinkPattern = regexp.MustCompile(`<a href="(/api/v1/exports/cases[^"]*)" download title="[^"]+">([^<]+)</a>`)

// exportLink is the query of the page's export link and its text.
func exportLinkOf(t *testing.T, body string) (url.Values, string) {
	t.Helper()
	m := exportLinkPattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no export link in the page")
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query(), m[2]
}

// The cases list and the queue link to the case export with the filters
// they show, in the API's terms, without a column sort; the link reads in
// the reader's language.
func TestCaseExportLinks(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	q, text := exportLinkOf(t, f.page("agent", "/cases?state=open&type=incident&criticality=C2&q=vault&sort=-number"))
	if want := (url.Values{"state": {"open"}, "type": {"incident"}, "criticality": {"C2"}, "q": {"vault"}}); q.Encode() != want.Encode() || text != "Export CSV" {
		t.Errorf("cases list: %v %q, want %v", q, text, want)
	}
	if q, text := exportLinkOf(t, f.page("acme-admin", "/cases")); len(q) != 0 || text != "Exportar CSV" {
		t.Errorf("acme's cases list: %v %q", q, text)
	}

	q, _ = exportLinkOf(t, f.page("agent", "/queue?assigned=me&within=1h&state=active&breached=1&senior=1&opened_from=2026-11-01T00:00:00Z&sort=-criticality"))
	want := url.Values{"sort": {"due"}, "assignee_id": {string(f.users["agent"].ID)}, "due_before": {f.now.Add(time.Hour).Format(time.RFC3339)},
		"state": {"new,open,awaiting_customer,received,under_analysis,accepted"}, "breached": {"true"}, "senior_required": {"true"},
		"opened_from": {"2026-11-01T00:00:00Z"}}
	if q.Encode() != want.Encode() {
		t.Errorf("queue: %v\nwant %v", q, want)
	}
	q, _ = exportLinkOf(t, f.page("agent", "/queue?view=mine&org_id="+string(f.orgs["acme"].ID)))
	if want := (url.Values{"view": {"mine"}, "org_id": {string(f.orgs["acme"].ID)}}); q.Encode() != want.Encode() {
		t.Errorf("mine view: %v, want %v", q, want)
	}
	if _, text := exportLinkOf(t, f.page("partner", "/queue")); !strings.HasPrefix(text, "Exportar") {
		t.Errorf("the partner's queue: %q", text)
	}
}
