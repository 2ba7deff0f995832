package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// testPlans stands in for the support policy's plans.
var testPlans = contracts.StaticPlans{
	"advanced": {Name: "Advanced 24x7"},
	"premium": {Name: "Premium Support 24x7", Inclusions: []contracts.Inclusion{
		{Key: "assisted_upgrade", Name: "Assisted upgrade", Quantity: 1, Unit: "assisted upgrade"},
		{Key: "ransomware_response", Name: "Ransomware incident response", Quantity: 32, Unit: "engineer-hours"},
	}},
}

// entitlementOf returns the id of a customer's current-year entitlement.
func entitlementOf(t *testing.T, f *fixture, customer, key string) string {
	t.Helper()
	var l struct{ Items []contracts.Entitlement }
	f.do("admin", "GET", "/api/v1/contracts/"+string(f.ctr[customer].ID)+"/entitlements", nil).json(t, &l)
	for _, e := range l.Items {
		if e.Key == key && e.StartsOn <= "2026-11-20" && "2026-11-20" <= e.EndsOn {
			return string(e.ID)
		}
	}
	t.Fatalf("%s has no current %s entitlement in %+v", customer, key, l.Items)
	return ""
}

func TestContractScenarios(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		upgrade := entitlementOf(t, f, "acme", "assisted_upgrade")
		hours := entitlementOf(t, f, "globex", "ransomware_response")
		runScenarios(t, f, []scenario{
			// contracts
			{name: "customer reads own contract", as: "acme", method: "GET", path: "/api/v1/contracts/{contract:acme}", status: 200,
				has: []string{`"status":"active"`, `"ends_on":"2027-03-14"`, `"plan":"premium"`}},
			{name: "customer lists only own", as: "acme", method: "GET", path: "/api/v1/contracts", status: 200, has: []string{"{contract:acme}"}, hasNot: []string{"{contract:globex}"}},
			{name: "customer cannot see another's", as: "acme", method: "GET", path: "/api/v1/contracts/{contract:globex}", status: 404},
			{name: "partner reads served customer's", as: "partner", method: "GET", path: "/api/v1/contracts/{contract:globex}", status: 200, has: []string{`"partner_id":"{org:partner}"`, `"ends_on":"2028-05-31"`}},
			{name: "lapsed partner refused", as: "lapsed", method: "GET", path: "/api/v1/contracts/{contract:globex}", status: 403, has: []string{"expired on 2026-10-31"}},
			{name: "agent may not create", as: "agent", method: "POST", path: "/api/v1/contracts", body: `{"org_id":"{org:acme}","plan":"premium","signed_on":"2030-01-01","years":1}`, status: 403},
			{name: "overlapping contract refused", as: "admin", method: "POST", path: "/api/v1/contracts", body: `{"org_id":"{org:acme}","plan":"premium","signed_on":"2027-01-01","years":1}`, status: 409, has: []string{"renew it instead"}},
			{name: "unknown plan", as: "admin", method: "POST", path: "/api/v1/contracts", body: `{"org_id":"{org:acme}","plan":"platinum","signed_on":"2030-01-01","years":1}`, status: 400, has: []string{`"field":"plan"`}},
			{name: "zero years", as: "admin", method: "POST", path: "/api/v1/contracts", body: `{"org_id":"{org:acme}","plan":"premium","signed_on":"2030-01-01","years":0}`, status: 400, has: []string{`"field":"years"`}},
			{name: "bad date", as: "admin", method: "POST", path: "/api/v1/contracts", body: `{"org_id":"{org:acme}","plan":"premium","signed_on":"2030-02-30","years":1}`, status: 400, has: []string{`"field":"signed_on"`}},
			{name: "partner must serve customer", as: "admin", method: "POST", path: "/api/v1/contracts", body: `{"org_id":"{org:acme}","partner_id":"{org:partner}","plan":"premium","signed_on":"2030-01-01","years":1}`, status: 400, has: []string{`"field":"partner_id"`}},
			{name: "vendor is no customer", as: "admin", method: "POST", path: "/api/v1/contracts", body: `{"org_id":"{org:vendor}","plan":"premium","signed_on":"2030-01-01","years":1}`, status: 400, has: []string{`"field":"org_id"`}},
			{name: "leap-day contract", as: "admin", method: "POST", path: "/api/v1/contracts", body: `{"org_id":"{org:acme}","plan":"advanced","signed_on":"2032-02-29","years":1,"licences":[{"module":"core","quantity":10}]}`,
				status: 201, has: []string{`"ends_on":"2033-02-28"`, `"status":"pending"`}, actions: []string{"contract.create"}},
			{name: "renew acme", as: "admin", method: "POST", path: "/api/v1/contracts/{contract:acme}/renew", body: `{"plan":"advanced","years":2}`,
				status: 201, has: []string{`"signed_on":"2027-03-15"`, `"ends_on":"2029-03-14"`, `"previous_id":"{contract:acme}"`, `"status":"pending"`}, actions: []string{"contract.renew"}},
			{name: "renew twice", as: "admin", method: "POST", path: "/api/v1/contracts/{contract:acme}/renew", body: `{}`, status: 409, has: []string{"already renewed"}},
			{name: "terms history", as: "acme", method: "GET", path: "/api/v1/contracts/{contract:acme}/terms", status: 200, has: []string{"{contract:acme}", `"signed_on":"2027-03-15"`}},
			{name: "renewal seen as next", as: "acme", method: "GET", path: "/api/v1/contracts/{contract:acme}", status: 200, has: []string{`"next_id":"ctr_`}},
			{name: "cancel needs reason", as: "admin", method: "POST", path: "/api/v1/contracts/{contract:globex}/cancel", body: `{}`, status: 400, has: []string{`"field":"reason"`}},
			// Counts past PostgreSQL's INTEGER were a 500 there and stored on
			// SQLite: both engines refuse them alike.
			{name: "licences beyond the largest count", as: "admin", method: "POST", path: "/api/v1/contracts", body: `{"org_id":"{org:acme}","plan":"advanced","signed_on":"2040-01-01","years":1,"licences":[{"module":"core","quantity":3000000000}]}`,
				status: 400, has: []string{`"field":"licences[0].quantity"`, "at most 1000000"}},
			{name: "survey beyond the largest count", as: "admin", method: "POST", path: "/api/v1/contracts/{contract:acme}/surveys", body: `{"year":1,"measured":[{"module":"core","quantity":99999999999999}]}`,
				status: 400, has: []string{`"field":"measured[0].quantity"`, "at most 1000000"}},

			// entitlements
			{name: "entitlements with used and left", as: "acme", method: "GET", path: "/api/v1/contracts/{contract:acme}/entitlements", status: 200,
				has: []string{`"key":"assisted_upgrade"`, `"quantity":1`, `"used":0`, `"left":1`, `"starts_on":"2026-03-15"`}},
			{name: "globex has three years", as: "partner", method: "GET", path: "/api/v1/contracts/{contract:globex}/entitlements?year=3", status: 200,
				has: []string{`"starts_on":"2027-06-01"`, `"ends_on":"2028-05-31"`}, hasNot: []string{`"year":1`}},
			{name: "customer may not consume", as: "acme", method: "POST", path: "/api/v1/entitlements/" + upgrade + "/consumptions", body: `{"quantity":1,"record_type":"engagement","record_id":"eng-1"}`, status: 403},
			{name: "use beyond the largest count", as: "admin", method: "POST", path: "/api/v1/entitlements/" + upgrade + "/consumptions", body: `{"quantity":3000000000,"record_type":"engagement","record_id":"eng-1","override":true,"reason":"typo"}`,
				status: 400, has: []string{`"field":"quantity"`, "at most 1000000"}},
			{name: "consume needs a record", as: "agent", method: "POST", path: "/api/v1/entitlements/" + upgrade + "/consumptions", body: `{"quantity":1}`, status: 400, has: []string{`"field":"record_type"`}},
			{name: "agent consumes the upgrade", as: "agent", method: "POST", path: "/api/v1/entitlements/" + upgrade + "/consumptions", body: `{"quantity":1,"record_type":"engagement","record_id":"eng-1"}`,
				status: 201, has: []string{`"used":1`, `"left":0`, `"record_type":"engagement"`}, actions: []string{"entitlement.consume"}},
			{name: "none left", as: "agent", method: "POST", path: "/api/v1/entitlements/" + upgrade + "/consumptions", body: `{"quantity":1,"record_type":"engagement","record_id":"eng-2"}`,
				status: 422, has: []string{"only 0 of 1 assisted upgrade left in contract year 2026-03-15..2027-03-14"}},
			{name: "agent may not override", as: "agent", method: "POST", path: "/api/v1/entitlements/" + upgrade + "/consumptions", body: `{"quantity":1,"record_type":"engagement","record_id":"eng-2","override":true,"reason":"goodwill"}`, status: 403},
			{name: "override needs reason", as: "admin", method: "POST", path: "/api/v1/entitlements/" + upgrade + "/consumptions", body: `{"quantity":1,"record_type":"engagement","record_id":"eng-2","override":true}`, status: 400, has: []string{`"field":"reason"`}},
			{name: "admin overrides", as: "admin", method: "POST", path: "/api/v1/entitlements/" + upgrade + "/consumptions", body: `{"quantity":1,"record_type":"engagement","record_id":"eng-2","override":true,"reason":"goodwill after outage"}`,
				status: 201, has: []string{`"used":2`, `"left":0`, `"override":true`}, actions: []string{"entitlement.override"}},
			{name: "consumptions listed", as: "acme", method: "GET", path: "/api/v1/entitlements/" + upgrade + "/consumptions", status: 200, has: []string{"eng-1", "eng-2", "goodwill after outage"}},
			{name: "hours in part", as: "agent", method: "POST", path: "/api/v1/entitlements/" + hours + "/consumptions", body: `{"quantity":30,"record_type":"case","record_id":"case-9"}`, status: 201, has: []string{`"left":2`}, actions: []string{"entitlement.consume"}},
			{name: "hours beyond what is left", as: "agent", method: "POST", path: "/api/v1/entitlements/" + hours + "/consumptions", body: `{"quantity":8,"record_type":"case","record_id":"case-9"}`, status: 422, has: []string{"only 2 of 32 engineer-hours left in contract year 2026-06-01..2027-05-31 (asked for 8)"}},

			// licence survey and true-up
			{name: "survey by admin only", as: "agent", method: "POST", path: "/api/v1/contracts/{contract:acme}/surveys", body: `{"year":1,"measured":[{"module":"core","quantity":130}]}`, status: 403},
			{name: "survey year out of term", as: "admin", method: "POST", path: "/api/v1/contracts/{contract:acme}/surveys", body: `{"year":2,"measured":[{"module":"core","quantity":130}]}`, status: 400, has: []string{`"field":"year"`}},
			{name: "no survey yet", as: "admin", method: "GET", path: "/api/v1/organizations/{org:acme}/true-up", status: 422},
			{name: "record survey", as: "admin", method: "POST", path: "/api/v1/contracts/{contract:acme}/surveys", body: `{"year":1,"measured":[{"module":"core","quantity":130},{"module":"vault","quantity":4}]}`,
				status: 201, has: []string{`"measured":130`}, actions: []string{"licence_survey.record"}},
			{name: "true-up", as: "acme", method: "GET", path: "/api/v1/organizations/{org:acme}/true-up", status: 200,
				has: []string{`{"module":"core","licensed":100,"measured":130,"difference":30}`, `{"module":"vault","licensed":0,"measured":4,"difference":4}`}},
			{name: "true-up of another customer", as: "globex", method: "GET", path: "/api/v1/organizations/{org:acme}/true-up", status: 404},
		})

		// Authorized contacts: a contact asks on an access-request case, the
		// customer's administrator authorizes, a vendor administrator
		// approves; only then can the person, invited by mail, sign in.
		runScenarios(t, f, []scenario{
			{name: "partner may not request", as: "partner", method: "POST", path: "/api/v1/contact-requests", body: `{"name":"Pat","email":"pat@acme.example","reason":"x"}`, status: 403},
			{name: "bad e-mail", as: "acme", method: "POST", path: "/api/v1/contact-requests", body: `{"name":"Nina","email":"nina","reason":"night shift"}`, status: 400, has: []string{`"field":"email"`}},
			{name: "already authorized", as: "acme", method: "POST", path: "/api/v1/contact-requests", body: `{"name":"A","email":"acme-admin@acme.example","reason":"x"}`, status: 409},
			{name: "contact asks", as: "acme", method: "POST", path: "/api/v1/contact-requests", body: `{"name":"Nina Night","email":"nina@acme.example","reason":"night shift operator"}`,
				status: 201, has: []string{`"status":"pending"`, `"case_id":"cas_`}, actions: []string{"contact_request.create", "case.open"}},
			{name: "duplicate pending", as: "acme-admin", method: "POST", path: "/api/v1/contact-requests", body: `{"name":"Nina Night","email":"NINA@acme.example","reason":"again"}`, status: 409},
			{name: "another customer's request list", as: "globex", method: "GET", path: "/api/v1/contact-requests", status: 200, hasNot: []string{"nina@acme.example"}},
		})
		var reqs struct{ Items []contracts.ContactRequest }
		f.do("acme", "GET", "/api/v1/contact-requests?status=pending", nil).json(t, &reqs)
		if len(reqs.Items) != 1 {
			t.Fatalf("pending requests %+v", reqs.Items)
		}
		req := "/api/v1/contact-requests/" + string(reqs.Items[0].ID)
		kase := "/api/v1/cases/" + string(reqs.Items[0].CaseID)
		runScenarios(t, f, []scenario{
			{name: "the case, seen by the customer", as: "acme", method: "GET", path: kase, status: 200, has: []string{`"type":"access_request"`, `"title":"Access request: Nina Night"`}},
			{name: "the case, seen by the vendor", as: "agent", method: "GET", path: kase, status: 200},
			{name: "plain contact may not authorize", as: "acme", method: "POST", path: req + "/authorize", body: `{}`, status: 403},
			{name: "another customer's admin", as: "globex", method: "POST", path: req + "/authorize", body: `{}`, status: 404},
			{name: "the vendor does not authorize for the customer", as: "admin", method: "POST", path: req + "/authorize", body: `{}`, status: 403},
			{name: "no approval before the customer's", as: "admin", method: "POST", path: req + "/approve", body: `{}`, status: 409, has: []string{"has not authorized"}},
			{name: "customer admin authorizes", as: "acme-admin", method: "POST", path: req + "/authorize", body: `{"note":"our new night operator"}`,
				status: 200, has: []string{`"status":"authorized"`, `"authorized_by_name":"User acme-admin"`}, actions: []string{"contact_request.authorize", "case.access_step"}},
			{name: "the customer does not approve", as: "acme-admin", method: "POST", path: req + "/approve", body: `{}`, status: 403},
			{name: "nor an agent", as: "agent", method: "POST", path: req + "/approve", body: `{}`, status: 403},
			{name: "vendor admin approves", as: "admin", method: "POST", path: req + "/approve", body: `{"note":"welcome"}`,
				status: 200, has: []string{`"status":"approved"`, `"user_id":"usr_`},
				actions: []string{"contact_request.approve", "user.create", "user.invite", "case.access_step"}},
			{name: "decided once", as: "admin", method: "POST", path: req + "/reject", body: `{"note":"no"}`, status: 409},
			{name: "new contact listed", as: "acme", method: "GET", path: "/api/v1/users", status: 200, has: []string{"nina@acme.example"}},
			{name: "the case closed", as: "acme", method: "GET", path: kase, status: 200, has: []string{`"state":"closed"`, `"close_reason":"access_approved"`}},
			{name: "both steps on the case", as: "acme", method: "GET", path: kase + "/timeline", status: 200,
				has: []string{`"kind":"access"`, `"to":"authorized"`, `"body":"our new night operator"`, `"to":"approved"`, `"body":"welcome"`}},
		})
		u, err := f.dir.UserByEmail(accord.WithActor(t.Context(), accord.SystemActor("test")), f.now, "nina@acme.example")
		if err != nil || !u.Active || !u.AuthorizedContact || u.Activated() {
			t.Fatalf("approved person = %+v, %v", u, err)
		}
		// The person gets in through the invitation mailed, and only so.
		expect(t, login(f, "nina@acme.example", testPassword), http.StatusUnauthorized)
		token := f.deliverLinks()[string(u.ID)]
		expect(t, f.do("", "POST", "/api/v1/invitations/accept", map[string]string{"token": token, "password": testPassword}), http.StatusNoContent)
		expect(t, login(f, "nina@acme.example", testPassword), http.StatusOK)
		runScenarios(t, f, []scenario{
			{name: "plain contact may not deauthorize", as: "acme", method: "DELETE", path: "/api/v1/users/" + string(u.ID) + "/authorization", status: 403},
			{name: "admin contact deauthorizes", as: "acme-admin", method: "DELETE", path: "/api/v1/users/" + string(u.ID) + "/authorization", status: 200,
				has: []string{`"active":false`, `"authorized_contact":false`}, actions: []string{"user.update"}},
			{name: "globex admin cannot touch acme's", as: "globex", method: "DELETE", path: "/api/v1/users/{user:acme}/authorization", status: 404},
		})

		t.Run("who may open cases", func(t *testing.T) {
			ctx := accord.WithActor(t.Context(), accord.SystemActor("test"))
			svc := contracts.NewService(store.NewContracts(f.db), testPlans, f.dir, contracts.DefaultConfig())
			for _, c := range []struct {
				user, customer string
				want           string // "" for allowed, else part of the refusal
			}{
				{"acme", "acme", ""},
				{"partner", "globex", ""},
				{"agent", "acme", ""},
				{"lapsed", "globex", "expired on 2026-10-31"},
				{"partner", "acme", "does not serve"},
				{"acme", "globex", "own organization"},
				{"auditor", "acme", "only read"},
			} {
				got, err := svc.CanOpenCases(ctx, f.now, f.users[c.user].ID, f.orgs[c.customer].ID)
				if c.want == "" && err != nil || c.want != "" && (!accord.IsKind(err, accord.Forbidden) || !strings.Contains(err.Error(), c.want)) {
					t.Errorf("%s for %s: %v, want %q", c.user, c.customer, err, c.want)
				}
				if c.want == "" && got.ID != f.ctr[c.customer].ID {
					t.Errorf("%s for %s: opens under contract %q, want the active %q", c.user, c.customer, got.ID, f.ctr[c.customer].ID)
				}
			}
			_, err := svc.CanOpenCases(ctx, f.now, u.ID, f.orgs["acme"].ID)
			if !accord.IsKind(err, accord.Forbidden) || !strings.Contains(err.Error(), "inactive") {
				t.Errorf("deauthorized contact: %v", err)
			}
			// Cancel globex: its contacts are refused with the date.
			if resp := f.do("admin", "POST", "/api/v1/contracts/"+string(f.ctr["globex"].ID)+"/cancel", `{"reason":"unpaid"}`); resp.status != http.StatusOK {
				t.Fatalf("cancel: %d %s", resp.status, resp.body)
			}
			_, err = svc.CanOpenCases(ctx, f.now, f.users["globex"].ID, f.orgs["globex"].ID)
			if !accord.IsKind(err, accord.Forbidden) || !strings.Contains(err.Error(), "the contract of Globex Health was cancelled on 2026-11-20") {
				t.Errorf("cancelled: %v", err)
			}
			// A year later acme's first term has ended; its renewal is active.
			later := f.now.AddDate(1, 0, 0)
			if c, err := svc.ActiveContract(ctx, later, f.orgs["acme"].ID); err != nil || c.PreviousID != f.ctr["acme"].ID {
				t.Errorf("active a year later = %+v, %v; want the renewal", c, err)
			}
			_, err = svc.CanOpenCases(ctx, f.now.AddDate(3, 0, 0), f.users["acme"].ID, f.orgs["acme"].ID)
			if !strings.Contains(err.Error(), "the contract of Acme Bank expired on 2029-03-14") {
				t.Errorf("three years later: %v", err)
			}
		})
	})
}

// TestContractReviewFixes covers the rules that concurrent or unusual
// requests used to break.
func TestContractReviewFixes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		sys := accord.WithActor(t.Context(), accord.SystemActor("test"))
		svc := contracts.NewService(store.NewContracts(f.db), testPlans, f.dir, contracts.DefaultConfig())
		acme := f.orgs["acme"].ID

		t.Run("one scope per read", func(t *testing.T) {
			cd := &countingDir{Service: f.dir}
			csvc := contracts.NewService(store.NewContracts(f.db), testPlans, cd, contracts.DefaultConfig())
			id := f.ctr["acme"].ID
			for name, read := range map[string]func() error{
				"Entitlements": func() error { _, err := csvc.Entitlements(sys, f.now, id, 0); return err },
				"Surveys":      func() error { _, err := csvc.Surveys(sys, f.now, id); return err },
				"Terms":        func() error { _, err := csvc.Terms(sys, f.now, id); return err },
			} {
				cd.n.Store(0)
				if err := read(); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if n := cd.n.Load(); n != 1 {
					t.Errorf("%s computed the scope %d times", name, n)
				}
			}
		})

		t.Run("a long note leaves the request untouched", func(t *testing.T) {
			r, err := f.contracts.RequestContact(f.actor("acme"), f.now, contracts.NewContactRequest{Name: "Lou", Email: "lou@acme.example", Reason: "x"})
			if err != nil {
				t.Fatal(err)
			}
			long := `{"note":"` + strings.Repeat("n", 1001) + `"}`
			for _, action := range []string{"authorize", "reject"} {
				resp := f.do("acme-admin", "POST", "/api/v1/contact-requests/"+string(r.ID)+"/"+action, long)
				if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"field":"note"`) {
					t.Fatalf("%s: %d %s", action, resp.status, resp.body)
				}
			}
			if got, _ := svc.GetContactRequest(sys, f.now, r.ID); got.Status != contracts.RequestPending {
				t.Errorf("request %+v", got)
			}
		})

		t.Run("approve and reject race", func(t *testing.T) {
			const n = 20
			ids := make([]accord.ID, n)
			for i := range n {
				r, err := f.contracts.RequestContact(f.actor("acme-admin"), f.now, contracts.NewContactRequest{Name: "Racer", Email: fmt.Sprintf("racer%d@acme.example", i), Reason: "x"})
				if err != nil || r.Status != contracts.RequestAuthorized {
					t.Fatalf("%+v, %v; want the customer administrator's request authorized", r, err)
				}
				ids[i] = r.ID
			}
			var wg sync.WaitGroup
			for _, id := range ids {
				wg.Go(func() { _, _ = f.contracts.Approve(f.actor("admin"), f.now, id, contracts.Decision{}) })
				wg.Go(func() {
					_, _ = f.contracts.Reject(f.actor("acme-admin"), f.now, id, contracts.Decision{Note: "changed our mind"})
				})
			}
			wg.Wait()
			for i, id := range ids {
				r, err := svc.GetContactRequest(sys, f.now, id)
				if err != nil {
					t.Fatal(err)
				}
				u, err := f.dir.UserByEmail(sys, f.now, fmt.Sprintf("racer%d@acme.example", i))
				authorized := err == nil && u.Active && u.AuthorizedContact
				switch {
				case r.Status == contracts.RequestRejected && authorized:
					t.Errorf("request %d rejected, yet the person is authorized", i)
				case r.Status == contracts.RequestApproved && !authorized:
					t.Errorf("request %d approved, yet the person is not authorized: %v", i, err)
				case r.Status == contracts.RequestAuthorized:
					t.Errorf("request %d still open", i)
				}
				c, err := f.cases.Get(sys, f.now, r.CaseID)
				if err != nil || c.State != cases.Closed || c.CloseReason != "access_"+string(r.Status) {
					t.Errorf("request %d %s, its case %s %q: %v", i, r.Status, c.State, c.CloseReason, err)
				}
			}
		})

		t.Run("approving again finishes the job", func(t *testing.T) {
			r, err := f.contracts.RequestContact(f.actor("acme-admin"), f.now, contracts.NewContactRequest{Name: "Ada", Email: "ada@acme.example", Reason: "x"})
			if err != nil {
				t.Fatal(err)
			}
			// The approval is recorded, then the invitation fails (the
			// database went away midway): the person exists unlinked.
			broken := contracts.NewService(store.NewContracts(f.db), testPlans, failingInvite{f.dir}, contracts.DefaultConfig())
			broken.UseAccessCases(f.cases)
			if _, err := broken.Approve(f.actor("admin"), f.now, r.ID, contracts.Decision{}); !errors.Is(err, errDB) {
				t.Fatalf("approval with the invitation failing: %v", err)
			}
			if got, _ := svc.GetContactRequest(sys, f.now, r.ID); got.Status != contracts.RequestApproved || got.UserID != "" {
				t.Fatalf("after the failure: %+v", got)
			}
			got, err := f.contracts.Approve(f.actor("admin"), f.now, r.ID, contracts.Decision{})
			u, _ := f.dir.UserByEmail(sys, f.now, "ada@acme.example")
			if err != nil || got.Status != contracts.RequestApproved || got.UserID != u.ID || !u.Active || !u.AuthorizedContact {
				t.Fatalf("approve again = %+v, %v; person %+v", got, err, u)
			}
			if f.deliverLinks()[string(u.ID)] == "" {
				t.Error("approving again sent no invitation")
			}
			if _, err := f.contracts.Reject(f.actor("admin"), f.now, r.ID, contracts.Decision{Note: "x"}); !accord.IsKind(err, accord.Conflict) {
				t.Errorf("reject after approval: %v", err)
			}
		})

		t.Run("an address another tenant took meanwhile is refused before the approval", func(t *testing.T) {
			r, err := f.contracts.RequestContact(f.actor("acme-admin"), f.now, contracts.NewContactRequest{Name: "Tess", Email: "taken@acme.example", Reason: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.dir.CreateUser(sys, f.now, directory.NewUser{OrgID: f.orgs["globex"].ID, Email: "taken@acme.example", Name: "Tess Elsewhere",
				Role: accord.RoleCustomerContact, WithoutPassword: true}); err != nil {
				t.Fatal(err)
			}
			req := "/api/v1/contact-requests/" + string(r.ID)
			if resp := f.do("admin", "POST", req+"/approve", `{}`); resp.status != http.StatusConflict || !strings.Contains(resp.body, `"field":"email"`) {
				t.Fatalf("approving an address of another organization: %d %s", resp.status, resp.body)
			}
			// Not claimed: the request still awaits the vendor, who refuses
			// it with the reason, and its case closes.
			if got, _ := svc.GetContactRequest(sys, f.now, r.ID); got.Status != contracts.RequestAuthorized {
				t.Fatalf("after the refused approval: %+v", got)
			}
			if resp := f.do("admin", "POST", req+"/reject", `{"note":"the address belongs to another customer"}`); resp.status != http.StatusOK {
				t.Fatalf("refusing it: %d %s", resp.status, resp.body)
			}
			if c, err := f.cases.Get(sys, f.now, r.CaseID); err != nil || c.State != cases.Closed || c.CloseReason != "access_rejected" {
				t.Errorf("its case %s %q: %v", c.State, c.CloseReason, err)
			}
		})

		t.Run("either side refuses, with the reason on the case", func(t *testing.T) {
			for _, c := range []struct{ asker, refuser string }{{"acme", "acme-admin"}, {"acme-admin", "admin"}} {
				email := "refused-by-" + c.refuser + "@acme.example"
				r, err := f.contracts.RequestContact(f.actor(c.asker), f.now, contracts.NewContactRequest{Name: "Rae", Email: email, Reason: "x"})
				if err != nil {
					t.Fatal(err)
				}
				path := "/api/v1/contact-requests/" + string(r.ID) + "/reject"
				if resp := f.do(c.refuser, "POST", path, `{}`); resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"field":"note"`) {
					t.Fatalf("%s refuses without a reason: %d %s", c.refuser, resp.status, resp.body)
				}
				if resp := f.do(c.refuser, "POST", path, `{"note":"no such employee"}`); resp.status != http.StatusOK || !strings.Contains(resp.body, `"status":"rejected"`) {
					t.Fatalf("%s refuses: %d %s", c.refuser, resp.status, resp.body)
				}
				timeline := f.do("acme", "GET", "/api/v1/cases/"+string(r.CaseID)+"/timeline", nil)
				if !strings.Contains(timeline.body, `"kind":"access"`) || !strings.Contains(timeline.body, `"body":"no such employee"`) ||
					!strings.Contains(timeline.body, `"reason":"access_rejected"`) {
					t.Errorf("%s's refusal on the case: %s", c.refuser, timeline.body)
				}
				if _, err := f.dir.UserByEmail(sys, f.now, email); !accord.IsKind(err, accord.NotFound) {
					t.Errorf("a refused request made a user: %v", err)
				}
				// Refused, the address may be asked for again.
				if _, err := f.contracts.RequestContact(f.actor(c.asker), f.now, contracts.NewContactRequest{Name: "Rae", Email: email, Reason: "again"}); err != nil {
					t.Errorf("asking again: %v", err)
				}
			}
		})

		t.Run("a database error looking up the address is internal", func(t *testing.T) {
			broken := contracts.NewService(store.NewContracts(f.db), testPlans, failingLookup{f.dir}, contracts.DefaultConfig())
			broken.UseAccessCases(f.cases)
			_, err := broken.RequestContact(f.actor("acme"), f.now, contracts.NewContactRequest{Name: "Lin", Email: "lin@acme.example", Reason: "x"})
			if !errors.Is(err, errDB) || accord.KindOf(err) != accord.Internal {
				t.Errorf("%v (kind %s)", err, accord.KindOf(err))
			}
		})

		t.Run("another tenant's address is an ordinary refusal", func(t *testing.T) {
			foreign := f.do("acme-admin", "POST", "/api/v1/contact-requests", `{"name":"G","email":"globex@globex.example","reason":"x"}`)
			if _, err := f.contracts.RequestContact(f.actor("acme"), f.now, contracts.NewContactRequest{Name: "P", Email: "pend@acme.example", Reason: "x"}); err != nil {
				t.Fatal(err)
			}
			dup := f.do("acme-admin", "POST", "/api/v1/contact-requests", `{"name":"P","email":"pend@acme.example","reason":"x"}`)
			if foreign.status != http.StatusConflict || foreign.body != dup.body {
				t.Errorf("foreign address: %d %s\nduplicate request: %d %s", foreign.status, foreign.body, dup.status, dup.body)
			}
		})

		t.Run("concurrent creates of one term", func(t *testing.T) {
			const n = 8
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					_, errs[i] = svc.Create(sys, f.now, contracts.NewContract{OrgID: acme, Plan: "advanced", SignedOn: "2031-01-01", Years: 1})
				})
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !accord.IsKind(err, accord.Conflict) || !strings.Contains(err.Error(), "renew it instead"):
					t.Errorf("create: %v", err)
				}
			}
			if ok != 1 {
				t.Errorf("%d creates succeeded, want 1", ok)
			}
		})

		t.Run("renewal must not overlap another term", func(t *testing.T) {
			// acme runs 2026-03-15..2027-03-14; another contract from 2029-06.
			if _, err := svc.Create(sys, f.now, contracts.NewContract{OrgID: acme, Plan: "advanced", SignedOn: "2029-06-01", Years: 1}); err != nil {
				t.Fatal(err)
			}
			_, err := svc.Renew(sys, f.now, f.ctr["acme"].ID, contracts.Renewal{Years: 3})
			if !accord.IsKind(err, accord.Conflict) || !strings.Contains(err.Error(), "renew it instead") {
				t.Errorf("overlapping renewal: %v", err)
			}
		})

		t.Run("a renewal cancelled before its start covers nothing", func(t *testing.T) {
			r1, err := svc.Renew(sys, f.now, f.ctr["acme"].ID, contracts.Renewal{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Cancel(sys, f.now, r1.ID, contracts.Cancellation{Reason: "changed their mind"}); err != nil {
				t.Fatal(err)
			}
			if c, _ := svc.Get(sys, f.now, f.ctr["acme"].ID); c.NextID != "" {
				t.Errorf("renewed by a cancelled renewal: %+v", c)
			}
			r2, err := svc.Renew(sys, f.now, f.ctr["acme"].ID, contracts.Renewal{})
			if err != nil || r2.SignedOn != "2027-03-15" {
				t.Fatalf("renew again = %+v, %v", r2, err)
			}
			if c, _ := svc.Get(sys, f.now, f.ctr["acme"].ID); c.NextID != r2.ID {
				t.Errorf("next = %q, want %q", c.NextID, r2.ID)
			}

			// A new customer's pending term cancelled before it starts does
			// not block an earlier one that would have overlapped it.
			org, err := f.dir.CreateOrganization(sys, f.now, directory.NewOrganization{Kind: directory.KindCustomer, Name: "Umbrella"})
			if err != nil {
				t.Fatal(err)
			}
			late, err := svc.Create(sys, f.now, contracts.NewContract{OrgID: org.ID, Plan: "advanced", SignedOn: "2027-01-01", Years: 1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Cancel(sys, f.now, late.ID, contracts.Cancellation{Reason: "never started"}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Create(sys, f.now, contracts.NewContract{OrgID: org.ID, Plan: "advanced", SignedOn: "2026-06-01", Years: 1}); err != nil {
				t.Errorf("create over a term that covers nothing: %v", err)
			}
		})
	})
}

// countingDir counts the scopes computed.
type countingDir struct {
	*directory.Service
	n atomic.Int32
}

func (d *countingDir) Scope(ctx context.Context, now time.Time) (accord.Scope, error) {
	d.n.Add(1)
	return d.Service.Scope(ctx, now)
}

// TestCadenceScenarios: a term's account owner, the notices its jobs give
// (run here by hand), and the licence surveys: asked of Globex on its
// anniversary, seen by the vendor as open, then overdue, then answered
// with the true-up, each reader seeing only what its scope allows.
func TestCadenceScenarios(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		runScenarios(t, f, []scenario{
			{name: "admin names the account owner", as: "admin", method: "PATCH", path: "/api/v1/contracts/{contract:acme}", body: `{"account_owner_id":"{user:agent}"}`,
				status: 200, has: []string{`"account_owner_id":"{user:agent}"`, `"account_owner_name":"User agent"`}, actions: []string{"contract.update"}},
			{name: "owner shown to the customer", as: "acme", method: "GET", path: "/api/v1/contracts/{contract:acme}", status: 200, has: []string{`"account_owner_name":"User agent"`}},
			{name: "the same owner again changes nothing", as: "admin", method: "PATCH", path: "/api/v1/contracts/{contract:acme}", body: `{"account_owner_id":"{user:agent}"}`, status: 200},
			{name: "agent may not", as: "agent", method: "PATCH", path: "/api/v1/contracts/{contract:acme}", body: `{"account_owner_id":"{user:agent}"}`, status: 403},
			{name: "auditor is no owner", as: "admin", method: "PATCH", path: "/api/v1/contracts/{contract:acme}", body: `{"account_owner_id":"{user:auditor}"}`,
				status: 400, has: []string{`"field":"account_owner_id"`}},
			{name: "partner agent is no owner", as: "admin", method: "PATCH", path: "/api/v1/contracts/{contract:acme}", body: `{"account_owner_id":"{user:partner}"}`,
				status: 400, has: []string{`"field":"account_owner_id"`}},
			{name: "unknown owner", as: "admin", method: "PATCH", path: "/api/v1/contracts/{contract:acme}", body: `{"account_owner_id":"usr_nobody"}`,
				status: 400, has: []string{`"field":"account_owner_id"`}},
			{name: "reseller must serve", as: "admin", method: "PATCH", path: "/api/v1/contracts/{contract:acme}", body: `{"partner_id":"{org:partner}"}`,
				status: 400, has: []string{`"field":"partner_id"`}},
			{name: "unknown field", as: "admin", method: "PATCH", path: "/api/v1/contracts/{contract:acme}", body: `{"owner":"x"}`, status: 400},
			{name: "another customer's contract", as: "acme-admin", method: "PATCH", path: "/api/v1/contracts/{contract:globex}", body: `{"account_owner_id":""}`, status: 404},
			{name: "owner on a new contract", as: "admin", method: "POST", path: "/api/v1/contracts",
				body:   `{"org_id":"{org:acme}","plan":"premium","signed_on":"2031-01-01","years":1,"account_owner_id":"{user:admin}"}`,
				status: 201, has: []string{`"account_owner_id":"{user:admin}"`}, actions: []string{"contract.create"}},
			{name: "no notices yet", as: "globex", method: "GET", path: "/api/v1/contracts/{contract:globex}/notices", status: 200, has: []string{`"items":[]`}},
			{name: "no surveys yet", as: "admin", method: "GET", path: "/api/v1/licence-surveys", status: 200, has: []string{`"items":[]`}},
		})

		// Globex's second contract year began on 2026-06-01, before its
		// contract was recorded: its survey is due at once. Acme's first
		// renewal notice falls 90 days before 2027-03-14.
		tell := func(at time.Time, job string, id accord.ID) {
			t.Helper()
			if err := f.contracts.Tell(f.system(), at, job, id, func(context.Context, time.Time, contracts.Mail) error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
		tell(f.now, contracts.SurveyJob, f.ctr["globex"].ID)
		tell(time.Date(2026, 12, 14, 5, 0, 0, 0, time.UTC), contracts.RenewalJob, f.ctr["acme"].ID)
		runScenarios(t, f, []scenario{
			{name: "renewal notice on the contract", as: "acme", method: "GET", path: "/api/v1/contracts/{contract:acme}/notices", status: 200,
				has: []string{`"kind":"renewal"`, `"days":90`, `"due_on":"2026-12-14"`, `"name":"User acme-admin"`, `"name":"User agent"`}},
			{name: "survey request on the contract", as: "partner", method: "GET", path: "/api/v1/contracts/{contract:globex}/notices", status: 200,
				has: []string{`"kind":"survey"`, `"year":2`, `"answer_by":"2026-12-04"`, `"name":"User globex"`}},
			{name: "another customer's notices", as: "acme", method: "GET", path: "/api/v1/contracts/{contract:globex}/notices", status: 404},
			{name: "vendor sees the open survey", as: "agent", method: "GET", path: "/api/v1/licence-surveys?status=open", status: 200,
				has: []string{`"contract_id":"{contract:globex}"`, `"status":"open"`, `"asked_on":"2026-06-01"`}},
			{name: "partner sees its customer's", as: "partner", method: "GET", path: "/api/v1/licence-surveys", status: 200, has: []string{"{contract:globex}"}},
			{name: "customer sees only its own", as: "acme", method: "GET", path: "/api/v1/licence-surveys", status: 200, hasNot: []string{"{contract:globex}"}},
			{name: "foreign filter", as: "acme", method: "GET", path: "/api/v1/licence-surveys?org_id={org:globex}", status: 200, has: []string{`"items":[]`}},
			{name: "bad status", as: "admin", method: "GET", path: "/api/v1/licence-surveys?status=late", status: 400, has: []string{`"field":"status"`}},
			{name: "not overdue yet", as: "admin", method: "GET", path: "/api/v1/licence-surveys?status=overdue", status: 200, has: []string{`"items":[]`}},
		})

		f.at(time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC))
		runScenarios(t, f, []scenario{
			{name: "overdue on its answer-by day", as: "admin", method: "GET", path: "/api/v1/licence-surveys?status=overdue", status: 200,
				has: []string{`"contract_id":"{contract:globex}"`, `"status":"overdue"`}, hasNot: []string{`"lines"`}},
			{name: "a year not asked", as: "globex", method: "POST", path: "/api/v1/contracts/{contract:globex}/surveys", body: `{"year":1,"measured":[{"module":"core","quantity":12}]}`,
				status: 400, has: []string{`"field":"year"`, "no licence survey was asked"}},
			{name: "the reseller does not answer", as: "partner", method: "POST", path: "/api/v1/contracts/{contract:globex}/surveys", body: `{"year":2,"measured":[{"module":"core","quantity":12}]}`, status: 403},
			{name: "another customer does not answer", as: "acme", method: "POST", path: "/api/v1/contracts/{contract:globex}/surveys", body: `{"year":2,"measured":[{"module":"core","quantity":12}]}`, status: 404},
			{name: "the customer answers", as: "globex", method: "POST", path: "/api/v1/contracts/{contract:globex}/surveys", body: `{"year":2,"measured":[{"module":"core","quantity":12}]}`,
				status: 201, has: []string{`"measured":12`}, actions: []string{"licence_survey.record"}},
			{name: "answered, with the true-up", as: "admin", method: "GET", path: "/api/v1/licence-surveys?status=answered", status: 200,
				has: []string{`"status":"answered"`, `{"module":"core","licensed":0,"measured":12,"difference":12}`}},
			{name: "no longer overdue", as: "admin", method: "GET", path: "/api/v1/licence-surveys?status=overdue", status: 200, has: []string{`"items":[]`}},
		})
	})
}

// failingInvite is the directory with invitations failing, as when the
// database goes away in the middle of an approval.
type failingInvite struct{ *directory.Service }

var errDB = errors.New("connection reset")

func (failingInvite) Invite(context.Context, time.Time, accord.ID) error { return errDB }

// failingLookup is the directory with look-ups by address failing.
type failingLookup struct{ *directory.Service }

func (failingLookup) UserByEmail(context.Context, time.Time, string) (directory.User, error) {
	return directory.User{}, errDB
}
