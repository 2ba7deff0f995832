-- Knowledge base: articles are the vendor's (org_id is the vendor), one
-- row per translation; group_id joins the translations of one article, at
-- most one per language. kb_revisions keeps every published revision with
-- who published it and the fields changed. search is the tsvector of
-- each article's folded title and body (folded in Go, see kb.Fold, so that
-- both engines index the same text). Times are UTC.

-- +goose Up
CREATE TABLE kb_articles (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    group_id     TEXT NOT NULL,
    lang         TEXT NOT NULL CHECK (lang IN ('en-US', 'pt-BR', 'es-ES')),
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    category     TEXT NOT NULL,
    product      TEXT NOT NULL,
    versions     TEXT NOT NULL,
    visibility   TEXT NOT NULL CHECK (visibility IN ('public', 'customers', 'partners', 'internal')),
    state        TEXT NOT NULL CHECK (state IN ('draft', 'published', 'archived')),
    revision     INTEGER NOT NULL,
    solved       INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    published_at TIMESTAMPTZ,
    -- the folded title (weight A) and body (B), each as 'simple' words and
    -- as the words of the article's language stemmed by its Snowball
    -- configuration (english, portuguese, spanish)
    search       tsvector NOT NULL DEFAULT ''::tsvector
);
CREATE UNIQUE INDEX kb_articles_slug ON kb_articles (org_id, slug);
CREATE UNIQUE INDEX kb_articles_translation ON kb_articles (group_id, lang);
CREATE INDEX kb_articles_search ON kb_articles USING gin (search);

CREATE TABLE kb_revisions (
    article_id TEXT NOT NULL REFERENCES kb_articles (id),
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    number     INTEGER NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    slug       TEXT NOT NULL,
    category   TEXT NOT NULL,
    product    TEXT NOT NULL,
    versions   TEXT NOT NULL,
    visibility TEXT NOT NULL,
    changed    TEXT NOT NULL,
    by_id      TEXT NOT NULL,
    by_name    TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, number)
);

