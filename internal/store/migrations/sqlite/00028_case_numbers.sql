-- Case numbers (docs/cases.md, "Case numbers"): PostgreSQL takes them from
-- a sequence from this version on. SQLite runs one writer at a time and
-- keeps taking the highest number plus one inside the opening's
-- transaction, which is also gap-free; nothing changes in its schema. The
-- migration exists so that both engines report the same schema version.

-- +goose Up
SELECT 1;

