// Package jobs runs durable background work: a row per job in the
// database, written by the change that schedules it in the same
// transaction, claimed by whichever `accord serve` process gets there first
// and removed when its handler succeeds.
//
// Invariants:
//   - a record has at most one job of each kind; scheduling it again
//     replaces the row and its id, so finishing a stale claim never removes
//     a newer schedule;
//   - a claim is a lease: a process that dies mid-job leaves it to be
//     claimed again when the lease ends. Delivery is therefore at least
//     once, and handlers make their effect exactly once by checking, in the
//     transaction that writes it, that it has not happened yet;
//   - failures are retried with exponential backoff and jitter; after
//     MaxAttempts a job is kept as failed for administrators to see.
package jobs
