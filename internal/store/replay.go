package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
)

// ReceivedAfter returns up to limit cases of scope received in [from, to)
// that come after (at, id) in the order (received_at, id), each with its
// pauses and reclassifications: a replay reads a year of cases in batches
// this way, in constant memory. Three queries a batch, whatever its size:
// the cases by the cases_received index (migration 00030), then their
// pauses by case id and their reclassification entries by the partial
// index case_entries_reclassified. An empty id starts at from.
func (s *Reports) ReceivedAfter(ctx context.Context, scope accord.Scope, from, to, at time.Time, id accord.ID, limit int) ([]cases.Case, error) {
	w := receivedWhere("", scope, from, to, "")
	if id != "" {
		// A row comparison, which both engines read as the index's range.
		w.add("(received_at, id) > (?, ?)", at.UTC(), id)
	}
	w.args = append(w.args, limit)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+caseColumns+` FROM cases`+w.String()+
		` ORDER BY received_at, id LIMIT $`+fmt.Sprint(len(w.args)), w.args...)
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
	index := make(map[accord.ID]int, len(out))
	for i, c := range out {
		index[c.ID] = i
	}
	// Of these cases only, and still inside the scope, as every read is.
	of := func() where {
		var w where
		w.scope("org_id", scope)
		w.conds = append(w.conds, "case_id IN "+inList(len(w.args)+1, len(out)))
		for _, c := range out {
			w.args = append(w.args, c.ID)
		}
		return w
	}
	w = of()
	rows, err = s.db.sql.QueryContext(ctx, `SELECT case_id, starts_at, ends_at FROM case_pauses`+w.String()+` ORDER BY case_id, starts_at`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("received cases' pauses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid accord.ID
		var p cases.Pause
		var end sql.NullTime
		if err := rows.Scan(&cid, &p.From, &end); err != nil {
			return nil, fmt.Errorf("received cases' pauses: %w", err)
		}
		p.From, p.To = p.From.UTC(), utcPtr(end)
		i := index[cid]
		out[i].Pauses = append(out[i].Pauses, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("received cases' pauses: %w", err)
	}
	// The kind written out, not bound: the partial index
	// case_entries_reclassified serves only a query that names it, and a
	// generic plan with a parameter would read every entry.
	w = of()
	w.conds = append(w.conds, "kind = '"+string(cases.Reclassified)+"'")
	rows, err = s.db.sql.QueryContext(ctx, `SELECT case_id, data, at FROM case_entries`+w.String()+` ORDER BY case_id, seq`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("received cases' reclassifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		cid, ch, err := scanReclassification(rows)
		if err != nil {
			return nil, fmt.Errorf("received cases' reclassifications: %w", err)
		}
		i := index[cid]
		out[i].Reclassifications = append(out[i].Reclassifications, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("received cases' reclassifications: %w", err)
	}
	return out, nil
}
