-- Macros: canned replies of an organization's agents (owner_id NULL:
-- shared, kept by administrators) or of one agent (owner_id set), with
-- their bodies per language as a JSON object and the actions applied with
-- the reply. Tenant data: org_id is the vendor's or a partner's.
--
-- Console preferences: per user, whether the single-key shortcuts are on
-- (WCAG 2.1 SC 2.1.4 asks that they can be turned off). Preferences, not
-- records: not audited, like saved views. Times are UTC.

-- +goose Up
CREATE TABLE macros (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    owner_id    TEXT REFERENCES users (id),
    name        TEXT NOT NULL CHECK (name <> ''),
    bodies      TEXT NOT NULL,
    state       TEXT NOT NULL,
    hold_reason TEXT NOT NULL,
    kb_url      TEXT NOT NULL,
    assign_to   TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
-- A name is unique among an organization's shared macros and among each
-- user's own; also the index an agent's list is read by.
CREATE UNIQUE INDEX macros_name ON macros (org_id, (COALESCE(owner_id, '')), name);

CREATE TABLE console_preferences (
    user_id   TEXT PRIMARY KEY REFERENCES users (id),
    org_id    TEXT NOT NULL REFERENCES organizations (id),
    shortcuts BOOLEAN NOT NULL
);
