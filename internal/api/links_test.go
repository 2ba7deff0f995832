package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// deliverLinks runs the due mail jobs of links as delivery would, minting
// each letter's link, and returns the token mailed to each user, by id.
func (f *fixture) deliverLinks() map[string]string {
	f.t.Helper()
	tokens := map[string]string{}
	jobs := store.NewJobs(f.db)
	due, err := jobs.Claim(context.Background(), f.now, "test", time.Minute, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, j := range due {
		if j.Kind != directory.LinkJob {
			continue
		}
		l, ok, err := f.dir.LinkLetter(f.system(), f.now, j.SubjectID)
		if err != nil {
			f.t.Fatal(err)
		}
		if err := jobs.Finish(context.Background(), j); err != nil {
			f.t.Fatal(err)
		}
		if !ok {
			continue
		}
		path, err := f.dir.MintLink(f.system(), f.now, l.Kind, l.Topic, l.UserID)
		if err != nil {
			f.t.Fatal(err)
		}
		tokens[string(l.UserID)] = path[strings.LastIndexByte(path, '/')+1:]
	}
	return tokens
}

func TestPasswordResetByMail(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		known := expect(t, f.do("", "POST", "/api/v1/password-resets", map[string]string{"email": "Acme@acme.example"}), http.StatusAccepted)
		unknown := expect(t, f.do("", "POST", "/api/v1/password-resets", map[string]string{"email": "nobody@acme.example"}), http.StatusAccepted)
		if known.body != unknown.body || !strings.Contains(known.body, "if an account has this address") {
			t.Fatalf("the answers differ or say too much:\n%s\n%s", known.body, unknown.body)
		}
		if r := expect(t, f.do("", "POST", "/api/v1/password-resets", map[string]string{"email": "acme"}), http.StatusBadRequest); !strings.Contains(r.body, `"field":"email"`) {
			t.Errorf("a malformed address: %s", r.body)
		}
		tokens := f.deliverLinks()
		token := tokens[string(f.users["acme"].ID)]
		if len(tokens) != 1 || token == "" {
			t.Fatalf("mailed: %v", tokens)
		}
		expect(t, f.do("", "POST", "/api/v1/invitations/accept", map[string]string{"token": token, "password": "another long passphrase"}), http.StatusNotFound)
		r := expect(t, f.do("", "POST", "/api/v1/password-resets/complete", map[string]string{"token": token, "password": "short"}), http.StatusBadRequest)
		if !strings.Contains(r.body, `"field":"password"`) {
			t.Errorf("a short password: %s", r.body)
		}
		expect(t, f.do("", "POST", "/api/v1/password-resets/complete", map[string]string{"token": token, "password": "another long passphrase"}), http.StatusNoContent)
		expect(t, f.do("acme", "GET", "/api/v1/me", nil), http.StatusUnauthorized) // sessions end with the reset
		expect(t, login(f, f.users["acme"].Email, "another long passphrase"), http.StatusOK)
		r = expect(t, f.do("", "POST", "/api/v1/password-resets/complete", map[string]string{"token": token, "password": "a third long passphrase"}), http.StatusNotFound)
		if !strings.Contains(r.body, "unknown, used or expired") {
			t.Errorf("a used link: %s", r.body)
		}
	})
}

func TestInvitationByMail(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		var nina directory.User
		r := expect(t, f.do("admin", "POST", "/api/v1/users", map[string]any{"org_id": f.orgs["acme"].ID, "email": "nina@acme.example",
			"name": "Nina Nunes", "role": "customer_contact", "authorized_contact": true, "invite": true}), http.StatusCreated)
		r.json(t, &nina)
		if !strings.Contains(r.body, `"activated":false`) || strings.Contains(r.body, "password") {
			t.Fatalf("the invited user: %s", r.body)
		}
		expect(t, f.do("admin", "POST", "/api/v1/users", map[string]any{"org_id": f.orgs["acme"].ID, "email": "olga@acme.example",
			"name": "Olga", "role": "customer_contact", "invite": true, "password": testPassword}), http.StatusBadRequest)
		expect(t, login(f, "nina@acme.example", testPassword), http.StatusUnauthorized)
		for who, status := range map[string]int{"agent": http.StatusForbidden, "acme-admin": http.StatusForbidden, "globex": http.StatusNotFound} {
			expect(t, f.do(who, "POST", "/api/v1/users/"+string(nina.ID)+"/invitation", nil), status)
		}
		first := f.deliverLinks()[string(nina.ID)]
		expect(t, f.do("admin", "POST", "/api/v1/users/"+string(nina.ID)+"/invitation", nil), http.StatusNoContent)
		second := f.deliverLinks()[string(nina.ID)]
		if first == "" || second == "" || first == second {
			t.Fatalf("invitations mailed: %q, %q", first, second)
		}
		expect(t, f.do("", "POST", "/api/v1/invitations/accept", map[string]string{"token": first, "password": testPassword}), http.StatusNotFound)
		expect(t, f.do("", "POST", "/api/v1/password-resets/complete", map[string]string{"token": second, "password": testPassword}), http.StatusNotFound)
		expect(t, f.do("", "POST", "/api/v1/invitations/accept", map[string]string{"token": second, "password": testPassword}), http.StatusNoContent)
		expect(t, login(f, "nina@acme.example", testPassword), http.StatusOK)
		if r := expect(t, f.do("admin", "GET", "/api/v1/users/"+string(nina.ID), nil), http.StatusOK); !strings.Contains(r.body, `"activated":true`) {
			t.Errorf("after the invitation: %s", r.body)
		}
		expect(t, f.do("admin", "POST", "/api/v1/users/"+string(nina.ID)+"/invitation", nil), http.StatusConflict)
		f.now = f.now.Add(7 * 24 * time.Hour)
		expect(t, f.do("", "POST", "/api/v1/invitations/accept", map[string]string{"token": second, "password": testPassword}), http.StatusNotFound)
	})
}

// The focal point named with a new contract is an authorized contact at
// once, and activates the account through the invitation mailed to them.
func TestFocalPointGetsAccess(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		var org directory.Organization
		expect(t, f.do("admin", "POST", "/api/v1/organizations", map[string]string{"kind": "customer", "name": "Initech"}), http.StatusCreated).json(t, &org)
		contract := func(fp map[string]string) response {
			return f.do("admin", "POST", "/api/v1/contracts", map[string]any{"org_id": org.ID, "plan": "premium", "signed_on": "2026-11-01", "years": 1, "focal_point": fp})
		}
		for fp, field := range map[[2]string]string{{"", "pat@initech.example"}: "focal_point.name", {"Pat", "pat"}: "focal_point.email"} {
			r := expect(t, contract(map[string]string{"name": fp[0], "email": fp[1]}), http.StatusBadRequest)
			if !strings.Contains(r.body, `"field":"`+field+`"`) {
				t.Errorf("%v: %s", fp, r.body)
			}
		}
		r := expect(t, contract(map[string]string{"name": "Pat", "email": f.users["globex"].Email}), http.StatusConflict)
		if !strings.Contains(r.body, `"field":"focal_point.email"`) {
			t.Errorf("another customer's user as focal point: %s", r.body)
		}
		var list struct{ Items []any }
		expect(t, f.do("admin", "GET", "/api/v1/contracts?org_id="+string(org.ID), nil), http.StatusOK).json(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("refused focal points left contracts: %v", list.Items)
		}

		expect(t, contract(map[string]string{"name": "Pat Focal", "email": "pat@initech.example"}), http.StatusCreated)
		pat, err := f.dir.UserByEmail(f.system(), f.now, "pat@initech.example")
		if err != nil || pat.OrgID != org.ID || !pat.Active || !pat.AuthorizedContact || pat.Activated() {
			t.Fatalf("the focal point: %+v %v", pat, err)
		}
		token := f.deliverLinks()[string(pat.ID)]
		if token == "" {
			t.Fatal("no invitation mailed to the focal point")
		}
		expect(t, f.do("", "POST", "/api/v1/invitations/accept", map[string]string{"token": token, "password": testPassword}), http.StatusNoContent)
		expect(t, login(f, "pat@initech.example", testPassword), http.StatusOK)
		if !slices.ContainsFunc(f.events(), func(e audit.Event) bool {
			return e.Action == "contract.create" && e.OrgID == org.ID && slices.ContainsFunc(e.Changes, func(c audit.Change) bool { return c.Field == "focal_point" })
		}) {
			t.Error("the contract's event does not name its focal point")
		}
	})
}
