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
