-- Products, versions and installations (docs/knowledge.md): the vendor's
-- catalog (org_id is the vendor's organization) and each customer's
-- installations of it (org_id is the customer). Dates of versions are
-- calendar days as YYYY-MM-DD text; times are UTC.

-- +goose Up
CREATE TABLE products (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, key)
);

CREATE TABLE product_versions (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    product_id     TEXT NOT NULL REFERENCES products (id),
    number         TEXT NOT NULL,
    released_on    TEXT,
    end_of_support TEXT,
    notes          TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    published_at   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (product_id, number)
);

CREATE TABLE installations (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    product_id     TEXT NOT NULL REFERENCES products (id),
    version        TEXT NOT NULL,
    deployment     TEXT NOT NULL CHECK (deployment IN ('on_premises', 'managed', 'appliance')),
    environment_id TEXT REFERENCES environments (id),
    serial         TEXT,
    quantity       INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX installations_product_org ON installations (product_id, org_id);
CREATE INDEX installations_org ON installations (org_id, product_id, id);
