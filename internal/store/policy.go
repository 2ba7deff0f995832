package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/sla"
)

// Policy implements sla.Store.
type Policy struct{ db *DB }

// NewPolicy returns the policy store of db.
func NewPolicy(db *DB) *Policy { return &Policy{db: db} }

// CreateVersion inserts v and its audit event. A taken number violates the
// unique constraint and comes back as Conflict, for the service to retry.
func (s *Policy) CreateVersion(ctx context.Context, v sla.Version, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (id, number, document, sha256, note, created_at, created_by, created_by_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			v.ID, v.Number, v.Document, v.SHA256, v.Note, v.CreatedAt, v.CreatedBy, v.CreatedByID)
		if err != nil {
			return s.db.mapErr(err)
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

const versionColumns = `id, number, sha256, note, created_at, created_by, created_by_id`

func scanVersion(row interface{ Scan(...any) error }, doc *string) (sla.Version, error) {
	var v sla.Version
	dest := []any{&v.ID, &v.Number, &v.SHA256, &v.Note, &v.CreatedAt, &v.CreatedBy, &v.CreatedByID}
	if doc != nil {
		dest = append(dest, doc)
	}
	err := row.Scan(dest...)
	v.CreatedAt = v.CreatedAt.UTC()
	if doc != nil {
		v.Document = *doc
	}
	return v, err
}

func (s *Policy) getOne(ctx context.Context, q string, args ...any) (sla.Version, error) {
	var doc string
	v, err := scanVersion(s.db.sql.QueryRowContext(ctx, `SELECT `+versionColumns+`, document FROM policy_versions `+q, args...), &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return v, notFound("policy version")
	}
	if err != nil {
		return v, fmt.Errorf("get policy version: %w", err)
	}
	return v, nil
}

func (s *Policy) GetVersion(ctx context.Context, number int) (sla.Version, error) {
	return s.getOne(ctx, `WHERE number = $1`, number)
}

func (s *Policy) LatestVersion(ctx context.Context) (sla.Version, error) {
	return s.getOne(ctx, `ORDER BY number DESC LIMIT 1`)
}

// ListVersions lists newest first, without documents. The cursor's key is
// the last number shown.
func (s *Policy) ListVersions(ctx context.Context, p accord.Page) ([]sla.Version, string, error) {
	c, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	if c.ID != "" {
		n, err := strconv.Atoi(c.Key)
		if err != nil {
			return nil, "", accord.FieldError("cursor", "is not a cursor this server issued")
		}
		w.add("number < ?", n)
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+versionColumns+` FROM policy_versions`+w.String()+` ORDER BY number DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list policy versions: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (sla.Version, error) { return scanVersion(r, nil) })
	if err != nil {
		return nil, "", fmt.Errorf("list policy versions: %w", err)
	}
	out, next := page(out, p, func(v sla.Version) accord.Cursor {
		return accord.Cursor{Key: strconv.Itoa(v.Number), ID: v.ID}
	})
	return out, next, nil
}
