package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"accord/internal/changes"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestChangesOverHTTP walks issue 16's "Done when" over HTTP: a medium
// change that needs a shutdown, a schedule refused with the next allowed
// start as a structured detail, four eyes, the snapshot gate, and the
// activity report. The fixture's clock stands on Friday 20 November 2026,
// 16:00 in Paris.
func TestChangesOverHTTP(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		var env struct {
			ID string `json:"id"`
		}
		f.do("agent", "POST", "/api/v1/environments", map[string]any{"org_id": f.orgs["acme"].ID, "name": "Production", "product": "Vault",
			"version": "4.2", "status": "active"}).json(t, &env)
		if r := f.do("acme", "POST", "/api/v1/environments/"+env.ID+"/maintenance-windows", map[string]string{"rule": "first saturday 22:00-02:00",
			"vendor_agreed_by": "x", "customer_agreed_by": "y"}); r.status != http.StatusForbidden {
			t.Fatalf("a customer recording a window: %d", r.status)
		}
		r := f.do("agent", "POST", "/api/v1/environments/"+env.ID+"/maintenance-windows", map[string]string{"rule": "first saturday 22:00-22:30",
			"vendor_agreed_by": "Vendor", "customer_agreed_by": "Acme"})
		if r.status != http.StatusCreated || !strings.Contains(r.body, `"warning"`) || !strings.Contains(r.body, `"monthly_minutes":30`) {
			t.Fatalf("a short window: %d %s", r.status, r.body)
		}
		r = f.do("agent", "POST", "/api/v1/environments/"+env.ID+"/maintenance-windows", map[string]string{"rule": "first saturday 22:30-02:00",
			"vendor_agreed_by": "Vendor", "customer_agreed_by": "Acme"})
		if r.status != http.StatusCreated || strings.Contains(r.body, `"warning"`) {
			t.Fatalf("the window: %d %s", r.status, r.body)
		}

		var c changes.Change
		r = f.do("acme", "POST", "/api/v1/changes", map[string]any{"environment_id": env.ID, "title": "Upgrade to 4.3", "reason": "Login bug",
			"implementation_plan": "stop, upgrade, start", "backout_plan": "restore the snapshot", "needs_shutdown": true,
			"planned_start": "2026-11-25T10:00:00Z", "duration_minutes": 120})
		if r.status != http.StatusCreated {
			t.Fatalf("request: %d %s", r.status, r.body)
		}
		r.json(t, &c)
		path := "/api/v1/changes/" + string(c.ID)
		medium := map[string]string{"complexity": "medium", "importance": "medium", "impact": "low", "reversibility": "easy"}
		agent := string(f.users["agent"].ID)
		r = f.do("admin", "POST", path+"/assess", map[string]any{"assessment": medium, "implementer_id": agent})
		if r.status != 400 || !strings.Contains(r.body, `"field":"planned_start"`) || !strings.Contains(r.body, `"next_allowed_start":"2026-12-05T21:30:00Z"`) {
			t.Fatalf("a schedule outside the window: %d %s", r.status, r.body)
		}
		r = f.do("admin", "POST", path+"/assess", map[string]any{"assessment": medium, "implementer_id": agent, "planned_start": "2026-12-05T21:30:00Z"})
		if r.status != 200 || !strings.Contains(r.body, `"type":"medium"`) {
			t.Fatalf("assess: %d %s", r.status, r.body)
		}
		for who, want := range map[string]int{"globex": 404, "agent": 403, "auditor": 403} {
			if r := f.do(who, "POST", path+"/approve", nil); r.status != want {
				t.Errorf("%s approving: %d, want %d (%s)", who, r.status, want, r.body)
			}
		}
		if r := f.do("agent", "POST", path+"/validate", nil); r.status != 403 {
			t.Errorf("the implementer validating: %d %s", r.status, r.body)
		}
		f.do("acme", "POST", path+"/approve", nil)
		if r := f.do("admin", "POST", path+"/validate", nil); r.status != 200 || !strings.Contains(r.body, `"state":"approved"`) {
			t.Fatalf("validate: %d %s", r.status, r.body)
		}
		if r := f.do("admin", "POST", path+"/schedule", nil); r.status != 200 || !strings.Contains(r.body, `"state":"scheduled"`) {
			t.Fatalf("schedule: %d %s", r.status, r.body)
		}
		// Before its slot the change does not start; in it, only after a
		// snapshot.
		if r := f.do("agent", "POST", path+"/start", nil); r.status != 422 || !strings.Contains(r.body, `"planned_end":"2026-12-05T23:30:00Z"`) {
			t.Fatalf("a start before the slot: %d %s", r.status, r.body)
		}
		f.at(time.Date(2026, 12, 5, 21, 30, 0, 0, time.UTC))
		if r := f.do("agent", "POST", path+"/start", nil); r.status != 422 || !strings.Contains(r.body, `"field":"snapshot"`) {
			t.Fatalf("a start without a snapshot: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", "/api/v1/environments/"+env.ID+"/snapshots", map[string]any{"taken_at": f.now.Add(-time.Minute).Format(time.RFC3339),
			"kind": "pre-change", "location": "gs://b/1", "checksum": "sha256:00"}); r.status != 201 {
			t.Fatalf("snapshot: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", path+"/start", nil); r.status != 200 {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", path+"/complete", map[string]string{"what_was_done": "upgraded"}); r.status != 400 || !strings.Contains(r.body, `"field":"result"`) {
			t.Fatalf("a completion without its result: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", path+"/complete", map[string]string{"what_was_done": "upgraded", "result": "4.3 runs"}); r.status != 200 || !strings.Contains(r.body, `"state":"completed"`) {
			t.Fatalf("complete: %d %s", r.status, r.body)
		}
		r = f.do("acme", "GET", path+"/timeline", nil)
		for _, k := range []string{"requested", "submitted", "assessed", "approved", "validated", "scheduled", "started", "completed"} {
			if !strings.Contains(r.body, `"kind":"`+k+`"`) {
				t.Errorf("the timeline has no %s: %s", k, r.body)
			}
		}

		// A change without a shutdown at Friday 17:30 in Paris, for an hour,
		// is refused with Monday 08:00 as its next start.
		r = f.do("acme", "POST", "/api/v1/changes", map[string]any{"environment_id": env.ID, "title": "Rotate a certificate", "reason": "expires",
			"implementation_plan": "rotate", "backout_plan": "put the old one back", "planned_start": "2026-11-20T16:30:00Z", "duration_minutes": 60})
		r.json(t, &c)
		r = f.do("admin", "POST", "/api/v1/changes/"+string(c.ID)+"/assess", map[string]any{"assessment": medium})
		if r.status != 400 || !strings.Contains(r.body, `"next_allowed_start":"2026-11-23T07:00:00Z"`) || !strings.Contains(r.body, "Mon 2026-11-23 08:00 CET") {
			t.Fatalf("Friday 17:30: %d %s", r.status, r.body)
		}
	})
}
