package cases

import (
	"errors"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/businesstime"
	"accord/internal/sla"
)

// settle recomputes c's clock from its stored facts under pol: the start
// and target from the plan, the criticality history, channel, receipt and
// call; due and warning instants from those and the pauses that began
// before the response. A paused running clock has no instants: its
// remaining working time is frozen until the customer answers.
func settle(pol *sla.Policy, c *Case) error {
	if c.Type == Enhancement {
		c.Clock.Kind, c.Clock.Target, c.Clock.Guaranteed, c.Clock.CallRequired = "", 0, false, false
		c.Clock.StartsAt = c.Clock.ReceivedAt
		c.Clock.DueAt, c.Clock.WarnAt = nil, nil
		return nil
	}
	t, err := targetOf(pol, *c, false)
	if err != nil {
		return err
	}
	r, k := t.DueResult, &c.Clock
	k.Kind, k.StartsAt, k.Target, k.Guaranteed = r.Clock, r.StartsAt, r.Target, r.Guaranteed
	k.CallRequired = t.callRequired
	k.DueAt, k.WarnAt = &r.DueAt, &r.WarnAt
	if k.PausedSince != nil && k.RespondedAt == nil {
		k.DueAt, k.WarnAt = nil, nil
	}
	return nil
}

// stance is a criticality a case stood at, from since; the opening one
// counts from the clock's original facts (receipt, call) instead.
type stance struct {
	crit    sla.Criticality
	since   time.Time
	opening bool
}

// stances are the criticalities c's clock counts under, oldest first: the
// one it was opened at, then each reclassification made up to the first
// response (one at the response's very instant came first: reclassifying
// does not answer). A reclassification after the response changes the
// case's handling, not the record of its first response.
func stances(c Case) []stance {
	first := c.Criticality
	if len(c.Reclassifications) > 0 {
		first = c.Reclassifications[0].From
	}
	out := []stance{{crit: first, opening: true}}
	for _, r := range c.Reclassifications {
		if c.Clock.RespondedAt != nil && r.At.After(*c.Clock.RespondedAt) {
			break
		}
		out = append(out, stance{crit: r.To, since: r.At})
	}
	return out
}

// ClockCriticality is the criticality c's first-response clock counts
// under: the one in force at the first response, or now if there was none.
func ClockCriticality(c Case) sla.Criticality {
	s := stances(c)
	return s[len(s)-1].crit
}

// atLeastAsUrgent: C1 is the most urgent; the names sort that way.
func atLeastAsUrgent(a, b sla.Criticality) bool { return a <= b }

// target is the first-response target a case's clock counts against.
type target struct {
	sla.DueResult
	// callRequired: the target of the current criticality is guaranteed
	// only after a call, and there has been none.
	callRequired bool
	// why says how the criticality history chose this target, before the
	// policy's own explanation.
	why []string
}

// targetOf decides which target binds c, under the rule of docs/policy.md
// ("Reclassification"):
//
//   - each criticality counts from the first moment the case stood at it
//     or at a more urgent one: the original start for the criticality it
//     was opened at and the less urgent ones, the reclassification for a
//     raise above anything before;
//   - the current criticality's target binds, unless a less urgent
//     criticality the case stood at gives an earlier due instant (or the
//     only guarantee): a reclassification never moves a due instant later
//     than one the case was already under at that criticality or below,
//     so a raise cannot buy time, nor turn a guaranteed clock into best
//     effort by asking for a call.
//
// Without explain the target has no sentences: settling a clock needs
// only its instants, and writing them is most of the cost.
func targetOf(pol *sla.Policy, c Case, explain bool) (target, error) {
	ss := stances(c)
	current := ss[len(ss)-1].crit
	candidate := func(crit sla.Criticality) (target, error) {
		from := ss[0]
		for _, s := range ss {
			if atLeastAsUrgent(s.crit, crit) {
				from = s
				break
			}
		}
		in := sla.DueInput{Plan: c.Clock.Plan, Criticality: crit, Channel: c.Clock.Channel,
			Received: c.Clock.ReceivedAt, Pauses: pausesBefore(c.Pauses, c.Clock.RespondedAt), Quiet: !explain}
		if c.Clock.Channel == sla.Portal {
			in.PhoneAt = c.Clock.PhoneAt
		}
		if !from.opening {
			// Counted as if the case had come in at the reclassification:
			// a call made before it counts from the reclassification too.
			in.Received = from.since
			if in.PhoneAt != nil && in.PhoneAt.Before(from.since) {
				in.PhoneAt = &from.since
			}
		}
		r, err := pol.Due(in)
		t := target{DueResult: r}
		if err == nil && !from.opening && explain {
			t.why = append(t.why, fmt.Sprintf("The case was raised to %s at %s, when a change in its impact was identified: the %s target counts from that reclassification, the first moment the case stood at %s or higher.",
				from.crit, pol.Local(r.Clock, from.since), crit, crit))
		}
		return t, err
	}
	best, err := candidate(current)
	if err != nil {
		return target{}, err
	}
	best.callRequired = !best.Guaranteed
	seen := map[sla.Criticality]bool{current: true}
	for _, s := range ss {
		if seen[s.crit] || !atLeastAsUrgent(current, s.crit) {
			continue
		}
		seen[s.crit] = true
		t, err := candidate(s.crit)
		if err != nil {
			return target{}, err
		}
		binds := "ends sooner"
		switch {
		case t.Guaranteed && !best.Guaranteed:
			binds = "is guaranteed, while " + string(current) + " needs a call"
		case t.Guaranteed != best.Guaranteed || !t.DueAt.Before(best.DueAt):
			continue
		}
		t.callRequired = best.callRequired
		t.why = append([]string{fmt.Sprintf("The case stands at %s, but the %s target it stood under %s and still binds: a reclassification never gives more time.",
			current, s.crit, binds)}, t.why...)
		best = t
	}
	if current != c.Criticality {
		best.why = append([]string{fmt.Sprintf("The case was reclassified to %s after its first response, which is judged under %s, the criticality in force when it came.",
			c.Criticality, current)}, best.why...)
	}
	return best, nil
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

// rearm clears a warning recorded under an earlier target when the
// recomputed warning instant lies ahead of now (a criticality lowered, a
// call that started the guaranteed clock): the job will record it again if
// the new instant passes without a response. A breach is never cleared,
// nor the warning of a breach that happened. A paused clock has no instant
// to compare; what was recorded before the pause stands, and the change
// that resumes the clock re-checks it.
func rearm(c *Case, now time.Time) {
	k := &c.Clock
	if !k.Running() || k.PausedSince != nil || k.BreachedAt != nil {
		return
	}
	if k.WarnedAt != nil && (k.WarnAt == nil || k.WarnAt.After(now) || !k.Guaranteed) {
		k.WarnedAt = nil
	}
}

// recordBreach records on after the breach that before's clock had
// reached by now without its job having recorded it yet: a change (a
// lowering, a hold, a late answer) must not let a breach that happened go
// unrecorded. It returns the breach's timeline entry, by Accord, if it
// recorded one.
func recordBreach(now time.Time, before Case, after *Case) (Entry, bool) {
	k := before.Clock
	if after.Clock.BreachedAt != nil || !k.Running() || !k.Guaranteed || k.DueAt == nil || now.Before(*k.DueAt) {
		return Entry{}, false
	}
	return breach(accord.SystemActor("Accord"), now, before, after), true
}

// breach records on after that before's clock missed its due instant, at
// now, under before's criticality, and returns the timeline entry.
func breach(a accord.Actor, now time.Time, before Case, after *Case) Entry {
	k := before.Clock
	fired, due := now, *k.DueAt
	after.Clock.BreachedAt, after.Clock.BreachCriticality, after.Clock.BreachDueAt = &fired, before.Criticality, &due
	e := entry(a, now, before, SLABreach)
	e.Internal, e.Data.DueAt = true, &due
	e.Body = fmt.Sprintf("The %s first-response target was breached with no response.", k.Target)
	return e
}

// timersFor returns the timers to set or cancel so that after's jobs match
// its clock and auto-close: a warning and a breach while a guaranteed clock
// runs and they have not been recorded (nor a breach, which makes a
// warning pointless), and the auto-close instant.
func timersFor(before, after Case) []Timer {
	var out []Timer
	want := func(c Case) (warn, breach, close time.Time) {
		k := c.Clock
		if k.Running() && k.Guaranteed && k.DueAt != nil && k.BreachedAt == nil {
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
	case k.BreachedAt != nil:
		// A recorded breach stands whatever the clock became since: late by
		// the time from the due instant missed to the answer, or to now.
		late := now
		if k.RespondedAt != nil {
			late = *k.RespondedAt
		}
		return Breached, min(k.BreachDueAt.Sub(late), 0)
	case !k.Guaranteed:
		return NotGuaranteed, 0
	case k.RespondedAt == nil && c.ClosedAt != nil && k.DueAt != nil:
		// Closed with no answer (a customer withdrew its access request):
		// nothing was owed after the close, so the clock is judged there.
		if c.ClosedAt.Before(*k.DueAt) {
			return NotGuaranteed, 0
		}
		return Breached, k.DueAt.Sub(*c.ClosedAt)
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
