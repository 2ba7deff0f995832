package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A flood of wrong guesses slows the guessing browser down with a 429 that
// says how long to wait; an administrator's unlock on the user's page
// clears it.
func TestSignInThrottledAndUnlocked(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		email := f.users["acme"].Email
		for range 5 {
			if r := f.post("", "/login", url.Values{"email": {email}, "password": {"wrong password!"}}); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("a wrong guess: %d", r.status)
			}
		}
		r := f.post("", "/login", url.Values{"email": {email}, "password": {testPassword}})
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "2" {
			t.Fatalf("the sixth attempt: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
		}
		if !strings.Contains(r.body, "Too many failed sign-ins on this account from here. Try again in 2 seconds.") ||
			!strings.Contains(r.body, `value="`+email+`"`) {
			t.Fatalf("the refusal does not say why and keep the address: %s", r.body)
		}
		f.now = f.now.Add(time.Hour)
		for range 4 {
			f.post("", "/login", url.Values{"email": {email}, "password": {"wrong password!"}})
			f.now = f.now.Add(time.Hour)
		}
		f.post("", "/login", url.Values{"email": {email}, "password": {"wrong password!"}})
		if r := f.post("", "/login", url.Values{"email": {email}, "password": {testPassword}}); r.status != http.StatusTooManyRequests {
			t.Fatalf("after more guesses: %d", r.status)
		}

		page := "/admin/users/" + string(f.users["acme"].ID)
		if !strings.Contains(f.page("admin", page), `action="`+page+`/unlock"`) {
			t.Fatal("the user's page has no unlock action")
		}
		if r := f.post("agent", page+"/unlock", nil); r.status != http.StatusForbidden {
			t.Errorf("an agent unlocks: %d", r.status)
		}
		if r := f.post("admin", page+"/unlock", nil); r.status != http.StatusSeeOther || r.location != page {
			t.Fatalf("unlock: %d %s", r.status, r.body)
		}
		if r := f.post("", "/login", url.Values{"email": {email}, "password": {testPassword}}); r.status != http.StatusSeeOther {
			t.Fatalf("after unlock: %d %s", r.status, r.body)
		}
	})
}
