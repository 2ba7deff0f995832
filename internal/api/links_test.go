package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

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
