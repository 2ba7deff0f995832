-- Known issues (support policy section 9; docs/knowledge.md): the vendor's
-- record of a software problem of one product over a range of its
-- versions, the cases linked to it, and the notices that tell the
-- customers it affects. A known issue belongs to the vendor (org_id);
-- a link carries the case's customer (org_id) so that it is scoped like
-- the case. Texts customers read are JSON objects by locale.

-- +goose Up
CREATE TABLE known_issues (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    product_id     TEXT NOT NULL REFERENCES products (id),
    range_from     TEXT NOT NULL,
    range_to       TEXT NOT NULL,
    title          TEXT NOT NULL,
    symptoms       TEXT NOT NULL,
    workaround     TEXT NOT NULL,
    root_cause     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('investigating', 'workaround_available', 'fix_scheduled', 'fixed')),
    fixed_in       TEXT NOT NULL,
    internal_notes TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    published_at   TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX known_issues_product ON known_issues (product_id, state);

CREATE TABLE known_issue_cases (
    issue_id  TEXT NOT NULL REFERENCES known_issues (id),
    case_id   TEXT NOT NULL REFERENCES cases (id),
    org_id    TEXT NOT NULL REFERENCES organizations (id),
    linked_by TEXT REFERENCES users (id),
    linked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (issue_id, case_id)
);
CREATE INDEX known_issue_cases_case ON known_issue_cases (case_id);
CREATE INDEX known_issue_cases_org ON known_issue_cases (org_id, issue_id);

-- One row per change customers are told about (published, workaround,
-- fixed); its job mails it once per recipient.
CREATE TABLE known_issue_notices (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    issue_id   TEXT NOT NULL REFERENCES known_issues (id),
    kind       TEXT NOT NULL CHECK (kind IN ('published', 'workaround', 'fixed')),
    version    TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX known_issue_notices_issue ON known_issue_notices (issue_id, created_at);

-- The note a notice adds to a linked open case, claimed here before the
-- cases service writes it, so that jobs run twice note a case once.
CREATE TABLE known_issue_case_notes (
    notice_id  TEXT NOT NULL REFERENCES known_issue_notices (id),
    case_id    TEXT NOT NULL REFERENCES cases (id),
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    claimed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (notice_id, case_id)
);
