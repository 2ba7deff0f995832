package web

import (
	"net/url"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/products"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestProductPages: the vendor's administrator adds a product and a
// version with hostile Markdown notes and publishes it; customers read the
// published notes, sanitized, record their installation and see the
// end-of-support notice; the agent is offered the update a case names, in
// one click.
func TestProductPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		r := f.post("admin", "/products", url.Values{"key": {"identity"}, "name": {"Accord Identity"}})
		if r.status != 303 {
			t.Fatalf("create product: %d %s", r.status, r.body)
		}
		productPath := r.location
		if r := f.post("admin", productPath+"/versions", url.Values{"number": {"3..1"}}); r.status != 422 || !strings.Contains(r.body, "field-error") {
			t.Fatalf("a bad number: %d", r.status)
		}
		for _, in := range []url.Values{
			{"number": {"3.20"}, "released_on": {"2024-05-01"}, "end_of_support": {"2026-10-31"}, "notes": {"Old"}},
			{"number": {"3.22"}, "released_on": {"2026-11-01"}, "notes": {"**Passkeys** <script>alert(1)</script> [x](javascript:alert(2))"}},
		} {
			if r := f.post("admin", productPath+"/versions", in); r.status != 303 {
				t.Fatalf("create version: %d %s", r.status, r.body)
			}
		}
		vs, err := f.products.ListVersions(f.system(), accord.ID(strings.TrimPrefix(productPath, "/products/")))
		if err != nil || len(vs) != 2 {
			t.Fatalf("versions %+v, %v", vs, err)
		}
		if body := f.page("acme", productPath); strings.Contains(body, "Passkeys") {
			t.Fatal("a customer sees a draft")
		}
		for _, v := range vs {
			// A draft is unknown to customers.
			if r := f.post("acme-admin", productPath+"/versions/"+string(v.ID)+"/publish", nil); r.status != 404 {
				t.Fatalf("a customer publishes: %d", r.status)
			}
			if r := f.post("admin", productPath+"/versions/"+string(v.ID)+"/publish", nil); r.status != 303 {
				t.Fatalf("publish: %d %s", r.status, r.body)
			}
		}
		body := f.page("acme", productPath)
		if !strings.Contains(body, "<strong>Passkeys</strong>") || strings.Contains(body, "<script>alert") || strings.Contains(body, "javascript:") {
			t.Fatalf("notes not rendered sanitized:\n%s", body)
		}
		if r := f.post("acme", "/installations", url.Values{"product_id": {string(vs[1].ProductID)}, "version": {"3.20"}}); r.status != 403 {
			t.Fatalf("a contact who is not administrator: %d", r.status)
		}
		if r := f.post("acme-admin", "/installations", url.Values{"product_id": {string(vs[1].ProductID)}, "version": {"3.20"}, "deployment": {"on_premises"}}); r.status != 303 {
			t.Fatalf("record installation: %d %s", r.status, r.body)
		}
		if body := f.page("acme", "/installations"); !strings.Contains(body, "support ended on") {
			t.Fatalf("no end-of-support notice:\n%s", body)
		}
		if body := f.page("globex", "/installations"); strings.Contains(body, "Accord Identity</a>") {
			t.Fatal("globex sees acme's installation")
		}
		if body := f.page("agent", "/installations?org_id="+string(f.orgs["acme"].ID)); !strings.Contains(body, "Acme Bank: ") {
			t.Fatalf("the vendor's end-of-support list does not name the customer:\n%s", body)
		}
		kase, err := f.cases.Open(f.as("acme"), f.now, cases.NewCase{Type: cases.Incident, Title: "Login fails", Description: "since the upgrade",
			Details: cases.Details{Criticality: sla.C2, Version: "3.22", Procedure: "sign in", Observed: "error", Expected: "works", Discovery: "users"}})
		if err != nil {
			t.Fatal(err)
		}
		casePath := "/cases/" + string(kase.ID)
		if body := f.page("acme", casePath); strings.Contains(body, "Update installation to") {
			t.Fatal("the customer is shown the agent's suggestion")
		}
		body = f.page("agent", casePath)
		if !strings.Contains(body, "Update installation to 3.22") {
			t.Fatalf("no suggestion on the case page:\n%s", body)
		}
		ins, err := f.products.ListInstallations(f.system(), products.InstallationFilter{OrgID: f.orgs["acme"].ID})
		if err != nil || len(ins) != 1 || ins[0].Version != "3.20" {
			t.Fatalf("the suggestion changed the installation by itself: %+v %v", ins, err)
		}
		if r := f.post("agent", "/installations/"+string(ins[0].ID)+"/version", url.Values{"version": {"3.22"}, "back": {casePath}}); r.status != 303 || r.location != casePath {
			t.Fatalf("one-click update: %d %s", r.status, r.location)
		}
		if body := f.page("agent", casePath); strings.Contains(body, "Update installation to") {
			t.Fatal("the suggestion stays after the update")
		}
	})
}
