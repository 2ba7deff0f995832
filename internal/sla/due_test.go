package sla

import (
	"strings"
	"testing"
	"time"
)

func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// withEdit returns the default document with old replaced by new once.
func withEdit(t testing.TB, old, new string) string {
	t.Helper()
	if !strings.Contains(defaultDocument, old) {
		t.Fatalf("default document lacks %q", old)
	}
	return strings.Replace(defaultDocument, old, new, 1)
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The reference policy's numbers (section 8) at instants in and out of New
// York business hours, 2024-03-08 to 2024-03-11, across the start of DST on
// Sunday 2024-03-10. Expected instants are worked out by hand: business
// hours are 08:00-20:00, 13:00Z-01:00Z before DST and 12:00Z-00:00Z after.
func TestDueReferenceTable(t *testing.T) {
	p := mustParse(t, defaultDocument)
	instants := map[string]string{
		"fri 19:30": "2024-03-08T19:30:00-05:00", // 30 minutes of Friday left
		"sat 03:00": "2024-03-09T03:00:00-05:00",
		"mon 07:59": "2024-03-11T07:59:00-04:00",
		"mon 08:00": "2024-03-11T08:00:00-04:00",
	}
	const sh, x = "support-hours", "24x7"
	for _, tc := range []struct {
		at, plan   string
		crit       Criticality
		channel    Channel
		clock      string
		start, due string
		guaranteed bool
	}{
		// Friday 19:30 EST: half an hour of business time left, then Monday (EDT).
		{"fri 19:30", "advanced", C1, Portal, sh, "2024-03-09T00:30:00Z", "2024-03-11T12:30:00Z", false},
		{"fri 19:30", "advanced", C1, Phone, x, "2024-03-09T00:30:00Z", "2024-03-09T01:30:00Z", true},
		{"fri 19:30", "advanced", C2, Portal, sh, "2024-03-09T00:30:00Z", "2024-03-11T13:30:00Z", false},
		{"fri 19:30", "advanced", C2, Phone, sh, "2024-03-09T00:30:00Z", "2024-03-11T13:30:00Z", true},
		{"fri 19:30", "advanced", C3, Portal, sh, "2024-03-09T00:30:00Z", "2024-03-11T19:30:00Z", true},
		{"fri 19:30", "advanced", C3, Phone, sh, "2024-03-09T00:30:00Z", "2024-03-11T19:30:00Z", true},
		{"fri 19:30", "advanced", C4, Portal, sh, "2024-03-09T00:30:00Z", "2024-03-12T17:30:00Z", true},
		{"fri 19:30", "advanced", C4, Phone, sh, "2024-03-09T00:30:00Z", "2024-03-12T17:30:00Z", true},
		// 30 minutes end exactly at Friday's close: due is Monday's opening.
		{"fri 19:30", "premium", C1, Portal, sh, "2024-03-09T00:30:00Z", "2024-03-11T12:00:00Z", false},
		{"fri 19:30", "premium", C1, Phone, x, "2024-03-09T00:30:00Z", "2024-03-09T01:00:00Z", true},
		{"fri 19:30", "premium", C2, Portal, sh, "2024-03-09T00:30:00Z", "2024-03-11T12:30:00Z", false},
		{"fri 19:30", "premium", C2, Phone, x, "2024-03-09T00:30:00Z", "2024-03-09T01:30:00Z", true},
		{"fri 19:30", "premium", C3, Portal, sh, "2024-03-09T00:30:00Z", "2024-03-11T19:30:00Z", true},
		{"fri 19:30", "premium", C3, Phone, sh, "2024-03-09T00:30:00Z", "2024-03-11T19:30:00Z", true},
		{"fri 19:30", "premium", C4, Portal, sh, "2024-03-09T00:30:00Z", "2024-03-11T23:30:00Z", true},
		{"fri 19:30", "premium", C4, Phone, sh, "2024-03-09T00:30:00Z", "2024-03-11T23:30:00Z", true},

		// Saturday 03:00: business clocks start Monday 08:00 EDT.
		{"sat 03:00", "advanced", C1, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T13:00:00Z", false},
		{"sat 03:00", "advanced", C1, Phone, x, "2024-03-09T08:00:00Z", "2024-03-09T09:00:00Z", true},
		{"sat 03:00", "advanced", C2, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T14:00:00Z", false},
		{"sat 03:00", "advanced", C2, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-11T14:00:00Z", true},
		{"sat 03:00", "advanced", C3, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"sat 03:00", "advanced", C3, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"sat 03:00", "advanced", C4, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-12T18:00:00Z", true},
		{"sat 03:00", "advanced", C4, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-12T18:00:00Z", true},
		{"sat 03:00", "premium", C1, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T12:30:00Z", false},
		{"sat 03:00", "premium", C1, Phone, x, "2024-03-09T08:00:00Z", "2024-03-09T08:30:00Z", true},
		{"sat 03:00", "premium", C2, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T13:00:00Z", false},
		{"sat 03:00", "premium", C2, Phone, x, "2024-03-09T08:00:00Z", "2024-03-09T09:00:00Z", true},
		{"sat 03:00", "premium", C3, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"sat 03:00", "premium", C3, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		// 12 hours fill Monday exactly: due is Tuesday's opening.
		{"sat 03:00", "premium", C4, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-12T12:00:00Z", true},
		{"sat 03:00", "premium", C4, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-12T12:00:00Z", true},

		// Monday 07:59 EDT: a minute before opening.
		{"mon 07:59", "advanced", C1, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T13:00:00Z", false},
		{"mon 07:59", "advanced", C1, Phone, x, "2024-03-11T11:59:00Z", "2024-03-11T12:59:00Z", true},
		{"mon 07:59", "advanced", C2, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T14:00:00Z", false},
		{"mon 07:59", "advanced", C2, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-11T14:00:00Z", true},
		{"mon 07:59", "advanced", C3, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"mon 07:59", "advanced", C3, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"mon 07:59", "advanced", C4, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-12T18:00:00Z", true},
		{"mon 07:59", "advanced", C4, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-12T18:00:00Z", true},
		{"mon 07:59", "premium", C1, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T12:30:00Z", false},
		{"mon 07:59", "premium", C1, Phone, x, "2024-03-11T11:59:00Z", "2024-03-11T12:29:00Z", true},
		{"mon 07:59", "premium", C2, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T13:00:00Z", false},
		{"mon 07:59", "premium", C2, Phone, x, "2024-03-11T11:59:00Z", "2024-03-11T12:59:00Z", true},
		{"mon 07:59", "premium", C3, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"mon 07:59", "premium", C3, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"mon 07:59", "premium", C4, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-12T12:00:00Z", true},
		{"mon 07:59", "premium", C4, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-12T12:00:00Z", true},

		// Monday 08:00 EDT: the opening itself.
		{"mon 08:00", "advanced", C1, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T13:00:00Z", false},
		{"mon 08:00", "advanced", C1, Phone, x, "2024-03-11T12:00:00Z", "2024-03-11T13:00:00Z", true},
		{"mon 08:00", "advanced", C2, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T14:00:00Z", false},
		{"mon 08:00", "advanced", C2, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-11T14:00:00Z", true},
		{"mon 08:00", "advanced", C3, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"mon 08:00", "advanced", C3, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"mon 08:00", "advanced", C4, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-12T18:00:00Z", true},
		{"mon 08:00", "advanced", C4, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-12T18:00:00Z", true},
		{"mon 08:00", "premium", C1, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T12:30:00Z", false},
		{"mon 08:00", "premium", C1, Phone, x, "2024-03-11T12:00:00Z", "2024-03-11T12:30:00Z", true},
		{"mon 08:00", "premium", C2, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T13:00:00Z", false},
		{"mon 08:00", "premium", C2, Phone, x, "2024-03-11T12:00:00Z", "2024-03-11T13:00:00Z", true},
		{"mon 08:00", "premium", C3, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"mon 08:00", "premium", C3, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true},
		{"mon 08:00", "premium", C4, Portal, sh, "2024-03-11T12:00:00Z", "2024-03-12T12:00:00Z", true},
		{"mon 08:00", "premium", C4, Phone, sh, "2024-03-11T12:00:00Z", "2024-03-12T12:00:00Z", true},
	} {
		name := tc.at + "/" + tc.plan + "/" + string(tc.crit) + "/" + string(tc.channel)
		t.Run(name, func(t *testing.T) {
			r, err := p.Due(DueInput{Plan: tc.plan, Criticality: tc.crit, Channel: tc.channel, Received: ts(instants[tc.at])})
			if err != nil {
				t.Fatal(err)
			}
			if r.Clock != tc.clock || !r.StartsAt.Equal(ts(tc.start)) || !r.DueAt.Equal(ts(tc.due)) || r.Guaranteed != tc.guaranteed {
				t.Errorf("got clock %s start %s due %s guaranteed %v\nwant clock %s start %s due %s guaranteed %v\n%s",
					r.Clock, r.StartsAt.Format(time.RFC3339), r.DueAt.Format(time.RFC3339), r.Guaranteed,
					tc.clock, tc.start, tc.due, tc.guaranteed, strings.Join(r.Explanation, "\n"))
			}
			if r.StartsAt.Location() != time.UTC || r.DueAt.Location() != time.UTC {
				t.Errorf("times not in UTC: %v %v", r.StartsAt, r.DueAt)
			}
		})
	}
}

// TestDueCases covers the rules one by one: the example, the call
// that starts a guaranteed clock, both DST changes of 2024, a holiday, and
// the strict portal rule. Each checks the explanation's key sentence too.
func TestDueCases(t *testing.T) {
	def := mustParse(t, defaultDocument)
	holiday := mustParse(t, withEdit(t, "  support-hours:\n    zone: America/New_York\n", "  support-hours:\n    zone: America/New_York\n    holidays: [\"2024-07-04\"]\n"))
	strict := mustParse(t, withEdit(t, "portal_start: next_working_moment", "portal_start: next_business_day_start"))
	phone := func(s string) *time.Time { v := ts(s); return &v }
	for _, tc := range []struct {
		name       string
		p          *Policy
		in         DueInput
		clock      string
		start, due string
		guaranteed bool
		explains   []string
	}{
		{"issue example: Friday 21:00 EST, C3 portal", def,
			DueInput{Plan: "advanced", Criticality: C3, Channel: Portal, Received: ts("2024-03-08T21:00:00-05:00")},
			"support-hours", "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true,
			[]string{"8 hours of working time on the support-hours calendar", "outside the working hours", "Mon 2024-03-11 08:00 EDT", "Due at Mon 2024-03-11 16:00 EDT"}},
		{"portal C1 with a call later: guaranteed from the call", def,
			DueInput{Plan: "advanced", Criticality: C1, Channel: Portal, Received: ts("2024-03-09T03:00:00-05:00"), PhoneAt: phone("2024-03-09T03:20:00-05:00")},
			"24x7", "2024-03-09T08:20:00Z", "2024-03-09T09:20:00Z", true,
			[]string{"The call at Sat 2024-03-09 03:20 EST starts the guaranteed clock"}},
		{"call before the portal entry counts from the call", def,
			DueInput{Plan: "premium", Criticality: C2, Channel: Portal, Received: ts("2024-03-09T03:30:00-05:00"), PhoneAt: phone("2024-03-09T03:00:00-05:00")},
			"24x7", "2024-03-09T08:00:00Z", "2024-03-09T09:00:00Z", true, nil},
		{"portal C1 without a call: best effort, and says why", def,
			DueInput{Plan: "premium", Criticality: C1, Channel: Portal, Received: ts("2024-03-09T03:00:00-05:00")},
			"support-hours", "2024-03-11T12:00:00Z", "2024-03-11T12:30:00Z", false,
			[]string{"guaranteed only when the case is notified by phone", "best-effort"}},
		{"a call does not change a target that needs none", def,
			DueInput{Plan: "advanced", Criticality: C3, Channel: Portal, Received: ts("2024-03-09T03:00:00-05:00"), PhoneAt: phone("2024-03-09T03:05:00-05:00")},
			"support-hours", "2024-03-11T12:00:00Z", "2024-03-11T20:00:00Z", true,
			[]string{"needs no phone call"}},
		{"24x7 hour across spring forward", def,
			DueInput{Plan: "advanced", Criticality: C1, Channel: Phone, Received: ts("2024-03-10T01:30:00-05:00")},
			"24x7", "2024-03-10T06:30:00Z", "2024-03-10T07:30:00Z", true,
			[]string{"Clocks in America/New_York change between start and due (EST to EDT)"}},
		{"24x7 hour across fall back", def,
			DueInput{Plan: "advanced", Criticality: C1, Channel: Phone, Received: ts("2024-11-03T01:30:00-04:00")},
			"24x7", "2024-11-03T05:30:00Z", "2024-11-03T06:30:00Z", true,
			[]string{"(EDT to EST)"}},
		{"Friday 19:30 EDT before fall back, due Monday EST", def,
			DueInput{Plan: "premium", Criticality: C3, Channel: Portal, Received: ts("2024-11-01T19:30:00-04:00")},
			"support-hours", "2024-11-01T23:30:00Z", "2024-11-04T20:30:00Z", true,
			[]string{"(EDT to EST)", "does not count"}},
		{"holiday skipped", holiday,
			DueInput{Plan: "advanced", Criticality: C3, Channel: Portal, Received: ts("2024-07-03T19:30:00-04:00")},
			"support-hours", "2024-07-03T23:30:00Z", "2024-07-05T19:30:00Z", true,
			[]string{"Holidays of the support-hours calendar skipped: 2024-07-04"}},
		{"holiday best effort for a premium C2 portal case", holiday,
			DueInput{Plan: "premium", Criticality: C2, Channel: Portal, Received: ts("2024-07-04T10:00:00-04:00")},
			"support-hours", "2024-07-05T12:00:00Z", "2024-07-05T13:00:00Z", false, nil},
		{"strict portal rule: next business day even in hours", strict,
			DueInput{Plan: "advanced", Criticality: C3, Channel: Portal, Received: ts("2024-03-12T10:00:00-04:00")},
			"support-hours", "2024-03-13T12:00:00Z", "2024-03-13T20:00:00Z", true,
			[]string{"next_business_day_start"}},
		{"strict portal rule: Friday night starts Monday", strict,
			DueInput{Plan: "premium", Criticality: C4, Channel: Portal, Received: ts("2024-03-08T21:00:00-05:00")},
			"support-hours", "2024-03-11T12:00:00Z", "2024-03-12T12:00:00Z", true, nil},
		{"strict rule does not touch phone cases", strict,
			DueInput{Plan: "advanced", Criticality: C3, Channel: Phone, Received: ts("2024-03-12T10:00:00-04:00")},
			"support-hours", "2024-03-12T14:00:00Z", "2024-03-12T22:00:00Z", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.p.Due(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(r.Explanation, "\n")
			if r.Clock != tc.clock || !r.StartsAt.Equal(ts(tc.start)) || !r.DueAt.Equal(ts(tc.due)) || r.Guaranteed != tc.guaranteed {
				t.Errorf("got clock %s start %s due %s guaranteed %v; want %s %s %s %v\n%s",
					r.Clock, r.StartsAt.Format(time.RFC3339), r.DueAt.Format(time.RFC3339), r.Guaranteed, tc.clock, tc.start, tc.due, tc.guaranteed, text)
			}
			for _, s := range tc.explains {
				if !strings.Contains(text, s) {
					t.Errorf("explanation lacks %q:\n%s", s, text)
				}
			}
		})
	}
}

func TestDueRefusesBadInput(t *testing.T) {
	p := mustParse(t, defaultDocument)
	at := ts("2024-03-08T21:00:00-05:00")
	for _, tc := range []struct {
		in    DueInput
		field string
	}{
		{DueInput{Plan: "gold", Criticality: C1, Channel: Portal, Received: at}, "plan"},
		{DueInput{Plan: "advanced", Criticality: "C5", Channel: Portal, Received: at}, "criticality"},
		{DueInput{Plan: "advanced", Criticality: C1, Channel: "email", Received: at}, "channel"},
		{DueInput{Plan: "advanced", Criticality: C1, Channel: Portal}, "received"},
		{DueInput{Plan: "advanced", Criticality: C1, Channel: Phone, Received: at, PhoneAt: &at}, "phone_at"},
		{DueInput{Plan: "advanced", Criticality: C3, Channel: Portal, Received: ts("1850-01-01T00:00:00Z")}, "received"},
		{DueInput{Plan: "advanced", Criticality: C3, Channel: Portal, Received: ts("2200-01-01T00:00:00Z")}, "received"},
		{DueInput{Plan: "premium", Criticality: C1, Channel: Portal, Received: at, PhoneAt: &time.Time{}}, "phone_at"},
	} {
		_, err := p.Due(tc.in)
		if pub := publicField(err); pub != tc.field {
			t.Errorf("Due(%+v) = %v; want an invalid %s", tc.in, err, tc.field)
		}
	}
}

func TestAutoCloseAt(t *testing.T) {
	def := mustParse(t, defaultDocument)
	holiday := mustParse(t, withEdit(t, "  support-hours:\n    zone: America/New_York\n", "  support-hours:\n    zone: America/New_York\n    holidays: [\"2024-07-04\"]\n"))
	for _, tc := range []struct {
		p           *Policy
		rule        AutoCloseRule
		since, want string
	}{
		// 10 business days from Friday 15:00 EST: Friday two weeks later, EDT by then.
		{def, Resolved, "2024-03-08T15:00:00-05:00", "2024-03-22T19:00:00Z"},
		{def, AwaitingCustomer, "2024-03-08T15:00:00-05:00", "2024-03-29T19:00:00Z"},
		// 4 July does not count.
		{holiday, Resolved, "2024-07-03T10:00:00-04:00", "2024-07-18T14:00:00Z"},
		// Resolved on a Saturday night: the tenth business day is Friday 22
		// March, whose 22:00 is closed, so the case closes at the next opening.
		{def, Resolved, "2024-03-09T22:00:00-05:00", "2024-03-25T12:00:00Z"},
	} {
		got, err := tc.p.AutoCloseAt(tc.rule, ts(tc.since))
		if err != nil || !got.Equal(ts(tc.want)) {
			t.Errorf("AutoCloseAt(%s, %s) = %s, %v; want %s", tc.rule, tc.since, got.Format(time.RFC3339), err, tc.want)
		}
	}
	if _, err := def.AutoCloseAt("forever", ts("2024-03-08T15:00:00Z")); publicField(err) != "rule" {
		t.Errorf("unknown rule: %v", err)
	}
}
