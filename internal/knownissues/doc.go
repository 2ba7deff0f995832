// Package knownissues holds the vendor's known issues (support policy
// section 9): a software problem of one product over a range of its
// versions, with its symptoms, workaround, root cause and, at last, the
// version that fixes it; the cases linked to it; the customers it affects;
// and the notices that tell them.
//
// Invariants:
//   - A known issue belongs to the vendor (org_id is the vendor's
//     organization). Only vendor administrators and agents write it; its
//     internal notes never leave the vendor's staff.
//   - It is a draft until published; a draft is seen by vendor staff only.
//     Once published it is never a draft again.
//   - Its status moves investigating -> workaround_available ->
//     fix_scheduled -> fixed, never back from fixed; fixed names the
//     version that fixes it, which lies above the affected range.
//   - The customers it affects are those with a case linked to it plus
//     those with an installation of its product at a version in its range
//     (Affected, a pure function). A customer reads a published issue that
//     affects it and no other; another's is NotFound.
//   - Publishing, adding or changing the workaround, and the fix each make
//     one Notice row, written with the change and its audit event in one
//     transaction, with the durable job that mails it; mail goes once per
//     notice and recipient (its letter topic).
//   - Every customer-facing text is a lang.Text; a reader whose language a
//     text lacks reads the en-US one, and the author sees which are missing.
package knownissues
