package businesstime

// Vectors ported from Znuny (github.com/znuny/Znuny), which inherited them
// from OTRS:
//   - scripts/test/DateTime/AddWorkingTime.t@012b2cb  -> Due
//   - scripts/test/DateTime/DeltaWorkingTime.t@66ec18e -> Elapsed
//
// Translation of Znuny's calendar:
//   - TimeWorkingHours lists whole working hours per day: [8 .. 17] means the
//     hours starting 08:00, 09:00, ... 17:00, i.e. the window 08:00-18:00;
//     [8 .. 12, 14 .. 17] is 08:00-13:00 and 14:00-18:00; [0 .. 23] is
//     00:00-24:00. Znuny counts seconds inside those hour slots, so nothing
//     else changes (its tests land mid-window or on whole days, never on a
//     window's close, so the end-of-window rule does not come into play).
//   - TimeVacationDays {1 => {1}, 5 => {1}, 12 => {24, 25, 26, 31}} are
//     yearly holidays "01-01", "05-01", "12-24", "12-25", "12-26", "12-31".
//   - The working hours are in the DateTime object's TimeZone, or in
//     TimeZone::Calendar9 (Europe/Berlin) when `Calendar => 9` is given; the
//     test strings are wall-clock times in the object's TimeZone.
//   - Days => n in working time is n * 24 hours of working time; all
//     arithmetic is in real elapsed seconds (Znuny's DST cases agree: a
//     23-hour day gives an hour more, a 25-hour day an hour less).
//
// Left out: 'Using parameter Years to add working time - must fail' (no
// such unit: Due takes a duration), 'Using negative hours to add working
// time - must fail' (negative work is not part of the contract), and the
// failing-call checks at the ends of both files (argument validation of the
// Perl API).

import (
	"testing"
	"time"
)

var znunyVacation = []string{"01-01", "05-01", "12-24", "12-25", "12-26", "12-31"}

// znunyHours: the three configurations of both test files.
func znunyHours(days string, kind string) map[string][][]string {
	switch kind {
	case "0To23":
		return vecDays(days, "00:00-24:00")
	case "8To17":
		return vecDays(days, "08:00-18:00")
	case "8To12_14To17":
		return vecDays(days, "08:00-13:00", "14:00-18:00")
	}
	panic("unknown Znuny working hours " + kind)
}

func znunySpec(zone, days, kind string, vacation bool) Spec {
	s := Spec{Zone: zone, Hours: znunyHours(days, kind)}
	if vacation {
		s.Holidays = znunyVacation
	}
	return s
}

func TestVectorZnuny(t *testing.T) {
	const aw = "znuny/Znuny scripts/test/DateTime/AddWorkingTime.t@012b2cb: "
	const dw = "znuny/Znuny scripts/test/DateTime/DeltaWorkingTime.t@66ec18e: "
	at := vecAt
	h := time.Hour
	utc, ber, sp, teh, syd := vecUTCZone, vecBerlin, vecSaoPaulo, vecTehran, vecSydney

	// Calendar 9: Europe/Berlin, MonToFri 8To12_14To17, VacationDays.
	cal9 := znunySpec("Europe/Berlin", vecWeekdays, "8To12_14To17", true)

	utc247v := znunySpec("UTC", vecAllDays, "0To23", true)
	utc247 := znunySpec("UTC", vecAllDays, "0To23", false)
	ber247v := znunySpec("Europe/Berlin", vecAllDays, "0To23", true)
	ber247 := znunySpec("Europe/Berlin", vecAllDays, "0To23", false)
	sp247v := znunySpec("America/Sao_Paulo", vecAllDays, "0To23", true)
	sp247 := znunySpec("America/Sao_Paulo", vecAllDays, "0To23", false)
	teh247v := znunySpec("Asia/Tehran", vecAllDays, "0To23", true)
	teh247 := znunySpec("Asia/Tehran", vecAllDays, "0To23", false)
	syd247v := znunySpec("Australia/Sydney", vecAllDays, "0To23", true)
	syd247 := znunySpec("Australia/Sydney", vecAllDays, "0To23", false)

	rows := []vectorRow{
		// ---------------- AddWorkingTime.t ----------------
		{
			// 2015-02-17 + 730 days = 2017-02-16; 12 vacation days in between
			// (2015: 05-01, 12-24/25/26/31; 2016: 01-01, 05-01, 12-24/25/26/31;
			// 2017: 01-01) -> 2017-02-28.
			name: "add/~2 years", src: aw + "'~2 years'",
			spec: utc247v, op: vecDue, at: at(utc, 2015, 2, 17, 12, 0, 0), work: 365 * 2 * 24 * h,
			want: at(utc, 2017, 2, 28, 12, 0, 0),
		},
		{
			// Fri 12:00 CET: 12-13 and 14-18 (5h); Mon 30 9h (14h); Tue 31
			// 08:00 CEST + 1h = 09:00 CEST = 07:00Z.
			name: "add/15h via Calendar 9", src: aw + "'15h via Calendar 9'",
			spec: cal9, op: vecDue, at: at(utc, 2015, 3, 27, 11, 0, 0), work: 15 * h,
			want: at(utc, 2015, 3, 31, 7, 0, 0),
		},
		{
			// + 90 days = 2015-05-18, + 1 day for the 05-01 holiday.
			name: "add/90d", src: aw + "'90d'",
			spec: utc247v, op: vecDue, at: at(utc, 2015, 2, 17, 12, 0, 0), work: 90 * 24 * h,
			want: at(utc, 2015, 5, 19, 12, 0, 0),
		},
		{
			// As above + 1h of work + 1h for the 23-hour 2015-03-29.
			name: "add/90d 1h across DST start Berlin", src: aw + "'90d 1h, (Daylight Saving Time UTC+1 => UTC+2)'",
			spec: ber247v, op: vecDue, at: at(ber, 2015, 2, 17, 12, 0, 0), work: (90*24 + 1) * h,
			want: at(ber, 2015, 5, 19, 14, 0, 0),
		},
		{
			name: "add/6h UTC February", src: aw + "'6h' (2015-02-21 22:00:00 UTC)",
			spec: utc247v, op: vecDue, at: at(utc, 2015, 2, 21, 22, 0, 0), work: 6 * h,
			want: at(utc, 2015, 2, 22, 4, 0, 0),
		},
		{
			// DST ends 2015-02-22 00:00 -02 -> 2015-02-21 23:00 -03:
			// 22:00 -02 (00:00Z) + 5h = 05:00Z = 02:00 -03.
			name: "add/5h across DST end Sao Paulo", src: aw + "'5h, end DST from 00 to 23  ( UTC-2 => UTC-3 )'",
			spec: sp247v, op: vecDue, at: at(sp, 2015, 2, 21, 22, 0, 0), work: 5 * h,
			want: at(sp, 2015, 2, 22, 2, 0, 0),
		},
		{
			name: "add/4d 6h 20m 15s UTC", src: aw + "'4d 6h 20m 15s'",
			spec: utc247v, op: vecDue, at: at(utc, 2015, 2, 20, 22, 10, 5), work: 4*24*h + 6*h + 20*time.Minute + 15*time.Second,
			want: at(utc, 2015, 2, 25, 4, 30, 20),
		},
		{
			// 00:10:05Z + 101h20m15s = 2015-02-26 05:30:20Z = 02:30:20 -03.
			name: "add/4d 5h 20m 15s across DST end Sao Paulo", src: aw + "'4d 5h 20m 15s, end DST from 00 to 23 - with min and sec ( UTC-2 => UTC-3 )'",
			spec: sp247, op: vecDue, at: at(sp, 2015, 2, 21, 22, 10, 5), work: 4*24*h + 5*h + 20*time.Minute + 15*time.Second,
			want: at(sp, 2015, 2, 26, 2, 30, 20),
		},
		{
			name: "add/6h UTC October", src: aw + "'6h' (2015-10-17 22:00:00 UTC)",
			spec: utc247v, op: vecDue, at: at(utc, 2015, 10, 17, 22, 0, 0), work: 6 * h,
			want: at(utc, 2015, 10, 18, 4, 0, 0),
		},
		{
			// DST starts 2015-10-18 00:00 -03 -> 01:00 -02: 22:00 -03 (01:00Z)
			// + 7h = 08:00Z = 06:00 -02.
			name: "add/7h across DST start Sao Paulo", src: aw + "'7h, start DST from 00 to 01 ( UTC-3 => UTC-2 )'",
			spec: sp247v, op: vecDue, at: at(sp, 2015, 10, 17, 22, 0, 0), work: 7 * h,
			want: at(sp, 2015, 10, 18, 6, 0, 0),
		},
		{
			name: "add/1d UTC", src: aw + "'1d'",
			spec: utc247v, op: vecDue, at: at(utc, 2015, 3, 21, 12, 0, 0), work: 24 * h,
			want: at(utc, 2015, 3, 22, 12, 0, 0),
		},
		{
			name: "add/16h UTC September", src: aw + "'16h' (2015-09-21 12:00:00 UTC)",
			spec: utc247v, op: vecDue, at: at(utc, 2015, 9, 21, 12, 0, 0), work: 16 * h,
			want: at(utc, 2015, 9, 22, 4, 0, 0),
		},
		{
			// DST ends 2015-09-22 00:00 +04:30 -> 2015-09-21 23:00 +03:30:
			// 12:00 +04:30 (07:30Z) + 15h = 22:30Z = 02:00 +03:30.
			name: "add/15h across DST end Tehran", src: aw + "'15h, end DST from 00 to 23  ( UTC+3:30 => UTC+4:30 )'",
			spec: teh247v, op: vecDue, at: at(teh, 2015, 9, 21, 12, 0, 0), work: 15 * h,
			want: at(teh, 2015, 9, 22, 2, 0, 0),
		},
		{
			name: "add/48h across DST end Tehran", src: aw + "'2d, end DST from 00 to 23  ( UTC+3:30 => UTC+4:30 )' (Hours => 48)",
			spec: teh247v, op: vecDue, at: at(teh, 2015, 9, 20, 12, 0, 0), work: 48 * h,
			want: at(teh, 2015, 9, 22, 11, 0, 0),
		},
		{
			name: "add/96h across DST end Tehran", src: aw + "'2d, end DST from 00 to 23  ( UTC+3:30 => UTC+4:30 )' (Hours => 96)",
			spec: teh247v, op: vecDue, at: at(teh, 2015, 9, 19, 12, 0, 0), work: 96 * h,
			want: at(teh, 2015, 9, 23, 11, 0, 0),
		},
		{
			name: "add/16h UTC March", src: aw + "'16h' (2015-03-21 12:00:00 UTC)",
			spec: utc247v, op: vecDue, at: at(utc, 2015, 3, 21, 12, 0, 0), work: 16 * h,
			want: at(utc, 2015, 3, 22, 4, 0, 0),
		},
		{
			// DST starts 2015-03-22 00:00 +03:30 -> 01:00 +04:30: 12:00
			// +03:30 (08:30Z) + 17h = 01:30Z = 06:00 +04:30.
			name: "add/17h across DST start Tehran", src: aw + "'17h, start DST from 00 to 01  ( UTC+4:30 => UTC+3:30 )'",
			spec: teh247v, op: vecDue, at: at(teh, 2015, 3, 21, 12, 0, 0), work: 17 * h,
			want: at(teh, 2015, 3, 22, 6, 0, 0),
		},
		{
			// Jan 21 + 90 days = Apr 21; + 17h = Apr 22 05:00; + 1h lost on
			// 2015-03-22 = 06:00 (no vacation day in between).
			name: "add/90d 17h across DST start Tehran", src: aw + "'90d 17h, start DST from 00 to 01  ( UTC+4:30 => UTC+3:30 )'",
			spec: teh247v, op: vecDue, at: at(teh, 2015, 1, 21, 12, 0, 0), work: (90*24 + 17) * h,
			want: at(teh, 2015, 4, 22, 6, 0, 0),
		},
		{
			name: "add/90d 16h UTC", src: aw + "'90d 16h'",
			spec: utc247v, op: vecDue, at: at(utc, 2015, 1, 21, 12, 0, 0), work: (90*24 + 16) * h,
			want: at(utc, 2015, 4, 22, 4, 0, 0),
		},
		{
			// DST ends 2016-04-03 03:00 +11 -> 02:00 +10 (a 25-hour day):
			// 12:00 + 41h of wall clock would be Apr 4 05:00; real: 04:00.
			name: "add/1d 17h across DST end Sydney", src: aw + "'1d 17h, end DST from 00 to 01  ( UTC+11 => UTC+10 )'",
			spec: syd247v, op: vecDue, at: at(syd, 2016, 4, 2, 12, 0, 0), work: (24 + 17) * h,
			want: at(syd, 2016, 4, 4, 4, 0, 0),
		},
		{
			// Sun 12:25:30 -> Mon 08:00 + 5h = 13:00.
			name: "add/5h from Sunday 8To17", src: aw + "'5h' (2016-01-31 12:25:30, MonToFri 8To17)",
			spec: znunySpec("Europe/Berlin", vecWeekdays, "8To17", true), op: vecDue,
			at: at(ber, 2016, 1, 31, 12, 25, 30), work: 5 * h,
			want: at(ber, 2016, 2, 1, 13, 0, 0),
		},
		{
			// Mon 16:59:30-18:00 = 1h0m30s; Tue 08:00 + 2h29m30s = 10:29:30.
			name: "add/3.5h over night 8To17", src: aw + "'3.5h'",
			spec: znunySpec("Europe/Berlin", vecWeekdays, "8To17", true), op: vecDue,
			at: at(ber, 2016, 2, 1, 16, 59, 30), work: 3*h + 30*time.Minute,
			want: at(ber, 2016, 2, 2, 10, 29, 30),
		},
		{
			// Mon 12:25:30-13:00 (34m30s) + 14-18 (4h) = 4h34m30s; Tue 08:00 +
			// 25m30s = 08:25:30.
			name: "add/5h split day", src: aw + "'5h' (2016-02-01 12:25:30, MonToFri 8To12_14To17)",
			spec: znunySpec("Europe/Berlin", vecWeekdays, "8To12_14To17", true), op: vecDue,
			at: at(ber, 2016, 2, 1, 12, 25, 30), work: 5 * h,
			want: at(ber, 2016, 2, 2, 8, 25, 30),
		},
		{
			// Mon-Fri 2016-02-01..05 = 5 x 9h = 45h ends Fri 18:00 (close);
			// 25m30s more -> Mon 2016-02-08 08:25:30.
			name: "add/45h 25m 30s split day", src: aw + "'45h 25m 30s'",
			spec: znunySpec("Europe/Berlin", vecWeekdays, "8To12_14To17", true), op: vecDue,
			at: at(ber, 2016, 1, 31, 12, 25, 30), work: 45*h + 25*time.Minute + 30*time.Second,
			want: at(ber, 2016, 2, 8, 8, 25, 30),
		},
		{
			// Tue 22 16:24:49-18:00 = 1h35m11s; Wed 23 9h (10h35m11s); Thu 24,
			// Fri 25, Sat 26 vacation/weekend; Mon 28 9h (19h35m11s); Tue 29
			// 08:00 + 24m49s = 08:24:49.
			name: "add/20h over Christmas", src: aw + "'20h'",
			spec: znunySpec("Europe/Berlin", vecWeekdays, "8To12_14To17", true), op: vecDue,
			at: at(ber, 2015, 12, 22, 16, 24, 49), work: 20 * h,
			want: at(ber, 2015, 12, 29, 8, 24, 49),
		},
		{
			// Sun 2016-03-20 00:00 -> Mon 08:00 (+04:30, DST began at the
			// start of Mon 21) + 5h.
			name: "add/5h from Sunday Tehran 8To17", src: aw + "'5h, start DST from 00 to 01  ( UTC+4:30 => UTC+3:30 )'",
			spec: znunySpec("Asia/Tehran", vecWeekdays, "8To17", true), op: vecDue,
			at: at(teh, 2016, 3, 20, 0, 0, 0), work: 5 * h,
			want: at(teh, 2016, 3, 21, 13, 0, 0),
		},
		{
			// Mon 10h, Tue 08:00 + 3h.
			name: "add/13h from Sunday Tehran 8To17", src: aw + "'13h, start DST from 00 to 01  ( UTC+4:30 => UTC+3:30 )'",
			spec: znunySpec("Asia/Tehran", vecWeekdays, "8To17", true), op: vecDue,
			at: at(teh, 2016, 3, 20, 0, 0, 0), work: 13 * h,
			want: at(teh, 2016, 3, 22, 11, 0, 0),
		},
		{
			// Sun 00:00 +03:30 (Mar 19 20:30Z) + 29h real = Mar 21 01:30Z =
			// 06:00 +04:30.
			name: "add/1d 5h Tehran every day", src: aw + "'1d 5h, start DST from 00 to 01  ( UTC+4:30 => UTC+3:30 )' (MonToSun 0To23)",
			spec: teh247v, op: vecDue, at: at(teh, 2016, 3, 20, 0, 0, 0), work: 29 * h,
			want: at(teh, 2016, 3, 21, 6, 0, 0),
		},
		{
			// Sunday closed. Monday 2016-03-21's 00:00 does not exist: its
			// window opens at 01:00 +04:30 (Mar 20 20:30Z) and has 23h; Tue
			// 00:00 + 6h = 06:00.
			name: "add/1d 5h Tehran weekdays window starts in gap", src: aw + "'1d 5h, start DST from 00 to 01  ( UTC+4:30 => UTC+3:30 )' (MonToFri 0To23)",
			spec: znunySpec("Asia/Tehran", vecWeekdays, "0To23", true), op: vecDue,
			at: at(teh, 2016, 3, 20, 0, 0, 0), work: 29 * h,
			want: at(teh, 2016, 3, 22, 6, 0, 0),
		},
		{
			// Tue 22:00 -> Wed 08:00 + 5h.
			name: "add/5h Tehran 8To17 near DST end", src: aw + "'5h, end DST from 00 to 23  ( UTC+3:30 => UTC+4:30 )' (MonToFri 8To17)",
			spec: znunySpec("Asia/Tehran", vecWeekdays, "8To17", true), op: vecDue,
			at: at(teh, 2016, 9, 20, 22, 0, 0), work: 5 * h,
			want: at(teh, 2016, 9, 21, 13, 0, 0),
		},
		{
			// DST ends 2016-09-21 00:00 +04:30 -> 2016-09-20 23:00 +03:30:
			// 22:00 +04:30 (17:30Z) + 5h = 22:30Z = 02:00 +03:30.
			name: "add/5h across DST end Tehran weekdays", src: aw + "'5h, end DST from 00 to 23  ( UTC+3:30 => UTC+4:30 )' (MonToFri 0To23)",
			spec: znunySpec("Asia/Tehran", vecWeekdays, "0To23", true), op: vecDue,
			at: at(teh, 2016, 9, 20, 22, 0, 0), work: 5 * h,
			want: at(teh, 2016, 9, 21, 2, 0, 0),
		},
		{
			// Saturday 10:00 -> Monday 08:00 + 1 minute.
			name: "add/1m from Saturday", src: aw + "'1m'",
			spec: znunySpec("Europe/Berlin", vecWeekdays, "8To17", true), op: vecDue,
			at: at(ber, 2013, 3, 16, 10, 0, 0), work: time.Minute,
			want: at(ber, 2013, 3, 18, 8, 1, 0),
		},

		// ---------------- DeltaWorkingTime.t ----------------
		{
			name: "delta/swapped start and end is zero", src: dw + "'2d 8h 59m 59s, swapped start and end date'",
			spec: ber247v, op: vecElapsed, at: at(ber, 2015, 12, 28, 17, 10, 14), to: at(ber, 2015, 12, 23, 8, 10, 15),
			wantDur: 0,
		},
		{
			// Dec 23 08:10:15-24:00 (15h49m45s); 24, 25, 26 vacation; Dec 27
			// 24h; Dec 28 00:00-17:10:14 -> 56h59m59s = 205199s.
			name: "delta/2d 8h 59m 59s over Christmas", src: dw + "'2d 8h 59m 59s'",
			spec: ber247v, op: vecElapsed, at: at(ber, 2015, 12, 23, 8, 10, 15), to: at(ber, 2015, 12, 28, 17, 10, 14),
			wantDur: 205199 * time.Second,
		},
		{
			name: "delta/15h via Calendar 9", src: dw + "'15h via Calendar 9'",
			spec: cal9, op: vecElapsed, at: at(utc, 2015, 3, 27, 11, 0, 0), to: at(utc, 2015, 3, 31, 7, 0, 0),
			wantDur: 15 * h,
		},
		{
			// Thu 16:00Z = 17:00 CET: 1h to the 18:00 close; Fri 08:00 CET
			// (07:00Z) to 08:00Z: 1h.
			name: "delta/2h via Calendar 9 spills to next day", src: dw + "'2h via Calendar 9'",
			spec: cal9, op: vecElapsed, at: at(utc, 2015, 3, 26, 16, 0, 0), to: at(utc, 2015, 3, 27, 8, 0, 0),
			wantDur: 2 * h,
		},
		{
			name: "delta/5h Berlin", src: dw + "'5h' (2015-02-17 22:35:49, Europe/Berlin)",
			spec: ber247v, op: vecElapsed, at: at(ber, 2015, 2, 17, 22, 35, 49), to: at(ber, 2015, 2, 18, 3, 35, 49),
			wantDur: 5 * h,
		},
		{
			name: "delta/2d 30m Berlin", src: dw + "'2d 30m'",
			spec: ber247v, op: vecElapsed, at: at(ber, 2015, 2, 17, 22, 35, 49), to: at(ber, 2015, 2, 19, 23, 5, 49),
			wantDur: 48*h + 30*time.Minute,
		},
		{
			// 49h of wall clock across the 23-hour 2016-03-27.
			name: "delta/2d across DST start Berlin", src: dw + "'2d, DST start'",
			spec: ber247v, op: vecElapsed, at: at(ber, 2016, 3, 26, 22, 24, 39), to: at(ber, 2016, 3, 28, 23, 24, 39),
			wantDur: 48 * h,
		},
		{
			name: "delta/4d 22h Berlin", src: dw + "'4d 22h'",
			spec: ber247v, op: vecElapsed, at: at(ber, 2016, 2, 1, 12, 15, 41), to: at(ber, 2016, 2, 6, 10, 15, 41),
			wantDur: 118 * h,
		},
		{
			// Mon 12:15:41-13:00 + 14-18 = 4h44m19s; Tue-Fri 4 x 9h; Sat
			// 08:00-12:15:41 = 4h15m41s -> 45h.
			name: "delta/1d 21h split day every day", src: dw + "'1d 21h'",
			spec: znunySpec("Europe/Berlin", vecAllDays, "8To12_14To17", true), op: vecElapsed,
			at: at(ber, 2016, 2, 1, 12, 15, 41), to: at(ber, 2016, 2, 6, 12, 15, 41),
			wantDur: 45 * h,
		},
		{
			// Fri 4h44m19s + Mon 9h + Tue 08:00-10:15:41 (2h15m41s) = 16h.
			name: "delta/16h across DST start split day", src: dw + "'16h, DST start with specific working hours'",
			spec: znunySpec("Europe/Berlin", vecWeekdays, "8To12_14To17", true), op: vecElapsed,
			at: at(ber, 2016, 3, 25, 12, 15, 41), to: at(ber, 2016, 3, 29, 10, 15, 41),
			wantDur: 16 * h,
		},
		{
			// Thu 4h44m19s + Fri, Mon, Tue 27h + Wed 2h15m41s = 34h.
			name: "delta/1d 10h across DST start split day", src: dw + "'1d 10h,  DST start with specific working hours'",
			spec: znunySpec("Europe/Berlin", vecWeekdays, "8To12_14To17", true), op: vecElapsed,
			at: at(ber, 2016, 3, 24, 12, 15, 41), to: at(ber, 2016, 3, 30, 10, 15, 41),
			wantDur: 34 * h,
		},
		{
			// 08:15:41-13:00 (4h44m19s) + 14:00-14:15:41.
			name: "delta/5h over the lunch gap", src: dw + "'5h' (2016-03-25 08:15:41, MonToFri 8To12_14To17)",
			spec: znunySpec("Europe/Berlin", vecWeekdays, "8To12_14To17", true), op: vecElapsed,
			at: at(ber, 2016, 3, 25, 8, 15, 41), to: at(ber, 2016, 3, 25, 14, 15, 41),
			wantDur: 5 * h,
		},
		{
			name: "delta/6h over the lunch gap", src: dw + "'6h' (2016-03-25 08:00:00, MonToFri 8To12_14To17)",
			spec: znunySpec("Europe/Berlin", vecWeekdays, "8To12_14To17", true), op: vecElapsed,
			at: at(ber, 2016, 3, 25, 8, 0, 0), to: at(ber, 2016, 3, 25, 15, 0, 0),
			wantDur: 6 * h,
		},
		{
			name: "delta/90d UTC", src: dw + "'90d'",
			spec: utc247, op: vecElapsed, at: at(utc, 2015, 2, 17, 12, 0, 0), to: at(utc, 2015, 5, 18, 12, 0, 0),
			wantDur: 2160 * h,
		},
		{
			name: "delta/89d 23h across DST start Berlin", src: dw + "'89d 23h, DST start'",
			spec: ber247, op: vecElapsed, at: at(ber, 2015, 2, 17, 12, 0, 0), to: at(ber, 2015, 5, 18, 12, 0, 0),
			wantDur: 2159 * h,
		},
		{
			name: "delta/6h UTC February", src: dw + "'6h' (2015-02-21 22:00:00 UTC)",
			spec: utc247, op: vecElapsed, at: at(utc, 2015, 2, 21, 22, 0, 0), to: at(utc, 2015, 2, 22, 4, 0, 0),
			wantDur: 6 * h,
		},
		{
			name: "delta/5h across DST end Sao Paulo", src: dw + "'5h, DST end'",
			spec: sp247, op: vecElapsed, at: at(sp, 2015, 2, 21, 22, 0, 0), to: at(sp, 2015, 2, 22, 2, 0, 0),
			wantDur: 5 * h,
		},
		{
			name: "delta/4d 6h 20m 15s UTC", src: dw + "'4d 6h 20m 15s'",
			spec: utc247, op: vecElapsed, at: at(utc, 2015, 2, 20, 22, 10, 5), to: at(utc, 2015, 2, 25, 4, 30, 20),
			wantDur: 102*h + 20*time.Minute + 15*time.Second,
		},
		{
			name: "delta/4d 7h 20m 15s across DST end Sao Paulo", src: dw + "'4d 7h 20m 15s, DST end'",
			spec: sp247, op: vecElapsed, at: at(sp, 2015, 2, 20, 22, 10, 5), to: at(sp, 2015, 2, 25, 4, 30, 20),
			wantDur: 103*h + 20*time.Minute + 15*time.Second,
		},
		{
			name: "delta/6h UTC October", src: dw + "'6h' (2015-10-17 22:00:00 UTC)",
			spec: utc247, op: vecElapsed, at: at(utc, 2015, 10, 17, 22, 0, 0), to: at(utc, 2015, 10, 18, 4, 0, 0),
			wantDur: 6 * h,
		},
		{
			name: "delta/5h across DST start Sao Paulo", src: dw + "'5h, DST start'",
			spec: sp247, op: vecElapsed, at: at(sp, 2015, 10, 17, 22, 0, 0), to: at(sp, 2015, 10, 18, 4, 0, 0),
			wantDur: 5 * h,
		},
		{
			name: "delta/24h UTC", src: dw + "'24h'",
			spec: utc247, op: vecElapsed, at: at(utc, 2015, 3, 21, 12, 0, 0), to: at(utc, 2015, 3, 22, 12, 0, 0),
			wantDur: 24 * h,
		},
		{
			name: "delta/16h UTC September", src: dw + "'16h' (2015-09-21 12:00:00 UTC)",
			spec: utc247, op: vecElapsed, at: at(utc, 2015, 9, 21, 12, 0, 0), to: at(utc, 2015, 9, 22, 4, 0, 0),
			wantDur: 16 * h,
		},
		{
			name: "delta/17h across DST end Tehran", src: dw + "'17h, DST end'",
			spec: teh247, op: vecElapsed, at: at(teh, 2015, 9, 21, 12, 0, 0), to: at(teh, 2015, 9, 22, 4, 0, 0),
			wantDur: 17 * h,
		},
		{
			name: "delta/16h UTC March", src: dw + "'16h' (2015-03-21 12:00:00 UTC)",
			spec: utc247, op: vecElapsed, at: at(utc, 2015, 3, 21, 12, 0, 0), to: at(utc, 2015, 3, 22, 4, 0, 0),
			wantDur: 16 * h,
		},
		{
			name: "delta/15h across DST start Tehran", src: dw + "'15h, DST start'",
			spec: teh247, op: vecElapsed, at: at(teh, 2015, 3, 21, 12, 0, 0), to: at(teh, 2015, 3, 22, 4, 0, 0),
			wantDur: 15 * h,
		},
		{
			name: "delta/90d 16h UTC", src: dw + "'90d 16h'",
			spec: utc247, op: vecElapsed, at: at(utc, 2015, 1, 21, 12, 0, 0), to: at(utc, 2015, 4, 22, 4, 0, 0),
			wantDur: 2176 * h,
		},
		{
			// Sydney DST ended 2015-04-05: one 25-hour day.
			name: "delta/90d 17h across DST end Sydney", src: dw + "'90d 17h, DST end'",
			spec: syd247, op: vecElapsed, at: at(syd, 2015, 1, 21, 12, 0, 0), to: at(syd, 2015, 4, 22, 4, 0, 0),
			wantDur: 2177 * h,
		},
	}
	runVectorRows(t, rows)
}
