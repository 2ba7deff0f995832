package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"accord/internal/kb"
)

// kbArticles publishes a public Portuguese article with an English
// translation, and one article of each other visibility.
func kbArticles(t *testing.T, f *fixture) map[kb.Visibility]kb.Article {
	t.Helper()
	ctx := f.as("agent")
	out := map[kb.Visibility]kb.Article{}
	mk := func(in kb.NewArticle) kb.Article {
		a, err := f.kb.Create(ctx, f.now, in)
		if err == nil {
			a, err = f.kb.Publish(ctx, f.now, a.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	out[kb.Public] = mk(kb.NewArticle{Lang: "pt-BR", Title: "Senha expirada", Category: "acesso", Visibility: kb.Public,
		Body: "Quando as **senhas** expiram, redefina a senha no portal."})
	mk(kb.NewArticle{TranslationOf: out[kb.Public].ID, Lang: "en-US", Title: "Expired password", Visibility: kb.Public, Body: "Reset it."})
	for _, v := range []kb.Visibility{kb.Customers, kb.Partners, kb.Internal} {
		out[v] = mk(kb.NewArticle{Lang: "pt-BR", Title: "Senha " + string(v), Visibility: v, Body: "senha " + string(v)})
	}
	return out
}

// TestKBPages: the index, an article and the sitemap work without signing
// in and show public articles only; signed-in readers see what their role
// may; internal articles never leave vendor staff.
func TestKBPages(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		arts := kbArticles(t, f)
		for _, tc := range []struct {
			as   string
			sees []kb.Visibility
		}{
			{"", []kb.Visibility{kb.Public}},
			{"acme", []kb.Visibility{kb.Public, kb.Customers}},
			{"partner", []kb.Visibility{kb.Public, kb.Customers, kb.Partners}},
			{"agent", []kb.Visibility{kb.Public, kb.Customers, kb.Partners, kb.Internal}},
		} {
			r := f.get(tc.as, "/kb?q=senhas&lang=pt-BR")
			if r.status != 200 {
				t.Fatalf("%q: /kb %d", tc.as, r.status)
			}
			for v, a := range arts {
				want := false
				for _, s := range tc.sees {
					want = want || s == v
				}
				if strings.Contains(r.body, "/kb/"+a.Slug+`"`) != want {
					t.Errorf("%q: index lists %s: %v", tc.as, v, !want)
				}
				if got := f.get(tc.as, "/kb/"+a.Slug); (got.status == 200) != want || !want && got.status != 404 {
					t.Errorf("%q: /kb/%s answers %d", tc.as, a.Slug, got.status)
				}
				if got := f.get(tc.as, "/kb/suggest?title="+url.QueryEscape("senha "+string(v))+"&lang=pt-BR"); strings.Contains(got.body, "/kb/"+a.Slug+`"`) != want {
					t.Errorf("%q: suggestions offer %s: %v", tc.as, v, !want)
				}
			}
		}
		page := f.get("", "/kb/senha-expirada").body
		for _, want := range []string{"<strong>senhas</strong>", `hreflang="en-US"`, "This solved my problem"} {
			if !strings.Contains(page, want) {
				t.Errorf("article page lacks %q", want)
			}
		}
		r := f.get("", "/sitemap.xml")
		if r.status != 200 || !strings.Contains(r.body, "/kb/senha-expirada</loc>") || !strings.Contains(r.body, "/kb/expired-password</loc>") ||
			strings.Contains(r.body, arts[kb.Customers].Slug) || strings.Contains(r.body, arts[kb.Internal].Slug) {
			t.Errorf("sitemap: %d %s", r.status, r.body)
		}
		if r := f.post("", "/kb/senha-expirada/solved", url.Values{}); r.status != 200 || !strings.Contains(r.body, "Obrigado") && !strings.Contains(r.body, "Thank you") {
			t.Errorf("solved: %d", r.status)
		}
		if r := f.post("acme", "/kb/"+arts[kb.Internal].Slug+"/solved", url.Values{}); r.status != 404 {
			t.Errorf("customer's solved on internal: %d", r.status)
		}
		if a, err := f.kb.Get(f.as("agent"), arts[kb.Public].ID); err != nil || a.Solved != 1 {
			t.Errorf("solved count %d, %v", a.Solved, err)
		}
		// A visitor's browser counts once per article: clicking again, or
		// reloading the answer, keeps the count.
		again := func(cookie string) response {
			req, _ := http.NewRequest("POST", f.srv.URL+"/kb/senha-expirada/solved", nil)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if cookie != "" {
				req.AddCookie(&http.Cookie{Name: kbSolvedCookie, Value: cookie})
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			out := response{status: resp.StatusCode, cookies: map[string]string{}}
			for _, c := range resp.Cookies() {
				out.cookies[c.Name] = c.Value
			}
			return out
		}
		first := again("")
		if first.status != 200 || !strings.Contains(first.cookies[kbSolvedCookie], string(arts[kb.Public].ID)) {
			t.Fatalf("solved: %d, cookie %q", first.status, first.cookies[kbSolvedCookie])
		}
		if r := again(first.cookies[kbSolvedCookie]); r.status != 200 {
			t.Errorf("solved again: %d", r.status)
		}
		if a, err := f.kb.Get(f.as("agent"), arts[kb.Public].ID); err != nil || a.Solved != 2 {
			t.Errorf("solved count after a second click %d, %v", a.Solved, err)
		}
		// The new case page suggests as the title is typed, and offers a
		// plain search without scripts.
		nc := f.page("acme", "/cases/new")
		if !strings.Contains(nc, `hx-get="/kb/suggest"`) || !strings.Contains(nc, `action="/kb"`) {
			t.Errorf("new case page lacks the suggestions")
		}
	})
}

// TestKBInsertLink: an agent searches from the reply form and inserts a
// link, which also becomes the reply's knowledge-base reference.
func TestKBInsertLink(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		arts := kbArticles(t, f)
		c := f.openIncident("Senha não funciona")
		r := f.post("agent", "/cases/"+string(c.ID)+"/kb/insert", url.Values{"body": {"Olá"}, "kb_q": {"senha expirada"}, "kb_action": {"search"}})
		if r.status != 200 || !strings.Contains(r.body, `value="`+string(arts[kb.Public].ID)+`"`) {
			t.Fatalf("search: %d", r.status)
		}
		r = f.post("agent", "/cases/"+string(c.ID)+"/kb/insert", url.Values{"body": {"Olá"}, "kb_pick": {string(arts[kb.Public].ID)}, "kb_action": {"insert"}})
		if r.status != 200 || !strings.Contains(r.body, "Olá\n\n[Senha expirada](/kb/senha-expirada)") || !strings.Contains(r.body, `value="`+string(arts[kb.Public].ID)+`"`) {
			t.Fatalf("insert: %d", r.status)
		}
		// An internal article is linked from internal notes only: its
		// title must not go out in a reply the customer reads.
		pick := url.Values{"body": {"Olá"}, "kb_pick": {string(arts[kb.Internal].ID)}, "kb_action": {"insert"}}
		if r := f.post("agent", "/cases/"+string(c.ID)+"/kb/insert", pick); r.status != 422 || strings.Contains(r.body, "](/kb/"+arts[kb.Internal].Slug+")") ||
			!strings.Contains(r.body, `<p class="field-error">an internal article is linked from internal notes only</p>`) {
			t.Errorf("internal article into a public reply: %d", r.status)
		}
		pick.Set("internal", "true")
		if r := f.post("agent", "/cases/"+string(c.ID)+"/kb/insert", pick); r.status != 200 || !strings.Contains(r.body, "](/kb/"+arts[kb.Internal].Slug+")") {
			t.Errorf("internal article into an internal note: %d", r.status)
		}
		// The reply goes out with the reference, which links to the article.
		form := url.Values{"body": {"Veja o artigo."}, "references[0].kind": {"kb_article"}, "references[0].value": {string(arts[kb.Public].ID)}}
		mustPost(t, f.post("agent", "/cases/"+string(c.ID)+"/reply", form), "reply")
		if page := f.page("acme", "/cases/"+string(c.ID)); !strings.Contains(page, `href="/kb/id/`+string(arts[kb.Public].ID)+`"`) {
			t.Errorf("the reference does not link to the article")
		}
		if r := f.get("acme", "/kb/id/"+string(arts[kb.Public].ID)); r.status != 303 || r.location != "/kb/senha-expirada" {
			t.Errorf("/kb/id: %d %s", r.status, r.location)
		}
		if r := f.get("acme", "/kb/id/"+string(arts[kb.Internal].ID)); r.status != 404 {
			t.Errorf("/kb/id of an internal article: %d", r.status)
		}
	})
}

// TestKBHostileMarkdown: an article's Markdown cannot run scripts or
// carry event handlers, raw HTML or javascript: links onto the page.
func TestKBHostileMarkdown(t *testing.T) {
	md := newMarkdown()
	for _, src := range []string{
		"<script>alert(1)</script>",
		"[click](javascript:alert(1))",
		"[click](JaVaScRiPt:alert(1))",
		"<img src=x onerror=alert(1)>",
		`<a href="#" onclick="alert(1)">x</a>`,
		"![x](javascript:alert(1))",
		"<iframe src=//evil.example></iframe>",
		"<style>body{display:none}</style>",
		"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"<svg onload=alert(1)>",
		"<div style=\"position:fixed\">x</div>",
	} {
		out := strings.ToLower(string(md.render(src)))
		for _, bad := range []string{"<script", "javascript:", "onerror", "onclick", "onload", "<iframe", "<style", "data:text", "style=", "<svg", "<img src=x"} {
			if strings.Contains(out, bad) {
				t.Errorf("%q renders %q", src, out)
			}
		}
	}
}

// TestKBEditPages: an agent writes a Portuguese article in the form,
// publishes it, changes it (a second revision), and a customer may not
// open the form.
func TestKBEditPages(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		if r := f.get("acme", "/kb-edit/new"); r.status != 403 {
			t.Errorf("customer opens the form: %d", r.status)
		}
		r := f.post("agent", "/kb-edit/new", url.Values{"lang": {"pt-BR"}, "title": {"Senha expirada"}, "body": {"Redefina."}, "visibility": {"public"}})
		if r.status != 303 || !strings.HasPrefix(r.location, "/kb-edit/kba_") {
			t.Fatalf("create: %d %s", r.status, r.location)
		}
		edit := r.location
		if r := f.post("agent", edit+"/publish", url.Values{}); r.status != 303 {
			t.Fatalf("publish: %d", r.status)
		}
		if r := f.post("agent", edit, url.Values{"title": {"Senha expirada"}, "slug": {"senha-expirada"}, "body": {"Redefina no portal."}, "visibility": {"public"}}); r.status != 303 {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		if r := f.post("agent", "/kb-edit/new", url.Values{"lang": {"pt-BR"}, "title": {"Outra"}, "slug": {"Not A Slug"}, "body": {"x"}, "visibility": {"public"}}); r.status != 422 && r.status != 400 || !strings.Contains(r.body, "field-error") {
			t.Errorf("bad slug: %d", r.status)
		}
		page := f.page("agent", "/kb/senha-expirada")
		if !strings.Contains(page, "#2") || !strings.Contains(page, "Redefina no portal.") {
			t.Errorf("article page lacks revision 2")
		}
	})
}
