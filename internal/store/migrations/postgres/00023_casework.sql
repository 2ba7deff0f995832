-- Case-attached workflows (docs/cases.md, "Integration feasibility" and
-- "Appliance repair"): the evaluation of an integration with an
-- unsupported platform an enhancement request asks for (policy section
-- 10), and the repair of an appliance a case requests (section 5.4). One
-- row per case; each step is also a public entry of the case's timeline.

-- +goose Up
CREATE TABLE case_feasibility (
    case_id     TEXT PRIMARY KEY REFERENCES cases (id),
    org_id      TEXT NOT NULL REFERENCES organizations (id), -- the case's customer
    platform    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('requested', 'analysing', 'analysed', 'relevant', 'not_relevant')),
    flagged_at  TIMESTAMPTZ NOT NULL,
    started_at  TIMESTAMPTZ,
    analysis    TEXT NOT NULL,
    analysed_at TIMESTAMPTZ,
    relevant    BOOLEAN,
    reasons     TEXT NOT NULL,
    decided_at  TIMESTAMPTZ,
    target_date TEXT NOT NULL, -- YYYY-MM-DD or ''
    date_set_at TIMESTAMPTZ,
    CHECK ((relevant IS NULL) = (decided_at IS NULL))
);
CREATE INDEX case_feasibility_org ON case_feasibility (org_id, state);

CREATE TABLE case_repairs (
    case_id            TEXT PRIMARY KEY REFERENCES cases (id),
    org_id             TEXT NOT NULL REFERENCES organizations (id), -- the case's customer
    installation_id    TEXT NOT NULL REFERENCES installations (id),
    product            TEXT NOT NULL,
    serial             TEXT NOT NULL,
    step               TEXT NOT NULL CHECK (step IN ('requested', 'received', 'diagnosed', 'repaired', 'replaced', 'shipped')),
    requested_at       TIMESTAMPTZ NOT NULL,
    received_at        TIMESTAMPTZ,
    diagnosed_at       TIMESTAMPTZ,
    diagnosis          TEXT NOT NULL,
    fixed_at           TIMESTAMPTZ,
    fix                TEXT NOT NULL CHECK (fix IN ('', 'repaired', 'replaced')),
    replacement_serial TEXT NOT NULL,
    shipped_at         TIMESTAMPTZ,
    carrier            TEXT NOT NULL,
    tracking           TEXT NOT NULL
);
CREATE INDEX case_repairs_org ON case_repairs (org_id, step);
CREATE INDEX case_repairs_installation ON case_repairs (installation_id);
