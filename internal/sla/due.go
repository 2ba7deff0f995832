package sla

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/businesstime"
)

// DueInput is what the first-response computation needs to know of a case.
type DueInput struct {
	Plan        string      `json:"plan"`
	Criticality Criticality `json:"criticality"`
	Channel     Channel     `json:"channel"`
	Received    time.Time   `json:"received"`
	// PhoneAt is when the customer called the support line about a case
	// opened in the portal; nil when nobody called. A phone case's call is
	// its receipt.
	PhoneAt *time.Time `json:"phone_at,omitempty"`
	// Pauses are the stretches (awaiting the customer) that do not count.
	Pauses []businesstime.Interval `json:"-"`
	// Quiet leaves the explanation out: a caller that wants the instants
	// only (a case's clock settled on every change, a replay of a year of
	// cases) would spend most of the time writing sentences.
	Quiet bool `json:"-"`
}

// DueResult is when a first response is due, and why.
type DueResult struct {
	// Clock is Clock24x7 or the name of the calendar whose working time counts.
	Clock    string    `json:"clock"`
	StartsAt time.Time `json:"starts_at"` // UTC
	DueAt    time.Time `json:"due_at"`    // UTC
	// Guaranteed is false when the target needs a phone call and there was
	// none: the answer is then best effort.
	Guaranteed bool `json:"guaranteed"`
	// Target is the working time allowed; WarnAt is when WarnShare of it has
	// elapsed.
	Target      Duration  `json:"target"`
	WarnAt      time.Time `json:"warn_at"` // UTC
	Explanation []string  `json:"explanation"`
}

// WarnShare is the part of a target after which the vendor is warned.
const WarnShare = 0.75

// Due computes when the first response to a case is due. It is the one
// computation behind both the what-if tool and cases:
//
//   - the target is the plan's for the criticality;
//   - a target that needs a phone call, for a portal case without one, is
//     not guaranteed: it is counted on the support calendar from the portal
//     rule's start, as best effort;
//   - with the call, the target's clock starts at the call (at the next
//     working moment, on a calendar clock);
//   - otherwise a 24x7 target starts at receipt, a portal case on a calendar
//     clock where the portal rule says, and a phone case on a calendar clock
//     at the next working moment.
func (p *Policy) Due(in DueInput) (DueResult, error) {
	plan, ok := p.Plans[in.Plan]
	switch {
	case !ok:
		return DueResult{}, accord.FieldError("plan", "unknown plan %q (known: %s)", in.Plan, strings.Join(slices.Sorted(maps.Keys(p.Plans)), ", "))
	case !in.Criticality.valid():
		return DueResult{}, accord.FieldError("criticality", "must be C1, C2, C3 or C4")
	case in.Channel != Portal && in.Channel != Phone:
		return DueResult{}, accord.FieldError("channel", "must be portal or phone")
	case in.Received.IsZero():
		return DueResult{}, accord.FieldError("received", "is required")
	case !inRange(in.Received):
		return DueResult{}, accord.FieldError("received", "must be between 1900 and 2150")
	case in.PhoneAt != nil && !inRange(*in.PhoneAt):
		return DueResult{}, accord.FieldError("phone_at", "must be between 1900 and 2150")
	case in.PhoneAt != nil && in.Channel == Phone:
		return DueResult{}, accord.FieldError("phone_at", "is for portal cases: a phone case is received by its call")
	}
	t := plan.Targets[in.Criticality]
	r := DueResult{Clock: t.Clock, Guaranteed: true, Target: t.Work}
	var say func(string, ...any) // nil: quiet
	if !in.Quiet {
		say = func(format string, args ...any) { r.Explanation = append(r.Explanation, fmt.Sprintf(format, args...)) }
		say("%s, %s %s: first response within %s.", plan.Name, in.Criticality, p.Criticalities[in.Criticality].Name, describe(t))
	}

	call := in.PhoneAt
	if in.Channel == Phone {
		call = &in.Received
	}
	var err error
	switch {
	case t.PhoneRequired && call == nil:
		r.Guaranteed, r.Clock = false, p.SupportCalendar
		if say != nil {
			say("The target is guaranteed only when the case is notified by phone; this case was opened in the portal without a call, so it is answered on a best-effort basis on the %s calendar.", p.SupportCalendar)
		}
		r.StartsAt, err = p.portalStart(r.Clock, in.Received, say)
	case t.PhoneRequired:
		if say != nil {
			say("The call at %s starts the guaranteed clock.", p.local(t.Clock, *call))
		}
		r.StartsAt, err = p.workingStart(t.Clock, *call, "The call", say)
	case t.Clock == Clock24x7:
		if say != nil {
			say("Received at %s; the clock runs around the clock from receipt.", p.local(t.Clock, in.Received))
		}
		r.StartsAt = in.Received
	case in.Channel == Portal:
		r.StartsAt, err = p.portalStart(t.Clock, in.Received, say)
		if in.PhoneAt != nil && say != nil {
			say("This target needs no phone call; the call at %s does not change its clock.", p.local(t.Clock, *in.PhoneAt))
		}
	default:
		r.StartsAt, err = p.workingStart(t.Clock, in.Received, "The call", say)
	}
	if errors.Is(err, businesstime.ErrHorizon) {
		return DueResult{}, &accord.Error{Kind: accord.Unprocessable, Msg: fmt.Sprintf("the %s calendar has no working time within 10 years", r.Clock), Err: err}
	}
	if err != nil {
		return DueResult{}, fmt.Errorf("sla: start of the clock: %w", err)
	}
	if err := p.count(&r, in.Pauses, say); err != nil {
		return DueResult{}, err
	}
	return r, nil
}

// count sets r's due and warning instants, r.Target of working time on
// r.Clock from r.StartsAt outside the pauses, and says why. It is the one
// due-time computation: first responses and internal targets both count
// through it.
func (p *Policy) count(r *DueResult, pauses []businesstime.Interval, say func(string, ...any)) error {
	cal := p.cals[r.Clock]
	var err error
	r.DueAt, err = cal.Due(r.StartsAt, time.Duration(r.Target), pauses)
	if err == nil {
		r.WarnAt, err = cal.Due(r.StartsAt, time.Duration(float64(r.Target)*WarnShare), pauses)
	}
	if errors.Is(err, businesstime.ErrHorizon) {
		return &accord.Error{Kind: accord.Unprocessable, Msg: fmt.Sprintf("the %s calendar has no working time for this target within 10 years", r.Clock), Err: err}
	}
	if err != nil {
		return fmt.Errorf("sla: due time: %w", err)
	}
	r.StartsAt, r.DueAt, r.WarnAt = r.StartsAt.UTC(), r.DueAt.UTC(), r.WarnAt.UTC()
	if say == nil {
		return nil
	}
	for _, ps := range pauses {
		if ps.To.After(r.StartsAt) && ps.From.Before(r.DueAt) {
			say("Paused from %s to %s while waiting for the customer: %s of working time did not count.", p.local(r.Clock, ps.From), p.local(r.Clock, ps.To), humanDuration(cal.Elapsed(ps.From, ps.To, nil)))
		}
	}
	say("Due at %s (%s UTC).", p.local(r.Clock, r.DueAt), r.DueAt.Format("2006-01-02 15:04"))
	p.explainSkipped(r.Clock, r.StartsAt, r.DueAt, time.Duration(r.Target)+pausedWork(cal, pauses, r.StartsAt, r.DueAt), say)
	return nil
}

// InternalDue computes when an internal target (kind) of the plan falls
// due for criticality c, counted from start outside the pauses, on the
// target's clock. ok is false when the plan sets no such target. The
// explanation says what the caller did not: the target, the hours that
// did not count, the pauses; where start comes from is the caller's to say.
func (p *Policy) InternalDue(plan string, c Criticality, kind InternalKind, start time.Time, pauses []businesstime.Interval) (r DueResult, ok bool, err error) {
	t, ok := p.Internal(plan, c, kind)
	if !ok {
		return DueResult{}, false, nil
	}
	if !inRange(start) {
		return DueResult{}, true, accord.FieldError("start", "must be between 1900 and 2150")
	}
	r = DueResult{Clock: t.Clock, StartsAt: start, Guaranteed: true, Target: t.Work}
	say := func(format string, args ...any) { r.Explanation = append(r.Explanation, fmt.Sprintf(format, args...)) }
	what := "next reply"
	if kind == Resolution {
		what = "resolution"
	}
	say("%s, %s %s: internal %s target of %s; an operational level of the vendor, never shown to the customer nor counted in the SLA report.",
		p.Plans[plan].Name, c, p.Criticalities[c].Name, what, describe(Target{Work: t.Work, Clock: t.Clock}))
	if err := p.count(&r, pauses, say); err != nil {
		return DueResult{}, true, err
	}
	return r, true, nil
}

// pausedWork is the working time the pauses took out of [start, due).
func pausedWork(cal *businesstime.Calendar, pauses []businesstime.Interval, start, due time.Time) time.Duration {
	if len(pauses) == 0 {
		return 0
	}
	return cal.Elapsed(start, due, nil) - cal.Elapsed(start, due, pauses)
}

// Calendar returns the calendar a clock counts on: a named calendar of the
// policy, or Clock24x7.
func (p *Policy) Calendar(clock string) (*businesstime.Calendar, bool) {
	c, ok := p.cals[clock]
	return c, ok
}

// Local writes t in the clock's zone the way explanations do:
// "Fri 2024-03-08 21:00 EST".
func (p *Policy) Local(clock string, t time.Time) string { return p.local(clock, t) }

// inRange reports whether t is inside the years business calendars answer
// for, with room for a due time after it.
func inRange(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 1900 && y < 2150
}

// describe says a target in words: "8 hours of working time on the
// support-hours calendar".
func describe(t Target) string {
	s := humanDuration(time.Duration(t.Work))
	if t.Clock == Clock24x7 {
		s += ", counted around the clock (24x7)"
	} else {
		s += " of working time on the " + t.Clock + " calendar"
	}
	if t.PhoneRequired {
		s += ", guaranteed when notified by phone"
	}
	return s
}

func humanDuration(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "1 hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d < time.Hour && d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return Duration(d).String()
}

// local writes t as a reader of the calendar expects: "Fri 2024-03-08 21:00 EST".
func (p *Policy) local(clock string, t time.Time) string {
	return t.In(p.zones[clock]).Format("Mon 2006-01-02 15:04 MST")
}

// workingStart is the first working moment of clock at or after at.
func (p *Policy) workingStart(clock string, at time.Time, what string, say func(string, ...any)) (time.Time, error) {
	if clock == Clock24x7 {
		return at, nil
	}
	start, err := p.cals[clock].NextOpen(at)
	if err != nil {
		return time.Time{}, err
	}
	if !start.Equal(at) && say != nil {
		say("%s came outside the working hours of the %s calendar; the clock starts at the next working moment, %s.", what, clock, p.local(clock, start))
	}
	return start, nil
}

// portalStart applies the portal rule on clock's calendar.
func (p *Policy) portalStart(clock string, received time.Time, say func(string, ...any)) (time.Time, error) {
	cal := p.cals[clock]
	when := ""
	if say != nil {
		when = p.local(clock, received)
	}
	if p.PortalStart == NextBusinessDayStart {
		y, m, d := received.In(p.zones[clock]).Date()
		start, err := cal.AddWorkdays(time.Date(y, m, d, 0, 0, 0, 0, p.zones[clock]), 1)
		if err != nil {
			return time.Time{}, err
		}
		if say == nil {
			return start, nil
		}
		say("Received through the portal at %s; portal cases count from the first hour of the next business day (rule %s): %s.", when, NextBusinessDayStart, p.local(clock, start))
		return start, nil
	}
	start, err := cal.NextOpen(received)
	if err != nil {
		return time.Time{}, err
	}
	switch {
	case say == nil:
	case start.Equal(received):
		say("Received through the portal at %s, during the working hours of the %s calendar: the clock starts at once.", when, clock)
	default:
		say("Received through the portal at %s, outside the working hours of the %s calendar; portal cases start counting at the next working moment, %s.", when, clock, p.local(clock, start))
	}
	return start, nil
}

var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// explainSkipped says what lies between start and due that did not count:
// closed hours, holidays, and a change of UTC offset.
func (p *Policy) explainSkipped(clock string, start, due time.Time, work time.Duration, say func(string, ...any)) {
	loc := p.zones[clock]
	if clock != Clock24x7 {
		if closed := due.Sub(start) - work; closed > 0 {
			say("Time outside the working hours of the %s calendar does not count: %s of the %s from start to due.", clock, humanDuration(closed), humanDuration(due.Sub(start)))
		}
		spec := p.Calendars[clock]
		var skipped []string
		last := due.In(loc).Format(time.DateOnly)
		y, m, dd := start.In(loc).Date()
		for d := time.Date(y, m, dd, 12, 0, 0, 0, loc); d.Format(time.DateOnly) <= last; d = d.AddDate(0, 0, 1) {
			date := d.Format(time.DateOnly)
			if len(spec.Hours[weekdayKeys[d.Weekday()]]) == 0 {
				continue
			}
			if _, ok := spec.Overrides[date]; ok {
				continue
			}
			if slices.Contains(spec.Holidays, date) || slices.Contains(spec.Holidays, date[5:]) {
				skipped = append(skipped, date)
			}
		}
		if len(skipped) > 0 {
			say("Holidays of the %s calendar skipped: %s.", clock, strings.Join(skipped, ", "))
		}
	}
	if a, b := start.In(loc), due.In(loc); a.Format("-07:00") != b.Format("-07:00") {
		say("Clocks in %s change between start and due (%s to %s); working time is counted in real elapsed time.", loc, a.Format("MST"), b.Format("MST"))
	}
}

// AutoCloseRule names an auto-close rule.
type AutoCloseRule string

const (
	// Resolved: resolved by the vendor, not confirmed by the customer.
	Resolved AutoCloseRule = "resolved"
	// AwaitingCustomer: the vendor asked for information that never came.
	AwaitingCustomer AutoCloseRule = "awaiting_customer"
)

// AutoCloseAt returns when a case that entered the rule's state at since
// closes by itself: the same local time, the rule's number of business days
// later on the auto-close calendar (or its next working moment).
func (p *Policy) AutoCloseAt(rule AutoCloseRule, since time.Time) (time.Time, error) {
	var days int
	switch rule {
	case Resolved:
		days = p.AutoClose.ResolvedDays
	case AwaitingCustomer:
		days = p.AutoClose.AwaitingCustomerDays
	default:
		return time.Time{}, accord.FieldError("rule", "must be %s or %s", Resolved, AwaitingCustomer)
	}
	t, err := p.cals[p.AutoClose.Calendar].AddWorkdays(since, days)
	if err != nil {
		return time.Time{}, fmt.Errorf("sla: auto-close: %w", err)
	}
	return t, nil
}
