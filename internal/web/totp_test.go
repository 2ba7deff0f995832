package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	secretRe    = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`)
	challengeRe = regexp.MustCompile(`name="challenge" value="([^"]+)"`)
)

// enrolWeb sets an authenticator up for the signed-in user on
// /account/security and returns its secret.
func enrolWeb(f *fixture, key string) string {
	f.t.Helper()
	r := f.post(key, "/account/security/begin", nil)
	m := secretRe.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil || !strings.Contains(r.body, `src="data:image/png;base64,`) {
		f.t.Fatalf("begin: %d %s", r.status, r.body)
	}
	r = f.post(key, "/account/security/confirm", url.Values{"code": {totpCode(f.t, m[1], f.now)}})
	if r.status != http.StatusOK || strings.Count(r.body, "<li><code>") != 10 {
		f.t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	return m[1]
}

func TestTOTPPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		t.Run("sign in with a code after the password", func(t *testing.T) {
			f := newFixture(t, open)
			secret := enrolWeb(f, "agent")
			f.now = f.now.Add(time.Minute)
			r := f.post("", "/login", url.Values{"email": {f.users["agent"].Email}, "password": {testPassword}, "next": {"/queue"}})
			m := challengeRe.FindStringSubmatch(r.body)
			if r.status != http.StatusOK || m == nil || r.cookies[directory.SessionCookie] != "" {
				t.Fatalf("password step: %d %s", r.status, r.body)
			}
			ch := html.UnescapeString(m[1])
			r = f.post("", "/login/totp", url.Values{"challenge": {ch}, "code": {"000000"}, "next": {"/queue"}})
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "The code is wrong, expired or already used.") {
				t.Fatalf("wrong code: %d %s", r.status, r.body)
			}
			r = f.post("", "/login/totp", url.Values{"challenge": {ch}, "code": {totpCode(t, secret, f.now)}, "next": {"/queue"}})
			if r.status != http.StatusSeeOther || r.location != "/queue" || r.cookies[directory.SessionCookie] == "" {
				t.Fatalf("right code: %d %q %s", r.status, r.location, r.body)
			}
			f.cookie["agent"] = r.cookies[directory.SessionCookie]
			if page := f.page("agent", "/account/security"); !strings.Contains(page, "Two-factor sign-in is on") || !strings.Contains(page, "Recovery codes left: 10.") {
				t.Fatalf("security page: %s", page)
			}
			// Lost it all: the vendor administrator turns it off.
			reset := "/admin/users/" + string(f.users["agent"].ID) + "/totp/reset"
			if r := f.post("admin", reset, nil); r.status != http.StatusSeeOther || r.cookies[flashCookie] != "totp.admin.reset" {
				t.Fatalf("reset: %d %s", r.status, r.body)
			}
			if r := f.post("", "/login", url.Values{"email": {f.users["agent"].Email}, "password": {testPassword}}); r.status != http.StatusSeeOther {
				t.Fatalf("password alone after the reset: %d %s", r.status, r.body)
			}
		})

		t.Run("a required role is sent to enrol, in its language", func(t *testing.T) {
			f := newFixture(t, open)
			r := f.post("admin", "/admin/security", url.Values{"required": {"admin", "customer_admin"}})
			if r.status != http.StatusSeeOther || r.cookies[flashCookie] != "totp.admin.saved" {
				t.Fatalf("save policy: %d %s", r.status, r.body)
			}
			if page := f.page("admin", "/admin/security"); !strings.Contains(page, `value="customer_admin" checked`) || strings.Contains(page, `value="agent" checked`) {
				t.Fatalf("policy page: %s", page)
			}
			if r := f.post("acme-admin", "/admin/security", url.Values{"required": {}}); r.status != http.StatusForbidden {
				t.Fatalf("a customer admin saves the policy: %d", r.status)
			}
			r = f.post("", "/login", url.Values{"email": {f.users["acme-admin"].Email}, "password": {testPassword}})
			if r.status != http.StatusSeeOther || r.location != "/account/security" {
				t.Fatalf("sign-in of a customer admin: %d %q", r.status, r.location)
			}
			f.cookie["acme-admin"] = r.cookies[directory.SessionCookie]
			if r := f.get("acme-admin", "/cases"); r.status != http.StatusSeeOther || r.location != "/account/security" {
				t.Fatalf("cases before enrolling: %d %q", r.status, r.location)
			}
			if page := f.page("acme-admin", "/account/security"); !strings.Contains(page, "exige verificação em duas etapas para administradores de clientes") {
				t.Fatalf("security page in Portuguese: %s", page)
			}
			enrolWeb(f, "acme-admin")
			if r := f.get("acme-admin", "/cases"); r.status != http.StatusOK {
				t.Fatalf("cases once enrolled: %d %q", r.status, r.location)
			}
		})
	})
}
