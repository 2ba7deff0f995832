package api

import (
	"net/http"
	"strings"
	"testing"

	"accord/internal/directory"
	"accord/internal/store/dbtest"
)

// TestIdentityProviderAPI: a customer's administrator configures its
// provider, the secret never comes back, a vendor administrator verifies
// the domain, and every change is audited.
func TestIdentityProviderAPI(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	path := "/api/v1/organizations/" + string(f.orgs["acme"].ID) + "/identity-provider"
	if r := f.do("acme-admin", "GET", path, nil); r.status != http.StatusNotFound {
		t.Fatalf("before any: %d %s", r.status, r.body)
	}
	in := map[string]any{"issuer": "https://login.acme.example/", "client_id": "accord", "domains": []string{"Acme.Example", "acme.test"}, "require_sso": true}
	if r := f.do("acme-admin", "PUT", path, in); r.status != http.StatusBadRequest || !strings.Contains(r.body, "client_secret") {
		t.Fatalf("without a secret: %d %s", r.status, r.body)
	}
	in["client_secret"] = "s3cret-value"
	r := f.do("acme-admin", "PUT", path, in)
	var p directory.IdentityProvider
	r.json(t, &p)
	if r.status != http.StatusOK || strings.Contains(r.body, "s3cret") || p.Issuer != "https://login.acme.example/" ||
		len(p.Domains) != 2 || p.Domains[0].Name != "acme.example" || p.Domains[0].Verified() || !p.RequireSSO ||
		strings.Join(p.Scopes, " ") != "openid email profile" {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	// Another organization may not claim Acme's domain; a contact may not
	// read the provider; the customer's administrator may not verify.
	gin := map[string]any{"issuer": "https://login.globex.example", "client_id": "x", "client_secret": "y", "domains": []string{"acme.test"}}
	if r := f.do("globex", "PUT", "/api/v1/organizations/"+string(f.orgs["globex"].ID)+"/identity-provider", gin); r.status != http.StatusConflict {
		t.Fatalf("a claimed domain: %d %s", r.status, r.body)
	}
	if r := f.do("acme", "GET", path, nil); r.status != http.StatusForbidden {
		t.Fatalf("a contact reads it: %d", r.status)
	}
	if r := f.do("acme-admin", "POST", path+"/verify-domain", map[string]string{"domain": "acme.example"}); r.status != http.StatusForbidden {
		t.Fatalf("a customer admin verifies: %d", r.status)
	}
	if r := f.do("admin", "POST", path+"/verify-domain", map[string]string{"domain": "nowhere.example"}); r.status != http.StatusNotFound {
		t.Fatalf("verify an unclaimed domain: %d", r.status)
	}
	r = f.do("admin", "POST", path+"/verify-domain", map[string]string{"domain": "acme.example"})
	r.json(t, &p)
	if r.status != http.StatusOK || !p.Domains[0].Verified() || p.Domains[0].VerifiedBy != f.users["admin"].ID {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
	// Kept secret and kept verification when the secret is left out.
	delete(in, "client_secret")
	r = f.do("acme-admin", "PUT", path, in)
	r.json(t, &p)
	if r.status != http.StatusOK || !p.Domains[0].Verified() {
		t.Fatalf("put again: %d %s", r.status, r.body)
	}
	// The acme contact now must use single sign-on.
	if r := f.do("", "POST", "/api/v1/login", map[string]string{"email": f.users["acme"].Email, "password": testPassword}); r.status != http.StatusForbidden {
		t.Fatalf("password of an SSO-required user: %d %s", r.status, r.body)
	}
	if r := f.do("acme-admin", "DELETE", path, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := f.do("", "POST", "/api/v1/login", map[string]string{"email": f.users["acme"].Email, "password": testPassword}); r.status != http.StatusOK {
		t.Fatalf("password once the provider is gone: %d %s", r.status, r.body)
	}
	var actions []string
	for _, e := range f.events() {
		if strings.HasPrefix(e.Action, "sso.") {
			actions = append(actions, e.Action)
			for _, c := range e.Changes {
				if c.After == "s3cret-value" || c.Before == "s3cret-value" {
					t.Errorf("the secret is in the audit trail: %+v", e)
				}
			}
		}
	}
	if strings.Join(actions, " ") != "sso.provider.put sso.domain.verify sso.provider.put sso.provider.delete" {
		t.Fatalf("audited: %v", actions)
	}
}
