package businesstime

import (
	"errors"
	"math"
	"testing"
	"time"
)

func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustNew(t testing.TB, s Spec) *Calendar {
	t.Helper()
	c, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func weekdays(open, close string) map[string][][]string {
	w := [][]string{{open, close}}
	return map[string][][]string{"mon": w, "tue": w, "wed": w, "thu": w, "fri": w}
}

func everyDay(ws ...[]string) map[string][][]string {
	m := map[string][][]string{}
	for _, k := range dayKeys {
		m[k] = ws
	}
	return m
}

// Accord's own calendars.
var (
	newYork  = Spec{Zone: "America/New_York", Hours: weekdays("08:00", "20:00"), Holidays: []string{"2024-07-04", "12-25"}}
	saoPaulo = Spec{Zone: "America/Sao_Paulo", Hours: weekdays("08:00", "18:00")}
)

func TestDue(t *testing.T) {
	nightShift := Spec{Zone: "Europe/Paris", Hours: map[string][][]string{"fri": {{"22:00", "06:00"}}}}
	tests := []struct {
		name   string
		spec   Spec
		start  string
		work   time.Duration
		pauses [][2]string
		want   string
	}{
		{"zero work in hours is the start", newYork, "2024-03-06T10:00:00-05:00", 0, nil, "2024-03-06T15:00:00Z"},
		{"zero work out of hours is the next opening (across spring forward)", newYork, "2024-03-08T21:00:00-05:00", 0, nil, "2024-03-11T12:00:00Z"},
		{"the issue's example: Friday 19:00 EST plus 2h", newYork, "2024-03-08T19:00:00-05:00", 2 * time.Hour, nil, "2024-03-11T13:00:00Z"},
		{"a deadline at a window's close is the next opening", newYork, "2024-03-08T19:00:00-05:00", time.Hour, nil, "2024-03-11T12:00:00Z"},
		{"a deadline at a holiday is the opening after it", newYork, "2024-07-03T19:00:00-04:00", time.Hour, nil, "2024-07-05T12:00:00Z"},
		{"a yearly holiday", newYork, "2024-12-24T19:30:00-05:00", time.Hour, nil, "2024-12-26T13:30:00Z"},
		{"18 working hours over a weekend and fall back", newYork, "2024-11-01T14:00:00-04:00", 18 * time.Hour, nil, "2024-11-05T13:00:00Z"},
		{"17 working hours over a weekend and fall back", newYork, "2024-11-01T14:00:00-04:00", 17 * time.Hour, nil, "2024-11-05T00:00:00Z"},
		{"a week of work across fall back", newYork, "2024-10-28T08:00:00-04:00", 60 * time.Hour, nil, "2024-11-04T13:00:00Z"},
		{"a deadline at the start of a pause is the instant work resumes", newYork, "2024-06-03T08:00:00-04:00", 2 * time.Hour,
			[][2]string{{"2024-06-03T10:00:00-04:00", "2024-06-03T11:00:00-04:00"}}, "2024-06-03T15:00:00Z"},
		{"pauses unsorted, overlapping, one inverted", newYork, "2024-06-03T08:00:00-04:00", 3 * time.Hour,
			[][2]string{
				{"2024-06-03T10:30:00-04:00", "2024-06-03T11:00:00-04:00"},
				{"2024-06-03T10:00:00-04:00", "2024-06-03T10:45:00-04:00"},
				{"2024-06-03T09:30:00-04:00", "2024-06-03T09:00:00-04:00"},
				{"2024-06-03T09:00:00-04:00", "2024-06-03T09:30:00-04:00"},
			}, "2024-06-03T16:30:00Z"},
		{"a pause over the start", newYork, "2024-06-03T09:00:00-04:00", 0,
			[][2]string{{"2024-06-03T08:00:00-04:00", "2024-06-03T12:00:00-04:00"}}, "2024-06-03T16:00:00Z"},
		{"Sao Paulo 2018: DST began at midnight on Sunday 4 November", saoPaulo, "2018-11-02T17:00:00-03:00", 2 * time.Hour, nil, "2018-11-05T11:00:00Z"},
		{"Sao Paulo 2018: DST ended at midnight on Sunday 18 February", saoPaulo, "2018-02-16T17:00:00-02:00", 2 * time.Hour, nil, "2018-02-19T12:00:00Z"},
		{"a night shift runs past midnight", nightShift, "2024-06-07T23:00:00+02:00", 3 * time.Hour, nil, "2024-06-08T00:00:00Z"},
		{"a holiday on the morning after does not cut the night shift", Spec{Zone: "Europe/Paris", Hours: nightShift.Hours, Holidays: []string{"2024-06-08"}},
			"2024-06-07T23:00:00+02:00", 3 * time.Hour, nil, "2024-06-08T00:00:00Z"},
		{"a holiday on the evening removes the night shift", Spec{Zone: "Europe/Paris", Hours: nightShift.Hours, Holidays: []string{"06-07"}},
			"2024-06-07T23:00:00+02:00", 3 * time.Hour, nil, "2024-06-14T23:00:00Z"},
		{"an override shortens a day; a yearly holiday follows",
			Spec{Zone: "America/New_York", Hours: weekdays("08:00", "20:00"), Holidays: []string{"12-25"}, Overrides: map[string][][]string{"2024-12-24": {{"08:00", "12:00"}}}},
			"2024-12-24T11:00:00-05:00", 2 * time.Hour, nil, "2024-12-26T14:00:00Z"},
		{"an override beats a holiday on its date",
			Spec{Zone: "America/New_York", Hours: weekdays("08:00", "20:00"), Holidays: []string{"12-25"}, Overrides: map[string][][]string{"2024-12-25": {{"10:00", "11:00"}}}},
			"2024-12-24T19:30:00-05:00", time.Hour, nil, "2024-12-25T15:30:00Z"},
		{"an empty override closes a working day",
			Spec{Zone: "America/New_York", Hours: weekdays("08:00", "20:00"), Overrides: map[string][][]string{"2024-06-04": {}}},
			"2024-06-03T19:00:00-04:00", 2 * time.Hour, nil, "2024-06-05T13:00:00Z"},
		{"spring forward: a window opening in the gap opens an hour later", Spec{Zone: "America/New_York", Hours: everyDay([]string{"02:30", "04:00"})},
			"2024-03-10T06:00:00Z", 0, nil, "2024-03-10T07:30:00Z"},
		{"spring forward: a window DST makes empty is dropped", Spec{Zone: "America/New_York", Hours: everyDay([]string{"02:00", "03:00"})},
			"2024-03-10T06:00:00Z", 0, nil, "2024-03-11T06:00:00Z"},
		{"fall back: an ambiguous opening is its first occurrence", Spec{Zone: "America/New_York", Hours: everyDay([]string{"01:30", "03:00"})},
			"2024-11-03T04:00:00Z", 0, nil, "2024-11-03T05:30:00Z"},
		{"fall back: a window from 01:30 to 03:00 holds 2h30", Spec{Zone: "America/New_York", Hours: everyDay([]string{"01:30", "03:00"})},
			"2024-11-03T05:30:00Z", 150 * time.Minute, nil, "2024-11-04T06:30:00Z"},
		{"fall back: an ambiguous close is its first occurrence", Spec{Zone: "America/New_York", Hours: everyDay([]string{"00:00", "01:30"})},
			"2024-11-03T04:00:00Z", 90 * time.Minute, nil, "2024-11-04T05:00:00Z"},
		{"Santiago: midnight does not exist on the day DST begins", Spec{Zone: "America/Santiago", Hours: everyDay([]string{"00:00", "02:00"})},
			"2024-09-08T02:00:00Z", 0, nil, "2024-09-08T04:00:00Z"},
		{"24x7 is open across spring forward", Spec{Zone: "America/New_York", AlwaysOpen: true}, "2024-03-10T05:00:00Z", 24 * time.Hour, nil, "2024-03-11T05:00:00Z"},
		{"sub-second work and start", newYork, "2024-06-03T19:59:59.5-04:00", 750 * time.Millisecond, nil, "2024-06-04T12:00:00.25Z"},
		{"a year of work with holidays", newYork, "2024-01-02T08:00:00-05:00", 52 * 60 * time.Hour, nil, "2025-01-02T13:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, tt.spec)
			var pauses []Interval
			for _, p := range tt.pauses {
				pauses = append(pauses, Interval{ts(t, p[0]), ts(t, p[1])})
			}
			got, err := c.Due(ts(t, tt.start), tt.work, pauses)
			if err != nil {
				t.Fatal(err)
			}
			if want := ts(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("Due(%s, %v) = %s, want %s", tt.start, tt.work, got.Format(time.RFC3339Nano), tt.want)
			}
			if elapsed := c.Elapsed(ts(t, tt.start), got, pauses); elapsed != tt.work {
				t.Errorf("Elapsed(start, due) = %v, want %v", elapsed, tt.work)
			}
		})
	}
}

func TestElapsed(t *testing.T) {
	tests := []struct {
		name     string
		spec     Spec
		from, to string
		want     time.Duration
	}{
		{"a week across spring forward", newYork, "2024-03-04T00:00:00-05:00", "2024-03-11T00:00:00-04:00", 60 * time.Hour},
		{"a week across fall back", newYork, "2024-10-28T00:00:00-04:00", "2024-11-04T00:00:00-05:00", 60 * time.Hour},
		{"the week of July 4", newYork, "2024-07-01T00:00:00-04:00", "2024-07-08T00:00:00-04:00", 48 * time.Hour},
		{"to before from", newYork, "2024-07-02T12:00:00-04:00", "2024-07-01T12:00:00-04:00", 0},
		{"24x7: spring forward day is 23h", Spec{Zone: "America/New_York", AlwaysOpen: true}, "2024-03-10T00:00:00-05:00", "2024-03-11T00:00:00-04:00", 23 * time.Hour},
		{"24x7: fall back day is 25h", Spec{Zone: "America/New_York", AlwaysOpen: true}, "2024-11-03T00:00:00-04:00", "2024-11-04T00:00:00-05:00", 25 * time.Hour},
		{"24x7: Sydney's first DST day is 23h", Spec{Zone: "Australia/Sydney", AlwaysOpen: true}, "2024-10-06T00:00:00+10:00", "2024-10-07T00:00:00+11:00", 23 * time.Hour},
		{"24x7: Lord Howe's DST day is 23h30", Spec{Zone: "Australia/Lord_Howe", AlwaysOpen: true}, "2024-10-06T00:00:00+10:30", "2024-10-07T00:00:00+11:00", 23*time.Hour + 30*time.Minute},
		{"24x7: Apia skipped 30 December 2011", Spec{Zone: "Pacific/Apia", AlwaysOpen: true}, "2011-12-29T00:00:00-10:00", "2011-12-31T00:00:00+14:00", 24 * time.Hour},
		{"24x7 with a holiday", Spec{Zone: "Europe/Paris", AlwaysOpen: true, Holidays: []string{"2024-05-01"}}, "2024-04-30T00:00:00+02:00", "2024-05-03T00:00:00+02:00", 48 * time.Hour},
		{"Sao Paulo week of November 2018 (23h Sunday)", saoPaulo, "2018-11-01T00:00:00-03:00", "2018-11-08T00:00:00-02:00", 50 * time.Hour},
		{"before 1900 counts nothing", Spec{Zone: "UTC", AlwaysOpen: true}, "1899-12-31T00:00:00Z", "1900-01-01T01:00:00Z", time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, tt.spec)
			if got := c.Elapsed(ts(t, tt.from), ts(t, tt.to), nil); got != tt.want {
				t.Errorf("Elapsed(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	c := mustNew(t, newYork)
	for _, tt := range []struct {
		at   string
		open bool
		next string
	}{
		{"2024-06-03T08:00:00-04:00", true, "2024-06-03T12:00:00Z"},
		{"2024-06-03T07:59:59.999999999-04:00", false, "2024-06-03T12:00:00Z"},
		{"2024-06-03T19:59:59-04:00", true, "2024-06-03T23:59:59Z"},
		{"2024-06-03T20:00:00-04:00", false, "2024-06-04T12:00:00Z"},
		{"2024-07-04T12:00:00-04:00", false, "2024-07-05T12:00:00Z"},
		{"2024-06-08T12:00:00-04:00", false, "2024-06-10T12:00:00Z"},
	} {
		at := ts(t, tt.at)
		if got := c.IsOpen(at); got != tt.open {
			t.Errorf("IsOpen(%s) = %v, want %v", tt.at, got, tt.open)
		}
		if got, err := c.NextOpen(at); err != nil || !got.Equal(ts(t, tt.next)) {
			t.Errorf("NextOpen(%s) = %s, %v, want %s", tt.at, got, err, tt.next)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		start string
		n     int
		want  string
	}{
		{"the next working day skips a holiday", newYork, "2024-07-03T15:00:00-04:00", 1, "2024-07-05T19:00:00Z"},
		{"two working days over a holiday and a weekend", newYork, "2024-07-03T15:00:00-04:00", 2, "2024-07-08T19:00:00Z"},
		{"the same clock time, across spring forward", newYork, "2024-03-08T10:00:00-05:00", 1, "2024-03-11T14:00:00Z"},
		{"a clock time out of hours moves to the next opening", newYork, "2024-03-08T21:00:00-05:00", 1, "2024-03-12T12:00:00Z"},
		{"from a weekend", newYork, "2024-03-09T10:00:00-05:00", 1, "2024-03-11T14:00:00Z"},
		{"zero days is the next opening", newYork, "2024-03-09T10:00:00-05:00", 0, "2024-03-11T12:00:00Z"},
		{"ten working days for auto-close", newYork, "2024-06-28T09:00:00-04:00", 10, "2024-07-15T13:00:00Z"},
		{"a year of working days skips weeks", newYork, "2024-01-02T09:00:00-05:00", 250, "2024-12-18T14:00:00Z"},
		{"a clock time in the spring-forward gap moves forward", Spec{Zone: "America/New_York", AlwaysOpen: true}, "2024-03-09T02:30:00-05:00", 1, "2024-03-10T07:30:00Z"},
		{"an override makes a Saturday a working day",
			Spec{Zone: "America/New_York", Hours: weekdays("08:00", "20:00"), Overrides: map[string][][]string{"2024-06-08": {{"09:00", "13:00"}}}},
			"2024-06-07T10:00:00-04:00", 1, "2024-06-08T14:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mustNew(t, tt.spec).AddWorkdays(ts(t, tt.start), tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(ts(t, tt.want)) {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tt.start, tt.n, got.Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	c := mustNew(t, newYork)
	at := ts(t, "2024-06-03T10:00:00-04:00")
	if _, err := c.Due(at, -time.Second, nil); err == nil {
		t.Error("Due with negative work: no error")
	}
	if _, err := c.AddWorkdays(at, -1); err == nil {
		t.Error("AddWorkdays with negative n: no error")
	}
	for _, bad := range []string{"1899-12-31T23:59:59Z", "2160-01-01T00:00:00Z"} {
		if _, err := c.Due(ts(t, bad), 0, nil); !errors.Is(err, ErrRange) {
			t.Errorf("Due(%s) error = %v, want ErrRange", bad, err)
		}
		if c.IsOpen(ts(t, bad)) {
			t.Errorf("IsOpen(%s) = true outside the supported range", bad)
		}
	}

	if _, err := c.Due(at, math.MaxInt64, nil); !errors.Is(err, ErrHorizon) {
		t.Errorf("Due with 292 years of work: error = %v, want ErrHorizon", err)
	}
	if got := mustNew(t, Spec{Zone: "UTC", AlwaysOpen: true}).Elapsed(time.Time{}, ts(t, "9999-01-01T00:00:00Z"), nil); got != maxInstant.Sub(minInstant) {
		t.Errorf("Elapsed over all time = %v, want the supported range %v", got, maxInstant.Sub(minInstant))
	}

	// One working hour in 2024 and none after: the search stops at 10 years.
	once := mustNew(t, Spec{Zone: "Europe/Paris", Overrides: map[string][][]string{"2024-06-03": {{"09:00", "10:00"}}}})
	if got, err := once.Due(ts(t, "2020-01-01T00:00:00Z"), 30*time.Minute, nil); err != nil || !got.Equal(ts(t, "2024-06-03T07:30:00Z")) {
		t.Errorf("Due within the only hour = %s, %v", got, err)
	}
	// Using up the last hour is due when working time resumes, which it never does.
	for _, work := range []time.Duration{time.Hour, 2 * time.Hour} {
		if _, err := once.Due(ts(t, "2020-01-01T00:00:00Z"), work, nil); !errors.Is(err, ErrHorizon) {
			t.Errorf("Due beyond the only hour: error = %v, want ErrHorizon", err)
		}
	}
	if _, err := once.NextOpen(ts(t, "2010-01-01T00:00:00Z")); !errors.Is(err, ErrHorizon) {
		t.Errorf("NextOpen more than 10 years ahead: error = %v, want ErrHorizon", err)
	}
	if _, err := once.AddWorkdays(ts(t, "2024-06-04T00:00:00Z"), 1); !errors.Is(err, ErrHorizon) {
		t.Errorf("AddWorkdays with no working day left: error = %v, want ErrHorizon", err)
	}
	// Every date a holiday: no working time, and no endless loop.
	all := Spec{Zone: "UTC", AlwaysOpen: true}
	for m := 1; m <= 12; m++ {
		for d := 1; d <= daysIn(2024, m); d++ {
			all.Holidays = append(all.Holidays, time.Date(2024, time.Month(m), d, 0, 0, 0, 0, time.UTC).Format("01-02"))
		}
	}
	if _, err := mustNew(t, all).Due(at, time.Second, nil); !errors.Is(err, ErrHorizon) {
		t.Errorf("Due on a calendar of holidays: error = %v, want ErrHorizon", err)
	}
}
