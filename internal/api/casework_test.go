package api

import (
	"testing"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// installation writes a product of the vendor and an installation of it at
// the customer org, straight into the products' tables, and names it.
func (f *fixture) installation(name, org, deployment, serial string) {
	f.t.Helper()
	pid, iid := accord.NewID("prd"), accord.NewID("ins")
	var s any
	if serial != "" {
		s = serial
	}
	if _, err := f.db.SQL().Exec(`INSERT INTO products (id, org_id, key, name, created_at, updated_at) VALUES ($1, $2, $3, 'Crypto Appliance', $4, $4)`,
		pid, f.orgs["vendor"].ID, string(pid), f.now); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.SQL().Exec(`INSERT INTO installations (id, org_id, product_id, version, deployment, serial, quantity, created_at, updated_at)
		VALUES ($1, $2, $3, '3.21', $4, $5, 1, $6, $6)`, iid, f.orgs[org].ID, pid, deployment, s, f.now); err != nil {
		f.t.Fatal(err)
	}
	f.ids[name] = string(iid)
}

// notifyJobs counts the case.notify jobs of a case's entries.
func (f *fixture) notifyJobs(name string) int {
	f.t.Helper()
	var n int
	if err := f.db.SQL().QueryRow(`SELECT count(*) FROM jobs j JOIN case_entries e ON e.id = j.subject_id WHERE j.kind = $1 AND e.case_id = $2 AND e.kind IN ('feasibility', 'repair')`,
		cases.NotifyJob, f.ids[name]).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestCaseFeasibility(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "racf", `{"type":"enhancement","title":"Integrate with RACF","description":"We run z/OS"}`)
		f.openCase("acme", "q", `{"type":"question","title":"How to rotate","description":"?"}`)
		path := "/api/v1/cases/{id:racf}/feasibility"
		runScenarios(t, f, []scenario{
			{name: "nothing to read before the flag", as: "acme", method: "GET", path: path, status: 404},
			{name: "only enhancement requests", as: "agent", method: "PUT", path: "/api/v1/cases/{id:q}/feasibility", body: `{"platform":"RACF"}`, status: 409},
			{name: "the platform is required", as: "acme", method: "PUT", path: path, body: `{}`, status: 400, has: []string{`"field":"platform"`}},
			{name: "the customer flags it", as: "acme", method: "PUT", path: path, body: `{"platform":"IBM RACF"}`, status: 200,
				has: []string{`"feasibility":{"platform":"IBM RACF","state":"requested","flagged_at":"2026-11-20T15:00:00Z"}`}, actions: []string{"case.feasibility_flagged"}},
			{name: "the customer does not evaluate", as: "acme", method: "POST", path: path + "/start", status: 403},
			{name: "a partner agent who does not serve the customer does not see it", as: "partner", method: "POST", path: path + "/start", status: 404},
			{name: "decision before analysis", as: "agent", method: "POST", path: path + "/decision", body: `{"relevant":true,"reasons":"Asked for"}`,
				status: 409, has: []string{`"field":"analysis"`, "record the feasibility analysis before the decision"}},
			{name: "analysis before the start", as: "agent", method: "POST", path: path + "/analysis", body: `{"analysis":"x"}`, status: 409, has: []string{`"field":"state"`}},
			{name: "start", as: "agent", method: "POST", path: path + "/start", status: 200,
				has: []string{`"state":"under_analysis"`, `"state":"analysing"`, `"started_at":"2026-11-20T15:00:00Z"`}, actions: []string{"case.feasibility_analysis_started"}},
			{name: "no new platform once started", as: "acme", method: "PUT", path: path, body: `{"platform":"z/OS"}`, status: 409, has: []string{`"field":"platform"`}},
			{name: "analysis", as: "agent", method: "POST", path: path + "/analysis", body: `{"analysis":"RACF has an LDAP bridge; feasible in one release."}`, status: 200,
				has: []string{`"state":"analysed"`, `LDAP bridge`}, actions: []string{"case.feasibility_analysis_recorded"}},
			{name: "reasons are required", as: "agent", method: "POST", path: path + "/decision", body: `{"relevant":true}`, status: 400, has: []string{`"field":"reasons"`}},
			{name: "relevant is required", as: "agent", method: "POST", path: path + "/decision", body: `{"reasons":"x"}`, status: 400, has: []string{`"field":"relevant"`}},
			{name: "a date only when relevant", as: "agent", method: "POST", path: path + "/date", body: `{"target_date":"2027-06-30"}`, status: 409, has: []string{`"field":"target_date"`}},
			{name: "relevant", as: "agent", method: "POST", path: path + "/decision", body: `{"relevant":true,"reasons":"Banks on z/OS ask for it"}`, status: 200,
				has: []string{`"state":"accepted"`, `"state":"relevant"`, `"relevant":true`, `"reasons":"Banks on z/OS ask for it"`}, actions: []string{"case.feasibility_decided"}},
			{name: "no past date", as: "agent", method: "POST", path: path + "/date", body: `{"target_date":"2026-11-19"}`, status: 400, has: []string{`"field":"target_date"`}},
			{name: "date set", as: "agent", method: "POST", path: path + "/date", body: `{"target_date":"2027-06-30"}`, status: 200,
				has: []string{`"target_date":"2027-06-30"`}, actions: []string{"case.feasibility_date_set"}},
			{name: "date changed", as: "agent", method: "POST", path: path + "/date", body: `{"target_date":"2027-09-30","note":"Moved to Q3"}`, status: 200,
				has: []string{`"target_date":"2027-09-30"`}, actions: []string{"case.feasibility_date_set"}},
			{name: "the customer reads it", as: "acme", method: "GET", path: path, status: 200,
				has: []string{`"state":"relevant"`, `"target_date":"2027-09-30"`, `"analysis":"RACF has an LDAP bridge; feasible in one release."`}},
			{name: "another customer does not", as: "globex", method: "GET", path: path, status: 404},
			{name: "and sees each step", as: "acme", method: "GET", path: "/api/v1/cases/{id:racf}/timeline", status: 200,
				has: []string{`"step":"flagged"`, `"step":"analysis_started"`, `"step":"analysis_recorded"`, `"step":"decided"`, `"date":"2027-09-30","previous":"2027-06-30"`, "Moved to Q3"}},
		})
		if n := f.notifyJobs("racf"); n != 6 {
			t.Errorf("%d notifications scheduled, want one per step (6)", n)
		}
	})
}

func TestCaseFeasibilityNotRelevant(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "amiga", `{"type":"enhancement","title":"Integrate with AmigaOS","description":"Please"}`)
		path := "/api/v1/cases/{id:amiga}/feasibility"
		for _, step := range []struct{ method, path, body string }{
			{"PUT", path, `{"platform":"AmigaOS"}`}, {"POST", path + "/start", ``}, {"POST", path + "/analysis", `{"analysis":"No TLS stack"}`},
		} {
			if resp := f.do("agent", step.method, f.expand(step.path), step.body); resp.status != 200 {
				t.Fatalf("%s: %d %s", step.path, resp.status, resp.body)
			}
		}
		runScenarios(t, f, []scenario{
			{name: "not relevant gets no date", as: "agent", method: "POST", path: path + "/decision", body: `{"relevant":false,"reasons":"x","target_date":"2027-01-01"}`,
				status: 400, has: []string{`"field":"target_date"`}},
			{name: "not relevant declines the request", as: "agent", method: "POST", path: path + "/decision", body: `{"relevant":false,"reasons":"One customer on a retired platform"}`,
				status: 200, has: []string{`"state":"declined"`, `"state":"not_relevant"`, `"relevant":false`, `"closed_at":"2026-11-20T15:00:00Z"`},
				actions: []string{"case.feasibility_decided"}},
			{name: "decided once", as: "agent", method: "POST", path: path + "/date", body: `{"target_date":"2027-01-01"}`, status: 409},
		})
	})
}

func TestCaseRepair(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.installation("device", "acme", "appliance", "SGA-1200-0042")
		f.installation("nameless", "acme", "appliance", "")
		f.installation("software", "acme", "on_premises", "")
		f.installation("theirs", "globex", "appliance", "SGA-1200-0077")
		f.openCase("acme", "boot", `{"type":"incident","title":"Appliance does not boot","description":"Dead","details":{"customer_criticality":"C2","procedure":"power on","version":"3.21","observed":"no boot","expected":"boot","discovery":"monitoring"}}`)
		f.openCase("acme", "wish", `{"type":"enhancement","title":"A bigger disk","description":"Please"}`)
		path := "/api/v1/cases/{id:boot}/repair"
		runScenarios(t, f, []scenario{
			{name: "nothing to read before the request", as: "acme", method: "GET", path: path, status: 404},
			{name: "the installation is required", as: "acme", method: "PUT", path: path, body: `{"serial":"SGA-1200-0042"}`, status: 400, has: []string{`"field":"installation_id"`}},
			{name: "a plausible serial", as: "acme", method: "PUT", path: path, body: `{"installation_id":"{id:device}","serial":"x y"}`, status: 400, has: []string{`"field":"serial"`}},
			{name: "another customer's appliance", as: "acme", method: "PUT", path: path, body: `{"installation_id":"{id:theirs}"}`, status: 400, has: []string{`"field":"installation_id"`}, hasNot: []string{"SGA-1200-0077"}},
			{name: "only appliances", as: "acme", method: "PUT", path: path, body: `{"installation_id":"{id:software}","serial":"SGA-1"}`, status: 400, has: []string{`"field":"installation_id"`, "on premises"}},
			{name: "the serial the inventory knows", as: "acme", method: "PUT", path: path, body: `{"installation_id":"{id:device}","serial":"SGA-1200-9999"}`, status: 400, has: []string{`"field":"serial"`}},
			{name: "a serial the inventory lacks is required", as: "acme", method: "PUT", path: path, body: `{"installation_id":"{id:nameless}"}`, status: 400, has: []string{`"field":"serial"`}},
			{name: "not an enhancement", as: "acme", method: "PUT", path: "/api/v1/cases/{id:wish}/repair", body: `{"installation_id":"{id:device}"}`, status: 409},
			{name: "the customer requests the repair", as: "acme", method: "PUT", path: path, body: `{"installation_id":"{id:device}"}`, status: 200,
				has: []string{`"repair":{"installation_id":"{id:device}","product":"Crypto Appliance","serial":"SGA-1200-0042","step":"requested"`}, actions: []string{"case.repair_requested"}},
			{name: "the customer does not record steps", as: "acme", method: "POST", path: path + "/steps", body: `{"step":"received"}`, status: 403},
			{name: "in order", as: "agent", method: "POST", path: path + "/steps", body: `{"step":"diagnosed","diagnosis":"PSU"}`, status: 409,
				has: []string{`"field":"step"`, "the next step is received"}},
			{name: "received", as: "agent", method: "POST", path: path + "/steps", body: `{"step":"received"}`, status: 200,
				has: []string{`"step":"received"`, `"received_at":"2026-11-20T15:00:00Z"`}, actions: []string{"case.repair_received"}},
			{name: "the request no longer changes", as: "acme", method: "PUT", path: path, body: `{"installation_id":"{id:nameless}","serial":"SGA-1"}`, status: 409},
			{name: "diagnosed", as: "agent", method: "POST", path: path + "/steps", body: `{"step":"diagnosed","diagnosis":"Failed power supply"}`, status: 200,
				has: []string{`"diagnosis":"Failed power supply"`}, actions: []string{"case.repair_diagnosed"}},
			{name: "replaced", as: "agent", method: "POST", path: path + "/steps", body: `{"step":"replaced","replacement_serial":"SGA-1200-0100"}`, status: 200,
				has: []string{`"fix":"replaced"`, `"replacement_serial":"SGA-1200-0100"`}, actions: []string{"case.repair_replaced"}},
			{name: "shipped", as: "agent", method: "POST", path: path + "/steps", body: `{"step":"shipped","carrier":"DHL","tracking":"JD0146"}`, status: 200,
				has: []string{`"step":"shipped"`, `"carrier":"DHL"`, `"tracking":"JD0146"`}, actions: []string{"case.repair_shipped"}},
			{name: "complete", as: "agent", method: "POST", path: path + "/steps", body: `{"step":"received"}`, status: 409, has: []string{"the repair is complete"}},
			{name: "the customer sees the progress", as: "acme", method: "GET", path: "/api/v1/cases/{id:boot}/timeline", status: 200,
				has: []string{`"kind":"repair"`, `"step":"requested"`, `"step":"diagnosed"`, "Failed power supply", `"step":"shipped"`}},
			{name: "another customer does not", as: "globex", method: "GET", path: path, status: 404},
		})
		if n := f.notifyJobs("boot"); n != 5 {
			t.Errorf("%d notifications scheduled, want one per step (5)", n)
		}
	})
}
