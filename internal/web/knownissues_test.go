package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/store/dbtest"
)

// TestKnownIssuePages: an agent records a known issue through its form
// (the missing translations shown to the author), links a case from the
// case's page and publishes it; the affected customer reads it in its
// language with a banner on every page, another customer gets 404 and no
// banner, and the fix ends the banner.
func TestKnownIssuePages(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	prod := accord.NewID("prd")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO products (id, org_id, key, name, created_at, updated_at) VALUES ($1, $2, 'vault', 'Vault', $3, $3)`, []any{prod, f.orgs["vendor"].ID, f.now}},
		{`INSERT INTO product_versions (id, org_id, product_id, number, notes, state, created_at, updated_at) VALUES ($1, $2, $3, '3.23', '', 'published', $4, $4)`,
			[]any{accord.NewID("ver"), f.orgs["vendor"].ID, prod, f.now}},
		{`INSERT INTO installations (id, org_id, product_id, version, deployment, quantity, created_at, updated_at) VALUES ($1, $2, $3, '3.21', 'on_premises', 1, $4, $4)`,
			[]any{accord.NewID("ins"), f.orgs["acme"].ID, prod, f.now}},
	} {
		if _, err := f.db.SQL().ExecContext(t.Context(), q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if r := f.get("acme", "/known-issues/new"); r.status != http.StatusForbidden {
		t.Fatalf("customer's new-issue form: %d", r.status)
	}
	form := url.Values{"product_id": {string(prod)}, "from": {"3.22"}, "to": {"3.20"}, "title.en-US": {"Login loops"}, "title.pt-BR": {"Login em loop"},
		"title.es-ES": {""}, "symptoms.en-US": {"The sign-in page reloads"}, "internal_notes": {"Found at Acme"}}
	r := f.post("agent", "/known-issues/new", form)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="f-to"`) || !strings.Contains(r.body, "Login em loop") {
		t.Fatalf("a reversed range: %d %s", r.status, r.body)
	}
	form.Set("from", "3.20")
	form.Set("to", "3.22")
	r = f.post("agent", "/known-issues/new", form)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/known-issues/kis_") {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	path := r.location
	id := accord.ID(strings.TrimPrefix(path, "/known-issues/"))
	body := f.page("agent", path)
	for _, want := range []string{"Missing translations", "es-ES", "Acme Bank", "3.21", "Found at Acme"} {
		if !strings.Contains(body, want) {
			t.Errorf("the author's page lacks %q", want)
		}
	}
	if r := f.get("acme", path); r.status != http.StatusNotFound {
		t.Errorf("a draft to the customer: %d", r.status)
	}

	c, err := f.cases.Open(f.as("acme"), f.now, cases.NewCase{Type: cases.Question, Title: "Sign-in loops", Description: "It reloads"})
	if err != nil {
		t.Fatal(err)
	}
	if body := f.page("agent", "/cases/"+string(c.ID)); !strings.Contains(body, `href="/cases/`+string(c.ID)+`/known-issues"`) {
		t.Errorf("the case page does not lead to its known issues")
	}
	if r := f.post("agent", "/cases/"+string(c.ID)+"/known-issues", url.Values{"known_issue_id": {"kis_00000000000000000000000000"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("linking an unknown issue: %d", r.status)
	}
	if r := f.post("agent", "/cases/"+string(c.ID)+"/known-issues", url.Values{"known_issue_id": {string(id)}}); r.status != http.StatusSeeOther {
		t.Fatalf("link: %d %s", r.status, r.body)
	}
	if r := f.post("agent", path+"/publish", nil); r.status != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", r.status, r.body)
	}
	if body := f.page("acme", "/cases"); !strings.Contains(body, "Known issue: Login loops") {
		t.Errorf("no banner on the customer's pages")
	}
	if body := f.page("acme", path); strings.Contains(body, "Found at Acme") || !strings.Contains(body, "The sign-in page reloads") {
		t.Errorf("the customer's page shows internal notes or lacks the symptoms")
	}
	if r := f.get("globex", path); r.status != http.StatusNotFound {
		t.Errorf("another customer reads it: %d", r.status)
	}
	if body := f.page("globex", "/cases"); strings.Contains(body, "Login loops") {
		t.Errorf("another customer sees the banner")
	}
	if r := f.post("agent", path+"/workaround", url.Values{"workaround.en-US": {"Clear the cookies"}, "workaround.pt-BR": {"Limpe os cookies"}}); r.status != http.StatusSeeOther {
		t.Fatalf("workaround: %d %s", r.status, r.body)
	}
	if r := f.post("agent", path+"/fix", url.Values{"version": {"3.22"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="f-version"`) {
		t.Errorf("a fix inside the range: %d", r.status)
	}
	if r := f.post("agent", path+"/fix", url.Values{"version": {"3.23"}}); r.status != http.StatusSeeOther {
		t.Fatalf("fix: %d %s", r.status, r.body)
	}
	if body := f.page("acme", "/cases"); strings.Contains(body, "Known issue: Login loops") {
		t.Errorf("the banner outlives the fix")
	}
	if body := f.page("acme", "/known-issues"); !strings.Contains(body, "Login loops") {
		t.Errorf("the fixed issue is not in the customer's list")
	}
}
