package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"accord/internal/environments"
	"accord/internal/raci"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func (f *fixture) environment(key, reseller string) environments.Environment {
	f.t.Helper()
	in := environments.NewEnvironment{OrgID: f.orgs[key].ID, Name: key + " production", Product: "Vault", Version: "4.2", Region: "sa-east-1"}
	if reseller != "" {
		in.ResellerID = f.orgs[reseller].ID
	}
	e, err := f.envs.Create(f.system(), f.now, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func TestRaciPortal(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		acme, globex := f.environment("acme", ""), f.environment("globex", "partner")
		path := "/environments/" + string(acme.ID) + "/raci"

		// Acme's administrator reads Portuguese.
		body := f.page("acme-admin", "/raci")
		for _, want := range []string{"Quem faz o quê", `href="` + path + `"`, "Gestão de mudanças", "Aprovar a mudança antes do início"} {
			if !strings.Contains(body, want) {
				t.Errorf("/raci lacks %q", want)
			}
		}
		if strings.Contains(body, string(globex.ID)) {
			t.Error("/raci lists another customer's environment")
		}
		body = f.page("acme-admin", path)
		for _, want := range []string{"Quem faz o quê: acme production", "A matriz padrão, versão 1",
			`<abbr title="Responsável">R</abbr>, <abbr title="Aprovador">A</abbr>`, `href="` + path + `/print"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the environment's page lacks %q", want)
			}
		}
		if strings.Contains(body, "Revenda") {
			t.Error("a reseller column for an environment no reseller delivers")
		}
		print := f.page("acme-admin", path+"/print")
		if strings.Contains(print, "<nav") || !strings.Contains(print, "/static/print.css") || !strings.Contains(print, "Gestão de backups") {
			t.Errorf("printable page: %s", print)
		}
		// Another tenant's environment is not there.
		for _, p := range []string{path, path + "/print"} {
			if r := f.get("globex", p); r.status != http.StatusNotFound {
				t.Errorf("globex reads %s: %d", p, r.status)
			}
		}
		// Only vendor administrators agree a version.
		agreed := strings.Replace(raci.DefaultDocument(), `letters: {vendor: R, customer: "I, A"}`, `letters: {vendor: R, customer: "I, A", reseller: S}`, 1)
		if r := f.post("agent", "/environments/"+string(globex.ID)+"/raci", url.Values{"doc": {agreed}}); r.status != http.StatusForbidden {
			t.Errorf("agent agrees a version: %d", r.status)
		}
		if r := f.post("admin", path, url.Values{"doc": {agreed}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "no reseller delivers") || !strings.Contains(r.body, "Line 551, column 58:") {
			t.Errorf("reseller letters for Acme: %d %s", r.status, r.body)
		}
		if r := f.post("admin", "/environments/"+string(globex.ID)+"/raci", url.Values{"doc": {agreed}, "note": {"signed with Globex"}}); r.status != http.StatusSeeOther {
			t.Fatalf("agree Globex's version: %d %s", r.status, r.body)
		}
		body = f.page("globex", "/environments/"+string(globex.ID)+"/raci")
		for _, want := range []string{"Versión 1 acordada para este entorno", "signed with Globex", "Revendedor", "<ins>S</ins>"} {
			if !strings.Contains(body, want) {
				t.Errorf("Globex's page lacks %q", want)
			}
		}
		if r := f.get("partner", "/environments/"+string(globex.ID)+"/raci"); r.status != http.StatusOK {
			t.Errorf("reseller reads Globex's matrix: %d", r.status)
		}
	})
}

func TestAdminRaci(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		body := f.page("admin", "/admin/raci")
		if !strings.Contains(body, "Responsibility matrix (RACI)") || !strings.Contains(body, `action="/admin/raci"`) {
			t.Fatalf("admin page: %s", body)
		}
		if r := f.get("acme", "/admin/raci"); r.status != http.StatusForbidden {
			t.Errorf("customer on the admin page: %d", r.status)
		}
		bad := strings.Replace(raci.DefaultDocument(), "letters: {vendor: R, customer: I}", "letters: {vendor: X, customer: I}", 1)
		r := f.post("admin", "/admin/raci", url.Values{"doc": {bad}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Line 26, column 27:") || !strings.Contains(r.body, "unknown letter") {
			t.Fatalf("bad import: %d %s", r.status, r.body)
		}
		edited := strings.Replace(raci.DefaultDocument(), "Monitor space allocation", "Monitor the space allocated", 1)
		r = f.post("admin", "/admin/raci", url.Values{"doc": {edited}, "note": {"wording"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/raci/diff?to=2" {
			t.Fatalf("import: %d %s", r.status, r.header.Get("Location"))
		}
		body = f.page("admin", "/admin/raci/diff?to=2")
		if !strings.Contains(body, "database-administration.space-allocation.text.en-US") {
			t.Errorf("diff: %s", body)
		}
		if r := f.post("admin", "/admin/raci/versions/1/rollback", nil); r.status != http.StatusSeeOther {
			t.Fatalf("rollback: %d", r.status)
		}
		if body := f.page("auditor", "/admin/raci/versions/3"); !strings.Contains(body, "rollback to version 1") {
			t.Errorf("version 3: %s", body)
		}
	})
}
