package businesstime

// Vectors ported from Zammad (github.com/zammad/zammad), which computes
// escalations with the biz gem. Stored version read: commit 5df9868.
//
//   - spec/models/ticket/escalation_examples.rb: escalation_at and *_in_min
//     values of tickets under an SLA with a calendar.
//   - spec/lib/escalation/destination_time_spec.rb and
//     period_working_minutes_spec.rb: a 24/7 calendar with a "pending close"
//     pause.
//
// The calendar factory (spec/factories/calendar.rb) uses time zone
// Europe/Berlin. Zammad's "timeframes" map to windows, "public_holidays"
// to explicit holidays, and days with `active: false` have no windows.
//
// Translation:
//   - X_escalation_at = created/last contact + SLA minutes of working time
//     -> Due(start, minutes, pauses).
//   - X_in_min = working minutes from ticket creation to the event
//     -> Elapsed(created, event, pauses).
//   - Zammad turns the ticket's state history into biz breaks (states
//     "pending reminder", "pending close" and "closed" stop the clock,
//     Escalation::TicketBizBreak). Here they are the absolute pauses they
//     stand for, taken from the history in each example.
//   - Escalation::PeriodWorkingMinutes clamps its timeframe to the ticket's
//     life [created_at, close_at]; the rows apply that clamp.
//   - destination_time_spec/period_working_minutes_spec freeze "now"; any
//     instant works for a 24/7 calendar, so T0 below is fixed.
//   - Zammad works at minute precision: escalation_at values have :00
//     seconds. Where a start has seconds that matter the row says so.
//
// Left out: spec/lib/escalation/ticket_biz_break_spec.rb and
// ticket_preferences_spec.rb test how Zammad builds breaks from history and
// stores preferences, not calendar arithmetic; the "SLA no longer matches"
// reset and first_response_diff_in_min/close_diff_in_min (target minus
// *_in_min) add nothing beyond the rows kept.

import (
	"testing"
	"time"
)

func TestVectorZammad(t *testing.T) {
	z := vecZ
	const ee = "zammad/zammad spec/models/ticket/escalation_examples.rb@5df9868: "

	// 'with standard incoming email with active SLA': Mon-Fri 08:00-18:00
	// Berlin; on 2013-03-21 (Thursday) Berlin is CET (+01:00), so the
	// window is 07:00-17:00Z. Ticket created 09:30Z.
	std := Spec{Zone: "Europe/Berlin", Hours: vecDays(vecWeekdays, "08:00-18:00")}
	created := z(2013, 3, 21, 9, 30, 0)

	// 'when SLA no longer matches': Mon-Fri 09:00-17:00 Berlin = 08-16Z.
	nine := Spec{Zone: "Europe/Berlin", Hours: vecDays(vecWeekdays, "09:00-17:00")}

	// 'when Ticket state changes (escalation suspense)': every day
	// 09:00-18:00 Berlin; on 2013-06-04 Berlin is CEST (+02:00), so
	// 07:00-16:00Z ("UTC times are 7:00-16:00" in the source). Created 09:00Z.
	susp := Spec{Zone: "Europe/Berlin", Hours: vecDays(vecAllDays, "09:00-18:00")}
	created2 := z(2013, 6, 4, 9, 0, 0)
	p := func(from, to time.Time) Interval { return Interval{From: from, To: to} }

	// 'when SLA has Calendar with holidays': Mon-Fri 08:00-20:00 Berlin,
	// public holiday 2016-11-01; November is CET, so 07:00-19:00Z.
	holi := Spec{Zone: "Europe/Berlin", Hours: vecDays(vecWeekdays, "08:00-20:00"), Holidays: []string{"2016-11-01"}}

	rows := []vectorRow{
		{
			name: "escalation/first response 60 min", src: ee + "'with standard incoming email with active SLA calculates escalation_at attributes' (first_response_escalation_at)",
			spec: std, op: vecDue, at: created, work: 60 * time.Minute, want: z(2013, 3, 21, 10, 30, 0),
		},
		{
			name: "escalation/update 120 min", src: ee + "'with standard incoming email with active SLA calculates escalation_at attributes' (update_escalation_at)",
			spec: std, op: vecDue, at: created, work: 120 * time.Minute, want: z(2013, 3, 21, 11, 30, 0),
		},
		{
			name: "escalation/close 180 min", src: ee + "'with standard incoming email with active SLA calculates escalation_at attributes' (close_escalation_at)",
			spec: std, op: vecDue, at: created, work: 180 * time.Minute, want: z(2013, 3, 21, 12, 30, 0),
		},
		{
			name: "escalation/first response in time", src: ee + "'with first response in time' (first_response_in_min = 30)",
			spec: std, op: vecElapsed, at: created, to: z(2013, 3, 21, 10, 0, 0), wantDur: 30 * time.Minute,
		},
		{
			name: "escalation/first response over time", src: ee + "'with first response over time' (first_response_in_min = 270)",
			spec: std, op: vecElapsed, at: created, to: z(2013, 3, 21, 14, 0, 0), wantDur: 270 * time.Minute,
		},
		{
			name: "escalation/update in time", src: ee + "'with first response over time and update time in time' (update_in_min = 90)",
			spec: std, op: vecElapsed, at: created, to: z(2013, 3, 21, 11, 0, 0), wantDur: 90 * time.Minute,
		},
		{
			name: "escalation/update over time", src: ee + "'with first response over time and update time over time' (update_in_min = 150)",
			spec: std, op: vecElapsed, at: created, to: z(2013, 3, 21, 12, 0, 0), wantDur: 150 * time.Minute,
		},
		{
			// Customer replied at 12:05Z: update escalation = 12:05 + 120 min.
			name: "escalation/update after customer reply", src: ee + "'with first response over time and update time over time and customer reply' (update_escalation_at 14:05)",
			spec: std, op: vecDue, at: z(2013, 3, 21, 12, 5, 0), work: 120 * time.Minute, want: z(2013, 3, 21, 14, 5, 0),
		},
		{
			name: "escalation/closed in time", src: ee + "'... customer reply with agent response and closed in time' (close_in_min = 120)",
			spec: std, op: vecElapsed, at: created, to: z(2013, 3, 21, 11, 30, 0), wantDur: 120 * time.Minute,
		},
		{
			name: "escalation/closed over time", src: ee + "'... customer reply with agent response and closed over time' (close_in_min = 210)",
			spec: std, op: vecElapsed, at: created, to: z(2013, 3, 21, 13, 0, 0), wantDur: 210 * time.Minute,
		},
		{
			name: "escalation/09-17 first response 60 min", src: ee + "'when SLA no longer matches removes/resets the escalation attributes' (escalation_at 10:30)",
			spec: nine, op: vecDue, at: created, work: 60 * time.Minute, want: z(2013, 3, 21, 10, 30, 0),
		},
		{
			name: "escalation/09-17 solution 240 min", src: ee + "'when SLA no longer matches removes/resets the escalation attributes' (close_escalation_at 13:30)",
			spec: nine, op: vecDue, at: created, work: 240 * time.Minute, want: z(2013, 3, 21, 13, 30, 0),
		},
		{
			// pending reminder 09:30-09:45 and closed 10:00-10:30 stop the
			// clock: 09:00-09:30 (30) + 09:45-10:00 (15) + 10:30-11:45 (75).
			name: "escalation/reopened", src: ee + "'when Ticket is reopened calculates escalation_at attributes' (first_response_escalation_at 11:45)",
			spec: susp, op: vecDue, at: created2, work: 120 * time.Minute,
			pauses: []Interval{p(z(2013, 6, 4, 9, 30, 0), z(2013, 6, 4, 9, 45, 0)), p(z(2013, 6, 4, 10, 0, 0), z(2013, 6, 4, 10, 30, 0))},
			want:   z(2013, 6, 4, 11, 45, 0),
		},
		{
			// pending 10:00-15:00: 09:00-10:00 (60), then 15:00-16:00Z (60)
			// ends exactly at the 18:00 CEST close; Zammad reports the next
			// opening, 2013-06-05 09:00 CEST = 07:00Z -- Accord's rule.
			name: "escalation/pending to open lands on close", src: ee + "'when Ticket transitions from pending to open calculates escalation_at attributes' (2013-06-05 07:00 UTC)",
			spec: susp, op: vecDue, at: created2, work: 120 * time.Minute,
			pauses: []Interval{p(z(2013, 6, 4, 10, 0, 0), z(2013, 6, 4, 15, 0, 0))},
			want:   z(2013, 6, 5, 7, 0, 0),
		},
		{
			// pending 10:00-10:30; first response 10:45: 60 + 15 = 75.
			name: "escalation/open pending open first response", src: ee + "'when Ticket transitions from open to pending to open, response and close' (first_response_in_min = 75)",
			spec: susp, op: vecElapsed, at: created2, to: z(2013, 6, 4, 10, 45, 0),
			pauses:  []Interval{p(z(2013, 6, 4, 10, 0, 0), z(2013, 6, 4, 10, 30, 0))},
			wantDur: 75 * time.Minute,
		},
		{
			// closed at 12:00: 180 - 30 paused = 150.
			name: "escalation/open pending open close", src: ee + "'when Ticket transitions from open to pending to open, response and close' (close_in_min = 150)",
			spec: susp, op: vecElapsed, at: created2, to: z(2013, 6, 4, 12, 0, 0),
			pauses:  []Interval{p(z(2013, 6, 4, 10, 0, 0), z(2013, 6, 4, 10, 30, 0))},
			wantDur: 150 * time.Minute,
		},
		{
			// created pending, closed 12:00 from pending: paused throughout.
			name: "escalation/created pending closed", src: ee + "'when Ticket is created in state pending and closed without reopen or state change' (close_in_min = 0)",
			spec: susp, op: vecElapsed, at: created2, to: z(2013, 6, 4, 12, 0, 0),
			pauses:  []Interval{p(created2, z(2013, 6, 4, 12, 0, 0))},
			wantDur: 0,
		},
		{
			// pending 09:00-10:30, open 10:30-11:00, pending 11:00-12:00.
			name: "escalation/created pending open pending closed", src: ee + "'when Ticket created in state pending, changed state to openen, back to pending and closed' (close_in_min = 30)",
			spec: susp, op: vecElapsed, at: created2, to: z(2013, 6, 4, 12, 0, 0),
			pauses:  []Interval{p(created2, z(2013, 6, 4, 10, 30, 0)), p(z(2013, 6, 4, 11, 0, 0), z(2013, 6, 4, 12, 0, 0))},
			wantDur: 30 * time.Minute,
		},
		{
			// pending 09:00-10:30, open 10:30-11:00, pending 11:00-11:30,
			// open 11:30-12:00: 30 + 30.
			name: "escalation/created pending open pending open closed", src: ee + "'when Test Ticket created in state pending, changed state to openen, back to pending and back to open then - close ticket' (close_in_min = 60)",
			spec: susp, op: vecElapsed, at: created2, to: z(2013, 6, 4, 12, 0, 0),
			pauses:  []Interval{p(created2, z(2013, 6, 4, 10, 30, 0)), p(z(2013, 6, 4, 11, 0, 0), z(2013, 6, 4, 11, 30, 0))},
			wantDur: 60 * time.Minute,
		},
		{
			// Created Tue 2016-11-01 13:56:21Z, a holiday: the clock starts
			// Wed 07:00Z; + 120 min = 09:00Z.
			name: "escalation/holiday first response", src: ee + "'when SLA has Calendar with holidays calculates escalation_at attributes' (first_response_escalation_at 2016-11-02 09:00)",
			spec: holi, op: vecDue, at: z(2016, 11, 1, 13, 56, 21), work: 120 * time.Minute, want: z(2016, 11, 2, 9, 0, 0),
		},
		{
			// 1200 min = 20h: Wed 07-19Z = 12h, Thu 07:00Z + 8h = 15:00Z.
			name: "escalation/holiday update", src: ee + "'when SLA has Calendar with holidays calculates escalation_at attributes' (update_escalation_at 2016-11-03 15:00)",
			spec: holi, op: vecDue, at: z(2016, 11, 1, 13, 56, 21), work: 1200 * time.Minute, want: z(2016, 11, 3, 15, 0, 0),
		},
		{
			// Customer wrote again at 15:59:14Z, still on the holiday.
			name: "escalation/holiday update after reopen", src: ee + "'when SLA has Calendar with holidays calculates escalation_at attributes' (after the 15:59:14 article, update_escalation_at 2016-11-03 15:00)",
			spec: holi, op: vecDue, at: z(2016, 11, 1, 15, 59, 14), work: 1200 * time.Minute, want: z(2016, 11, 3, 15, 0, 0),
		},
		{
			// TRANSLATED: customer article Mon 2016-11-07 13:26:36Z; Zammad
			// expects 2016-11-09 09:26:00, i.e. it counts from 13:26:00
			// (minute precision). Mon 13:26-19:00Z = 5h34m, Tue 12h (17h34m),
			// Wed 07:00Z + 2h26m = 09:26Z.
			name: "escalation/holiday calendar next week", src: ee + "'when SLA has Calendar with holidays calculates escalation_at attributes' (after the 2016-11-07 13:26:36 article, 2016-11-09 09:26:00; start truncated to the minute)",
			spec: holi, op: vecDue, at: z(2016, 11, 7, 13, 26, 0), work: 1200 * time.Minute, want: z(2016, 11, 9, 9, 26, 0),
		},
		{
			// Same case at second precision (derived): 13:26:36 -> 09:26:36.
			name: "escalation/holiday calendar next week with seconds", src: ee + "'when SLA has Calendar with holidays ...' (derived: the same case without Zammad's truncation to the minute)",
			spec: holi, op: vecDue, at: z(2016, 11, 7, 13, 26, 36), work: 1200 * time.Minute, want: z(2016, 11, 9, 9, 26, 36),
		},
	}

	// spec/lib/escalation/*: calendar trait :'24/7' (00:00-24:00 every
	// day, Berlin). History: new at T0, open at T0+1h, pending close at
	// T0+90m, closed at T0+2h = now. The pending close state is a pause
	// [T0+90m, T0+120m).
	cal247 := Spec{Zone: "Europe/Berlin", Hours: vecDays(vecAllDays, "00:00-24:00")}
	t0 := z(2021, 6, 1, 10, 0, 0) // stands for the frozen Time.current at creation
	m := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	pending := []Interval{p(m(90), m(120))}
	const dt = "zammad/zammad spec/lib/escalation/destination_time_spec.rb@5df9868: "
	const pw = "zammad/zammad spec/lib/escalation/period_working_minutes_spec.rb@5df9868: "
	rows = append(rows,
		vectorRow{
			name: "destination_time/whole span fits", src: dt + "'when whole span fits' (90.minutes.ago = T0+30m)",
			spec: cal247, op: vecDue, at: t0, work: 30 * time.Minute, pauses: pending, want: m(30),
		},
		vectorRow{
			// 15 min to the pause, pause 30 min, 15 min after it.
			name: "destination_time/span crosses the pause", src: dt + "'when timeframe starts before and ends after ticket life' (15.minutes.from_now = T0+135m)",
			spec: cal247, op: vecDue, at: m(75), work: 30 * time.Minute, pauses: pending, want: m(135),
		},
		vectorRow{
			name: "destination_time/starts now", src: dt + "'when timeframe starts in the middle of ticket life' (30.minutes.from_now = T0+150m)",
			spec: cal247, op: vecDue, at: m(120), work: 30 * time.Minute, pauses: pending, want: m(150),
		},
		vectorRow{
			// [created_at, close_at + 2h] clamped to [T0, T0+120m]: 120 - 30.
			name: "period_working_minutes/whole ticket life", src: pw + "'when timeframe takes whole ticket life' (90; also 'when timeframe starts before and ends after ticket life', which clamps to the same)",
			spec: cal247, op: vecElapsed, at: t0, to: m(120), pauses: pending, wantDur: 90 * time.Minute,
		},
		vectorRow{
			name: "period_working_minutes/starts in the middle", src: pw + "'when timeframe starts in the middle of ticket life' (60)",
			spec: cal247, op: vecElapsed, at: m(30), to: m(120), pauses: pending, wantDur: 60 * time.Minute,
		},
		vectorRow{
			name: "period_working_minutes/ends in the middle", src: pw + "'when timeframe end in the middle of ticket life' (30)",
			spec: cal247, op: vecElapsed, at: t0, to: m(30), pauses: pending, wantDur: 30 * time.Minute,
		},
	)

	runVectorRows(t, rows)
}
