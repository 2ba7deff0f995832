-- Who gets in and how (docs/api.md, "Signing in"; docs/contracts.md,
-- "Authorized contacts"): sign-in throttles per account and client address;
-- single-use links by mail; contact requests decided in two steps.

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

-- Contact requests are decided in two steps on an access-request case
-- (policy 7.4): the customer authorizes ('authorized'), then the vendor
-- approves. case_id is the case; authorized_* record the customer's step.
-- One open request (pending or authorized) per person and customer. SQLite
-- cannot change a CHECK in place, so the table is rebuilt; nothing refers
-- to it.
CREATE TABLE contact_requests_new (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organizations (id),
    requested_by       TEXT NOT NULL,
    requested_by_name  TEXT NOT NULL,
    name               TEXT NOT NULL,
    email              TEXT NOT NULL,
    email_key          TEXT NOT NULL,
    reason             TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'authorized', 'approved', 'rejected')),
    case_id            TEXT NOT NULL,
    authorized_by      TEXT NOT NULL,
    authorized_by_name TEXT NOT NULL,
    authorized_at      TIMESTAMP,
    decided_by         TEXT NOT NULL,
    decided_by_name    TEXT NOT NULL,
    decided_at         TIMESTAMP,
    note               TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL
);
INSERT INTO contact_requests_new (id, org_id, requested_by, requested_by_name, name, email, email_key, reason, status, case_id,
        authorized_by, authorized_by_name, authorized_at, decided_by, decided_by_name, decided_at, note, user_id, created_at)
    SELECT id, org_id, requested_by, requested_by_name, name, email, email_key, reason, status, '',
        '', '', NULL, decided_by, decided_by_name, decided_at, note, user_id, created_at FROM contact_requests;
DROP TABLE contact_requests;
ALTER TABLE contact_requests_new RENAME TO contact_requests;
CREATE INDEX contact_requests_org ON contact_requests (org_id, created_at, id);
CREATE INDEX contact_requests_created ON contact_requests (created_at, id);
CREATE UNIQUE INDEX contact_requests_open ON contact_requests (org_id, email_key) WHERE status IN ('pending', 'authorized');
