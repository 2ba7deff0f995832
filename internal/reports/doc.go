// Package reports holds Accord's reports: figures computed from the stored
// facts of other domains, never stored themselves.
//
// The SLA compliance report counts, per customer, plan, criticality and
// month, the cases received in that month (months begin and end at
// midnight in the vendor's zone), how many met their first-response target,
// breached it, were best effort (not guaranteed) or are still pending, and
// the median and 90th percentile of the working time to the first response,
// each case measured on its own clock (docs/reports.md).
//
// Invariants: every report is computed at an instant passed in (now), from
// data read inside the actor's scope; for each row and the totals, met +
// breached + not guaranteed + pending = cases, and median <= 90th percentile.
// The package reads no database and serves no HTTP: stores and handlers
// live in internal/store and internal/api.
package reports
