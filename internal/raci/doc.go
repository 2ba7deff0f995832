// Package raci holds responsibility matrices (RACI-S) as versioned data:
// for each management process of the managed services (incident, change,
// configuration, ... database administration), its activities, and the
// letters each party holds: R responsible, A accountable, S support,
// C consulted, I informed. The default matrix (default.yaml) is the
// managed-services document's tables as written, plus the SaaS split of
// duties and the change steps Accord runs; a customer's environment may
// have its own version (an override), whose diff against the default is
// what was agreed.
//
// A matrix is written in YAML (docs/operations.md, "Responsibility
// matrices"); [Parse] reads it strictly and reports every problem with its
// path, line and column.
//
// Invariants:
//   - a parsed [Matrix] is valid: every process key is one of [Processes]
//     and appears once; every activity key is unique in its process; every
//     name and text is written in each of [Locales]; parties are vendor,
//     customer or reseller; every letter is one of R, A, S, C, I, at most
//     once per cell; every activity has at least one R; at most one party
//     holds A. A cell may be empty (no letter).
//   - Parse returns a matrix and no problems, or no matrix and a non-empty
//     list of problems (also as its error), never both, and never panics
//     (FuzzParse); a matrix written out by [Matrix.Export] parses back equal.
//   - activity keys are stable: other parts of Accord (change requests,
//     backups) look activities up by process and key ("change", "approve")
//     and ask which parties hold a letter ([Matrix.Holders]).
//   - default versions are numbered 1, 2, ... and never edited; an import
//     or a rollback makes the next one. An environment's overrides are
//     numbered per environment the same way.
package raci
