-- Change requests on managed environments (docs/operations.md, "Change
-- requests"): the request, its assessment, its approvals, its activity
-- report, its timeline and files, and the maintenance windows agreed for
-- each environment. org_id is always the customer that owns the
-- environment; times are UTC.

-- +goose Up
CREATE TABLE changes (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations (id),
    environment_id      TEXT NOT NULL REFERENCES environments (id),
    environment_name    TEXT NOT NULL,
    reseller_id         TEXT REFERENCES organizations (id),
    state               TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'assessed', 'approved', 'scheduled', 'in_progress', 'completed', 'failed', 'rolled_back', 'cancelled')),
    title               TEXT NOT NULL,
    reason              TEXT NOT NULL,
    description         TEXT NOT NULL,
    implementation_plan TEXT NOT NULL,
    backout_plan        TEXT NOT NULL,
    needs_shutdown      BOOLEAN NOT NULL,
    urgency             TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent')),
    planned_start       TIMESTAMPTZ,
    planned_end         TIMESTAMPTZ,
    duration_minutes    INTEGER NOT NULL CHECK (duration_minutes > 0),
    script              TEXT,
    assessment          TEXT,
    type                TEXT NOT NULL CHECK (type IN ('', 'minor', 'medium', 'major')),
    type_reason         TEXT NOT NULL,
    implementer_id      TEXT REFERENCES users (id),
    implementer_name    TEXT NOT NULL,
    approvals           TEXT NOT NULL,
    exceptional         BOOLEAN NOT NULL,
    criticality         TEXT NOT NULL,
    incident_case_id    TEXT REFERENCES cases (id),
    report              TEXT,
    requested_by_id     TEXT REFERENCES users (id),
    requested_by_name   TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    submitted_at        TIMESTAMPTZ,
    started_at          TIMESTAMPTZ,
    ended_at            TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX changes_org ON changes (org_id, created_at, id);
CREATE INDEX changes_environment ON changes (environment_id, planned_start);
CREATE INDEX changes_case ON changes (incident_case_id);

CREATE TABLE change_entries (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    change_id  TEXT NOT NULL REFERENCES changes (id),
    position   INTEGER NOT NULL, -- from 1, in the order written
    kind       TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    note       TEXT NOT NULL
);
CREATE UNIQUE INDEX change_entries_change ON change_entries (change_id, position);

CREATE TABLE change_files (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    change_id    TEXT NOT NULL REFERENCES changes (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    content      BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX change_files_change ON change_files (org_id, change_id);

-- Recurring windows in which a change that shuts production down may run,
-- agreed by both sides (who agreed is kept).
CREATE TABLE maintenance_windows (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organizations (id),
    environment_id     TEXT NOT NULL REFERENCES environments (id),
    rule               TEXT NOT NULL,
    zone               TEXT NOT NULL,
    vendor_agreed_by   TEXT NOT NULL,
    customer_agreed_by TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    created_by         TEXT NOT NULL
);
CREATE INDEX maintenance_windows_environment ON maintenance_windows (environment_id, created_at, id);
