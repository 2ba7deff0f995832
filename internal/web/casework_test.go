package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/store/dbtest"
)

// TestCaseFeasibilityPage: the vendor records the evaluation through the
// case page's forms, one step at a time, a refused step shows its form
// again with the field named; the customer reads the progress in their
// language and is offered no step of the vendor's.
func TestCaseFeasibilityPage(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	c, err := f.cases.Open(f.as("acme"), f.now, cases.NewCase{Type: cases.Enhancement, Title: "RACF", Description: "Integrate with RACF"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/cases/" + string(c.ID)
	if r := f.post("acme", path+"/feasibility/flagged", url.Values{"platform": {"IBM RACF"}}); r.status != http.StatusSeeOther {
		t.Fatalf("flag: %d %s", r.status, r.body)
	}
	early := f.post("agent", path+"/feasibility/decided", url.Values{"relevant": {"yes"}, "reasons": {"Asked for"}})
	if early.status != http.StatusUnprocessableEntity || !strings.Contains(early.body, "record the feasibility analysis before the decision") {
		t.Fatalf("decision before analysis: %d", early.status)
	}
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/feasibility/analysis_started", url.Values{}},
		{"/feasibility/analysis_recorded", url.Values{"analysis": {"RACF has an **LDAP** bridge."}}},
		{"/feasibility/decided", url.Values{"relevant": {"yes"}, "reasons": {"Banks on z/OS ask for it"}, "target_date": {"2027-06-30"}}},
	} {
		f.later(time.Minute)
		if r := f.post("agent", path+step.path, step.form); r.status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", step.path, r.status, r.body)
		}
	}
	f.later(time.Minute)
	bad := f.post("agent", path+"/feasibility/date_set", url.Values{"target_date": {"2020-01-01"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `id="f-target_date"`) || !strings.Contains(bad.body, "must not be in the past") {
		t.Fatalf("a past date: %d", bad.status)
	}
	customer := f.page("acme", path)
	for _, want := range []string{"Integration with an unsupported platform", "IBM RACF", "Relevant for the product", "Banks on z/OS ask for it",
		"<strong>LDAP</strong>", "2027-06-30", "Feasibility analysis started", "section 10"} {
		if !strings.Contains(customer, want) {
			t.Errorf("the customer's page lacks %q", want)
		}
	}
	for _, absent := range []string{path + "/feasibility/date_set", path + "/feasibility/decided", path + "/feasibility/flagged"} {
		if strings.Contains(customer, absent) {
			t.Errorf("the customer's page offers %s", absent)
		}
	}
	if pt := f.page("acme-admin", path); !strings.Contains(pt, "Relevante para o produto") || !strings.Contains(pt, "Análise de viabilidade iniciada") {
		t.Error("the Portuguese reader does not read the evaluation in Portuguese")
	}
	if agent := f.page("agent", path); !strings.Contains(agent, path+"/feasibility/date_set") {
		t.Error("the agent is not offered to change the date")
	}
}

// TestCaseRepairPage: the customer requests the repair of an appliance,
// the vendor records its steps in order, and the customer follows them.
func TestCaseRepairPage(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	pid, iid := accord.NewID("prd"), accord.NewID("ins")
	if _, err := f.db.SQL().Exec(`INSERT INTO products (id, org_id, key, name, created_at, updated_at) VALUES ($1, $2, 'ca', 'Crypto Appliance', $3, $3)`,
		pid, f.orgs["vendor"].ID, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SQL().Exec(`INSERT INTO installations (id, org_id, product_id, version, deployment, serial, quantity, created_at, updated_at)
		VALUES ($1, $2, $3, '3.21', 'appliance', 'SGA-1200-0042', 1, $4, $4)`, iid, f.orgs["acme"].ID, pid, f.now); err != nil {
		t.Fatal(err)
	}
	c := f.openIncident("The appliance does not boot")
	path := "/cases/" + string(c.ID)
	if r := f.post("acme", path+"/repair", url.Values{"installation_id": {string(iid)}, "serial": {"bad serial"}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, `id="f-serial"`) {
		t.Fatalf("a bad serial: %d", r.status)
	}
	if r := f.post("acme", path+"/repair", url.Values{"installation_id": {string(iid)}}); r.status != http.StatusSeeOther {
		t.Fatalf("request: %d %s", r.status, r.body)
	}
	if r := f.post("agent", path+"/repair/steps", url.Values{"step": {"shipped"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "the next step is received") {
		t.Fatalf("out of order: %d", r.status)
	}
	for _, form := range []url.Values{{"step": {"received"}}, {"step": {"diagnosed"}, "diagnosis": {"Failed power supply"}},
		{"step": {"repaired"}}, {"step": {"shipped"}, "carrier": {"DHL"}, "tracking": {"JD0146"}}} {
		f.later(time.Minute)
		if r := f.post("agent", path+"/repair/steps", form); r.status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", form.Get("step"), r.status, r.body)
		}
	}
	customer := f.page("acme", path)
	for _, want := range []string{"Appliance repair", "SGA-1200-0042", "Crypto Appliance", "Device received", "Failed power supply",
		"Repaired", "Shipped back", "JD0146", "Device shipped back"} {
		if !strings.Contains(customer, want) {
			t.Errorf("the customer's page lacks %q", want)
		}
	}
	if strings.Contains(customer, path+"/repair/steps") {
		t.Error("the customer is offered the vendor's steps")
	}
}
