package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
)

// Observer is told what committed, for the operators' metrics and logs.
// Its methods run after the commit, on the goroutine that made it, so they
// must be quick.
type Observer interface {
	// CaseChanged is told of every committed change to an existing case.
	CaseChanged(ctx context.Context, before, after cases.Case)
	// MailSent is told of a message marked sent (once per message).
	MailSent(ctx context.Context, id accord.ID)
}

// Observe has o told of what commits from now on; set it before serving.
func (db *DB) Observe(o Observer) { db.obs = o }

// JobCount is how many jobs of one kind are in one state.
type JobCount struct {
	Kind, State string
	N           int
}

// The states of a job as Gauges counts them.
const (
	JobScheduled = "scheduled" // not due yet
	JobQueued    = "queued"    // due, waiting for a worker
	JobRunning   = "running"   // claimed, its lease not over
	JobRetrying  = "retrying"  // failed at least once, to run again
	JobFailed    = "failed"    // gave up; kept for administrators
)

// CaseCount is how many cases of one state and criticality there are, and
// how many of them recorded a warning or a breach since a given instant.
type CaseCount struct {
	State, Criticality string
	N                  int
	Warned, Breached   int
}

// Gauges are the figures the metrics read from the database: what every
// process sees alike.
type Gauges struct {
	Jobs []JobCount
	// Lag is, per kind with jobs, how late its oldest due job that no
	// worker holds is; 0 when none is due.
	Lag   map[string]time.Duration
	Cases []CaseCount
}

// Gauges reads the jobs by kind and state, each kind's lag at now, and the
// cases by state and criticality with their warnings and breaches since
// since. Each is one grouped pass over its table (the jobs table holds
// pending work only) plus, per kind, one read of the jobs_due index.
func (db *DB) Gauges(ctx context.Context, now, since time.Time) (Gauges, error) {
	now, since = now.UTC(), since.UTC()
	g := Gauges{Lag: map[string]time.Duration{}}
	const idle = `failed_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $1)`
	rows, err := db.sql.QueryContext(ctx, `SELECT kind,
			count(*) FILTER (WHERE failed_at IS NULL AND claimed_until > $1),
			count(*) FILTER (WHERE `+idle+` AND last_error <> ''),
			count(*) FILTER (WHERE `+idle+` AND last_error = '' AND run_at <= $1),
			count(*) FILTER (WHERE `+idle+` AND last_error = '' AND run_at > $1),
			count(*) FILTER (WHERE failed_at IS NOT NULL)
		FROM jobs GROUP BY kind ORDER BY kind`, now)
	if err != nil {
		return Gauges{}, fmt.Errorf("count jobs: %w", err)
	}
	var kinds []string
	for rows.Next() {
		var kind string
		var n [5]int
		if err := rows.Scan(&kind, &n[0], &n[1], &n[2], &n[3], &n[4]); err != nil {
			rows.Close()
			return Gauges{}, fmt.Errorf("count jobs: %w", err)
		}
		kinds = append(kinds, kind)
		for i, st := range []string{JobRunning, JobRetrying, JobQueued, JobScheduled, JobFailed} {
			g.Jobs = append(g.Jobs, JobCount{Kind: kind, State: st, N: n[i]})
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return Gauges{}, fmt.Errorf("count jobs: %w", err)
	}
	for _, kind := range kinds {
		// The column, not MIN(run_at), which SQLite returns as text.
		var due time.Time
		err := db.sql.QueryRowContext(ctx, `SELECT run_at FROM jobs WHERE kind = $2 AND run_at <= $1 AND `+idle+`
			ORDER BY run_at LIMIT 1`, now, kind).Scan(&due)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			g.Lag[kind] = 0
		case err != nil:
			return Gauges{}, fmt.Errorf("job lag: %w", err)
		default:
			g.Lag[kind] = now.Sub(due.UTC())
		}
	}
	rows, err = db.sql.QueryContext(ctx, `SELECT state, criticality, count(*),
			count(*) FILTER (WHERE warned_at >= $1), count(*) FILTER (WHERE breached_at >= $1)
		FROM cases GROUP BY state, criticality ORDER BY state, criticality`, since)
	if err != nil {
		return Gauges{}, fmt.Errorf("count cases: %w", err)
	}
	g.Cases, err = collect(rows, func(r interface{ Scan(...any) error }) (CaseCount, error) {
		var c CaseCount
		err := r.Scan(&c.State, &c.Criticality, &c.N, &c.Warned, &c.Breached)
		return c, err
	})
	if err != nil {
		return Gauges{}, fmt.Errorf("count cases: %w", err)
	}
	return g, nil
}

// PoolStats are the connection pool's figures: pgxpool's own on
// PostgreSQL, database/sql's on SQLite (whose one connection is never
// acquired in a way it counts, so Acquires and CanceledAcquires stay 0
// there and Known says so).
type PoolStats struct {
	Acquired, Idle, Total, Max int64
	// Acquires counts acquisitions; EmptyAcquires those that had to wait
	// for a connection; CanceledAcquires those given up by their context.
	Acquires, EmptyAcquires, CanceledAcquires int64
	AcquireWait                               time.Duration // summed over every acquisition
	// Known is false on SQLite, where Acquires and CanceledAcquires are
	// not counted.
	Known bool
}

// PoolStats reads the pool's figures now.
func (db *DB) PoolStats() PoolStats {
	if db.pool != nil {
		s := db.pool.Stat()
		return PoolStats{
			Acquired: int64(s.AcquiredConns()), Idle: int64(s.IdleConns()), Total: int64(s.TotalConns()), Max: int64(s.MaxConns()),
			Acquires: s.AcquireCount(), EmptyAcquires: s.EmptyAcquireCount(), CanceledAcquires: s.CanceledAcquireCount(),
			AcquireWait: s.AcquireDuration(), Known: true,
		}
	}
	s := db.sql.Stats()
	return PoolStats{
		Acquired: int64(s.InUse), Idle: int64(s.Idle), Total: int64(s.OpenConnections), Max: int64(s.MaxOpenConnections),
		EmptyAcquires: s.WaitCount, AcquireWait: s.WaitDuration,
	}
}
