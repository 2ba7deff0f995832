package businesstime

import (
	"fmt"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
)

// The benchmarks run Accord's New York calendar (Mon-Fri 08:00-20:00) and
// the same calendar in github.com/rickar/cal/v2 side by side, from a Monday
// morning across both DST changes. rickar's results are not checked: its
// opening time is midnight plus a duration, which is off on DST days.

var benchSpans = []struct {
	name string
	work time.Duration
}{
	{"1h", time.Hour},
	{"18h", 18 * time.Hour},
	{"1w", 60 * time.Hour},       // a week of this calendar
	{"3mo", 13 * 60 * time.Hour}, // 13 weeks
	{"1y", 52 * 60 * time.Hour},  // 52 weeks
}

var benchStart = time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC) // Monday 05:00 EST

// benchHolidays returns n working days spread over the year after benchStart.
func benchHolidays(n int) []time.Time {
	var out []time.Time
	for d := benchStart.AddDate(0, 0, 3); len(out) < n; d = d.AddDate(0, 0, 12) {
		for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			d = d.AddDate(0, 0, 1)
		}
		out = append(out, d)
	}
	return out
}

func benchCalendars(b *testing.B, holidays int) (*Calendar, *cal.BusinessCalendar) {
	spec := Spec{Zone: "America/New_York", Hours: weekdays("08:00", "20:00")}
	rc := cal.NewBusinessCalendar()
	rc.SetWorkHours(8*time.Hour, 20*time.Hour)
	rc.Cacheable = true // rickar's own speed-up for repeated holiday lookups
	for _, h := range benchHolidays(holidays) {
		spec.Holidays = append(spec.Holidays, h.Format("2006-01-02"))
		rc.AddHoliday(&cal.Holiday{
			Name: h.Format("2006-01-02"), Type: cal.ObservancePublic,
			Month: h.Month(), Day: h.Day(), StartYear: h.Year(), EndYear: h.Year(),
			Func: cal.CalcDayOfMonth,
		})
	}
	return mustNew(b, spec), rc
}

func BenchmarkDue(b *testing.B) {
	loc := mustZone("America/New_York")
	for _, span := range benchSpans {
		for _, holidays := range []int{0, 30} {
			c, rc := benchCalendars(b, holidays)
			prefix := fmt.Sprintf("%s/holidays=%d", span.name, holidays)
			b.Run(prefix+"/accord", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := c.Due(benchStart, span.work, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(prefix+"/rickar", func(b *testing.B) {
				b.ReportAllocs()
				start := benchStart.In(loc)
				for b.Loop() {
					rc.AddWorkHours(start, span.work)
				}
			})
		}
	}
}

func BenchmarkElapsed(b *testing.B) {
	loc := mustZone("America/New_York")
	for _, span := range benchSpans {
		for _, holidays := range []int{0, 30} {
			c, rc := benchCalendars(b, holidays)
			end, err := c.Due(benchStart, span.work, nil)
			if err != nil {
				b.Fatal(err)
			}
			prefix := fmt.Sprintf("%s/holidays=%d", span.name, holidays)
			b.Run(prefix+"/accord", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					c.Elapsed(benchStart, end, nil)
				}
			})
			b.Run(prefix+"/rickar", func(b *testing.B) {
				b.ReportAllocs()
				start, end := benchStart.In(loc), end.In(loc)
				for b.Loop() {
					rc.WorkHoursInRange(start, end)
				}
			})
		}
	}
}
