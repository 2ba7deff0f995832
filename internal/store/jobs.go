package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/jobs"
)

// Jobs implements jobs.Store.
type Jobs struct{ db *DB }

// NewJobs returns the job store of db.
func NewJobs(db *DB) *Jobs { return &Jobs{db: db} }

// setTimer schedules the job kind about subjectID at at, inside tx, or with
// a zero at cancels it. A subject has at most one job of each kind: setting
// one replaces the row with a fresh id and a clean slate (no attempts, no
// claim, no error), so that a worker finishing the old id leaves the new
// schedule alone. now is the time of the change, kept as created_at.
func setTimer(ctx context.Context, tx *sql.Tx, orgID, subjectID accord.ID, kind string, at, now time.Time) error {
	if at.IsZero() {
		if _, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE subject_id = $1 AND kind = $2`, subjectID, kind); err != nil {
			return fmt.Errorf("cancel job %s: %w", kind, err)
		}
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, org_id, subject_id, kind, run_at, attempts, claimed_by, claimed_until, last_error, failed_at, created_at)
		VALUES ($1, $2, $3, $4, $5, 0, '', NULL, '', NULL, $6)
		ON CONFLICT (subject_id, kind) DO UPDATE SET id = excluded.id, org_id = excluded.org_id, run_at = excluded.run_at,
			attempts = 0, claimed_by = '', claimed_until = NULL, last_error = '', failed_at = NULL, created_at = excluded.created_at`,
		accord.NewID("job"), orgID, subjectID, kind, at.UTC(), now.UTC())
	if err != nil {
		return fmt.Errorf("set job %s: %w", kind, err)
	}
	return nil
}

// job is one timer of a change: kind's job for subject runs at at; a zero
// at cancels it.
type job struct {
	subject accord.ID
	kind    string
	at      time.Time
}

// setJobs sets several timers as setTimer does, the ones that run in one
// statement. Two for the same subject and kind: the later one wins, as
// with setTimer one after the other.
func setJobs(ctx context.Context, tx *sql.Tx, orgID accord.ID, timers []job, now time.Time) error {
	const cols = 4
	var q strings.Builder
	args := make([]any, 0, cols*len(timers)+2)
	args = append(args, orgID, now.UTC())
	seen := make(map[job]bool, len(timers))
	for i := len(timers) - 1; i >= 0; i-- {
		j := timers[i]
		key := job{subject: j.subject, kind: j.kind}
		if seen[key] {
			continue
		}
		seen[key] = true
		if j.at.IsZero() {
			if err := setTimer(ctx, tx, orgID, j.subject, j.kind, j.at, now); err != nil {
				return err
			}
			continue
		}
		if q.Len() > 0 {
			q.WriteString(", ")
		}
		n := len(args) + 1
		fmt.Fprintf(&q, "($%d, $1, $%d, $%d, $%d, 0, '', NULL, '', NULL, $2)", n, n+1, n+2, n+3)
		args = append(args, accord.NewID("job"), j.subject, j.kind, j.at.UTC())
	}
	if q.Len() == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, org_id, subject_id, kind, run_at, attempts, claimed_by, claimed_until, last_error, failed_at, created_at)
		VALUES `+q.String()+`
		ON CONFLICT (subject_id, kind) DO UPDATE SET id = excluded.id, org_id = excluded.org_id, run_at = excluded.run_at,
			attempts = 0, claimed_by = '', claimed_until = NULL, last_error = '', failed_at = NULL, created_at = excluded.created_at`, args...)
	if err != nil {
		return fmt.Errorf("set jobs: %w", err)
	}
	return nil
}

const jobColumns = `id, org_id, subject_id, kind, run_at, attempts, last_error, failed_at`

func scanJob(row interface{ Scan(...any) error }) (jobs.Job, error) {
	var j jobs.Job
	var failed sql.NullTime
	err := row.Scan(&j.ID, &j.OrgID, &j.SubjectID, &j.Kind, &j.RunAt, &j.Attempts, &j.LastError, &failed)
	j.RunAt = j.RunAt.UTC()
	j.FailedAt = utcPtr(failed)
	return j, err
}

// Claim marks up to limit due, unheld jobs as held by worker in one
// statement. On PostgreSQL the inner SELECT locks the rows it picks and
// skips those another claimer has locked, and a row updated meanwhile is
// re-checked against the WHERE clause, so two claimers never hold one job.
// Jobs come back soonest first.
func (s *Jobs) Claim(ctx context.Context, now time.Time, worker string, lease time.Duration, limit int) ([]jobs.Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	now = now.UTC()
	var out []jobs.Job
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE jobs SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1
			WHERE id IN (SELECT id FROM jobs WHERE failed_at IS NULL AND run_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3)
				ORDER BY run_at, id LIMIT $4`+s.db.skipLocked()+`)
			RETURNING `+jobColumns, worker, now.Add(lease), now, limit)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanJob)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	slices.SortFunc(out, func(a, b jobs.Job) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Finish deletes the job by id and attempt: if it was set again meanwhile,
// its id changed and the new schedule stays; if this worker's lease ran out
// and another claimed it, the attempt changed and that claim stays.
func (s *Jobs) Finish(ctx context.Context, j jobs.Job) error {
	if _, err := s.db.sql.ExecContext(ctx, `DELETE FROM jobs WHERE id = $1 AND attempts = $2`, j.ID, j.Attempts); err != nil {
		return fmt.Errorf("finish job: %w", err)
	}
	return nil
}

// Retry releases the claim and either schedules the job again at at or,
// with giveUp, marks it failed at at. A job set again meanwhile (new id) or
// claimed by another worker (new attempt) is left alone.
func (s *Jobs) Retry(ctx context.Context, j jobs.Job, at time.Time, msg string, giveUp bool) error {
	q := `UPDATE jobs SET run_at = $2, last_error = $3, claimed_by = '', claimed_until = NULL WHERE id = $1 AND attempts = $4`
	if giveUp {
		q = `UPDATE jobs SET failed_at = $2, last_error = $3, claimed_by = '', claimed_until = NULL WHERE id = $1 AND attempts = $4`
	}
	if _, err := s.db.sql.ExecContext(ctx, q, j.ID, at.UTC(), msg, j.Attempts); err != nil {
		return fmt.Errorf("retry job: %w", err)
	}
	return nil
}

// NextRun reads the first row of the jobs_due index. It selects the column
// rather than MIN(run_at), whose result SQLite returns as text.
func (s *Jobs) NextRun(ctx context.Context) (time.Time, bool, error) {
	var t time.Time
	err := s.db.sql.QueryRowContext(ctx, `SELECT run_at FROM jobs WHERE failed_at IS NULL ORDER BY run_at LIMIT 1`).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next job: %w", err)
	}
	return t.UTC(), true, nil
}

// Failed lists jobs that gave up, newest failure first.
func (s *Jobs) Failed(ctx context.Context, p accord.Page) ([]jobs.Job, string, error) {
	p = p.Normalize()
	cur, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("failed_at IS NOT NULL")
	if err := w.beforeTime("failed_at", "id", cur); err != nil {
		return nil, "", err
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs`+w.String()+` ORDER BY failed_at DESC, id DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list failed jobs: %w", err)
	}
	out, err := collect(rows, scanJob)
	if err != nil {
		return nil, "", fmt.Errorf("list failed jobs: %w", err)
	}
	out, next := page(out, p, func(j jobs.Job) accord.Cursor { return timeCursor(*j.FailedAt, j.ID) })
	return out, next, nil
}

// utcPtr returns a nullable time read from the database, in UTC.
func utcPtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// nullTime stores a nil time as NULL and others in UTC, which SQLite needs
// for its text timestamps to sort.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}
