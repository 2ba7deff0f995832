package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/webhooks"
)

// Audit implements audit.Store.
type Audit struct{ db *DB }

// NewAudit returns the audit store of db.
func NewAudit(db *DB) *Audit { return &Audit{db: db} }

// appendEvent seals ev onto its organization's chain inside tx. The head row
// is locked (PostgreSQL) or already exclusive (SQLite), so concurrent
// writers to one organization's chain take turns and never fork it.
func (db *DB) appendEvent(ctx context.Context, tx *sql.Tx, ev audit.Event) error {
	if ev.OrgID == "" {
		return fmt.Errorf("audit event %s has no organization", ev.Action)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, '') ON CONFLICT (org_id) DO NOTHING`, ev.OrgID); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	var seq int64
	var hash string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_heads WHERE org_id = $1`+db.forUpdate(), ev.OrgID).Scan(&seq, &hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	ev.Seal(seq, hash)
	changes, err := json.Marshal(ev.Changes)
	if err != nil {
		return fmt.Errorf("audit changes: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_events
		(org_id, seq, id, at, actor_id, actor_name, actor_org_id, action, entity_type, entity_id, changes, request_id, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		ev.OrgID, ev.Seq, ev.ID, ev.At, ev.ActorID, ev.ActorName, ev.ActorOrgID, ev.Action, ev.EntityType, ev.EntityID,
		string(changes), ev.RequestID, ev.PrevHash, ev.Hash)
	if err != nil {
		return fmt.Errorf("audit event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_heads SET seq = $1, hash = $2 WHERE org_id = $3`, ev.Seq, ev.Hash, ev.OrgID); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if !webhooks.Triggers(ev.EntityType) {
		return nil
	}
	// The fan-out reads the chain after its cursor; scheduling it in this
	// transaction means no event waits for a later one. Without a
	// subscription that could receive the event no job is made: the
	// cursor stays behind, and the next fan-out skips what predates its
	// subscriptions.
	var subscribed bool
	err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE enabled AND (all_orgs OR org_id = $1))`, ev.OrgID).Scan(&subscribed)
	if err != nil {
		return fmt.Errorf("webhook subscriptions: %w", err)
	}
	if !subscribed {
		return nil
	}
	return setTimer(ctx, tx, ev.OrgID, ev.OrgID, webhooks.FanoutJob, ev.At, ev.At)
}

const eventColumns = `org_id, seq, id, at, actor_id, actor_name, actor_org_id, action, entity_type, entity_id, changes, request_id, prev_hash, hash`

func scanEvent(row interface{ Scan(...any) error }) (audit.Event, error) {
	var e audit.Event
	var changes string
	err := row.Scan(&e.OrgID, &e.Seq, &e.ID, &e.At, &e.ActorID, &e.ActorName, &e.ActorOrgID, &e.Action, &e.EntityType,
		&e.EntityID, &changes, &e.RequestID, &e.PrevHash, &e.Hash)
	if err != nil {
		return e, err
	}
	e.At = e.At.UTC()
	if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
		return e, fmt.Errorf("audit event %s: changes: %w", e.ID, err)
	}
	return e, nil
}

// ListEvents lists events newest first.
func (s *Audit) ListEvents(ctx context.Context, scope accord.Scope, f audit.Filter, p accord.Page) ([]audit.Event, string, error) {
	c, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.scope("org_id", scope)
	if f.OrgID != nil {
		w.add("org_id = ?", *f.OrgID)
	}
	if f.EntityType != nil {
		w.add("entity_type = ?", *f.EntityType)
	}
	if f.EntityID != nil {
		w.add("entity_id = ?", *f.EntityID)
	}
	if err := w.beforeTime("at", "id", c); err != nil {
		return nil, "", err
	}
	q := `SELECT ` + eventColumns + ` FROM audit_events` + w.String() + ` ORDER BY at DESC, id DESC` + w.limit(p)
	rows, err := s.db.sql.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := page(out, p, func(e audit.Event) accord.Cursor {
		return timeCursor(e.At, e.ID)
	})
	return out, next, nil
}

// WalkChains reads every chain in order, in batches, so that memory stays
// flat however long the trail is.
func (s *Audit) WalkChains(ctx context.Context, check func(audit.Event) error, tail func(accord.ID, int64, string) error) error {
	const batch = 1000
	var lastOrg accord.ID
	var lastSeq int64 = -1
	for {
		rows, err := s.db.sql.QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events
			WHERE org_id > $1 OR (org_id = $1 AND seq > $2) ORDER BY org_id, seq LIMIT $3`, lastOrg, lastSeq, batch)
		if err != nil {
			return fmt.Errorf("walk audit events: %w", err)
		}
		var events []audit.Event
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return err
			}
			events = append(events, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, e := range events {
			if err := check(e); err != nil {
				return err
			}
			lastOrg, lastSeq = e.OrgID, e.Seq
		}
		if len(events) < batch {
			break
		}
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT org_id, seq, hash FROM audit_heads ORDER BY org_id`)
	if err != nil {
		return fmt.Errorf("read audit heads: %w", err)
	}
	type h struct {
		org  accord.ID
		seq  int64
		hash string
	}
	var heads []h
	for rows.Next() {
		var x h
		if err := rows.Scan(&x.org, &x.seq, &x.hash); err != nil {
			rows.Close()
			return err
		}
		heads = append(heads, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, x := range heads {
		if err := tail(x.org, x.seq, x.hash); err != nil {
			return err
		}
	}
	return nil
}

// Record appends ev alone.
func (s *Audit) Record(ctx context.Context, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error { return s.db.appendEvent(ctx, tx, ev) })
}
