-- Search reads replies and internal notes too: the public document (title,
-- description, details, public replies) in body, internal notes in notes,
-- which only agents' searches read. rowid is the case's number. The old
-- table held the public document without replies.

-- +goose Up
CREATE VIRTUAL TABLE case_search USING fts5 (body, notes, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO case_search (rowid, body, notes)
SELECT c.number,
    COALESCE((SELECT f.body FROM cases_fts f WHERE f.rowid = c.number), '') || char(10) ||
    COALESCE((SELECT group_concat(e.body, char(10)) FROM case_entries e WHERE e.case_id = c.id AND e.kind = 'reply' AND NOT e.internal), ''),
    COALESCE((SELECT group_concat(e.body, char(10)) FROM case_entries e WHERE e.case_id = c.id AND e.kind = 'note'), '')
FROM cases c;
DROP TABLE cases_fts;
