package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/notify"
)

// Mail implements notify.Store.
type Mail struct{ db *DB }

// NewMail returns the mail store of db.
func NewMail(db *DB) *Mail { return &Mail{db: db} }

// Queue inserts each message unless its entry (or a letter's topic) already
// has one for its recipient, and schedules the delivery of each one it
// inserted.
func (s *Mail) Queue(ctx context.Context, now time.Time, msgs []notify.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		for _, m := range msgs {
			res, err := tx.ExecContext(ctx, `INSERT INTO mail_messages (id, org_id, case_id, entry_id, topic, event, user_id, to_addr, locale, subject, body, message_id, refs, reply_token, created_at, secret)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
				ON CONFLICT DO NOTHING`,
				m.ID, m.OrgID, nullable(m.CaseID), nullable(m.EntryID), nullable(m.Topic), m.Event, m.UserID, m.To, m.Locale, m.Subject, m.Body,
				m.MessageID, strings.Join(m.References, " "), m.ReplyToken, m.CreatedAt.UTC(), m.Secret)
			if err != nil {
				return s.db.mapErr(fmt.Errorf("queue mail: %w", err))
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if err := setTimer(ctx, tx, m.OrgID, m.ID, notify.SendJob, now, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// Thread reads the mail_messages_thread index.
func (s *Mail) Thread(ctx context.Context, caseID, userID accord.ID, limit int) ([]string, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT message_id FROM mail_messages WHERE case_id = $1 AND user_id = $2 ORDER BY created_at, id LIMIT $3`, caseID, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("mail thread: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
}

// messageSelect reads a message with its delivery job, if it still has one:
// a sent message's job is gone, a failed one's is kept with failed_at.
const messageSelect = `SELECT m.id, m.org_id, m.case_id, m.entry_id, m.topic, m.event, m.user_id, m.to_addr, m.locale, m.subject, m.body,
	m.message_id, m.refs, m.reply_token, m.created_at, m.sent_at, m.secret, m.withdrawn_at, m.withdrawn_reason,
	j.attempts, j.last_error, j.run_at, j.failed_at
	FROM mail_messages m LEFT JOIN jobs j ON j.subject_id = m.id AND j.kind = '` + notify.SendJob + `'`

func scanMessage(row interface{ Scan(...any) error }) (notify.Message, error) {
	var m notify.Message
	var refs string
	var caseID, entryID, topic sql.NullString
	var sent, withdrawn, runAt, failed sql.NullTime
	var attempts sql.NullInt64
	var lastErr sql.NullString
	d := &m.Delivery
	err := row.Scan(&m.ID, &m.OrgID, &caseID, &entryID, &topic, &m.Event, &m.UserID, &m.To, &m.Locale, &m.Subject, &m.Body,
		&m.MessageID, &refs, &m.ReplyToken, &m.CreatedAt, &sent, &m.Secret, &withdrawn, &d.WithdrawnReason,
		&attempts, &lastErr, &runAt, &failed)
	if err != nil {
		return m, err
	}
	m.CaseID, m.EntryID, m.Topic = accord.ID(caseID.String), accord.ID(entryID.String), topic.String
	m.References = strings.Fields(refs)
	m.CreatedAt, m.SentAt = m.CreatedAt.UTC(), utcPtr(sent)
	d.Attempts, d.LastError, d.FailedAt, d.WithdrawnAt = int(attempts.Int64), lastErr.String, utcPtr(failed), utcPtr(withdrawn)
	switch {
	case m.SentAt != nil:
		d.Status = notify.Sent
	case d.WithdrawnAt != nil:
		d.Status = notify.Withdrawn
	case d.FailedAt != nil:
		d.Status = notify.Failed
	case d.LastError != "":
		d.Status, d.NextAttempt = notify.Retrying, utcPtr(runAt)
	default:
		d.Status, d.NextAttempt = notify.Queued, utcPtr(runAt)
	}
	return m, nil
}

func (s *Mail) Message(ctx context.Context, id accord.ID) (notify.Message, error) {
	return oneRow(scanMessage, s.db.sql.QueryRowContext(ctx, messageSelect+` WHERE m.id = $1`, id), "message")
}

func (s *Mail) ByToken(ctx context.Context, token string) (notify.Message, error) {
	return oneRow(scanMessage, s.db.sql.QueryRowContext(ctx, messageSelect+` WHERE m.reply_token = $1`, token), "message")
}

func (s *Mail) MarkSent(ctx context.Context, id accord.ID, at time.Time) error {
	res, err := s.db.sql.ExecContext(ctx, `UPDATE mail_messages SET sent_at = $1 WHERE id = $2 AND sent_at IS NULL`, at.UTC(), id)
	if err != nil {
		return fmt.Errorf("mark mail sent: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 && s.db.obs != nil {
		s.db.obs.MailSent(ctx, id)
	}
	return nil
}

// Messages filters on the delivery status the way scanMessage derives it.
func (s *Mail) Messages(ctx context.Context, f notify.Filter, p accord.Page) ([]notify.Message, string, error) {
	cur, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	switch f.Status {
	case notify.Sent:
		w.add("m.sent_at IS NOT NULL")
	case notify.Withdrawn:
		w.add("m.sent_at IS NULL AND m.withdrawn_at IS NOT NULL")
	case notify.Failed:
		w.add("m.sent_at IS NULL AND m.withdrawn_at IS NULL AND j.failed_at IS NOT NULL")
	case notify.Retrying:
		w.add("m.sent_at IS NULL AND m.withdrawn_at IS NULL AND j.failed_at IS NULL AND j.last_error <> ''")
	case notify.Queued:
		w.add("m.sent_at IS NULL AND m.withdrawn_at IS NULL AND j.failed_at IS NULL AND COALESCE(j.last_error, '') = ''")
	}
	if f.CaseID != "" {
		w.add("m.case_id = ?", f.CaseID)
	}
	if err := w.beforeTime("m.created_at", "m.id", cur); err != nil {
		return nil, "", err
	}
	rows, err := s.db.sql.QueryContext(ctx, messageSelect+w.String()+` ORDER BY m.created_at DESC, m.id DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list mail: %w", err)
	}
	out, err := collect(rows, scanMessage)
	if err != nil {
		return nil, "", fmt.Errorf("list mail: %w", err)
	}
	out, next := page(out, p, func(m notify.Message) accord.Cursor { return timeCursor(m.CreatedAt, m.ID) })
	return out, next, nil
}

// Resend sets the delivery job again, which gives it a fresh id and no
// attempts.
func (s *Mail) Resend(ctx context.Context, id accord.ID, now time.Time) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		var org accord.ID
		err := tx.QueryRowContext(ctx, `SELECT org_id FROM mail_messages WHERE id = $1 AND sent_at IS NULL AND withdrawn_at IS NULL`, id).Scan(&org)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("unsent message")
		}
		if err != nil {
			return fmt.Errorf("resend mail: %w", err)
		}
		return setTimer(ctx, tx, org, id, notify.SendJob, now, now)
	})
}

// Withdraw records why an unsent message will never be sent and drops its
// delivery job.
func (s *Mail) Withdraw(ctx context.Context, id accord.ID, at time.Time, reason string) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE mail_messages SET withdrawn_at = $1, withdrawn_reason = $2
			WHERE id = $3 AND sent_at IS NULL AND withdrawn_at IS NULL`, at.UTC(), reason, id); err != nil {
			return fmt.Errorf("withdraw mail: %w", err)
		}
		return setTimer(ctx, tx, "", id, notify.SendJob, time.Time{}, at)
	})
}

const inboundColumns = `id, message_id, org_id, case_id, entry_id, user_id, from_addr, subject, source, status, reason, received_at`

func scanInbound(row interface{ Scan(...any) error }) (notify.Inbound, error) {
	var in notify.Inbound
	var caseID, entryID, userID sql.NullString
	err := row.Scan(&in.ID, &in.MessageID, &in.OrgID, &caseID, &entryID, &userID, &in.From, &in.Subject, &in.Source, &in.Status, &in.Reason, &in.ReceivedAt)
	in.CaseID, in.EntryID, in.UserID, in.ReceivedAt = accord.ID(caseID.String), accord.ID(entryID.String), accord.ID(userID.String), in.ReceivedAt.UTC()
	return in, err
}

// ClaimInbound inserts the row unless its Message-Id is there already.
func (s *Mail) ClaimInbound(ctx context.Context, in notify.Inbound) (bool, error) {
	res, err := s.db.sql.ExecContext(ctx, `INSERT INTO mail_inbound (`+inboundColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (message_id) DO NOTHING`,
		in.ID, in.MessageID, in.OrgID, nullable(in.CaseID), nullable(in.EntryID), nullable(in.UserID), in.From, in.Subject, in.Source, string(notify.Processing), in.Reason, in.ReceivedAt.UTC())
	if err != nil {
		return false, s.db.mapErr(fmt.Errorf("claim inbound mail: %w", err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (s *Mail) FinishInbound(ctx context.Context, in notify.Inbound) error {
	_, err := s.db.sql.ExecContext(ctx, `UPDATE mail_inbound SET org_id = $1, case_id = $2, entry_id = $3, user_id = $4, status = $5, reason = $6 WHERE message_id = $7`,
		in.OrgID, nullable(in.CaseID), nullable(in.EntryID), nullable(in.UserID), string(in.Status), in.Reason, in.MessageID)
	if err != nil {
		return s.db.mapErr(fmt.Errorf("record inbound mail: %w", err))
	}
	return nil
}

func (s *Mail) ReleaseInbound(ctx context.Context, messageID string) error {
	if _, err := s.db.sql.ExecContext(ctx, `DELETE FROM mail_inbound WHERE message_id = $1 AND status = $2`, messageID, string(notify.Processing)); err != nil {
		return fmt.Errorf("release inbound mail: %w", err)
	}
	return nil
}

func (s *Mail) InboundList(ctx context.Context, p accord.Page) ([]notify.Inbound, string, error) {
	cur, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	if err := w.beforeTime("received_at", "id", cur); err != nil {
		return nil, "", err
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+inboundColumns+` FROM mail_inbound`+w.String()+` ORDER BY received_at DESC, id DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list inbound mail: %w", err)
	}
	out, err := collect(rows, scanInbound)
	if err != nil {
		return nil, "", fmt.Errorf("list inbound mail: %w", err)
	}
	out, next := page(out, p, func(in notify.Inbound) accord.Cursor { return timeCursor(in.ReceivedAt, in.ID) })
	return out, next, nil
}
