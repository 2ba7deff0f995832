// Package macros holds canned answers: named reply texts in each of the
// languages Accord speaks, with placeholders filled from the case, and the
// actions that go with the reply (a state, a hold with its reason, a
// knowledge-base reference, an assignment).
//
// Invariants:
//   - a macro belongs to one organization (the vendor, or a partner): it is
//     shared by that organization's agents, kept by its administrators, or
//     personal, seen and kept by its owner alone. Any other macro is
//     NotFound, as another tenant's record is.
//   - a name is a short lowercase word (it is what an agent types after
//     "::"), unique among the shared macros of an organization and among a
//     user's own.
//   - every body names only the placeholders of Placeholders; an unknown
//     one is refused when the macro is saved, naming the body's field and
//     the placeholder. The en-US body is required: it is what a customer
//     whose language has no text reads.
//   - applying a macro goes through the cases service, one step at a time
//     (assignment, the reply or the resolution, the hold), each step with
//     its own audit event; the application itself is audited too
//     (macro.apply), naming the macro, the language and the steps done.
package macros
