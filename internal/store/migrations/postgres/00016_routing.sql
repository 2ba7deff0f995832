-- Assignment and routing: agents' seniority and away status, teams of
-- agents with a queue each, and the case's team. Premium's senior-engineer
-- rule (policy inclusion senior_routing) is recorded on the case when it
-- applies (senior_required) together with whether the assignee was senior
-- when given the case (assignee_senior), which the dashboard's senior
-- share counts. Times are UTC.

-- +goose Up
ALTER TABLE users ADD COLUMN senior BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN away BOOLEAN NOT NULL DEFAULT FALSE;

-- A team belongs to the vendor or to a partner (org_id). senior: the queue
-- of senior engineers, where cases under the senior rule go; intake: new
-- cases no other rule routes go to it. round_robin gives each case routed
-- to the team to the next member after last_user_id.
CREATE TABLE teams (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    name         TEXT NOT NULL CHECK (name <> ''),
    senior       BOOLEAN NOT NULL,
    intake       BOOLEAN NOT NULL,
    round_robin  BOOLEAN NOT NULL,
    last_user_id TEXT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE team_members (
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    team_id    TEXT NOT NULL REFERENCES teams (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

ALTER TABLE cases ADD COLUMN team_id TEXT REFERENCES teams (id);
ALTER TABLE cases ADD COLUMN senior_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN assignee_senior BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX cases_team ON cases (team_id, state);
