// Package businesstime holds calendars of working hours and the arithmetic
// of working time on them: when is a target of N working hours due, how much
// working time lies between two instants, when does a calendar open next,
// what is the N-th working day. Every response-time target and every
// "N business days" rule in Accord is computed here. The package is pure:
// no I/O, no wall clock, standard library only.
//
// # Calendars
//
// A calendar ([Spec], parsed by [Parse] or [New]) has an IANA zone, weekly
// windows per weekday ("08:00"-"20:00"; several per day; "HH:MM" or
// "HH:MM:SS"; a close of "24:00"; a window whose close is earlier than its
// opening crosses midnight and belongs to the day it opens on), or
// always_open for 24x7; holidays, as dates ("2024-07-04") or yearly
// ("12-25"); and overrides, which replace the windows of one date (an empty
// list closes it). docs/calendar.md describes the format for users.
//
// # Semantics (decided in ../shared/design/ARCHITECTURE.md, "Semantics we have decided")
//
//   - Windows are half-open [open, close) in local civil time. Working time
//     is counted in real elapsed time, so in a 24x7 calendar DST days last
//     23 or 25 hours.
//   - A window's open and close are turned into instants one by one. A local
//     time that does not exist (spring forward) moves forward by the gap; an
//     ambiguous one (fall back) takes its first occurrence. A window that
//     this makes empty is dropped. Working time is the union of the
//     resulting intervals: a window whose close moved forward into the next
//     window is not counted twice.
//   - A holiday is a whole local date: it removes the windows that open on
//     it (a night shift opened the evening before still runs into it). An
//     override is the last word on its date, even if the date is a holiday.
//   - Due returns the first working moment at which the work has elapsed: a
//     deadline that lands where working time stops (a window's close, a
//     holiday, the start of a pause) is the instant working time resumes, so
//     "now >= due" means exactly "working time used >= target". Zero work
//     gives the first working moment at or after the start, which is how a
//     case received out of hours starts counting at the next opening. This is
//     Zammad's rule; Zendesk's biz reports the close itself instead.
//   - Pauses are absolute half-open intervals, in any order and possibly
//     overlapping, during which no working time counts ("awaiting customer").
//   - AddWorkdays keeps the local clock time and moves to the n-th following
//     working day (one with at least one window, after holidays and
//     overrides), then to the first working moment at or after that.
//   - All results are instants in UTC. Negative work or day counts are
//     errors, and so is an answer more than 10 years after its start
//     ([ErrHorizon]): nothing loops forever on a calendar with no working time.
//
// # Invariants
//
//   - New rejects, with a [SpecError] naming the field, every calendar it
//     cannot answer for: unknown zones, bad times and dates, empty windows,
//     windows that overlap on a day or across midnight (including an
//     override against the real windows of the days around it), always_open
//     together with hours, and a calendar with no window at all.
//   - A Calendar is immutable and safe for concurrent use.
//   - Instants from 1900-01-01 to 2160-01-01 UTC are supported ([ErrRange]
//     otherwise); Elapsed counts only the working time inside that range.
//   - Cost does not grow with the length of a span: runs of days without a
//     holiday, an override or a change of UTC offset are measured from the
//     weekly pattern in O(log windows), and holidays and overrides are found
//     by binary search, never by scanning days.
//   - For any calendar, start s, work a, b >= 0 and pauses p (when no error):
//     Elapsed(s, Due(s, a, p), p) == a, Due(s, a+b, p) == Due(Due(s, a, p), b, p),
//     Due is monotonic in a and s, and pauses never add working time. The
//     property tests check these and a minute-by-minute reference model.
package businesstime
