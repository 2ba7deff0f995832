// Package contracts holds what each customer bought: support contracts and
// their terms, the licensed modules, the entitlements of each contract year
// and their use, the yearly licence survey, the notices Accord gives about
// a term by itself, and the requests by which a customer adds an
// authorized contact.
//
// Dates are civil dates written YYYY-MM-DD and read in the vendor's zone
// (Config.Zone, America/New_York unless set): "today" is the vendor's today.
//
// Invariants:
//   - a term runs from its signing date through the day before the
//     anniversary that ends it (signed 2025-03-15 for one year: active
//     through 2026-03-14). An anniversary of 29 February falls on 1 March in
//     a year without one, so a term signed 2024-02-29 for one year ends
//     2025-02-28. Contract year k runs from the (k-1)th anniversary through
//     the day before the kth.
//   - status is derived, never stored: cancelled from the cancellation date
//     on, pending before the signing date, active through the end date, then
//     renewed when a later term renews it and expired otherwise. Only the
//     cancellation date and the link between terms are stored.
//   - a renewal is a new contract row that names the term it renews; a term
//     is renewed at most once, and the renewal starts after it ends, so the
//     terms of one contract never overlap. A customer has at most one
//     uncancelled term covering any date.
//   - entitlements are created with the term, one per counted inclusion of
//     the plan per contract year; used never exceeds quantity except by a
//     vendor administrator's override, which needs a reason and is audited
//     as such. Two concurrent uses of the last unit: exactly one succeeds.
//   - every record belongs to the customer (org_id) and is read through the
//     actor's directory scope: vendor staff see every customer, a partner
//     agent the customers its partner serves while certified, a customer
//     contact its own organization. Only vendor administrators change
//     contracts; vendor staff record entitlement use.
//   - a term's notices (renewal notices before its end, the licence survey
//     at each anniversary and its reminder) are given by its two jobs and
//     recorded once each: a job decides again, with the customer's row
//     locked, before recording what it posted, and every change of the
//     customer's terms takes the same lock. A renewed, cancelled or ended
//     term is told nothing more.
//   - an authorized contact is added only when the customer's administrator
//     contact authorized a request for it and then a vendor administrator
//     approved it, each step recorded on the request's access-request case,
//     or when a vendor administrator names it as a new contract's focal
//     point; a request refused by either side authorizes nobody.
package contracts
