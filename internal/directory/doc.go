// Package directory holds who is who: organizations (the vendor, its
// reseller partners, their customers), users and their roles, the customers
// each partner serves, partner certifications, and how users prove who they
// are (passwords, sessions, API tokens).
//
// Invariants:
//   - a user's role fits its organization's kind: admin, agent and auditor
//     belong to the vendor, partner_agent to a partner, customer_contact to a
//     customer; only customer contacts may be authorized contacts or their
//     organization's administrator;
//   - e-mail addresses are unique without regard to case;
//   - a partner agent reads its customers' data only while it holds a
//     certification valid today; without one every read of tenant data is
//     refused with a message that says why;
//   - secrets (passwords, session and token values) are stored only as hashes
//     and never appear in audit events.
package directory
