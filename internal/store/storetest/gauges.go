package storetest

import (
	"testing"
	"time"

	"accord/internal/cases"
	"accord/internal/store"
)

// testGauges: the figures the metrics read count each job in one state
// (scheduled, queued, running, retrying, failed), give each kind the age of
// its oldest due job nobody holds, and count cases by state and
// criticality with the warnings and breaches recorded since an instant.
func testGauges(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "gauges")
	j := store.NewJobs(db)
	at := func(d time.Duration) []cases.Timer {
		return []cases.Timer{{Kind: cases.BreachTimer, At: t0.Add(d)}}
	}
	running := scheduleCase(t, w.s, w.a.ID, at(-3*time.Hour)...)
	retrying := scheduleCase(t, w.s, w.a.ID, at(-2*time.Hour)...)
	failed := scheduleCase(t, w.s, w.a.ID, at(-time.Hour)...)
	// Claimed in the order above: the three oldest.
	l := claimJobs(t, j, t0, "w1", 3)
	if len(l) != 3 || l[0].SubjectID != running.ID || l[1].SubjectID != retrying.ID || l[2].SubjectID != failed.ID {
		t.Fatalf("claimed %+v", l)
	}
	if err := j.Retry(ctx, l[1], t0.Add(-time.Minute), "smtp down", false); err != nil {
		t.Fatal(err)
	}
	if err := j.Retry(ctx, l[2], t0, "gave up", true); err != nil {
		t.Fatal(err)
	}
	scheduleCase(t, w.s, w.b.ID, at(-90*time.Second)...) // queued, and the oldest nobody holds but the retrying one
	scheduleCase(t, w.s, w.b.ID, at(time.Hour)...)       // scheduled
	breached := scheduleCase(t, w.s, w.b.ID)
	mustUpdate(t, w.s, breached.ID, func(old cases.Case) cases.Change {
		next := old
		fired := t0.Add(-time.Hour)
		next.Clock.WarnedAt, next.Clock.BreachedAt = &fired, &fired
		next.UpdatedAt = old.UpdatedAt.Add(time.Second)
		return cases.Change{Case: next}
	})

	g, err := db.Gauges(ctx, t0, t0.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range g.Jobs {
		if c.Kind != string(cases.BreachTimer) {
			t.Errorf("job count of kind %q", c.Kind)
		}
		got[c.State] = c.N
	}
	want := map[string]int{store.JobRunning: 1, store.JobRetrying: 1, store.JobFailed: 1, store.JobQueued: 1, store.JobScheduled: 1}
	for st, n := range want {
		if got[st] != n {
			t.Errorf("jobs %s: %d, want %d (all: %v)", st, got[st], n, got)
		}
	}
	// The retrying job is due again since a minute, the queued one since
	// 90 s: the lag is the older of those nobody holds.
	if lag := g.Lag[string(cases.BreachTimer)]; lag != 90*time.Second {
		t.Errorf("lag %s, want 1m30s", lag)
	}
	var n, warned, breachedN int
	for _, c := range g.Cases {
		if c.State == string(cases.New) && c.Criticality == "C2" {
			n, warned, breachedN = c.N, c.Warned, c.Breached
		}
	}
	if n != 6 || warned != 1 || breachedN != 1 {
		t.Errorf("new C2 cases %d, warned %d, breached %d; want 6, 1, 1 (%+v)", n, warned, breachedN, g.Cases)
	}
	if g, err := db.Gauges(ctx, t0, t0); err != nil || len(g.Cases) != 1 || g.Cases[0].Breached != 0 {
		t.Errorf("breaches since now: %+v, %v", g.Cases, err)
	}
	if p := db.PoolStats(); p.Max < 1 || p.Known != (db.Engine() == store.Postgres) {
		t.Errorf("pool stats %+v", p)
	}
}
