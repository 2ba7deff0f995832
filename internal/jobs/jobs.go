package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"accord/internal/accord"
)

// Job is one scheduled piece of work about one record.
type Job struct {
	ID        accord.ID  `json:"id"` // changes whenever the job is set again
	OrgID     accord.ID  `json:"org_id"`
	SubjectID accord.ID  `json:"subject_id"` // the record it acts on: a case
	Kind      string     `json:"kind"`       // "case.sla_breach"
	RunAt     time.Time  `json:"run_at"`
	Attempts  int        `json:"attempts"` // including the current one
	LastError string     `json:"last_error,omitempty"`
	FailedAt  *time.Time `json:"failed_at,omitempty"`
}

// Store keeps jobs. Jobs are written by the domain stores in the same
// transaction as the change that schedules them; this interface only runs
// them.
type Store interface {
	// Claim takes up to limit jobs due at now that nobody holds, for worker,
	// until now+lease, counting an attempt. Concurrent claims from several
	// processes never return the same job while its lease lasts.
	Claim(ctx context.Context, now time.Time, worker string, lease time.Duration, limit int) ([]Job, error)
	// Finish removes a job that ran, unless it was set again meanwhile
	// (its id changed): then the new schedule stays.
	Finish(ctx context.Context, j Job) error
	// Retry releases a failed job to run again at at, or, with giveUp,
	// marks it failed for good at at; msg is kept for administrators.
	// Finish and Retry leave a job alone that was set again or claimed by
	// another worker since j was claimed.
	Retry(ctx context.Context, j Job, at time.Time, msg string, giveUp bool) error
	// NextRun is the earliest run_at of a job not failed; ok is false when
	// there is none.
	NextRun(ctx context.Context) (t time.Time, ok bool, err error)
	// Failed lists jobs that gave up, newest first.
	Failed(ctx context.Context, p accord.Page) ([]Job, string, error)
}

// Handler does a job's work at now. It must be idempotent: a job whose
// lease ran out can run twice, so the effect itself must check it has not
// happened yet (in the transaction that makes it).
type Handler func(ctx context.Context, now time.Time, j Job) error

// Config tunes a Runner; zero values take the defaults.
type Config struct {
	Worker      string        // names this process in claims; random by default
	Poll        time.Duration // longest sleep between looks at the table: 1s
	Lease       time.Duration // how long a claim lasts: 1 min
	Batch       int           // jobs claimed at once: 50
	MaxAttempts int           // then the job is marked failed: 10
	Now         func() time.Time
	Log         *slog.Logger
	// Observe, when set, is told of every attempt that ran: how long it
	// took, its error, and whether the job was given up (for metrics).
	Observe func(j Job, elapsed time.Duration, err error, giveUp bool)
}

// Runner runs due jobs with their handlers until its context ends.
type Runner struct {
	store    Store
	handlers map[string]Handler
	cfg      Config
}

// NewRunner returns a runner over store with a handler per job kind.
func NewRunner(store Store, handlers map[string]Handler, cfg Config) *Runner {
	if cfg.Worker == "" {
		cfg.Worker = string(accord.NewID("wrk"))
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 50
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Runner{store: store, handlers: handlers, cfg: cfg}
}

// Run works until ctx ends, then returns nil.
func (r *Runner) Run(ctx context.Context) error {
	for {
		n, err := r.RunDue(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.cfg.Log.ErrorContext(ctx, "jobs: claim", "err", err)
		}
		wait := r.cfg.Poll
		if n == r.cfg.Batch {
			wait = 0 // more may be waiting
		} else if next, ok, err := r.store.NextRun(ctx); err == nil && ok {
			// A job already due that was not claimed is held by another
			// process: wait a whole interval for its lease, do not spin.
			if d := next.Sub(r.cfg.Now()); d > 0 {
				wait = min(wait, d)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// RunDue runs the jobs due now, once, and returns how many it claimed.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	now := r.cfg.Now()
	l, err := r.store.Claim(ctx, now, r.cfg.Worker, r.cfg.Lease, r.cfg.Batch)
	if err != nil {
		return 0, err
	}
	for _, j := range l {
		r.run(ctx, j)
	}
	return len(l), nil
}

func (r *Runner) run(ctx context.Context, j Job) {
	h, ok := r.handlers[j.Kind]
	err := errors.New("no handler for this kind of job")
	start := time.Now()
	if ok {
		err = safely(ctx, h, r.cfg.Now(), j)
	}
	elapsed := time.Since(start)
	giveUp := err != nil && (j.Attempts >= r.cfg.MaxAttempts || !ok)
	if r.cfg.Observe != nil {
		r.cfg.Observe(j, elapsed, err, giveUp)
	}
	if err == nil {
		if err := r.store.Finish(ctx, j); err != nil {
			r.cfg.Log.ErrorContext(ctx, "jobs: finish", "job", j.ID, "kind", j.Kind, "err", err)
		}
		return
	}
	at := r.cfg.Now()
	var wait time.Duration
	if !giveUp {
		wait = Backoff(j.Attempts)
		at = at.Add(wait)
	}
	r.cfg.Log.WarnContext(ctx, "jobs: failed", "job", j.ID, "kind", j.Kind, "org", j.OrgID, "subject", j.SubjectID,
		"attempt", j.Attempts, "max_attempts", r.cfg.MaxAttempts, "give_up", giveUp, "retry_in", wait, "elapsed", elapsed, "err", err)
	if err := r.store.Retry(ctx, j, at, err.Error(), giveUp); err != nil {
		r.cfg.Log.ErrorContext(ctx, "jobs: retry", "job", j.ID, "err", err)
	}
}

// safely runs h, turning a panic into an error so that one bad job cannot
// stop the runner.
func safely(ctx context.Context, h Handler, now time.Time, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	ctx = accord.WithActor(ctx, accord.SystemActor("jobs"))
	return h(ctx, now, j)
}

// Backoff is the wait before attempt n+1: 10s doubling to at most an
// hour, with up to 20% jitter so that retries of many jobs spread out.
func Backoff(attempt int) time.Duration {
	d := 10 * time.Second << min(max(attempt-1, 0), 9)
	d = min(d, time.Hour)
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}
