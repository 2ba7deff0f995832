package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/store/dbtest"
)

func TestContractPages(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	acme := f.ctr["acme"]
	ents, err := f.contracts.Entitlements(f.system(), f.now, acme.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Key == "ransomware_response" {
			if _, _, err := f.contracts.Consume(f.as("agent"), f.now, e.ID, contracts.Use{Quantity: 6, Reason: "Night of 3 November",
				RecordType: "case", RecordID: "cas_0123456789abcdefghjkmnpqrs"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	golden(t, "contract_customer", f.page("acme", "/contracts/"+string(acme.ID)))

	list := f.page("acme", "/contracts")
	if !strings.Contains(list, "Premium Support 24x7") || strings.Contains(list, "Globex") {
		t.Error("a customer's contracts are not its own")
	}
	if all := f.page("admin", "/contracts"); !strings.Contains(all, "Acme Bank") || !strings.Contains(all, "Globex Health") {
		t.Error("the vendor does not see every customer's contract")
	}
	if one := f.page("admin", "/contracts?org_id="+string(f.orgs["globex"].ID)); strings.Contains(one, `<td data-label="Customer">Acme Bank`) {
		t.Error("the customer filter does not narrow the list")
	}
	if r := f.get("acme", "/contracts/"+string(f.ctr["globex"].ID)); r.status != http.StatusNotFound {
		t.Errorf("another tenant's contract: %d", r.status)
	}
}

func TestPartnerCustomers(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	body := f.page("partner", "/customers")
	if !strings.Contains(body, "Globex Health") || strings.Contains(body, "Acme Bank") {
		t.Errorf("the partner's customers are not Globex alone")
	}
	if !strings.Contains(body, "/engagements?org_id="+string(f.orgs["globex"].ID)) {
		t.Error("no way to the customer's services")
	}
	if body := f.page("admin", "/customers"); !strings.Contains(body, "Acme Bank") || !strings.Contains(body, "Globex Health") {
		t.Error("the vendor does not see every customer")
	}
	if r := f.get("acme", "/customers"); r.status != http.StatusSeeOther || r.location != "/cases" {
		t.Errorf("a customer's contact: %d to %q", r.status, r.location)
	}
}

// A contact asks on an access-request case; the customer's administrator
// authorizes; a vendor administrator approves; each sees only the step
// that is theirs.
func TestContactRequest(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		bad := f.post("acme", "/contacts/new", url.Values{"name": {"Bia Souza"}, "email": {"not an address"}, "reason": {"New DBA"}})
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `value="Bia Souza"`) || !strings.Contains(bad.body, `id="f-email"`) {
			t.Fatalf("a bad address: %d", bad.status)
		}
		ok := f.post("acme", "/contacts/new", url.Values{"name": {"Bia Souza"}, "email": {"bia@acme.example"}, "reason": {"New DBA"}})
		if ok.status != http.StatusSeeOther || ok.location != "/contact-requests" {
			t.Fatalf("request: %d %s", ok.status, ok.body)
		}
		reqs, _, err := f.contracts.ContactRequests(f.as("admin"), f.now, contracts.RequestFilter{}, accord.Page{})
		if err != nil || len(reqs) != 1 || reqs[0].CaseID == "" {
			t.Fatalf("requests: %v %v", reqs, err)
		}
		id := string(reqs[0].ID)
		step := func(action string) string { return "/contact-requests/" + id + "/" + action }
		mine := f.page("acme-admin", "/contact-requests")
		if !strings.Contains(mine, "Bia Souza") || !strings.Contains(mine, "Pendente") || !strings.Contains(mine, `href="/cases/`+string(reqs[0].CaseID)+`"`) {
			t.Error("the customer's administrator does not see the request pending, with its case")
		}
		if !strings.Contains(mine, `action="`+step("authorize")+`"`) || strings.Contains(mine, step("approve")) {
			t.Error("the customer's administrator is not offered the authorization, or is offered the approval")
		}
		if page := f.page("admin", "/contact-requests"); strings.Contains(page, step("approve")) || strings.Contains(page, step("authorize")) {
			t.Error("the vendor is offered a step before the customer authorized")
		}
		if r := f.post("acme-admin", step("authorize"), url.Values{"note": {"Our new DBA"}}); r.status != http.StatusSeeOther {
			t.Fatalf("authorize: %d %s", r.status, r.body)
		}
		if !strings.Contains(f.page("admin", "/contact-requests?status=authorized"), `action="`+step("approve")+`"`) {
			t.Error("the vendor administrator is not offered the approval")
		}
		if strings.Contains(f.page("agent", "/contact-requests"), step("approve")) {
			t.Error("an agent, who may not decide, is offered the decision")
		}
		if r := f.post("agent", step("approve"), nil); r.status != http.StatusForbidden {
			t.Errorf("an agent approves: %d", r.status)
		}
		if r := f.post("admin", step("approve"), url.Values{"note": {"Welcome"}}); r.status != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		u, err := f.dir.UserByEmail(f.system(), f.now, "bia@acme.example")
		if err != nil || !u.AuthorizedContact || u.OrgID != f.orgs["acme"].ID || u.Activated() {
			t.Errorf("after approval the person is not Acme's authorized contact awaiting activation: %+v %v", u, err)
		}
		if r := f.post("admin", step("reject"), url.Values{"note": {"no"}}); r.status != http.StatusConflict || !strings.Contains(r.body, "already approved") {
			t.Errorf("rejecting an approved request: %d", r.status)
		}
		page := f.page("acme", "/cases/"+string(reqs[0].CaseID))
		for _, want := range []string{"Authorized the access request for the customer.", "Our new DBA", "Approved the access request", "Welcome", "the access request was approved"} {
			if !strings.Contains(page, want) {
				t.Errorf("the case page lacks %q", want)
			}
		}
	})
}
