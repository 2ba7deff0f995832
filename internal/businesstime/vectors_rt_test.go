package businesstime

// Vectors ported from RT::Extension::SLA (github.com/bestpractical/rt-extension-sla)
// and from RT itself (github.com/bestpractical/rt), into which the extension
// was merged (RT 4.4+, t/sla/). RT computes SLA dates with Business::Hours.
//
//   - Starts (when the SLA clock starts) = NextOpen(created).
//   - Due for `BusinessMinutes => n` = Due(created, n minutes, nil).
//
// t/timezone.t is not in the stored copy of rt-extension-sla; its RT-core
// successor t/sla/timezone.t is ported instead. It sets no
// %ServiceBusinessHours, so Business::Hours' default applies: Monday to
// Friday 09:00-18:00 (documented as such in bestpractical/rtir
// etc/RTIR_Config.pm: "if left unset, defaults are Monday through Friday
// 09:00 to 18:00"), read in the queue's time zone.
//
// Left out: t/due.t (all its levels are RealMinutes, counted from the
// wall clock at test time, with no fixed instants), the StartImmediately
// context of t/starts.t (no calendar involved) and the warning check in
// t/sla/business_hours.t.

import (
	"testing"
	"time"
)

func TestVectorRT(t *testing.T) {
	z := vecZ
	const st = "bestpractical/rt-extension-sla t/starts.t@3770b9d: 'check Starts date' "
	const bh = "bestpractical/rt-extension-sla t/business_hours.t@3770b9d (same in bestpractical/rt t/sla/business_hours.t@c00e56a): 'check business hours' "
	const tz = "bestpractical/rt t/sla/timezone.t@1788ee4: "

	// t/starts.t: Default business hours Monday and Tuesday 09:00-17:00, GMT.
	monTue := Spec{Zone: "GMT", Hours: vecDays("mon,tue", "09:00-17:00")}
	// t/business_hours.t: 'Sunday' hours (day 0) 09:00-17:00 and 'Default'
	// hours Monday 09:00-17:00, GMT.
	sunday := Spec{Zone: "GMT", Hours: vecDays("sun", "09:00-17:00")}
	monday := Spec{Zone: "GMT", Hours: vecDays("mon", "09:00-17:00")}
	// t/sla/timezone.t: Business::Hours default, queue time zones.
	us := Spec{Zone: "America/New_York", Hours: vecDays(vecWeekdays, "09:00-18:00")}
	ru := Spec{Zone: "Europe/Moscow", Hours: vecDays(vecWeekdays, "09:00-18:00")}

	rows := []vectorRow{
		{
			// 2007-01-01 is a Monday; 13:15 is in hours. 1167657300.
			name: "starts/in hours", src: st + "('2007-01-01T13:15:00Z' => 1167657300)",
			spec: monTue, op: vecNextOpen, at: z(2007, 1, 1, 13, 15, 0), want: time.Unix(1167657300, 0).UTC(),
		},
		{
			// After Monday's close: Tuesday 09:00 = 1167728400.
			name: "starts/after close", src: st + "('2007-01-01T19:15:00Z' => 1167728400, # 2007-01-02T09:00:00Z)",
			spec: monTue, op: vecNextOpen, at: z(2007, 1, 1, 19, 15, 0), want: time.Unix(1167728400, 0).UTC(),
		},
		{
			// Saturday: next Monday 09:00 = 1168246800.
			name: "starts/weekend", src: st + "('2007-01-06T13:15:00Z' => 1168246800, # 2007-01-08T09:00:00Z)",
			spec: monTue, op: vecNextOpen, at: z(2007, 1, 6, 13, 15, 0), want: time.Unix(1168246800, 0).UTC(),
		},
		{
			name: "business_hours/sunday starts", src: bh + "(Start date is 2007-01-07T09:00:00Z, 1168160400)",
			spec: sunday, op: vecNextOpen, at: z(2007, 1, 1, 0, 0, 0), want: time.Unix(1168160400, 0).UTC(),
		},
		{
			name: "business_hours/sunday due 60 business minutes", src: bh + "(Due date is 2007-01-07T10:00:00Z, 1168164000)",
			spec: sunday, op: vecDue, at: z(2007, 1, 1, 0, 0, 0), work: 60 * time.Minute, want: time.Unix(1168164000, 0).UTC(),
		},
		{
			name: "business_hours/monday due 60 business minutes", src: bh + "(after switching to SLA 'Monday': Due date is 2007-01-01T10:00:00Z, 1167645600)",
			spec: monday, op: vecDue, at: z(2007, 1, 1, 0, 0, 0), work: 60 * time.Minute, want: time.Unix(1167645600, 0).UTC(),
		},
		{
			// 22:00Z = Mon 17:00 EST: in hours, starts at once.
			name: "timezone/us starts", src: tz + "'check dates in US queue' (Start date 2007-01-01 22:00:00)",
			spec: us, op: vecNextOpen, at: z(2007, 1, 1, 22, 0, 0), want: z(2007, 1, 1, 22, 0, 0),
		},
		{
			// 17:00-18:00 EST (1h), Tue 09:00 EST + 1h = 10:00 EST = 15:00Z.
			name: "timezone/us due 2 business hours", src: tz + "'check dates in US queue' (Due date 2007-01-02 15:00:00)",
			spec: us, op: vecDue, at: z(2007, 1, 1, 22, 0, 0), work: 120 * time.Minute, want: z(2007, 1, 2, 15, 0, 0),
		},
		{
			// 22:00Z = Tue 01:00 MSK (+03:00): starts Tue 09:00 MSK = 06:00Z.
			name: "timezone/ru starts", src: tz + "'check dates in RU queue' (Start date 2007-01-02 06:00:00)",
			spec: ru, op: vecNextOpen, at: z(2007, 1, 1, 22, 0, 0), want: z(2007, 1, 2, 6, 0, 0),
		},
		{
			name: "timezone/ru due 2 business hours", src: tz + "'check dates in RU queue' (Due date 2007-01-02 08:00:00)",
			spec: ru, op: vecDue, at: z(2007, 1, 1, 22, 0, 0), work: 120 * time.Minute, want: z(2007, 1, 2, 8, 0, 0),
		},
	}
	runVectorRows(t, rows)
}
