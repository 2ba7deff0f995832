package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/store"
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

// deliverLinks runs the due mail jobs of links as delivery would and
// returns the path mailed to each user, by id.
func (f *fixture) deliverLinks() map[accord.ID]string {
	f.t.Helper()
	paths := map[accord.ID]string{}
	jobs := store.NewJobs(f.db)
	due, err := jobs.Claim(context.Background(), f.now, "test", time.Minute, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, j := range due {
		if j.Kind != directory.LinkJob {
			continue
		}
		l, ok, err := f.dir.LinkLetter(f.system(), f.now, j.SubjectID)
		if err == nil {
			err = jobs.Finish(context.Background(), j)
		}
		if err != nil {
			f.t.Fatal(err)
		}
		if ok {
			if paths[l.UserID], err = f.dir.MintLink(f.system(), f.now, l.Kind, l.Topic, l.UserID); err != nil {
				f.t.Fatal(err)
			}
		}
	}
	return paths
}

func TestPasswordResetPages(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		if login := f.page("", "/login"); !strings.Contains(login, `<a href="/reset">Forgot your password?</a>`) {
			t.Error("the sign-in page does not lead to the reset")
		}
		if ask := f.page("", "/reset"); !strings.Contains(ask, `<form method="post" action="/reset"`) {
			t.Fatal("no form on /reset")
		}
		// The same page for an address with an account and one without.
		var answers []string
		for _, email := range []string{"acme@acme.example", "nobody@acme.example"} {
			r := f.post("", "/reset", url.Values{"email": {email}})
			if r.status != http.StatusOK || !strings.Contains(r.body, "If an account has this address, a link to choose a new password is on its way.") {
				t.Fatalf("reset for %s: %d %s", email, r.status, r.body)
			}
			answers = append(answers, strings.ReplaceAll(r.body, email, ""))
		}
		if answers[0] != answers[1] {
			t.Error("the answer differs for an address without an account")
		}
		path := f.deliverLinks()[f.users["acme"].ID]
		if !strings.HasPrefix(path, "/reset/") {
			t.Fatalf("mailed: %q", path)
		}
		form := f.page("", path)
		if !strings.Contains(form, `action="`+path+`"`) || !strings.Contains(form, `autocomplete="new-password"`) {
			t.Fatalf("the link's page: %s", form)
		}
		r := f.post("", path, url.Values{"password": {"another long passphrase"}, "password_again": {"another long passphrase!"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "does not match the password above") || strings.Contains(r.body, "another long passphrase") {
			t.Fatalf("mismatch: %d %s", r.status, r.body)
		}
		r = f.post("", path, url.Values{"password": {"another long passphrase"}, "password_again": {"another long passphrase"}})
		if r.status != http.StatusSeeOther || r.location != "/login" || r.cookies[flashCookie] != "link.done.password_reset" {
			t.Fatalf("set: %d %q %v", r.status, r.location, r.cookies)
		}
		if r := f.post("", "/login", url.Values{"email": {"acme@acme.example"}, "password": {"another long passphrase"}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign in with the new password: %d", r.status)
		}
		for _, p := range []string{path, "/reset/nonsense", "/invite/" + strings.TrimPrefix(path, "/reset/")} {
			if r := f.get("", p); r.status != http.StatusNotFound || !strings.Contains(r.body, "unknown, used, replaced by a newer one or expired") {
				t.Errorf("%s: %d %s", p, r.status, r.body)
			}
		}
	})
}

func TestInvitationPages(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		r := f.post("admin", "/admin/users", url.Values{"org_id": {string(f.orgs["acme"].ID)}, "email": {"nina@acme.example"},
			"name": {"Nina Nunes"}, "role": {"customer_contact"}, "locale": {"pt-BR"}, "time_zone": {"America/Sao_Paulo"},
			"authorized_contact": {"true"}, "invite": {"true"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("invite a new user: %d %s", r.status, r.body)
		}
		page := r.location
		id := accord.ID(strings.TrimPrefix(page, "/admin/users/"))
		if body := f.page("admin", page); !strings.Contains(body, "not activated: no password chosen yet") || !strings.Contains(body, `action="`+page+`/invitation"`) {
			t.Fatalf("the invitee's page: %s", body)
		}
		if r := f.post("admin", page+"/invitation", nil); r.status != http.StatusSeeOther {
			t.Fatalf("send again: %d %s", r.status, r.body)
		}
		path := f.deliverLinks()[id]
		if !strings.HasPrefix(path, "/invite/") {
			t.Fatalf("mailed: %q", path)
		}
		if body := f.page("", path); !strings.Contains(body, "Welcome to Accord: choose your password") {
			t.Fatalf("the invitation's page: %s", body)
		}
		r = f.post("", path, url.Values{"password": {"uma senha bem longa"}, "password_again": {"uma senha bem longa"}})
		if r.status != http.StatusSeeOther || r.location != "/login" || r.cookies[flashCookie] != "link.done.invitation" {
			t.Fatalf("accept: %d %q %s", r.status, r.location, r.body)
		}
		if r := f.post("", "/login", url.Values{"email": {"nina@acme.example"}, "password": {"uma senha bem longa"}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign in: %d", r.status)
		}
		if body := f.page("admin", page); strings.Contains(body, "not activated") || strings.Contains(body, `action="`+page+`/invitation"`) {
			t.Error("the page still offers an invitation after activation")
		}
	})
}
