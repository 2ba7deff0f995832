package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/reports"
)

// Reports implements reports.Store: it reads cases for the reports, and
// decides nothing.
type Reports struct{ db *DB }

// NewReports returns the report store of db.
func NewReports(db *DB) *Reports { return &Reports{db: db} }

// receivedWhere selects the cases of scope received in [from, to).
func receivedWhere(scope accord.Scope, from, to time.Time) where {
	var w where
	w.scope("org_id", scope)
	w.add("received_at >= ?", from.UTC())
	w.add("received_at < ?", to.UTC())
	return w
}

// Ratings returns the satisfaction ratings of the cases of scope (and of
// org, when set) closed in [from, to).
func (s *Reports) Ratings(ctx context.Context, scope accord.Scope, from, to time.Time, org accord.ID) ([]reports.Rating, error) {
	var w where
	w.scope("org_id", scope)
	if org != "" {
		w.add("org_id = ?", org)
	}
	w.add("closed_at >= ?", from.UTC())
	w.add("closed_at < ?", to.UTC())
	rows, err := s.db.sql.QueryContext(ctx, `SELECT case_id, org_id, assignee_id, criticality, score, closed_at FROM case_ratings`+w.String()+` ORDER BY closed_at, case_id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("ratings: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (reports.Rating, error) {
		var x reports.Rating
		var assignee sql.NullString
		err := r.Scan(&x.CaseID, &x.OrgID, &assignee, &x.Criticality, &x.Score, &x.ClosedAt)
		x.AssigneeID, x.ClosedAt = accord.ID(assignee.String), x.ClosedAt.UTC()
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("ratings: %w", err)
	}
	return out, nil
}

// Activity counts the dashboard's figures in the database, from indexes
// (00029_pages.sql): the active cases by cases_backlog (PostgreSQL; SQLite
// reads the table), the days by cases_received and cases_closed, the
// resolved cases by cases_resolved, the senior months by cases_senior.
// Reading every active case instead took seconds at 300,000 cases
// (docs/benchmarks.md).
func (s *Reports) Activity(ctx context.Context, scope accord.Scope, q reports.ActivityQuery) (reports.Activity, error) {
	a := reports.Activity{Opened: make([]int, len(q.Days)-1), Closed: make([]int, len(q.Days)-1),
		Required: make([]int, len(q.Months)-1), BySenior: make([]int, len(q.Months)-1)}
	var w where
	w.scope("org_id", scope)
	active := make([]any, len(cases.ActiveStates))
	for i, st := range cases.ActiveStates {
		active[i] = string(st)
	}
	w.add("state IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(active)), ", ")+")", active...)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT state, criticality, assignee_id, count(*) FROM cases`+w.String()+
		` GROUP BY state, criticality, assignee_id`, w.args...)
	if err != nil {
		return a, fmt.Errorf("active cases: %w", err)
	}
	a.Active, err = collect(rows, func(r interface{ Scan(...any) error }) (reports.ActiveCount, error) {
		var c reports.ActiveCount
		var assignee sql.NullString
		err := r.Scan(&c.State, &c.Criticality, &assignee, &c.Cases)
		c.AssigneeID = accord.ID(assignee.String)
		return c, err
	})
	if err != nil {
		return a, fmt.Errorf("active cases: %w", err)
	}
	for _, c := range []struct {
		col    string
		bounds []time.Time
		n      []int
		conds  []string
	}{
		{"received_at", q.Days, a.Opened, nil},
		{"closed_at", q.Days, a.Closed, nil},
		{"received_at", q.Months, a.Required, []string{"senior_required"}},
		{"received_at", q.Months, a.BySenior, []string{"senior_required", "assignee_senior"}},
	} {
		if err := s.countSpans(ctx, scope, c.col, c.conds, c.bounds, c.n); err != nil {
			return a, err
		}
	}
	w = where{}
	w.scope("org_id", scope)
	w.add("resolved_at >= ?", q.Days[0])
	w.add("resolved_at < ?", q.Days[len(q.Days)-1])
	rows, err = s.db.sql.QueryContext(ctx, `SELECT criticality, received_at, resolved_at FROM cases`+w.String(), w.args...)
	if err != nil {
		return a, fmt.Errorf("resolved cases: %w", err)
	}
	a.Resolved, err = collect(rows, func(r interface{ Scan(...any) error }) (reports.ResolvedCase, error) {
		var c reports.ResolvedCase
		err := r.Scan(&c.Criticality, &c.ReceivedAt, &c.ResolvedAt)
		c.ReceivedAt, c.ResolvedAt = c.ReceivedAt.UTC(), c.ResolvedAt.UTC()
		return c, err
	})
	if err != nil {
		return a, fmt.Errorf("resolved cases: %w", err)
	}
	return a, nil
}

// countSpans counts into n the cases of scope whose col falls in each span
// between bounds (ascending) and that meet conds, in one pass over the
// range: a CASE names each row's span.
func (s *Reports) countSpans(ctx context.Context, scope accord.Scope, col string, conds []string, bounds []time.Time, n []int) error {
	var w where
	w.scope("org_id", scope)
	w.add(col+" >= ?", bounds[0])
	w.add(col+" < ?", bounds[len(bounds)-1])
	for _, c := range conds {
		w.add(c)
	}
	span := "0"
	if len(bounds) > 2 {
		var b strings.Builder
		b.WriteString("CASE")
		for i, at := range bounds[1 : len(bounds)-1] {
			w.args = append(w.args, at)
			fmt.Fprintf(&b, " WHEN %s < $%d THEN %d", col, len(w.args), i)
		}
		fmt.Fprintf(&b, " ELSE %d END", len(bounds)-2)
		span = b.String()
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+span+`, count(*) FROM cases`+w.String()+` GROUP BY 1`, w.args...)
	if err != nil {
		return fmt.Errorf("count cases by %s: %w", col, err)
	}
	defer rows.Close()
	for rows.Next() {
		var i, k int
		if err := rows.Scan(&i, &k); err != nil {
			return fmt.Errorf("count cases by %s: %w", col, err)
		}
		n[i] = k
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count cases by %s: %w", col, err)
	}
	return nil
}
