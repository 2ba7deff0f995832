-- A recorded breach stands: lowering the criticality no longer clears it,
-- and the case keeps the criticality in force when its target was missed
-- and the due instant missed (docs/cases.md, "Reclassification").
-- Breaches recorded before this migration get the case's criticality and
-- due instant as they stand (or the breach's own instant while paused):
-- the best the stored facts tell.
--
-- A hold (the customer asked the vendor to wait) no longer closes a case
-- by itself; only information requested and never given does (policy
-- 7.8). Cases on hold today, put there without a request for information,
-- lose their auto-close instant and job.

-- +goose Up
ALTER TABLE cases ADD COLUMN breach_criticality TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN breach_due_at TIMESTAMP;
UPDATE cases SET breach_criticality = criticality, breach_due_at = COALESCE(due_at, breached_at) WHERE breached_at IS NOT NULL;

UPDATE cases SET auto_close_at = NULL
WHERE state = 'awaiting_customer' AND auto_close_at IS NOT NULL
  -- the wait began with an internal state change: a hold, not a request
  AND EXISTS (SELECT 1 FROM case_entries e WHERE e.case_id = cases.id AND e.kind = 'state_changed' AND e.internal
      AND e.seq = (SELECT MAX(s.seq) FROM case_entries s WHERE s.case_id = cases.id AND s.kind = 'state_changed'))
  -- and nobody asked for information since
  AND NOT EXISTS (SELECT 1 FROM case_entries r WHERE r.case_id = cases.id AND r.kind = 'reply' AND r.at >= cases.paused_since
      AND r.data LIKE '%"request_information":true%');
DELETE FROM jobs WHERE kind = 'case.auto_close'
  AND subject_id IN (SELECT id FROM cases WHERE state = 'awaiting_customer' AND auto_close_at IS NULL);
