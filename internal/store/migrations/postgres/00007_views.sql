-- Saved views: a user's named filters of a page (the agent console's
-- queue), kept as the page's URL query. Preferences, not records: no audit
-- events. org_id is the owner's organization. Times are UTC.

-- +goose Up
CREATE TABLE saved_views (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL CHECK (name <> ''),
    page       TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    -- Also the index a user's list is read by.
    UNIQUE (user_id, name)
);
