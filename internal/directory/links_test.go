package directory_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// deliver runs the mail jobs of links due at now as the mail would: each
// letter's link is minted at delivery. It returns the path each user's
// letter points to, by user key, and the kinds of the letters.
func (f *fixture) deliver(t *testing.T, now time.Time) (map[string]string, map[string]string) {
	t.Helper()
	paths, kinds := map[string]string{}, map[string]string{}
	jobs := store.NewJobs(f.db)
	due, err := jobs.Claim(context.Background(), now, "test", time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range due {
		if j.Kind != directory.LinkJob {
			continue
		}
		l, ok, err := f.svc.LinkLetter(sys, now, j.SubjectID)
		if err != nil {
			t.Fatal(err)
		}
		if err := jobs.Finish(context.Background(), j); err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		path, err := f.svc.MintLink(sys, now, l.Kind, l.Topic, l.UserID)
		if err != nil {
			t.Fatalf("mint %s: %v", l.Topic, err)
		}
		for key, u := range f.users {
			if u.ID == l.UserID {
				paths[key], kinds[key] = path, l.Kind
			}
		}
	}
	return paths, kinds
}

// token is the last part of a link's path.
func token(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }

// invitee adds an active customer contact without a password.
func (f *fixture) invitee(t *testing.T, key string) directory.User {
	t.Helper()
	u, err := f.svc.CreateUser(sys, t0, directory.NewUser{OrgID: f.orgs["acme"].ID, Email: key + "@acme.example", Name: "User " + key,
		Role: accord.RoleCustomerContact, AuthorizedContact: true, WithoutPassword: true})
	if err != nil {
		t.Fatal(err)
	}
	f.users[key] = u
	return u
}

func TestInvitations(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		nina := f.invitee(t, "nina")
		wantKind(t, "a customer administrator invites", f.svc.Invite(f.as("carla"), t0, nina.ID), accord.Forbidden)
		wantKind(t, "inviting a user with a password", f.svc.Invite(f.as("admin"), t0, f.users["ana"].ID), accord.Conflict)
		if err := f.svc.Invite(f.as("admin"), t0, nina.ID); err != nil {
			t.Fatal(err)
		}
		paths, kinds := f.deliver(t, t0)
		first := paths["nina"]
		if !strings.HasPrefix(first, "/invite/") || kinds["nina"] != directory.InvitationLetter || len(paths) != 1 {
			t.Fatalf("letters: %v %v", paths, kinds)
		}
		// A second invitation replaces the first, whose link stops working.
		later := t0.Add(time.Hour)
		if err := f.svc.Invite(f.as("admin"), later, nina.ID); err != nil {
			t.Fatal(err)
		}
		paths, _ = f.deliver(t, later)
		second := paths["nina"]
		if second == "" || second == first {
			t.Fatalf("second invitation: %q", second)
		}
		wantKind(t, "the replaced link", f.svc.CheckLink(context.Background(), later, directory.Invitation, token(first)), accord.NotFound)
		if err := f.svc.CheckLink(context.Background(), later, directory.Invitation, token(second)); err != nil {
			t.Fatalf("the newer link: %v", err)
		}
		wantKind(t, "an invitation used as a reset", f.svc.CheckLink(context.Background(), later, directory.PasswordReset, token(second)), accord.NotFound)
		_, err := f.svc.UseLink(context.Background(), later, directory.Invitation, token(second), "nina")
		wantKind(t, "a password built from the name", err, accord.Invalid)
		wantKind(t, "signing in before the invitation is used", f.login(later, "nina", password, "198.51.100.7"), accord.Unauthenticated)
		if _, err := f.svc.UseLink(context.Background(), later, directory.Invitation, token(second), password); err != nil {
			t.Fatal(err)
		}
		if err := f.login(later, "nina", password, "198.51.100.7"); err != nil {
			t.Fatalf("signing in after the invitation: %v", err)
		}
		_, err = f.svc.UseLink(context.Background(), later, directory.Invitation, token(second), "another long passphrase")
		wantKind(t, "the invitation used twice", err, accord.NotFound)
		wantKind(t, "inviting an activated user", f.svc.Invite(f.as("admin"), later, nina.ID), accord.Conflict)
	})
}

func TestInvitationLifetimeAndWithdrawal(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		for _, key := range []string{"olga", "paul", "quin"} {
			if err := f.svc.Invite(f.as("admin"), t0, f.invitee(t, key).ID); err != nil {
				t.Fatal(err)
			}
		}
		// Paul gets a password another way before his letter goes out, and
		// Quin is deactivated as his is delivered: their links end, and
		// their letters are not sent.
		if err := f.svc.SetPassword(f.as("admin"), t0, f.users["paul"].ID, "", password); err != nil {
			t.Fatal(err)
		}
		l := letterTo(t, f, t0, "quin")
		no := false
		if _, err := f.svc.UpdateUser(f.as("admin"), t0, f.users["quin"].ID, directory.UserUpdate{Active: &no}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.MintLink(sys, t0, l.Kind, l.Topic, l.UserID)
		wantKind(t, "minting the invitation of a deactivated user", err, accord.NotFound)

		paths, _ := f.deliver(t, t0.Add(time.Second))
		if len(paths) != 1 || paths["olga"] == "" {
			t.Fatalf("delivered: %v; want olga's only", paths)
		}
		// Seven days, to the second.
		wantKind(t, "an invitation seven days old", f.svc.CheckLink(context.Background(), t0.Add(7*24*time.Hour), directory.Invitation, token(paths["olga"])), accord.NotFound)
		if _, err := f.svc.UseLink(context.Background(), t0.Add(7*24*time.Hour-time.Second), directory.Invitation, token(paths["olga"]), password); err != nil {
			t.Fatalf("just before seven days: %v", err)
		}
	})
}

// letterTo finds the letter of the link mailed to the user, from the mail
// jobs due at now, without running them: they are due again a moment later.
func letterTo(t *testing.T, f *fixture, now time.Time, key string) directory.LinkLetter {
	t.Helper()
	due, err := store.NewJobs(f.db).Claim(context.Background(), now, "peek", time.Nanosecond, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range due {
		if l, ok, err := f.svc.LinkLetter(sys, now, j.SubjectID); err == nil && ok && l.UserID == f.users[key].ID {
			return l
		}
	}
	t.Fatalf("no letter to %s", key)
	return directory.LinkLetter{}
}

func TestPasswordResets(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		ctx := context.Background()
		_, secret, _, err := f.svc.Login(ctx, t0, f.users["ana"].Email, password, "198.51.100.7", "test")
		if err != nil {
			t.Fatal(err)
		}
		// The same answer, and a job each, for an address with an account
		// and for one without.
		for _, email := range []string{"ANA@acme.example", "nobody@acme.example"} {
			if err := f.svc.RequestReset(ctx, t0, email, "198.51.100.7"); err != nil {
				t.Fatalf("%s: %v", email, err)
			}
		}
		wantKind(t, "a malformed address", f.svc.RequestReset(ctx, t0, "ana at acme", "198.51.100.7"), accord.Invalid)
		due, err := store.NewJobs(f.db).Claim(ctx, t0, "peek", time.Nanosecond, 100)
		if err != nil || len(due) != 2 {
			t.Fatalf("jobs after two requests: %d, %v", len(due), err)
		}
		paths, kinds := f.deliver(t, t0.Add(time.Second))
		if len(paths) != 1 || !strings.HasPrefix(paths["ana"], "/reset/") || kinds["ana"] != directory.ResetLetter {
			t.Fatalf("letters: %v %v", paths, kinds)
		}
		// One hour, to the second.
		wantKind(t, "a reset an hour old", f.svc.CheckLink(ctx, t0.Add(time.Hour), directory.PasswordReset, token(paths["ana"])), accord.NotFound)
		if _, err := f.svc.UseLink(ctx, t0.Add(time.Hour-time.Second), directory.PasswordReset, token(paths["ana"]), "another long passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Authenticate(ctx, t0.Add(time.Hour), secret); !accord.IsKind(err, accord.Unauthenticated) {
			t.Errorf("a session opened before the reset still works: %v", err)
		}
		if err := f.login(t0.Add(time.Hour), "ana", "another long passphrase", "198.51.100.7"); err != nil {
			t.Fatalf("the new password: %v", err)
		}
		// Requests are limited per client address, for any addresses.
		for range 8 {
			_ = f.svc.RequestReset(ctx, t0, "nobody@acme.example", "198.51.100.7")
		}
		wantKind(t, "the eleventh request", f.svc.RequestReset(ctx, t0, "ana@acme.example", "198.51.100.7"), accord.TooManyRequests)
	})
}
