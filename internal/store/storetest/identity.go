package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/store"
)

// fail counts one failure in the throttle of account from address at now,
// waiting wait before the next, as the service does.
func fail(t *testing.T, d *store.Directory, account, address string, now time.Time, wait time.Duration) directory.Throttle {
	t.Helper()
	var got directory.Throttle
	err := d.ThrottleLogin(ctx, account, address, now, func(th directory.Throttle) (directory.Throttle, error) {
		th.Failures++
		th.LastFailure, th.Next = now, now.Add(wait)
		got = th
		return th, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// throttleOf reads the throttle of account from address without changing it.
func throttleOf(t *testing.T, d *store.Directory, account, address string, now time.Time) directory.Throttle {
	t.Helper()
	var got directory.Throttle
	refused := accord.Errorf(accord.TooManyRequests, "only looking")
	err := d.ThrottleLogin(ctx, account, address, now, func(th directory.Throttle) (directory.Throttle, error) {
		got = th
		return th, refused
	})
	if err != refused {
		t.Fatalf("decide's error comes back as it is: %v", err)
	}
	return got
}

func testLoginThrottles(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	if th := throttleOf(t, d, "ana@a.example", "10.0.0.1", t0); th.Failures != 0 || !th.Next.Equal(t0) {
		t.Fatalf("a fresh throttle: %+v", th)
	}
	for i := 1; i <= 3; i++ {
		fail(t, d, "ana@a.example", "10.0.0.1", t0.Add(time.Duration(i)*time.Second), time.Duration(i)*time.Minute)
	}
	th := throttleOf(t, d, "ana@a.example", "10.0.0.1", t0)
	if th.Failures != 3 || !th.LastFailure.Equal(t0.Add(3*time.Second)) || !th.Next.Equal(t0.Add(3*time.Second+3*time.Minute)) {
		t.Fatalf("after three failures: %+v", th)
	}
	// A refusal from decide stored nothing; other addresses and accounts
	// have throttles of their own.
	if th := throttleOf(t, d, "ana@a.example", "10.0.0.2", t0); th.Failures != 0 {
		t.Fatalf("another address shares the count: %+v", th)
	}
	fail(t, d, "ana@a.example", "10.0.0.2", t0, time.Minute)
	fail(t, d, "bia@a.example", "10.0.0.1", t0, time.Minute)

	// A success forgets its pair, and every throttle gone stale with it.
	if err := d.ForgetThrottle(ctx, "ana@a.example", "10.0.0.2", t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if th := throttleOf(t, d, "ana@a.example", "10.0.0.2", t0); th.Failures != 0 {
		t.Fatalf("forgotten pair: %+v", th)
	}
	if th := throttleOf(t, d, "ana@a.example", "10.0.0.1", t0); th.Failures != 3 {
		t.Fatalf("forgetting one address forgot another: %+v", th)
	}
	if err := d.ForgetThrottle(ctx, "cai@a.example", "10.0.0.9", t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if th := throttleOf(t, d, "bia@a.example", "10.0.0.1", t0); th.Failures != 0 {
		t.Fatalf("a stale throttle survived: %+v", th)
	}

	// Unlocking an account clears it from every address, with its event.
	o := mkOrg(t, d, directory.KindCustomer, "testLoginThrottles")
	fail(t, d, "ana@a.example", "10.0.0.3", t0.Add(time.Hour), time.Minute)
	n, err := d.Unlock(ctx, "ana@a.example", ev(o.ID, "user.unlock"))
	if err != nil || n != 2 {
		t.Fatalf("unlock: %d, %v; want 2 addresses", n, err)
	}
	for _, addr := range []string{"10.0.0.1", "10.0.0.3"} {
		if th := throttleOf(t, d, "ana@a.example", addr, t0); th.Failures != 0 {
			t.Fatalf("after unlock, %s: %+v", addr, th)
		}
	}
	events, _, _ := store.NewAudit(db).ListEvents(ctx, accord.OnlyOrg(o.ID), audit.Filter{}, accord.Page{Limit: 10})
	if !slices.ContainsFunc(events, func(e audit.Event) bool { return e.Action == "user.unlock" }) {
		t.Fatalf("no unlock event: %+v", events)
	}
}

// Parallel attempts on one pair decide one after the other: each sees the
// failures of those before it.
func testLoginThrottlesConcurrent(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	const parallel = 12
	seen := make(chan int, parallel)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			err := d.ThrottleLogin(ctx, "dan@a.example", "10.0.0.4", t0, func(th directory.Throttle) (directory.Throttle, error) {
				th.Failures++
				seen <- th.Failures
				return th, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(seen)
	counts := map[int]bool{}
	for n := range seen {
		counts[n] = true
	}
	if len(counts) != parallel {
		t.Fatalf("parallel attempts saw counts %v, want %d distinct", counts, parallel)
	}
}

func testUserLinks(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	jobs := store.NewJobs(db)
	o := mkOrg(t, d, directory.KindCustomer, "testUserLinks")
	u := mkUser(t, d, o.ID, "links@l.example", accord.RoleCustomerContact)
	link := func(p directory.Purpose, at time.Time) directory.Link {
		return directory.Link{ID: accord.NewID("lnk"), OrgID: o.ID, UserID: u.ID, Purpose: p, CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
	}
	first, second := link(directory.Invitation, t0), link(directory.Invitation, t0.Add(time.Minute))
	reset := link(directory.PasswordReset, t0)
	for _, l := range []directory.Link{first, second, reset} {
		if err := d.CreateLink(ctx, l, ev(o.ID, "user.invite")); err != nil {
			t.Fatal(err)
		}
	}
	// The newer invitation replaced the older; the reset stays.
	_, err := d.Link(ctx, first.ID)
	wantKind(t, err, accord.NotFound)
	for _, l := range []directory.Link{second, reset} {
		if got, err := d.Link(ctx, l.ID); err != nil || got != l {
			t.Fatalf("link:\n got %+v, %v\nwant %+v", got, err, l)
		}
	}
	due, err := jobs.Claim(ctx, t0.Add(time.Minute), "w", time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	scheduled := map[accord.ID]bool{}
	for _, j := range due {
		if j.Kind == directory.LinkJob {
			scheduled[j.SubjectID] = true
		}
		if err := jobs.Finish(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	if !scheduled[first.ID] || !scheduled[second.ID] || !scheduled[reset.ID] {
		t.Fatalf("mail jobs for %v, want each link's", scheduled)
	}

	// Minting stores the hash decide gives; a refusal stores nothing.
	refused := accord.Errorf(accord.Conflict, "no")
	err = d.MintLink(ctx, second.ID, func(l directory.Link, got directory.User) (directory.Link, error) {
		if got.ID != u.ID || got.Email != u.Email || got.PasswordHash != u.PasswordHash {
			t.Errorf("the link's user: %+v", got)
		}
		l.Hash = "h-invite"
		return l, refused
	})
	if err != refused {
		t.Fatalf("refused mint: %v", err)
	}
	if _, _, err := d.LinkByHash(ctx, "h-invite"); !accord.IsKind(err, accord.NotFound) {
		t.Fatalf("a refused mint stored its hash: %v", err)
	}
	for id, hash := range map[accord.ID]string{second.ID: "h-invite", reset.ID: "h-reset"} {
		if err := d.MintLink(ctx, id, func(l directory.Link, _ directory.User) (directory.Link, error) {
			l.Hash = hash
			return l, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, d.MintLink(ctx, first.ID, func(l directory.Link, _ directory.User) (directory.Link, error) { return l, nil }), accord.NotFound)
	if l, got, err := d.LinkByHash(ctx, "h-invite"); err != nil || l.ID != second.ID || got.ID != u.ID || got.OrgID != o.ID {
		t.Fatalf("by hash: %+v %+v %v", l, got, err)
	}

	// Using a link writes the user and ends every link, session and token.
	sess := directory.Session{ID: "links-s", UserID: u.ID, OrgID: o.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastSeenAt: t0}
	if err := d.CreateSession(ctx, sess, ev(o.ID, "session.create")); err != nil {
		t.Fatal(err)
	}
	used, err := d.UseLink(ctx, "h-invite", func(l directory.Link, got directory.User) (directory.User, audit.Event, error) {
		got.PasswordHash = "new hash"
		return got, ev(o.ID, "user.password"), nil
	})
	if err != nil || used.PasswordHash != "new hash" {
		t.Fatalf("use: %+v %v", used, err)
	}
	if got, _ := d.GetUser(ctx, accord.OnlyOrg(o.ID), u.ID); got.PasswordHash != "new hash" {
		t.Fatalf("the password was not written: %+v", got)
	}
	for _, h := range []string{"h-invite", "h-reset"} {
		if _, _, err := d.LinkByHash(ctx, h); !accord.IsKind(err, accord.NotFound) {
			t.Fatalf("link %s survived its user's new password: %v", h, err)
		}
	}
	_, err = d.Session(ctx, "links-s", t0)
	wantKind(t, err, accord.NotFound)
	_, err = d.UseLink(ctx, "h-invite", func(directory.Link, directory.User) (directory.User, audit.Event, error) {
		t.Error("decide called for a used link")
		return directory.User{}, audit.Event{}, nil
	})
	wantKind(t, err, accord.NotFound)

	// A reset asked for by address: the user's if anyone has it, and the
	// same job either way.
	for _, key := range []string{"LINKS@l.example", "nobody@l.example"} {
		l := directory.Link{ID: accord.NewID("lnk"), Purpose: directory.PasswordReset, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := d.RequestReset(ctx, directory.EmailKey(key), l); err != nil {
			t.Fatal(err)
		}
		got, err := d.Link(ctx, l.ID)
		if key == "nobody@l.example" {
			wantKind(t, err, accord.NotFound)
		} else if err != nil || got.UserID != u.ID || got.OrgID != o.ID {
			t.Fatalf("reset by address: %+v %v", got, err)
		}
		due, err := jobs.Claim(ctx, t0.Add(time.Hour), "w", time.Minute, 100)
		if err != nil || len(due) != 1 || due[0].SubjectID != l.ID || due[0].Kind != directory.LinkJob {
			t.Fatalf("%s: jobs %+v, %v", key, due, err)
		}
		if err := jobs.Finish(ctx, due[0]); err != nil {
			t.Fatal(err)
		}
	}

	// Deactivation ends the links too.
	if err := d.CreateLink(ctx, link(directory.PasswordReset, t0.Add(2*time.Minute)), ev(o.ID, "x")); err != nil {
		t.Fatal(err)
	}
	u.Active = false
	if err := d.UpdateUser(ctx, u, true, ev(o.ID, "user.update")); err != nil {
		t.Fatal(err)
	}
	if err := d.MintLink(ctx, reset.ID, func(l directory.Link, _ directory.User) (directory.Link, error) { return l, nil }); !accord.IsKind(err, accord.NotFound) {
		t.Fatalf("a link of a deactivated user: %v", err)
	}
}
