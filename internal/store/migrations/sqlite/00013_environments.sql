-- Managed environments (docs/operations.md): the product the vendor runs
-- for a customer, its backup policy, the snapshots its automation records,
-- the operations alerts raised when backups or restore tests lapse, and the
-- notices sent to the customers of chosen environments. org_id is always
-- the customer that owns the environment; times are UTC.

-- +goose Up
CREATE TABLE environments (
    id                     TEXT PRIMARY KEY,
    org_id                 TEXT NOT NULL REFERENCES organizations (id),
    reseller_id            TEXT REFERENCES organizations (id),
    name                   TEXT NOT NULL,
    product                TEXT NOT NULL,
    version                TEXT NOT NULL,
    region                 TEXT NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('provisioning', 'active', 'suspended', 'retired')),
    -- The backup policy: defined by the vendor, agreed by a customer contact.
    backup_frequency       TEXT NOT NULL CHECK (backup_frequency IN ('daily', 'weekly')),
    retention_days         INTEGER NOT NULL CHECK (retention_days > 0),
    covers                 TEXT NOT NULL,
    snapshot_before_change BOOLEAN NOT NULL,
    snapshot_max_age_secs  INTEGER NOT NULL CHECK (snapshot_max_age_secs > 0),
    restore_test_months    INTEGER NOT NULL CHECK (restore_test_months >= 0),
    agreed_by              TEXT REFERENCES users (id),
    agreed_at              TIMESTAMP,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX environments_reseller ON environments (reseller_id);

CREATE TABLE environment_snapshots (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    environment_id TEXT NOT NULL REFERENCES environments (id),
    taken_at       TIMESTAMP NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('daily', 'pre-change', 'on-demand')),
    size_bytes     INTEGER NOT NULL CHECK (size_bytes >= 0),
    location       TEXT NOT NULL,
    checksum       TEXT NOT NULL,
    verified       BOOLEAN NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    recorded_by    TEXT REFERENCES users (id),
    recorded_at    TIMESTAMP NOT NULL
);
CREATE INDEX environment_snapshots_env ON environment_snapshots (environment_id, taken_at, id);

-- One row per lapse: the unique key makes an alert raised once however many
-- processes run the hourly check. lapse names the lapse (the newest daily
-- snapshot it is counted from, the restore test's due date).
CREATE TABLE environment_alerts (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    environment_id TEXT NOT NULL REFERENCES environments (id),
    kind           TEXT NOT NULL CHECK (kind IN ('missing_snapshot', 'restore_test_overdue')),
    lapse          TEXT NOT NULL,
    detail         TEXT NOT NULL,
    raised_at      TIMESTAMP NOT NULL,
    cleared_at     TIMESTAMP,
    UNIQUE (environment_id, kind, lapse)
);
CREATE INDEX environment_alerts_open ON environment_alerts (cleared_at, raised_at, id);

-- A notice is published to the customers of chosen environments: one row
-- per customer, so that each row belongs to one tenant. publication_id
-- groups the rows of one publication; environments is a JSON list of the
-- customer's environment ids it concerns.
CREATE TABLE notices (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    publication_id TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('incident', 'provider_maintenance', 'maintenance_shutdown', 'release')),
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    starts_at      TIMESTAMP NOT NULL,
    ends_at        TIMESTAMP NOT NULL,
    environments   TEXT NOT NULL,
    published_by   TEXT REFERENCES users (id),
    published_name TEXT NOT NULL,
    published_at   TIMESTAMP NOT NULL
);
CREATE INDEX notices_org ON notices (org_id, ends_at, id);
CREATE INDEX notices_publication ON notices (publication_id);

-- Restore and HA/DR tests are engagements of the catalog linked to an
-- environment of their customer.
ALTER TABLE engagements ADD COLUMN environment_id TEXT REFERENCES environments (id);
CREATE INDEX engagements_environment ON engagements (environment_id, completed_at);
