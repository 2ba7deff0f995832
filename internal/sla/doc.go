// Package sla holds the support policy as versioned data: named business-time
// calendars, plans with a first-response target per criticality, the portal
// rule, auto-close rules, the criticality definitions shown to users, and
// each plan's inclusions (entitlements). It computes when a first response
// is due, the one computation that the what-if tool and cases share
// ([Policy.Due]), and auto-close deadlines ([Policy.AutoCloseAt]).
//
// A policy is written in YAML (docs/policy.md describes the format); [Parse]
// reads it strictly and reports every problem by path and line:column.
//
// Invariants:
//   - a parsed [Policy] is valid: every plan has a target for each of C1..C4
//     with a positive work duration and a clock that is "24x7" or a calendar
//     of the policy; the support calendar and the auto-close calendar exist;
//     every calendar compiles. Nothing downstream re-checks these.
//   - versions are numbered 1, 2, ... without gaps and are never edited: an
//     import or a rollback creates the next version; a rollback's document is
//     the old version's text, byte for byte. The newest version is the
//     current policy; cases keep the version they were opened under.
//   - the policy is vendor-wide, not tenant data: its audit events form the
//     chain of [audit.GlobalOrg], and each one records the version's changes
//     path by path.
//   - anyone signed in reads the current policy and asks when a response is
//     due; only vendor staff read the history; only vendor administrators
//     (and the system) create versions.
//   - a first-response target that needs a phone call is guaranteed only when
//     there was one; without it the case is answered on a best-effort basis
//     on the support calendar, and the result says so (Guaranteed false).
package sla
