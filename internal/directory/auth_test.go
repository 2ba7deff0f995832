package directory_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const password = "a long test passphrase"

var (
	t0  = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	sys = accord.WithActor(context.Background(), accord.SystemActor("directory test"))
)

// fixture is the directory over a fresh database with a vendor (an
// administrator) and a customer (a contact and its administrator).
type fixture struct {
	svc   *directory.Service
	db    *store.DB
	orgs  map[string]directory.Organization
	users map[string]directory.User
}

func newFixture(t *testing.T, open func(testing.TB) *store.DB) *fixture {
	t.Helper()
	cfg := directory.DefaultConfig()
	cfg.Argon2 = directory.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}
	db := open(t)
	f := &fixture{svc: directory.NewService(store.NewDirectory(db), cfg), db: db,
		orgs: map[string]directory.Organization{}, users: map[string]directory.User{}}
	for key, kind := range map[string]directory.Kind{"vendor": directory.KindVendor, "acme": directory.KindCustomer} {
		o, err := f.svc.CreateOrganization(sys, t0, directory.NewOrganization{Kind: kind, Name: key})
		if err != nil {
			t.Fatal(err)
		}
		f.orgs[key] = o
	}
	for _, u := range []struct {
		key, org string
		role     accord.Role
		admin    bool
	}{{"admin", "vendor", accord.RoleAdmin, false}, {"ana", "acme", accord.RoleCustomerContact, false},
		{"carla", "acme", accord.RoleCustomerContact, true}} {
		nu := directory.NewUser{OrgID: f.orgs[u.org].ID, Email: u.key + "@" + u.org + ".example", Name: "User " + u.key,
			Role: u.role, CustomerAdmin: u.admin, AuthorizedContact: u.role == accord.RoleCustomerContact, Password: password}
		usr, err := f.svc.CreateUser(sys, t0, nu)
		if err != nil {
			t.Fatal(err)
		}
		f.users[u.key] = usr
	}
	return f
}

// as acts as the named user.
func (f *fixture) as(key string) context.Context {
	return accord.WithActor(context.Background(), f.users[key].Actor())
}

func (f *fixture) login(now time.Time, who, pw, address string) error {
	_, _, _, err := f.svc.Login(context.Background(), now, f.users[who].Email, pw, address, "test")
	return err
}

func wantKind(t *testing.T, what string, err error, k accord.Kind) {
	t.Helper()
	if got := accord.KindOf(err); got != k {
		t.Fatalf("%s: %v (kind %q), want %q", what, err, got, k)
	}
}

func TestSignInThrottling(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		t.Run("a flood from one address leaves the account open elsewhere", func(t *testing.T) {
			f := newFixture(t, open)
			now := t0
			for i := range 40 {
				err := f.login(now, "ana", "wrong password!", "203.0.113.9")
				if i < 5 {
					wantKind(t, "a guess", err, accord.Unauthenticated)
				} else if !accord.IsKind(err, accord.Unauthenticated) && !accord.IsKind(err, accord.TooManyRequests) {
					t.Fatalf("guess %d: %v", i+1, err)
				}
				now = now.Add(time.Second)
			}
			err := f.login(now, "ana", password, "203.0.113.9")
			wantKind(t, "the right password from the guessing address", err, accord.TooManyRequests)
			if wait, ok := directory.RetryAfter(err); !ok || wait <= 0 {
				t.Fatalf("the refusal says no wait: %v", err)
			}
			if err := f.login(now, "ana", password, "198.51.100.7"); err != nil {
				t.Fatalf("the rightful user from another address: %v", err)
			}
			if err := f.login(now, "carla", password, "203.0.113.9"); err != nil {
				t.Fatalf("another account from the guessing address: %v", err)
			}
		})

		t.Run("waits double from the fifth failure, up to the cap", func(t *testing.T) {
			f := newFixture(t, open)
			now := t0
			var waits []string
			for failures := 0; failures < 15; {
				err := f.login(now, "ana", "wrong password!", "203.0.113.9")
				if wait, ok := directory.RetryAfter(err); ok {
					waits = append(waits, wait.String())
					now = now.Add(wait)
					continue
				}
				wantKind(t, "a guess", err, accord.Unauthenticated)
				failures++
			}
			if got := strings.Join(waits, " "); got != "2s 4s 8s 16s 32s 1m4s 2m8s 4m16s 8m32s 15m0s" {
				t.Fatalf("waits: %s", got)
			}
			// A day without failures forgets them.
			if err := f.login(now.Add(24*time.Hour), "ana", "wrong password!", "203.0.113.9"); !accord.IsKind(err, accord.Unauthenticated) {
				t.Fatalf("a day later: %v", err)
			}
		})

		t.Run("the per-address limit still applies", func(t *testing.T) {
			f := newFixture(t, open)
			for i := range 50 {
				email := string(rune('a'+i%26)) + "x" + string(rune('a'+i/26)) + "@nowhere.example"
				_, _, _, err := f.svc.Login(context.Background(), t0, email, "whatever it is", "203.0.113.9", "test")
				wantKind(t, "a guess at an unknown account", err, accord.Unauthenticated)
			}
			wantKind(t, "the 51st attempt from the address", f.login(t0, "ana", password, "203.0.113.9"), accord.TooManyRequests)
			if err := f.login(t0, "ana", password, "198.51.100.7"); err != nil {
				t.Fatalf("from another address: %v", err)
			}
			if err := f.login(t0.Add(15*time.Minute), "ana", password, "203.0.113.9"); err != nil {
				t.Fatalf("after the window: %v", err)
			}
		})

		t.Run("unlock clears it", func(t *testing.T) {
			f := newFixture(t, open)
			for _, addr := range []string{"203.0.113.9", "203.0.113.10"} {
				for range 9 {
					_ = f.login(t0, "ana", "wrong password!", addr)
				}
				wantKind(t, "before unlock", f.login(t0, "ana", password, addr), accord.TooManyRequests)
			}
			_, err := f.svc.Unlock(f.as("carla"), t0, f.users["ana"].ID)
			wantKind(t, "a customer administrator unlocks", err, accord.Forbidden)
			n, err := f.svc.Unlock(f.as("admin"), t0, f.users["ana"].ID)
			if err != nil || n != 2 {
				t.Fatalf("unlock: %d, %v; want 2 addresses", n, err)
			}
			for _, addr := range []string{"203.0.113.9", "203.0.113.10"} {
				if err := f.login(t0, "ana", password, addr); err != nil {
					t.Fatalf("after unlock from %s: %v", addr, err)
				}
			}
		})
	})
}

// TestSignInRefusalsAudited: refused sign-ins are events of the account's
// organization's chain, which its auditors and SIEM receivers read; an
// unknown account's go to the vendor's global chain.
func TestSignInRefusalsAudited(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		now := t0
		for range 6 {
			_ = f.login(now, "ana", "wrong password!", "203.0.113.9")
		}
		_, _, _, err := f.svc.Login(context.Background(), now, "nobody@nowhere.example", "whatever it is", "198.51.100.7", "test")
		wantKind(t, "an unknown account", err, accord.Unauthenticated)
		trail := func(org accord.ID) []string {
			l, _, err := store.NewAudit(f.db).ListEvents(context.Background(), accord.OnlyOrg(org), audit.Filter{}, accord.Page{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(l, func(a, b audit.Event) int { return cmp.Compare(a.Seq, b.Seq) })
			var out []string
			for _, e := range l {
				if strings.HasPrefix(e.Action, "session.") {
					out = append(out, e.Action+" "+string(e.EntityID)+" "+fmt.Sprint(e.Changes[1].After))
				}
			}
			return out
		}
		ana := string(f.users["ana"].ID)
		fail, throttle := "session.fail "+ana+" 203.0.113.9", "session.throttle "+ana+" 203.0.113.9"
		want := []string{fail, fail, fail, fail, fail, throttle}
		if got := trail(f.orgs["acme"].ID); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("acme's chain:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if got := trail(audit.GlobalOrg); len(got) != 1 || got[0] != "session.fail  198.51.100.7" {
			t.Fatalf("global chain: %v", got)
		}
		if got := trail(f.orgs["vendor"].ID); len(got) != 0 {
			t.Fatalf("vendor's chain: %v", got)
		}
		if rep, err := audit.NewService(store.NewAudit(f.db)).Verify(sys); err != nil || rep.Break != nil {
			t.Fatalf("chains: %+v, %v", rep, err)
		}
	})
}
