-- Two-factor sign-in with TOTP (RFC 6238; docs/identity.md). The secret is
-- stored as is: the server has no key of its own to seal it with, and it
-- must be readable to check codes; it never leaves the server after
-- enrolment. last_step is the time step of the last code accepted, so
-- that a code is never accepted twice.

-- +goose Up
CREATE TABLE user_totp (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    secret       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    confirmed_at TIMESTAMPTZ,
    last_step    BIGINT NOT NULL
);

-- Recovery codes carry 80 random bits, so a SHA-256 of each is enough:
-- nobody can search that space, and a slow hash would only slow sign-in.
CREATE TABLE totp_recovery_codes (
    hash    TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    org_id  TEXT NOT NULL REFERENCES organizations (id),
    used_at TIMESTAMPTZ
);
CREATE INDEX totp_recovery_codes_user ON totp_recovery_codes (user_id);

-- A password accepted for a user with TOTP waits here for the code: id is
-- the SHA-256 of the challenge handed to the client, used once.
CREATE TABLE login_challenges (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    address    TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_challenges_expires ON login_challenges (expires_at);

-- Which roles must sign in with a second factor; a role without a row
-- takes the default (vendor administrators must). org_id is the vendor's.
CREATE TABLE totp_policy (
    rule       TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    required   BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- second_factor_at: when the session last proved a second factor (token
-- creation asks for a recent one); enrol_only: the session may only enrol,
-- because the user's role requires TOTP and the user has none yet.
ALTER TABLE sessions ADD COLUMN second_factor_at TIMESTAMPTZ;
ALTER TABLE sessions ADD COLUMN enrol_only BOOLEAN NOT NULL DEFAULT FALSE;

