package changes

import (
	"fmt"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/businesstime"
)

// Maintenance is one maintenance window's rule in its zone.
type Maintenance struct {
	Rule Rule
	Zone *time.Location
}

// Windows is what a schedule is checked against: the policy's change
// window (working hours, when changes without a shutdown run) and the
// maintenance windows agreed for the environment (when a shutdown may
// happen).
type Windows struct {
	ChangeWindow *businesstime.Calendar
	Zone         *time.Location // the change window's
	Maintenance  []Maintenance
}

// horizon bounds the search for the next allowed start.
const horizon = 400 * 24 * time.Hour

// Need names the window a change must fit in.
type Need string

const (
	NeedChangeWindow Need = "change_window"
	NeedMaintenance  Need = "maintenance_window"
	NeedNone         Need = "none" // urgent minor changes run when needed
)

// NeedOf says which window c must fit in (004, "Changes application"): a
// change that shuts production down runs in a maintenance window; one that
// does not, in the change window, unless it is an urgent minor change.
func NeedOf(c Change) Need {
	switch {
	case c.NeedsShutdown:
		return NeedMaintenance
	case c.Urgency == Urgent && c.Type == Minor:
		return NeedNone
	}
	return NeedChangeWindow
}

// Fits reports whether [start, start+d) lies whole inside one stretch of
// the window need names.
func (w Windows) Fits(need Need, start time.Time, d time.Duration) bool {
	switch need {
	case NeedNone:
		return true
	case NeedChangeWindow:
		return w.ChangeWindow != nil && w.ChangeWindow.Elapsed(start, start.Add(d), nil) == d
	}
	for _, m := range w.Maintenance {
		for _, o := range m.Rule.Occurrences(m.Zone, start, start.Add(d)) {
			if o.Contains(start, start.Add(d)) {
				return true
			}
		}
	}
	return false
}

// Next is the earliest start at or after t from which d fits in the
// window need names, or false when none does within about 13 months.
func (w Windows) Next(need Need, t time.Time, d time.Duration) (time.Time, bool) {
	switch need {
	case NeedNone:
		return t, true
	case NeedChangeWindow:
		if w.ChangeWindow == nil {
			return time.Time{}, false
		}
		for _, iv := range w.ChangeWindow.Working(t, t.Add(horizon), nil) {
			if iv.To.Sub(iv.From) >= d {
				return iv.From, true
			}
		}
		return time.Time{}, false
	}
	var all []Span
	for _, m := range w.Maintenance {
		all = append(all, m.Rule.Occurrences(m.Zone, t, t.Add(horizon))...)
	}
	slices.SortFunc(all, func(a, b Span) int { return a.From.Compare(b.From) })
	for _, o := range all {
		s := o.From
		if s.Before(t) {
			s = t
		}
		if !s.Add(d).After(o.To) {
			return s, true
		}
	}
	return time.Time{}, false
}

// Local writes t in zone, with the UTC instant: "Mon 2026-03-30 08:00 CEST".
func Local(t time.Time, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	return t.In(zone).Format("Mon 2006-01-02 15:04 MST")
}

func needWords(need Need) string {
	if need == NeedMaintenance {
		return "a change that shuts production down runs inside one of the environment's maintenance windows"
	}
	return "a change without a shutdown runs inside the change window (Monday to Friday, 08:00-18:00 Paris time), unless it is an urgent minor change"
}

// CheckSchedule refuses a schedule outside the window c needs, naming the
// field planned_start and the next allowed start, in the message and as
// details.next_allowed_start.
func (w Windows) CheckSchedule(c Change) error {
	if c.PlannedStart == nil {
		return nil
	}
	need := NeedOf(c)
	d := time.Duration(c.Minutes) * time.Minute
	if w.Fits(need, *c.PlannedStart, d) {
		return nil
	}
	e := &accord.Error{Kind: accord.Invalid, Field: "planned_start"}
	zone := w.Zone
	if need == NeedMaintenance && len(w.Maintenance) > 0 {
		zone = w.Maintenance[0].Zone
	}
	next, ok := w.Next(need, *c.PlannedStart, d)
	switch {
	case ok:
		e.Msg = fmt.Sprintf("%s of %d minutes does not fit: %s; the next allowed start is %s (%s)",
			Local(*c.PlannedStart, zone), c.Minutes, needWords(need), Local(next, zone), next.UTC().Format(time.RFC3339))
		e.Details = map[string]string{"next_allowed_start": next.UTC().Format(time.RFC3339)}
	case need == NeedMaintenance && len(w.Maintenance) == 0:
		e.Msg = "the change shuts production down and the environment has no maintenance window: agree one first"
	default:
		e.Msg = fmt.Sprintf("%s: no window of %d minutes in the next 13 months", needWords(need), c.Minutes)
	}
	return e
}
