package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/directory"
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

// TestLicenceSurveyPages: Initech, in the second year of a two-year term,
// is asked for its licence count; its authorized contact answers on the
// contract's page, and the vendor's page shows the survey open, then
// answered with the true-up, which no other customer sees.
func TestLicenceSurveyPages(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		ctx := f.system()
		org, err := f.dir.CreateOrganization(ctx, f.now, directory.NewOrganization{Kind: directory.KindCustomer, Name: "Initech"})
		if err != nil {
			t.Fatal(err)
		}
		for key, authorized := range map[string]bool{"ines": true, "ivan": false} {
			u, err := f.dir.CreateUser(ctx, f.now, directory.NewUser{OrgID: org.ID, Email: key + "@initech.example", Name: "User " + key,
				Role: accord.RoleCustomerContact, AuthorizedContact: authorized, Password: testPassword, Locale: "en-US", TimeZone: "America/New_York"})
			if err != nil {
				t.Fatal(err)
			}
			f.users[key] = u
			r := f.post("", "/login", url.Values{"email": {u.Email}, "password": {testPassword}})
			f.cookie[key] = r.cookies[directory.SessionCookie]
		}
		c, err := f.contracts.Create(ctx, f.now, contracts.NewContract{OrgID: org.ID, Plan: "premium", SignedOn: "2025-01-10", Years: 2,
			AccountOwnerID: f.users["agent"].ID, Licences: []contracts.Licence{{Module: "core", Quantity: 50}, {Module: "vault", Quantity: 3}}})
		if err != nil {
			t.Fatal(err)
		}
		// Its second year began on 2026-01-10: the survey job asks at once.
		if err := f.contracts.Tell(ctx, f.now, contracts.SurveyJob, c.ID, func(context.Context, time.Time, contracts.Mail) error { return nil }); err != nil {
			t.Fatal(err)
		}
		path := "/contracts/" + string(c.ID)
		page := f.page("ines", path)
		for _, want := range []string{"Licence survey of contract year 2 (Jan 10, 2026 – Jan 9, 2027)", "Please answer by Dec 4, 2026.",
			`name="measured[0].quantity"`, "core (50 contracted)", "vault (3 contracted)", "Account owner</dt><dd>User agent",
			"Licence survey of contract year 2 asked, to answer by Dec 4, 2026", "To: User ines"} {
			if !strings.Contains(page, want) {
				t.Errorf("the contract page lacks %q", want)
			}
		}
		if strings.Contains(f.page("ivan", path), `name="measured[0].quantity"`) {
			t.Error("a contact who is not authorized is offered the survey")
		}
		if list := f.page("admin", "/licence-surveys?status=open"); !strings.Contains(list, "Initech") || !strings.Contains(list, "Awaiting the answer") {
			t.Error("the vendor does not see the open survey")
		}

		bad := f.post("ines", path+"/surveys", url.Values{"year": {"2"}, "measured[0].module": {"core"}, "measured[0].quantity": {"many"},
			"measured[1].module": {"vault"}, "measured[1].quantity": {"3"}})
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `id="f-measured[0].quantity"`) || !strings.Contains(bad.body, "must be a whole number") {
			t.Fatalf("a count that is no number: %d", bad.status)
		}
		if r := f.post("ivan", path+"/surveys", url.Values{"year": {"2"}, "measured[0].module": {"core"}, "measured[0].quantity": {"61"}}); r.status != http.StatusForbidden {
			t.Errorf("a contact who is not authorized answers: %d", r.status)
		}
		ok := f.post("ines", path+"/surveys", url.Values{"year": {"2"}, "measured[0].module": {"core"}, "measured[0].quantity": {"61"},
			"measured[1].module": {"vault"}, "measured[1].quantity": {"3"}})
		if ok.status != http.StatusSeeOther || ok.location != path {
			t.Fatalf("answer: %d %s", ok.status, ok.body)
		}
		if page := f.page("ines", path); strings.Contains(page, `name="measured[0].quantity"`) || !strings.Contains(page, "Licence surveys") {
			t.Error("an answered survey is still asked")
		}
		list := f.page("admin", "/licence-surveys?status=answered")
		for _, want := range []string{"Initech", "Answered", "core: 50 contracted, 61 counted (&#43;11)", "vault: 3 contracted, 3 counted (&#43;0)"} {
			if !strings.Contains(list, want) {
				t.Errorf("the vendor's list lacks %q", want)
			}
		}
		golden(t, "licence_surveys", list)
		if strings.Contains(f.page("acme", "/licence-surveys"), "Initech") {
			t.Error("another customer sees Initech's survey")
		}
	})
}
