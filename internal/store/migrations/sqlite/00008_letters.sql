-- Letters: mail about things other than a case entry (a contract's renewal,
-- a licence survey, an invitation). They have no case or entry; a topic
-- makes each one once per recipient. A message may also be withdrawn
-- before delivery: its recipient may no longer read what it tells, or the
-- link it carries no longer applies. SQLite cannot drop a NOT NULL, so the
-- table is rebuilt.

-- +goose Up
CREATE TABLE mail_messages_new (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    case_id     TEXT REFERENCES cases (id),
    entry_id    TEXT REFERENCES case_entries (id),
    topic       TEXT,
    event       TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    to_addr     TEXT NOT NULL,
    locale      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    message_id  TEXT NOT NULL UNIQUE,
    refs        TEXT NOT NULL,
    reply_token TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP,
    -- A secret letter's link is minted when it is delivered, never stored.
    secret           BOOLEAN NOT NULL DEFAULT FALSE,
    withdrawn_at     TIMESTAMP,
    withdrawn_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (entry_id, user_id),
    CONSTRAINT mail_messages_about
        CHECK ((case_id IS NOT NULL AND entry_id IS NOT NULL AND topic IS NULL)
            OR (case_id IS NULL AND entry_id IS NULL AND topic IS NOT NULL))
);
INSERT INTO mail_messages_new (id, org_id, case_id, entry_id, event, user_id, to_addr, locale, subject, body,
        message_id, refs, reply_token, created_at, sent_at)
    SELECT id, org_id, case_id, entry_id, event, user_id, to_addr, locale, subject, body,
        message_id, refs, reply_token, created_at, sent_at FROM mail_messages;
DROP TABLE mail_messages;
ALTER TABLE mail_messages_new RENAME TO mail_messages;
CREATE INDEX mail_messages_thread ON mail_messages (case_id, user_id, created_at);
CREATE INDEX mail_messages_created ON mail_messages (created_at, id);
CREATE UNIQUE INDEX mail_messages_topic ON mail_messages (topic, user_id);
