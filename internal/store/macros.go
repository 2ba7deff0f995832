package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/macros"
)

// Macros implements macros.Store.
type Macros struct{ db *DB }

// NewMacros returns the macros store of db.
func NewMacros(db *DB) *Macros { return &Macros{db: db} }

const macroColumns = `id, org_id, owner_id, name, bodies, state, hold_reason, kb_url, assign_to, created_at, updated_at`

func scanMacro(row interface{ Scan(...any) error }) (macros.Macro, error) {
	var m macros.Macro
	var owner sql.NullString
	var bodies string
	err := row.Scan(&m.ID, &m.OrgID, &owner, &m.Name, &bodies, &m.Actions.State, &m.Actions.HoldReason,
		&m.Actions.KBURL, &m.Actions.Assign, &m.CreatedAt, &m.UpdatedAt)
	if err != nil {
		return m, err
	}
	m.OwnerID = accord.ID(owner.String)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(bodies), &m.Bodies); err != nil {
		return m, fmt.Errorf("macro %s: bodies: %w", m.ID, err)
	}
	return m, nil
}

// visible is the WHERE clause of the macros org $1 shares and user $2 owns;
// an empty user sees the shared ones only.
const visibleMacros = `org_id = $1 AND (owner_id IS NULL OR owner_id = $2)`

func (s *Macros) List(ctx context.Context, orgID, userID accord.ID) ([]macros.Macro, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+macroColumns+` FROM macros WHERE `+visibleMacros+`
		ORDER BY name, owner_id IS NOT NULL, id`, orgID, userID)
	if err != nil {
		return nil, fmt.Errorf("list macros: %w", err)
	}
	out, err := collect(rows, scanMacro)
	if err != nil {
		return nil, fmt.Errorf("list macros: %w", err)
	}
	return out, nil
}

func (s *Macros) Get(ctx context.Context, orgID, userID, id accord.ID) (macros.Macro, error) {
	m, err := scanMacro(s.db.sql.QueryRowContext(ctx, `SELECT `+macroColumns+` FROM macros WHERE `+visibleMacros+` AND id = $3`, orgID, userID, id))
	if err == sql.ErrNoRows {
		return m, notFound("macro")
	}
	if err != nil {
		return m, fmt.Errorf("get macro: %w", err)
	}
	return m, nil
}

func macroArgs(m macros.Macro) ([]any, error) {
	bodies, err := json.Marshal(m.Bodies)
	if err != nil {
		return nil, err
	}
	var owner any
	if m.OwnerID != "" {
		owner = m.OwnerID
	}
	return []any{m.ID, m.OrgID, owner, m.Name, string(bodies), m.Actions.State, m.Actions.HoldReason,
		m.Actions.KBURL, m.Actions.Assign, micro(m.CreatedAt), micro(m.UpdatedAt)}, nil
}

// Create inserts m; the unique name index makes a taken name Conflict.
func (s *Macros) Create(ctx context.Context, m macros.Macro, ev audit.Event) error {
	args, err := macroArgs(m)
	if err != nil {
		return err
	}
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO macros (`+macroColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, args...)
		return err
	})
}

func (s *Macros) Update(ctx context.Context, m macros.Macro, ev audit.Event) error {
	bodies, err := json.Marshal(m.Bodies)
	if err != nil {
		return err
	}
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE macros SET name = $3, bodies = $4, state = $5, hold_reason = $6, kb_url = $7,
			assign_to = $8, updated_at = $9 WHERE id = $1 AND org_id = $2`,
			m.ID, m.OrgID, m.Name, string(bodies), m.Actions.State, m.Actions.HoldReason, m.Actions.KBURL, m.Actions.Assign, micro(m.UpdatedAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("macro")
		}
		return nil
	})
}

func (s *Macros) Delete(ctx context.Context, m macros.Macro, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM macros WHERE id = $1 AND org_id = $2`, m.ID, m.OrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("macro")
		}
		return nil
	})
}

// Applied writes an application's audit event alone: the case changes it
// names were written, each with its own event, by the cases store.
func (s *Macros) Applied(ctx context.Context, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error { return s.db.appendEvent(ctx, tx, ev) })
}
