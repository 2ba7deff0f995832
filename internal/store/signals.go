package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/signals"
)

// Signals implements signals.Store.
type Signals struct{ db *DB }

// NewSignals returns the signals store of db.
func NewSignals(db *DB) *Signals { return &Signals{db: db} }

// A notification is read with its case's number and title and the author
// of its entry; an entry Accord wrote itself (no author id) reads with no
// author, so the reader sees "Accord" in their language, not the internal
// actor's name ("jobs").
const notificationSelect = `SELECT n.id, n.org_id, n.user_id, n.kind, n.case_id, c.number, c.title, n.entry_id, CASE WHEN e.author_id IS NULL THEN '' ELSE e.author END, n.created_at, n.read_at
	FROM notifications n JOIN cases c ON c.id = n.case_id JOIN case_entries e ON e.id = n.entry_id`

func scanNotification(r interface{ Scan(...any) error }) (signals.Notification, error) {
	var n signals.Notification
	var read sql.NullTime
	err := r.Scan(&n.ID, &n.OrgID, &n.UserID, &n.Kind, &n.CaseID, &n.CaseNumber, &n.CaseTitle, &n.EntryID, &n.Author, &n.CreatedAt, &read)
	n.CreatedAt, n.ReadAt = n.CreatedAt.UTC(), utcPtr(read)
	return n, err
}

func mine(scope accord.Scope, userID accord.ID) where {
	var w where
	w.add("n.user_id = ?", userID)
	w.scope("n.org_id", scope)
	return w
}

func (s *Signals) Notifications(ctx context.Context, scope accord.Scope, userID accord.ID, unread bool, p accord.Page) ([]signals.Notification, string, error) {
	cur, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	w := mine(scope, userID)
	if unread {
		w.add("n.read_at IS NULL")
	}
	if err := w.beforeTime("n.created_at", "n.id", cur); err != nil {
		return nil, "", err
	}
	rows, err := s.db.sql.QueryContext(ctx, notificationSelect+w.String()+` ORDER BY n.created_at DESC, n.id DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list notifications: %w", err)
	}
	out, err := collect(rows, scanNotification)
	if err != nil {
		return nil, "", fmt.Errorf("list notifications: %w", err)
	}
	out, next := page(out, p, func(n signals.Notification) accord.Cursor { return timeCursor(n.CreatedAt, n.ID) })
	return out, next, nil
}

func (s *Signals) Unread(ctx context.Context, scope accord.Scope, userID accord.ID) (int, error) {
	w := mine(scope, userID)
	w.add("n.read_at IS NULL")
	var n int
	if err := s.db.sql.QueryRowContext(ctx, `SELECT count(*) FROM notifications n`+w.String(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count notifications: %w", err)
	}
	return n, nil
}

func (s *Signals) Notification(ctx context.Context, id accord.ID) (signals.Notification, error) {
	return oneRow(scanNotification, s.db.sql.QueryRowContext(ctx, notificationSelect+` WHERE n.id = $1`, id), "notification")
}

func (s *Signals) MarkRead(ctx context.Context, scope accord.Scope, userID, id accord.ID, now time.Time) error {
	w := mine(scope, userID)
	w.add("n.id = ?", id)
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications n`+w.String(), w.args...).Scan(&n); err != nil {
			return fmt.Errorf("mark notification read: %w", err)
		}
		if n == 0 {
			return notFound("notification")
		}
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at IS NULL`, now.UTC(), id)
		if err != nil {
			return fmt.Errorf("mark notification read: %w", err)
		}
		return nil
	})
}

func (s *Signals) MarkAllRead(ctx context.Context, scope accord.Scope, userID accord.ID, now time.Time) (int, error) {
	// The instant is $1; the conditions are numbered after it.
	w := where{args: []any{now.UTC()}}
	w.add("user_id = ?", userID)
	w.add("read_at IS NULL")
	w.scope("org_id", scope)
	res, err := s.db.sql.ExecContext(ctx, `UPDATE notifications SET read_at = $1`+w.String(), w.args...)
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func (s *Signals) Touch(ctx context.Context, p signals.Presence, expired time.Time) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM case_presence WHERE seen_at < $1`, expired.UTC()); err != nil {
			return fmt.Errorf("expire presence: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO case_presence (org_id, case_id, user_id, name, writing, seen_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (case_id, user_id) DO UPDATE SET name = excluded.name, writing = excluded.writing, seen_at = excluded.seen_at`,
			p.OrgID, p.CaseID, p.UserID, p.Name, p.Writing, p.SeenAt.UTC())
		if err != nil {
			return s.db.mapErr(fmt.Errorf("record presence: %w", err))
		}
		return nil
	})
}

func (s *Signals) Present(ctx context.Context, caseID accord.ID, since time.Time) ([]signals.Presence, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT org_id, case_id, user_id, name, writing, seen_at FROM case_presence
		WHERE case_id = $1 AND seen_at >= $2 ORDER BY name, user_id`, caseID, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("presence: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (signals.Presence, error) {
		var p signals.Presence
		err := r.Scan(&p.OrgID, &p.CaseID, &p.UserID, &p.Name, &p.Writing, &p.SeenAt)
		p.SeenAt = p.SeenAt.UTC()
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("presence: %w", err)
	}
	return out, nil
}

const ratingLinkColumns = `id, org_id, case_id, user_id, created_at, expires_at, token_hash, used_at`

func scanRatingLink(r interface{ Scan(...any) error }) (signals.RatingLink, error) {
	var l signals.RatingLink
	var hash sql.NullString
	var used sql.NullTime
	err := r.Scan(&l.ID, &l.OrgID, &l.CaseID, &l.UserID, &l.CreatedAt, &l.ExpiresAt, &hash, &used)
	l.CreatedAt, l.ExpiresAt, l.Hash, l.UsedAt = l.CreatedAt.UTC(), l.ExpiresAt.UTC(), hash.String, utcPtr(used)
	return l, err
}

func (s *Signals) RatingLink(ctx context.Context, id accord.ID) (signals.RatingLink, error) {
	return oneRow(scanRatingLink, s.db.sql.QueryRowContext(ctx, `SELECT `+ratingLinkColumns+` FROM rating_links WHERE id = $1`, id), "rating link")
}

func (s *Signals) RatingLinkByHash(ctx context.Context, hash string) (signals.RatingLink, error) {
	return oneRow(scanRatingLink, s.db.sql.QueryRowContext(ctx, `SELECT `+ratingLinkColumns+` FROM rating_links WHERE token_hash = $1`, hash), "rating link")
}

func (s *Signals) MintRatingLink(ctx context.Context, id accord.ID, decide func(signals.RatingLink) (signals.RatingLink, error)) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		l, err := oneRow(scanRatingLink, tx.QueryRowContext(ctx, `SELECT `+ratingLinkColumns+` FROM rating_links WHERE id = $1`+s.db.forChange(), id), "rating link")
		if err != nil {
			return err
		}
		if l, err = decide(l); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rating_links SET token_hash = $1 WHERE id = $2`, l.Hash, l.ID); err != nil {
			return s.db.mapErr(fmt.Errorf("mint rating link: %w", err))
		}
		return nil
	})
}

// insertRating writes r inside tx; a case rated already is Conflict.
func (s *Signals) insertRating(ctx context.Context, tx *sql.Tx, r signals.Rating) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM case_ratings WHERE case_id = $1`, r.CaseID).Scan(&n); err != nil {
		return fmt.Errorf("rating: %w", err)
	}
	if n > 0 {
		return &accord.Error{Kind: accord.Conflict, Msg: "this case has been rated already; thank you"}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO case_ratings (case_id, org_id, user_id, score, comment, via, assignee_id, criticality, closed_at, rated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.CaseID, r.OrgID, r.UserID, r.Score, r.Comment, string(r.Via),
		nullable(r.AssigneeID), string(r.Criticality), r.ClosedAt.UTC(), r.RatedAt.UTC())
	if err != nil {
		return s.db.mapErr(fmt.Errorf("insert rating: %w", err))
	}
	return nil
}

func (s *Signals) Rate(ctx context.Context, r signals.Rating, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.insertRating(ctx, tx, r); err != nil {
			return err
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Signals) RateByLink(ctx context.Context, hash string, decide func(signals.RatingLink) (signals.Rating, audit.Event, error)) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		l, err := oneRow(scanRatingLink, tx.QueryRowContext(ctx, `SELECT `+ratingLinkColumns+` FROM rating_links WHERE token_hash = $1`+s.db.forChange(), hash), "rating link")
		if err != nil {
			return err
		}
		r, ev, err := decide(l)
		if err != nil {
			return err
		}
		if err := s.insertRating(ctx, tx, r); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rating_links SET used_at = $1 WHERE id = $2`, r.RatedAt.UTC(), l.ID); err != nil {
			return fmt.Errorf("use rating link: %w", err)
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Signals) Rating(ctx context.Context, scope accord.Scope, caseID accord.ID) (signals.Rating, error) {
	var w where
	w.add("case_id = ?", caseID)
	w.scope("org_id", scope)
	return oneRow(func(r interface{ Scan(...any) error }) (signals.Rating, error) {
		var x signals.Rating
		var assignee sql.NullString
		err := r.Scan(&x.CaseID, &x.OrgID, &x.UserID, &x.Score, &x.Comment, &x.Via, &assignee, &x.Criticality, &x.ClosedAt, &x.RatedAt)
		x.AssigneeID, x.ClosedAt, x.RatedAt = accord.ID(assignee.String), x.ClosedAt.UTC(), x.RatedAt.UTC()
		return x, err
	}, s.db.sql.QueryRowContext(ctx, `SELECT case_id, org_id, user_id, score, comment, via, assignee_id, criticality, closed_at, rated_at
		FROM case_ratings`+w.String(), w.args...), "rating")
}
