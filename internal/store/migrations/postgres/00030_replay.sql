-- +goose Up
-- A replay (accord policy replay) reads the cases received in a range in
-- (received_at, id) order, in batches: without this index each batch
-- would scan and sort every case.
CREATE INDEX cases_received ON cases (received_at, id);
-- And each batch's reclassifications: few entries are, and a batch's
-- lookup by case should not read every entry of every kind.
CREATE INDEX case_entries_reclassified ON case_entries (case_id, seq) WHERE kind = 'reclassified';
