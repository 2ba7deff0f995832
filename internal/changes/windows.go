package changes

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rule is when a maintenance window recurs: every week on a weekday, or
// every month on the nth (or last) weekday, from a local start time for a
// duration that may cross midnight. Written as text it reads
//
//	first saturday 22:00-02:00    (monthly: first, second, third, fourth, last)
//	every sunday 01:00-04:00      (weekly)
//
// An end at or before the start is on the next day.
type Rule struct {
	// Nth is 1 to 4 for the nth weekday of the month, -1 for the last, 0
	// for every week.
	Nth     int
	Weekday time.Weekday
	// Start is the local opening, in minutes after midnight.
	Start int
	// Length is the window's length on the wall clock, 1 minute to 24 hours.
	Length int // minutes
}

var ordinals = []string{"every", "first", "second", "third", "fourth"}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// ParseRule reads a rule written as String writes it; the words are
// case-insensitive and the message of an error names what was expected.
func ParseRule(s string) (Rule, error) {
	f := strings.Fields(strings.ToLower(s))
	if len(f) != 3 {
		return Rule{}, fmt.Errorf("must read like %q or %q", "first saturday 22:00-02:00", "every sunday 01:00-04:00")
	}
	var r Rule
	switch f[0] {
	case "last":
		r.Nth = -1
	default:
		r.Nth = -2
		for i, o := range ordinals {
			if f[0] == o {
				r.Nth = i
			}
		}
		if r.Nth == -2 {
			return Rule{}, fmt.Errorf("%q must be every, first, second, third, fourth or last", f[0])
		}
	}
	wd, ok := weekdays[f[1]]
	if !ok {
		return Rule{}, fmt.Errorf("%q must be a weekday in English, e.g. saturday", f[1])
	}
	r.Weekday = wd
	from, to, ok := strings.Cut(f[2], "-")
	if !ok {
		return Rule{}, fmt.Errorf("%q must be a time range like 22:00-02:00", f[2])
	}
	a, okA := clock(from)
	b, okB := clock(to)
	if !okA || !okB {
		return Rule{}, fmt.Errorf("%q must be a time range like 22:00-02:00 (hours 00-23, minutes 00-59)", f[2])
	}
	r.Start = a
	r.Length = b - a
	if r.Length <= 0 {
		r.Length += 24 * 60
	}
	return r, nil
}

// clock reads "HH:MM" as minutes after midnight.
func clock(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || h[0] == '+' || m[0] == '+' {
		return 0, false
	}
	return hh*60 + mm, true
}

// String writes the rule the way ParseRule reads it.
func (r Rule) String() string {
	word := "last"
	if r.Nth >= 0 && r.Nth < len(ordinals) {
		word = ordinals[r.Nth]
	}
	end := (r.Start + r.Length) % (24 * 60)
	return fmt.Sprintf("%s %s %02d:%02d-%02d:%02d", word, strings.ToLower(r.Weekday.String()),
		r.Start/60, r.Start%60, end/60, end%60)
}

// Span is a stretch of time [From, To).
type Span struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Contains reports whether [from, to) lies inside the span.
func (s Span) Contains(from, to time.Time) bool { return !from.Before(s.From) && !to.After(s.To) }

// Occurrences returns the windows of the rule in zone that end after from
// and start before to, in order. Opening and closing are local wall-clock
// times: a window 01:00-04:00 on the night the clocks go back lasts an hour
// longer than on other nights, and one the night they go forward an hour
// shorter.
func (r Rule) Occurrences(zone *time.Location, from, to time.Time) []Span {
	var out []Span
	// Start two days early: a window opened the day before may still be open.
	y, m, d := from.In(zone).AddDate(0, 0, -2).Date()
	day := time.Date(y, m, d, 12, 0, 0, 0, zone)
	for ; day.Before(to.Add(24 * time.Hour)); day = day.AddDate(0, 0, 1) {
		if !r.on(day) {
			continue
		}
		dy, dm, dd := day.Date()
		open := time.Date(dy, dm, dd, 0, r.Start, 0, 0, zone)
		end := time.Date(dy, dm, dd, 0, r.Start+r.Length, 0, 0, zone)
		if end.After(from) && open.Before(to) {
			out = append(out, Span{From: open, To: end})
		}
	}
	return out
}

// on reports whether the rule's window opens on day's local date.
func (r Rule) on(day time.Time) bool {
	if day.Weekday() != r.Weekday {
		return false
	}
	switch {
	case r.Nth == 0:
		return true
	case r.Nth == -1:
		return day.AddDate(0, 0, 7).Month() != day.Month()
	}
	return (day.Day()-1)/7+1 == r.Nth
}

// MonthlyMinimum is the least time the rules open in one calendar month of
// zone, over the twelve months from the one holding t. Section 12.1 of the
// support policy asks the customer to allow at least an hour a month.
func MonthlyMinimum(rules []Rule, zone *time.Location, t time.Time) time.Duration {
	y, m, _ := t.In(zone).Date()
	least := time.Duration(-1)
	for i := range 12 {
		start := time.Date(y, m+time.Month(i), 1, 0, 0, 0, 0, zone)
		end := start.AddDate(0, 1, 0)
		var sum time.Duration
		for _, r := range rules {
			for _, o := range r.Occurrences(zone, start, end) {
				if !o.From.Before(start) { // counted in the month it opens
					sum += o.To.Sub(o.From)
				}
			}
		}
		if least < 0 || sum < least {
			least = sum
		}
	}
	return least
}

// MinMonthly is what section 12.1 asks a customer to allow each month.
const MinMonthly = time.Hour
