package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"accord/internal/cases"
	"accord/internal/sla"
	"accord/internal/store/dbtest"
)

// The replay page: administrators only; a stored version changes nothing,
// a draft that gives premium C3 one hour flips Acme's case answered after
// two, which the page lists, links and explains under both policies; a
// broken draft comes back with its problems at their lines.
func TestPolicyReplayPage(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	// Friday 10:00 in New York, premium C3: 8 working hours.
	c, err := f.cases.Open(f.as("acme"), f.now, cases.NewCase{Type: cases.Incident, Title: "Slow reports", Description: "Reports take minutes.",
		Details: cases.Details{Criticality: sla.C3, Procedure: "Run a report", Version: "12.4.1", Observed: "Minutes", Expected: "Seconds", Discovery: "Users"}})
	if err != nil {
		t.Fatal(err)
	}
	f.later(2 * time.Hour)
	if _, err := f.cases.Reply(f.as("agent"), f.now, c.ID, cases.NewReply{Body: "Looking into it."}); err != nil {
		t.Fatal(err)
	}
	f.later(time.Hour)

	for _, who := range []string{"agent", "auditor", "acme", "partner"} {
		if r := f.get(who, "/admin/policy/replay"); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Errorf("%s reads the replay page: %d", who, r.status)
		}
		if r := f.post(who, "/admin/policy/replay", url.Values{"version": {"1"}, "from": {"2026-11-01"}, "to": {"2026-12-01"}}); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Errorf("%s runs a replay: %d", who, r.status)
		}
	}
	form := f.page("admin", "/admin/policy/replay")
	if !strings.Contains(form, `<option value="1" >`) && !strings.Contains(form, `value="1"`) || !strings.Contains(form, `name="from" type="date" required value="2025-01-01"`) {
		t.Fatalf("form:\n%s", form)
	}

	r := f.post("admin", "/admin/policy/replay", url.Values{"version": {"1"}, "from": {"2026-11-01"}, "to": {"2026-12-01"}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "Replay under version 1") || !strings.Contains(r.body, "No case changes outcome.") {
		t.Fatalf("under version 1: %d\n%s", r.status, r.body)
	}

	def := sla.DefaultDocument()
	i := strings.Index(def, "\n  premium:")
	draft := def[:i] + strings.Replace(def[i:], "C3: {work: 8h, clock: support-hours}", "C3: {work: 1h, clock: support-hours}", 1)
	r = f.post("admin", "/admin/policy/replay", url.Values{"version": {"draft"}, "doc": {draft}, "from": {"2026-11-01"}, "to": {"2026-12-01"}})
	for _, want := range []string{"Replay under the draft", "1 cases replayed, 1 with a different outcome", `href="/cases/` + string(c.ID) + `"`,
		"Acme", "As it happened (version 1)", "Under the draft", "first response within 1 hour", "1 → <strong>0</strong>"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the draft's report lacks %q", want)
		}
	}
	if r.status != http.StatusOK || t.Failed() {
		t.Fatalf("%d\n%s", r.status, r.body)
	}

	bad := strings.Replace(def, "portal_start: next_working_moment", "portal_start: someday", 1)
	r = f.post("admin", "/admin/policy/replay", url.Values{"version": {"draft"}, "doc": {bad}, "from": {"2026-11-01"}, "to": {"2026-12-01"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "portal_start") || !strings.Contains(r.body, `href="#f-doc"`) || strings.Contains(r.body, "replay-report") {
		t.Fatalf("a broken draft: %d\n%s", r.status, r.body)
	}
	r = f.post("admin", "/admin/policy/replay", url.Values{"version": {"1"}, "from": {"2026-12-01"}, "to": {"2026-11-01"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "must come after from") {
		t.Fatalf("a range backwards: %d\n%s", r.status, r.body)
	}
}
