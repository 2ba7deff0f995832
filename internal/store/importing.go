package store

import (
	"context"
	"database/sql"

	"accord/internal/directory"
	"accord/internal/sheets"
)

// Imports implements sheets.Store.
type Imports struct{ db *DB }

// NewImports returns the import store of db.
func NewImports(db *DB) *Imports { return &Imports{db: db} }

// Import writes every record of b and its audit event in one transaction,
// with the same statements as the single-record stores; the first failure
// rolls back everything and names the row it came from.
func (s *Imports) Import(ctx context.Context, b sheets.Batch) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		at := func(a sheets.At, err error) error {
			if err != nil {
				return &sheets.RowError{At: a, Err: s.db.mapErr(err)}
			}
			return nil
		}
		for _, r := range b.Orgs {
			o := r.Org
			_, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, kind, name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				o.ID, o.Kind, o.Name, nameKey(o.Name), o.CreatedAt, o.UpdatedAt)
			if err == nil {
				err = s.db.appendEvent(ctx, tx, r.Event)
			}
			if err := at(r.At, err); err != nil {
				return err
			}
		}
		for _, r := range b.Links {
			_, err := tx.ExecContext(ctx, `INSERT INTO partner_customers (partner_id, org_id, created_at) VALUES ($1, $2, $3)`,
				r.PartnerID, r.CustomerID, r.Event.At)
			if err == nil {
				err = s.db.appendEvent(ctx, tx, r.Event)
			}
			if err := at(r.At, err); err != nil {
				return err
			}
		}
		for _, r := range b.Users {
			u := r.User
			_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`, email_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
				u.ID, u.OrgID, u.Email, u.Name, u.Locale, u.TimeZone, u.Role, u.Active, u.AuthorizedContact, u.CustomerAdmin,
				u.PasswordHash, u.CreatedAt, u.UpdatedAt, directory.EmailKey(u.Email))
			if err == nil {
				err = s.db.appendEvent(ctx, tx, r.Event)
			}
			if err := at(r.At, err); err != nil {
				return err
			}
		}
		for _, r := range b.Contracts {
			if err := at(r.At, s.db.insertContract(ctx, tx, r.Contract, r.Entitlements)); err != nil {
				return err
			}
			if err := at(r.At, s.db.appendEvent(ctx, tx, r.Event)); err != nil {
				return err
			}
		}
		return nil
	})
}
