-- People and signals (docs/notifications.md, "In-app notifications";
-- docs/web.md, "Who else is on the case"; docs/reports.md, "Satisfaction"):
-- notifications kept per user, who is looking at a case, and the customer's
-- rating of a closed case with the single-use link that asks for it.

-- +goose Up
-- A notification tells one user about an entry of a case: org_id is the
-- case's customer, user_id the only person who ever reads the row.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (kind IN ('assigned', 'mentioned', 'customer_replied', 'sla_warning')),
    case_id    TEXT NOT NULL REFERENCES cases (id),
    entry_id   TEXT NOT NULL REFERENCES case_entries (id),
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP,
    UNIQUE (user_id, entry_id, kind)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_org ON notifications (org_id);

-- Presence: who had a case's page open, and whether they were writing a
-- reply, as of seen_at. Rows older than the presence window mean nothing
-- and are removed by the next write.
CREATE TABLE case_presence (
    org_id  TEXT NOT NULL REFERENCES organizations (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    name    TEXT NOT NULL,
    writing BOOLEAN NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_presence_seen ON case_presence (seen_at);

-- One rating per case, by a contact of its customer; assignee_id and
-- criticality are the case's when it was rated, for the report.
CREATE TABLE case_ratings (
    case_id     TEXT PRIMARY KEY REFERENCES cases (id),
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT NOT NULL,
    via         TEXT NOT NULL CHECK (via IN ('portal', 'link')),
    assignee_id TEXT REFERENCES users (id),
    criticality TEXT NOT NULL,
    closed_at   TIMESTAMP NOT NULL,
    rated_at    TIMESTAMP NOT NULL
);
CREATE INDEX case_ratings_closed ON case_ratings (closed_at);
CREATE INDEX case_ratings_org ON case_ratings (org_id);

-- The single-use link of the mail that asks for a rating, one per case:
-- token_hash is the SHA-256 of the token minted at delivery; used_at ends it.
CREATE TABLE rating_links (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    case_id    TEXT NOT NULL UNIQUE REFERENCES cases (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    token_hash TEXT UNIQUE,
    used_at    TIMESTAMP
);
CREATE INDEX rating_links_org ON rating_links (org_id);
