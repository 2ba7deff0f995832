-- Support cases, their timelines, pauses and attachments, and the durable
-- jobs that act on records at chosen instants. org_id is the customer.
-- Times are UTC; durations are nanoseconds.

-- +goose Up
CREATE TABLE cases (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations (id),
    number          BIGINT NOT NULL UNIQUE,
    type            TEXT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    details         TEXT NOT NULL, -- JSON of cases.Details
    criticality     TEXT NOT NULL CHECK (criticality IN ('C1', 'C2', 'C3', 'C4')),
    state           TEXT NOT NULL,
    delivered_in    TEXT NOT NULL,
    contract_id     TEXT REFERENCES contracts (id),
    opened_by_id    TEXT,
    opened_by       TEXT NOT NULL,
    assignee_id     TEXT REFERENCES users (id),
    parent_id       TEXT REFERENCES cases (id),
    -- The analysis opened when this case was resolved; no foreign key, as
    -- the two rows are written in one change, this one first.
    root_cause_id   TEXT,
    out_of_scope    TEXT NOT NULL,
    policy_version  INTEGER NOT NULL,
    plan            TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('portal', 'phone')),
    received_at     TIMESTAMPTZ NOT NULL,
    phone_at        TIMESTAMPTZ,
    clock_kind      TEXT NOT NULL,
    clock_starts_at TIMESTAMPTZ NOT NULL,
    target_ns       BIGINT NOT NULL,
    guaranteed      BOOLEAN NOT NULL,
    call_required   BOOLEAN NOT NULL,
    due_at          TIMESTAMPTZ,
    warn_at         TIMESTAMPTZ,
    responded_at    TIMESTAMPTZ,
    warned_at       TIMESTAMPTZ,
    breached_at     TIMESTAMPTZ,
    paused_since    TIMESTAMPTZ,
    auto_close_at   TIMESTAMPTZ,
    resolved_at     TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    close_reason    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_org_created ON cases (org_id, created_at, id);
CREATE INDEX cases_created ON cases (created_at, id);
-- The queue: cases awaiting a first response, by due instant.
CREATE INDEX cases_due ON cases (due_at, id) WHERE due_at IS NOT NULL AND responded_at IS NULL;
CREATE INDEX cases_org_due ON cases (org_id, due_at, id) WHERE due_at IS NOT NULL AND responded_at IS NULL;
CREATE INDEX cases_assignee ON cases (assignee_id, state) WHERE assignee_id IS NOT NULL;
CREATE INDEX cases_parent ON cases (parent_id) WHERE parent_id IS NOT NULL;
-- One root-cause analysis per case.
CREATE UNIQUE INDEX cases_root_cause ON cases (parent_id) WHERE type = 'root_cause';

CREATE TABLE case_entries (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    case_id       TEXT NOT NULL REFERENCES cases (id),
    seq           BIGINT NOT NULL, -- order within the case, from 1
    kind          TEXT NOT NULL,
    internal      BOOLEAN NOT NULL,
    author_id     TEXT,
    author        TEXT NOT NULL,
    author_org_id TEXT,
    body          TEXT NOT NULL,
    data          TEXT NOT NULL, -- JSON of cases.EntryData
    at            TIMESTAMPTZ NOT NULL,
    UNIQUE (case_id, seq)
);
CREATE INDEX case_entries_org ON case_entries (org_id);

CREATE TABLE case_pauses (
    org_id    TEXT NOT NULL REFERENCES organizations (id),
    case_id   TEXT NOT NULL REFERENCES cases (id),
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at   TIMESTAMPTZ,
    PRIMARY KEY (case_id, starts_at),
    CHECK (ends_at IS NULL OR ends_at >= starts_at)
);

-- Small files live here; larger ones too on PostgreSQL, where several
-- processes share no disk (docs/cases.md).
CREATE TABLE case_files (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    case_id      TEXT NOT NULL REFERENCES cases (id),
    entry_id     TEXT NOT NULL REFERENCES case_entries (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    content      BYTEA,   -- NULL when the file is in the data directory
    path         TEXT NOT NULL -- relative to the data directory, or ''
);
CREATE INDEX case_files_case ON case_files (case_id);

-- Durable jobs: one row per record and kind ("case.sla_breach" for a case);
-- setting it again replaces it with a new id, so a worker finishing the old
-- one cannot delete the new schedule.
CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    kind          TEXT NOT NULL,
    run_at        TIMESTAMPTZ NOT NULL,
    attempts      INTEGER NOT NULL,
    claimed_by    TEXT NOT NULL,
    claimed_until TIMESTAMPTZ,
    last_error    TEXT NOT NULL,
    failed_at     TIMESTAMPTZ, -- gave up; shown to administrators
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (subject_id, kind)
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE failed_at IS NULL;

-- Full-text search over title, description and details.
ALTER TABLE cases ADD COLUMN search tsvector NOT NULL DEFAULT ''::tsvector;
CREATE INDEX cases_search ON cases USING gin (search);

