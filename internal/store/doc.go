// Package store implements the domain packages' Store interfaces over
// database/sql, on SQLite (modernc.org/sqlite, the default) or PostgreSQL
// (pgx). The SQL is written by hand in one portable dialect; the few places
// where the engines differ are named in dialect.go.
//
// Invariants: every mutating method writes its audit event in the same
// transaction as the change; every query that reads tenant data is scoped by
// organization; constraint violations become accord.Conflict or
// accord.Invalid, never raw driver errors.
package store
