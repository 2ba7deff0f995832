// Package siem forwards security and audit events to a customer's or the
// vendor's SIEM (docs/integrations.md, "Security events to a SIEM").
//
// A receiver is a reader of audit chains with a cursor per chain. The
// vendor's receivers read every organization's chain and the "global"
// one; a customer's receiver reads its own organization's chain only, the
// same scope as its audit trail. One durable job per receiver (DeliverJob)
// reads the events after the cursors in chain order, sends them and
// advances the cursors after the receiver accepted them, so that nothing
// is lost on restart and each chain arrives in order; a failure keeps the
// cursors and retries with backoff. Delivery is at least once: an attempt
// that sent but could not record its progress sends those events again,
// which a SIEM recognizes by their organization and seq (or hash).
//
// Delivery progress (cursors, last success, last error) is bookkeeping,
// not a change: it writes no audit event, or every delivery would make
// one more event to deliver.
package siem
