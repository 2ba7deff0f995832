package businesstime

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// reference is a slow model of a calendar written straight from the
// semantics, sharing no code with the engine: it reads the Spec as given,
// resolves local times against time.Location by trying every offset in use
// nearby, and decides working time minute by minute. Calendars, instants and
// pauses fed to it must sit on whole minutes (so must the zone's offsets).
type reference struct {
	spec Spec
	loc  *time.Location
}

func newReference(s Spec) reference {
	loc, err := time.LoadLocation(s.Zone)
	if err != nil {
		panic(err)
	}
	return reference{spec: s, loc: loc}
}

// windowsOn returns the [open, close) windows, in minutes after the local
// midnight of date, of the windows that start on date.
func (r reference) windowsOn(date time.Time) [][2]int {
	var raw [][]string
	if ws, ok := r.spec.Overrides[date.Format("2006-01-02")]; ok {
		raw = ws
	} else if slices.Contains(r.spec.Holidays, date.Format("2006-01-02")) || slices.Contains(r.spec.Holidays, date.Format("01-02")) {
		raw = nil
	} else if r.spec.AlwaysOpen {
		raw = [][]string{{"00:00", "24:00"}}
	} else {
		raw = r.spec.Hours[[]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[date.Weekday()]]
	}
	var out [][2]int
	for _, w := range raw {
		open, closing := minutes(w[0]), minutes(w[1])
		if closing <= open {
			closing += 24 * 60 // crosses midnight
		}
		out = append(out, [2]int{open, closing})
	}
	return out
}

func minutes(hhmm string) int {
	h, _ := strconv.Atoi(hhmm[:2])
	m, _ := strconv.Atoi(hhmm[3:5])
	return h*60 + m
}

// resolve returns the instant of the local wall time `min` minutes after the
// local midnight of date (a UTC date carrying the local Y-M-D): the earliest
// instant showing that wall time, or, if none does (a spring-forward gap), the
// wall time read with the offset in force before the gap, i.e. moved forward
// by the gap.
func (r reference) resolve(date time.Time, min int) time.Time {
	wall := date.Add(time.Duration(min) * time.Minute) // wall time as if it were UTC
	var offsets []int
	for k := -60; k <= 60; k++ {
		_, off := wall.Add(time.Duration(k) * 30 * time.Minute).In(r.loc).Zone()
		if !slices.Contains(offsets, off) {
			offsets = append(offsets, off)
		}
	}
	var found []time.Time
	for _, off := range offsets {
		u := wall.Add(-time.Duration(off) * time.Second)
		if _, o := u.In(r.loc).Zone(); o == off {
			found = append(found, u)
		}
	}
	if len(found) > 0 {
		return slices.MinFunc(found, func(a, b time.Time) int { return a.Compare(b) })
	}
	// In a gap: the offset before it is the smaller of the two around it.
	return wall.Add(-time.Duration(slices.Min(offsets)) * time.Second)
}

// intervals returns the working intervals of the windows starting on the
// local dates that can reach [from, to), unmerged and unsorted.
func (r reference) intervals(from, to time.Time) []Interval {
	var out []Interval
	first := from.In(r.loc)
	d := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -3)
	for ; d.Before(to.AddDate(0, 0, 2)); d = d.AddDate(0, 0, 1) {
		for _, w := range r.windowsOn(d) {
			a, b := r.resolve(d, w[0]), r.resolve(d, w[1])
			if a.Before(b) {
				out = append(out, Interval{a, b})
			}
		}
	}
	return out
}

func in(t time.Time, ivs []Interval) bool {
	for _, iv := range ivs {
		if !t.Before(iv.From) && t.Before(iv.To) {
			return true
		}
	}
	return false
}

// working reports whether the minute starting at t is working time.
func working(t time.Time, windows, pauses []Interval) bool {
	return in(t, windows) && !in(t, pauses)
}

func (r reference) elapsed(from, to time.Time, pauses []Interval) time.Duration {
	ws := r.intervals(from, to)
	var n time.Duration
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		if working(t, ws, pauses) {
			n += time.Minute
		}
	}
	return n
}

// due steps minute by minute from start until work has been used and the
// clock stands on working time; it gives up after horizon.
func (r reference) due(start time.Time, work time.Duration, pauses []Interval, horizon time.Duration) (time.Time, error) {
	ws := r.intervals(start, start.Add(horizon))
	for t := start; t.Before(start.Add(horizon)); t = t.Add(time.Minute) {
		if working(t, ws, pauses) {
			if work == 0 {
				return t, nil
			}
			work -= time.Minute
		}
	}
	return time.Time{}, fmt.Errorf("reference: nothing within %v", horizon)
}
