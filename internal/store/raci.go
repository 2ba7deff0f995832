package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/raci"
)

// Raci implements raci.Store.
type Raci struct{ db *DB }

// NewRaci returns the responsibility-matrix store of db.
func NewRaci(db *DB) *Raci { return &Raci{db: db} }

// CreateVersion inserts v and its audit event; a taken number is Conflict,
// for the service to retry.
func (s *Raci) CreateVersion(ctx context.Context, v raci.Version, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO raci_versions (id, number, document, sha256, note, created_at, created_by, created_by_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			v.ID, v.Number, v.Document, v.SHA256, v.Note, v.CreatedAt.UTC(), v.CreatedBy, v.CreatedByID)
		if err != nil {
			return s.db.mapErr(err)
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

// scanRaciVersion reads versionColumns, the columns of policy_versions and
// raci_versions alike.
func scanRaciVersion(row interface{ Scan(...any) error }, doc *string) (raci.Version, error) {
	v, err := scanVersion(row, doc)
	return raci.Version(v), err
}

func (s *Raci) version(ctx context.Context, q string, args ...any) (raci.Version, error) {
	var doc string
	scan := func(r interface{ Scan(...any) error }) (raci.Version, error) { return scanRaciVersion(r, &doc) }
	return oneRow(scan, s.db.sql.QueryRowContext(ctx, `SELECT `+versionColumns+`, document FROM raci_versions `+q, args...), "matrix version")
}

func (s *Raci) GetVersion(ctx context.Context, number int) (raci.Version, error) {
	return s.version(ctx, `WHERE number = $1`, number)
}

func (s *Raci) LatestVersion(ctx context.Context) (raci.Version, error) {
	return s.version(ctx, `ORDER BY number DESC LIMIT 1`)
}

// ListVersions lists newest first, without documents. The cursor's key is
// the last number shown.
func (s *Raci) ListVersions(ctx context.Context, p accord.Page) ([]raci.Version, string, error) {
	p = p.Normalize()
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
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+versionColumns+` FROM raci_versions`+w.String()+` ORDER BY number DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list matrix versions: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (raci.Version, error) { return scanRaciVersion(r, nil) })
	if err != nil {
		return nil, "", fmt.Errorf("list matrix versions: %w", err)
	}
	out, next := page(out, p, func(v raci.Version) accord.Cursor {
		return accord.Cursor{Key: strconv.Itoa(v.Number), ID: v.ID}
	})
	return out, next, nil
}

// CreateOverride inserts an environment's version and its audit event; a
// number the environment already has is Conflict.
func (s *Raci) CreateOverride(ctx context.Context, o raci.Override, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO raci_overrides (id, org_id, environment_id, number, based_on, document, sha256, note, created_at, created_by, created_by_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			o.ID, o.OrgID, o.EnvironmentID, o.Number, o.BasedOn, o.Document, o.SHA256, o.Note, o.CreatedAt.UTC(), o.CreatedBy, o.CreatedByID)
		if err != nil {
			return s.db.mapErr(err)
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

// LatestOverride is the environment's newest version within org.
func (s *Raci) LatestOverride(ctx context.Context, org, env accord.ID) (raci.Override, error) {
	scan := func(r interface{ Scan(...any) error }) (raci.Override, error) {
		var o raci.Override
		err := r.Scan(&o.ID, &o.OrgID, &o.EnvironmentID, &o.Number, &o.BasedOn, &o.Document, &o.SHA256, &o.Note, &o.CreatedAt, &o.CreatedBy, &o.CreatedByID)
		o.CreatedAt = o.CreatedAt.UTC()
		return o, err
	}
	return oneRow(scan, s.db.sql.QueryRowContext(ctx, `SELECT id, org_id, environment_id, number, based_on, document, sha256, note, created_at, created_by, created_by_id
		FROM raci_overrides WHERE org_id = $1 AND environment_id = $2 ORDER BY number DESC LIMIT 1`, org, env), "matrix of the environment")
}
