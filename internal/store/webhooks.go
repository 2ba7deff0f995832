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

// Webhooks implements webhooks.Store.
type Webhooks struct{ db *DB }

// NewWebhooks returns the webhooks store of db.
func NewWebhooks(db *DB) *Webhooks { return &Webhooks{db: db} }

const subscriptionColumns = `id, org_id, all_orgs, url, description, types, owner_id, enabled, disabled_reason, failed_deliveries,
	failing_since, secret, prev_secret, prev_secret_until, created_at, updated_at`

func scanSubscription(row interface{ Scan(...any) error }) (webhooks.Subscription, error) {
	var s webhooks.Subscription
	var types string
	var failing, until sql.NullTime
	err := row.Scan(&s.ID, &s.OrgID, &s.AllOrgs, &s.URL, &s.Description, &types, &s.OwnerID, &s.Enabled, &s.DisabledReason,
		&s.FailedDeliveries, &failing, &s.Secret, &s.PrevSecret, &until, &s.CreatedAt, &s.UpdatedAt)
	if err != nil {
		return s, err
	}
	s.FailingSince, s.PrevSecretUntil = utcPtr(failing), utcPtr(until)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(types), &s.Types); err != nil {
		return s, fmt.Errorf("webhook %s: types: %w", s.ID, err)
	}
	return s, nil
}

func subscriptionArgs(s webhooks.Subscription) []any {
	types, _ := json.Marshal(s.Types)
	return []any{s.ID, s.OrgID, s.AllOrgs, s.URL, s.Description, string(types), s.OwnerID, s.Enabled, s.DisabledReason,
		s.FailedDeliveries, nullMicro(s.FailingSince), s.Secret, s.PrevSecret, nullMicro(s.PrevSecretUntil), micro(s.CreatedAt), micro(s.UpdatedAt)}
}

func (s *Webhooks) List(ctx context.Context, scope accord.Scope) ([]webhooks.Subscription, error) {
	var w where
	w.scope("org_id", scope)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM webhook_subscriptions`+w.String()+` ORDER BY created_at, id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out, err := collect(rows, scanSubscription)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

func (s *Webhooks) Get(ctx context.Context, scope accord.Scope, id accord.ID) (webhooks.Subscription, error) {
	var w where
	w.scope("org_id", scope)
	w.add("id = ?", id)
	return oneRow(scanSubscription, s.db.sql.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM webhook_subscriptions`+w.String(), w.args...), "webhook")
}

func (s *Webhooks) Create(ctx context.Context, sub webhooks.Subscription, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_subscriptions (`+subscriptionColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`, subscriptionArgs(sub)...)
		return err
	})
}

func updateSubscription(ctx context.Context, tx *sql.Tx, sub webhooks.Subscription) error {
	res, err := tx.ExecContext(ctx, `UPDATE webhook_subscriptions SET all_orgs = $3, url = $4, description = $5, types = $6, owner_id = $7,
		enabled = $8, disabled_reason = $9, failed_deliveries = $10, failing_since = $11, secret = $12, prev_secret = $13,
		prev_secret_until = $14, updated_at = $16 WHERE id = $1 AND org_id = $2 AND created_at = $15`, subscriptionArgs(sub)...)
	if err != nil {
		return fmt.Errorf("update webhook: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("webhook")
	}
	return nil
}

func (s *Webhooks) Update(ctx context.Context, sub webhooks.Subscription, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error { return updateSubscription(ctx, tx, sub) })
}

func (s *Webhooks) Delete(ctx context.Context, sub webhooks.Subscription, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM jobs WHERE kind = '` + webhooks.DeliverJob + `' AND subject_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = $1)`,
			`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = $1)`,
			`DELETE FROM webhook_deliveries WHERE subscription_id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, sub.ID); err != nil {
				return fmt.Errorf("delete webhook: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM webhook_subscriptions WHERE id = $1 AND org_id = $2`, sub.ID, sub.OrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("webhook")
		}
		return nil
	})
}

const deliveryColumns = `id, subscription_id, org_id, event_org_id, type, audit_id, body, state, tries, attempts, next_at, created_at, delivered_at`

func scanDelivery(row interface{ Scan(...any) error }) (webhooks.Delivery, error) {
	var d webhooks.Delivery
	var next, delivered sql.NullTime
	err := row.Scan(&d.ID, &d.SubscriptionID, &d.OrgID, &d.EventOrgID, &d.Type, &d.AuditID, &d.Body, &d.State, &d.Tries, &d.Attempts,
		&next, &d.CreatedAt, &delivered)
	d.NextAt, d.DeliveredAt, d.CreatedAt = utcPtr(next), utcPtr(delivered), d.CreatedAt.UTC()
	return d, err
}

func (s *Webhooks) Deliveries(ctx context.Context, scope accord.Scope, subID accord.ID, p accord.Page) ([]webhooks.Delivery, string, error) {
	p = p.Normalize()
	cur, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.scope("org_id", scope)
	w.add("subscription_id = ?", subID)
	if err := w.beforeTime("created_at", "id", cur); err != nil {
		return nil, "", err
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries`+w.String()+` ORDER BY created_at DESC, id DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	out, err := collect(rows, scanDelivery)
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	out, next := page(out, p, func(d webhooks.Delivery) accord.Cursor { return timeCursor(d.CreatedAt, d.ID) })
	return out, next, nil
}

func scanAttempt(row interface{ Scan(...any) error }) (webhooks.Attempt, error) {
	var a webhooks.Attempt
	err := row.Scan(&a.DeliveryID, &a.N, &a.At, &a.Status, &a.Excerpt, &a.Error, &a.Millis)
	a.At = a.At.UTC()
	return a, err
}

func (s *Webhooks) Delivery(ctx context.Context, scope accord.Scope, id accord.ID) (webhooks.Logged, error) {
	var w where
	w.scope("org_id", scope)
	w.add("id = ?", id)
	d, err := oneRow(scanDelivery, s.db.sql.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries`+w.String(), w.args...), "delivery")
	if err != nil {
		return webhooks.Logged{}, err
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT delivery_id, n, at, status, excerpt, error, millis FROM webhook_attempts
		WHERE delivery_id = $1 ORDER BY n`, id)
	if err != nil {
		return webhooks.Logged{}, fmt.Errorf("delivery log: %w", err)
	}
	log, err := collect(rows, scanAttempt)
	if err != nil {
		return webhooks.Logged{}, fmt.Errorf("delivery log: %w", err)
	}
	return webhooks.Logged{Delivery: d, Log: log}, nil
}

// insertDelivery writes d and its job unless the subscription already has
// this event's delivery of this type; ok reports whether it was written.
func insertDelivery(ctx context.Context, tx *sql.Tx, d webhooks.Delivery) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (`+deliveryColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (subscription_id, audit_id, type) WHERE audit_id <> '' DO NOTHING`,
		d.ID, d.SubscriptionID, d.OrgID, d.EventOrgID, string(d.Type), d.AuditID, d.Body, d.State, d.Tries, d.Attempts,
		nullMicro(d.NextAt), micro(d.CreatedAt), nullMicro(d.DeliveredAt))
	if err != nil {
		return false, fmt.Errorf("insert delivery: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return false, nil
	}
	return true, setTimer(ctx, tx, d.OrgID, d.ID, webhooks.DeliverJob, d.CreatedAt, d.CreatedAt)
}

func (s *Webhooks) Queue(ctx context.Context, d webhooks.Delivery, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $2, tries = $3, next_at = NULL WHERE id = $1 AND org_id = $4`,
			d.ID, d.State, d.Tries, d.OrgID)
		if err != nil {
			return fmt.Errorf("queue delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := insertDelivery(ctx, tx, d); err != nil {
				return err
			}
		}
		return setTimer(ctx, tx, d.OrgID, d.ID, webhooks.DeliverJob, d.CreatedAt, d.CreatedAt)
	})
}

func (s *Webhooks) Fanout(ctx context.Context, org accord.ID, limit int, build func([]audit.Event, []webhooks.Subscription) []webhooks.Delivery) (bool, error) {
	more := false
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_cursors (org_id, seq) VALUES ($1, 0) ON CONFLICT (org_id) DO NOTHING`, org); err != nil {
			return fmt.Errorf("webhook cursor: %w", err)
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT seq FROM webhook_cursors WHERE org_id = $1`+s.db.forUpdate(), org).Scan(&seq); err != nil {
			return fmt.Errorf("webhook cursor: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, org, seq, limit+1)
		if err != nil {
			return fmt.Errorf("webhook events: %w", err)
		}
		evs, err := collect(rows, scanEvent)
		if err != nil {
			return fmt.Errorf("webhook events: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		if len(evs) > limit {
			evs, more = evs[:limit], true
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM webhook_subscriptions WHERE enabled AND (all_orgs OR org_id = $1)`, org)
		if err != nil {
			return fmt.Errorf("webhook subscriptions: %w", err)
		}
		subs, err := collect(rows, scanSubscription)
		if err != nil {
			return fmt.Errorf("webhook subscriptions: %w", err)
		}
		for _, d := range build(evs, subs) {
			if _, err := insertDelivery(ctx, tx, d); err != nil {
				return err
			}
		}
		last := evs[len(evs)-1]
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_cursors SET seq = $2 WHERE org_id = $1`, org, last.Seq); err != nil {
			return fmt.Errorf("webhook cursor: %w", err)
		}
		if more {
			return setTimer(ctx, tx, org, org, webhooks.FanoutJob, last.At, last.At)
		}
		return nil
	})
	return more, err
}

func (s *Webhooks) Record(ctx context.Context, id accord.ID, decide func(*webhooks.Delivery, *webhooks.Subscription) (webhooks.Outcome, error)) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		d, err := oneRow(scanDelivery, tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`+s.db.forChange(), id), "delivery")
		if err != nil {
			return err
		}
		sub, err := oneRow(scanSubscription, tx.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM webhook_subscriptions WHERE id = $1`+s.db.forChange(), d.SubscriptionID), "webhook")
		if err != nil {
			return err
		}
		o, err := decide(&d, &sub)
		if err != nil {
			return err
		}
		a := o.Attempt
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (delivery_id, n, org_id, at, status, excerpt, error, millis)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.ID, a.N, d.OrgID, micro(a.At), a.Status, a.Excerpt, a.Error, a.Millis); err != nil {
			return fmt.Errorf("delivery attempt: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $2, tries = $3, attempts = $4, next_at = $5, delivered_at = $6 WHERE id = $1`,
			d.ID, d.State, d.Tries, d.Attempts, nullMicro(d.NextAt), nullMicro(d.DeliveredAt)); err != nil {
			return fmt.Errorf("update delivery: %w", err)
		}
		if err := updateSubscription(ctx, tx, sub); err != nil {
			return err
		}
		// No next attempt (zero) removes the job.
		if err := setTimer(ctx, tx, d.OrgID, d.ID, webhooks.DeliverJob, o.Next, a.At); err != nil {
			return err
		}
		if o.Event != nil {
			return s.db.appendEvent(ctx, tx, *o.Event)
		}
		return nil
	})
}

var _ webhooks.Store = (*Webhooks)(nil)
