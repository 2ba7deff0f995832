-- Letters: mail about things other than a case entry (a contract's renewal,
-- a licence survey, an invitation). They have no case or entry; a topic
-- makes each one once per recipient. A message may also be withdrawn
-- before delivery: its recipient may no longer read what it tells, or the
-- link it carries no longer applies.

-- +goose Up
ALTER TABLE mail_messages ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE mail_messages ALTER COLUMN entry_id DROP NOT NULL;
ALTER TABLE mail_messages ADD COLUMN topic TEXT;
-- A secret letter's link is minted when it is delivered, never stored.
ALTER TABLE mail_messages ADD COLUMN secret BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE mail_messages ADD COLUMN withdrawn_at TIMESTAMPTZ;
ALTER TABLE mail_messages ADD COLUMN withdrawn_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_messages ADD CONSTRAINT mail_messages_about
    CHECK ((case_id IS NOT NULL AND entry_id IS NOT NULL AND topic IS NULL)
        OR (case_id IS NULL AND entry_id IS NULL AND topic IS NOT NULL));
CREATE UNIQUE INDEX mail_messages_topic ON mail_messages (topic, user_id);
