package siem

import (
	"context"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// Config tunes delivery; zero values take the defaults.
type Config struct {
	// Poll is how long a receiver that caught up waits before it looks
	// for new events: 5 s.
	Poll time.Duration
	// Batch is how many events one attempt reads: 200.
	Batch int
}

// Service manages receivers and delivers their events.
type Service struct {
	store     Store
	transport Transport
	cfg       Config
}

// NewService returns a service over store sending through transport.
func NewService(store Store, transport Transport, cfg Config) *Service {
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 200
	}
	return &Service{store: store, transport: transport, cfg: cfg}
}

// access is what an actor may do with receivers: read within scope, and
// write when manage is set. Vendor administrators manage every receiver
// and auditors read them; a customer's administrator manages its own
// organization's; everyone else is refused, like for the audit trail.
func access(ctx context.Context, op string) (a accord.Actor, scope accord.Scope, manage bool, err error) {
	a, err = accord.ActorFrom(ctx)
	if err != nil {
		return a, scope, false, err
	}
	switch {
	case a.System, a.Role == accord.RoleAdmin:
		return a, accord.Scope{All: true}, true, nil
	case a.Role == accord.RoleAuditor:
		return a, accord.Scope{All: true}, false, nil
	case a.Role == accord.RoleCustomerContact && a.CustomerAdmin:
		return a, accord.OnlyOrg(a.OrgID), true, nil
	}
	return a, scope, false, &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "only administrators manage SIEM receivers"}
}

func mustManage(ctx context.Context, op string) (accord.Actor, accord.Scope, error) {
	a, scope, manage, err := access(ctx, op)
	if err == nil && !manage {
		err = &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "auditors read SIEM receivers but do not change them"}
	}
	return a, scope, err
}

// List returns the receivers the actor may read, by organization and name.
func (s *Service) List(ctx context.Context) ([]Receiver, error) {
	_, scope, _, err := access(ctx, "siem.List")
	if err != nil {
		return nil, err
	}
	return s.store.ListReceivers(ctx, scope)
}

// Get returns one receiver; another organization's is NotFound.
func (s *Service) Get(ctx context.Context, id accord.ID) (Receiver, error) {
	_, scope, _, err := access(ctx, "siem.Get")
	if err != nil {
		return Receiver{}, err
	}
	return s.store.GetReceiver(ctx, scope, id)
}

// Create adds a receiver, enabled unless in says otherwise. A vendor
// administrator's receiver reads every chain unless in.OrgID names
// another organization; a customer administrator's reads its own.
func (s *Service) Create(ctx context.Context, now time.Time, in Input) (Receiver, error) {
	const op = "siem.Create"
	a, scope, err := mustManage(ctx, op)
	if err != nil {
		return Receiver{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	org := a.OrgID
	if in.OrgID != nil && *in.OrgID != "" {
		org = *in.OrgID
	}
	if org == "" || !scope.Allows(org) {
		return Receiver{}, accord.FieldError("org_id", "must be your own organization")
	}
	r := Receiver{ID: accord.NewID("siem"), OrgID: org, AllOrgs: a.IsVendor() && org == a.OrgID, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(&r); err != nil {
		return Receiver{}, err
	}
	ev := audit.New(a, now, r.OrgID, "siem.receiver.create", "siem_receiver", r.ID, changes(Receiver{}, r))
	if err := s.store.CreateReceiver(ctx, r, ev); err != nil {
		return Receiver{}, accord.Wrap(op, err)
	}
	return s.store.GetReceiver(ctx, scope, r.ID)
}

// Update changes a receiver's settings. Re-enabling one resumes from its
// cursors: what happened meanwhile is delivered, not skipped.
func (s *Service) Update(ctx context.Context, now time.Time, id accord.ID, in Input) (Receiver, error) {
	const op = "siem.Update"
	a, scope, err := mustManage(ctx, op)
	if err != nil {
		return Receiver{}, err
	}
	if in.OrgID != nil {
		return Receiver{}, accord.FieldError("org_id", "cannot change; create a receiver for the other organization")
	}
	now = now.UTC().Truncate(time.Microsecond)
	return s.store.UpdateReceiver(ctx, scope, id, func(old Receiver) (Receiver, audit.Event, error) {
		r := old
		if err := in.apply(&r); err != nil {
			return r, audit.Event{}, err
		}
		r.UpdatedAt = now
		return r, audit.New(a, now, r.OrgID, "siem.receiver.update", "siem_receiver", r.ID, changes(old, r)), nil
	})
}

// Delete removes a receiver; its cursors go with it.
func (s *Service) Delete(ctx context.Context, now time.Time, id accord.ID) error {
	a, scope, err := mustManage(ctx, "siem.Delete")
	if err != nil {
		return err
	}
	return s.store.DeleteReceiver(ctx, scope, id, func(r Receiver) audit.Event {
		return audit.New(a, now, r.OrgID, "siem.receiver.delete", "siem_receiver", r.ID, changes(r, Receiver{}))
	})
}

// TestResult is the outcome of sending a test event.
type TestResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// Test sends one event of action "siem.test" that belongs to no chain
// (seq 0) to the receiver, now, whether or not it is enabled.
func (s *Service) Test(ctx context.Context, now time.Time, id accord.ID) (TestResult, error) {
	a, scope, err := mustManage(ctx, "siem.Test")
	if err != nil {
		return TestResult{}, err
	}
	r, err := s.store.GetReceiver(ctx, scope, id)
	if err != nil {
		return TestResult{}, err
	}
	ev := audit.New(a, now, r.OrgID, "siem.test", "siem_receiver", r.ID, nil)
	if err := s.transport.Send(ctx, r, []audit.Event{ev}); err != nil {
		return TestResult{Error: err.Error()}, nil
	}
	return TestResult{OK: true}, nil
}

// changes lists what differs between two versions of a receiver; the
// authorization header is a secret and the CA only says it changed.
func changes(a, b Receiver) audit.Changes {
	var c audit.Changes
	c.Add("name", a.Name, b.Name)
	c.Add("protocol", string(a.Protocol), string(b.Protocol))
	c.Add("address", a.Address, b.Address)
	if a.CAPEM != b.CAPEM {
		c.Add("ca_pem", a.CAPEM != "", b.CAPEM != "")
		if a.CAPEM != "" && b.CAPEM != "" {
			c.Secret("ca_pem")
		}
	}
	if a.Authorization != b.Authorization {
		c.Secret("authorization")
	}
	c.Add("actions", a.Actions, b.Actions)
	c.Add("enabled", a.Enabled, b.Enabled)
	return c
}

// Deliver is DeliverJob: it sends the receiver's next events and advances
// its cursors, or records the failure and retries later with backoff.
// It always schedules the receiver's next run itself (while enabled), so
// that a receiver never gives up, however long its SIEM is down.
func (s *Service) Deliver(ctx context.Context, now time.Time, id accord.ID) error {
	r, err := s.store.GetReceiver(ctx, accord.Scope{All: true}, id)
	if accord.IsKind(err, accord.NotFound) {
		return nil // deleted since the job was set
	}
	if err != nil {
		return err
	}
	if !r.Enabled {
		return nil
	}
	b, err := s.store.Pending(ctx, r, s.cfg.Batch)
	if err != nil {
		return err
	}
	var send []audit.Event
	to := map[accord.ID]int64{}
	for _, e := range b.Events {
		if r.Wants(e.Action) {
			send = append(send, e)
		}
		to[e.OrgID] = e.Seq
	}
	if len(send) > 0 {
		if err := s.transport.Send(ctx, r, send); err != nil {
			next := now.Add(Backoff(r.Status.Failures + 1))
			if ferr := s.store.Fail(ctx, r.ID, now, err.Error(), next); ferr != nil {
				return ferr
			}
			return err
		}
	}
	next := now.Add(s.cfg.Poll)
	if len(b.Events) == s.cfg.Batch {
		next = now // more are waiting
	}
	return s.store.Advance(ctx, r.ID, Progress{From: b.From, To: to, Sent: len(send), At: now, Next: next})
}

// Backoff is the wait after the nth consecutive failure: 10 s doubling to
// at most 10 minutes, so that a receiver back from an outage catches up
// soon, and retries go on for as long as the outage lasts.
func Backoff(n int) time.Duration {
	return min(10*time.Second<<min(max(n-1, 0), 10), 10*time.Minute)
}
