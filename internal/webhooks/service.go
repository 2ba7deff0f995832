package webhooks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
)

// Subscription is an endpoint subscribed to event types.
type Subscription struct {
	ID    accord.ID `json:"id"`
	OrgID accord.ID `json:"org_id"` // the owning organization
	// AllOrgs is set on the vendor's subscriptions: events of every
	// organization. A customer's receive their own organization's only.
	AllOrgs     bool      `json:"all_orgs"`
	URL         string    `json:"url"`
	Description string    `json:"description"`
	Types       []Type    `json:"types"`
	OwnerID     accord.ID `json:"owner_id"` // who is mailed when it is disabled
	Enabled     bool      `json:"enabled"`
	// DisabledReason says why failures disabled it; empty when enabled or
	// disabled by hand.
	DisabledReason string `json:"disabled_reason,omitempty"`
	// FailedDeliveries counts deliveries in a row that failed every attempt.
	FailedDeliveries int `json:"failed_deliveries"`
	// FailingSince is the first failed attempt after the last success.
	FailingSince *time.Time `json:"failing_since,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Secret       string     `json:"-"`
	// PrevSecret still signs, besides Secret, until PrevSecretUntil.
	PrevSecret      string     `json:"-"`
	PrevSecretUntil *time.Time `json:"prev_secret_until,omitempty"`
}

// Secrets are the secrets that sign at now: the current one, and the one
// rotated out within RotationGrace.
func (s Subscription) Secrets(now time.Time) []string {
	out := []string{s.Secret}
	if s.PrevSecret != "" && s.PrevSecretUntil != nil && now.Before(*s.PrevSecretUntil) {
		out = append(out, s.PrevSecret)
	}
	return out
}

// Wants reports whether s receives events of type t of organization org.
func (s Subscription) Wants(t Type, org accord.ID) bool {
	return s.Enabled && slices.Contains(s.Types, t) && (s.AllOrgs || s.OrgID == org)
}

// WithSecret is a subscription with its secret, answered only when the
// secret is made: at creation and rotation.
type WithSecret struct {
	Subscription
	Secret string `json:"secret"`
}

// The states of a delivery.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Failed    = "failed"
)

// Delivery is one event to send to one subscription: its id is the
// message id receivers see (webhook-id), the same on every attempt.
type Delivery struct {
	ID             accord.ID  `json:"id"`
	SubscriptionID accord.ID  `json:"subscription_id"`
	OrgID          accord.ID  `json:"org_id"`       // the subscription's
	EventOrgID     accord.ID  `json:"event_org_id"` // whose event it is
	Type           Type       `json:"type"`
	AuditID        accord.ID  `json:"audit_id,omitempty"`
	Body           string     `json:"body"`
	State          string     `json:"state"`
	Tries          int        `json:"tries"`    // attempts since it was (re)queued
	Attempts       int        `json:"attempts"` // all attempts
	NextAt         *time.Time `json:"next_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
}

// Attempt is one try to deliver, as the log shows it.
type Attempt struct {
	DeliveryID accord.ID `json:"delivery_id"`
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	Status     int       `json:"status"` // 0: no response
	Excerpt    string    `json:"excerpt"`
	Error      string    `json:"error"`
	Millis     int64     `json:"millis"`
}

// Ok reports whether the receiver took the message (any 2xx).
func (a Attempt) Ok() bool { return a.Error == "" && a.Status >= 200 && a.Status < 300 }

// Logged is a delivery with its attempts, oldest first.
type Logged struct {
	Delivery
	Log []Attempt `json:"log"`
}

// Outcome is what Record writes after an attempt.
type Outcome struct {
	Attempt Attempt
	// Next is when the next attempt runs; zero when there is none.
	Next  time.Time
	Event *audit.Event // the subscription was disabled
}

// Store keeps subscriptions and deliveries. Reads are limited to scope:
// a subscription or delivery outside it is NotFound.
type Store interface {
	List(ctx context.Context, scope accord.Scope) ([]Subscription, error)
	Get(ctx context.Context, scope accord.Scope, id accord.ID) (Subscription, error)
	Create(ctx context.Context, s Subscription, ev audit.Event) error
	Update(ctx context.Context, s Subscription, ev audit.Event) error
	// Delete removes s with its deliveries, their log and their jobs.
	Delete(ctx context.Context, s Subscription, ev audit.Event) error
	// Deliveries lists a subscription's deliveries, newest first.
	Deliveries(ctx context.Context, scope accord.Scope, subID accord.ID, p accord.Page) ([]Delivery, string, error)
	Delivery(ctx context.Context, scope accord.Scope, id accord.ID) (Logged, error)
	// Queue writes d as pending with its job due at d.CreatedAt (a test
	// message, or a redelivery of an existing d: Tries back to 0), with ev.
	Queue(ctx context.Context, d Delivery, ev audit.Event) error
	// Fanout reads up to limit events of org's chain after the cursor and
	// the enabled subscriptions that may receive them; make turns them into
	// deliveries, written (once per subscription, event and type) with
	// their jobs as the cursor moves past the events, in one transaction.
	// more reports that events remain.
	Fanout(ctx context.Context, org accord.ID, limit int, make func([]audit.Event, []Subscription) []Delivery) (more bool, err error)
	// Record locks delivery id and its subscription, lets decide say what
	// an attempt changed, and writes it: the attempt, the delivery, the
	// subscription, the next attempt's job, the event.
	Record(ctx context.Context, id accord.ID, decide func(*Delivery, *Subscription) (Outcome, error)) error
}

// Response is what the sender got.
type Response struct {
	Status  int
	Excerpt string // the start of the body
	Err     error  // refused, unreachable, timed out
}

// Sender sends one signed message; the transport refuses internal
// addresses at every connection. Check resolves an endpoint's host when it
// is subscribed and refuses it if it points inside; a name that does not
// resolve yet passes, as every connection is checked anyway.
type Sender interface {
	Send(ctx context.Context, url string, header map[string]string, body []byte) Response
	Check(ctx context.Context, url string) error
}

// Service keeps subscriptions and delivers.
type Service struct {
	store   Store
	send    Sender
	allow   Allow
	observe func(outcome string, disabled bool)
}

// ObserveAttempts has f told of every attempt recorded: its outcome
// (Delivered, "retry", or Failed when it was the last) and whether it
// disabled the subscription (for metrics).
func (s *Service) ObserveAttempts(f func(outcome string, disabled bool)) { s.observe = f }

// NewService returns a service over store that sends through send and lets
// subscriptions reach the hosts of allow.
func NewService(store Store, send Sender, allow Allow) *Service {
	return &Service{store: store, send: send, allow: allow}
}

// admin returns the acting administrator and the scope of subscriptions
// it keeps: the vendor's administrators keep every organization's, a
// customer's administrator its own organization's.
func admin(ctx context.Context, op string) (accord.Actor, accord.Scope, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, accord.Scope{}, err
	}
	switch {
	case a.Role == accord.RoleAdmin && a.IsVendor():
		return a, accord.Scope{All: true}, nil
	case a.Role == accord.RoleCustomerContact && a.CustomerAdmin && a.OrgID != "":
		return a, accord.OnlyOrg(a.OrgID), nil
	}
	return a, accord.Scope{}, &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "webhooks are kept by administrators"}
}

// Input is what Create and Update take; on Update, absent fields stay.
type Input struct {
	URL         *string `json:"url"`
	Description *string `json:"description"`
	Types       *[]Type `json:"types"`
	Enabled     *bool   `json:"enabled"`
}

func (s *Service) apply(ctx context.Context, in Input, sub *Subscription, ch *audit.Changes) error {
	var ps []accord.Problem
	if in.URL != nil {
		if _, err := CheckURL(strings.TrimSpace(*in.URL), s.allow); err != nil {
			ps = append(ps, accord.Problem{Field: "url", Msg: accord.Public(err).Msg})
		} else if err := s.send.Check(ctx, strings.TrimSpace(*in.URL)); err != nil {
			ps = append(ps, accord.Problem{Field: "url", Msg: "resolves to an internal address (loopback, private, link-local or metadata)"})
		} else {
			ch.Add("url", sub.URL, strings.TrimSpace(*in.URL))
			sub.URL = strings.TrimSpace(*in.URL)
		}
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if accord.TextProblem(d) != "" || utf8.RuneCountInString(d) > 200 {
			ps = append(ps, accord.Problem{Field: "description", Msg: "at most 200 characters of text"})
		} else {
			ch.Add("description", sub.Description, d)
			sub.Description = d
		}
	}
	if in.Types != nil {
		var ts []Type
		for _, t := range *in.Types {
			if !slices.Contains(Types, t) {
				ps = append(ps, accord.Problem{Field: "types", Msg: fmt.Sprintf("%q is not an event type", t)})
			} else if !slices.Contains(ts, t) {
				ts = append(ts, t)
			}
		}
		if len(ts) == 0 && len(ps) == 0 {
			ps = append(ps, accord.Problem{Field: "types", Msg: "name at least one event type"})
		}
		slices.Sort(ts)
		ch.Add("types", sub.Types, ts)
		sub.Types = ts
	}
	if in.Enabled != nil {
		ch.Add("enabled", sub.Enabled, *in.Enabled)
		if *in.Enabled && !sub.Enabled {
			sub.DisabledReason, sub.FailedDeliveries, sub.FailingSince = "", 0, nil
		}
		sub.Enabled = *in.Enabled
	}
	return accord.InvalidFields("webhooks", ps)
}

// List lists the subscriptions the acting administrator keeps.
func (s *Service) List(ctx context.Context) ([]Subscription, error) {
	const op = "webhooks.List"
	_, scope, err := admin(ctx, op)
	if err != nil {
		return nil, err
	}
	l, err := s.store.List(ctx, scope)
	return l, accord.Wrap(op, err)
}

// Get returns one subscription the acting administrator keeps.
func (s *Service) Get(ctx context.Context, id accord.ID) (Subscription, error) {
	const op = "webhooks.Get"
	_, scope, err := admin(ctx, op)
	if err != nil {
		return Subscription{}, err
	}
	sub, err := s.store.Get(ctx, scope, id)
	return sub, accord.Wrap(op, err)
}

// Create subscribes an endpoint for the acting administrator's
// organization (every organization's events for the vendor's) and answers
// its secret, once.
func (s *Service) Create(ctx context.Context, now time.Time, in Input) (WithSecret, error) {
	const op = "webhooks.Create"
	a, _, err := admin(ctx, op)
	if err != nil {
		return WithSecret{}, err
	}
	if in.URL == nil {
		return WithSecret{}, accord.FieldError("url", "is required")
	}
	if in.Types == nil {
		return WithSecret{}, accord.FieldError("types", "is required")
	}
	sub := Subscription{ID: accord.NewID("whk"), OrgID: a.OrgID, AllOrgs: a.IsVendor(), OwnerID: a.UserID, Enabled: true,
		Secret: NewSecret(), CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	if in.Enabled == nil {
		in.Enabled = &sub.Enabled
	}
	var ch audit.Changes
	if err := s.apply(ctx, in, &sub, &ch); err != nil {
		return WithSecret{}, accord.Wrap(op, err)
	}
	ch.Secret("secret")
	if err := s.store.Create(ctx, sub, audit.New(a, now, sub.OrgID, "webhook.create", "webhook", sub.ID, ch)); err != nil {
		return WithSecret{}, accord.Wrap(op, err)
	}
	return WithSecret{Subscription: sub, Secret: sub.Secret}, nil
}

// Update changes a subscription; enabling it again clears its failures.
func (s *Service) Update(ctx context.Context, now time.Time, id accord.ID, in Input) (Subscription, error) {
	const op = "webhooks.Update"
	a, scope, err := admin(ctx, op)
	if err != nil {
		return Subscription{}, err
	}
	sub, err := s.store.Get(ctx, scope, id)
	if err != nil {
		return Subscription{}, accord.Wrap(op, err)
	}
	var ch audit.Changes
	if err := s.apply(ctx, in, &sub, &ch); err != nil {
		return Subscription{}, accord.Wrap(op, err)
	}
	if len(ch) == 0 {
		return sub, nil
	}
	sub.UpdatedAt = now.UTC()
	err = s.store.Update(ctx, sub, audit.New(a, now, sub.OrgID, "webhook.update", "webhook", sub.ID, ch))
	return sub, accord.Wrap(op, err)
}

// Delete removes a subscription with its log.
func (s *Service) Delete(ctx context.Context, now time.Time, id accord.ID) error {
	const op = "webhooks.Delete"
	a, scope, err := admin(ctx, op)
	if err != nil {
		return err
	}
	sub, err := s.store.Get(ctx, scope, id)
	if err != nil {
		return accord.Wrap(op, err)
	}
	ev := audit.New(a, now, sub.OrgID, "webhook.delete", "webhook", sub.ID, []audit.Change{{Field: "url", Before: sub.URL}})
	return accord.Wrap(op, s.store.Delete(ctx, sub, ev))
}

// RotateSecret makes a new secret; the old one keeps signing, besides it,
// for RotationGrace, so that receivers can switch without losing messages.
func (s *Service) RotateSecret(ctx context.Context, now time.Time, id accord.ID) (WithSecret, error) {
	const op = "webhooks.RotateSecret"
	a, scope, err := admin(ctx, op)
	if err != nil {
		return WithSecret{}, err
	}
	sub, err := s.store.Get(ctx, scope, id)
	if err != nil {
		return WithSecret{}, accord.Wrap(op, err)
	}
	until := now.UTC().Add(RotationGrace)
	sub.PrevSecret, sub.PrevSecretUntil, sub.Secret, sub.UpdatedAt = sub.Secret, &until, NewSecret(), now.UTC()
	var ch audit.Changes
	ch.Secret("secret")
	ch.Add("prev_secret_until", nil, until)
	if err := s.store.Update(ctx, sub, audit.New(a, now, sub.OrgID, "webhook.rotate_secret", "webhook", sub.ID, ch)); err != nil {
		return WithSecret{}, accord.Wrap(op, err)
	}
	return WithSecret{Subscription: sub, Secret: sub.Secret}, nil
}

// Deliveries lists a subscription's deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, id accord.ID, p accord.Page) ([]Delivery, string, error) {
	const op = "webhooks.Deliveries"
	_, scope, err := admin(ctx, op)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.store.Get(ctx, scope, id); err != nil {
		return nil, "", accord.Wrap(op, err)
	}
	l, next, err := s.store.Deliveries(ctx, scope, id, p)
	return l, next, accord.Wrap(op, err)
}

// Delivery returns one delivery of a subscription with its log.
func (s *Service) Delivery(ctx context.Context, id, did accord.ID) (Logged, error) {
	const op = "webhooks.Delivery"
	_, scope, err := admin(ctx, op)
	if err != nil {
		return Logged{}, err
	}
	d, err := s.store.Delivery(ctx, scope, did)
	if err == nil && d.SubscriptionID != id {
		err = &accord.Error{Kind: accord.NotFound, Msg: "delivery not found"}
	}
	return d, accord.Wrap(op, err)
}

// Redeliver queues a delivery again, now, with a fresh series of
// attempts; its log keeps the earlier ones.
func (s *Service) Redeliver(ctx context.Context, now time.Time, id, did accord.ID) (Delivery, error) {
	const op = "webhooks.Redeliver"
	a, _, err := admin(ctx, op)
	if err != nil {
		return Delivery{}, err
	}
	l, err := s.Delivery(ctx, id, did)
	if err != nil {
		return Delivery{}, err
	}
	d := l.Delivery
	d.State, d.Tries, d.NextAt, d.CreatedAt = Pending, 0, nil, now.UTC()
	ev := audit.New(a, now, d.OrgID, "webhook.redeliver", "webhook", d.SubscriptionID, []audit.Change{{Field: "delivery", After: d.ID}})
	return d, accord.Wrap(op, s.store.Queue(ctx, d, ev))
}

// Test queues a webhook.test message to the subscription, delivered like
// any other.
func (s *Service) Test(ctx context.Context, now time.Time, id accord.ID) (Delivery, error) {
	const op = "webhooks.Test"
	a, scope, err := admin(ctx, op)
	if err != nil {
		return Delivery{}, err
	}
	sub, err := s.store.Get(ctx, scope, id)
	if err != nil {
		return Delivery{}, accord.Wrap(op, err)
	}
	ev := audit.New(a, now, sub.OrgID, "webhook.test", "webhook", sub.ID, nil)
	d := Delivery{ID: accord.NewID("msg"), SubscriptionID: sub.ID, OrgID: sub.OrgID, EventOrgID: sub.OrgID, Type: Ping,
		State: Pending, CreatedAt: now.UTC()}
	d.Body = string(Body(d.ID, Ping, audit.Event{OrgID: sub.OrgID, At: now, Action: "webhook.test", EntityType: "webhook", EntityID: sub.ID, ID: ev.ID, ActorName: a.Name}))
	return d, accord.Wrap(op, s.store.Queue(ctx, d, ev))
}

// FanoutBatch is how many audit events one fan-out reads.
const FanoutBatch = 200

// Fanout turns org's new audit events into deliveries to the
// subscriptions that want them (run by FanoutJob). Subscriptions receive
// events recorded after they were made. more asks for another run.
func (s *Service) Fanout(ctx context.Context, org accord.ID) (more bool, err error) {
	more, err = s.store.Fanout(ctx, org, FanoutBatch, func(evs []audit.Event, subs []Subscription) []Delivery {
		var out []Delivery
		for _, ev := range evs {
			for _, t := range TypesOf(ev) {
				for _, sub := range subs {
					if !sub.Wants(t, ev.OrgID) || ev.At.Before(sub.CreatedAt) {
						continue
					}
					d := Delivery{ID: accord.NewID("msg"), SubscriptionID: sub.ID, OrgID: sub.OrgID, EventOrgID: ev.OrgID, Type: t,
						AuditID: ev.ID, State: Pending, CreatedAt: ev.At.UTC()}
					d.Body = string(Body(d.ID, t, ev))
					out = append(out, d)
				}
			}
		}
		return out
	})
	return more, accord.Wrap("webhooks.Fanout", err)
}

// Disabled is a subscription that Deliver disabled: its owner is told.
type Disabled struct {
	Subscription Subscription
	Reason       string
}

// Deliver makes one attempt of delivery id (run by DeliverJob): signs the
// body with the subscription's secrets, sends it, logs the attempt and
// schedules the next one on Retry's schedule. A delivery that failed every
// attempt counts against its subscription, which is disabled after
// MaxFailedDeliveries such deliveries in a row or FailingFor without
// success; then disabled names it. A failed attempt is not an error of the
// job: the schedule is the delivery's own.
func (s *Service) Deliver(ctx context.Context, now time.Time, id accord.ID) (disabled *Disabled, err error) {
	const op = "webhooks.Deliver"
	d, err := s.store.Delivery(ctx, accord.Scope{All: true}, id)
	if accord.IsKind(err, accord.NotFound) {
		return nil, nil // deleted with its subscription
	} else if err != nil {
		return nil, accord.Wrap(op, err)
	}
	sub, err := s.store.Get(ctx, accord.Scope{All: true}, d.SubscriptionID)
	if err != nil {
		return nil, accord.Wrap(op, err)
	}
	if d.State != Pending || !sub.Enabled {
		return nil, nil
	}
	var resp Response
	start := time.Now()
	if _, err := CheckURL(sub.URL, s.allow); err != nil {
		resp.Err = err
	} else if sig, err := Sign(sub.Secrets(now), string(d.ID), now, []byte(d.Body)); err != nil {
		resp.Err = err
	} else {
		resp = s.send.Send(ctx, sub.URL, map[string]string{
			"webhook-id": string(d.ID), "webhook-timestamp": fmt.Sprint(now.Unix()), "webhook-signature": sig,
			"content-type": "application/json", "user-agent": "Accord-Webhooks/1",
		}, []byte(d.Body))
	}
	outcome := "retry"
	err = s.store.Record(ctx, id, func(d *Delivery, sub *Subscription) (Outcome, error) {
		if d.State != Pending {
			return Outcome{}, errSettled
		}
		d.Tries++
		d.Attempts++
		o := Outcome{Attempt: Attempt{DeliveryID: d.ID, N: d.Attempts, At: now.UTC(), Status: resp.Status, Excerpt: excerpt(resp.Excerpt),
			Millis: time.Since(start).Milliseconds()}}
		if resp.Err != nil {
			o.Attempt.Error = excerpt(resp.Err.Error())
		} else if !o.Attempt.Ok() {
			o.Attempt.Error = fmt.Sprintf("the receiver answered %d", resp.Status)
		}
		d.NextAt = nil
		if o.Attempt.Ok() {
			d.State, d.DeliveredAt, outcome = Delivered, &o.Attempt.At, Delivered
			sub.FailedDeliveries, sub.FailingSince = 0, nil
			return o, nil
		}
		if sub.FailingSince == nil {
			sub.FailingSince = &o.Attempt.At
		}
		if d.Tries < Attempts {
			o.Next = now.UTC().Add(Retry[d.Tries-1])
			d.NextAt = &o.Next
		} else {
			d.State, outcome = Failed, Failed
			sub.FailedDeliveries++
		}
		reason := ""
		switch {
		case !sub.Enabled:
		case sub.FailedDeliveries >= MaxFailedDeliveries:
			reason = fmt.Sprintf("%d deliveries in a row failed every attempt", sub.FailedDeliveries)
		case now.Sub(*sub.FailingSince) >= FailingFor:
			reason = fmt.Sprintf("no delivery succeeded since %s", sub.FailingSince.Format(time.RFC3339))
		}
		if reason != "" {
			sub.Enabled, sub.DisabledReason, sub.UpdatedAt = false, reason, now.UTC()
			ev := audit.New(accord.SystemActor("webhooks"), now, sub.OrgID, "webhook.disable", "webhook", sub.ID,
				[]audit.Change{{Field: "enabled", Before: true, After: false}, {Field: "disabled_reason", Before: "", After: reason}})
			o.Event = &ev
			disabled = &Disabled{Subscription: *sub, Reason: reason}
		}
		return o, nil
	})
	if err == errSettled {
		return nil, nil
	}
	if err == nil && s.observe != nil {
		s.observe(outcome, disabled != nil)
	}
	return disabled, accord.Wrap(op, err)
}

var errSettled = fmt.Errorf("webhooks: delivery settled meanwhile")

// excerpt keeps the start of a receiver's answer for the log.
func excerpt(s string) string {
	const max = 200
	s = strings.ToValidUTF8(s, "?")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}
