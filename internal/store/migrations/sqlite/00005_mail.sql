-- Case notifications: each e-mail as rendered for its recipient, and the
-- replies that came back. Times are UTC.

-- +goose Up
-- One row per entry and recipient, so that a notification job that runs
-- twice queues nothing twice. The job "mail.send" with subject_id = id
-- delivers it; sent_at is set when the SMTP server took it.
CREATE TABLE mail_messages (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id), -- the case's customer
    case_id     TEXT NOT NULL REFERENCES cases (id),
    entry_id    TEXT NOT NULL REFERENCES case_entries (id),
    event       TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    to_addr     TEXT NOT NULL,
    locale      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    message_id  TEXT NOT NULL UNIQUE, -- the Message-Id header, without <>
    refs        TEXT NOT NULL,        -- the References header: earlier mail of the thread
    reply_token TEXT NOT NULL UNIQUE, -- in the Reply-To address
    created_at  TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP,
    UNIQUE (entry_id, user_id)
);
CREATE INDEX mail_messages_thread ON mail_messages (case_id, user_id, created_at);
CREATE INDEX mail_messages_created ON mail_messages (created_at, id);

-- Every inbound message seen, accepted or not, once per Message-Id.
CREATE TABLE mail_inbound (
    id          TEXT PRIMARY KEY,
    message_id  TEXT NOT NULL UNIQUE,
    org_id      TEXT NOT NULL, -- the case's customer; '' when none matched
    case_id     TEXT REFERENCES cases (id),
    entry_id    TEXT,
    user_id     TEXT,
    from_addr   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    source      TEXT NOT NULL, -- imap or smtp
    status      TEXT NOT NULL CHECK (status IN ('processing', 'accepted', 'rejected')),
    reason      TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_inbound_received ON mail_inbound (received_at, id);
