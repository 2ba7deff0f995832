-- Security events to a SIEM (docs/integrations.md): receivers that read
-- audit chains from a cursor and forward them as syslog (RFC 5424) or
-- JSON lines. A receiver owned by the vendor reads every chain, the
-- "global" one included; any other reads its own organization's chain.

-- +goose Up
CREATE TABLE siem_receivers (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations (id), -- the owner
    all_orgs        BOOLEAN NOT NULL, -- reads every chain (the vendor's receivers)
    name            TEXT NOT NULL,
    protocol        TEXT NOT NULL CHECK (protocol IN ('syslog-tls', 'syslog-tcp', 'syslog-udp', 'https-jsonl')),
    address         TEXT NOT NULL, -- host:port, or the https URL
    ca_pem          TEXT NOT NULL, -- '' verifies against the system roots
    auth_header     TEXT NOT NULL, -- https: the Authorization header, never shown
    actions         TEXT NOT NULL, -- JSON array of action prefixes; [] sends every event
    enabled         BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    sent            BIGINT NOT NULL, -- events delivered (filtered ones excluded)
    last_success_at TIMESTAMPTZ,
    failures        INTEGER NOT NULL, -- consecutive failed attempts
    last_error      TEXT NOT NULL,
    last_error_at   TIMESTAMPTZ,
    UNIQUE (org_id, name)
);

-- How far each receiver has read each chain: the last seq sent (or
-- skipped by its filter). A chain without a row is read from its start.
CREATE TABLE siem_cursors (
    receiver_id TEXT NOT NULL REFERENCES siem_receivers (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL, -- the chain's organization, or 'global'
    seq         BIGINT NOT NULL,
    PRIMARY KEY (receiver_id, org_id)
);
