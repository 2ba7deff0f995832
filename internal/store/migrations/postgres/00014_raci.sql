-- Responsibility matrices (docs/operations.md, "Responsibility matrices").
--
-- raci_versions are the vendor-wide default matrix, stored as
-- policy_versions are: not tenant data, so no org_id; their audit events go
-- to the chain of the organization 'global'. Versions are never updated: an
-- import or a rollback inserts the next one.
--
-- raci_overrides are an environment's own versions, numbered per
-- environment; tenant data, carrying the customer organization that owns
-- the environment. based_on is the default version in force when the
-- override was set.

-- +goose Up
CREATE TABLE raci_versions (
    id            TEXT PRIMARY KEY,
    number        INTEGER NOT NULL UNIQUE CHECK (number > 0),
    document      TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    note          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT NOT NULL,
    created_by_id TEXT NOT NULL
);

CREATE TABLE raci_overrides (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    environment_id TEXT NOT NULL REFERENCES environments (id),
    number         INTEGER NOT NULL CHECK (number > 0),
    based_on       INTEGER NOT NULL CHECK (based_on > 0),
    document       TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    note           TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    created_by     TEXT NOT NULL,
    created_by_id  TEXT NOT NULL,
    UNIQUE (environment_id, number)
);
CREATE INDEX raci_overrides_org ON raci_overrides (org_id, environment_id, number);

