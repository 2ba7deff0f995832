-- Versions of the support policy. The policy is vendor-wide, not tenant
-- data, so the table has no org_id (a reference table when distributed);
-- its audit events go to the chain of the organization 'global'.
-- Versions are never updated: an import or a rollback inserts the next one.

-- +goose Up
CREATE TABLE policy_versions (
    id            TEXT PRIMARY KEY,
    number        INTEGER NOT NULL UNIQUE CHECK (number > 0),
    document      TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    note          TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    created_by    TEXT NOT NULL,
    created_by_id TEXT NOT NULL
);
