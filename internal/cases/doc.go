// Package cases holds support cases: what the customer reported, the
// criticality the vendor assigned, the state machine, the timeline of
// replies, notes, calls and remote sessions, attachments, and the
// first-response clock that decides whether the vendor kept its promise.
//
// Invariants:
//   - a case is opened by an authorized contact of a customer with an
//     active contract, a certified partner agent serving the customer, or a
//     vendor agent; it keeps the policy version, plan and receipt it was
//     opened with, and its clock is always recomputed from those stored
//     facts plus the pauses (never adjusted in place), so it cannot drift;
//   - the clock stops at the first public answer by an agent (reply,
//     request for information, remote-session proposal, out-of-scope
//     notice or resolution); internal notes do not stop it. While the case
//     awaits the customer, a running clock is paused and has no due
//     instant; the customer's reply resumes it;
//   - a target that needs a phone call, for a portal case without one, is
//     best effort: never warned about, never a breach. The first recorded
//     call starts the guaranteed clock from the call;
//   - warnings (75% of the target) and breaches are recorded by jobs,
//     each at most once per clock: the case row is locked while a job
//     decides, and a recorded one is not recorded again. Lowering the
//     criticality or a call that moves the instants into the future clears
//     them so that they can happen again under the new target;
//   - a resolved case closes by itself after the policy's business days
//     without confirmation (10), a case awaiting the customer after 15;
//   - resolving a C1 or C2 case opens one linked root-cause analysis at C3;
//   - every change writes its timeline entries and an audit event in the
//     same transaction; customer contacts never see internal entries.
package cases
