package changes_test

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"accord/internal/accord"
	"accord/internal/changes"
	"accord/internal/sla"
)

var paris = mustZone("Europe/Paris")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// windows returns the default policy's change window and the maintenance
// windows of rules, in Paris.
func windows(t testing.TB, rules ...string) changes.Windows {
	t.Helper()
	pol, err := sla.Parse([]byte(sla.DefaultDocument()))
	if err != nil {
		t.Fatal(err)
	}
	cal, ok := pol.Calendar("change-window")
	if !ok {
		t.Fatal("the default policy has no change-window calendar")
	}
	w := changes.Windows{ChangeWindow: cal, Zone: paris}
	for _, s := range rules {
		r, err := changes.ParseRule(s)
		if err != nil {
			t.Fatal(err)
		}
		w.Maintenance = append(w.Maintenance, changes.Maintenance{Rule: r, Zone: paris})
	}
	return w
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The instants are UTC; the comments give Paris time. Europe's clocks go
// forward on 2026-03-29 and 2027-03-28 and back on 2026-10-25 and 2027-10-31.
func TestScheduleWindows(t *testing.T) {
	w := windows(t, "first saturday 22:00-02:00", "last saturday 22:00-04:00")
	tests := []struct {
		name     string
		shutdown bool
		urgency  changes.Urgency
		typ      changes.Type
		start    string
		minutes  int
		next     string // "" when the schedule fits
	}{
		{"Friday 17:30 CET before spring, 1 hour", false, changes.Normal, changes.Medium, "2026-03-27T16:30:00Z", 60, "2026-03-30T06:00:00Z"},
		{"Friday 17:30 CEST before autumn, 1 hour", false, changes.Normal, changes.Medium, "2026-10-23T15:30:00Z", 60, "2026-10-26T07:00:00Z"},
		{"Friday 17:30 CET 2027, 1 hour", false, changes.Normal, changes.Minor, "2027-03-26T16:30:00Z", 60, "2027-03-29T06:00:00Z"},
		{"Friday 17:30 CEST 2027, 1 hour", false, changes.Normal, changes.Major, "2027-10-29T15:30:00Z", 60, "2027-11-01T07:00:00Z"},
		{"Wednesday 09:00 CEST, 1 hour", false, changes.Normal, changes.Medium, "2026-06-10T07:00:00Z", 60, ""},
		{"Thursday 17:00 CET ends at the close", false, changes.Normal, changes.Medium, "2026-12-10T16:00:00Z", 60, ""},
		{"Thursday 07:30 CET waits for 08:00", false, changes.Normal, changes.Medium, "2026-12-10T06:30:00Z", 60, "2026-12-10T07:00:00Z"},
		{"10 hours fit a whole day only", false, changes.Normal, changes.Medium, "2026-12-10T08:00:00Z", 600, "2026-12-11T07:00:00Z"},
		{"Saturday 03:00, urgent minor", false, changes.Urgent, changes.Minor, "2026-03-28T02:00:00Z", 30, ""},
		{"Saturday 03:00, urgent medium", false, changes.Urgent, changes.Medium, "2026-03-28T02:00:00Z", 30, "2026-03-30T06:00:00Z"},
		{"Saturday 03:00, normal minor", false, changes.Normal, changes.Minor, "2026-03-28T02:00:00Z", 30, "2026-03-30T06:00:00Z"},

		{"shutdown first Saturday 23:00 CET, 2 hours", true, changes.Normal, changes.Medium, "2026-03-07T22:00:00Z", 120, ""},
		{"shutdown past 02:00 waits a window", true, changes.Normal, changes.Medium, "2026-03-07T22:30:00Z", 180, "2026-03-28T21:00:00Z"},
		{"shutdown on a working Friday", true, changes.Normal, changes.Medium, "2026-03-06T09:00:00Z", 60, "2026-03-07T21:00:00Z"},
		{"shutdown urgent minor still needs a window", true, changes.Urgent, changes.Minor, "2026-03-06T09:00:00Z", 60, "2026-03-07T21:00:00Z"},
		{"spring night: 22:00 CET to 04:00 CEST is 5 hours", true, changes.Normal, changes.Major, "2026-03-28T21:00:00Z", 300, ""},
		{"spring night: 5h30 does not fit", true, changes.Normal, changes.Major, "2026-03-28T21:00:00Z", 330, "2026-04-25T20:00:00Z"},
		{"autumn 2026: the last Saturday is the 31st, in CET", true, changes.Normal, changes.Medium, "2026-10-24T20:00:00Z", 300, "2026-10-31T21:00:00Z"},
		{"first Saturday of 2027, 22:00 CET", true, changes.Normal, changes.Medium, "2027-01-01T12:00:00Z", 60, "2027-01-02T21:00:00Z"},
		{"autumn 2027: last Saturday 22:00 CEST to 04:00 CET is 7 hours", true, changes.Normal, changes.Medium, "2027-10-30T20:00:00Z", 420, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := utc(tt.start)
			c := changes.Change{NeedsShutdown: tt.shutdown, Urgency: tt.urgency, Type: tt.typ, PlannedStart: &start, Minutes: tt.minutes}
			err := w.CheckSchedule(c)
			if tt.next == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e := accord.Public(err)
			if err == nil || e.Kind != accord.Invalid || e.Field != "planned_start" {
				t.Fatalf("got %v, want Invalid on planned_start", err)
			}
			if got := e.Details["next_allowed_start"]; got != tt.next {
				t.Fatalf("next allowed start %s, want %s (%s)", got, tt.next, e.Msg)
			}
		})
	}
}

func TestScheduleWithoutMaintenanceWindow(t *testing.T) {
	w := windows(t)
	start := utc("2026-03-07T22:00:00Z")
	err := w.CheckSchedule(changes.Change{NeedsShutdown: true, PlannedStart: &start, Minutes: 60, Urgency: changes.Normal})
	if e := accord.Public(err); err == nil || e.Field != "planned_start" || e.Details != nil {
		t.Fatalf("got %v", err)
	}
}

// The next allowed start is never earlier than asked, and the change fits
// there.
func TestNextStartProperty(t *testing.T) {
	w := windows(t, "first saturday 22:00-02:00", "every wednesday 23:30-00:45")
	base := utc("2026-01-01T00:00:00Z")
	rapid.Check(t, func(t *rapid.T) {
		at := base.Add(time.Duration(rapid.Int64Range(0, 2*365*24*60).Draw(t, "minute")) * time.Minute)
		d := time.Duration(rapid.IntRange(1, 75).Draw(t, "minutes")) * time.Minute
		need := rapid.SampledFrom([]changes.Need{changes.NeedChangeWindow, changes.NeedMaintenance}).Draw(t, "need")
		next, ok := w.Next(need, at, d)
		if !ok {
			t.Fatalf("no start found after %s", at)
		}
		if next.Before(at) {
			t.Fatalf("next %s before asked %s", next, at)
		}
		if !w.Fits(need, next, d) {
			t.Fatalf("next %s does not fit %v in %s", next, d, need)
		}
		if w.Fits(need, at, d) && !next.Equal(at) {
			t.Fatalf("asked %s fits but next is %s", at, next)
		}
		if mid := at.Add(next.Sub(at) / 2); mid.Before(next) && w.Fits(need, mid, d) {
			t.Fatalf("%s fits, earlier than next %s", mid, next)
		}
	})
}

func TestRules(t *testing.T) {
	tests := []struct {
		in, out string
		err     bool
	}{
		{in: "first saturday 22:00-02:00", out: "first saturday 22:00-02:00"},
		{in: "  Every   SUNDAY 01:00-04:00 ", out: "every sunday 01:00-04:00"},
		{in: "last friday 00:00-00:00", out: "last friday 00:00-00:00"},
		{in: "fourth monday 23:59-00:01", out: "fourth monday 23:59-00:01"},
		{in: "fifth monday 01:00-02:00", err: true},
		{in: "first caturday 01:00-02:00", err: true},
		{in: "first saturday 24:00-02:00", err: true},
		{in: "first saturday 22:00", err: true},
		{in: "first saturday 2:00-03:00", err: true},
		{in: "first saturday +2:00-03:00", err: true},
		{in: "", err: true},
	}
	for _, tt := range tests {
		r, err := changes.ParseRule(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("%q: error %v", tt.in, err)
			continue
		}
		if err == nil && r.String() != tt.out {
			t.Errorf("%q reads as %q, want %q", tt.in, r.String(), tt.out)
		}
	}
}

// Section 12.1 asks for at least an hour a month.
func TestMonthlyMinimum(t *testing.T) {
	at := utc("2026-12-07T10:00:00Z")
	tests := []struct {
		rules []string
		want  time.Duration
	}{
		{[]string{"first saturday 22:00-02:00"}, 4 * time.Hour},
		{[]string{"first saturday 22:00-22:30"}, 30 * time.Minute},
		{[]string{"first saturday 22:00-22:30", "third sunday 01:00-01:30"}, time.Hour},
		{[]string{"every sunday 02:00-02:15"}, time.Hour},
		{nil, 0},
	}
	for _, tt := range tests {
		var rs []changes.Rule
		for _, s := range tt.rules {
			r, err := changes.ParseRule(s)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		if got := changes.MonthlyMinimum(rs, paris, at); got != tt.want {
			t.Errorf("%v: %v a month, want %v", tt.rules, got, tt.want)
		}
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"first saturday 22:00-02:00", "every sunday 01:00-04:00", "last monday 00:00-23:59", "x", "first saturday 22:00-0a:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := changes.ParseRule(s)
		if err != nil {
			return
		}
		again, err := changes.ParseRule(r.String())
		if err != nil || again != r {
			t.Fatalf("%q reads as %+v, written %q, read again %+v (%v)", s, r, r.String(), again, err)
		}
		if r.Length < 1 || r.Length > 24*60 {
			t.Fatalf("%q: length %d minutes", s, r.Length)
		}
		if os := r.Occurrences(paris, utc("2026-01-01T00:00:00Z"), utc("2026-03-01T00:00:00Z")); len(os) == 0 {
			t.Fatalf("%q: no window in two months", s)
		}
	})
}
