package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// scenario is one request and what must come of it: the status, text the
// body must (and must not) contain, and the audit actions it must write.
type scenario struct {
	name    string
	as      string
	method  string
	path    string
	body    any
	status  int
	has     []string
	hasNot  []string
	actions []string // audit events written, in order; nil means none
}

func runScenarios(t *testing.T, f *fixture, rows []scenario) {
	t.Helper()
	for _, sc := range rows {
		t.Run(sc.name, func(t *testing.T) {
			seen := map[accord.ID]bool{}
			for _, e := range f.events() {
				seen[e.ID] = true
			}
			body := sc.body
			if s, ok := body.(string); ok {
				body = f.expand(s)
			}
			resp := f.do(sc.as, sc.method, f.expand(sc.path), body)
			if resp.status != sc.status {
				t.Fatalf("%s %s as %q: status %d, want %d; body %s", sc.method, sc.path, sc.as, resp.status, sc.status, short(resp.body))
			}
			for _, s := range sc.has {
				if !strings.Contains(resp.body, f.expand(s)) {
					t.Errorf("body lacks %q: %s", s, short(resp.body))
				}
			}
			for _, s := range sc.hasNot {
				if strings.Contains(resp.body, f.expand(s)) {
					t.Errorf("body has %q: %s", s, short(resp.body))
				}
			}
			var got []string
			for _, e := range f.events() {
				if !seen[e.ID] {
					got = append(got, e.Action)
				}
			}
			if !slices.Equal(got, sc.actions) {
				t.Errorf("audit actions %v, want %v", got, sc.actions)
			}
		})
	}
}

func short(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}

func TestScenarios(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		runScenarios(t, f, []scenario{
			// health and documents
			{name: "healthz", method: "GET", path: "/healthz", status: 200, has: []string{`"ok"`}},
			{name: "readyz", method: "GET", path: "/readyz", status: 200, has: []string{`"ready"`}},
			{name: "openapi", method: "GET", path: "/api/openapi.yaml", status: 200, has: []string{"openapi: 3.1"}},
			{name: "unknown endpoint", as: "admin", method: "GET", path: "/api/v1/nothing", status: 404, has: []string{`"kind":"not_found"`}},

			// sign-in
			{name: "no session", method: "GET", path: "/api/v1/me", status: 401, has: []string{`"kind":"unauthenticated"`}},
			{name: "bad bearer", as: "acc_nope", method: "GET", path: "/api/v1/me", status: 401},
			{name: "me", as: "acme", method: "GET", path: "/api/v1/me", status: 200, has: []string{"acme@acme.example"}, hasNot: []string{"password", "argon2"}},
			{name: "login wrong password", method: "POST", path: "/api/v1/login", body: `{"email":"acme@acme.example","password":"nope nope nope"}`, status: 401,
				actions: []string{"session.fail"}},
			{name: "login unknown field", method: "POST", path: "/api/v1/login", body: `{"email":"a@b.c","password":"x","admin":true}`, status: 400, has: []string{`"field":"admin"`}},
			{name: "login bad json", method: "POST", path: "/api/v1/login", body: `{"email":`, status: 400, has: []string{`"field":"body"`}},
			{name: "login case-insensitive e-mail", method: "POST", path: "/api/v1/login", body: `{"email":"ACME@Acme.Example","password":"` + testPassword + `"}`, status: 200, actions: []string{"session.create"}},

			// organizations
			{name: "admin creates customer", as: "admin", method: "POST", path: "/api/v1/organizations", body: `{"kind":"customer","name":"Initech"}`, status: 201, has: []string{`"name":"Initech"`}, actions: []string{"organization.create"}},
			{name: "duplicate name", as: "admin", method: "POST", path: "/api/v1/organizations", body: `{"kind":"customer","name":"initech"}`, status: 409, has: []string{`"field":"name"`}},
			{name: "second vendor", as: "admin", method: "POST", path: "/api/v1/organizations", body: `{"kind":"vendor","name":"Other Vendor"}`, status: 409},
			{name: "bad kind", as: "admin", method: "POST", path: "/api/v1/organizations", body: `{"kind":"bank","name":"X"}`, status: 400, has: []string{`"field":"kind"`}},
			{name: "agent may not create", as: "agent", method: "POST", path: "/api/v1/organizations", body: `{"kind":"customer","name":"Y"}`, status: 403},
			{name: "auditor may not create", as: "auditor", method: "POST", path: "/api/v1/organizations", body: `{"kind":"customer","name":"Y"}`, status: 403},
			{name: "rename", as: "admin", method: "PATCH", path: "/api/v1/organizations/{org:acme}", body: `{"name":"Acme Bank S.A."}`, status: 200, has: []string{"Acme Bank S.A."}, actions: []string{"organization.update"}},
			{name: "customer sees own org", as: "acme", method: "GET", path: "/api/v1/organizations", status: 200, has: []string{"Acme Bank"}, hasNot: []string{"Globex", "Southwind", "Northwind", "Initech"}},
			{name: "partner sees served customers", as: "partner", method: "GET", path: "/api/v1/organizations", status: 200, has: []string{"Globex", "Southwind"}, hasNot: []string{"Acme", "Initech"}},
			{name: "lapsed partner refused", as: "lapsed", method: "GET", path: "/api/v1/organizations", status: 403, has: []string{"expired on 2026-10-31"}},
			{name: "auditor sees all", as: "auditor", method: "GET", path: "/api/v1/organizations?limit=2", status: 200, has: []string{"next_cursor"}},
			{name: "bad limit", as: "admin", method: "GET", path: "/api/v1/organizations?limit=0", status: 400, has: []string{`"field":"limit"`}},
			{name: "bad cursor", as: "admin", method: "GET", path: "/api/v1/organizations?cursor=zzz", status: 400, has: []string{`"field":"cursor"`}},

			// partner links
			{name: "link partner", as: "admin", method: "PUT", path: "/api/v1/organizations/{org:partner}/customers/{org:acme}", status: 204, actions: []string{"partner.link"}},
			{name: "partner now sees acme", as: "partner", method: "GET", path: "/api/v1/organizations/{org:acme}", status: 200, has: []string{"Acme"}},
			{name: "link twice", as: "admin", method: "PUT", path: "/api/v1/organizations/{org:partner}/customers/{org:acme}", status: 409},
			{name: "link customer as partner", as: "admin", method: "PUT", path: "/api/v1/organizations/{org:acme}/customers/{org:globex}", status: 400, has: []string{`"field":"partner_id"`}},
			{name: "partner's customers", as: "admin", method: "GET", path: "/api/v1/organizations/{org:partner}/customers", status: 200, has: []string{"Acme", "Globex"}},
			{name: "unlink partner", as: "admin", method: "DELETE", path: "/api/v1/organizations/{org:partner}/customers/{org:acme}", status: 204, actions: []string{"partner.unlink"}},
			{name: "partner lost acme", as: "partner", method: "GET", path: "/api/v1/organizations/{org:acme}", status: 404},

			// users
			{name: "create contact", as: "admin", method: "POST", path: "/api/v1/users", body: `{"org_id":"{org:acme}","email":"New@Acme.example","name":"Nina New","role":"customer_contact","authorized_contact":true,"password":"purple monkey dishwasher","time_zone":"America/New_York","locale":"pt-BR"}`,
				status: 201, has: []string{"New@Acme.example", `"locale":"pt-BR"`}, hasNot: []string{"purple", "argon2"}, actions: []string{"user.create"}},
			{name: "duplicate e-mail any case", as: "admin", method: "POST", path: "/api/v1/users", body: `{"org_id":"{org:acme}","email":"new@acme.EXAMPLE","name":"Nina Two","role":"customer_contact","password":"purple monkey dishwasher"}`, status: 409, has: []string{`"field":"email"`}},
			{name: "role must fit org", as: "admin", method: "POST", path: "/api/v1/users", body: `{"org_id":"{org:acme}","email":"x@acme.example","name":"X Y","role":"agent","password":"purple monkey dishwasher"}`, status: 400, has: []string{`"field":"role"`}},
			{name: "short password", as: "admin", method: "POST", path: "/api/v1/users", body: `{"org_id":"{org:acme}","email":"x@acme.example","name":"X Y","role":"customer_contact","password":"short"}`, status: 400, has: []string{`"field":"password"`, "at least 12"}},
			{name: "password with own name", as: "admin", method: "POST", path: "/api/v1/users", body: `{"org_id":"{org:acme}","email":"rosalind@acme.example","name":"Rosalind Franklin","role":"customer_contact","password":"franklin-1234567"}`, status: 400, has: []string{"e-mail address or name"}},
			{name: "bad e-mail", as: "admin", method: "POST", path: "/api/v1/users", body: `{"org_id":"{org:acme}","email":"Ana <ana@acme.example>","name":"Ana","role":"customer_contact","password":"purple monkey dishwasher"}`, status: 400, has: []string{`"field":"email"`}},
			{name: "bad zone", as: "admin", method: "POST", path: "/api/v1/users", body: `{"org_id":"{org:acme}","email":"z@acme.example","name":"Zed","role":"customer_contact","password":"purple monkey dishwasher","time_zone":"Mars/Olympus"}`, status: 400, has: []string{`"field":"time_zone"`}},
			{name: "bad locale", as: "admin", method: "POST", path: "/api/v1/users", body: `{"org_id":"{org:acme}","email":"z@acme.example","name":"Zed","role":"customer_contact","password":"purple monkey dishwasher","locale":"fr-FR"}`, status: 400, has: []string{`"field":"locale"`}},
			{name: "customer admin may not create users", as: "acme-admin", method: "POST", path: "/api/v1/users", body: `{"org_id":"{org:acme}","email":"q@acme.example","name":"Q","role":"customer_contact","password":"purple monkey dishwasher"}`, status: 403},
			{name: "customer lists own users", as: "acme", method: "GET", path: "/api/v1/users", status: 200, has: []string{"acme@acme.example"}, hasNot: []string{"globex", "northwind", "vendor.example"}},
			{name: "update own profile", as: "acme", method: "PATCH", path: "/api/v1/me", body: `{"locale":"es-ES","time_zone":"Europe/Madrid"}`, status: 200, has: []string{`"locale":"es-ES"`}, actions: []string{"user.update"}},
			{name: "no self-promotion", as: "acme", method: "PATCH", path: "/api/v1/users/{user:acme}", body: `{"customer_admin":true}`, status: 403},
			{name: "admin flags contact", as: "admin", method: "PATCH", path: "/api/v1/users/{user:acme}", body: `{"authorized_contact":false}`, status: 200, has: []string{`"authorized_contact":false`}, actions: []string{"user.update"}},
			{name: "partner agent cannot be authorized contact", as: "admin", method: "PATCH", path: "/api/v1/users/{user:partner}", body: `{"authorized_contact":true}`, status: 400},
			{name: "change password needs current", as: "acme", method: "PUT", path: "/api/v1/me/password", body: `{"current_password":"wrong","password":"a brand new passphrase"}`, status: 400, has: []string{`"field":"current_password"`}},

			// certifications
			{name: "certify", as: "admin", method: "POST", path: "/api/v1/users/{user:lapsed}/certifications", body: `{"name":"Core","number":"C-9","valid_from":"2026-11-01","valid_until":"2027-10-31"}`, status: 201, actions: []string{"certification.create"}},
			{name: "recertified partner sees customers", as: "lapsed", method: "GET", path: "/api/v1/organizations", status: 200, has: []string{"Globex"}},
			{name: "cert for a customer contact", as: "admin", method: "POST", path: "/api/v1/users/{user:acme}/certifications", body: `{"name":"Core","number":"C-9","valid_from":"2026-11-01","valid_until":"2027-10-31"}`, status: 400},
			{name: "cert dates", as: "admin", method: "POST", path: "/api/v1/users/{user:partner}/certifications", body: `{"name":"Core","number":"C-9","valid_from":"2026-11-01","valid_until":"2025-10-31"}`, status: 400, has: []string{`"field":"valid_until"`}},

			// audit trail
			{name: "auditor reads audit", as: "auditor", method: "GET", path: "/api/v1/audit?limit=5", status: 200, has: []string{`"hash"`, "next_cursor"}},
			{name: "customer admin reads own org's audit", as: "acme-admin", method: "GET", path: "/api/v1/audit?limit=500", status: 200, has: []string{"{org:acme}"}, hasNot: []string{"{org:globex}", "Globex"}},
			{name: "contact may not read audit", as: "acme", method: "GET", path: "/api/v1/audit", status: 403},
			{name: "agent may not read audit", as: "agent", method: "GET", path: "/api/v1/audit", status: 403},

			// cross-origin browser form posts are refused
		})
		t.Run("cross-origin POST refused", func(t *testing.T) {
			resp := f.do("admin", "POST", "/api/v1/organizations", map[string]string{"kind": "customer", "name": "Evil"}, "Sec-Fetch-Site", "cross-site")
			if resp.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403: %s", resp.status, resp.body)
			}
		})
		t.Run("chain intact after scenarios", func(t *testing.T) {
			rep, err := audit.NewService(store.NewAudit(f.db)).Verify(accord.WithActor(t.Context(), accord.SystemActor("test")))
			if err != nil || rep.Break != nil {
				t.Fatalf("verify: %+v, %v", rep, err)
			}
		})
	})
}
