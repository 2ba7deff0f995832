package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"accord/internal/store/dbtest"
)

func TestSignIn(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)

	r := f.get("", "/cases?state=open")
	if r.status != http.StatusSeeOther || r.location != "/login?next="+url.QueryEscape("/cases?state=open") {
		t.Fatalf("signed out: %d to %q, want the sign-in page with next", r.status, r.location)
	}
	login := f.page("", "/login?next=/cases")
	for _, want := range []string{`<label for="f-email">`, `autocomplete="current-password"`, `name="next" value="/cases"`} {
		if !strings.Contains(login, want) {
			t.Errorf("sign-in page lacks %s", want)
		}
	}

	wrong := f.post("", "/login", url.Values{"email": {"acme@acme.example"}, "password": {"nope"}, "next": {"/cases"}})
	if wrong.status != http.StatusUnprocessableEntity || !strings.Contains(wrong.body, "The e-mail address or the password is wrong.") {
		t.Fatalf("wrong password: %d %s", wrong.status, wrong.body)
	}
	if !strings.Contains(wrong.body, `value="acme@acme.example"`) || strings.Contains(wrong.body, `value="nope"`) {
		t.Error("a failed sign-in keeps the address and drops the password")
	}

	ok := f.post("", "/login", url.Values{"email": {"acme@acme.example"}, "password": {testPassword}, "next": {"//evil.example/x"}})
	if ok.status != http.StatusSeeOther || ok.location != "/" {
		t.Fatalf("sign-in with a foreign next: %d to %q, want /", ok.status, ok.location)
	}
	for role, want := range map[string]string{"acme": "/cases", "agent": "/queue", "admin": "/dashboard", "partner": "/customers", "auditor": "/dashboard"} {
		if r := f.get(role, "/"); r.location != want {
			t.Errorf("%s starts at %q, want %q", role, r.location, want)
		}
	}

	out := f.post("acme", "/logout", nil)
	if out.status != http.StatusSeeOther || out.location != "/login" {
		t.Fatalf("sign out: %d %q", out.status, out.location)
	}
	if r := f.get("acme", "/settings"); r.status != http.StatusSeeOther {
		t.Errorf("the session still works after signing out: %d", r.status)
	}
}

func TestSignInPageLanguage(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	req, _ := http.NewRequest("GET", f.srv.URL+"/login", nil)
	req.Header.Set("Accept-Language", "pt-BR,pt;q=0.9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "Entrar no Accord") {
		t.Errorf("Accept-Language pt-BR does not give the page in Portuguese")
	}
	if body := f.page("", "/login?lang=es-ES"); !strings.Contains(body, `<html lang="es-ES">`) || !strings.Contains(body, "Iniciar sesión en Accord") {
		t.Errorf("?lang=es-ES does not switch the page")
	}
}

func TestPageSecurityHeaders(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	r := f.get("acme", "/settings")
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") || strings.Contains(r.body, "<style") {
		t.Error("the page has inline script or style, which the CSP would block")
	}

	// A form posted from another site is refused before it reaches a handler.
	req, _ := http.NewRequest("POST", f.srv.URL+"/settings", strings.NewReader("name=Evil"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.AddCookie(&http.Cookie{Name: "accord_session", Value: f.cookie["acme"]})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site form post: %d, want 403", resp.StatusCode)
	}

	for _, asset := range []string{"/static/htmx.min.js", "/static/app.js", "/static/app.css", "/static/htmx.LICENSE"} {
		if r := f.get("", asset); r.status != http.StatusOK || len(r.body) < 100 {
			t.Errorf("%s: %d, %d bytes", asset, r.status, len(r.body))
		}
	}
}

func TestSettings(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		body := f.page("acme", "/settings")
		if !strings.Contains(body, "America/Sao_Paulo (-03)") {
			t.Errorf("the footer does not name the reader's zone")
		}
		bad := f.post("acme", "/settings", url.Values{"name": {"Ana"}, "locale": {"pt-BR"}, "time_zone": {"Mars/Olympus"}})
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `value="Mars/Olympus"`) || !strings.Contains(bad.body, "must be a time zone") {
			t.Fatalf("bad zone: %d", bad.status)
		}
		ok := f.post("acme", "/settings", url.Values{"name": {"Ana"}, "locale": {"pt-BR"}, "time_zone": {"Europe/Lisbon"}})
		if ok.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", ok.status, ok.body)
		}
		if ok.cookies[flashCookie] != "settings.saved" {
			t.Errorf("no notice after saving: %v", ok.cookies)
		}
		after := f.page("acme", "/settings")
		for _, want := range []string{`<html lang="pt-BR">`, "Suas preferências", "Europe/Lisbon (WET)", `value="Ana"`} {
			if !strings.Contains(after, want) {
				t.Errorf("after saving, the page lacks %s", want)
			}
		}
		wrongPw := f.post("acme", "/settings", url.Values{"name": {"Ana"}, "locale": {"pt-BR"}, "time_zone": {"Europe/Lisbon"},
			"current_password": {"not it"}, "password": {"another long passphrase"}})
		if wrongPw.status < 400 {
			t.Errorf("a wrong current password is accepted: %d", wrongPw.status)
		}
	})
}
