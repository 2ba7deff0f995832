package businesstime

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestWorking(t *testing.T) {
	nyWeekdays := Spec{Zone: "America/New_York", Hours: weekdays("08:00", "20:00")}
	// Windows that touch across midnight, across the end of the week
	// (Sunday into Monday) and across a window that crosses midnight.
	touching := Spec{Zone: "UTC", Hours: map[string][][]string{
		"sun": {{"22:00", "24:00"}},
		"mon": {{"00:00", "02:00"}, {"22:00", "06:00"}},
		"tue": {{"06:00", "08:00"}},
	}}
	nightShift := Spec{Zone: "Europe/Paris", Hours: everyDay([]string{"22:00", "06:00"})}
	tests := []struct {
		name     string
		spec     Spec
		from, to string
		pauses   [][2]string
		want     [][2]string // UTC
	}{
		{
			"New York weekdays across spring forward", nyWeekdays,
			"2024-03-08T21:00:00-05:00", "2024-03-12T09:00:00-04:00", nil,
			[][2]string{{"2024-03-11T12:00:00Z", "2024-03-12T00:00:00Z"}, {"2024-03-12T12:00:00Z", "2024-03-12T13:00:00Z"}},
		},
		{
			"a pause splits Monday", nyWeekdays,
			"2024-03-08T21:00:00-05:00", "2024-03-12T09:00:00-04:00",
			[][2]string{{"2024-03-11T10:00:00-04:00", "2024-03-11T11:30:00-04:00"}},
			[][2]string{
				{"2024-03-11T12:00:00Z", "2024-03-11T14:00:00Z"},
				{"2024-03-11T15:30:00Z", "2024-03-12T00:00:00Z"},
				{"2024-03-12T12:00:00Z", "2024-03-12T13:00:00Z"},
			},
		},
		{
			"a range starting and ending inside windows", nyWeekdays,
			"2024-06-03T19:00:00-04:00", "2024-06-04T08:30:00-04:00", nil,
			[][2]string{{"2024-06-03T23:00:00Z", "2024-06-04T00:00:00Z"}, {"2024-06-04T12:00:00Z", "2024-06-04T12:30:00Z"}},
		},
		{
			"a holiday is skipped", newYork,
			"2024-07-03T00:00:00-04:00", "2024-07-06T00:00:00-04:00", nil,
			[][2]string{{"2024-07-03T12:00:00Z", "2024-07-04T00:00:00Z"}, {"2024-07-05T12:00:00Z", "2024-07-06T00:00:00Z"}},
		},
		{
			"24x7 across spring forward is [from, to) minus the pauses", Spec{Zone: "America/New_York", AlwaysOpen: true},
			"2024-03-09T10:00:00Z", "2024-03-11T10:00:00Z",
			[][2]string{{"2024-03-10T05:00:00Z", "2024-03-10T08:00:00Z"}, {"2024-03-11T09:00:00Z", "2024-03-12T00:00:00Z"}},
			[][2]string{{"2024-03-09T10:00:00Z", "2024-03-10T05:00:00Z"}, {"2024-03-10T08:00:00Z", "2024-03-11T09:00:00Z"}},
		},
		{
			"24x7 over months is one interval", Spec{Zone: "Europe/Paris", AlwaysOpen: true},
			"2024-01-01T00:00:00.5Z", "2024-12-01T00:00:00Z", nil,
			[][2]string{{"2024-01-01T00:00:00.5Z", "2024-12-01T00:00:00Z"}},
		},
		{
			"touching windows merge across midnight and the week's end", touching,
			"2024-06-02T00:00:00Z", "2024-06-05T00:00:00Z", nil,
			[][2]string{{"2024-06-02T22:00:00Z", "2024-06-03T02:00:00Z"}, {"2024-06-03T22:00:00Z", "2024-06-04T08:00:00Z"}},
		},
		{
			"touching windows, from inside one", touching,
			"2024-06-03T01:00:00Z", "2024-06-04T07:00:00Z", nil,
			[][2]string{{"2024-06-03T01:00:00Z", "2024-06-03T02:00:00Z"}, {"2024-06-03T22:00:00Z", "2024-06-04T07:00:00Z"}},
		},
		{
			"touching windows over weeks", touching,
			"2024-06-01T00:00:00Z", "2024-06-16T00:00:00Z", nil,
			[][2]string{
				{"2024-06-02T22:00:00Z", "2024-06-03T02:00:00Z"}, {"2024-06-03T22:00:00Z", "2024-06-04T08:00:00Z"},
				{"2024-06-09T22:00:00Z", "2024-06-10T02:00:00Z"}, {"2024-06-10T22:00:00Z", "2024-06-11T08:00:00Z"},
			},
		},
		{
			"a night shift across spring forward", nightShift,
			"2024-03-30T00:00:00+01:00", "2024-04-01T12:00:00+02:00", nil,
			[][2]string{
				{"2024-03-29T23:00:00Z", "2024-03-30T05:00:00Z"},
				{"2024-03-30T21:00:00Z", "2024-03-31T04:00:00Z"},
				{"2024-03-31T20:00:00Z", "2024-04-01T04:00:00Z"},
			},
		},
		{
			"a night shift paused across midnight", nightShift,
			"2024-06-10T00:00:00+02:00", "2024-06-11T12:00:00+02:00",
			[][2]string{{"2024-06-10T23:00:00+02:00", "2024-06-11T01:00:00+02:00"}},
			[][2]string{
				{"2024-06-09T22:00:00Z", "2024-06-10T04:00:00Z"},
				{"2024-06-10T20:00:00Z", "2024-06-10T21:00:00Z"},
				{"2024-06-10T23:00:00Z", "2024-06-11T04:00:00Z"},
			},
		},
		{
			"before 1900 counts nothing", Spec{Zone: "UTC", AlwaysOpen: true},
			"1899-12-31T00:00:00Z", "1900-01-01T01:00:00Z", nil,
			[][2]string{{"1900-01-01T00:00:00Z", "1900-01-01T01:00:00Z"}},
		},
		{"empty range", nyWeekdays, "2024-06-03T10:00:00-04:00", "2024-06-03T10:00:00-04:00", nil, nil},
		{"to before from", nyWeekdays, "2024-06-04T10:00:00-04:00", "2024-06-03T10:00:00-04:00", nil, nil},
		{"a weekend has nothing", nyWeekdays, "2024-06-08T00:00:00-04:00", "2024-06-10T00:00:00-04:00", nil, nil},
		{
			"all of it paused", nyWeekdays, "2024-06-03T00:00:00-04:00", "2024-06-04T00:00:00-04:00",
			[][2]string{{"2024-06-03T07:00:00-04:00", "2024-06-03T21:00:00-04:00"}}, nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, tt.spec)
			var pauses []Interval
			for _, p := range tt.pauses {
				pauses = append(pauses, Interval{ts(t, p[0]), ts(t, p[1])})
			}
			from, to := ts(t, tt.from), ts(t, tt.to)
			got := c.Working(from, to, pauses)
			var want []Interval
			for _, w := range tt.want {
				want = append(want, Interval{ts(t, w[0]), ts(t, w[1])})
			}
			if len(got) != len(want) || (want == nil) != (got == nil) {
				t.Fatalf("Working(%s, %s) = %v, want %v", tt.from, tt.to, got, want)
			}
			for i := range want {
				// == rather than Equal: the times must also be in UTC.
				if got[i] != want[i] {
					t.Fatalf("Working(%s, %s)[%d] = %v, want %v", tt.from, tt.to, i, got[i], want[i])
				}
			}
			if sum, el := total(got), c.Elapsed(from, to, pauses); sum != el {
				t.Fatalf("intervals add up to %v, Elapsed %v", sum, el)
			}
		})
	}
}

func total(ivs []Interval) time.Duration {
	var n time.Duration
	for _, iv := range ivs {
		n += iv.To.Sub(iv.From)
	}
	return n
}

// checkWorking checks Working(from, to, pauses) against Elapsed, IsOpen and
// the pauses.
func checkWorking(t *rapid.T, c *Calendar, from, to time.Time, pauses []Interval) []Interval {
	ivs := c.Working(from, to, pauses)
	if ivs != nil && len(ivs) == 0 {
		t.Fatalf("Working(%s, %s) is empty but not nil", from, to)
	}
	if sum, el := total(ivs), c.Elapsed(from, to, pauses); sum != el {
		t.Fatalf("Working(%s, %s) adds up to %v, Elapsed %v: %v", from, to, sum, el, ivs)
	}
	for i, iv := range ivs {
		if iv.From.Location() != time.UTC || iv.To.Location() != time.UTC {
			t.Fatalf("interval %d %v is not in UTC", i, iv)
		}
		if !iv.From.Before(iv.To) || iv.From.Before(from) || iv.To.After(to) {
			t.Fatalf("interval %d %v is empty or outside [%s, %s)", i, iv, from, to)
		}
		if !c.IsOpen(iv.From) || in(iv.From, pauses) {
			t.Fatalf("interval %d starts at %s, which is not working time", i, iv.From)
		}
		if i == 0 {
			continue
		}
		prev := ivs[i-1]
		if !prev.To.Before(iv.From) {
			t.Fatalf("intervals %v and %v overlap, touch or are out of order", prev, iv)
		}
		if mid := prev.To.Add(iv.From.Sub(prev.To) / 2); c.IsOpen(mid) && !in(mid, pauses) {
			t.Fatalf("%s, between %v and %v, is working time", mid, prev, iv)
		}
	}
	return ivs
}

func TestWorkingProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, start, pauses := genCase(t)
		end := start.Add(genWork(t, "span"))
		checkWorking(t, c, start, end, pauses)
	})
}

// TestWorkingAgreesWithReference checks every minute of a few days against
// the reference model.
func TestWorkingAgreesWithReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		zone := rapid.SampledFrom(propertyZones).Draw(t, "zone")
		start := genInstant(t, zone)
		spec, c := genCalendar(t, zone, start)
		pauses := genPauses(t, start)
		end := start.Add(time.Duration(rapid.IntRange(0, 5*1440).Draw(t, "span")) * time.Minute)
		ivs := checkWorking(t, c, start, end, pauses)
		ws := newReference(spec).intervals(start, end)
		for m := start; m.Before(end); m = m.Add(time.Minute) {
			if got, want := in(m, ivs), working(m, ws, pauses); got != want {
				t.Fatalf("minute %s: in Working = %v, reference working = %v; Working = %v", m, got, want, ivs)
			}
		}
	})
}

// TestWorkingBlocksAgreeWithDays checks the enumeration of the weekly
// pattern's windows against the day-by-day path, as TestBlocksAgreeWithDays
// does for Elapsed and Due.
func TestWorkingBlocksAgreeWithDays(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, start, pauses := genCase(t)
		spec := c.Spec()
		ref := newReference(spec)
		local := start.In(c.zone.loc)
		first := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -5)
		spec.Overrides = map[string][][]string{}
		for d := first; d.Before(first.AddDate(0, 0, 40)); d = d.AddDate(0, 0, 1) {
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
		end := start.Add(time.Duration(rapid.IntRange(0, 30*1440).Draw(t, "span")) * time.Minute)
		got, want := c.Working(start, end, pauses), daily.Working(start, end, pauses)
		if len(got) != len(want) {
			t.Fatalf("Working(%s, %s) = %v, day by day %v", start, end, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Working(%s, %s)[%d] = %v, day by day %v", start, end, i, got[i], want[i])
			}
		}
	})
}

func BenchmarkWorking(b *testing.B) {
	for _, holidays := range []int{0, 30} {
		c, _ := benchCalendars(b, holidays)
		end := benchStart.AddDate(0, 0, 7)
		b.Run(fmt.Sprintf("1w/holidays=%d", holidays), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(c.Working(benchStart, end, nil)) == 0 {
					b.Fatal("no working time")
				}
			}
		})
	}
}
