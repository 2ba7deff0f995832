// Package engagements holds professional services: the catalog of services
// a vendor and its resellers sell beside support (who may deliver each one,
// minimum hours or a fixed price, lead time, the execution plan with the
// parties responsible for each step, the expected outcome), and the
// engagements that book them: request, quote, acceptance, sessions
// scheduled on the services calendar, steps worked by each party, measured
// outcomes (RTO and RPO) and the customer's sign-off.
//
// Invariants:
//   - The catalog is versioned like the support policy: versions are never
//     edited, an engagement keeps the version it was requested under, and
//     its plan is copied into it when it is requested.
//   - The first session never starts before the lead time has passed,
//     counted in working days on the services calendar from acceptance (or
//     from the last step the plan requires before scheduling). No session
//     lies outside services hours unless the quote carries the out-of-hours
//     surcharge; no engineer works more than 8 hours a day on one
//     engagement or is in two sessions at once. The sessions as a whole
//     meet the service's crew (the ransomware response: two engineers on
//     each of two days), include a session on site for an on-site quote,
//     and add up to the hours quoted unless the provider confirmed the
//     shortfall with a reason, which the engagement keeps.
//   - The execution (the start, and every step that is not preparation)
//     never begins before the day of the first session.
//   - A step is completed once, by a user of one of its responsible parties;
//     a customer step only by the customer's contacts.
//   - An entitlement an engagement uses (Premium's yearly assisted upgrade,
//     the ransomware response hours) is consumed once, when the customer
//     accepts the quote, under the engagement's row lock, and given back
//     if the engagement is cancelled.
//   - Every change writes an audit event in its own transaction.
package engagements
