package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestKBOverHTTP: the agent writes, translates and publishes; readers see
// what their role may read and nothing else (internal and partners'
// articles are 404 to customers), search finds plurals and accents, and
// revisions keep who changed what.
func TestKBOverHTTP(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		type art struct {
			ID, Slug, GroupID string
			Solved            int
			Snippet           []struct {
				Text string
				Mark bool
			}
		}
		mk := func(body string) art {
			t.Helper()
			r := f.do("agent", "POST", "/api/v1/kb/articles", body)
			if r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			var a art
			_ = json.Unmarshal([]byte(r.body), &a)
			if r := f.do("agent", "POST", "/api/v1/kb/articles/"+a.ID+"/publish", nil); r.status != http.StatusOK {
				t.Fatalf("publish: %d %s", r.status, r.body)
			}
			return a
		}
		pt := mk(`{"lang":"pt-BR","title":"Senha expirada","body":"Quando as senhas expiram, redefina a senha.","visibility":"public","category":"acesso"}`)
		en := mk(`{"translation_of":"` + pt.ID + `","lang":"en-US","title":"Expired password","body":"Reset the password.","visibility":"public"}`)
		if en.GroupID != pt.GroupID || pt.Slug != "senha-expirada" {
			t.Fatalf("translation %+v of %+v", en, pt)
		}
		cust := mk(`{"lang":"en-US","title":"Customers runbook","body":"vault customers","visibility":"customers"}`)
		part := mk(`{"lang":"en-US","title":"Partners runbook","body":"vault partners","visibility":"partners"}`)
		internal := mk(`{"lang":"en-US","title":"Internal runbook","body":"vault internal","visibility":"internal"}`)

		for _, tc := range []struct {
			as   string
			id   string
			want int
		}{
			{"acme", pt.ID, 200}, {"acme", cust.ID, 200}, {"acme", part.ID, 404}, {"acme", internal.ID, 404},
			{"partner", part.ID, 200}, {"partner", internal.ID, 404},
			// A partner's agent whose certification lapsed serves no
			// customer: it reads what anyone reads, as directory.Scope
			// gives it no customer's data.
			{"lapsed", pt.ID, 200}, {"lapsed", cust.ID, 404}, {"lapsed", part.ID, 404},
			{"auditor", internal.ID, 200}, {"agent", internal.ID, 200},
			{"", pt.ID, 401},
		} {
			if r := f.do(tc.as, "GET", "/api/v1/kb/articles/"+tc.id, nil); r.status != tc.want {
				t.Errorf("%s GET %s: %d, want %d", tc.as, tc.id, r.status, tc.want)
			}
			if tc.want == 404 {
				if r := f.do(tc.as, "POST", "/api/v1/kb/articles/"+tc.id+"/solved", nil); r.status != 404 {
					t.Errorf("%s solved %s: %d", tc.as, tc.id, r.status)
				}
			}
		}
		if r := f.do("acme", "GET", "/api/v1/kb/articles?q=runbook", nil); !strings.Contains(r.body, "Customers runbook") ||
			strings.Contains(r.body, "Partners runbook") || strings.Contains(r.body, "Internal runbook") {
			t.Errorf("customer's search: %s", r.body)
		}
		if r := f.do("acme", "GET", "/api/v1/kb/suggest?q=senhas&lang=pt-BR", nil); !strings.Contains(r.body, pt.ID) || strings.Contains(r.body, en.ID) {
			t.Errorf("suggest: %s", r.body)
		}
		if r := f.do("acme", "POST", "/api/v1/kb/articles", `{"lang":"en-US","title":"x","body":"x"}`); r.status != http.StatusForbidden {
			t.Errorf("customer writes: %d", r.status)
		}
		if r := f.do("agent", "POST", "/api/v1/kb/articles", `{"lang":"fr-FR","title":"x","body":"x"}`); r.status != 400 || !strings.Contains(r.body, `"lang"`) {
			t.Errorf("bad language: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "PATCH", "/api/v1/kb/articles/"+pt.ID, `{"body":"Redefina a senha pelo portal."}`); r.status != 200 {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}
		r := f.do("agent", "GET", "/api/v1/kb/articles/"+pt.ID+"/revisions", nil)
		if r.status != 200 || !strings.Contains(r.body, `"number":2`) || !strings.Contains(r.body, `"changed":["body"]`) {
			t.Errorf("revisions: %d %s", r.status, r.body)
		}
		if r := f.do("acme", "GET", "/api/v1/kb/articles/"+pt.ID+"/revisions", nil); r.status != http.StatusForbidden {
			t.Errorf("customer reads revisions: %d", r.status)
		}
		r = f.do("acme", "POST", "/api/v1/kb/articles/"+pt.ID+"/solved", nil)
		var solved art
		_ = json.Unmarshal([]byte(r.body), &solved)
		if r.status != 200 || solved.Solved != 1 {
			t.Errorf("solved: %d %s", r.status, r.body)
		}
		if r := f.do("auditor", "GET", "/api/v1/audit?entity_id="+pt.ID, nil); !strings.Contains(r.body, "kb.solved") || !strings.Contains(r.body, "kb.publish") {
			t.Errorf("audit: %s", short(r.body))
		}

		// A reply names an article by id only if it is published, and one
		// the customer may read unless the reply is an internal note.
		opened := f.do("acme", "POST", "/api/v1/cases", `{"type":"question","title":"Where is the runbook?","description":"d"}`)
		var c struct{ ID string }
		if err := json.Unmarshal([]byte(opened.body), &c); err != nil || opened.status != http.StatusCreated {
			t.Fatalf("open: %d %s", opened.status, opened.body)
		}
		draft := f.do("agent", "POST", "/api/v1/kb/articles", `{"lang":"en-US","title":"Not yet","body":"draft","visibility":"public"}`)
		var d art
		_ = json.Unmarshal([]byte(draft.body), &d)
		for _, tc := range []struct {
			name, id string
			internal bool
			want     int
		}{
			{"public article, public reply", pt.ID, false, 200},
			{"customers' article, public reply", cust.ID, false, 200},
			{"partners' article, public reply", part.ID, false, 400},
			{"internal article, public reply", internal.ID, false, 400},
			{"internal article, internal note", internal.ID, true, 200},
			{"draft, internal note", d.ID, true, 400},
			{"no such article", "kba_00000000000000000000000000", true, 400},
		} {
			body := fmt.Sprintf(`{"body":"see","internal":%t,"references":[{"kind":"kb_article","value":%q}]}`, tc.internal, tc.id)
			r := f.do("agent", "POST", "/api/v1/cases/"+c.ID+"/replies", body)
			if r.status != tc.want || (tc.want == 400 && !strings.Contains(r.body, `"field":"references[0].value"`)) {
				t.Errorf("%s: %d %s", tc.name, r.status, short(r.body))
			}
		}
	})
}
