package store

import (
	"errors"
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
