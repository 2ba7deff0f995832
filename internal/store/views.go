package store

import (
	"context"
	"database/sql"
	"fmt"

	"accord/internal/accord"
	"accord/internal/views"
)

// Views implements views.Store.
type Views struct{ db *DB }

// NewViews returns the saved-views store of db.
func NewViews(db *DB) *Views { return &Views{db: db} }

const viewColumns = `id, org_id, user_id, name, page, query, created_at`

func scanView(row interface{ Scan(...any) error }) (views.View, error) {
	var v views.View
	err := row.Scan(&v.ID, &v.OrgID, &v.UserID, &v.Name, &v.Page, &v.Query, &v.CreatedAt)
	v.CreatedAt = v.CreatedAt.UTC()
	return v, err
}

func (s *Views) List(ctx context.Context, orgID, userID accord.ID) ([]views.View, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+viewColumns+` FROM saved_views
		WHERE org_id = $1 AND user_id = $2 ORDER BY page, name, id`, orgID, userID)
	if err != nil {
		return nil, fmt.Errorf("list views: %w", err)
	}
	out, err := collect(rows, scanView)
	if err != nil {
		return nil, fmt.Errorf("list views: %w", err)
	}
	return out, nil
}

// Create inserts v; the unique (user_id, name) makes a taken name Conflict.
func (s *Views) Create(ctx context.Context, v views.View) error {
	_, err := s.db.sql.ExecContext(ctx, `INSERT INTO saved_views (`+viewColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		v.ID, v.OrgID, v.UserID, v.Name, v.Page, v.Query, micro(v.CreatedAt))
	return s.db.mapErr(err)
}

func (s *Views) Delete(ctx context.Context, orgID, userID, id accord.ID) error {
	res, err := s.db.sql.ExecContext(ctx, `DELETE FROM saved_views WHERE id = $1 AND org_id = $2 AND user_id = $3`, id, orgID, userID)
	if err != nil {
		return fmt.Errorf("delete view: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("view")
	}
	return nil
}

func (s *Views) Preferences(ctx context.Context, orgID, userID accord.ID) (views.Preferences, error) {
	var p views.Preferences
	err := s.db.sql.QueryRowContext(ctx, `SELECT shortcuts FROM console_preferences WHERE org_id = $1 AND user_id = $2`, orgID, userID).Scan(&p.Shortcuts)
	if err == sql.ErrNoRows {
		return p, notFound("preferences")
	}
	if err != nil {
		return p, fmt.Errorf("get preferences: %w", err)
	}
	return p, nil
}

func (s *Views) SetPreferences(ctx context.Context, orgID, userID accord.ID, p views.Preferences) error {
	_, err := s.db.sql.ExecContext(ctx, `INSERT INTO console_preferences (user_id, org_id, shortcuts) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET shortcuts = excluded.shortcuts`, userID, orgID, p.Shortcuts)
	return s.db.mapErr(err)
}
