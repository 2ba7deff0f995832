package api

import (
	"net/http"
	"strings"
	"testing"

	"accord/internal/products"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestProductsOverHTTP: the vendor's administrator builds the catalog and
// publishes a version; a customer's administrator records the customer's
// installation, other contacts read it, another customer cannot; the
// report lists the installation once its version's support has ended.
func TestProductsOverHTTP(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		resp := f.do("admin", "POST", "/api/v1/products", map[string]any{"key": "identity", "name": "Accord Identity"})
		if resp.status != http.StatusCreated {
			t.Fatalf("create product: %d %s", resp.status, resp.body)
		}
		var p products.Product
		resp.json(t, &p)
		if p.OrgID != f.orgs["vendor"].ID {
			t.Fatalf("the product belongs to %s, not the vendor", p.OrgID)
		}
		for _, who := range []string{"agent", "acme-admin", "partner"} {
			if r := f.do(who, "POST", "/api/v1/products", map[string]any{"key": "x", "name": "X"}); r.status != http.StatusForbidden {
				t.Errorf("%s creating a product: %d", who, r.status)
			}
		}
		if r := f.do("admin", "POST", "/api/v1/products/"+string(p.ID)+"/versions", map[string]any{"number": "3..21"}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"number"`) {
			t.Fatalf("a bad number: %d %s", r.status, r.body)
		}
		var v products.Version
		resp = f.do("admin", "POST", "/api/v1/products/"+string(p.ID)+"/versions", map[string]any{"number": "3.21", "released_on": "2026-05-04",
			"end_of_support": "2026-11-19", "notes": "New *login* page"})
		if resp.status != http.StatusCreated {
			t.Fatalf("create version: %d %s", resp.status, resp.body)
		}
		resp.json(t, &v)
		if r := f.do("acme", "GET", "/api/v1/products/"+string(p.ID)+"/versions/"+string(v.ID), nil); r.status != http.StatusNotFound {
			t.Fatalf("a customer reads a draft: %d", r.status)
		}
		if r := f.do("admin", "POST", "/api/v1/products/"+string(p.ID)+"/versions/"+string(v.ID)+"/publish", nil); r.status != http.StatusOK {
			t.Fatalf("publish: %d %s", r.status, r.body)
		}
		if r := f.do("admin", "POST", "/api/v1/products/"+string(p.ID)+"/versions/"+string(v.ID)+"/publish", nil); r.status != http.StatusConflict {
			t.Fatalf("publish again: %d %s", r.status, r.body)
		}
		if r := f.do("acme", "GET", "/api/v1/products/"+string(p.ID)+"/versions", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"3.21"`) {
			t.Fatalf("a customer reads the published version: %d %s", r.status, r.body)
		}

		body := map[string]any{"product_id": p.ID, "version": "3.21", "deployment": "on_premises", "quantity": 3}
		if r := f.do("acme", "POST", "/api/v1/installations", body); r.status != http.StatusForbidden {
			t.Fatalf("a contact who is not administrator: %d %s", r.status, r.body)
		}
		resp = f.do("acme-admin", "POST", "/api/v1/installations", body)
		if resp.status != http.StatusCreated {
			t.Fatalf("create installation: %d %s", resp.status, resp.body)
		}
		var ins products.Installation
		resp.json(t, &ins)
		if ins.OrgID != f.orgs["acme"].ID || ins.Quantity != 3 {
			t.Fatalf("installation %+v", ins)
		}
		if r := f.do("acme", "GET", "/api/v1/installations/"+string(ins.ID), nil); r.status != http.StatusOK {
			t.Fatalf("a contact reads its own: %d", r.status)
		}
		if r := f.do("globex", "GET", "/api/v1/installations/"+string(ins.ID), nil); r.status != http.StatusNotFound {
			t.Fatalf("another customer reads it: %d", r.status)
		}
		if r := f.do("globex", "GET", "/api/v1/installations?org_id="+string(f.orgs["acme"].ID), nil); r.status != http.StatusOK || strings.Contains(r.body, string(ins.ID)) {
			t.Fatalf("another customer lists it: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "PATCH", "/api/v1/installations/"+string(ins.ID), map[string]any{"deployment": "appliance"}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"serial"`) {
			t.Fatalf("an appliance without serial: %d %s", r.status, r.body)
		}
		// The fixture's today is 2026-11-20: 3.21's support ended yesterday.
		for who, want := range map[string]bool{"agent": true, "acme": true, "globex": false} {
			r := f.do(who, "GET", "/api/v1/reports/end-of-support", nil)
			if r.status != http.StatusOK || strings.Contains(r.body, string(ins.ID)) != want {
				t.Errorf("%s's end-of-support report: %d %s", who, r.status, r.body)
			}
		}
		if r := f.do("acme-admin", "DELETE", "/api/v1/installations/"+string(ins.ID), nil); r.status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
	})
}
