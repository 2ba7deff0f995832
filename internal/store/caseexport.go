package store

import (
	"context"
	"database/sql"
	"fmt"

	"accord/internal/accord"
	"accord/internal/cases"
)

// Each calls fn with the cases f selects in scope, batch at a time (at most
// accord.MaxLimit), in List's order, each case with its pauses. It pages
// through List itself, so that a filter means what it means to a list and
// keyset paging keeps every query as cheap as the first. No transaction
// spans the pages: a long export holds no lock (and on SQLite not the one
// connection), so a case changed meanwhile is read as it stands when its
// page is read. An error of fn stops the iteration and is returned as is.
func (s *Cases) Each(ctx context.Context, scope accord.Scope, f cases.Filter, batch int, fn func([]cases.Case) error) error {
	p := accord.Page{Limit: batch}.Normalize()
	for {
		l, next, err := s.List(ctx, scope, f, p)
		if err != nil {
			return err
		}
		if err := s.readPauses(ctx, l); err != nil {
			return err
		}
		if len(l) > 0 {
			if err := fn(l); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		p.Cursor = next
	}
}

// readPauses sets the pauses of the cases of l, in one query.
func (s *Cases) readPauses(ctx context.Context, l []cases.Case) error {
	if len(l) == 0 {
		return nil
	}
	ids := make([]any, len(l))
	at := make(map[accord.ID]int, len(l))
	for i, c := range l {
		ids[i], at[c.ID] = c.ID, i
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT case_id, starts_at, ends_at FROM case_pauses WHERE case_id IN `+inList(1, len(ids))+
		` ORDER BY case_id, starts_at`, ids...)
	if err != nil {
		return fmt.Errorf("case pauses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id accord.ID
		var p cases.Pause
		var to sql.NullTime
		if err := rows.Scan(&id, &p.From, &to); err != nil {
			return fmt.Errorf("case pauses: %w", err)
		}
		p.From, p.To = p.From.UTC(), utcPtr(to)
		c := &l[at[id]]
		c.Pauses = append(c.Pauses, p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("case pauses: %w", err)
	}
	return nil
}
