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

// receivedWhere selects the cases of scope (and of org, when set) received
// in [from, to); prefix qualifies the cases table's columns ("c." in a join).
func receivedWhere(prefix string, scope accord.Scope, from, to time.Time, org accord.ID) where {
	var w where
	w.scope(prefix+"org_id", scope)
	if org != "" {
		w.add(prefix+"org_id = ?", org)
	}
	w.add(prefix+"received_at >= ?", from.UTC())
	w.add(prefix+"received_at < ?", to.UTC())
	return w
}

// Received returns the cases received in [from, to) with their pauses and
// reclassifications, in three queries: the cases, then the pauses and the
// reclassification entries of the same cases. They are not one snapshot;
// a pause or reclassification written in between is one the case row does
// not know yet, which the report tolerates: it judges the stored clock. There is no
// index on received_at: a month's report scans the organization's cases
// (or all of them), which suits a report run now and then.
func (s *Reports) Received(ctx context.Context, scope accord.Scope, from, to time.Time, org accord.ID) ([]cases.Case, error) {
	w := receivedWhere("", scope, from, to, org)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+caseColumns+` FROM cases`+w.String()+` ORDER BY received_at, id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("received cases: %w", err)
	}
	out, err := collect(rows, scanCase)
	if err != nil {
		return nil, fmt.Errorf("received cases: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	at := make(map[accord.ID]int, len(out))
	for i, c := range out {
		at[c.ID] = i
	}
	w = receivedWhere("c.", scope, from, to, org)
	rows, err = s.db.sql.QueryContext(ctx, `SELECT p.case_id, p.starts_at, p.ends_at
		FROM case_pauses p JOIN cases c ON c.id = p.case_id AND c.org_id = p.org_id`+w.String()+` ORDER BY p.case_id, p.starts_at`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("received cases' pauses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id accord.ID
		var p cases.Pause
		var end sql.NullTime
		if err := rows.Scan(&id, &p.From, &end); err != nil {
			return nil, fmt.Errorf("received cases' pauses: %w", err)
		}
		i, ok := at[id]
		if !ok {
			continue // a case received meanwhile
		}
		p.From, p.To = p.From.UTC(), utcPtr(end)
		out[i].Pauses = append(out[i].Pauses, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("received cases' pauses: %w", err)
	}
	w.add("e.kind = ?", string(cases.Reclassified))
	rows, err = s.db.sql.QueryContext(ctx, `SELECT e.case_id, e.data, e.at
		FROM case_entries e JOIN cases c ON c.id = e.case_id AND c.org_id = e.org_id`+w.String()+` ORDER BY e.case_id, e.seq`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("received cases' reclassifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		id, ch, err := scanReclassification(rows)
		if err != nil {
			return nil, fmt.Errorf("received cases' reclassifications: %w", err)
		}
		if i, ok := at[id]; ok {
			out[i].Reclassifications = append(out[i].Reclassifications, ch)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("received cases' reclassifications: %w", err)
	}
	return out, nil
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

// Activity returns the cases the dashboard counts: active now, or
// received, resolved or closed since. The dashboard reads it on request;
// the active cases come by the (state) indexes, the rest by a scan of the
// recent ones, which suits a page an administrator opens now and then.
func (s *Reports) Activity(ctx context.Context, scope accord.Scope, since time.Time) ([]cases.Case, error) {
	var w where
	w.scope("org_id", scope)
	active := make([]string, len(cases.ActiveStates))
	for i, st := range cases.ActiveStates {
		active[i] = "'" + string(st) + "'"
	}
	w.add("(state IN ("+strings.Join(active, ", ")+") OR received_at >= ? OR resolved_at >= ? OR closed_at >= ?)", since.UTC(), since.UTC(), since.UTC())
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+caseColumns+` FROM cases`+w.String(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("case activity: %w", err)
	}
	out, err := collect(rows, scanCase)
	if err != nil {
		return nil, fmt.Errorf("case activity: %w", err)
	}
	return out, nil
}
