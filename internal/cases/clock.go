package cases

import (
	"errors"
	"time"

	"accord/internal/businesstime"
	"accord/internal/sla"
)

// settle recomputes c's clock from its stored facts under pol: the start
// and target from the plan, criticality, channel, receipt and call; due and
// warning instants from those and the pauses that began before the
// response. A paused running clock has no instants: its remaining working
// time is frozen until the customer answers.
func settle(pol *sla.Policy, c *Case) error {
	if c.Type == Enhancement {
		c.Clock.Kind, c.Clock.Target, c.Clock.Guaranteed, c.Clock.CallRequired = "", 0, false, false
		c.Clock.StartsAt = c.Clock.ReceivedAt
		c.Clock.DueAt, c.Clock.WarnAt = nil, nil
		return nil
	}
	in := sla.DueInput{
		Plan: c.Clock.Plan, Criticality: c.Criticality, Channel: c.Clock.Channel,
		Received: c.Clock.ReceivedAt, Pauses: pausesBefore(c.Pauses, c.Clock.RespondedAt),
	}
	if c.Clock.Channel == sla.Portal {
		in.PhoneAt = c.Clock.PhoneAt
	}
	r, err := pol.Due(in)
	if err != nil {
		return err
	}
	k := &c.Clock
	k.Kind, k.StartsAt, k.Target, k.Guaranteed = r.Clock, r.StartsAt, r.Target, r.Guaranteed
	k.CallRequired = !r.Guaranteed
	k.DueAt, k.WarnAt = &r.DueAt, &r.WarnAt
	if k.PausedSince != nil && k.RespondedAt == nil {
		k.DueAt, k.WarnAt = nil, nil
	}
	return nil
}

// pausesBefore returns the pauses as intervals, those that began before
// the clock stopped; an open pause is left out (the clock has no instants
// then) and one still open at the response is cut there.
func pausesBefore(ps []Pause, stop *time.Time) []businesstime.Interval {
	var out []businesstime.Interval
	for _, p := range ps {
		if stop != nil && !p.From.Before(*stop) {
			continue
		}
		switch {
		case p.To != nil && stop != nil && p.To.After(*stop):
			out = append(out, businesstime.Interval{From: p.From, To: *stop})
		case p.To != nil:
			out = append(out, businesstime.Interval{From: p.From, To: *p.To})
		case stop != nil:
			out = append(out, businesstime.Interval{From: p.From, To: *stop})
		}
	}
	return out
}

// Used is the working time c's clock counted from its start up to at, or
// up to the first response if that came earlier, outside the pauses, on
// the calendar of pol (the policy version the case was opened under).
func Used(pol *sla.Policy, c Case, at time.Time) (time.Duration, error) {
	k := c.Clock
	cal, ok := pol.Calendar(k.Kind)
	if !ok {
		return 0, errNoCalendar
	}
	if k.RespondedAt != nil && k.RespondedAt.Before(at) {
		at = *k.RespondedAt
	}
	var used time.Duration
	for _, w := range cal.Working(k.StartsAt, at, pausesBefore(c.Pauses, &at)) {
		used += w.To.Sub(w.From)
	}
	return used, nil
}

// rearm clears a warning or breach recorded under an earlier target when
// the recomputed instant lies ahead of now (a criticality lowered, a call
// that started the guaranteed clock): the jobs will record it again if the
// new instant passes without a response. A paused clock has no instant to
// compare; what was recorded before the pause stands, and the change that
// resumes the clock re-checks it.
func rearm(c *Case, now time.Time) {
	k := &c.Clock
	if !k.Running() || k.PausedSince != nil {
		return
	}
	if k.WarnedAt != nil && (k.WarnAt == nil || k.WarnAt.After(now) || !k.Guaranteed) {
		k.WarnedAt = nil
	}
	if k.BreachedAt != nil && (k.DueAt == nil || k.DueAt.After(now) || !k.Guaranteed) {
		k.BreachedAt = nil
	}
}

// timersFor returns the timers to set or cancel so that after's jobs match
// its clock and auto-close: a warning and a breach while a guaranteed clock
// runs and they have not been recorded, and the auto-close instant.
func timersFor(before, after Case) []Timer {
	var out []Timer
	want := func(c Case) (warn, breach, close time.Time) {
		k := c.Clock
		if k.Running() && k.Guaranteed && k.DueAt != nil {
			if k.WarnedAt == nil {
				warn = *k.WarnAt
			}
			if k.BreachedAt == nil {
				breach = *k.DueAt
			}
		}
		if c.AutoCloseAt != nil {
			close = *c.AutoCloseAt
		}
		return
	}
	w0, b0, c0 := want(before)
	w1, b1, c1 := want(after)
	if !w0.Equal(w1) {
		out = append(out, Timer{Kind: WarnTimer, At: w1})
	}
	if !b0.Equal(b1) {
		out = append(out, Timer{Kind: BreachTimer, At: b1})
	}
	if !c0.Equal(c1) {
		out = append(out, Timer{Kind: CloseTimer, At: c1})
	}
	return out
}

// Status is where a clock stands at an instant.
type Status string

const (
	NoClock       Status = "no_clock"       // enhancement requests
	NotGuaranteed Status = "not_guaranteed" // best effort: never a breach
	Running       Status = "running"
	Paused        Status = "paused"
	Met           Status = "met"
	Breached      Status = "breached"
)

// StatusAt says where c's clock stands at now, and by how much it was met
// (time to spare, positive) or missed (negative), when it is decided.
func StatusAt(c Case, now time.Time) (Status, time.Duration) {
	k := c.Clock
	switch {
	case k.Kind == "":
		return NoClock, 0
	case !k.Guaranteed:
		return NotGuaranteed, 0
	case k.RespondedAt != nil:
		if k.DueAt == nil {
			return Met, 0
		}
		// Met means answered before the due instant: at it, the whole
		// target has been used, as a running clock is breached at it.
		margin := k.DueAt.Sub(*k.RespondedAt)
		if margin <= 0 {
			return Breached, margin
		}
		return Met, margin
	case k.DueAt == nil:
		return Paused, 0
	case !now.Before(*k.DueAt):
		return Breached, k.DueAt.Sub(now)
	}
	return Running, 0
}

var errNoCalendar = errors.New("cases: the case's clock names a calendar its policy lacks")
