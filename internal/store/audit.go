package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

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
	return db.appendEvents(ctx, tx, ev)
}

// appendEvents chains events to their organizations' audit chains, in
// order. Each organization's head is locked once, its events are written
// in one statement and the head moved once: the head is what two changes
// of one organization take turns on until they commit, so callers append
// last.
func (db *DB) appendEvents(ctx context.Context, tx *sql.Tx, events ...audit.Event) error {
	for len(events) > 0 {
		org := events[0].OrgID
		if org == "" {
			return fmt.Errorf("audit event %s has no organization", events[0].Action)
		}
		var same, rest []audit.Event
		for _, ev := range events {
			if ev.OrgID == org {
				same = append(same, ev)
			} else {
				rest = append(rest, ev)
			}
		}
		if err := db.chain(ctx, tx, org, same); err != nil {
			return err
		}
		events = rest
	}
	return nil
}

// chain appends events of one organization to its chain. Whether a
// webhook fan-out is due is asked before the head is locked, so that the
// head is held for two statements and the commit: the lock and read, then
// the events and the new head written together (writeChain).
func (db *DB) chain(ctx context.Context, tx *sql.Tx, org accord.ID, events []audit.Event) error {
	fanout, err := db.fanoutDue(ctx, tx, org, events)
	if err != nil {
		return err
	}
	seq, hash, err := db.lockHead(ctx, tx, org)
	if err != nil {
		return err
	}
	for i := range events {
		events[i].Seal(seq, hash)
		seq, hash = events[i].Seq, events[i].Hash
	}
	if err := db.writeChain(ctx, tx, org, events); err != nil {
		return err
	}
	if !fanout {
		return nil
	}
	// The fan-out reads the chain after its cursor; scheduling it in this
	// transaction means no event waits for a later one.
	last := events[len(events)-1]
	return setTimer(ctx, tx, org, org, webhooks.FanoutJob, last.At, last.At)
}

// fanoutDue: some event is of a type webhooks carry and a subscription
// could receive it. Without one no job is made: the cursor stays behind,
// and the next fan-out skips what predates its subscriptions.
func (db *DB) fanoutDue(ctx context.Context, tx *sql.Tx, org accord.ID, events []audit.Event) (bool, error) {
	if !slices.ContainsFunc(events, func(ev audit.Event) bool { return webhooks.Triggers(ev.EntityType) }) {
		return false, nil
	}
	var subscribed bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE enabled AND (all_orgs OR org_id = $1))`, org).Scan(&subscribed)
	if err != nil {
		return false, fmt.Errorf("webhook subscriptions: %w", err)
	}
	return subscribed, nil
}

// lockHead reads an organization's chain head and holds it until tx ends;
// an organization without events gets its head first.
func (db *DB) lockHead(ctx context.Context, tx *sql.Tx, org accord.ID) (int64, string, error) {
	var seq int64
	var hash string
	read := func() error {
		return tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_heads WHERE org_id = $1`+db.forUpdate(), org).Scan(&seq, &hash)
	}
	err := read()
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, '') ON CONFLICT (org_id) DO NOTHING`, org); err != nil {
			return 0, "", fmt.Errorf("audit head: %w", err)
		}
		err = read()
	}
	if err != nil {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return seq, hash, nil
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
