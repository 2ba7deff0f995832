package businesstime

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Zones with DST at midnight (Santiago, Sao Paulo until 2019), half-hour and
// 45-minute offsets (Tehran, Chatham, Kathmandu), a half-hour DST shift
// (Lord Howe), a two-hour one (Troll) and a skipped day (Apia, 2011-12-30).
var propertyZones = []string{
	"Asia/Tehran", "Pacific/Chatham", "America/Santiago", "Australia/Sydney",
	"America/New_York", "America/Sao_Paulo", "Europe/Paris", "UTC",
	"Australia/Lord_Howe", "Antarctica/Troll", "Pacific/Apia", "Asia/Kathmandu",
}

func clockOf(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// genCalendar draws a valid calendar whose holidays and overrides fall around
// `around`: weekly windows on whole minutes, some crossing midnight, some
// ending at 24:00.
func genCalendar(t *rapid.T, zone string, around time.Time) (Spec, *Calendar) {
	s := Spec{Zone: zone}
	if rapid.IntRange(0, 9).Draw(t, "24x7") == 0 {
		s.AlwaysOpen = true
	} else {
		s.Hours = map[string][][]string{}
		var days [7][][2]int
		for d := range days {
			n := rapid.IntRange(0, 3).Draw(t, "windows")
			pts := rapid.SliceOfNDistinct(rapid.IntRange(0, 1440), 2*n, 2*n, rapid.ID[int]).Draw(t, "points")
			slices.Sort(pts)
			for k := 0; k < n; k++ {
				days[d] = append(days[d], [2]int{pts[2*k], pts[2*k+1]})
			}
		}
		for d := range days {
			ws := days[d]
			if len(ws) == 0 || !rapid.Bool().Draw(t, "cross") {
				continue
			}
			// The last window runs past midnight to x, before both its own
			// opening and the next day's first window.
			limit := ws[len(ws)-1][0] - 1
			if next := days[(d+1)%7]; len(next) > 0 {
				limit = min(limit, next[0][0])
			}
			if limit < 0 {
				continue // a window opening at midnight cannot cross it
			}
			ws[len(ws)-1][1] = -rapid.IntRange(0, limit).Draw(t, "x") - 1 // negative marks a crossing
		}
		for d, ws := range days {
			for _, w := range ws {
				closing := clockOf(w[1])
				if w[1] < 0 {
					closing = clockOf(-w[1] - 1)
				}
				s.Hours[dayKeys[d]] = append(s.Hours[dayKeys[d]], []string{clockOf(w[0]), closing})
			}
		}
	}
	local := around.In(mustZone(zone))
	base := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	for range rapid.IntRange(0, 3).Draw(t, "holidays") {
		d := base.AddDate(0, 0, rapid.IntRange(-4, 12).Draw(t, "holiday"))
		layout := "2006-01-02"
		if rapid.Bool().Draw(t, "yearly") {
			layout = "01-02"
		}
		s.Holidays = append(s.Holidays, d.Format(layout))
	}
	if n := rapid.IntRange(0, 2).Draw(t, "overrides"); n > 0 {
		s.Overrides = map[string][][]string{}
		for range n {
			d := base.AddDate(0, 0, rapid.IntRange(-4, 12).Draw(t, "override"))
			k := rapid.IntRange(0, 2).Draw(t, "override windows")
			pts := rapid.SliceOfNDistinct(rapid.IntRange(0, 1440), 2*k, 2*k, rapid.ID[int]).Draw(t, "override points")
			slices.Sort(pts)
			ws := [][]string{}
			for i := 0; i < k; i++ {
				ws = append(ws, []string{clockOf(pts[2*i]), clockOf(pts[2*i+1])})
			}
			if k > 0 && pts[2*k-2] > 0 && rapid.Bool().Draw(t, "override crosses") {
				ws[k-1][1] = clockOf(rapid.IntRange(0, pts[2*k-2]-1).Draw(t, "override x")) // runs past midnight
			}
			s.Overrides[d.Format("2006-01-02")] = ws
		}
	}
	c, err := New(s)
	if err != nil {
		// Only an override can clash with a neighbouring day's window, or
		// leave no working time at all; draw again.
		t.Skip(err)
	}
	return s, c
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// genInstant draws a whole-minute instant between 2005 and 2030, half of the
// time within three days of one of the zone's offset changes.
func genInstant(t *rapid.T, zone string) time.Time {
	year := rapid.IntRange(2005, 2030).Draw(t, "year")
	if zone == "Pacific/Apia" && rapid.Bool().Draw(t, "apia") {
		year = 2011 // the year Samoa skipped 30 December
	}
	loc := mustZone(zone)
	t0 := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	if rapid.Bool().Draw(t, "near change") {
		var changes []time.Time
		for u := t0.In(loc); u.Year() == year; {
			_, end := u.ZoneBounds()
			if end.IsZero() || !end.After(u) {
				break
			}
			if _, o1 := u.Zone(); o1 != offsetSec(end) {
				changes = append(changes, end)
			}
			u = end
		}
		if len(changes) > 0 {
			c := rapid.SampledFrom(changes).Draw(t, "change")
			return c.Add(time.Duration(rapid.IntRange(-3*1440, 3*1440).Draw(t, "minutes")) * time.Minute).Truncate(time.Minute)
		}
	}
	return t0.Add(time.Duration(rapid.IntRange(0, 366*1440).Draw(t, "minute")) * time.Minute)
}

func offsetSec(t time.Time) int { _, o := t.Zone(); return o }

func genPauses(t *rapid.T, around time.Time) []Interval {
	var ps []Interval
	for range rapid.IntRange(0, 3).Draw(t, "pauses") {
		a := around.Add(time.Duration(rapid.IntRange(-600, 6000).Draw(t, "pause from")) * time.Minute)
		b := a.Add(time.Duration(rapid.IntRange(-60, 3000).Draw(t, "pause length")) * time.Minute)
		ps = append(ps, Interval{a, b})
	}
	return ps
}

func TestAgreesWithReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		zone := rapid.SampledFrom(propertyZones).Draw(t, "zone")
		start := genInstant(t, zone)
		spec, c := genCalendar(t, zone, start)
		ref := newReference(spec)
		pauses := genPauses(t, start)

		end := start.Add(time.Duration(rapid.IntRange(0, 5*1440).Draw(t, "span")) * time.Minute)
		if got, want := c.Elapsed(start, end, pauses), ref.elapsed(start, end, pauses); got != want {
			t.Fatalf("Elapsed(%s, %s) = %v, reference %v", start, end, got, want)
		}

		work := time.Duration(rapid.IntRange(0, 3*1440).Draw(t, "work")) * time.Minute
		want, err := ref.due(start, work, pauses, 12*24*time.Hour)
		if err != nil {
			return // too sparse for the reference's horizon
		}
		if got, err := c.Due(start, work, pauses); err != nil || !got.Equal(want) {
			t.Fatalf("Due(%s, %v) = %s, %v; reference %s", start, work, got, err, want.UTC())
		}

		probe := start.Add(time.Duration(rapid.IntRange(0, 3*1440).Draw(t, "probe")) * time.Minute)
		ws := ref.intervals(probe, probe.Add(time.Minute))
		if got, want := c.IsOpen(probe), in(probe, ws); got != want {
			t.Fatalf("IsOpen(%s) = %v, reference %v", probe, got, want)
		}
	})
}

// genWork draws up to about three months of working time, in seconds.
func genWork(t *rapid.T, label string) time.Duration {
	return time.Duration(rapid.Int64Range(0, 2000*3600).Draw(t, label)) * time.Second
}

// genCase draws a zone, a calendar, a start on any second and some pauses.
func genCase(t *rapid.T) (*Calendar, time.Time, []Interval) {
	zone := rapid.SampledFrom(propertyZones).Draw(t, "zone")
	start := genInstant(t, zone).Add(time.Duration(rapid.IntRange(0, 59).Draw(t, "second")) * time.Second)
	_, c := genCalendar(t, zone, start)
	return c, start, genPauses(t, start)
}

func mustDue(t *rapid.T, c *Calendar, start time.Time, work time.Duration, pauses []Interval) time.Time {
	d, err := c.Due(start, work, pauses)
	if err != nil {
		t.Skip(err) // a sparse calendar; ErrHorizon has its own tests
	}
	return d
}

func TestElapsedInvertsDue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, start, pauses := genCase(t)
		work := genWork(t, "work")
		due := mustDue(t, c, start, work, pauses)
		if got := c.Elapsed(start, due, pauses); got != work {
			t.Fatalf("Elapsed(%s, Due(%s, %v) = %s) = %v", start, start, work, due, got)
		}
		if !c.IsOpen(due) || in(due, pauses) {
			t.Fatalf("Due(%s, %v) = %s is not a working moment", start, work, due)
		}
	})
}

func TestDueIsAdditive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, start, pauses := genCase(t)
		a, b := genWork(t, "a"), genWork(t, "b")
		whole := mustDue(t, c, start, a+b, pauses)
		mid := mustDue(t, c, start, a, pauses)
		if got := mustDue(t, c, mid, b, pauses); !got.Equal(whole) {
			t.Fatalf("Due(Due(s, %v), %v) = %s, Due(s, %v) = %s", a, b, got, a+b, whole)
		}
	})
}

func TestDueIsMonotonic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, start, pauses := genCase(t)
		a, b := genWork(t, "a"), genWork(t, "b")
		if a > b {
			a, b = b, a
		}
		if da, db := mustDue(t, c, start, a, pauses), mustDue(t, c, start, b, pauses); da.After(db) {
			t.Fatalf("Due(s, %v) = %s after Due(s, %v) = %s", a, da, b, db)
		}
		later := start.Add(genWork(t, "delay"))
		if d1, d2 := mustDue(t, c, start, a, pauses), mustDue(t, c, later, a, pauses); d1.After(d2) {
			t.Fatalf("Due from %s = %s after Due from later %s = %s", start, d1, later, d2)
		}
	})
}

func TestPausesNeverAddWorkingTime(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, start, pauses := genCase(t)
		end := start.Add(genWork(t, "span"))
		if with, without := c.Elapsed(start, end, pauses), c.Elapsed(start, end, nil); with > without {
			t.Fatalf("Elapsed with pauses %v > without %v", with, without)
		}
		work := genWork(t, "work")
		if with, without := mustDue(t, c, start, work, pauses), mustDue(t, c, start, work, nil); with.Before(without) {
			t.Fatalf("Due with pauses %s before without %s", with, without)
		}
	})
}

func TestElapsedIsAdditive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, a, pauses := genCase(t)
		b := a.Add(genWork(t, "ab"))
		d := b.Add(genWork(t, "bd"))
		if whole, parts := c.Elapsed(a, d, pauses), c.Elapsed(a, b, pauses)+c.Elapsed(b, d, pauses); whole != parts {
			t.Fatalf("Elapsed(a, d) = %v, Elapsed(a, b) + Elapsed(b, d) = %v", whole, parts)
		}
	})
}

// TestBlocksAgreeWithDays checks the fast path, which measures runs of plain
// days from the weekly pattern, against the day-by-day path: overriding every
// day of the horizon with its own windows changes nothing about the calendar
// but makes every day an exception.
func TestBlocksAgreeWithDays(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, start, pauses := genCase(t)
		spec := c.Spec()
		ref := newReference(spec) // for its reading of each date's windows
		local := start.In(c.zone.loc)
		first := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -5)
		spec.Overrides = map[string][][]string{}
		for d := first; d.Before(first.AddDate(0, 0, 130)); d = d.AddDate(0, 0, 1) {
			ws := [][]string{}
			for _, w := range ref.windowsOn(d) {
				closing := w[1]
				if closing > 1440 {
					closing -= 1440 // crosses midnight
				}
				ws = append(ws, []string{clockOf(w[0]), clockOf(closing)})
			}
			spec.Overrides[d.Format("2006-01-02")] = ws
		}
		daily, err := New(spec)
		if err != nil {
			t.Fatalf("overriding every day with its own windows: %v", err)
		}
		end := start.Add(genWork(t, "span"))
		if got, want := c.Elapsed(start, end, pauses), daily.Elapsed(start, end, pauses); got != want {
			t.Fatalf("Elapsed(%s, %s) = %v, day by day %v", start, end, got, want)
		}
		work := genWork(t, "work")
		got, err1 := c.Due(start, work, pauses)
		want, err2 := daily.Due(start, work, pauses)
		if (err1 == nil) != (err2 == nil) || !got.Equal(want) {
			t.Fatalf("Due(%s, %v) = %s, %v; day by day %s, %v", start, work, got, err1, want, err2)
		}
	})
}
