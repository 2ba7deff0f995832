-- Contracts and their terms, licences, entitlements and their use, licence
-- surveys, and authorized-contact requests. org_id is always the customer.
-- Dates are 'YYYY-MM-DD' text read in the vendor's zone; times are UTC.

-- +goose Up
CREATE TABLE contracts (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    partner_id    TEXT REFERENCES organizations (id),
    series_id     TEXT NOT NULL,
    -- A term is renewed at most once: see contracts_renewal.
    previous_id   TEXT REFERENCES contracts (id),
    plan          TEXT NOT NULL,
    signed_on     TEXT NOT NULL,
    years         INTEGER NOT NULL CHECK (years >= 1),
    ends_on       TEXT NOT NULL,
    cancelled_on  TEXT,
    cancel_reason TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CHECK (signed_on < ends_on)
);
CREATE INDEX contracts_org ON contracts (org_id, signed_on, id);
CREATE INDEX contracts_series ON contracts (series_id, signed_on);
-- One renewal per term, not counting renewals cancelled on or before
-- their start, which cover nothing: the term may be renewed again.
CREATE UNIQUE INDEX contracts_renewal ON contracts (previous_id)
    WHERE cancelled_on IS NULL OR cancelled_on > signed_on;

CREATE TABLE contract_licences (
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    module      TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity >= 1),
    PRIMARY KEY (contract_id, module)
);

-- used may pass quantity only through an override, recorded in
-- entitlement_uses.
CREATE TABLE entitlements (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    year        INTEGER NOT NULL CHECK (year >= 1),
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity >= 1),
    used        INTEGER NOT NULL CHECK (used >= 0),
    UNIQUE (contract_id, year, key)
);
CREATE INDEX entitlements_org ON entitlements (org_id);

CREATE TABLE entitlement_uses (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    entitlement_id TEXT NOT NULL REFERENCES entitlements (id),
    quantity       INTEGER NOT NULL CHECK (quantity >= 1),
    at             TIMESTAMP NOT NULL,
    reason         TEXT NOT NULL,
    record_type    TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    actor_id       TEXT NOT NULL,
    actor_name     TEXT NOT NULL,
    override       BOOLEAN NOT NULL
);
CREATE INDEX entitlement_uses_entitlement ON entitlement_uses (entitlement_id, at);
CREATE INDEX entitlement_uses_record ON entitlement_uses (record_type, record_id);

CREATE TABLE licence_surveys (
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    year        INTEGER NOT NULL CHECK (year >= 1),
    module      TEXT NOT NULL,
    measured    INTEGER NOT NULL CHECK (measured >= 0),
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (contract_id, year, module)
);

CREATE TABLE contact_requests (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id),
    requested_by      TEXT NOT NULL,
    requested_by_name TEXT NOT NULL,
    name              TEXT NOT NULL,
    email             TEXT NOT NULL,
    email_key         TEXT NOT NULL,
    reason            TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by        TEXT NOT NULL,
    decided_by_name   TEXT NOT NULL,
    decided_at        TIMESTAMP,
    note              TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX contact_requests_org ON contact_requests (org_id, created_at, id);
CREATE INDEX contact_requests_created ON contact_requests (created_at, id);
-- One pending request per person and customer.
CREATE UNIQUE INDEX contact_requests_pending ON contact_requests (org_id, email_key) WHERE status = 'pending';
