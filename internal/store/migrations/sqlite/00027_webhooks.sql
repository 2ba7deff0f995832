-- Webhooks (docs/integrations.md, "Webhooks"): subscriptions of endpoints
-- to event types, kept by the vendor's administrators (all_orgs: every
-- organization's events) or a customer's (its own organization's);
-- deliveries, one per subscription, audit event and type, written by the
-- fan-out that reads each organization's audit chain after its cursor; and
-- the log of attempts. Tenant data: org_id is the subscription's owner.

-- +goose Up
CREATE TABLE webhook_subscriptions (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id),
    all_orgs          BOOLEAN NOT NULL,
    url               TEXT NOT NULL,
    description       TEXT NOT NULL,
    types             TEXT NOT NULL, -- JSON array of event types
    owner_id          TEXT NOT NULL,
    enabled           BOOLEAN NOT NULL,
    disabled_reason   TEXT NOT NULL,
    failed_deliveries INTEGER NOT NULL,
    failing_since     TIMESTAMP,
    secret            TEXT NOT NULL,
    prev_secret       TEXT NOT NULL,
    prev_secret_until TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX webhook_subscriptions_org ON webhook_subscriptions (org_id);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY, -- the message id receivers see
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    org_id          TEXT NOT NULL,   -- the subscription's
    event_org_id    TEXT NOT NULL,   -- whose event it carries
    type            TEXT NOT NULL,
    audit_id        TEXT NOT NULL,   -- '' for test messages
    body            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    tries           INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    next_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (subscription_id, audit_id, type) WHERE audit_id <> '';
CREATE INDEX webhook_deliveries_sub ON webhook_deliveries (subscription_id, created_at, id);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    org_id      TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    status      INTEGER NOT NULL,
    excerpt     TEXT NOT NULL,
    error       TEXT NOT NULL,
    millis      INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, n)
);

-- How far the fan-out has read each organization's audit chain.
CREATE TABLE webhook_cursors (
    org_id TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL
);
