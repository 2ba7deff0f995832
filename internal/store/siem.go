package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/siem"
)

// SIEM implements siem.Store.
type SIEM struct{ db *DB }

// NewSIEM returns the SIEM receiver store of db.
func NewSIEM(db *DB) *SIEM { return &SIEM{db: db} }

// receiverColumns are read with the receiver's lag: the events of its
// chains after its cursors, summed over the chain heads (one row per
// organization), never over the events themselves.
const receiverColumns = `r.id, r.org_id, r.all_orgs, r.name, r.protocol, r.address, r.ca_pem, r.auth_header, r.actions, r.enabled,
	r.created_at, r.updated_at, r.sent, r.last_success_at, r.failures, r.last_error, r.last_error_at,
	(SELECT CAST(COALESCE(SUM(h.seq - COALESCE(c.seq, 0)), 0) AS BIGINT) FROM audit_heads h
		LEFT JOIN siem_cursors c ON c.receiver_id = r.id AND c.org_id = h.org_id
		WHERE r.all_orgs OR h.org_id = r.org_id)`

func scanReceiver(row interface{ Scan(...any) error }) (siem.Receiver, error) {
	var r siem.Receiver
	var actions string
	var success, failed sql.NullTime
	st := &r.Status
	err := row.Scan(&r.ID, &r.OrgID, &r.AllOrgs, &r.Name, &r.Protocol, &r.Address, &r.CAPEM, &r.Authorization, &actions, &r.Enabled,
		&r.CreatedAt, &r.UpdatedAt, &st.Sent, &success, &st.Failures, &st.LastError, &failed, &st.Lag)
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	st.LastSuccessAt, st.LastErrorAt = utcPtr(success), utcPtr(failed)
	r.HasAuth = r.Authorization != ""
	if err := json.Unmarshal([]byte(actions), &r.Actions); err != nil {
		return r, fmt.Errorf("receiver %s: actions: %w", r.ID, err)
	}
	return r, nil
}

func readReceiver(ctx context.Context, q queryer, scope accord.Scope, id accord.ID, lock string) (siem.Receiver, error) {
	var w where
	w.add("r.id = ?", id)
	w.scope("r.org_id", scope)
	return oneRow(scanReceiver, q.QueryRowContext(ctx, `SELECT `+receiverColumns+` FROM siem_receivers r`+w.String()+lock, w.args...), "receiver")
}

// schedule sets the receiver's delivery job at at while it is enabled,
// and removes it otherwise.
func scheduleReceiver(ctx context.Context, tx *sql.Tx, r siem.Receiver, at, now time.Time) error {
	if !r.Enabled {
		at = time.Time{}
	}
	return setTimer(ctx, tx, r.OrgID, r.ID, siem.DeliverJob, at, now)
}

func (s *SIEM) CreateReceiver(ctx context.Context, r siem.Receiver, ev audit.Event) error {
	actions, err := json.Marshal(r.Actions)
	if err != nil {
		return err
	}
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO siem_receivers (id, org_id, all_orgs, name, protocol, address, ca_pem, auth_header,
			actions, enabled, created_at, updated_at, sent, last_success_at, failures, last_error, last_error_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, NULL, 0, '', NULL)`,
			r.ID, r.OrgID, r.AllOrgs, r.Name, string(r.Protocol), r.Address, r.CAPEM, r.Authorization, string(actions), r.Enabled,
			micro(r.CreatedAt), micro(r.UpdatedAt)); err != nil {
			return err
		}
		q := `INSERT INTO siem_cursors (receiver_id, org_id, seq) SELECT $1, org_id, seq FROM audit_heads`
		args := []any{r.ID}
		if !r.AllOrgs {
			q += ` WHERE org_id = $2`
			args = append(args, r.OrgID)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		return scheduleReceiver(ctx, tx, r, r.CreatedAt, r.CreatedAt)
	})
}

func (s *SIEM) GetReceiver(ctx context.Context, scope accord.Scope, id accord.ID) (siem.Receiver, error) {
	return readReceiver(ctx, s.db.sql, scope, id, "")
}

// ListReceivers lists by owner, then name.
func (s *SIEM) ListReceivers(ctx context.Context, scope accord.Scope) ([]siem.Receiver, error) {
	var w where
	w.scope("r.org_id", scope)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+receiverColumns+` FROM siem_receivers r`+w.String()+` ORDER BY r.org_id, r.name`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list receivers: %w", err)
	}
	out, err := collect(rows, scanReceiver)
	if err != nil {
		return nil, fmt.Errorf("list receivers: %w", err)
	}
	return out, nil
}

func (s *SIEM) UpdateReceiver(ctx context.Context, scope accord.Scope, id accord.ID,
	decide func(siem.Receiver) (siem.Receiver, audit.Event, error)) (siem.Receiver, error) {
	var out siem.Receiver
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		old, err := readReceiver(ctx, tx, scope, id, s.db.forChange())
		if err != nil {
			return err
		}
		r, ev, err := decide(old)
		if err != nil {
			return err
		}
		actions, err := json.Marshal(r.Actions)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE siem_receivers SET name = $1, protocol = $2, address = $3, ca_pem = $4,
			auth_header = $5, actions = $6, enabled = $7, updated_at = $8 WHERE id = $9`,
			r.Name, string(r.Protocol), r.Address, r.CAPEM, r.Authorization, string(actions), r.Enabled, micro(r.UpdatedAt), old.ID); err != nil {
			return s.db.mapErr(fmt.Errorf("update receiver: %w", err))
		}
		if err := scheduleReceiver(ctx, tx, r, r.UpdatedAt, r.UpdatedAt); err != nil {
			return err
		}
		if err := s.db.appendEvent(ctx, tx, ev); err != nil {
			return err
		}
		out, err = readReceiver(ctx, tx, accord.Scope{All: true}, old.ID, "")
		return err
	})
	if accord.IsKind(err, accord.Conflict) {
		return out, accord.FieldError("name", "the organization already has a receiver of that name")
	}
	return out, err
}

func (s *SIEM) DeleteReceiver(ctx context.Context, scope accord.Scope, id accord.ID, ev func(siem.Receiver) audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		r, err := readReceiver(ctx, tx, scope, id, s.db.forUpdate())
		if err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM siem_cursors WHERE receiver_id = $1`, `DELETE FROM siem_receivers WHERE id = $1`} {
			if _, err := tx.ExecContext(ctx, q, r.ID); err != nil {
				return fmt.Errorf("delete receiver: %w", err)
			}
		}
		if err := setTimer(ctx, tx, r.OrgID, r.ID, siem.DeliverJob, time.Time{}, time.Time{}); err != nil {
			return err
		}
		return s.db.appendEvent(ctx, tx, ev(r))
	})
}

// Pending finds the chains with events after the receiver's cursors from
// their heads (one row per organization), then reads each such chain's
// next events by its primary key, until limit.
func (s *SIEM) Pending(ctx context.Context, r siem.Receiver, limit int) (siem.Batch, error) {
	b := siem.Batch{From: map[accord.ID]int64{}}
	q := `SELECT h.org_id, COALESCE(c.seq, 0) FROM audit_heads h
		LEFT JOIN siem_cursors c ON c.receiver_id = $1 AND c.org_id = h.org_id
		WHERE h.seq > COALESCE(c.seq, 0)`
	args := []any{r.ID}
	if !r.AllOrgs {
		q += ` AND h.org_id = $2`
		args = append(args, r.OrgID)
	}
	rows, err := s.db.sql.QueryContext(ctx, q+` ORDER BY h.org_id`, args...)
	if err != nil {
		return b, fmt.Errorf("pending chains: %w", err)
	}
	type chain struct {
		org accord.ID
		seq int64
	}
	chains, err := collect(rows, func(row interface{ Scan(...any) error }) (chain, error) {
		var c chain
		return c, row.Scan(&c.org, &c.seq)
	})
	if err != nil {
		return b, fmt.Errorf("pending chains: %w", err)
	}
	for _, c := range chains {
		if len(b.Events) >= limit {
			break
		}
		rows, err := s.db.sql.QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
			c.org, c.seq, limit-len(b.Events))
		if err != nil {
			return b, fmt.Errorf("pending events: %w", err)
		}
		events, err := collect(rows, scanEvent)
		if err != nil {
			return b, fmt.Errorf("pending events: %w", err)
		}
		b.From[c.org] = c.seq
		b.Events = append(b.Events, events...)
	}
	return b, nil
}

// Advance moves each cursor only from where the attempt read it, under
// the receiver's row lock, so that two attempts that overlapped cannot
// move a cursor backwards or skip events.
func (s *SIEM) Advance(ctx context.Context, id accord.ID, p siem.Progress) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		r, err := readReceiver(ctx, tx, accord.Scope{All: true}, id, s.db.forChange())
		if err != nil {
			return err
		}
		for org, to := range p.To {
			from := p.From[org]
			if _, err := tx.ExecContext(ctx, `INSERT INTO siem_cursors (receiver_id, org_id, seq) VALUES ($1, $2, 0)
				ON CONFLICT (receiver_id, org_id) DO NOTHING`, id, org); err != nil {
				return fmt.Errorf("advance cursor: %w", err)
			}
			res, err := tx.ExecContext(ctx, `UPDATE siem_cursors SET seq = $1 WHERE receiver_id = $2 AND org_id = $3 AND seq = $4`, to, id, org, from)
			if err != nil {
				return fmt.Errorf("advance cursor: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return &accord.Error{Kind: accord.Conflict, Op: "siem.Advance", Msg: "another attempt moved the cursor of chain " + string(org)}
			}
		}
		if len(p.To) > 0 {
			q := `UPDATE siem_receivers SET sent = sent + $1, failures = 0 WHERE id = $2`
			args := []any{p.Sent, id}
			if p.Sent > 0 {
				q = `UPDATE siem_receivers SET sent = sent + $1, failures = 0, last_success_at = $3 WHERE id = $2`
				args = append(args, micro(p.At))
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("advance receiver: %w", err)
			}
		}
		return scheduleReceiver(ctx, tx, r, p.Next, p.At)
	})
}

func (s *SIEM) Fail(ctx context.Context, id accord.ID, at time.Time, msg string, next time.Time) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		r, err := readReceiver(ctx, tx, accord.Scope{All: true}, id, s.db.forChange())
		if err != nil {
			return err
		}
		if len(msg) > 1000 {
			msg = strings.ToValidUTF8(msg[:1000], "")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE siem_receivers SET failures = failures + 1, last_error = $1, last_error_at = $2 WHERE id = $3`,
			msg, micro(at), id); err != nil {
			return fmt.Errorf("record receiver failure: %w", err)
		}
		return scheduleReceiver(ctx, tx, r, next, at)
	})
}
