package businesstime

// Accord's own calendars, with expected values derived by hand (the
// arithmetic is in the comment on each row). Semantics: ARCHITECTURE.md,
// "Semantics we have decided", and issue 2.
//
//   - Support: Mon-Fri 08:00-20:00 America/New_York ("8 AM to 8 PM EST" in
//     the policy, read with its DST), holiday 2024-07-04 (Thursday).
//     2024: DST starts Sun 2024-03-10 02:00 EST -> 03:00 EDT, ends Sun
//     2024-11-03 02:00 EDT -> 01:00 EST. EST = -05:00, EDT = -04:00.
//   - Services: Mon-Fri 08:00-18:00 America/Sao_Paulo. In 2018 Brazil still
//     had DST: it began Sun 2018-11-04 00:00 -03 -> 01:00 -02 (local
//     midnight did not exist) and ended Sun 2019-02-17 00:00 -02 -> Sat
//     2019-02-16 23:00 -03. Since 2019 no DST: -03:00 all year.
//   - Managed-service change window: Mon-Fri 08:00-18:00 Europe/Paris;
//     2024-03-31 02:00 CET -> 03:00 CEST, 2024-10-27 03:00 CEST -> 02:00 CET.

import (
	"testing"
	"time"
)

func accordSupport() Spec {
	return Spec{Zone: "America/New_York", Hours: vecDays(vecWeekdays, "08:00-20:00"), Holidays: []string{"2024-07-04"}}
}

func TestVectorAccord(t *testing.T) {
	const src = "accord: hand-derived (issue 2; ARCHITECTURE.md 'Semantics we have decided')"
	ny, sp, pa := vecNewYork, vecSaoPaulo, vecParis
	at, z := vecAt, vecZ
	h := time.Hour
	iv := func(from, to time.Time) Interval { return Interval{From: from, To: to} }

	sup := accordSupport()

	// Support calendar with year-end data: yearly holidays 12-25 and 01-01,
	// Christmas Eve shortened to 08:00-12:00, Saturday 2024-12-28 opened
	// 10:00-14:00, New Year's Eve closed.
	yearEnd := accordSupport()
	yearEnd.Holidays = []string{"2024-07-04", "12-25", "01-01"}
	yearEnd.Overrides = map[string][][]string{
		"2024-12-24": vecWins("08:00-12:00"),
		"2024-12-28": vecWins("10:00-14:00"),
		"2024-12-31": vecWins(),
	}

	nyAlways := Spec{Zone: "America/New_York", AlwaysOpen: true}
	// The same 24x7 calendar written as windows (how Zammad writes "24/7").
	nyAllDay := Spec{Zone: "America/New_York", Hours: vecDays(vecAllDays, "00:00-24:00")}

	// A night shift: Mon-Fri 22:00-06:00, each shift belonging to the day it
	// starts on; holiday 2024-07-04 removes Thursday's 22:00 shift only.
	night := Spec{Zone: "America/New_York", Hours: vecDays(vecWeekdays, "22:00-06:00"), Holidays: []string{"2024-07-04"}}

	// Windows touched by DST on Sundays, New York.
	//   02:00-04:00 on 2024-03-10 -> 03:00-04:00 EDT (02:00 moves forward
	//   by the gap to 03:00 EDT).
	//   02:00-03:00 on 2024-03-10 -> both ends are 03:00 EDT: empty, dropped.
	//   01:30-03:00 on 2024-11-03 -> first 01:30 (EDT, 05:30Z) to 03:00 EST
	//   (08:00Z) = 2h30m.
	gapWin := Spec{Zone: "America/New_York", Hours: vecDays("sun", "02:00-04:00")}
	emptyWin := Spec{Zone: "America/New_York", Hours: vecDays("sun", "02:00-03:00", "10:00-11:00")}
	overlapWin := Spec{Zone: "America/New_York", Hours: vecDays("sun", "01:30-03:00")}

	svc := Spec{Zone: "America/Sao_Paulo", Hours: vecDays(vecWeekdays, "08:00-18:00")}
	spAlways := Spec{Zone: "America/Sao_Paulo", AlwaysOpen: true}
	paris := Spec{Zone: "Europe/Paris", Hours: vecDays(vecWeekdays, "08:00-18:00")}

	rows := []vectorRow{
		// ---------------- Support, America/New_York ----------------
		{
			// Fri 19:00-20:00 EST = 1h; Mon 08:00 EST + 1h = 09:00 EST = 14:00Z.
			name: "support/friday evening plus 2h", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 1, 12, 19, 0, 0), work: 2 * h,
			want: z(2024, 1, 15, 14, 0, 0),
		},
		{
			// Fri 2024-03-08 19:00 EST: 1h to close; the weekend holds the DST
			// change; Mon 2024-03-11 08:00 EDT + 1h = 09:00 EDT = 13:00Z.
			name: "support/plus 2h across DST start", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 3, 8, 19, 0, 0), work: 2 * h,
			want: z(2024, 3, 11, 13, 0, 0),
		},
		{
			// Fri 2024-11-01 19:00 EDT (23:00Z): 1h; Mon 2024-11-04 08:00 EST
			// + 1h = 09:00 EST = 14:00Z.
			name: "support/plus 2h across DST end", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 11, 1, 19, 0, 0), work: 2 * h,
			want: z(2024, 11, 4, 14, 0, 0),
		},
		{
			// Wed 2024-07-03 19:00 EDT: 1h; Thu July 4 is a holiday; Fri
			// 08:00 EDT + 1h = 09:00 EDT = 13:00Z.
			name: "support/plus 2h across July 4", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 7, 3, 19, 0, 0), work: 2 * h,
			want: z(2024, 7, 5, 13, 0, 0),
		},
		{
			// Received Sat 03:00 EDT: the clock starts Mon 08:00 EDT = 12:00Z.
			name: "support/received saturday night zero work", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 15, 3, 0, 0), work: 0,
			want: z(2024, 6, 17, 12, 0, 0),
		},
		{
			// Received on July 4 (holiday): starts Fri July 5 08:00 EDT.
			name: "support/received on July 4 zero work", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 7, 4, 10, 0, 0), work: 0,
			want: z(2024, 7, 5, 12, 0, 0),
		},
		{
			// Zero work inside a window returns the start itself.
			name: "support/zero work in hours", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 12, 10, 15, 0), work: 0,
			want: z(2024, 6, 12, 14, 15, 0),
		},
		{
			// Wed 18:00 + 2h lands exactly on the 20:00 close: reported as
			// Thu 08:00 EDT = 12:00Z.
			name: "support/due exactly at close is next opening", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 12, 18, 0, 0), work: 2 * h,
			want: z(2024, 6, 13, 12, 0, 0),
		},
		{
			// Fri 18:00 + 2h -> Fri 20:00 close -> Mon 08:00 EDT = 12:00Z.
			name: "support/due at friday close is monday opening", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 14, 18, 0, 0), work: 2 * h,
			want: z(2024, 6, 17, 12, 0, 0),
		},
		{
			// One second less stays on Wednesday: 19:59:59 EDT = 23:59:59Z.
			name: "support/one second before close", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 12, 18, 0, 0), work: 2*h - time.Second,
			want: z(2024, 6, 12, 23, 59, 59),
		},
		{
			// Wed 15:00-20:00 = 5h; Thu 08:00 + 3h = 11:00 EDT = 15:00Z.
			name: "support/8 working hours from wednesday 15:00", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 12, 15, 0, 0), work: 8 * h,
			want: z(2024, 6, 13, 15, 0, 0),
		},
		{
			// Wed 5h; Thu 12h (17h); Fri 08:00 + 1h = 09:00 EDT = 13:00Z.
			name: "support/18 working hours from wednesday 15:00", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 12, 15, 0, 0), work: 18 * h,
			want: z(2024, 6, 14, 13, 0, 0),
		},
		{
			// Mon 08:00-20:00 = 12h; Tue 08:00 + 6h = 14:00 EDT = 18:00Z.
			name: "support/18 working hours from monday opening", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 10, 8, 0, 0), work: 18 * h,
			want: z(2024, 6, 11, 18, 0, 0),
		},
		{
			// 18h from Wed 2024-07-03 15:00: Wed 5h; Thu holiday; Fri 12h
			// (17h); Mon 07-08 08:00 + 1h = 09:00 EDT = 13:00Z.
			name: "support/18 working hours across July 4 and a weekend", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 7, 3, 15, 0, 0), work: 18 * h,
			want: z(2024, 7, 8, 13, 0, 0),
		},
		{
			// Awaiting customer Wed 16:00-18:30: Wed 15-16 (1h) + 18:30-20:00
			// (1h30m) = 2h30m; Thu 08:00 + 5h30m = 13:30 EDT = 17:30Z
			// (without the pause: Thu 11:00).
			name: "support/pause in the middle pushes the deadline", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 12, 15, 0, 0), work: 8 * h,
			pauses: []Interval{iv(at(ny, 2024, 6, 12, 16, 0, 0), at(ny, 2024, 6, 12, 18, 30, 0))},
			want:   z(2024, 6, 13, 17, 30, 0),
		},
		{
			// Awaiting customer overnight Wed 19:00 - Thu 09:30: Wed 15-19
			// (4h); Thu 09:30 + 4h = 13:30 EDT = 17:30Z.
			name: "support/pause overnight", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 12, 15, 0, 0), work: 8 * h,
			pauses: []Interval{iv(at(ny, 2024, 6, 12, 19, 0, 0), at(ny, 2024, 6, 13, 9, 30, 0))},
			want:   z(2024, 6, 13, 17, 30, 0),
		},
		{
			// Unsorted, overlapping pauses [16:30, 18:00) and [16:00, 17:00)
			// are their union [16:00, 18:00): Wed 15-16 (1h) + 18-20 (2h) =
			// 3h; Thu 08:00 + 5h = 13:00 EDT = 17:00Z.
			name: "support/unsorted overlapping pauses", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 12, 15, 0, 0), work: 8 * h,
			pauses: []Interval{
				iv(at(ny, 2024, 6, 12, 16, 30, 0), at(ny, 2024, 6, 12, 18, 0, 0)),
				iv(at(ny, 2024, 6, 12, 16, 0, 0), at(ny, 2024, 6, 12, 17, 0, 0)),
			},
			want: z(2024, 6, 13, 17, 0, 0),
		},
		{
			// Wed 15:00 + 2h lands at 17:00, where a pause starts: reported
			// when working time resumes, 18:00 EDT = 22:00Z.
			name: "support/due at pause start is pause end", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 12, 15, 0, 0), work: 2 * h,
			pauses: []Interval{iv(at(ny, 2024, 6, 12, 17, 0, 0), at(ny, 2024, 6, 12, 18, 0, 0))},
			want:   z(2024, 6, 12, 22, 0, 0),
		},
		{
			// Received during a pause that runs past the close: the clock
			// starts Thu 08:00. Pause Wed 19:00 - Wed 21:00, start 19:30.
			name: "support/zero work during a pause", src: src,
			spec: sup, op: vecDue, at: at(ny, 2024, 6, 12, 19, 30, 0), work: 0,
			pauses: []Interval{iv(at(ny, 2024, 6, 12, 19, 0, 0), at(ny, 2024, 6, 12, 21, 0, 0))},
			want:   z(2024, 6, 13, 12, 0, 0),
		},
		{
			// Fri 18:00-20:00 (2h) + Mon 08:00-10:00 (2h).
			name: "support/elapsed across a weekend", src: src,
			spec: sup, op: vecElapsed, at: at(ny, 2024, 6, 14, 18, 0, 0), to: at(ny, 2024, 6, 17, 10, 0, 0),
			wantDur: 4 * h,
		},
		{
			// Fri 2024-03-08 18:00 EST -> Mon 2024-03-11 10:00 EDT: 2h + 2h;
			// the 23-hour Sunday is closed anyway.
			name: "support/elapsed across the DST start weekend", src: src,
			spec: sup, op: vecElapsed, at: at(ny, 2024, 3, 8, 18, 0, 0), to: at(ny, 2024, 3, 11, 10, 0, 0),
			wantDur: 4 * h,
		},
		{
			// Wed 07-03 18:00 -> Fri 07-05 10:00: Wed 2h, Thu holiday, Fri 2h.
			name: "support/elapsed across July 4", src: src,
			spec: sup, op: vecElapsed, at: at(ny, 2024, 7, 3, 18, 0, 0), to: at(ny, 2024, 7, 5, 10, 0, 0),
			wantDur: 4 * h,
		},
		{
			// Pause Mon 09:00-09:30 inside Mon 08:00-12:00: 4h - 30m.
			name: "support/elapsed with a pause", src: src,
			spec: sup, op: vecElapsed, at: at(ny, 2024, 6, 17, 8, 0, 0), to: at(ny, 2024, 6, 17, 12, 0, 0),
			pauses:  []Interval{iv(at(ny, 2024, 6, 17, 9, 0, 0), at(ny, 2024, 6, 17, 9, 30, 0))},
			wantDur: 3*h + 30*time.Minute,
		},
		{
			name: "support/elapsed to before from is zero", src: src,
			spec: sup, op: vecElapsed, at: at(ny, 2024, 6, 17, 12, 0, 0), to: at(ny, 2024, 6, 17, 8, 0, 0),
			wantDur: 0,
		},
		{
			// One full week: 5 x 12h.
			name: "support/elapsed one week", src: src,
			spec: sup, op: vecElapsed, at: at(ny, 2024, 6, 10, 0, 0, 0), to: at(ny, 2024, 6, 17, 0, 0, 0),
			wantDur: 60 * h,
		},
		{
			name: "support/open at 08:00", src: src,
			spec: sup, op: vecIsOpen, at: at(ny, 2024, 6, 17, 8, 0, 0), wantOpen: true,
		},
		{
			name: "support/closed at 20:00", src: src,
			spec: sup, op: vecIsOpen, at: at(ny, 2024, 6, 17, 20, 0, 0), wantOpen: false,
		},
		{
			name: "support/closed on July 4", src: src,
			spec: sup, op: vecIsOpen, at: at(ny, 2024, 7, 4, 12, 0, 0), wantOpen: false,
		},
		{
			// Fri 20:00 EDT -> Mon 08:00 EDT = 12:00Z.
			name: "support/next opening after friday close", src: src,
			spec: sup, op: vecNextOpen, at: at(ny, 2024, 6, 14, 20, 0, 0), want: z(2024, 6, 17, 12, 0, 0),
		},
		{
			name: "support/next opening when open is now", src: src,
			spec: sup, op: vecNextOpen, at: at(ny, 2024, 6, 14, 19, 59, 59), want: z(2024, 6, 14, 23, 59, 59),
		},
		{
			// From Mon 2024-07-01 10:00: Tue 2 (1), Wed 3 (2), [Thu 4 holiday],
			// Fri 5 (3), Mon 8 (4), Tue 9 (5), Wed 10 (6), Thu 11 (7), Fri 12
			// (8), Mon 15 (9), Tue 16 (10) -> Tue 2024-07-16 10:00 EDT = 14:00Z.
			name: "support/10 business days across July 4", src: src,
			spec: sup, op: vecAddWorkdays, at: at(ny, 2024, 7, 1, 10, 0, 0), days: 10,
			want: z(2024, 7, 16, 14, 0, 0),
		},
		{
			// ... Wed 17 (11), Thu 18 (12), Fri 19 (13), Mon 22 (14), Tue 23
			// (15) -> Tue 2024-07-23 10:00 EDT = 14:00Z.
			name: "support/15 business days across July 4", src: src,
			spec: sup, op: vecAddWorkdays, at: at(ny, 2024, 7, 1, 10, 0, 0), days: 15,
			want: z(2024, 7, 23, 14, 0, 0),
		},
		{
			// From Fri 2024-06-28 15:00: Mon 1 (1), Tue 2, Wed 3, Fri 5 (4),
			// Mon 8 .. Fri 12 (9), Mon 15 (10) -> 15:00 EDT = 19:00Z.
			name: "support/10 business days from a friday", src: src,
			spec: sup, op: vecAddWorkdays, at: at(ny, 2024, 6, 28, 15, 0, 0), days: 10,
			want: z(2024, 7, 15, 19, 0, 0),
		},
		{
			// Same local clock, not same elapsed time: Fri 2024-03-08 10:00 EST
			// -> Mon 2024-03-11 10:00 EDT = 14:00Z.
			name: "support/1 business day across DST start keeps clock time", src: src,
			spec: sup, op: vecAddWorkdays, at: at(ny, 2024, 3, 8, 10, 0, 0), days: 1,
			want: z(2024, 3, 11, 14, 0, 0),
		},
		{
			// Fri 2024-11-01 10:00 EDT -> Mon 2024-11-04 10:00 EST = 15:00Z.
			name: "support/1 business day across DST end keeps clock time", src: src,
			spec: sup, op: vecAddWorkdays, at: at(ny, 2024, 11, 1, 10, 0, 0), days: 1,
			want: z(2024, 11, 4, 15, 0, 0),
		},
		{
			// Wed 2024-07-03 21:00 -> next working day Fri 07-05 21:00 (after
			// close) -> first working moment Mon 07-08 08:00 EDT = 12:00Z.
			name: "support/1 business day after hours rolls to next opening", src: src,
			spec: sup, op: vecAddWorkdays, at: at(ny, 2024, 7, 3, 21, 0, 0), days: 1,
			want: z(2024, 7, 8, 12, 0, 0),
		},
		{
			// From Sat 2024-06-15 12:00: Mon 17 (1), Tue 18 (2) 12:00 EDT.
			name: "support/2 business days from a saturday", src: src,
			spec: sup, op: vecAddWorkdays, at: at(ny, 2024, 6, 15, 12, 0, 0), days: 2,
			want: z(2024, 6, 18, 16, 0, 0),
		},

		// ---------------- Support, year-end overrides ----------------
		{
			// Tue 12-24 is 08:00-12:00: 11:00-12:00 (1h); Wed 25 holiday
			// (yearly); Thu 26 08:00 + 1h = 09:00 EST = 14:00Z.
			name: "yearend/shortened christmas eve", src: src,
			spec: yearEnd, op: vecDue, at: at(ny, 2024, 12, 24, 11, 0, 0), work: 2 * h,
			want: z(2024, 12, 26, 14, 0, 0),
		},
		{
			// Fri 12-27 19:00-20:00 (1h); Sat 12-28 opened 10:00-14:00:
			// 10:00 + 2h = 12:00 EST = 17:00Z.
			name: "yearend/extra saturday", src: src,
			spec: yearEnd, op: vecDue, at: at(ny, 2024, 12, 27, 19, 0, 0), work: 3 * h,
			want: z(2024, 12, 28, 17, 0, 0),
		},
		{
			// Mon 12-30 19:00 (1h); Tue 31 closed by override; Wed 2025-01-01
			// holiday (yearly 01-01); Thu 01-02 08:00 + 1h = 09:00 EST = 14:00Z.
			name: "yearend/closed new years eve and new year", src: src,
			spec: yearEnd, op: vecDue, at: at(ny, 2024, 12, 30, 19, 0, 0), work: 2 * h,
			want: z(2025, 1, 2, 14, 0, 0),
		},
		{
			// The opened Saturday is a working day: Fri 10:00 + 1 -> Sat 10:00
			// EST = 15:00Z.
			name: "yearend/override saturday is a working day", src: src,
			spec: yearEnd, op: vecAddWorkdays, at: at(ny, 2024, 12, 27, 10, 0, 0), days: 1,
			want: z(2024, 12, 28, 15, 0, 0),
		},
		{
			// Mon 12-30 10:00 + 1: Tue 31 has no window, Wed 01-01 is a
			// holiday -> Thu 2025-01-02 10:00 EST = 15:00Z.
			name: "yearend/closed override is not a working day", src: src,
			spec: yearEnd, op: vecAddWorkdays, at: at(ny, 2024, 12, 30, 10, 0, 0), days: 1,
			want: z(2025, 1, 2, 15, 0, 0),
		},
		{
			// Yearly holiday 12-25 also applies in 2025 (a Thursday).
			name: "yearend/yearly holiday recurs", src: src,
			spec: yearEnd, op: vecIsOpen, at: at(ny, 2025, 12, 25, 12, 0, 0), wantOpen: false,
		},

		// ---------------- 24x7, America/New_York ----------------
		{
			// Sat 2024-03-09 12:00 EST (17:00Z) -> Sun 2024-03-10 12:00 EDT
			// (16:00Z): a 23-hour day.
			name: "24x7/DST start day has 23 hours", src: src,
			spec: nyAlways, op: vecElapsed, at: at(ny, 2024, 3, 9, 12, 0, 0), to: at(ny, 2024, 3, 10, 12, 0, 0),
			wantDur: 23 * h,
		},
		{
			// Sat 2024-11-02 12:00 EDT (16:00Z) -> Sun 2024-11-03 12:00 EST
			// (17:00Z): a 25-hour day.
			name: "24x7/DST end day has 25 hours", src: src,
			spec: nyAlways, op: vecElapsed, at: at(ny, 2024, 11, 2, 12, 0, 0), to: at(ny, 2024, 11, 3, 12, 0, 0),
			wantDur: 25 * h,
		},
		{
			// 00:00 EST (05:00Z) + 24h real = 05:00Z = 01:00 EDT next day.
			name: "24x7/24h from DST start midnight", src: src,
			spec: nyAlways, op: vecDue, at: at(ny, 2024, 3, 10, 0, 0, 0), work: 24 * h,
			want: z(2024, 3, 11, 5, 0, 0),
		},
		{
			// 00:00 EDT (04:00Z) + 24h real = 04:00Z = 23:00 EST same date.
			name: "24x7/24h from DST end midnight", src: src,
			spec: nyAlways, op: vecDue, at: at(ny, 2024, 11, 3, 0, 0, 0), work: 24 * h,
			want: z(2024, 11, 4, 4, 0, 0),
		},
		{
			name: "24x7 windows/DST start day has 23 hours", src: src,
			spec: nyAllDay, op: vecElapsed, at: at(ny, 2024, 3, 9, 12, 0, 0), to: at(ny, 2024, 3, 10, 12, 0, 0),
			wantDur: 23 * h,
		},
		{
			name: "24x7 windows/DST end day has 25 hours", src: src,
			spec: nyAllDay, op: vecElapsed, at: at(ny, 2024, 11, 2, 12, 0, 0), to: at(ny, 2024, 11, 3, 12, 0, 0),
			wantDur: 25 * h,
		},
		{
			// Midnight between two 00:00-24:00 windows is not a stop: 23:00 +
			// 1h is 00:00, which is also where working time goes on.
			name: "24x7 windows/due at midnight", src: src,
			spec: nyAllDay, op: vecDue, at: at(ny, 2024, 6, 12, 23, 0, 0), work: h,
			want: z(2024, 6, 13, 4, 0, 0),
		},
		{
			name: "24x7 windows/24h from DST end midnight", src: src,
			spec: nyAllDay, op: vecDue, at: at(ny, 2024, 11, 3, 0, 0, 0), work: 24 * h,
			want: z(2024, 11, 4, 4, 0, 0),
		},

		// ---------------- Night shift, cross-midnight windows ----------------
		{
			// Fri 23:00 EDT -> Sat 06:00 (Friday's shift) = 7h; Mon 22:00 + 1h
			// = Mon 23:00 EDT = Tue 03:00Z.
			name: "night/8h from friday 23:00", src: src,
			spec: night, op: vecDue, at: at(ny, 2024, 6, 14, 23, 0, 0), work: 8 * h,
			want: z(2024, 6, 18, 3, 0, 0),
		},
		{
			// Thu 03:00 belongs to Wednesday's shift: open on the holiday date.
			name: "night/wednesday shift runs into the holiday", src: src,
			spec: night, op: vecIsOpen, at: at(ny, 2024, 7, 4, 3, 0, 0), wantOpen: true,
		},
		{
			name: "night/holiday removes the shift starting that day", src: src,
			spec: night, op: vecIsOpen, at: at(ny, 2024, 7, 4, 23, 0, 0), wantOpen: false,
		},
		{
			name: "night/holiday shift would run into friday", src: src,
			spec: night, op: vecIsOpen, at: at(ny, 2024, 7, 5, 3, 0, 0), wantOpen: false,
		},
		{
			// Thu 06:00 (end of Wednesday's shift) -> Fri 22:00 EDT = Sat 02:00Z.
			name: "night/next opening skips the holiday shift", src: src,
			spec: night, op: vecNextOpen, at: at(ny, 2024, 7, 4, 6, 0, 0), want: z(2024, 7, 6, 2, 0, 0),
		},
		{
			// Sat 2024-03-09 22:00 is not a shift (Fri's ends Sat 06:00). Fri
			// 2024-03-08 22:00 EST -> Sat 06:00 EST: 8h; Sunday has no shift.
			name: "night/shift length", src: src,
			spec: night, op: vecElapsed, at: at(ny, 2024, 3, 8, 12, 0, 0), to: at(ny, 2024, 3, 11, 12, 0, 0),
			wantDur: 8 * h,
		},

		// ---------------- Windows touched by DST (New York Sundays) ----------------
		{
			// 2024-03-10 02:00 does not exist: opens 03:00 EDT = 07:00Z.
			name: "dst window/opening in the gap moves forward", src: src,
			spec: gapWin, op: vecNextOpen, at: at(ny, 2024, 3, 10, 0, 0, 0), want: z(2024, 3, 10, 7, 0, 0),
		},
		{
			// 03:00-04:00 EDT = 1h that Sunday.
			name: "dst window/window shortened by the gap", src: src,
			spec: gapWin, op: vecElapsed, at: at(ny, 2024, 3, 10, 0, 0, 0), to: at(ny, 2024, 3, 10, 12, 0, 0),
			wantDur: h,
		},
		{
			// A normal Sunday: 02:00 EST = 07:00Z, 2h.
			name: "dst window/normal sunday", src: src,
			spec: gapWin, op: vecElapsed, at: at(ny, 2024, 3, 3, 0, 0, 0), to: at(ny, 2024, 3, 3, 12, 0, 0),
			wantDur: 2 * h,
		},
		{
			// 02:00-03:00 is empty on 2024-03-10 and dropped: next opening is
			// 10:00 EDT = 14:00Z.
			name: "dst window/window made empty is dropped", src: src,
			spec: emptyWin, op: vecNextOpen, at: at(ny, 2024, 3, 10, 0, 0, 0), want: z(2024, 3, 10, 14, 0, 0),
		},
		{
			// That Sunday has only 10:00-11:00.
			name: "dst window/empty window holds no time", src: src,
			spec: emptyWin, op: vecElapsed, at: at(ny, 2024, 3, 10, 0, 0, 0), to: at(ny, 2024, 3, 11, 0, 0, 0),
			wantDur: h,
		},
		{
			// 2024-11-03 01:30 happens twice; the window opens at the first,
			// 01:30 EDT = 05:30Z.
			name: "dst window/ambiguous opening takes first occurrence", src: src,
			spec: overlapWin, op: vecNextOpen, at: at(ny, 2024, 11, 3, 0, 0, 0), want: z(2024, 11, 3, 5, 30, 0),
		},
		{
			// 05:30Z to 03:00 EST = 08:00Z: 2h30m.
			name: "dst window/ambiguous window length", src: src,
			spec: overlapWin, op: vecElapsed, at: at(ny, 2024, 11, 3, 0, 0, 0), to: at(ny, 2024, 11, 3, 12, 0, 0),
			wantDur: 2*h + 30*time.Minute,
		},
		{
			// The second 01:30 (EST, 06:30Z) is inside the window.
			name: "dst window/second occurrence is open", src: src,
			spec: overlapWin, op: vecIsOpen, at: z(2024, 11, 3, 6, 30, 0), wantOpen: true,
		},

		// ---------------- Services, America/Sao_Paulo ----------------
		{
			// Fri 2018-11-02 17:00 -03 (20:00Z): 1h to close; Sun 11-04
			// 00:00 -> 01:00; Mon 2018-11-05 08:00 -02 + 1h = 09:00 -02 =
			// 11:00Z.
			name: "services/plus 2h across 2018 DST start", src: src,
			spec: svc, op: vecDue, at: at(sp, 2018, 11, 2, 17, 0, 0), work: 2 * h,
			want: z(2018, 11, 5, 11, 0, 0),
		},
		{
			// Fri 2019-02-15 17:00 -02 (19:00Z): 1h; DST ends that weekend;
			// Mon 2019-02-18 08:00 -03 + 1h = 09:00 -03 = 12:00Z.
			name: "services/plus 2h across 2019 DST end", src: src,
			spec: svc, op: vecDue, at: at(sp, 2019, 2, 15, 17, 0, 0), work: 2 * h,
			want: z(2019, 2, 18, 12, 0, 0),
		},
		{
			// 2024, no DST: Fri 2024-11-01 17:00 -03 (20:00Z): 1h; Mon
			// 2024-11-04 08:00 -03 + 1h = 09:00 -03 = 12:00Z.
			name: "services/plus 2h in 2024 without DST", src: src,
			spec: svc, op: vecDue, at: at(sp, 2024, 11, 1, 17, 0, 0), work: 2 * h,
			want: z(2024, 11, 4, 12, 0, 0),
		},
		{
			// Fri 17:00-18:00 -03 (1h) + Mon 08:00-09:00 -02 (1h).
			name: "services/elapsed across 2018 DST start weekend", src: src,
			spec: svc, op: vecElapsed, at: at(sp, 2018, 11, 2, 17, 0, 0), to: at(sp, 2018, 11, 5, 9, 0, 0),
			wantDur: 2 * h,
		},
		{
			// 50 working hours = one full week (5 x 10h): Mon 2018-10-29
			// 08:00 -03 -> Fri 11-02 18:00 close -> reported at the next
			// opening, Mon 2018-11-05 08:00 -02 = 10:00Z.
			name: "services/one working week ends at friday close", src: src,
			spec: svc, op: vecDue, at: at(sp, 2018, 10, 29, 8, 0, 0), work: 50 * h,
			want: z(2018, 11, 5, 10, 0, 0),
		},
		{
			// Lead time 5 business days from Wed 2018-10-31 10:00 -03: Thu 1,
			// Fri 2, Mon 5, Tue 6, Wed 7 -> 10:00 -02 = 12:00Z.
			name: "services/5 business days across 2018 DST start", src: src,
			spec: svc, op: vecAddWorkdays, at: at(sp, 2018, 10, 31, 10, 0, 0), days: 5,
			want: z(2018, 11, 7, 12, 0, 0),
		},
		{
			// From Wed 2019-02-13 10:00 -02: Thu 14, Fri 15, Mon 18, Tue 19,
			// Wed 20 -> 10:00 -03 = 13:00Z.
			name: "services/5 business days across 2019 DST end", src: src,
			spec: svc, op: vecAddWorkdays, at: at(sp, 2019, 2, 13, 10, 0, 0), days: 5,
			want: z(2019, 2, 20, 13, 0, 0),
		},
		{
			// 2024: Mon 2024-03-04 14:00 -03 + 5 -> Mon 2024-03-11 14:00 -03
			// = 17:00Z.
			name: "services/5 business days in 2024", src: src,
			spec: svc, op: vecAddWorkdays, at: at(sp, 2024, 3, 4, 14, 0, 0), days: 5,
			want: z(2024, 3, 11, 17, 0, 0),
		},
		{
			// 24x7: Sat 2018-11-03 00:00 -03 + 1 day -> Sun 2018-11-04 00:00,
			// which did not exist: forward by the gap to 01:00 -02 = 03:00Z.
			name: "services 24x7/business day onto a missing midnight", src: src,
			spec: spAlways, op: vecAddWorkdays, at: at(sp, 2018, 11, 3, 0, 0, 0), days: 1,
			want: z(2018, 11, 4, 3, 0, 0),
		},
		{
			// Sat 2018-11-03 12:00 -03 (15:00Z) -> Sun 12:00 -02 (14:00Z).
			name: "services 24x7/2018 DST start day has 23 hours", src: src,
			spec: spAlways, op: vecElapsed, at: at(sp, 2018, 11, 3, 12, 0, 0), to: at(sp, 2018, 11, 4, 12, 0, 0),
			wantDur: 23 * h,
		},
		{
			// Sat 2019-02-16 12:00 -02 (14:00Z) -> Sun 12:00 -03 (15:00Z).
			name: "services 24x7/2019 DST end day has 25 hours", src: src,
			spec: spAlways, op: vecElapsed, at: at(sp, 2019, 2, 16, 12, 0, 0), to: at(sp, 2019, 2, 17, 12, 0, 0),
			wantDur: 25 * h,
		},

		// ---------------- Change window, Europe/Paris ----------------
		{
			// Fri 2024-03-29 17:00 CET (16:00Z): 1h; Mon 2024-04-01 08:00 CEST
			// + 1h = 09:00 CEST = 07:00Z.
			name: "paris/plus 2h across DST start", src: src,
			spec: paris, op: vecDue, at: at(pa, 2024, 3, 29, 17, 0, 0), work: 2 * h,
			want: z(2024, 4, 1, 7, 0, 0),
		},
		{
			// Fri 2024-10-25 17:00 CEST (15:00Z): 1h; Mon 2024-10-28 08:00 CET
			// + 1h = 09:00 CET = 08:00Z.
			name: "paris/plus 2h across DST end", src: src,
			spec: paris, op: vecDue, at: at(pa, 2024, 10, 25, 17, 0, 0), work: 2 * h,
			want: z(2024, 10, 28, 8, 0, 0),
		},
		{
			// Fri 12:00-18:00 CET (6h) + Mon 08:00-12:00 CEST (4h).
			name: "paris/elapsed across DST start weekend", src: src,
			spec: paris, op: vecElapsed, at: at(pa, 2024, 3, 29, 12, 0, 0), to: at(pa, 2024, 4, 1, 12, 0, 0),
			wantDur: 10 * h,
		},
		{
			// Fri 2024-10-25 12:00 CEST -> Mon 2024-10-28 12:00 CET: 6h + 4h.
			name: "paris/elapsed across DST end weekend", src: src,
			spec: paris, op: vecElapsed, at: at(pa, 2024, 10, 25, 12, 0, 0), to: at(pa, 2024, 10, 28, 12, 0, 0),
			wantDur: 10 * h,
		},
		{
			// Sat 2024-10-26 03:00 CEST -> next opening Mon 08:00 CET = 07:00Z.
			name: "paris/next opening after DST end weekend", src: src,
			spec: paris, op: vecNextOpen, at: at(pa, 2024, 10, 26, 3, 0, 0), want: z(2024, 10, 28, 7, 0, 0),
		},
	}
	runVectorRows(t, rows)
}
