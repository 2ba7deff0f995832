package storetest

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/jobs"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// scheduleCase opens a case of org with the given timers and no others.
func scheduleCase(t *testing.T, s *store.Cases, org accord.ID, timers ...cases.Timer) cases.Case {
	t.Helper()
	o := caseOpening(sampleCase(org, t0, "scheduled"))
	o.Timers = timers
	c, err := s.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// reschedule sets timers of a case through Update.
func reschedule(t *testing.T, s *store.Cases, id accord.ID, timers ...cases.Timer) {
	t.Helper()
	mustUpdate(t, s, id, func(old cases.Case) cases.Change {
		next := old
		next.UpdatedAt = old.UpdatedAt.Add(time.Second)
		return cases.Change{Case: next, Timers: timers}
	})
}

func jobIDs(l []jobs.Job) []accord.ID {
	var out []accord.ID
	for _, j := range l {
		out = append(out, j.ID)
	}
	return out
}

func claimJobs(t *testing.T, j *store.Jobs, now time.Time, worker string, limit int) []jobs.Job {
	t.Helper()
	l, err := j.Claim(ctx, now, worker, time.Minute, limit)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func wantNextRun(t *testing.T, j *store.Jobs, want *time.Time) {
	t.Helper()
	got, ok, err := j.NextRun(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want == nil {
		if ok {
			t.Fatalf("NextRun = %v, want none", got)
		}
		return
	}
	if !ok || !got.Equal(*want) || got.Location() != time.UTC {
		t.Fatalf("NextRun = %v, %v; want %v", got, ok, *want)
	}
}

func testJobs(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "jobs")
	j := store.NewJobs(db)
	wantNextRun(t, j, nil)
	if l := claimJobs(t, j, t0.Add(24*time.Hour), "w1", 10); len(l) != 0 {
		t.Fatalf("claimed %+v from an empty table", l)
	}

	c1 := scheduleCase(t, w.s, w.a.ID, cases.Timer{Kind: cases.BreachTimer, At: t0.Add(time.Hour)}, cases.Timer{Kind: cases.WarnTimer, At: t0.Add(30 * time.Minute)})
	c2 := scheduleCase(t, w.s, w.b.ID, cases.Timer{Kind: cases.BreachTimer, At: t0.Add(2 * time.Hour)})
	wantNextRun(t, j, after0(30*time.Minute))
	rows1, rows2 := jobsOf(t, db, c1.ID), jobsOf(t, db, c2.ID)

	// Only due jobs, soonest first, up to the limit.
	if l := claimJobs(t, j, t0.Add(29*time.Minute), "w1", 10); len(l) != 0 {
		t.Fatalf("claimed jobs not due: %+v", l)
	}
	l := claimJobs(t, j, t0.Add(time.Hour), "w1", 10)
	want := []jobs.Job{
		{ID: rows1[cases.WarnTimer].ID, OrgID: w.a.ID, SubjectID: c1.ID, Kind: string(cases.WarnTimer), RunAt: t0.Add(30 * time.Minute), Attempts: 1},
		{ID: rows1[cases.BreachTimer].ID, OrgID: w.a.ID, SubjectID: c1.ID, Kind: string(cases.BreachTimer), RunAt: t0.Add(time.Hour), Attempts: 1},
	}
	wantSame(t, "claimed", want, l)

	// A held job is not claimed again before its lease ends, and is after.
	if l := claimJobs(t, j, t0.Add(time.Hour+59*time.Second), "w2", 10); len(l) != 0 {
		t.Fatalf("claimed held jobs: %+v", l)
	}
	warn, breach := want[0], want[1]
	l = claimJobs(t, j, t0.Add(time.Hour+time.Minute), "w2", 1)
	warn.Attempts = 2
	wantSame(t, "claimed after the lease", []jobs.Job{warn}, l)
	l = claimJobs(t, j, t0.Add(time.Hour+90*time.Second), "w2", 10)
	breach.Attempts = 2
	wantSame(t, "claimed the other after its lease", []jobs.Job{breach}, l)

	// Finishing a job that was set again meanwhile keeps the new schedule.
	reschedule(t, w.s, c1.ID, cases.Timer{Kind: cases.BreachTimer, At: t0.Add(3 * time.Hour)})
	if err := j.Finish(ctx, breach); err != nil {
		t.Fatal(err)
	}
	reset := wantTimers(t, db, c1.ID, map[cases.TimerKind]time.Time{cases.BreachTimer: t0.Add(3 * time.Hour), cases.WarnTimer: t0.Add(30 * time.Minute)})
	if reset[cases.BreachTimer].ID == breach.ID || reset[cases.BreachTimer].Attempts != 0 {
		t.Fatalf("set again: %+v", reset[cases.BreachTimer])
	}
	l = claimJobs(t, j, t0.Add(3*time.Hour), "w3", 10)
	warn.Attempts = 3
	other := jobs.Job{ID: rows2[cases.BreachTimer].ID, OrgID: w.b.ID, SubjectID: c2.ID, Kind: string(cases.BreachTimer), RunAt: t0.Add(2 * time.Hour), Attempts: 1}
	newBreach := jobs.Job{ID: reset[cases.BreachTimer].ID, OrgID: w.a.ID, SubjectID: c1.ID, Kind: string(cases.BreachTimer), RunAt: t0.Add(3 * time.Hour), Attempts: 1}
	wantSame(t, "claimed at 3h", []jobs.Job{warn, other, newBreach}, l)
	if err := j.Finish(ctx, newBreach); err != nil {
		t.Fatal(err)
	}
	if _, ok := jobsOf(t, db, c1.ID)[cases.BreachTimer]; ok {
		t.Fatal("a finished job is still there")
	}
	if err := j.Finish(ctx, newBreach); err != nil {
		t.Fatalf("finishing twice: %v", err)
	}

	// Retry: the claim is released and the job runs again at the given
	// instant, with its error kept.
	if err := j.Retry(ctx, warn, t0.Add(4*time.Hour), "smtp: connection refused", false); err != nil {
		t.Fatal(err)
	}
	wantNextRun(t, j, after0(2*time.Hour)) // c2's breach, whose lease has ended
	l = claimJobs(t, j, t0.Add(4*time.Hour-time.Second), "w1", 10)
	other.Attempts = 2
	wantSame(t, "before the retry's time", []jobs.Job{other}, l)
	l = claimJobs(t, j, t0.Add(4*time.Hour), "w1", 10)
	warn.RunAt, warn.Attempts, warn.LastError = t0.Add(4*time.Hour), 4, "smtp: connection refused"
	wantSame(t, "retried", []jobs.Job{warn}, l)

	// Giving up keeps the job as failed, out of claims and of NextRun.
	if err := j.Retry(ctx, warn, t0.Add(5*time.Hour), "gave up", true); err != nil {
		t.Fatal(err)
	}
	if err := j.Finish(ctx, other); err != nil {
		t.Fatal(err)
	}
	if l := claimJobs(t, j, t0.Add(100*time.Hour), "w1", 10); len(l) != 0 {
		t.Fatalf("claimed a failed job: %+v", l)
	}
	wantNextRun(t, j, nil)
	failed, next, err := j.Failed(ctx, accord.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	warn.LastError, warn.FailedAt = "gave up", after0(5*time.Hour)
	wantSame(t, "failed", []jobs.Job{warn}, failed)
	if next != "" {
		t.Fatalf("next %q after the only failed job", next)
	}

	// Setting a failed job again gives it a fresh start.
	reschedule(t, w.s, c1.ID, cases.Timer{Kind: cases.WarnTimer, At: t0.Add(6 * time.Hour)})
	if r := jobsOf(t, db, c1.ID)[cases.WarnTimer]; r.FailedAt != nil || r.Attempts != 0 || r.ID == warn.ID {
		t.Fatalf("set again after failing: %+v", r)
	}
	wantNextRun(t, j, after0(6*time.Hour))
	if failed, _, _ := j.Failed(ctx, accord.Page{Limit: 10}); len(failed) != 0 {
		t.Fatalf("failed after setting again: %+v", failed)
	}
}

// testJobsFailedPaging pages through failed jobs, several of which failed
// at the same instant.
func testJobsFailedPaging(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "failed jobs")
	j := store.NewJobs(db)
	for range 4 {
		scheduleCase(t, w.s, w.a.ID, cases.Timer{Kind: cases.BreachTimer, At: t0}, cases.Timer{Kind: cases.CloseTimer, At: t0})
	}
	l := claimJobs(t, j, t0, "w", 100)
	if len(l) != 8 {
		t.Fatalf("claimed %d, want 8", len(l))
	}
	for i, job := range l {
		if err := j.Retry(ctx, job, t0.Add(time.Duration(i/3)*time.Hour), fmt.Sprint("failure ", i), true); err != nil {
			t.Fatal(err)
		}
	}
	all, next, err := j.Failed(ctx, accord.Page{Limit: 100})
	if err != nil || next != "" || len(all) != 8 {
		t.Fatalf("one page: %d, %q, %v", len(all), next, err)
	}
	if !slices.IsSortedFunc(all, func(a, b jobs.Job) int {
		if c := b.FailedAt.Compare(*a.FailedAt); c != 0 {
			return c
		}
		return cmpIDs(b.ID, a.ID)
	}) {
		t.Fatalf("not newest first: %+v", all)
	}
	for _, limit := range []int{1, 3} {
		var paged []jobs.Job
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			l, next, err := j.Failed(ctx, accord.Page{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, l...)
			if next == "" {
				break
			}
			cursor = next
		}
		wantSame(t, fmt.Sprint("pages of ", limit), jobIDs(all), jobIDs(paged))
	}
	_, _, err = j.Failed(ctx, accord.Page{Limit: 2, Cursor: "garbage"})
	wantKind(t, err, accord.Invalid)
}

// reopen opens a second handle on db's database, as another process would.
func reopen(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	var cfg store.Config
	switch db.Engine() {
	case store.Postgres:
		var name string
		if err := db.SQL().QueryRowContext(ctx, `SELECT current_database()`).Scan(&name); err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(os.Getenv(dbtest.EnvURL))
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		cfg = store.Config{DatabaseURL: u.String(), MaxConns: 4}
	default:
		var file string
		if err := db.SQL().QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
			t.Fatal(err)
		}
		cfg = store.Config{DataDir: filepath.Dir(file)}
	}
	other, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// testJobsConcurrentClaims: claimers on two handles of one database, several
// on each, never get the same job, and together get them all.
func testJobsConcurrentClaims(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "claims")
	const total = 60
	for i := range total / 3 {
		scheduleCase(t, w.s, w.a.ID, cases.Timer{Kind: cases.BreachTimer, At: t0.Add(time.Duration(i) * time.Second)},
			cases.Timer{Kind: cases.WarnTimer, At: t0.Add(time.Duration(i) * time.Second)}, cases.Timer{Kind: cases.CloseTimer, At: t0})
	}
	stores := []*store.Jobs{store.NewJobs(db), store.NewJobs(reopen(t, db))}
	var mu sync.Mutex
	seen := map[accord.ID]string{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			worker := fmt.Sprint("worker ", i)
			for {
				l, err := stores[i%2].Claim(ctx, t0.Add(time.Hour), worker, time.Hour, 4)
				if err != nil {
					t.Error(err)
					return
				}
				if len(l) == 0 {
					return
				}
				mu.Lock()
				for _, job := range l {
					if by, ok := seen[job.ID]; ok {
						t.Errorf("job %s claimed by %s and %s", job.ID, by, worker)
					}
					seen[job.ID] = worker
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != total {
		t.Fatalf("claimed %d jobs, want %d", len(seen), total)
	}
}
