package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"accord/internal/accord"
)

// The places where SQLite and PostgreSQL differ, named once.

// forUpdate locks the selected rows on PostgreSQL. SQLite needs nothing: its
// immediate transactions already hold the one write lock.
func (db *DB) forUpdate() string {
	if db.engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// tableExists asks each engine's catalog whether a table exists.
func (db *DB) tableExists(ctx context.Context, name string) (bool, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if db.engine == Postgres {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look up table %s: %w", name, err)
	}
	return n > 0, nil
}

// inList returns "($n, $n+1, ...)" for k values starting at placeholder n.
// It is used instead of PostgreSQL's "= ANY($n)", which SQLite lacks.
func inList(n, k int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range k {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n + i))
	}
	b.WriteByte(')')
	return b.String()
}

// constraintKind classifies a driver error by its code: which constraint, if
// any, the statement violated.
type constraintKind int

const (
	noConstraint constraintKind = iota
	uniqueViolation
	foreignKeyViolation
	checkViolation
)

func constraintOf(err error) constraintKind {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return uniqueViolation
		case "23503":
			return foreignKeyViolation
		case "23514", "23502":
			return checkViolation
		}
		return noConstraint
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		switch lite.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueViolation
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return checkViolation
		}
	}
	return noConstraint
}

// mapErr turns constraint violations into domain errors; other errors pass
// through wrapped as they are (and become Internal at the edge).
func (db *DB) mapErr(err error) error {
	switch constraintOf(err) {
	case uniqueViolation:
		return &accord.Error{Kind: accord.Conflict, Msg: "already exists", Err: err}
	case foreignKeyViolation:
		return &accord.Error{Kind: accord.Invalid, Msg: "refers to a record that does not exist", Err: err}
	case checkViolation:
		return &accord.Error{Kind: accord.Invalid, Msg: "breaks a rule of the database", Err: err}
	}
	return err
}
