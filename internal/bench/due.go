package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/store"
)

// DueConfig is what bench due measures.
type DueConfig struct {
	Runs    int           // times each query runs for its timing
	Batch   int           // jobs a claim takes at most (the runner's batch)
	Backlog time.Duration // also claim as if this much later
	Explain bool          // print each query's EXPLAIN (ANALYZE, BUFFERS)
}

// Due explains and times, on PostgreSQL, the queries behind the jobs
// runner and the queue.
func Due(ctx context.Context, w io.Writer, d *store.DB, cfg DueConfig) error {
	return dueQueries(ctx, w, d, cfg.Runs, cfg.Batch, cfg.Backlog, cfg.Explain)
}

// runs these statements.
const (
	claimInner = `SELECT id FROM jobs WHERE failed_at IS NULL AND run_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3)
				ORDER BY run_at, id LIMIT $4`
	claimSQL = `UPDATE jobs SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1
			WHERE id IN (` + claimInner + ` FOR UPDATE SKIP LOCKED)
			RETURNING id, org_id, subject_id, kind, run_at, attempts, last_error, failed_at`
	nextRunSQL = `SELECT run_at FROM jobs WHERE failed_at IS NULL ORDER BY run_at LIMIT 1`
	// queueSQL is what store.Cases.List runs for the queue (sort=due),
	// with org_scope standing for a customer's or partner's scope.
	queueSQL = `SELECT * FROM cases WHERE due_at IS NOT NULL AND responded_at IS NULL ORDER BY due_at, id LIMIT 51`
	// queueOrgSQL is the queue a customer contact sees.
	queueOrgSQL = `SELECT * FROM cases WHERE org_id IN ($1) AND due_at IS NOT NULL AND responded_at IS NULL ORDER BY due_at, id LIMIT 51`
	// overdueSQL is the vendor's queue of breached-or-due cases
	// (due_before=now, sort=due).
	overdueSQL = `SELECT * FROM cases WHERE due_at < $1 AND due_at IS NOT NULL AND responded_at IS NULL ORDER BY due_at, id LIMIT 51`
)

// timings runs fn n times and returns the sorted durations.
func timings(n int, fn func() error) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t0))
	}
	slices.Sort(out)
	return out, nil
}

func printTimings(w io.Writer, l []time.Duration) {
	fmt.Fprintf(w, "time over %d runs: p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", len(l),
		float64(percentile(l, 50))/1e6, float64(percentile(l, 99))/1e6, float64(percentile(l, 100))/1e6)
}

// explainQuery prints EXPLAIN (ANALYZE, BUFFERS) of q inside a transaction
// that is rolled back, so that explaining the claim claims nothing.
func explainQuery(ctx context.Context, w io.Writer, db *sql.DB, q string, args ...any) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+q, args...)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		fmt.Fprintln(w, "    "+line)
	}
	return rows.Err()
}

func dueQueries(ctx context.Context, w io.Writer, d *store.DB, runs, batch int, ahead time.Duration, explain bool) error {
	if d.Engine() != store.Postgres {
		return errors.New("bench due measures PostgreSQL")
	}
	db := d.SQL()
	now := time.Now().UTC()
	var total, open, queue, jobsN, dueNow, dueAhead int64
	var orgID accord.ID
	for _, c := range []struct {
		dst *int64
		q   string
		arg []any
	}{
		{&total, `SELECT count(*) FROM cases`, nil},
		{&open, `SELECT count(*) FROM cases WHERE state <> 'closed'`, nil},
		{&queue, `SELECT count(*) FROM cases WHERE due_at IS NOT NULL AND responded_at IS NULL`, nil},
		{&jobsN, `SELECT count(*) FROM jobs`, nil},
		{&dueNow, `SELECT count(*) FROM jobs WHERE failed_at IS NULL AND run_at <= $1`, []any{now}},
		{&dueAhead, `SELECT count(*) FROM jobs WHERE failed_at IS NULL AND run_at <= $1`, []any{now.Add(ahead)}},
	} {
		if err := db.QueryRowContext(ctx, c.q, c.arg...).Scan(c.dst); err != nil {
			return fmt.Errorf("count: %w", err)
		}
	}
	// The customer with the most cases in the queue.
	err := db.QueryRowContext(ctx, `SELECT org_id FROM cases WHERE due_at IS NOT NULL AND responded_at IS NULL GROUP BY org_id ORDER BY count(*) DESC LIMIT 1`).Scan(&orgID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("busiest customer: %w", err)
	}
	fmt.Fprintf(w, "%s: %d cases, %d not closed, %d awaiting a first response with a running clock; %d jobs, %d due now, %d due within %s\n\n",
		d, total, open, queue, jobsN, dueNow, dueAhead, ahead)

	jobsStore := store.NewJobs(d)
	casesStore := store.NewCases(d, "")
	type measure struct {
		name string
		sql  string
		args []any
		run  func() error
	}
	claim := func(at time.Time) func() error {
		return func() error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			rows, err := tx.QueryContext(ctx, claimSQL, "bench", at.Add(time.Minute), at, batch)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			rows.Close()
			return rows.Err()
		}
	}
	list := func(scope accord.Scope, f cases.Filter) func() error {
		return func() error {
			_, _, err := casesStore.List(ctx, scope, f, accord.Page{Limit: 50})
			return err
		}
	}
	later := now.Add(ahead)
	measures := []measure{
		{"claim: the jobs runner takes due jobs now (store.Jobs.Claim, rolled back)", claimSQL, []any{"bench", now.Add(time.Minute), now, batch}, claim(now)},
		{fmt.Sprintf("claim with a backlog: as if %s later, %d jobs due (rolled back)", ahead, dueAhead), claimSQL, []any{"bench", later.Add(time.Minute), later, batch}, claim(later)},
		{"next run: when the runner looks next (store.Jobs.NextRun)", nextRunSQL, nil, func() error { _, _, err := jobsStore.NextRun(ctx); return err }},
		{"queue: vendor's cases by due instant (store.Cases.List, sort=due)", queueSQL, nil, list(accord.Scope{All: true}, cases.Filter{ByDue: true})},
		{"overdue: vendor's queue, due before now (sort=due&due_before=now)", overdueSQL, []any{now}, list(accord.Scope{All: true}, cases.Filter{ByDue: true, DueBefore: &now})},
	}
	if orgID != "" {
		measures = append(measures, measure{"queue of one customer (" + string(orgID) + ") as its contacts see it", queueOrgSQL, []any{orgID}, list(accord.OnlyOrg(orgID), cases.Filter{ByDue: true})})
	}
	for _, m := range measures {
		fmt.Fprintf(w, "== %s\n", m.name)
		if explain {
			if err := explainQuery(ctx, w, db, m.sql, m.args...); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
		}
		l, err := timings(runs, m.run)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		printTimings(w, l)
		fmt.Fprintln(w)
	}
	return nil
}
