package web

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/internal/cases"
	"accord/internal/sla"
	"accord/internal/store/dbtest"
)

// queueIncident opens an incident as the customer user as, at.
func queueIncident(t *testing.T, f *fixture, as string, crit sla.Criticality, title string, at time.Time) cases.Case {
	t.Helper()
	c, err := f.cases.Open(f.as(as), at, cases.NewCase{Type: cases.Incident, Title: title, Details: cases.Details{
		Criticality: crit, Procedure: "Run the nightly batch", Version: "4.2", Observed: "It stops", Expected: "It ends", Discovery: "Monitoring"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// queueWorld is a queue with a case of every criticality for Acme, opened
// out of order, and Globex's case from yesterday, breached (the job
// recorded it): by due instant, #5 (Thursday 22:00 UTC), then #4 C1
// (15:30), #2 C2 (16:00), #3 C3 (23:00) and #1 C4 (Monday). #1 is the
// agent's, which assigning opened; the others are new.
type queueWorld struct{ c1, c2, c3, c4, globex cases.Case }

func newQueueWorld(t *testing.T, f *fixture) queueWorld {
	t.Helper()
	var w queueWorld
	w.c4 = queueIncident(t, f, "acme", sla.C4, "Report layout shifted", f.now)
	w.c2 = queueIncident(t, f, "acme", sla.C2, "Batch slower than usual", f.now)
	w.c3 = queueIncident(t, f, "acme", sla.C3, "Disk full on the reporting node", f.now)
	w.c1 = queueIncident(t, f, "acme", sla.C1, "Payments down", f.now)
	yesterday := time.Date(2026, 11, 19, 14, 0, 0, 0, time.UTC)
	w.globex = queueIncident(t, f, "globex", sla.C3, "Lab results missing", yesterday)
	if err := f.cases.Fire(f.system(), f.now, cases.BreachTimer, w.globex.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cases.Assign(f.as("agent"), f.now, w.c4.ID, cases.Assignment{UserID: f.users["agent"].ID}); err != nil {
		t.Fatal(err)
	}
	return w
}

var queueNumbers = regexp.MustCompile(`href="/cases/cas_[0-9a-z]+">#(\d+)</a>`)

// listed is the case numbers of a page's rows, in order.
func listed(body string) []string {
	var out []string
	for _, m := range queueNumbers.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestQueuePage(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	newQueueWorld(t, f)
	body := f.page("agent", "/queue")
	golden(t, "queue", body)
	for _, want := range []string{
		`<tr class="breached">`, // Globex's, as app.js would mark it
		`hx-get="/queue" hx-trigger="every 30s" hx-select="#queue-table" hx-target="#queue-table" hx-swap="outerHTML"`,
		`<td data-label="Assignee">You</td>`, `<td data-label="Organization">Globex Health</td>`,
		`<td data-label="Plan">Premium Support 24x7</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the queue lacks %s", want)
		}
	}
}

func TestQueueOrderAndFilters(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		w := newQueueWorld(t, f)
		if got, want := listed(f.page("agent", "/queue")), []string{"5", "4", "2", "3", "1"}; !slices.Equal(got, want) {
			t.Fatalf("queue order %v, want %v (soonest due first)", got, want)
		}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"criticality=C3", []string{"5", "3"}},
			{"org_id=" + string(f.orgs["globex"].ID), []string{"5"}},
			{"assigned=me", []string{"1"}},
			{"assigned=none", []string{"5", "4", "2", "3"}},
			{"q=disk", []string{"3"}},
			{"breached=1", []string{"5"}},
			{"within=1h", []string{"5", "4"}},
			{"within=4h&criticality=C2", []string{"2"}},
			{"state=open", []string{"1"}}, // assigning opened it
			{"state=new", []string{"5", "4", "2", "3"}},
		} {
			body := f.page("agent", "/queue?"+tc.query)
			if got := listed(body); !slices.Equal(got, tc.want) {
				t.Errorf("/queue?%s lists %v, want %v", tc.query, got, tc.want)
			}
			// The table reloads with the same filters.
			if q, _ := url.ParseQuery(tc.query); !strings.Contains(body, `hx-get="/queue?`+strings.ReplaceAll(q.Encode(), "&", "&amp;")+`"`) {
				t.Errorf("/queue?%s does not refresh itself with its filters", tc.query)
			}
		}
		if body := f.page("agent", "/queue?org_id="+string(w.c1.OrgID)+"&criticality=C1"); !strings.Contains(body, `value="C1" selected`) ||
			!strings.Contains(body, `value="`+string(w.c1.OrgID)+`" selected`) {
			t.Error("the filter form does not show the filters applied")
		}

		for query, msg := range map[string]string{"within=2h": "must be 1h, 4h or 24h", "criticality=C9": "must be C1, C2, C3 or C4",
			"assigned=bob": `must be &#34;me&#34;, &#34;none&#34; or an agent`} {
			r := f.get("agent", "/queue?"+query)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, msg) || !strings.Contains(r.body, `aria-invalid="true"`) {
				t.Errorf("/queue?%s: %d, want 422 with %q next to the filter", query, r.status, msg)
			}
		}
	})
}

// TestQueueViews: the tabs list the built-in views, each with its cases;
// "waiting on us" shows how long the customer has waited, a partner agent
// sees only its customers' cases in every view, and a view is kept with
// the other filters by the refresh and by "Save this view".
func TestQueueViews(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		w := newQueueWorld(t, f)
		later := f.now.Add(10 * time.Minute)
		if _, err := f.cases.Reply(f.as("agent"), later, w.c3.ID, cases.NewReply{Body: "Which node?"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.cases.AwaitCustomer(f.as("agent"), later, w.c1.ID, "The customer restarts the gateway"); err != nil {
			t.Fatal(err)
		}
		sorted := func(l []string) []string { slices.Sort(l); return l }
		for _, tc := range []struct {
			as, view string
			want     []string // as a set: cases opened at once tie on their instant
		}{
			{"agent", "mine", []string{"1"}},
			{"agent", "unassigned", []string{"2", "3", "4", "5"}},
			{"agent", "waiting", []string{"1", "2", "5"}},
			{"agent", "awaiting", []string{"4"}},
			{"agent", "breached", []string{"5"}},
			{"agent", "updated", []string{"1", "2", "3", "4", "5"}},
			{"partner", "mine", nil},
			{"partner", "unassigned", []string{"5"}},
			{"partner", "waiting", []string{"5"}},
			{"partner", "awaiting", nil},
			{"partner", "breached", []string{"5"}},
			{"partner", "updated", []string{"5"}},
		} {
			body := f.page(tc.as, "/queue?view="+tc.view)
			if got := sorted(listed(body)); !slices.Equal(got, tc.want) {
				t.Errorf("%s's %s view lists %v, want %v", tc.as, tc.view, got, tc.want)
			}
			if !strings.Contains(body, `<a href="/queue?view=`+tc.view+`" aria-current="page">`) {
				t.Errorf("%s's %s view: its tab is not the current one", tc.as, tc.view)
			}
		}
		body := f.page("agent", "/queue?view=updated")
		if got := listed(body); len(got) == 0 || (got[0] != "3" && got[0] != "4") {
			t.Errorf("recently updated lists %v, want #3 or #4 (changed last) first", got)
		}
		body = f.page("agent", "/queue?view=waiting&criticality=C3")
		if got := listed(body); !slices.Equal(got, []string{"5"}) {
			t.Errorf("waiting C3 lists %v, want #5", got)
		}
		for _, want := range []string{
			"Waiting for ", `<input type="hidden" name="view" value="waiting">`,
			`hx-get="/queue?criticality=C3&amp;view=waiting"`, `name="query" value="criticality=C3&amp;view=waiting"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the waiting view lacks %s", want)
			}
		}
		if r := f.get("agent", "/queue?view=everything"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "must be mine, team, unassigned") {
			t.Errorf("unknown view: %d, want 422 naming the views", r.status)
		}
	})
}

// TestQueueScope: a partner agent's queue has the customers its partner
// serves, and no one else's.
func TestQueueScope(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	newQueueWorld(t, f)
	body := f.page("partner", "/queue")
	if got := listed(body); !slices.Equal(got, []string{"5"}) {
		t.Errorf("the partner's queue lists %v, want Globex's #5 only", got)
	}
	if strings.Contains(body, "Acme Bank") {
		t.Error("the partner's queue names Acme")
	}
}

func TestQueueRedirectsOthers(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	for as, want := range map[string]string{"acme": "/cases", "auditor": "/dashboard"} {
		if r := f.get(as, "/queue"); r.status != http.StatusSeeOther || r.location != want {
			t.Errorf("%s on /queue: %d to %q, want %s", as, r.status, r.location, want)
		}
		if r := f.post(as, "/queue/views", url.Values{"name": {"x"}}); r.status != http.StatusSeeOther || r.location != want {
			t.Errorf("%s saving a view: %d to %q, want %s", as, r.status, r.location, want)
		}
	}
}

var viewDelete = regexp.MustCompile(`action="/queue/views/(view_[0-9a-z]{26})/delete"`)

func TestQueueSavedViews(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		w := newQueueWorld(t, f)
		query := url.Values{"criticality": {"C1"}, "org_id": {string(w.c1.OrgID)}}.Encode()
		if !strings.Contains(f.page("agent", "/queue?"+query), `name="query" value="`+strings.ReplaceAll(query, "&", "&amp;")+`"`) {
			t.Fatal("the save form does not carry the filters shown")
		}
		r := f.post("agent", "/queue/views", url.Values{"name": {"Acme urgent"}, "query": {query}})
		if r.status != http.StatusSeeOther || r.location != "/queue?"+query || r.cookies[flashCookie] != "queue.view_saved" {
			t.Fatalf("save: %d to %q, flash %q", r.status, r.location, r.cookies[flashCookie])
		}

		body := f.page("agent", "/queue")
		link := `<a href="/queue?` + strings.ReplaceAll(query, "&", "&amp;") + `">Acme urgent</a>`
		if !strings.Contains(body, link) {
			t.Fatalf("the queue does not list the view as %s", link)
		}
		followed := f.page("agent", r.location)
		if got := listed(followed); !slices.Equal(got, []string{"4"}) {
			t.Errorf("following the view lists %v, want Acme's C1 only", got)
		}
		if !strings.Contains(followed, `aria-current="true">Acme urgent</a>`) {
			t.Error("the view followed is not marked current")
		}
		if strings.Contains(f.page("admin", "/queue"), "Acme urgent") {
			t.Error("another agent sees the view")
		}

		dup := f.post("agent", "/queue/views", url.Values{"name": {"Acme urgent"}, "query": {"state=new"}})
		if dup.status != http.StatusUnprocessableEntity || !strings.Contains(dup.body, "you already have a view with this name") ||
			!strings.Contains(dup.body, `value="Acme urgent"`) || !strings.Contains(dup.body, `aria-invalid="true" aria-describedby="e-name"`) {
			t.Errorf("a taken name: %d, want 422 with the name kept and its problem", dup.status)
		}
		if got := listed(dup.body); !slices.Equal(got, []string{"5", "4", "2", "3"}) {
			t.Errorf("the failed save shows the queue as %v, want the new cases it was filtered to", got)
		}
		if r := f.post("agent", "/queue/views", url.Values{"name": {" "}, "query": {""}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "is required") {
			t.Errorf("no name: %d", r.status)
		}

		m := viewDelete.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no delete button for the view")
		}
		for _, as := range []string{"admin", "partner"} {
			if r := f.post(as, "/queue/views/"+m[1]+"/delete", nil); r.status != http.StatusNotFound {
				t.Errorf("%s deleting the agent's view: %d, want 404", as, r.status)
			}
		}
		if r := f.post("agent", "/queue/views/view_garbage/delete", nil); r.status != http.StatusNotFound {
			t.Errorf("a malformed id: %d, want 404", r.status)
		}
		if r := f.post("agent", "/queue/views/"+m[1]+"/delete", nil); r.status != http.StatusSeeOther || r.cookies[flashCookie] != "queue.view_deleted" {
			t.Fatalf("delete: %d", r.status)
		}
		if strings.Contains(f.page("agent", "/queue"), "Acme urgent") {
			t.Error("the view is still listed after its deletion")
		}
	})
}
