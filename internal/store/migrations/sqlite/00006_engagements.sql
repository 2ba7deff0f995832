-- Professional services: versions of the catalog, engagements with their
-- plan steps, the sessions booked with engineers, evidence files, and the
-- users' calendar feeds. org_id is always the customer. Times are UTC.

-- +goose Up
-- Versions of the catalog, as policy_versions: vendor-wide, not tenant
-- data, so no org_id; events go to the chain of the organization 'global'.
-- Versions are never updated.
CREATE TABLE catalog_versions (
    id            TEXT PRIMARY KEY,
    number        INTEGER NOT NULL UNIQUE CHECK (number > 0),
    document      TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    note          TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    created_by    TEXT NOT NULL,
    created_by_id TEXT NOT NULL
);

-- Quote, steps and outcome are JSON of engagements.Quote, []Step and
-- Outcome; the store neither reads nor queries inside them.
CREATE TABLE engagements (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id),
    reseller_id       TEXT REFERENCES organizations (id),
    provider          TEXT NOT NULL CHECK (provider IN ('customer', 'reseller', 'vendor')),
    service           TEXT NOT NULL,
    service_name      TEXT NOT NULL,
    format            TEXT NOT NULL,
    catalog_version   INTEGER NOT NULL,
    scope             TEXT NOT NULL,
    case_id           TEXT REFERENCES cases (id),
    state             TEXT NOT NULL CHECK (state IN ('requested', 'quoted', 'accepted', 'scheduled', 'in_progress',
                                                     'completed', 'signed_off', 'cancelled')),
    requested_at      TIMESTAMP NOT NULL,
    requested_by_id   TEXT,
    requested_by_name TEXT NOT NULL,
    quote             TEXT,
    accepted_at       TIMESTAMP,
    earliest_start    TIMESTAMP,
    started_at        TIMESTAMP,
    completed_at      TIMESTAMP,
    signed_off_at     TIMESTAMP,
    sign_off_note     TEXT NOT NULL,
    cancelled_at      TIMESTAMP,
    cancel_reason     TEXT NOT NULL,
    steps             TEXT NOT NULL,
    outcome           TEXT,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX engagements_org ON engagements (org_id, requested_at, id);
CREATE INDEX engagements_requested ON engagements (requested_at, id);
CREATE INDEX engagements_reseller ON engagements (reseller_id, requested_at, id) WHERE reseller_id IS NOT NULL;
CREATE INDEX engagements_state ON engagements (state, requested_at, id);

-- A change that books sessions replaces all of its engagement's.
CREATE TABLE engagement_sessions (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    engineer_id   TEXT NOT NULL REFERENCES users (id),
    engineer_name TEXT NOT NULL,
    starts_at     TIMESTAMP NOT NULL,
    ends_at       TIMESTAMP NOT NULL,
    on_site       BOOLEAN NOT NULL,
    location      TEXT NOT NULL,
    CHECK (ends_at > starts_at)
);
-- An engineer's sessions across customers: overlaps and calendar feeds.
CREATE INDEX engagement_sessions_engineer ON engagement_sessions (engineer_id, starts_at);
CREATE INDEX engagement_sessions_engagement ON engagement_sessions (org_id, engagement_id);

-- Evidence attached to steps, kept in the row on both engines.
CREATE TABLE engagement_files (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL CHECK (size >= 0),
    sha256        TEXT NOT NULL,
    content       BLOB NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX engagement_files_engagement ON engagement_files (org_id, engagement_id);

-- One secret feed per user; only the SHA-256 of its token is kept.
CREATE TABLE calendar_feeds (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

-- A use of an entitlement may now be negative: an engagement cancelled
-- after acceptance gives its units back with a use of -quantity. SQLite
-- cannot change a CHECK in place, so the table is rebuilt; nothing refers
-- to it.
CREATE TABLE entitlement_uses_new (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    entitlement_id TEXT NOT NULL REFERENCES entitlements (id),
    quantity       INTEGER NOT NULL CHECK (quantity <> 0),
    at             TIMESTAMP NOT NULL,
    reason         TEXT NOT NULL,
    record_type    TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    actor_id       TEXT NOT NULL,
    actor_name     TEXT NOT NULL,
    override       BOOLEAN NOT NULL
);
INSERT INTO entitlement_uses_new (id, org_id, entitlement_id, quantity, at, reason, record_type, record_id, actor_id, actor_name, override)
    SELECT id, org_id, entitlement_id, quantity, at, reason, record_type, record_id, actor_id, actor_name, override FROM entitlement_uses;
DROP TABLE entitlement_uses;
ALTER TABLE entitlement_uses_new RENAME TO entitlement_uses;
CREATE INDEX entitlement_uses_entitlement ON entitlement_uses (entitlement_id, at);
CREATE INDEX entitlement_uses_record ON entitlement_uses (record_type, record_id);
