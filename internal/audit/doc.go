// Package audit holds the append-only, hash-chained audit trail.
//
// Each organization has its own chain: events are numbered from 1 without
// gaps, and each event's hash is the SHA-256 of the previous event's hash and
// the event's canonical form. Editing, deleting or reordering a stored event
// breaks the chain at that event, which Verify names. Events are written by
// the stores in the same transaction as the change they record.
//
// Changes never carry secrets: password hashes and token hashes are recorded
// as "(changed)" markers, not values.
package audit
