-- +goose Up
-- A replay (accord policy replay) reads the cases received in a range in
-- (received_at, id) order, in batches: without this index each batch
-- would scan and sort every case.
CREATE INDEX cases_received ON cases (received_at, id);
