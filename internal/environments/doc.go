// Package environments holds the managed service: the environments the
// vendor runs for its customers (a private SaaS instance, a managed
// identity cluster), their backup policies, the snapshots the vendor's
// automation records, the operations alerts raised when a backup or a
// restore test lapses, and the notices sent to the customers of chosen
// environments (an incident affecting users, a cloud provider's scheduled
// maintenance, a maintenance shutdown).
//
// Invariants:
//   - Every record carries the customer organization that owns the
//     environment and obeys the tenant rules of cases: vendor staff read
//     all, a customer's contacts their own, a certified partner agent the
//     environments of the customers it serves and those it delivers as
//     reseller; another tenant's is NotFound.
//   - Only vendor administrators and agents create environments, change
//     them and their backup policy, record snapshots and publish notices.
//     A customer administrator records the customer's agreement to the
//     backup policy; changing the policy afterwards voids the agreement.
//   - A snapshot expires RetentionDays after it was taken; listings leave
//     expired snapshots out (a rule applied when reading, so nothing has to
//     delete them for the answer to be right).
//   - An alert is raised at most once per lapse: its row's key is the
//     environment, the kind and the lapse (the snapshot the missing
//     snapshot is counted from, or the restore test's due day), decided
//     under the environment's row lock.
package environments
