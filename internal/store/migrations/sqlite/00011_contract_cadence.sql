-- The cadence of contracts: a term's account owner, and the notices Accord
-- gives about a term by itself (renewal notices before it ends, the yearly
-- licence survey and its reminder), each recorded once, after it was
-- posted. org_id is the customer. Dates are 'YYYY-MM-DD' text read in the
-- vendor's zone; times are UTC.

-- +goose Up
ALTER TABLE contracts ADD COLUMN account_owner_id TEXT REFERENCES users (id);

CREATE TABLE contract_notices (
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    kind        TEXT NOT NULL CHECK (kind IN ('renewal', 'survey', 'survey_reminder')),
    -- days for renewal notices, year for surveys and reminders; 0 otherwise.
    days        INTEGER NOT NULL CHECK (days >= 0),
    year        INTEGER NOT NULL CHECK (year >= 0),
    due_on      TEXT NOT NULL,
    -- Surveys only: unanswered on this day, the survey is overdue.
    answer_by   TEXT,
    sent_at     TIMESTAMP NOT NULL,
    -- JSON: [{"user_id", "name", "role"}], the people it was posted to.
    recipients  TEXT NOT NULL,
    PRIMARY KEY (contract_id, kind, days, year)
);
-- The survey requests of every customer, latest first.
CREATE INDEX contract_notices_kind ON contract_notices (kind, due_on, contract_id);
CREATE INDEX contract_notices_org ON contract_notices (org_id, kind, due_on);

-- Terms recorded before this migration get their two jobs, to run at once:
-- each run plans from the term and its notices and sets its next run (or
-- ends, for a term with nothing left to tell).
INSERT INTO jobs (id, org_id, subject_id, kind, run_at, attempts, claimed_by, claimed_until, last_error, failed_at, created_at)
    SELECT 'job_renewal_' || id, org_id, id, 'contract.renewal_notice', strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), 0, '', NULL, '', NULL, strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')
    FROM contracts WHERE cancelled_on IS NULL;
INSERT INTO jobs (id, org_id, subject_id, kind, run_at, attempts, claimed_by, claimed_until, last_error, failed_at, created_at)
    SELECT 'job_survey_' || id, org_id, id, 'contract.licence_survey', strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), 0, '', NULL, '', NULL, strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')
    FROM contracts WHERE cancelled_on IS NULL;
