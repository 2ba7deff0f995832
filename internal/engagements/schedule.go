package engagements

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/businesstime"
)

// MaxDay is the most an engineer works on one engagement in one day
// (section 13.1: services are performed 8 hours a day).
const MaxDay = 8 * time.Hour

// Hours is the services calendar: when lead times count and sessions run.
type Hours struct {
	Name string // the policy's calendar name, for messages
	Cal  *businesstime.Calendar
	Zone *time.Location
}

// NewHours returns the services hours of calendar cal.
func NewHours(name string, cal *businesstime.Calendar) (Hours, error) {
	zone, err := time.LoadLocation(cal.Spec().Zone)
	if err != nil {
		return Hours{}, fmt.Errorf("engagements: calendar %s: %w", name, err)
	}
	return Hours{Name: name, Cal: cal, Zone: zone}, nil
}

// Local writes t the way schedules are told: "Fri 2026-11-27 08:00 -03".
func (h Hours) Local(t time.Time) string { return t.In(h.Zone).Format("Mon 2006-01-02 15:04 MST") }

// EarliestStart is when the first session may start: the opening of the
// lead-th working day after from's local date. Booking on a Monday with a
// lead of 5 days allows the next Monday (or, past a holiday, the day
// after), whatever the hour. With no lead time, from itself.
func (h Hours) EarliestStart(from time.Time, lead int) (time.Time, error) {
	if lead == 0 {
		return from, nil
	}
	y, m, d := from.In(h.Zone).Date()
	return h.Cal.AddWorkdays(time.Date(y, m, d, 0, 0, 0, 0, h.Zone), lead)
}

// fit returns the first instant at or after t from which length fits whole
// inside one stretch of services hours, or false when none does soon.
func (h Hours) fit(t time.Time, length time.Duration) (time.Time, bool) {
	at, err := h.Cal.NextOpen(t)
	for i := 0; err == nil && i < 1000; i++ {
		worked := h.Cal.Elapsed(at, at.Add(length), nil)
		if worked == length {
			return at, true
		}
		// at+worked is where this stretch closes.
		at, err = h.Cal.NextOpen(at.Add(worked))
	}
	return time.Time{}, false
}

// nextDay is the first working moment of the working day after t's date.
func (h Hours) nextDay(t time.Time) (time.Time, error) { return h.EarliestStart(t, 1) }

// day is a local date of the services calendar.
func (h Hours) day(t time.Time) string { return t.In(h.Zone).Format(time.DateOnly) }

// perDay splits [start, end) at local midnights, adds each part to its
// date, and returns the dates it touched.
func (h Hours) perDay(totals map[string]time.Duration, start, end time.Time) []string {
	var days []string
	for start.Before(end) {
		y, m, d := start.In(h.Zone).Date()
		part := time.Date(y, m, d+1, 0, 0, 0, 0, h.Zone)
		if end.Before(part) {
			part = end
		}
		totals[h.day(start)] += part.Sub(start)
		days = append(days, h.day(start))
		start = part
	}
	return days
}

// Plan is a proposed set of sessions with what the rules need to judge it.
type Plan struct {
	Sessions   []Session
	Earliest   time.Time // the lead time's end
	LeadNote   string    // "5 working days after acceptance on Thu 2026-11-19"
	OutOfHours bool      // the quote carries the out-of-hours surcharge
	Fixed      int       // sessions [0, Fixed) have started already and are kept as they are
	// Busy are other engagements' sessions of the same engineers.
	Busy []Booking
	// Readable are the customers whose engagements the booking party may
	// read: a clash with any other engagement says only until when the
	// engineer is busy, never what or for whom.
	Readable accord.Scope

	// What the engagement's terms ask of all its sessions together.
	Service string        // the service's name, for messages
	Crew    *Crew         // the catalog's least staffing
	OnSite  bool          // the quote is for on-site work
	Quoted  time.Duration // the hours quoted; zero for a fixed price
	// ShortfallReason is the provider's confirmation that the sessions
	// may add up to less than Quoted.
	ShortfallReason string
}

func unprocessable(field, format string, args ...any) error {
	return &accord.Error{Kind: accord.Unprocessable, Op: "engagements.Schedule", Field: field, Msg: fmt.Sprintf(format, args...)}
}

func clash(field, format string, args ...any) error {
	return &accord.Error{Kind: accord.Conflict, Op: "engagements.Schedule", Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Check applies the scheduling rules to p, and says for each violation the
// earliest start the rules allow.
func (h Hours) Check(p Plan) error {
	if len(p.Sessions) == 0 {
		return accord.FieldError("sessions", "book at least one session")
	}
	for i, s := range p.Sessions[p.Fixed:] {
		f := fmt.Sprintf("sessions[%d]", i)
		length := s.End.Sub(s.Start)
		switch {
		case !s.End.After(s.Start):
			return accord.FieldError(f+".end", "must be after the start")
		case length > MaxDay:
			return unprocessable(f+".end", "a session lasts at most %s; this one lasts %s", hoursText(MaxDay), hoursText(length))
		}
		if s.Start.Before(p.Earliest) {
			return unprocessable(f+".start", "may not start before %s (%s on the %s calendar); the earliest allowed start is %s",
				h.Local(p.Earliest), p.LeadNote, h.Name, p.Earliest.UTC().Format(time.RFC3339))
		}
		if !p.OutOfHours && h.Cal.Elapsed(s.Start, s.End, nil) != length {
			at, ok := h.fit(s.Start, length)
			if !ok {
				return unprocessable(f+".start", "lies outside services hours and no window of the %s calendar is %s long", h.Name, hoursText(length))
			}
			return unprocessable(f+".start", "lies outside services hours (the %s calendar) and the quote has no out-of-hours surcharge; the earliest allowed start for %s is %s (%s)",
				h.Name, hoursText(length), h.Local(at), at.UTC().Format(time.RFC3339))
		}
	}
	// One engineer: no two sessions at once, at most MaxDay a day.
	byEngineer := map[accord.ID][]int{}
	for i, s := range p.Sessions {
		byEngineer[s.EngineerID] = append(byEngineer[s.EngineerID], i)
	}
	for _, eng := range slices.Sorted(maps.Keys(byEngineer)) {
		idx := byEngineer[eng]
		slices.SortFunc(idx, func(a, b int) int { return p.Sessions[a].Start.Compare(p.Sessions[b].Start) })
		totals := map[string]time.Duration{}
		for k, i := range idx {
			s := p.Sessions[i]
			f := fmt.Sprintf("sessions[%d]", max(0, i-p.Fixed))
			if k > 0 {
				prev := p.Sessions[idx[k-1]]
				if s.Start.Before(prev.End) {
					return clash(f+".start", "%s is already in another session of this engagement until %s; the earliest allowed start is %s",
						s.EngineerName, h.Local(prev.End), prev.End.UTC().Format(time.RFC3339))
				}
			}
			for _, day := range h.perDay(totals, s.Start, s.End) {
				if totals[day] <= MaxDay {
					continue
				}
				next, err := h.nextDay(s.Start)
				if err != nil {
					return err
				}
				return unprocessable(f+".start", "%s would work %s on %s on this engagement, more than %s a day; the earliest allowed start for this session is %s (%s)",
					s.EngineerName, hoursText(totals[day]), day, hoursText(MaxDay), h.Local(next), next.UTC().Format(time.RFC3339))
			}
			for _, b := range p.Busy {
				if b.EngineerID != s.EngineerID || !b.Start.Before(s.End) || !s.Start.Before(b.End) {
					continue
				}
				if p.Readable.Allows(b.OrgID) {
					return clash(f+".start", "%s is booked from %s to %s (%s for %s); the earliest allowed start after that is %s",
						s.EngineerName, h.Local(b.Start), h.Local(b.End), b.ServiceName, b.OrgName, b.End.UTC().Format(time.RFC3339))
				}
				return clash(f+".start", "%s is busy until %s; the earliest allowed start after that is %s",
					s.EngineerName, h.Local(b.End), b.End.UTC().Format(time.RFC3339))
			}
		}
	}
	return h.checkTerms(p)
}

// checkTerms applies what the catalog and the quote ask of all the
// sessions together, those already started included: the service's crew,
// on-site work for an on-site quote, and the hours quoted.
func (h Hours) checkTerms(p Plan) error {
	if c := p.Crew; c != nil {
		if full := h.crewDays(p.Sessions, c.Engineers); len(full) < c.Days {
			return accord.FieldError("sessions", "%s needs %d engineers on each of %d days (the catalog's crew); these sessions book %d different engineers together on %s%s",
				p.Service, c.Engineers, c.Days, c.Engineers, daysText(len(full)), listed(full))
		}
	}
	if p.OnSite && !slices.ContainsFunc(p.Sessions, func(s Session) bool { return s.OnSite }) {
		return accord.FieldError("sessions", "the quote is for work on site; book at least one session on site (on_site), not remote sessions only")
	}
	booked := p.booked()
	switch {
	case booked < p.Quoted && p.ShortfallReason == "":
		return accord.FieldError("sessions", "the sessions add up to %s, less than the %s quoted; book %s more, or confirm the difference with hours_shortfall_reason",
			hoursText(booked), hoursText(p.Quoted), hoursText(p.Quoted-booked))
	case p.ShortfallReason != "" && p.Quoted == 0:
		return accord.FieldError("hours_shortfall_reason", "the quote is a fixed price, with no hours to cover; there is no difference to confirm")
	case p.ShortfallReason != "" && booked >= p.Quoted:
		return accord.FieldError("hours_shortfall_reason", "the sessions add up to %s and cover the %s quoted; there is no difference to confirm",
			hoursText(booked), hoursText(p.Quoted))
	}
	return nil
}

// booked is the time the plan's sessions add up to.
func (p Plan) booked() time.Duration {
	var d time.Duration
	for _, s := range p.Sessions {
		d += s.End.Sub(s.Start)
	}
	return d
}

// dayStart is the midnight that opens t's local date on the services
// calendar.
func (h Hours) dayStart(t time.Time) time.Time {
	y, m, d := t.In(h.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, h.Zone)
}

// dayName writes t's local date the way schedules are told: "Tue 2026-11-24".
func (h Hours) dayName(t time.Time) string { return t.In(h.Zone).Format("Mon 2006-01-02") }

// crewDays lists the days of the services calendar, by the local date
// sessions start on, on which at least n distinct engineers are booked.
func (h Hours) crewDays(ss []Session, n int) []string {
	engineers, names := map[string]map[accord.ID]bool{}, map[string]string{}
	for _, s := range ss {
		day := h.day(s.Start)
		if engineers[day] == nil {
			engineers[day], names[day] = map[accord.ID]bool{}, h.dayName(s.Start)
		}
		engineers[day][s.EngineerID] = true
	}
	var full []string
	for _, day := range slices.Sorted(maps.Keys(engineers)) {
		if len(engineers[day]) >= n {
			full = append(full, names[day])
		}
	}
	return full
}

func daysText(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// listed is " (a, b)" for a non-empty list.
func listed(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return " (" + strings.Join(items, ", ") + ")"
}

// hoursText writes a duration the way schedules are told: "6 hours",
// "1 hour", "5h30m".
func hoursText(d time.Duration) string {
	if d%time.Hour == 0 {
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	if d%time.Minute == 0 {
		return strings.TrimSuffix(d.String(), "0s")
	}
	return d.String()
}

// sortSessions orders sessions by start, then engineer.
func sortSessions(ss []Session) {
	slices.SortStableFunc(ss, func(a, b Session) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.EngineerID, b.EngineerID))
	})
}
