package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// MigrationTable records the applied migrations.
const MigrationTable = "accord_migrations"

func (db *DB) provider() (*goose.Provider, error) {
	dir := "migrations/" + string(db.engine)
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithTableName(MigrationTable), goose.WithDisableGlobalRegistry(true)}
	dialect := goose.DialectSQLite3
	if db.engine == Postgres {
		dialect = goose.DialectPostgres
		// Several processes may start at once: an advisory lock lets one of
		// them migrate while the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db.sql, fsys, opts...)
}

// SchemaStatus says where the database's schema stands against this binary.
type SchemaStatus struct {
	Current int64 // applied in the database
	Latest  int64 // the newest this binary knows
}

// ErrSchemaTooNew is returned when the database was migrated by a newer
// binary: running an older one against it could corrupt data.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// Schema reports the database's schema version and this binary's latest.
// It reads the migrations table with one query and takes no lock, so that
// readiness probes from many processes never queue behind a migration.
func (db *DB) Schema(ctx context.Context) (SchemaStatus, error) {
	var st SchemaStatus
	var err error
	if st.Latest, err = LatestMigration(db.engine); err != nil {
		return st, err
	}
	exists, err := db.tableExists(ctx, MigrationTable)
	if err != nil || !exists {
		return st, err
	}
	err = db.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM `+MigrationTable+` WHERE is_applied`).Scan(&st.Current)
	if err != nil {
		return st, fmt.Errorf("read schema version: %w", err)
	}
	return st, nil
}

// LatestMigration is the number of the newest migration this binary embeds
// for engine: the schema version it brings.
func LatestMigration(engine Engine) (int64, error) {
	entries, err := fs.ReadDir(migrations, "migrations/"+string(engine))
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, e := range entries {
		digits, _, _ := strings.Cut(e.Name(), "_")
		if v, err := strconv.ParseInt(digits, 10, 64); err == nil && v > latest {
			latest = v
		}
	}
	return latest, nil
}

// CheckSchema refuses a database migrated past what this binary knows.
func (db *DB) CheckSchema(ctx context.Context) (SchemaStatus, error) {
	st, err := db.Schema(ctx)
	if err != nil {
		return st, err
	}
	if st.Current > st.Latest {
		return st, fmt.Errorf("%w: the database is at migration %d, this accord knows only up to %d; run a newer accord", ErrSchemaTooNew, st.Current, st.Latest)
	}
	return st, nil
}

// Migrate applies every pending migration, each in its own transaction, and
// returns the versions applied.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	if _, err := db.CheckSchema(ctx); err != nil {
		return nil, err
	}
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	applied := make([]int64, 0, len(res))
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}
