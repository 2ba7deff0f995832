-- Search reads replies and internal notes too: search is the public
-- document (title, description, details, public replies), search_all adds
-- internal notes, which only agents' searches read.

-- +goose Up
ALTER TABLE cases ADD COLUMN search_all tsvector NOT NULL DEFAULT ''::tsvector;
UPDATE cases SET search = search || to_tsvector('simple', COALESCE((SELECT string_agg(e.body, E'\n') FROM case_entries e
    WHERE e.case_id = cases.id AND e.kind = 'reply' AND NOT e.internal), ''));
UPDATE cases SET search_all = search || to_tsvector('simple', COALESCE((SELECT string_agg(e.body, E'\n') FROM case_entries e
    WHERE e.case_id = cases.id AND e.kind = 'note'), ''));
CREATE INDEX cases_search_all ON cases USING gin (search_all);
