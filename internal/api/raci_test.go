package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/environments"
	"accord/internal/raci"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// environment makes an environment of the customer key, delivered by the
// partner for Globex as its contract says.
func (f *fixture) environment(key string) environments.Environment {
	f.t.Helper()
	in := environments.NewEnvironment{OrgID: f.orgs[key].ID, Name: "Production", Product: "Vault", Version: "4.2", Region: "sa-east-1"}
	if key == "globex" {
		in.ResellerID = f.orgs["partner"].ID
	}
	e, err := f.envs.Create(accord.WithActor(context.Background(), accord.SystemActor("fixture")), f.now, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func TestRaciVersions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		var cur raciBody
		r := f.do("acme", "GET", "/api/v1/raci", nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET /raci as a customer: %d %s", r.status, r.body)
		}
		r.json(t, &cur)
		if cur.Number != 1 || cur.Matrix == nil || len(cur.Matrix.Holders("change", "approve", raci.Accountable)) != 1 {
			t.Fatalf("current = %+v", cur.Version)
		}
		// History is for vendor staff; changing it for administrators.
		if r := f.do("acme", "GET", "/api/v1/raci/versions", nil); r.status != http.StatusForbidden {
			t.Fatalf("customer lists versions: %d", r.status)
		}
		edited := strings.Replace(raci.DefaultDocument(), `letters: {vendor: R, customer: "I, A"}`, `letters: {vendor: "R, A", customer: I}`, 1)
		if r := f.do("agent", "POST", "/api/v1/raci/versions", map[string]string{"document": edited}); r.status != http.StatusForbidden {
			t.Fatalf("agent imports: %d", r.status)
		}

		// An invalid document: every problem with its line and column.
		bad := strings.Replace(edited, `letters: {vendor: "R, A", customer: I}`, `letters: {vendor: "R, A", customer: "I, A", partner: S}`, 1)
		r = f.do("admin", "POST", "/api/v1/raci/versions", bad, "Content-Type", "application/yaml")
		var body struct {
			Error struct {
				Problems []struct{ Field, Message string }
			}
		}
		r.json(t, &body)
		e := body.Error
		if r.status != http.StatusBadRequest || len(e.Problems) != 2 ||
			!strings.HasSuffix(e.Problems[0].Field, ".letters.customer") || !strings.Contains(e.Problems[0].Message, "only one party may be A") ||
			!strings.HasSuffix(e.Problems[1].Field, ".letters.partner") || !strings.Contains(e.Problems[1].Message, `line 551, column 62: unknown party "partner"`) {
			t.Fatalf("bad import: %d %s", r.status, r.body)
		}

		r = f.do("admin", "POST", "/api/v1/raci/versions?note=db+promotion", edited, "Content-Type", "application/yaml")
		var made raciCreated
		r.json(t, &made)
		if r.status != http.StatusCreated || made.Number != 2 || made.Note != "db promotion" || len(made.Changes) != 2 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		if r := f.do("admin", "POST", "/api/v1/raci/versions", map[string]string{"document": edited}); r.status != http.StatusConflict {
			t.Fatalf("same document again: %d", r.status)
		}
		r = f.do("auditor", "GET", "/api/v1/raci/diff?from=1&to=2", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `"path":"database-administration.promote-production.letters.customer","before":"I, A","after":"I"`) {
			t.Fatalf("diff: %d %s", r.status, r.body)
		}
		r = f.do("admin", "POST", "/api/v1/raci/versions/1/rollback", nil)
		r.json(t, &made)
		if r.status != http.StatusCreated || made.Number != 3 || made.Note != "rollback to version 1" {
			t.Fatalf("rollback: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "GET", "/api/v1/raci/versions/2", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"document":`) {
			t.Fatalf("version 2: %d", r.status)
		}
		if r := f.do("agent", "GET", "/api/v1/raci/versions/9", nil); r.status != http.StatusNotFound {
			t.Fatalf("version 9: %d", r.status)
		}
	})
}

func TestRaciEnvironment(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		acme, globex := f.environment("acme"), f.environment("globex")
		path := "/api/v1/environments/" + string(globex.ID) + "/raci"

		// Without an override, the default; the customer and its reseller
		// read it, another customer does not.
		var eff raci.Effective
		r := f.do("globex", "GET", path, nil)
		r.json(t, &eff)
		if r.status != http.StatusOK || eff.Override != nil || eff.Default.Number != 1 || len(eff.Agreed) != 0 {
			t.Fatalf("globex reads: %d %s", r.status, r.body)
		}
		if r := f.do("partner", "GET", path, nil); r.status != http.StatusOK {
			t.Fatalf("reseller reads: %d", r.status)
		}
		if r := f.do("acme", "GET", path, nil); r.status != http.StatusNotFound {
			t.Fatalf("Acme reads Globex's matrix: %d", r.status)
		}
		// A partner agent whose certification lapsed sees no customer.
		if r := f.do("lapsed", "GET", path, nil); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
			t.Fatalf("lapsed partner reads Globex's matrix: %d", r.status)
		}

		agreed := strings.Replace(raci.DefaultDocument(), `letters: {vendor: R, customer: "I, A"}`, `letters: {vendor: R, customer: "I, A", reseller: S}`, 1)
		if r := f.do("agent", "PUT", path, map[string]string{"document": agreed}); r.status != http.StatusForbidden {
			t.Fatalf("agent sets an override: %d", r.status)
		}
		if r := f.do("globex", "PUT", path, map[string]string{"document": agreed}); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Fatalf("customer sets an override: %d", r.status)
		}
		// Acme's environment has no reseller: the reseller's letters are refused.
		r = f.do("admin", "PUT", "/api/v1/environments/"+string(acme.ID)+"/raci", map[string]string{"document": agreed})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "letters.reseller") || !strings.Contains(r.body, "no reseller delivers") {
			t.Fatalf("reseller letters without a reseller: %d %s", r.status, r.body)
		}
		r = f.do("admin", "PUT", path+"?note=signed", agreed, "Content-Type", "application/yaml")
		var o raciOverrideCreated
		r.json(t, &o)
		if r.status != http.StatusCreated || o.Number != 1 || o.BasedOn != 1 || o.OrgID != f.orgs["globex"].ID || len(o.Changes) != 1 {
			t.Fatalf("override: %d %s", r.status, r.body)
		}
		r = f.do("globex", "GET", path, nil)
		r.json(t, &eff)
		if eff.Override == nil || eff.Override.Number != 1 || len(eff.Agreed) != 1 ||
			eff.Agreed[0].Path != "database-administration.promote-production.letters.reseller" || *eff.Agreed[0].After != "S" {
			t.Fatalf("after the override: %s", r.body)
		}
		if got := eff.Matrix.Holders("database-administration", "promote-production", raci.Support); len(got) != 1 || got[0] != raci.Reseller {
			t.Fatalf("S holders = %v", got)
		}
		// The event is in Globex's chain, where its auditors look.
		r = f.do("admin", "GET", "/api/v1/audit?org_id="+string(f.orgs["globex"].ID), nil)
		if !strings.Contains(r.body, `"raci.override"`) {
			t.Fatalf("Globex's audit: %s", short(r.body))
		}
		// Acme still follows the default.
		r = f.do("acme", "GET", "/api/v1/environments/"+string(acme.ID)+"/raci", nil)
		var own raci.Effective
		r.json(t, &own)
		if r.status != http.StatusOK || own.Override != nil {
			t.Fatalf("acme: %d %s", r.status, short(r.body))
		}
	})
}
