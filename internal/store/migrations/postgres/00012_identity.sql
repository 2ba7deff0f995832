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
    last_failure_at TIMESTAMPTZ NOT NULL,
    next_at         TIMESTAMPTZ NOT NULL,
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
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    token_hash TEXT UNIQUE,
    UNIQUE (user_id, purpose)
);

-- Contact requests are decided in two steps on an access-request case
-- (policy 7.4): the customer authorizes ('authorized'), then the vendor
-- approves. case_id is the case; authorized_* record the customer's step.
-- One open request (pending or authorized) per person and customer.
ALTER TABLE contact_requests DROP CONSTRAINT contact_requests_status_check;
ALTER TABLE contact_requests ADD CONSTRAINT contact_requests_status_check
    CHECK (status IN ('pending', 'authorized', 'approved', 'rejected'));
ALTER TABLE contact_requests ADD COLUMN case_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_requests ADD COLUMN authorized_by TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_requests ADD COLUMN authorized_by_name TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_requests ADD COLUMN authorized_at TIMESTAMPTZ;
ALTER TABLE contact_requests ALTER COLUMN case_id DROP DEFAULT, ALTER COLUMN authorized_by DROP DEFAULT,
    ALTER COLUMN authorized_by_name DROP DEFAULT;
DROP INDEX contact_requests_pending;
CREATE UNIQUE INDEX contact_requests_open ON contact_requests (org_id, email_key) WHERE status IN ('pending', 'authorized');
