-- Organizations, users, partner links, certifications, sessions, API tokens,
-- login throttling and the audit chain. Times are UTC; dates are 'YYYY-MM-DD'.

-- +goose Up
CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('vendor', 'partner', 'customer')),
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX organizations_one_vendor ON organizations (kind) WHERE kind = 'vendor';

-- org_id is the customer served: the tenant whose data the link exposes.
CREATE TABLE partner_customers (
    partner_id TEXT NOT NULL REFERENCES organizations (id),
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (partner_id, org_id)
);
CREATE INDEX partner_customers_org ON partner_customers (org_id);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organizations (id),
    email              TEXT NOT NULL,
    email_key          TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    locale             TEXT NOT NULL,
    time_zone          TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'partner_agent', 'customer_contact', 'auditor')),
    active             BOOLEAN NOT NULL,
    authorized_contact BOOLEAN NOT NULL,
    customer_admin     BOOLEAN NOT NULL,
    password_hash      TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX users_org ON users (org_id, email_key);

CREATE TABLE certifications (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    name        TEXT NOT NULL,
    number      TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    CHECK (valid_from <= valid_until)
);
CREATE INDEX certifications_user ON certifications (user_id, valid_until);

-- id is the SHA-256 of the cookie value: a stolen table yields no sessions.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    address      TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed sign-ins per key ('account:<email>' or 'address:<ip>') in the
-- current window; shared by every process.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL
);

-- One hash chain per organization: seq counts from 1 without gaps, hash
-- covers the event and prev_hash.
CREATE TABLE audit_events (
    org_id       TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    id           TEXT NOT NULL UNIQUE,
    at           TIMESTAMP NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    actor_org_id TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    changes      TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_events_at ON audit_events (at, id);
CREATE INDEX audit_events_org_at ON audit_events (org_id, at, id);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id);

CREATE TABLE audit_heads (
    org_id TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL,
    hash   TEXT NOT NULL
);
