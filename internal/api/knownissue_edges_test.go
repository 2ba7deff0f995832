package api

import (
	"testing"

	"accord/internal/accord"
	"accord/internal/products"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestKnownIssueFixEdges: the author reads the missing translations in
// the API's snake case like every other field; the fix's version is checked as a version before
// the catalog is asked (a missing one is "required", a padded one is the
// same version), and once fixed, the issue's range cannot grow over the
// fixing version nor its product change: the fix notice would tell
// customers that 3.23 fixes a problem of 3.20 to 3.30.
func TestKnownIssueFixEdges(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		admin := f.actor("admin")
		var pids []accord.ID
		for _, key := range []string{"identity", "vault"} {
			p, err := f.products.CreateProduct(admin, f.now, products.NewProduct{OrgID: f.orgs["vendor"].ID, Key: key, Name: key})
			if err != nil {
				t.Fatal(err)
			}
			pids = append(pids, p.ID)
		}
		for _, n := range []string{"3.22", "3.23"} {
			v, err := f.products.CreateVersion(admin, f.now, pids[0], products.NewVersion{Number: n})
			if err == nil {
				_, err = f.products.Publish(admin, f.now, v.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		r := f.do("agent", "POST", "/api/v1/known-issues", map[string]any{"product_id": pids[0], "from": "3.20", "to": "3.22",
			"title": map[string]string{"en-US": "Sign-in loops"}, "symptoms": map[string]string{"en-US": "The page reloads"}})
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var k struct{ ID accord.ID }
		r.json(t, &k)
		f.ids["issue"], f.ids["vault"] = string(k.ID), string(pids[1])
		path := "/api/v1/known-issues/{id:issue}"
		runScenarios(t, f, []scenario{
			{name: "the translations missing, in the API's case", as: "agent", method: "GET", path: path, status: 200,
				has: []string{`"missing":[{"path":"title","lacks":["pt-BR","es-ES"]}`}},
			{name: "a fix names its version", as: "agent", method: "POST", path: path + "/fix", body: `{}`, status: 400,
				has: []string{`"field":"version"`, "is required"}},
			{name: "a fix's version is a version", as: "agent", method: "POST", path: path + "/fix", body: `{"version":"3..23"}`, status: 400,
				has: []string{`"field":"version"`, "two separators"}},
			{name: "spaces around the version do not matter", as: "agent", method: "POST", path: path + "/fix", body: `{"version":" 3.23 "}`, status: 200,
				has: []string{`"fixed_in":"3.23"`}, actions: []string{"known_issue.fix"}},
			{name: "the range stays below the fix", as: "agent", method: "PATCH", path: path, body: `{"to":"3.30"}`, status: 400,
				has: []string{`"field":"to"`, "3.23"}},
			{name: "the fix's product stays", as: "agent", method: "PATCH", path: path, body: `{"product_id":"{id:vault}"}`, status: 400,
				has: []string{`"field":"product_id"`}},
			{name: "the range may narrow", as: "agent", method: "PATCH", path: path, body: `{"from":"3.21"}`, status: 200,
				has: []string{`"from":"3.21"`}, actions: []string{"known_issue.update"}},
		})
	})
}
