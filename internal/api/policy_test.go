package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// importBody is the JSON form of an import of doc.
func importBody(t *testing.T, doc string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"document": doc})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPolicyScenarios(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		def := sla.DefaultDocument()
		shorter := strings.Replace(def, "C4: {work: 12h, clock: support-hours}", "C4: {work: 10h, clock: support-hours}", 1)
		broken := strings.Replace(def, "C2: {work: 1h, clock: 24x7, phone_required: true}", "C2: {work: 1h, clock: suport-hours, phone_required: true}", 1)
		const due = `{"plan":"advanced","criticality":"C3","channel":"portal","received":"2024-03-08T21:00:00-05:00"}`
		const replay = `{"version":2,"from":"2026-01-01","to":"2027-01-01"}`
		runScenarios(t, f, []scenario{
			// reading
			{name: "customer reads the current policy", as: "acme", method: "GET", path: "/api/v1/policy", status: 200,
				has: []string{`"version":1`, `"name":"Urgent"`, `"support_calendar":"support-hours"`, "+55 11 3069-3932", `"work":"30m"`, `"document":"# Accord`}},
			{name: "lapsed partner reads it too", as: "lapsed", method: "GET", path: "/api/v1/policy", status: 200},
			{name: "customer may not read the history", as: "acme", method: "GET", path: "/api/v1/policy/versions", status: 403},
			{name: "agent lists versions", as: "agent", method: "GET", path: "/api/v1/policy/versions", status: 200,
				has: []string{`"version":1`, `"note":"default policy"`, `"created_by":"fixture"`}, hasNot: []string{`"document"`}},
			{name: "auditor reads version 1", as: "auditor", method: "GET", path: "/api/v1/policy/versions/1", status: 200, has: []string{`"sha256"`, `"policy":{`}},
			{name: "no version 99", as: "admin", method: "GET", path: "/api/v1/policy/versions/99", status: 404},
			{name: "version must be a number", as: "admin", method: "GET", path: "/api/v1/policy/versions/one", status: 404},

			// importing
			{name: "agent may not import", as: "agent", method: "POST", path: "/api/v1/policy/versions", body: importBody(t, shorter), status: 403},
			{name: "auditor may not import", as: "auditor", method: "POST", path: "/api/v1/policy/versions", body: importBody(t, shorter), status: 403},
			{name: "customer may not import", as: "acme-admin", method: "POST", path: "/api/v1/policy/versions", body: importBody(t, shorter), status: 403},
			{name: "invalid document names the path", as: "admin", method: "POST", path: "/api/v1/policy/versions", body: importBody(t, broken), status: 400,
				has: []string{`"field":"plans.premium.targets.C2.clock"`, `unknown calendar \"suport-hours\"`}},
			{name: "unknown JSON field", as: "admin", method: "POST", path: "/api/v1/policy/versions", body: `{"yaml":"x"}`, status: 400, has: []string{`"field":"yaml"`}},
			{name: "admin imports", as: "admin", method: "POST", path: "/api/v1/policy/versions", body: importBody(t, shorter), status: 201,
				has: []string{`"version":2`, `"note":"imported"`, `{"path":"plans.premium.targets.C4.work","before":"12h","after":"10h"}`}, hasNot: []string{`"document"`},
				actions: []string{"policy.import"}},
			{name: "same document again", as: "admin", method: "POST", path: "/api/v1/policy/versions", body: importBody(t, shorter), status: 409, has: []string{"identical to version 2"}},
			{name: "the new version is current", as: "globex", method: "GET", path: "/api/v1/policy", status: 200, has: []string{`"version":2`, `"work":"10h"`}},

			// diff and rollback
			{name: "diff", as: "auditor", method: "GET", path: "/api/v1/policy/diff?from=1&to=2", status: 200,
				has: []string{`"from":1`, `"changes":[{"path":"plans.premium.targets.C4.work","before":"12h","after":"10h"}]`}},
			{name: "diff needs to", as: "admin", method: "GET", path: "/api/v1/policy/diff?from=1", status: 400, has: []string{`"field":"to"`}},
			{name: "diff of a missing version", as: "admin", method: "GET", path: "/api/v1/policy/diff?from=1&to=9", status: 404},
			{name: "agent may not roll back", as: "agent", method: "POST", path: "/api/v1/policy/versions/1/rollback", status: 403},
			{name: "roll back to 1", as: "admin", method: "POST", path: "/api/v1/policy/versions/1/rollback", status: 201,
				has: []string{`"version":3`, `"note":"rollback to version 1"`, `"before":"10h","after":"12h"`}, actions: []string{"policy.rollback"}},
			{name: "roll back to a missing version", as: "admin", method: "POST", path: "/api/v1/policy/versions/42/rollback", status: 404},

			// what-if
			{name: "customer asks when a response is due", as: "acme", method: "POST", path: "/api/v1/policy/due", body: due, status: 200,
				has: []string{`{"clock":"support-hours","starts_at":"2024-03-11T12:00:00Z","due_at":"2024-03-11T20:00:00Z","guaranteed":true,"target":"8h","warn_at":"2024-03-11T18:00:00Z","explanation":[`}},
			{name: "portal C1 without a call is best effort", as: "agent", method: "POST", path: "/api/v1/policy/due",
				body: `{"plan":"premium","criticality":"C1","channel":"portal","received":"2024-03-09T03:00:00-05:00"}`, status: 200,
				has: []string{`"guaranteed":false`, `"due_at":"2024-03-11T12:30:00Z"`}},
			{name: "with the call it is guaranteed", as: "agent", method: "POST", path: "/api/v1/policy/due",
				body: `{"plan":"premium","criticality":"C1","channel":"portal","received":"2024-03-09T03:00:00-05:00","phone_at":"2024-03-09T03:10:00-05:00"}`, status: 200,
				has: []string{`"clock":"24x7"`, `"guaranteed":true`, `"due_at":"2024-03-09T08:40:00Z"`}},
			{name: "under version 2", as: "agent", method: "POST", path: "/api/v1/policy/due",
				body: `{"plan":"premium","criticality":"C4","channel":"portal","received":"2024-03-09T03:00:00-05:00","policy_version":2}`, status: 200,
				has: []string{`"due_at":"2024-03-11T22:00:00Z"`}},
			{name: "customers use the current version only", as: "acme", method: "POST", path: "/api/v1/policy/due",
				body: `{"plan":"premium","criticality":"C4","channel":"portal","received":"2024-03-09T03:00:00-05:00","policy_version":2}`, status: 403},
			{name: "a draft document", as: "admin", method: "POST", path: "/api/v1/policy/due",
				body: strings.TrimSuffix(importBody(t, shorter), "}") + `,"plan":"premium","criticality":"C4","channel":"portal","received":"2024-03-09T03:00:00-05:00"}`, status: 200,
				has: []string{`"due_at":"2024-03-11T22:00:00Z"`}},
			{name: "unknown plan", as: "agent", method: "POST", path: "/api/v1/policy/due", body: strings.Replace(due, "advanced", "gold", 1), status: 400, has: []string{`"field":"plan"`}},
			{name: "bad instant", as: "agent", method: "POST", path: "/api/v1/policy/due", body: strings.Replace(due, "2024-03-08T21:00:00-05:00", "Friday", 1), status: 400},

			// replay: vendor administrators only
			{name: "customer may not replay", as: "acme", method: "POST", path: "/api/v1/policy/replay", body: replay, status: 403},
			{name: "partner may not replay", as: "partner", method: "POST", path: "/api/v1/policy/replay", body: replay, status: 403},
			{name: "agent may not replay", as: "agent", method: "POST", path: "/api/v1/policy/replay", body: replay, status: 403},
			{name: "admin replays version 2", as: "admin", method: "POST", path: "/api/v1/policy/replay", body: replay, status: 200,
				has: []string{`"draft":"version 2"`, `"total":{"key":"total"`, `"flips":[]`, `"drift":0`}},
			{name: "admin replays a broken draft", as: "admin", method: "POST", path: "/api/v1/policy/replay",
				body: strings.TrimSuffix(importBody(t, broken), "}") + `,"from":"2026-01-01","to":"2027-01-01"}`, status: 400,
				has: []string{`"field":"plans.premium.targets.C2.clock"`, `unknown calendar`}},
			{name: "replay needs a range", as: "admin", method: "POST", path: "/api/v1/policy/replay", body: `{"version":2,"from":"2026-01-01"}`, status: 400, has: []string{`"field":"to"`}},

			// the policy's audit events are vendor-wide: not in a customer's trail
			{name: "auditor sees policy events", as: "auditor", method: "GET", path: "/api/v1/audit?entity_type=policy_version", status: 200, has: []string{`"action":"policy.rollback"`, `"org_id":"global"`}},
			{name: "customer admin does not", as: "acme-admin", method: "GET", path: "/api/v1/audit?limit=500", status: 200, hasNot: []string{"policy."}},
		})
		t.Run("import as YAML", func(t *testing.T) {
			resp := f.do("admin", "POST", "/api/v1/policy/versions", shorter, "Content-Type", "application/yaml")
			if resp.status != http.StatusCreated || !strings.Contains(resp.body, `"version":4`) {
				t.Fatalf("status %d: %s", resp.status, short(resp.body))
			}
			resp = f.do("admin", "POST", "/api/v1/policy/versions", "plans: [", "Content-Type", "application/yaml")
			if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, "did not find expected node content") {
				t.Fatalf("status %d: %s", resp.status, short(resp.body))
			}
		})
	})
}
