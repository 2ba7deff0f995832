package api

import (
	"net/http"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/products"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestKnownIssuesOverHTTP walks the issue's Done-when over the API: the
// vendor records a known issue of 3.20-3.22; the two customers on 3.21 are
// listed; once published each reads it in its language without the
// internal notes and sees only itself among the customers; the workaround
// and, after 3.23 is released, the fix are recorded; an agent links a case
// and the audit trail has every step.
func TestKnownIssuesOverHTTP(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		admin := f.actor("admin")
		p, err := f.products.CreateProduct(admin, f.now, products.NewProduct{OrgID: f.orgs["vendor"].ID, Key: "identity", Name: "Accord Identity"})
		if err != nil {
			t.Fatal(err)
		}
		for _, org := range []string{"acme", "globex"} {
			if _, err := f.products.CreateInstallation(admin, f.now, products.NewInstallation{OrgID: f.orgs[org].ID, ProductID: p.ID, Version: "3.21",
				Deployment: products.OnPremises}); err != nil {
				t.Fatal(err)
			}
		}
		body := map[string]any{"product_id": p.ID, "from": "3.20", "to": "3.22", "internal_notes": "seen at Acme first",
			"title":    map[string]string{"en-US": "Sign-in loops", "pt-BR": "Login em loop", "es-ES": "Inicio de sesión en bucle"},
			"symptoms": map[string]string{"en-US": "The page reloads"}}
		for who, want := range map[string]int{"acme": 403, "partner": 403, "auditor": 403} {
			if r := f.do(who, "POST", "/api/v1/known-issues", body); r.status != want {
				t.Errorf("%s creating: %d, want %d", who, r.status, want)
			}
		}
		if r := f.do("agent", "POST", "/api/v1/known-issues", map[string]any{"product_id": p.ID, "from": "3.22", "to": "3.20", "title": "x", "symptoms": "y"}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"to"`) {
			t.Errorf("a reversed range: %d %s", r.status, r.body)
		}
		r := f.do("agent", "POST", "/api/v1/known-issues", body)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var k struct {
			ID      accord.ID               `json:"id"`
			State   string                  `json:"state"`
			Status  string                  `json:"status"`
			FixedIn string                  `json:"fixed_in"`
			Missing []struct{ Path string } `json:"missing"`
		}
		r.json(t, &k)
		if k.State != "draft" || k.Status != "investigating" || len(k.Missing) != 1 || k.Missing[0].Path != "symptoms" {
			t.Fatalf("created: %s", r.body)
		}
		path := "/api/v1/known-issues/" + string(k.ID)
		if r := f.do("acme", "GET", path, nil); r.status != http.StatusNotFound {
			t.Errorf("a draft to a customer: %d", r.status)
		}
		r = f.do("agent", "GET", path+"/customers", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, string(f.orgs["acme"].ID)) || !strings.Contains(r.body, string(f.orgs["globex"].ID)) {
			t.Fatalf("affected: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", path+"/publish", nil); r.status != http.StatusOK {
			t.Fatalf("publish: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", path+"/publish", nil); r.status != http.StatusConflict {
			t.Errorf("publishing twice: %d", r.status)
		}
		r = f.do("globex", "GET", path+"?lang=es-ES", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `"title":"Inicio de sesión en bucle"`) || !strings.Contains(r.body, `"symptoms":"The page reloads"`) ||
			strings.Contains(r.body, "seen at Acme") {
			t.Errorf("Globex reads: %d %s", r.status, r.body)
		}
		r = f.do("globex", "GET", path+"/customers", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, string(f.orgs["globex"].ID)) || strings.Contains(r.body, string(f.orgs["acme"].ID)) {
			t.Errorf("Globex's view of the customers: %d %s", r.status, r.body)
		}
		if r := f.do("acme", "GET", "/api/v1/known-issues?open=true", nil); r.status != http.StatusOK || !strings.Contains(r.body, string(k.ID)) {
			t.Errorf("Acme's open issues: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", path+"/workaround", map[string]any{"workaround": map[string]string{"en-US": "Clear the cookies", "es-ES": "Borre las cookies"}}); r.status != http.StatusOK ||
			!strings.Contains(r.body, `"status":"workaround_available"`) {
			t.Fatalf("workaround: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", path+"/fix", map[string]string{"version": "3.23"}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"version"`) {
			t.Errorf("a fix in a version not released: %d %s", r.status, r.body)
		}
		v, err := f.products.CreateVersion(admin, f.now, p.ID, products.NewVersion{Number: "3.23"})
		if err == nil {
			_, err = f.products.Publish(admin, f.now, v.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		r = f.do("agent", "POST", path+"/fix", map[string]string{"version": "3.23"})
		if r.status != http.StatusOK || !strings.Contains(r.body, `"fixed_in":"3.23"`) || !strings.Contains(r.body, `"status":"fixed"`) {
			t.Fatalf("fix: %d %s", r.status, r.body)
		}
		if r := f.do("acme", "GET", "/api/v1/known-issues?open=true", nil); !strings.Contains(r.body, `"items":[]`) {
			t.Errorf("a fixed issue is still open for Acme: %s", r.body)
		}

		// Linking a case, from the agent's side; an unknown issue is
		// refused naming the field.
		r = f.do("acme", "POST", "/api/v1/cases", map[string]string{"type": "question", "title": "Sign-in loops", "description": "It reloads"})
		var c struct {
			ID accord.ID `json:"id"`
		}
		r.json(t, &c)
		casePath := "/api/v1/cases/" + string(c.ID) + "/known-issues"
		if r := f.do("agent", "POST", casePath, map[string]string{"known_issue_id": "kis_00000000000000000000000000"}); r.status != http.StatusBadRequest ||
			!strings.Contains(r.body, `"field":"known_issue_id"`) {
			t.Errorf("an unknown issue: %d %s", r.status, r.body)
		}
		if r := f.do("acme", "POST", casePath, map[string]string{"known_issue_id": string(k.ID)}); r.status != http.StatusForbidden {
			t.Errorf("a customer linking: %d", r.status)
		}
		if r := f.do("agent", "POST", casePath, map[string]string{"known_issue_id": string(k.ID)}); r.status != http.StatusCreated {
			t.Fatalf("link: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", casePath, map[string]string{"known_issue_id": string(k.ID)}); r.status != http.StatusConflict {
			t.Errorf("linking twice: %d", r.status)
		}
		if r := f.do("acme", "GET", casePath, nil); r.status != http.StatusOK || !strings.Contains(r.body, string(k.ID)) {
			t.Errorf("Acme's case links: %d %s", r.status, r.body)
		}
		if r := f.do("globex", "GET", path+"/cases", nil); r.status != http.StatusOK || strings.Contains(r.body, string(c.ID)) {
			t.Errorf("Globex sees Acme's linked case: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "DELETE", casePath+"/"+string(k.ID), nil); r.status != http.StatusNoContent {
			t.Errorf("unlink: %d %s", r.status, r.body)
		}
		r = f.do("admin", "GET", "/api/v1/audit?org_id="+string(f.orgs["vendor"].ID), nil)
		for _, action := range []string{"known_issue.create", "known_issue.publish", "known_issue.workaround", "known_issue.fix", "known_issue.link", "known_issue.unlink"} {
			if !strings.Contains(r.body, action) {
				t.Errorf("the vendor's trail lacks %s", action)
			}
		}
	})
}
