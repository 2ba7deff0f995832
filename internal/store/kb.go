package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/kb"
)

// KB implements kb.Store.
type KB struct{ db *DB }

// NewKB returns the knowledge-base store of db.
func NewKB(db *DB) *KB { return &KB{db: db} }

const kbColumns = `a.id, a.org_id, a.group_id, a.lang, a.slug, a.title, a.body, a.category, a.product, a.versions,
	a.visibility, a.state, a.revision, a.solved, a.created_by, a.updated_by, a.created_at, a.updated_at, a.published_at`

func scanArticle(row interface{ Scan(...any) error }, more ...any) (kb.Article, error) {
	var a kb.Article
	var published sql.NullTime
	dest := append([]any{&a.ID, &a.OrgID, &a.GroupID, &a.Lang, &a.Slug, &a.Title, &a.Body, &a.Category, &a.Product, &a.Versions,
		&a.Visibility, &a.State, &a.Revision, &a.Solved, &a.CreatedBy, &a.UpdatedBy, &a.CreatedAt, &a.UpdatedAt, &published}, more...)
	if err := row.Scan(dest...); err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if published.Valid {
		t := published.Time.UTC()
		a.PublishedAt = &t
	}
	return a, nil
}

func (s *KB) Vendor(ctx context.Context) (accord.ID, error) {
	var id accord.ID
	err := s.db.sql.QueryRowContext(ctx, `SELECT id FROM organizations WHERE kind = 'vendor'`).Scan(&id)
	if err == sql.ErrNoRows {
		return "", notFound("vendor organization")
	}
	if err != nil {
		return "", fmt.Errorf("vendor organization: %w", err)
	}
	return id, nil
}

// kbWhere is the condition of f over kb_articles aliased a.
func kbWhere(f kb.Filter) *where {
	w := &where{}
	w.add("a.org_id = ?", f.OrgID)
	vis := make([]any, len(f.Visibilities))
	for i, v := range f.Visibilities {
		vis[i] = string(v)
	}
	w.add("a.visibility IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vis)), ", ")+")", vis...)
	states := make([]any, len(f.States))
	for i, v := range f.States {
		states[i] = string(v)
	}
	w.add("a.state IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(states)), ", ")+")", states...)
	if f.Lang != "" {
		w.add("a.lang = ?", f.Lang)
	}
	if f.Category != "" {
		w.add("a.category = ?", f.Category)
	}
	return w
}

func (s *KB) Get(ctx context.Context, f kb.Filter, id accord.ID, slug string) (kb.Article, error) {
	if len(f.Visibilities) == 0 || len(f.States) == 0 {
		return kb.Article{}, notFound("article")
	}
	w := kbWhere(f)
	if id != "" {
		w.add("a.id = ?", id)
	} else {
		w.add("a.slug = ?", slug)
	}
	a, err := scanArticle(s.db.sql.QueryRowContext(ctx, `SELECT `+kbColumns+` FROM kb_articles a`+w.String(), w.args...))
	if err == sql.ErrNoRows {
		return a, notFound("article")
	}
	if err != nil {
		return a, fmt.Errorf("get article: %w", err)
	}
	return a, nil
}

func articleArgs(a kb.Article) []any {
	return []any{a.ID, a.OrgID, a.GroupID, a.Lang, a.Slug, a.Title, a.Body, a.Category, a.Product, a.Versions,
		string(a.Visibility), string(a.State), a.Revision, a.Solved, a.CreatedBy, a.UpdatedBy, micro(a.CreatedAt), micro(a.UpdatedAt), nullMicro(a.PublishedAt)}
}

func (s *KB) Create(ctx context.Context, a kb.Article, ev audit.Event) error {
	err := s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO kb_articles (id, org_id, group_id, lang, slug, title, body, category, product, versions,
			visibility, state, revision, solved, created_by, updated_by, created_at, updated_at, published_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`, articleArgs(a)...)
		if err != nil {
			return s.db.mapErr(err)
		}
		return s.db.indexArticle(ctx, tx, a)
	})
	return err
}

func (s *KB) Update(ctx context.Context, a kb.Article, rev *kb.Revision, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE kb_articles SET slug = $3, title = $4, body = $5, category = $6, product = $7, versions = $8,
			visibility = $9, state = $10, revision = $11, updated_by = $12, updated_at = $13, published_at = $14 WHERE id = $1 AND org_id = $2`,
			a.ID, a.OrgID, a.Slug, a.Title, a.Body, a.Category, a.Product, a.Versions, string(a.Visibility), string(a.State), a.Revision,
			a.UpdatedBy, micro(a.UpdatedAt), nullMicro(a.PublishedAt))
		if err != nil {
			return s.db.mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("article")
		}
		if rev != nil {
			changed, err := json.Marshal(rev.Changed)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO kb_revisions (article_id, org_id, number, title, body, slug, category, product, versions,
				visibility, changed, by_id, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
				rev.ArticleID, rev.OrgID, rev.Number, rev.Title, rev.Body, rev.Slug, rev.Category, rev.Product, rev.Versions,
				string(rev.Visibility), string(changed), rev.ByID, rev.ByName, micro(rev.At)); err != nil {
				return s.db.mapErr(err)
			}
		}
		return s.db.indexArticle(ctx, tx, a)
	})
}

func (s *KB) List(ctx context.Context, f kb.Filter) ([]kb.Hit, error) {
	if len(f.Visibilities) == 0 || len(f.States) == 0 {
		return nil, nil
	}
	w := kbWhere(f)
	from, rank, order := " FROM kb_articles a", "0.0", " ORDER BY a.title"+s.db.bytewise()+", a.id"
	if len(f.Terms) > 0 {
		from, rank = s.db.matchArticles(w, f.Terms, f.Any)
		order = " ORDER BY rank DESC, a.id"
	}
	q := `SELECT ` + kbColumns + `, ` + rank + ` AS rank` + from + w.String() + order
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.sql.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (kb.Hit, error) {
		var h kb.Hit
		var err error
		h.Article, err = scanArticle(row, &h.Rank)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return out, nil
}

func (s *KB) Revisions(ctx context.Context, orgID, id accord.ID) ([]kb.Revision, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT article_id, org_id, number, title, body, slug, category, product, versions, visibility,
		changed, by_id, by_name, at FROM kb_revisions WHERE org_id = $1 AND article_id = $2 ORDER BY number DESC`, orgID, id)
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (kb.Revision, error) {
		var r kb.Revision
		var changed string
		if err := row.Scan(&r.ArticleID, &r.OrgID, &r.Number, &r.Title, &r.Body, &r.Slug, &r.Category, &r.Product, &r.Versions,
			&r.Visibility, &changed, &r.ByID, &r.ByName, &r.At); err != nil {
			return r, err
		}
		r.At = r.At.UTC()
		return r, json.Unmarshal([]byte(changed), &r.Changed)
	})
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	return out, nil
}

func (s *KB) Solve(ctx context.Context, orgID, id accord.ID, ev audit.Event) (int, error) {
	var n int
	err := s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE kb_articles SET solved = solved + 1 WHERE id = $1 AND org_id = $2 RETURNING solved`, id, orgID).Scan(&n)
		if err == sql.ErrNoRows {
			return notFound("article")
		}
		return err
	})
	return n, err
}
