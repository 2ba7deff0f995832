package businesstime

// Vectors ported from Zendesk's biz gem (github.com/zendesk/biz): spec/ and
// README.md. Commits are the stored versions read when porting.
//
// biz's spec helper schedule (spec/support/time.rb, `schedule`), used unless
// a row says otherwise:
//
//	mon 09:00-17:00, tue 10:00-16:00, wed 09:00-17:00, thu 10:00-16:00,
//	fri 09:00-17:00, sat 11:00-14:30, time zone Etc/UTC.
//
// 2006-01-01 is a Sunday, so 2006-01-02 is Monday ... 2006-01-07 Saturday.
//
// How biz maps onto our API:
//   - time(n, :seconds|:minutes|:hours).after(t) -> Due(t, n, nil).
//     biz returns the END of the last period it consumed
//     (lib/biz/calculation/for_duration.rb@dcf55bc:
//     `advanced_periods(:after, time).last.end_time`), so a calculation that
//     uses up a period exactly returns that period's close (Wed 15:30 + 90
//     minutes = Wed 17:00). Accord reports the next opening instead
//     (ARCHITECTURE.md, "Semantics we have decided"). Those rows are
//     TRANSLATED: want = next opening; sourceWant = biz's answer, and the
//     runner checks that Elapsed(start, sourceWant) == work as well.
//   - time(n, :days).after(t) -> AddWorkdays(t, n): biz's README "Day
//     calculation semantics" is exactly our rule (next day with business
//     hours, same minute, then the next moment in business hours).
//   - within(a, b) -> Elapsed(a, b, nil).
//   - in_hours? / Calculation::Active -> IsOpen. on_holiday? and on_break?
//     -> IsOpen (a time on a holiday or a break is not open).
//   - breaks (time segments removed on one date) -> an override of that date
//     whose windows are the day's hours minus the breaks.
//   - shifts (windows for one date) -> overrides.
//   - periods.after(origin) -> vecPeriodRows: NextOpen(origin) is the first
//     period's start, each period is exactly its length of working time, and
//     NextOpen at a period's end is the next period's start.
//
// Left out, with reasons:
//   - every #before / backward calculation (for_duration_spec.rb #before,
//     spec/periods/before_spec.rb, spec/timeline/backward_spec.rb): Accord has
//     no backward API. One README backward example is turned around instead
//     (see "readme/backward example run forward").
//   - the for_duration_spec.rb "when initializing" and ".units/.with_unit"
//     cases (argument validation of biz's Ruby API) and negative scalars.
//   - specs of biz's internal value objects (day_time, week_time, interval,
//     time_segment, duration, week, day_of_week, configuration validation,
//     timeline over synthetic yearly periods): they do not exercise calendar
//     arithmetic through anything our API exposes.
//   - biz_spec.rb '.on_holiday?' (2015-12-25 12:00 is a Friday, closed in
//     that schedule anyway, so IsOpen would not test the holiday).
//   - the ":second"/":minute"/":hour" singular variants and the three
//     identical "when the scalar is zero" contexts: the same vector under
//     unit aliases; each is ported once.

import (
	"testing"
	"time"
)

func bizHours() map[string][][]string {
	return vecMerge(
		vecDays("mon,wed,fri", "09:00-17:00"),
		vecDays("tue,thu", "10:00-16:00"),
		vecDays("sat", "11:00-14:30"),
	)
}

func bizSchedule(holidays ...string) Spec {
	return Spec{Zone: "Etc/UTC", Hours: bizHours(), Holidays: holidays}
}

func TestVectorBiz(t *testing.T) {
	def := bizSchedule()
	const fd = "zendesk/biz spec/calculation/for_duration_spec.rb@324fe55: "

	// spec/schedule_spec.rb@318930d: hours as above, breaks
	// 2006-01-02 10:00-11:30, 2006-01-03 14:15-14:30 and 15:40-15:50,
	// holidays 2006-01-01 and 2006-12-25, Etc/UTC.
	sched := bizSchedule("2006-01-01", "2006-12-25")
	sched.Overrides = map[string][][]string{
		"2006-01-02": vecWins("09:00-10:00", "11:30-17:00"),                // mon 09-17 minus 10:00-11:30
		"2006-01-03": vecWins("10:00-14:15", "14:30-15:40", "15:50-16:00"), // tue 10-16 minus both breaks
	}
	const ss = "zendesk/biz spec/schedule_spec.rb@318930d: "

	rows := []vectorRow{
		// --- spec/calculation/for_duration_spec.rb ---
		{
			name: "for_duration/90 seconds after Wed 15:58:30",
			src:  fd + "'.seconds #after returns the forward time after the elapsed duration'",
			spec: def, op: vecDue,
			at: vecZ(2006, 1, 4, 15, 58, 30), work: 90 * time.Second,
			want: vecZ(2006, 1, 4, 16, 0, 0),
		},
		{
			name: "for_duration/zero after Tue 00:00 is first active moment",
			src:  fd + "'.seconds/.minutes/.hours #after when the scalar is zero returns the first active moment forward in time'",
			spec: def, op: vecDue,
			at: vecZ(2006, 1, 3, 0, 0, 0), work: 0,
			want: vecZ(2006, 1, 3, 10, 0, 0), // Tue opens 10:00
		},
		{
			// TRANSLATED: biz answers Wed 17:00 (the close). 15:30 + 90m
			// uses Wed up to its 17:00 close exactly; Accord reports the next
			// opening, Thu 10:00.
			name: "for_duration/90 minutes after Wed 15:30 ends at close (translated)",
			src:  fd + "'.minutes #after returns the forward time after the elapsed duration'",
			spec: def, op: vecDue,
			at: vecZ(2006, 1, 4, 15, 30, 0), work: 90 * time.Minute,
			want:       vecZ(2006, 1, 5, 10, 0, 0),
			sourceWant: vecZ(2006, 1, 4, 17, 0, 0),
		},
		{
			// TRANSLATED: biz answers Wed 17:00; 14:00 + 3h hits the close.
			name: "for_duration/3 hours after Wed 14:00 ends at close (translated)",
			src:  fd + "'.hours #after returns the forward time after the elapsed duration'",
			spec: def, op: vecDue,
			at: vecZ(2006, 1, 4, 14, 0, 0), work: 3 * time.Hour,
			want:       vecZ(2006, 1, 5, 10, 0, 0),
			sourceWant: vecZ(2006, 1, 4, 17, 0, 0),
		},
		{
			// Mon 11-17 = 6h, Tue 10-16 = 6h (12h), Wed 09:00 + 7h = 16:00.
			name: "for_duration/19 hours after Mon 11:00",
			src:  "zendesk/biz spec/calculation/for_duration_spec.rb@0fb58f6: '#after returns the forward time after the elapsed duration'",
			spec: def, op: vecDue,
			at: vecZ(2006, 1, 2, 11, 0, 0), work: 19 * time.Hour,
			want: vecZ(2006, 1, 4, 16, 0, 0),
		},
		{
			// Sat 7 (11-14:30) is working day 1, Sun has no hours, Mon 9 is day 2.
			name: "for_duration/2 days after Fri 12:00 within a period",
			src:  fd + "'.days #after when the advanced time is within a period returns the time advanced by the number of business days'",
			spec: def, op: vecAddWorkdays,
			at: vecZ(2006, 1, 6, 12, 0, 0), days: 2,
			want: vecZ(2006, 1, 9, 12, 0, 0),
		},
		{
			// Thu 5 08:00 is before Thu's 10:00 opening.
			name: "for_duration/2 days after Tue 08:00 before first period",
			src:  fd + "'.days #after when the advanced time is before the first day period returns the next time after the advanced time'",
			spec: def, op: vecAddWorkdays,
			at: vecZ(2006, 1, 3, 8, 0, 0), days: 2,
			want: vecZ(2006, 1, 5, 10, 0, 0),
		},
		{
			// Thu 5 18:00 is after Thu's 16:00 close: next is Fri 09:00.
			name: "for_duration/2 days after Tue 18:00 after last period",
			src:  fd + "'.days #after when the advanced time is after the last day period returns the next time after the advanced time'",
			spec: def, op: vecAddWorkdays,
			at: vecZ(2006, 1, 3, 18, 0, 0), days: 2,
			want: vecZ(2006, 1, 6, 9, 0, 0),
		},
		{
			name: "for_duration/2 days keeps second precision",
			src:  fd + "'.days #after when the time has second precision retains second precision'",
			spec: def, op: vecAddWorkdays,
			at: vecZ(2006, 1, 6, 12, 30, 52), days: 2,
			want: vecZ(2006, 1, 9, 12, 30, 52),
		},
		{
			// n = 0: the "0th following working day" is read as the same
			// instant, then the first working moment at or after it.
			name: "for_duration/0 days after Mon 13:00",
			src:  fd + "'.days #after when the scalar is zero returns the first active moment forward in time'",
			spec: def, op: vecAddWorkdays,
			at: vecZ(2006, 1, 2, 13, 0, 0), days: 0,
			want: vecZ(2006, 1, 2, 13, 0, 0),
		},

		// --- spec/calculation/duration_within_spec.rb@f550995 ---
		{
			// Mon 8 + Tue 6 + Wed 8 + Thu 6 + Fri 8 + Sat 3.5 = 39.5h
			name: "duration_within/one week",
			src:  "zendesk/biz spec/calculation/duration_within_spec.rb@f550995: 'when the calculation start time is before the end time returns the elapsed duration'",
			spec: def, op: vecElapsed,
			at: vecZ(2006, 1, 1, 0, 0, 0), to: vecZ(2006, 1, 8, 0, 0, 0),
			wantDur: 39*time.Hour + 30*time.Minute,
		},
		{
			name: "duration_within/start after end is zero",
			src:  "zendesk/biz spec/calculation/duration_within_spec.rb@f550995: 'when the calculation start time is after the end time returns a zero duration'",
			spec: def, op: vecElapsed,
			at: vecZ(2006, 1, 8, 0, 0, 0), to: vecZ(2006, 1, 1, 0, 0, 0),
			wantDur: 0,
		},
		{
			name: "duration_within/start equal to end is zero",
			src:  "zendesk/biz spec/calculation/duration_within_spec.rb@f550995: 'when the calculation start time is equal to the end time returns a zero duration'",
			spec: def, op: vecElapsed,
			at: vecZ(2006, 1, 1, 0, 0, 0), to: vecZ(2006, 1, 1, 0, 0, 0),
			wantDur: 0,
		},

		// --- spec/schedule_spec.rb ---
		{
			name: "schedule/time 30 minutes after Mon 09:00",
			src:  ss + "'#time returns the time after an amount of elapsed business time'",
			spec: sched, op: vecDue,
			at: vecZ(2006, 1, 2, 9, 0, 0), work: 30 * time.Minute,
			want: vecZ(2006, 1, 2, 9, 30, 0),
		},
		{
			// Thu 12-16 = 4h, Fri 09-12 = 3h.
			name: "schedule/within Thu 12:00 to Fri 12:00",
			src:  ss + "'#within returns the amount of elapsed business time between two times'",
			spec: sched, op: vecElapsed,
			at: vecZ(2006, 1, 5, 12, 0, 0), to: vecZ(2006, 1, 6, 12, 0, 0),
			wantDur: 7 * time.Hour,
		},
		{
			name: "schedule/in_hours? Mon 08:00 is false",
			src:  ss + "'#in_hours? when the time is not in business hours returns false'",
			spec: sched, op: vecIsOpen,
			at: vecZ(2006, 1, 2, 8, 0, 0), wantOpen: false,
		},
		{
			name: "schedule/in_hours? Mon 12:00 is true",
			src:  ss + "'#in_hours? when the time is in business hours returns true'",
			spec: sched, op: vecIsOpen,
			at: vecZ(2006, 1, 2, 12, 0, 0), wantOpen: true,
		},
		{
			// on_break? true -> not open.
			name: "schedule/on_break? Mon 11:00 during break is closed",
			src:  ss + "'#on_break? when the time is during a break returns true'",
			spec: sched, op: vecIsOpen,
			at: vecZ(2006, 1, 2, 11, 0, 0), wantOpen: false,
		},
		{
			// on_break? false at Mon 13:00, which is inside Mon 09-17 -> open.
			name: "schedule/on_break? Mon 13:00 not during break is open",
			src:  ss + "'#on_break? when the time is not during a break returns false'",
			spec: sched, op: vecIsOpen,
			at: vecZ(2006, 1, 2, 13, 0, 0), wantOpen: true,
		},
		{
			// 2006-12-25 is a Monday (09-17) but a holiday.
			name: "schedule/on_holiday? Mon 2006-12-25 12:00 is closed",
			src:  ss + "'#on_holiday? when the time is during a holiday returns true'",
			spec: sched, op: vecIsOpen,
			at: vecZ(2006, 12, 25, 12, 0, 0), wantOpen: false,
		},
		{
			// 2006-12-26 is a Tuesday (10-16), not a holiday.
			name: "schedule/on_holiday? Tue 2006-12-26 12:00 is open",
			src:  ss + "'#on_holiday? when the time is not during a holiday returns false'",
			spec: sched, op: vecIsOpen,
			at: vecZ(2006, 12, 26, 12, 0, 0), wantOpen: true,
		},
		{
			// hours {mon: 01:00-02:00}; the configured breaks do not touch
			// 01:00-02:00, so they need no override here.
			name: "schedule/periods first after 2006-01-01",
			src:  ss + "'#periods returns periods for the schedule'",
			spec: Spec{Zone: "Etc/UTC", Hours: vecDays("mon", "01:00-02:00"), Holidays: []string{"2006-01-01", "2006-12-25"}},
			op:   vecNextOpen,
			at:   vecZ(2006, 1, 1, 0, 0, 0), want: vecZ(2006, 1, 2, 1, 0, 0),
		},
	}

	// schedule_spec.rb '#dates returns dates for the schedule': hours
	// {mon, fri: 09-17}; dates after 2006-01-01 are Jan 2, Jan 6. As
	// AddWorkdays from Sun 2006-01-01 12:00 (the break on Jan 2 is 10:00-11:30
	// and does not touch 12:00).
	datesSpec := Spec{
		Zone: "Etc/UTC", Hours: vecDays("mon,fri", "09:00-17:00"),
		Holidays:  []string{"2006-01-01", "2006-12-25"},
		Overrides: map[string][][]string{"2006-01-02": vecWins("09:00-10:00", "11:30-17:00")},
	}
	rows = append(rows,
		vectorRow{
			name: "schedule/dates first working day", src: ss + "'#dates returns dates for the schedule'",
			spec: datesSpec, op: vecAddWorkdays, at: vecZ(2006, 1, 1, 12, 0, 0), days: 1,
			want: vecZ(2006, 1, 2, 12, 0, 0),
		},
		vectorRow{
			name: "schedule/dates second working day", src: ss + "'#dates returns dates for the schedule'",
			spec: datesSpec, op: vecAddWorkdays, at: vecZ(2006, 1, 1, 12, 0, 0), days: 2,
			want: vecZ(2006, 1, 6, 12, 0, 0),
		},
	)

	// schedule_spec.rb '#& returns an intersected schedule'. TRANSLATED: we
	// have no intersection, so the spec below is the intersected schedule as
	// README.md "Schedule intersection" defines it (intersection of the
	// weekly intervals, union of breaks and holidays, zone of the first
	// schedule): mon 09-10, tue 11-15, wed 16-17, thu 11-12 and 13-14, UTC;
	// breaks 2006-01-02 10:00-11:30, 2006-01-03 11:15-11:45, 14:15-14:30,
	// 15:40-15:50; holidays 2006-01-01, 2006-07-04, 2006-11-24, 2006-12-25.
	inter := Spec{
		Zone: "Etc/UTC",
		Hours: vecMerge(
			vecDays("mon", "09:00-10:00"), vecDays("tue", "11:00-15:00"),
			vecDays("wed", "16:00-17:00"), vecDays("thu", "11:00-12:00", "13:00-14:00"),
		),
		Holidays: []string{"2006-01-01", "2006-07-04", "2006-11-24", "2006-12-25"},
		Overrides: map[string][][]string{
			// tue 11-15 minus 11:15-11:45 and 14:15-14:30 (15:40-15:50 is outside)
			"2006-01-03": vecWins("11:00-11:15", "11:45-14:15", "14:30-15:00"),
		},
	}
	rows = append(rows, vecPeriodRows("schedule/intersection periods", ss+"'#& returns an intersected schedule'",
		inter, vecZ(2006, 1, 1, 0, 0, 0), []Interval{
			{vecZ(2006, 1, 2, 9, 0, 0), vecZ(2006, 1, 2, 10, 0, 0)},
			{vecZ(2006, 1, 3, 11, 0, 0), vecZ(2006, 1, 3, 11, 15, 0)},
			{vecZ(2006, 1, 3, 11, 45, 0), vecZ(2006, 1, 3, 14, 15, 0)},
		})...)

	// --- spec/biz_spec.rb@1b8915b: hours {sun: 11:00-12:00}, holiday
	// 2015-12-25, Africa/Abidjan (UTC+0). ---
	abidjan := Spec{Zone: "Africa/Abidjan", Hours: vecDays("sun", "11:00-12:00"), Holidays: []string{"2015-12-25"}}
	const bs = "zendesk/biz spec/biz_spec.rb@1b8915b: "
	rows = append(rows,
		vectorRow{
			name: "biz/periods first after 2006-01-01", src: bs + "'.periods delegates to the top-level schedule'",
			spec: abidjan, op: vecNextOpen, at: vecZ(2006, 1, 1, 0, 0, 0),
			want: vecZ(2006, 1, 1, 11, 0, 0),
		},
		vectorRow{
			// dates.after(2006-01-01).first == 2006-01-08 (strictly after,
			// the next date with hours) -> AddWorkdays(Sun 11:30, 1).
			name: "biz/dates next working day is next Sunday", src: bs + "'.date/.dates delegates to the top-level schedule'",
			spec: abidjan, op: vecAddWorkdays, at: vecZ(2006, 1, 1, 11, 30, 0), days: 1,
			want: vecZ(2006, 1, 8, 11, 30, 0),
		},
		vectorRow{
			// TRANSLATED: biz answers 2006-01-08 12:00 (close of the second
			// Sunday window, 1h + 1h); Accord reports the next opening,
			// Sunday 2006-01-15 11:00.
			name: "biz/time 2 hours after 2006-01-01 (translated)", src: bs + "'.time delegates to the top-level schedule'",
			spec: abidjan, op: vecDue, at: vecZ(2006, 1, 1, 0, 0, 0), work: 2 * time.Hour,
			want: vecZ(2006, 1, 15, 11, 0, 0), sourceWant: vecZ(2006, 1, 8, 12, 0, 0),
		},
		vectorRow{
			// Sun Jan 1 11:30-12:00 + Sun Jan 8 11:00-11:30.
			name: "biz/within one week", src: bs + "'.within delegates to the top-level schedule'",
			spec: abidjan, op: vecElapsed, at: vecZ(2006, 1, 1, 11, 30, 0), to: vecZ(2006, 1, 8, 11, 30, 0),
			wantDur: time.Hour,
		},
		vectorRow{
			name: "biz/in_hours? at opening", src: bs + "'.in_hours? delegates to the top-level schedule'",
			spec: abidjan, op: vecIsOpen, at: vecZ(2006, 1, 1, 11, 0, 0), wantOpen: true,
		},
	)

	// --- spec/calculation/on_break_spec.rb@8f58c92: break 2006-01-04
	// (Wednesday, 09-17) 11:00-13:00 -> override 09-11, 13-17. ---
	brk := bizSchedule()
	brk.Overrides = map[string][][]string{"2006-01-04": vecWins("09:00-11:00", "13:00-17:00")}
	const ob = "zendesk/biz spec/calculation/on_break_spec.rb@8f58c92: "
	rows = append(rows,
		vectorRow{name: "on_break/at beginning of break", src: ob + "'when the time is at the beginning of a break returns true'",
			spec: brk, op: vecIsOpen, at: vecZ(2006, 1, 4, 11, 0, 0), wantOpen: false},
		vectorRow{name: "on_break/in middle of break", src: ob + "'when the time is in the middle of a break returns true'",
			spec: brk, op: vecIsOpen, at: vecZ(2006, 1, 4, 12, 0, 0), wantOpen: false},
		vectorRow{name: "on_break/at end of break", src: ob + "'when the time is at the end of a break returns false' (and 13:00 is in hours)",
			spec: brk, op: vecIsOpen, at: vecZ(2006, 1, 4, 13, 0, 0), wantOpen: true},
		vectorRow{name: "on_break/not during a break", src: ob + "'when the time is not during a break returns false' (Thu 12:00 is in hours)",
			spec: brk, op: vecIsOpen, at: vecZ(2006, 1, 5, 12, 0, 0), wantOpen: true},
	)

	// --- spec/calculation/on_holiday_spec.rb@960aa79 and
	// spec/calculation/active_spec.rb@cc8ee61: holiday 2006-01-04 (Wed). ---
	hol := bizSchedule("2006-01-04")
	const oh = "zendesk/biz spec/calculation/on_holiday_spec.rb@960aa79: "
	const ac = "zendesk/biz spec/calculation/active_spec.rb@cc8ee61: "
	rows = append(rows,
		vectorRow{name: "on_holiday/at beginning of holiday", src: oh + "'when the time is at the beginning of a holiday returns true'",
			spec: hol, op: vecIsOpen, at: vecZ(2006, 1, 4, 0, 0, 0), wantOpen: false},
		vectorRow{name: "on_holiday/in middle of holiday", src: oh + "'when the time is in the middle of a holiday returns true' (Wed 12:00 would be in hours)",
			spec: hol, op: vecIsOpen, at: vecZ(2006, 1, 4, 12, 0, 0), wantOpen: false},
		vectorRow{name: "on_holiday/at end of holiday", src: oh + "'when the time is at the end of a holiday returns false' (Thu 00:00, outside hours)",
			spec: hol, op: vecIsOpen, at: vecZ(2006, 1, 5, 0, 0, 0), wantOpen: false},
		vectorRow{name: "on_holiday/not on a holiday", src: oh + "'when the time is not on a holiday returns false' (Thu 12:00 is in hours)",
			spec: hol, op: vecIsOpen, at: vecZ(2006, 1, 5, 12, 0, 0), wantOpen: true},
		vectorRow{
			// Derived from the same calendar: the holiday removes Wed's
			// window, so the next opening after Wed 00:00 is Thu 10:00.
			name: "on_holiday/next opening skips the holiday", src: oh + "calendar of the spec; derived: Wed removed, Thu opens 10:00",
			spec: hol, op: vecNextOpen, at: vecZ(2006, 1, 4, 0, 0, 0), want: vecZ(2006, 1, 5, 10, 0, 0)},
		vectorRow{name: "active/not in interval not on holiday", src: ac + "'when the time is not contained by an interval and not on a holiday returns false'",
			spec: hol, op: vecIsOpen, at: vecZ(2006, 1, 1, 6, 0, 0), wantOpen: false},
		vectorRow{name: "active/not in interval on holiday", src: ac + "'when the time is not contained by an interval and on a holiday returns false'",
			spec: hol, op: vecIsOpen, at: vecZ(2006, 1, 4, 6, 0, 0), wantOpen: false},
		vectorRow{name: "active/in interval not on holiday", src: ac + "'when the time is contained by an interval and not on a holiday returns true'",
			spec: hol, op: vecIsOpen, at: vecZ(2006, 1, 2, 12, 0, 0), wantOpen: true},
		vectorRow{name: "active/in interval on holiday", src: ac + "'when the time is contained by an interval and on a holiday returns false'",
			spec: hol, op: vecIsOpen, at: vecZ(2006, 1, 4, 12, 0, 0), wantOpen: false},
	)

	// --- spec/periods/after_spec.rb@0fb58f6: holidays 2006-01-16 (Mon)
	// and 2006-01-18 (Wed). ---
	pa := bizSchedule("2006-01-16", "2006-01-18")
	const ps = "zendesk/biz spec/periods/after_spec.rb@0fb58f6: "
	z := vecZ
	rows = append(rows, vecPeriodRows("periods_after/multiple weeks", ps+"'when multiple weeks of periods are requested returns the proper intervals' (the one-week context is its first 6 periods)",
		pa, z(2006, 1, 1, 0, 0, 0), []Interval{
			{z(2006, 1, 2, 9, 0, 0), z(2006, 1, 2, 17, 0, 0)},
			{z(2006, 1, 3, 10, 0, 0), z(2006, 1, 3, 16, 0, 0)},
			{z(2006, 1, 4, 9, 0, 0), z(2006, 1, 4, 17, 0, 0)},
			{z(2006, 1, 5, 10, 0, 0), z(2006, 1, 5, 16, 0, 0)},
			{z(2006, 1, 6, 9, 0, 0), z(2006, 1, 6, 17, 0, 0)},
			{z(2006, 1, 7, 11, 0, 0), z(2006, 1, 7, 14, 30, 0)},
			{z(2006, 1, 9, 9, 0, 0), z(2006, 1, 9, 17, 0, 0)},
			{z(2006, 1, 10, 10, 0, 0), z(2006, 1, 10, 16, 0, 0)},
			{z(2006, 1, 11, 9, 0, 0), z(2006, 1, 11, 17, 0, 0)},
			{z(2006, 1, 12, 10, 0, 0), z(2006, 1, 12, 16, 0, 0)},
			{z(2006, 1, 13, 9, 0, 0), z(2006, 1, 13, 17, 0, 0)},
			{z(2006, 1, 14, 11, 0, 0), z(2006, 1, 14, 14, 30, 0)},
		})...)
	rows = append(rows, vecPeriodRows("periods_after/origin inside a period", ps+"'when the origin is inside a period returns a partial period first'",
		pa, z(2006, 1, 2, 12, 0, 0), []Interval{
			{z(2006, 1, 2, 12, 0, 0), z(2006, 1, 2, 17, 0, 0)},
		})...)
	rows = append(rows, vecPeriodRows("periods_after/holidays skipped", ps+"'when multiple periods on holidays are encountered does not include any of those periods'",
		pa, z(2006, 1, 14, 0, 0, 0), []Interval{
			{z(2006, 1, 14, 11, 0, 0), z(2006, 1, 14, 14, 30, 0)},
			{z(2006, 1, 17, 10, 0, 0), z(2006, 1, 17, 16, 0, 0)},
			{z(2006, 1, 19, 10, 0, 0), z(2006, 1, 19, 16, 0, 0)},
		})...)

	// --- spec/dates_spec.rb@f550995: hours {mon: 01:00-02:00}, holiday
	// 2006-01-09; dates after 2006-01-01 are Jan 2 and Jan 16. ---
	dts := Spec{Zone: "Etc/UTC", Hours: vecDays("mon", "01:00-02:00"), Holidays: []string{"2006-01-09"}}
	const ds = "zendesk/biz spec/dates_spec.rb@f550995: 'returns dates based on the configured schedule'"
	rows = append(rows,
		vectorRow{name: "dates/first working day", src: ds, spec: dts, op: vecAddWorkdays,
			at: z(2006, 1, 1, 1, 30, 0), days: 1, want: z(2006, 1, 2, 1, 30, 0)},
		vectorRow{name: "dates/second working day skips holiday", src: ds, spec: dts, op: vecAddWorkdays,
			at: z(2006, 1, 1, 1, 30, 0), days: 2, want: z(2006, 1, 16, 1, 30, 0)},
	)

	// --- spec/time_spec.rb@318930d '#on_date': biz's rules for turning a
	// wall-clock time into an instant, TRANSLATED into calendars whose
	// window starts or ends at that wall-clock time. ---
	const ts = "zendesk/biz spec/time_spec.rb@318930d: "
	// America/Los_Angeles 2014-03-09: 02:00 PST -> 03:00 PDT. A Sunday
	// window 02:30-04:00 opens at 02:30 + gap = 03:30 PDT = 10:30Z and
	// closes 04:00 PDT = 11:00Z.
	laGap := Spec{Zone: "America/Los_Angeles", Hours: vecDays("sun", "02:30-04:00")}
	// America/Los_Angeles 2014-11-02: 02:00 PDT -> 01:00 PST. A Sunday
	// window 01:30-03:00 opens at the first 01:30 (PDT) = 08:30Z and closes
	// 03:00 PST = 11:00Z: 2h30m of real time.
	laAmbig := Spec{Zone: "America/Los_Angeles", Hours: vecDays("sun", "01:30-03:00")}
	// America/Sao_Paulo 2015-10-18: 00:00 -03 -> 01:00 -02. A Saturday
	// 2015-10-17 window 20:00-24:00 runs 23:00Z to "24:00", which does not
	// exist and becomes 01:00 -02 = 03:00Z: 4h.
	spEnd := Spec{Zone: "America/Sao_Paulo", Hours: vecDays("sat", "20:00-24:00")}
	rows = append(rows,
		vectorRow{name: "time/spring-forward start moves forward by the gap", src: ts + "'#on_date when a non-existent (spring-forward) time is targeted returns the corresponding time an hour later'",
			spec: laGap, op: vecNextOpen, at: z(2014, 3, 9, 8, 0, 0) /* 00:00 PST */, want: z(2014, 3, 9, 10, 30, 0)},
		vectorRow{name: "time/spring-forward window length", src: ts + "'#on_date when a non-existent (spring-forward) time is targeted ...' (03:30-04:00 PDT)",
			spec: laGap, op: vecElapsed, at: z(2014, 3, 9, 8, 0, 0), to: z(2014, 3, 9, 12, 0, 0), wantDur: 30 * time.Minute},
		vectorRow{name: "time/ambiguous start takes first occurrence", src: ts + "'#on_date when an ambiguous time is targeted returns the DST occurrence of the time'",
			spec: laAmbig, op: vecNextOpen, at: z(2014, 11, 2, 7, 0, 0) /* 00:00 PDT */, want: z(2014, 11, 2, 8, 30, 0)},
		vectorRow{name: "time/ambiguous window length", src: ts + "'#on_date when an ambiguous time is targeted ...' (01:30 PDT to 03:00 PST)",
			spec: laAmbig, op: vecElapsed, at: z(2014, 11, 2, 7, 0, 0), to: z(2014, 11, 2, 12, 0, 0), wantDur: 2*time.Hour + 30*time.Minute},
		vectorRow{name: "time/endnight 24:00 in a gap", src: ts + "'#on_date when a non-existent (spring-forward) endnight time is targeted returns the corresponding time an hour later'",
			spec: spEnd, op: vecElapsed, at: z(2015, 10, 17, 15, 0, 0), to: z(2015, 10, 18, 14, 0, 0), wantDur: 4 * time.Hour},
		vectorRow{name: "time/endnight open just before 24:00", src: ts + "'#on_date ... endnight ...' (Sat 23:59:59 -03 is open)",
			spec: spEnd, op: vecIsOpen, at: z(2015, 10, 18, 2, 59, 59), wantOpen: true},
		vectorRow{name: "time/endnight closed at 01:00 -02", src: ts + "'#on_date ... endnight ...' (01:00 -02 = 03:00Z is the close)",
			spec: spEnd, op: vecIsOpen, at: z(2015, 10, 18, 3, 0, 0), wantOpen: false},
		vectorRow{name: "time/endnight next opening a week later", src: ts + "'#on_date ... endnight ...' (next Sat 20:00 -02 = 22:00Z)",
			spec: spEnd, op: vecNextOpen, at: z(2015, 10, 18, 3, 0, 0), want: z(2015, 10, 24, 22, 0, 0)},
	)

	// --- README.md@0de7c94 configuration: America/Los_Angeles,
	// hours mon 09-17, tue 00-24, wed 09-17, thu 09-12 and 13-17, sat 10-14;
	// shifts 2006-01-01 09-12, 2006-01-07 08-10 and 12-14 (overrides);
	// breaks 2006-01-02 10:00-11:30, 2006-01-03 14:15-14:30 and 15:40-15:50
	// (overrides: the day's hours minus the breaks); holidays 2016-01-01,
	// 2016-12-25. ---
	readme := Spec{
		Zone: "America/Los_Angeles",
		Hours: vecMerge(
			vecDays("mon,wed", "09:00-17:00"), vecDays("tue", "00:00-24:00"),
			vecDays("thu", "09:00-12:00", "13:00-17:00"), vecDays("sat", "10:00-14:00"),
		),
		Holidays: []string{"2016-01-01", "2016-12-25"},
		Overrides: map[string][][]string{
			"2006-01-01": vecWins("09:00-12:00"),
			"2006-01-07": vecWins("08:00-10:00", "12:00-14:00"),
			"2006-01-02": vecWins("09:00-10:00", "11:30-17:00"),
			"2006-01-03": vecWins("00:00-14:15", "14:30-15:40", "15:50-24:00"),
		},
	}
	const rm = "zendesk/biz README.md@0de7c94: "
	rows = append(rows, vecPeriodRows("readme/timeline until", rm+"'Biz.periods.after(Time.utc(2015, 1, 10, 10)).timeline.until(Time.utc(2015, 1, 17, 10))'",
		readme, z(2015, 1, 10, 10, 0, 0), []Interval{
			{z(2015, 1, 10, 18, 0, 0), z(2015, 1, 10, 22, 0, 0)}, // Sat 10-14 PST
			{z(2015, 1, 12, 17, 0, 0), z(2015, 1, 13, 1, 0, 0)},  // Mon 09-17
			{z(2015, 1, 13, 8, 0, 0), z(2015, 1, 14, 8, 0, 0)},   // Tue 00-24
			{z(2015, 1, 14, 17, 0, 0), z(2015, 1, 15, 1, 0, 0)},  // Wed 09-17
			{z(2015, 1, 15, 17, 0, 0), z(2015, 1, 15, 20, 0, 0)}, // Thu 09-12
			{z(2015, 1, 15, 21, 0, 0), z(2015, 1, 16, 1, 0, 0)},  // Thu 13-17
		})...)
	rows = append(rows,
		vectorRow{
			// Sum of the six segments above: 4 + 8 + 24 + 8 + 3 + 4 = 51h.
			name: "readme/timeline until total", src: rm + "'...timeline.until(Time.utc(2015, 1, 17, 10))' (sum of the listed segments)",
			spec: readme, op: vecElapsed, at: z(2015, 1, 10, 10, 0, 0), to: z(2015, 1, 17, 10, 0, 0), wantDur: 51 * time.Hour,
		},
		vectorRow{
			// TRANSLATED from a backward example. README: periods before
			// 2015-05-05T12:34:57Z for 3598 minutes are 8 segments, the
			// earliest starting 2015-04-27T20:36:57Z (Mon 13:36:57 PDT, inside
			// Mon 09-17). Segment sum: 3h23m03s + 24h + 8h + 3h + 4h + 4h +
			// 8h + 5h34m57s = 59h58m = 3598 minutes. Run forward from the
			// earliest instant, the same 3598 minutes end at 12:34:57Z, which
			// is inside Tue 00-24 PDT (not at a close).
			name: "readme/backward example run forward", src: rm + "'Biz.periods.before(Time.utc(2015, 5, 5, 12, 34, 57)).timeline.for(Biz::Duration.minutes(3_598))'",
			spec: readme, op: vecDue, at: z(2015, 4, 27, 20, 36, 57), work: 3598 * time.Minute,
			want: z(2015, 5, 5, 12, 34, 57),
		},
		vectorRow{
			// Derived from README: "Shifts act as exceptions to the hours
			// configured for a particular date". Sunday 2006-01-01 has no
			// weekly hours but a 09-12 shift: opens 09:00 PST = 17:00Z.
			name: "readme/shift opens a Sunday", src: rm + "'config.shifts = {Date.new(2006, 1, 1) => {09:00 => 12:00}, ...}' (derived)",
			spec: readme, op: vecNextOpen, at: z(2006, 1, 1, 8, 0, 0), want: z(2006, 1, 1, 17, 0, 0),
		},
		vectorRow{
			// Saturday 2006-01-07 shift 08-10, 12-14 replaces sat 10-14:
			// 11:00 PST (19:00Z) is closed that day.
			name: "readme/shift replaces the weekly hours", src: rm + "'Shifts act as exceptions to the hours configured for a particular date' (derived)",
			spec: readme, op: vecIsOpen, at: z(2006, 1, 7, 19, 0, 0), wantOpen: false,
		},
		vectorRow{
			// Same day, 08:30 PST (16:30Z) is inside the 08-10 shift.
			name: "readme/shift window is open", src: rm + "'Shifts act as exceptions to the hours configured for a particular date' (derived)",
			spec: readme, op: vecIsOpen, at: z(2006, 1, 7, 16, 30, 0), wantOpen: true,
		},
	)

	runVectorRows(t, rows)
}
