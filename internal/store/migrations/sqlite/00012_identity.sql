-- Who gets in and how (docs/api.md, "Signing in"; docs/contracts.md,
-- "Authorized contacts"): sign-in throttles per account and client address;
-- single-use links by mail.

-- +goose Up
-- Failed sign-ins on one account (the e-mail key tried, whether a user has
-- it or not) from one client address, which slow that address down on that
-- account only. The per-account counters of login_failures locked the
-- account from everywhere; they are gone.
CREATE TABLE login_throttles (
    account         TEXT NOT NULL,
    address         TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    next_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (account, address)
);
CREATE INDEX login_throttles_last_failure ON login_throttles (last_failure_at);
DELETE FROM login_failures WHERE key LIKE 'account:%';

-- Single-use links mailed to users (invitations, password resets), one per
-- user and purpose. token_hash is the SHA-256 of the token, minted when the
-- letter is delivered; the token itself is never stored.
CREATE TABLE user_links (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    token_hash TEXT UNIQUE,
    UNIQUE (user_id, purpose)
);
