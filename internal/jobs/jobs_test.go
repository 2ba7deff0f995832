package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/jobs"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var t0 = time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)

// schedule writes a job row the way the domain stores do.
func schedule(t *testing.T, db *store.DB, subject, kind string, at time.Time) {
	t.Helper()
	_, err := db.SQL().ExecContext(context.Background(),
		`INSERT INTO jobs (id, org_id, subject_id, kind, run_at, attempts, claimed_by, last_error, created_at)
		 VALUES ($1, 'org_x', $2, $3, $4, 0, '', '', $4)
		 ON CONFLICT (subject_id, kind) DO UPDATE SET id = excluded.id, run_at = excluded.run_at, attempts = 0, claimed_by = '', claimed_until = NULL, failed_at = NULL`,
		string(accord.NewID("job")), subject, kind, at)
	if err != nil {
		t.Fatal(err)
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

func TestRunner(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		ctx := context.Background()
		db := open(t)
		st := store.NewJobs(db)
		clk := &clock{t: t0}
		var mu sync.Mutex
		ran := map[string]int{}
		fail := map[string]bool{"flaky": true, "broken": true}
		h := func(hctx context.Context, now time.Time, j jobs.Job) error {
			if a, err := accord.ActorFrom(hctx); err != nil || !a.System {
				t.Error("a handler does not act as the system")
			}
			mu.Lock()
			defer mu.Unlock()
			ran[string(j.SubjectID)]++
			if fail[string(j.SubjectID)] {
				return errors.New("smtp down")
			}
			return nil
		}
		r := jobs.NewRunner(st, map[string]jobs.Handler{"test": h}, jobs.Config{Now: clk.now, MaxAttempts: 3})

		schedule(t, db, "due", "test", t0.Add(-time.Minute))
		schedule(t, db, "later", "test", t0.Add(time.Hour))
		schedule(t, db, "flaky", "test", t0)
		schedule(t, db, "broken", "test", t0)
		schedule(t, db, "orphan", "unknown-kind", t0)

		if n, err := r.RunDue(ctx); err != nil || n != 4 {
			t.Fatalf("first run claimed %d, %v; want the 4 due jobs", n, err)
		}
		if ran["due"] != 1 || ran["later"] != 0 || ran["flaky"] != 1 {
			t.Fatalf("ran %v", ran)
		}
		// A job of an unknown kind gives up at once; failures wait their
		// backoff (10 s and more) before the next attempt.
		failed, _, err := st.Failed(ctx, accord.Page{})
		if err != nil || len(failed) != 1 || failed[0].SubjectID != "orphan" || failed[0].LastError == "" {
			t.Fatalf("failed jobs %+v, %v", failed, err)
		}
		if n, _ := r.RunDue(ctx); n != 0 {
			t.Fatalf("retried %d jobs before their backoff", n)
		}
		fail["flaky"] = false
		clk.add(time.Minute)
		if n, _ := r.RunDue(ctx); n != 2 || ran["flaky"] != 2 || ran["broken"] != 2 {
			t.Fatalf("second attempt: claimed %d, ran %v", n, ran)
		}
		clk.add(time.Hour)
		// "later" is due now, and "broken" makes its third and last attempt.
		if n, _ := r.RunDue(ctx); n != 2 || ran["broken"] != 3 || ran["later"] != 1 {
			t.Fatalf("third round: claimed %d, ran %v", n, ran)
		}
		failed, _, _ = st.Failed(ctx, accord.Page{})
		if len(failed) != 2 || failed[0].SubjectID != "broken" && failed[1].SubjectID != "broken" {
			t.Fatalf("after its last attempt the job is kept as failed: %+v", failed)
		}
		clk.add(24 * time.Hour)
		if n, _ := r.RunDue(ctx); n != 0 {
			t.Fatalf("failed or finished jobs ran again: %d", n)
		}
		if _, ok, _ := st.NextRun(ctx); ok {
			t.Fatal("jobs left to run")
		}
	})
}

// A job set again while a worker runs the old schedule keeps the new one.
func TestRescheduleWhileRunning(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		ctx := context.Background()
		db := open(t)
		st := store.NewJobs(db)
		schedule(t, db, "case", "test", t0)
		h := func(context.Context, time.Time, jobs.Job) error {
			schedule(t, db, "case", "test", t0.Add(time.Hour))
			return nil
		}
		r := jobs.NewRunner(st, map[string]jobs.Handler{"test": h}, jobs.Config{Now: func() time.Time { return t0 }})
		if n, err := r.RunDue(ctx); n != 1 || err != nil {
			t.Fatal(n, err)
		}
		next, ok, err := st.NextRun(ctx)
		if err != nil || !ok || !next.Equal(t0.Add(time.Hour)) {
			t.Fatalf("next run %v %v %v, want the new schedule", next, ok, err)
		}
	})
}

// Run sleeps until the next job is due rather than a whole poll interval.
func TestRunWakesForTheNextJob(t *testing.T) {
	db := dbtest.SQLite(t)
	st := store.NewJobs(db)
	start := time.Now().UTC()
	schedule(t, db, "soon", "test", start.Add(150*time.Millisecond))
	done := make(chan time.Time, 1)
	h := func(context.Context, time.Time, jobs.Job) error { done <- time.Now(); return nil }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := jobs.NewRunner(st, map[string]jobs.Handler{"test": h}, jobs.Config{Poll: time.Hour})
	go r.Run(ctx)
	select {
	case at := <-done:
		if at.Before(start.Add(150 * time.Millisecond)) {
			t.Fatalf("ran at %v, before it was due", at.Sub(start))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not run although the poll interval is an hour")
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt  int
		min, max time.Duration
	}{{1, 10 * time.Second, 12 * time.Second}, {2, 20 * time.Second, 24 * time.Second}, {4, 80 * time.Second, 96 * time.Second}, {30, time.Hour, 72 * time.Minute}} {
		for range 50 {
			if d := jobs.Backoff(tc.attempt); d < tc.min || d > tc.max {
				t.Fatalf("attempt %d: %v outside [%v, %v]", tc.attempt, d, tc.min, tc.max)
			}
		}
	}
}

// Observe is told of every attempt: a success, a failure to retry, and the
// last one, given up; and the failure is logged with the job's ids.
func TestObserve(t *testing.T) {
	db := dbtest.SQLite(t)
	st := store.NewJobs(db)
	schedule(t, db, "fine", "test", t0)
	schedule(t, db, "flaky", "test", t0)
	schedule(t, db, "orphan", "unknown-kind", t0)
	h := func(_ context.Context, _ time.Time, j jobs.Job) error {
		if j.SubjectID == "flaky" {
			return errors.New("smtp down")
		}
		return nil
	}
	type seen struct {
		subject      accord.ID
		failed, gave bool
	}
	var got []seen
	var logs strings.Builder
	r := jobs.NewRunner(st, map[string]jobs.Handler{"test": h}, jobs.Config{Now: func() time.Time { return t0 }, MaxAttempts: 3,
		Log: slog.New(slog.NewTextHandler(&logs, nil)),
		Observe: func(j jobs.Job, elapsed time.Duration, err error, giveUp bool) {
			got = append(got, seen{j.SubjectID, err != nil, giveUp})
		}})
	if n, err := r.RunDue(context.Background()); n != 3 || err != nil {
		t.Fatal(n, err)
	}
	slices.SortFunc(got, func(a, b seen) int { return strings.Compare(string(a.subject), string(b.subject)) })
	want := []seen{{"fine", false, false}, {"flaky", true, false}, {"orphan", true, true}}
	if !slices.Equal(got, want) {
		t.Fatalf("observed %+v, want %+v", got, want)
	}
	for _, s := range []string{"subject=flaky attempt=1 max_attempts=3 give_up=false", "org=org_x", "subject=orphan attempt=1 max_attempts=3 give_up=true"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, logs.String())
		}
	}
}
