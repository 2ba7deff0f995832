package store

import (
	"context"
	"database/sql"

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
			err := insertOrganization(ctx, tx, r.Org)
			if err == nil {
				err = s.db.appendEvent(ctx, tx, r.Event)
			}
			if err := at(r.At, err); err != nil {
				return err
			}
		}
		for _, r := range b.Links {
			err := insertLink(ctx, tx, r.PartnerID, r.CustomerID, r.Event.At)
			if err == nil {
				err = s.db.appendEvent(ctx, tx, r.Event)
			}
			if err := at(r.At, err); err != nil {
				return err
			}
		}
		for _, r := range b.Users {
			err := insertUser(ctx, tx, r.User)
			if err == nil {
				err = s.db.appendEvent(ctx, tx, r.Event)
			}
			if err := at(r.At, err); err != nil {
				return err
			}
		}
		for _, r := range b.Contracts {
			if err := at(r.At, s.db.insertContract(ctx, tx, r.NewTerm)); err != nil {
				return err
			}
			if err := at(r.At, s.db.appendEvent(ctx, tx, r.Event)); err != nil {
				return err
			}
		}
		return nil
	})
}
