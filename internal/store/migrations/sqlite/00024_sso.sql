-- Single sign-on (OpenID Connect): an organization's identity provider,
-- the e-mail domains it owns (verified by a vendor administrator before
-- anyone signs in through them), and the sign-ins under way (state, nonce
-- and PKCE verifier kept server-side, single-use, bound to one browser by
-- the hash of a cookie's value). Tenant data: org_id is the owning
-- organization. Times are UTC.

-- +goose Up
CREATE TABLE identity_providers (
    org_id        TEXT PRIMARY KEY REFERENCES organizations (id),
    issuer        TEXT NOT NULL CHECK (issuer <> ''),
    client_id     TEXT NOT NULL CHECK (client_id <> ''),
    client_secret TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    require_sso   BOOLEAN NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- A domain belongs to one organization at most: the primary key refuses a
-- second claim.
CREATE TABLE sso_domains (
    domain      TEXT PRIMARY KEY CHECK (domain <> ''),
    org_id      TEXT NOT NULL REFERENCES identity_providers (org_id) ON DELETE CASCADE,
    verified_at TIMESTAMP,
    verified_by TEXT
);
CREATE INDEX sso_domains_org ON sso_domains (org_id);

CREATE TABLE sso_states (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    browser    TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    next       TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sso_states_expiry ON sso_states (expires_at);

-- +goose Down
DROP TABLE sso_states;
DROP TABLE sso_domains;
DROP TABLE identity_providers;
