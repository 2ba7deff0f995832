package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"accord/internal/audit"
)

// Engine names the database engine in use.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Config says which database to open: a PostgreSQL URL, or else an SQLite
// file in DataDir.
type Config struct {
	DatabaseURL string
	DataDir     string
	// MaxConns bounds the PostgreSQL pool; SQLite always uses one connection.
	MaxConns int
	// Existing opens SQLite's file only if it is there, for commands that
	// only read: they must not leave an empty database behind a mistyped
	// directory. Open then answers ErrNoDatabase.
	Existing bool
}

// ErrNoDatabase is returned by Open with Config.Existing when the data
// directory holds no database.
var ErrNoDatabase = errors.New("no database")

// DB is an open database of either engine.
type DB struct {
	sql    *sql.DB
	pool   *pgxpool.Pool // PostgreSQL only
	engine Engine
	where  string   // for people: the file or the host and database
	dir    string   // SQLite's data directory; "" on PostgreSQL
	obs    Observer // nil: nobody is told
}

// Open opens (and for SQLite, creates) the database. It does not migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.DatabaseURL != "" {
		return openPostgres(ctx, cfg)
	}
	return openSQLite(ctx, cfg.DataDir, cfg.Existing)
}

func openSQLite(ctx context.Context, dir string, existing bool) (*DB, error) {
	if dir == "" {
		return nil, errors.New("no data directory given")
	}
	file := filepath.Join(dir, "accord.db")
	// modernc's own pragma syntax; the mattn-style _busy_timeout is silently
	// ignored. _time_format=sqlite stores times in a form that sorts.
	dsn := "file:" + file + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
	if existing {
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s", ErrNoDatabase, file)
		}
		dsn += "&mode=rw" // and should it vanish meanwhile, SQLite creates nothing
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	// One connection: SQLite has one writer anyway, and immediate transactions
	// on a single connection cannot deadlock against each other.
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	return &DB{sql: db, engine: SQLite, where: "sqlite " + file, dir: dir}, nil
}

func openPostgres(ctx context.Context, cfg Config) (*DB, error) {
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = int32(cfg.MaxConns)
	}
	// JIT compilation pays off in long analytic queries, which Accord does
	// not run: a list whose row estimate was far too low compiled for
	// 640 ms to run in 10 ms (docs/benchmarks.md). A url's jit=on still wins.
	if _, set := pc.ConnConfig.RuntimeParams["jit"]; !set {
		pc.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres %s:%d/%s: %w", pc.ConnConfig.Host, pc.ConnConfig.Port, pc.ConnConfig.Database, err)
	}
	where := fmt.Sprintf("postgres %s:%d/%s", pc.ConnConfig.Host, pc.ConnConfig.Port, pc.ConnConfig.Database)
	db := stdlib.OpenDBFromPool(pool)
	// database/sql keeps 2 idle connections unless told: at 16 concurrent
	// openings it handed the rest back to pgxpool after every statement
	// and took them again, a mutex-contended round trip through both pools
	// (the server's mutex profile, docs/benchmarks.md). It keeps the
	// pool's size idle, and opens no more than that: a request beyond it
	// must wait in database/sql, which hands it the next connection
	// released, not in pgxpool, where the idle ones would never return.
	db.SetMaxOpenConns(int(pc.MaxConns))
	db.SetMaxIdleConns(int(pc.MaxConns))
	return &DB{sql: db, pool: pool, engine: Postgres, where: where}, nil
}

// Engine returns the engine in use.
func (db *DB) Engine() Engine { return db.engine }

// String describes the database for startup messages; it never includes a
// password.
func (db *DB) String() string { return db.where }

// DataDir is the SQLite database's directory, where large attachments are
// kept too; "" on PostgreSQL, where everything lives in the database so
// that several processes share it.
func (db *DB) DataDir() string { return db.dir }

// SQL returns the underlying handle, for health checks and pool metrics.
func (db *DB) SQL() *sql.DB { return db.sql }

// Close releases the database.
func (db *DB) Close() error {
	err := db.sql.Close()
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// tx runs fn in a transaction, committing if it returns nil. A panic in fn
// rolls back before it goes on: otherwise SQLite's one connection would stay
// inside the open transaction and every later request would wait on it.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return db.mapErr(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// txWithEvent runs write and appends ev in one transaction; constraint
// violations of write become domain errors.
func (db *DB) txWithEvent(ctx context.Context, ev audit.Event, write func(*sql.Tx) error) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := write(tx); err != nil {
			return db.mapErr(err)
		}
		return db.appendEvent(ctx, tx, ev)
	})
}
