package cases

import (
	"context"
	"fmt"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/businesstime"
	"accord/internal/sla"
)

// InternalStatus is where an internal target stands.
type InternalStatus string

const (
	InternalRunning InternalStatus = "running"
	InternalPaused  InternalStatus = "paused"
	InternalMet     InternalStatus = "met"
	InternalOverdue InternalStatus = "overdue"
)

// InternalClock is one of a case's internal targets (next reply,
// resolution): the vendor's operational levels, for its staff only. It is
// computed when read, from the case's stored facts, and never enters the
// SLA report.
type InternalClock struct {
	Kind   sla.InternalKind `json:"kind"`
	Clock  string           `json:"clock"` // sla.Clock24x7 or a calendar
	Target sla.Duration     `json:"target"`
	// StartsAt is the customer's message (next reply) or the receipt
	// (resolution).
	StartsAt time.Time `json:"starts_at"`
	// DueAt and WarnAt are nil while the case awaits the customer: the
	// time left is frozen.
	DueAt  *time.Time `json:"due_at,omitempty"`
	WarnAt *time.Time `json:"warn_at,omitempty"`
	// StoppedAt is the agent's reply or the resolution that met (or
	// missed) the target.
	StoppedAt *time.Time     `json:"stopped_at,omitempty"`
	Status    InternalStatus `json:"status"`
	// Margin is the real time left (running), to spare (met), or by which
	// the target was missed (overdue, negative).
	Margin sla.Duration `json:"margin"`
	Why    []string     `json:"why"`
}

// Message is a public message of a case: its opening or a public reply,
// by the customer's people or not.
type Message struct {
	At         time.Time
	ByCustomer bool
}

// messagesOf picks c's public messages out of its timeline, oldest first.
func messagesOf(c Case, entries []Entry) []Message {
	var out []Message
	for _, e := range entries {
		if (e.Kind == Opened || e.Kind == Reply) && !e.Internal {
			out = append(out, Message{At: e.At, ByCustomer: e.AuthorOrg != "" && e.AuthorOrg == c.OrgID})
		}
	}
	return out
}

// nextReplyCycle finds the customer message the next-reply target counts
// from, and the agent reply that answered it, if any: the customer's
// latest public message after the first response (before it, the
// first-response target is the one that counts).
func nextReplyCycle(c Case, msgs []Message) (from time.Time, answered *time.Time, ok bool) {
	if c.Clock.RespondedAt == nil {
		return time.Time{}, nil, false
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if !m.At.After(*c.Clock.RespondedAt) {
			return time.Time{}, nil, false
		}
		if !m.ByCustomer {
			continue
		}
		for _, r := range msgs[i+1:] {
			if !r.ByCustomer {
				at := r.At
				return m.At, &at, true
			}
		}
		return m.At, nil, true
	}
	return time.Time{}, nil, false
}

// InternalClocks are c's internal targets at now under pol (the version
// the case was opened under), given its public messages: none for a case
// without a response clock or whose plan sets none.
func InternalClocks(pol *sla.Policy, c Case, msgs []Message, now time.Time) ([]InternalClock, error) {
	if c.Clock.Kind == "" {
		return nil, nil
	}
	var out []InternalClock
	if from, answered, ok := nextReplyCycle(c, msgs); ok {
		k, found, err := internalClock(pol, c, sla.NextReply, from, answered, now)
		if err != nil {
			return nil, err
		}
		if found {
			k.Why = append([]string{fmt.Sprintf("The customer wrote at %s; the next public reply was due within the internal target.", pol.Local(k.Clock, from))}, k.Why...)
			out = append(out, k)
		}
	}
	k, found, err := internalClock(pol, c, sla.Resolution, c.Clock.ReceivedAt, c.ResolvedAt, now)
	if err != nil {
		return nil, err
	}
	if found {
		k.Why = append([]string{fmt.Sprintf("The case was received at %s; its resolution counts from then.", pol.Local(k.Clock, c.Clock.ReceivedAt))}, k.Why...)
		out = append(out, k)
	}
	return out, nil
}

// internalClock counts the target kind of c's plan and criticality from
// start to stop (nil: not yet), outside the case's pauses, with the
// policy's one due-time computation.
func internalClock(pol *sla.Policy, c Case, kind sla.InternalKind, start time.Time, stop *time.Time, now time.Time) (InternalClock, bool, error) {
	end := now
	if stop != nil {
		end = *stop
	}
	r, ok, err := pol.InternalDue(c.Clock.Plan, c.Criticality, kind, start, pausesBetween(c.Pauses, start, end))
	if err != nil || !ok {
		return InternalClock{}, ok, err
	}
	k := InternalClock{Kind: kind, Clock: r.Clock, Target: r.Target, StartsAt: start, StoppedAt: stop, Why: r.Explanation}
	at := func(t time.Time) string { return pol.Local(k.Clock, t) }
	paused := stop == nil && c.Clock.PausedSince != nil && !c.Clock.PausedSince.Before(start)
	if !paused {
		k.DueAt, k.WarnAt = &r.DueAt, &r.WarnAt
	}
	switch {
	case stop != nil && stop.Before(r.DueAt):
		k.Status, k.Margin = InternalMet, sla.Duration(r.DueAt.Sub(*stop).Round(time.Second))
		k.Why = append(k.Why, fmt.Sprintf("Stopped at %s: met, %s before the internal due time.", at(*stop), round(r.DueAt.Sub(*stop))))
	case stop != nil:
		k.Status, k.Margin = InternalOverdue, sla.Duration(r.DueAt.Sub(*stop).Round(time.Second))
		k.Why = append(k.Why, fmt.Sprintf("Stopped at %s: %s after the internal due time.", at(*stop), round(stop.Sub(r.DueAt))))
	case paused:
		k.Status = InternalPaused
		k.Why = append(k.Why, fmt.Sprintf("Paused since %s, waiting for the customer's answer.", at(*c.Clock.PausedSince)))
	case !now.Before(r.DueAt):
		k.Status, k.Margin = InternalOverdue, sla.Duration(r.DueAt.Sub(now).Round(time.Second))
		k.Why = append(k.Why, fmt.Sprintf("Overdue by %s at %s.", round(now.Sub(r.DueAt)), at(now)))
	default:
		k.Status, k.Margin = InternalRunning, sla.Duration(r.DueAt.Sub(now).Round(time.Second))
		k.Why = append(k.Why, fmt.Sprintf("%s of real time left until the internal due time.", round(r.DueAt.Sub(now))))
	}
	return k, true, nil
}

// pausesBetween returns the pauses as intervals, cut to [start, end]; an
// open pause runs to end.
func pausesBetween(ps []Pause, start, end time.Time) []businesstime.Interval {
	var out []businesstime.Interval
	for _, p := range ps {
		to := end
		if p.To != nil && p.To.Before(end) {
			to = *p.To
		}
		from := p.From
		if from.Before(start) {
			from = start
		}
		if from.Before(to) {
			out = append(out, businesstime.Interval{From: from, To: to})
		}
	}
	return out
}

// Internal returns the internal targets of a case for vendor staff and
// agents; others are Forbidden, as the targets are the vendor's own.
func (s *Service) Internal(ctx context.Context, now time.Time, id accord.ID) ([]InternalClock, error) {
	const op = "cases.Internal"
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, err
	}
	if !isAgent(a) && !a.IsVendor() {
		return nil, forbidden(op, "internal targets are for the vendor's staff")
	}
	c, err := s.store.Get(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	pol, err := s.policies.Version(ctx, c.Clock.PolicyVersion)
	if err != nil {
		return nil, accord.Wrap(op, err)
	}
	if !pol.HasInternal() {
		return nil, nil
	}
	entries, err := s.store.Entries(ctx, scope, id, false)
	if err != nil {
		return nil, err
	}
	out, err := InternalClocks(pol, c, messagesOf(c, entries), now.UTC().Truncate(time.Second))
	return out, accord.Wrap(op, err)
}

// InternalFor returns the internal targets of listed cases (a queue's),
// by case, for vendor staff and agents; nothing for others. Only the cases
// whose policy version sets internal targets are read again, with their
// pauses and messages.
func (s *Service) InternalFor(ctx context.Context, now time.Time, list []Case) (map[accord.ID][]InternalClock, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil || (!isAgent(a) && !a.IsVendor()) {
		return nil, err
	}
	out := map[accord.ID][]InternalClock{}
	for _, c := range list {
		pol, err := s.policies.Version(ctx, c.Clock.PolicyVersion)
		if err != nil {
			return nil, accord.Wrap("cases.InternalFor", err)
		}
		if !pol.HasInternal() || c.Clock.Kind == "" {
			continue
		}
		if out[c.ID], err = s.Internal(ctx, now, c.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Span is the margin's size in real time: left, to spare, or late by.
func (k InternalClock) Span() time.Duration { return time.Duration(k.Margin).Abs() }

// internalTimers sets c's InternalTimer when a change starts an internal
// target: the opening (resolution) and a customer's public reply after the
// first response (next reply), given the change's new entries. It is set
// to the earliest warning instant still ahead; firing it records what is
// due and sets it for the next, so other changes leave it alone (a pause
// or a reclassification only moves instants, which the firing rechecks).
func internalTimers(pol *sla.Policy, c Case, entries []Entry, now time.Time) []Timer {
	if !pol.HasInternal() || c.Clock.Kind == "" {
		return nil
	}
	started := false
	var msgs []Message
	for _, e := range entries {
		switch {
		case e.Kind == Opened:
			started = true
		case e.Kind == Reply && !e.Internal && e.AuthorOrg == c.OrgID && c.Clock.RespondedAt != nil:
			started = true
			msgs = append(msgs, Message{At: e.At, ByCustomer: true})
		}
	}
	if !started {
		return nil
	}
	ks, err := InternalClocks(pol, c, msgs, now)
	if err != nil {
		return nil // the firing reports what cannot be counted
	}
	if at := nextWarning(ks, nil, now); !at.IsZero() {
		return []Timer{{Kind: InternalTimer, At: at}}
	}
	return nil
}

// nextWarning is the earliest warning instant after now of the running
// clocks not yet warned, or zero.
func nextWarning(ks []InternalClock, entries []Entry, now time.Time) time.Time {
	var next time.Time
	for _, k := range ks {
		if k.StoppedAt != nil || k.WarnAt == nil || warned(entries, k) || !k.WarnAt.After(now) {
			continue
		}
		if next.IsZero() || k.WarnAt.Before(next) {
			next = *k.WarnAt
		}
	}
	return next
}

// warned reports whether k's warning was recorded: an internal warning
// for its kind at or after its start.
func warned(entries []Entry, k InternalClock) bool {
	for _, e := range entries {
		if e.Kind == InternalWarning && e.Data.To == string(k.Kind) && !e.At.Before(k.StartsAt) {
			return true
		}
	}
	return false
}

// fireInternal records the internal warnings due at now on c, once each,
// and sets the timer for the next; entries are c's timeline, read before
// the case was locked.
func fireInternal(a accord.Actor, pol *sla.Policy, c Case, entries []Entry, now time.Time) (Change, error) {
	ks, err := InternalClocks(pol, c, messagesOf(c, entries), now)
	if err != nil {
		return Change{}, err
	}
	var out []Entry
	for _, k := range ks {
		if k.StoppedAt != nil || k.WarnAt == nil || k.DueAt == nil || warned(entries, k) || now.Before(*k.WarnAt) {
			continue
		}
		what := "next-reply"
		if k.Kind == sla.Resolution {
			what = "resolution"
		}
		e := entry(a, now, c, InternalWarning)
		e.Internal, e.Data.To, e.Data.DueAt = true, string(k.Kind), k.DueAt
		e.Body = fmt.Sprintf("%d%% of the %s internal %s target has elapsed; it is due at %s.", int(sla.WarnShare*100), k.Target, what, pol.Local(k.Clock, *k.DueAt))
		out = append(out, e)
	}
	next := nextWarning(ks, append(slices.Clone(entries), out...), now)
	if len(out) == 0 {
		return Change{Case: c, Timers: []Timer{{Kind: InternalTimer, At: next}}}, nil
	}
	events := make([]audit.Event, len(out))
	for i, e := range out {
		var ch audit.Changes
		ch.Add("internal_warning", nil, e.Data.To)
		events[i] = event(a, now, c, "case.internal_warning", ch)
	}
	return Change{Case: c, Entries: out, Events: events, Timers: []Timer{{Kind: InternalTimer, At: next}}}, nil
}
