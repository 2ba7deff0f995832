package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Open makes the backup at from readable as a directory: a directory is
// itself; an archive is extracted into a temporary directory that done
// removes.
func Open(from string) (dir string, done func(), err error) {
	st, err := os.Stat(from)
	if err != nil {
		return "", nil, err
	}
	if st.IsDir() {
		return from, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "accord-restore-")
	if err != nil {
		return "", nil, err
	}
	done = func() { _ = os.RemoveAll(tmp) }
	if err := Unpack(from, tmp); err != nil {
		done()
		return "", nil, err
	}
	return tmp, done, nil
}

// sqliteEntries are what Accord keeps in a data directory.
var sqliteEntries = []string{SQLiteFile, SQLiteFile + "-wal", SQLiteFile + "-shm", SQLiteFile + "-journal", FilesDir}

// DataDirContents lists what dataDir holds: nothing when it is missing or
// empty.
func DataDirContents(dataDir string) ([]string, error) {
	entries, err := os.ReadDir(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		names = append(names, name)
	}
	return names, nil
}

// RestoreSQLite writes the backup in dir to dataDir. With replace, it first
// removes the database and attachments Accord keeps there (and nothing
// else); the caller has checked the backup and asked before replacing.
func RestoreSQLite(dir string, m Manifest, dataDir string, replace bool, progress io.Writer) error {
	if replace {
		for _, name := range sqliteEntries {
			if err := os.RemoveAll(filepath.Join(dataDir, name)); err != nil {
				return err
			}
		}
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if progress == nil {
		progress = io.Discard
	}
	// The database last, through a temporary name: a data directory with
	// accord.db in it is a whole one.
	for _, f := range m.Files {
		if f.Path == SQLiteFile {
			continue
		}
		rel := filepath.FromSlash(f.Path)
		if err := copyFile(filepath.Join(dir, rel), filepath.Join(dataDir, rel), progress); err != nil {
			return fmt.Errorf("restore %s: %w", f.Path, err)
		}
	}
	tmp := filepath.Join(dataDir, ".accord.db.restoring")
	_ = os.Remove(tmp)
	if err := copyFile(filepath.Join(dir, SQLiteFile), tmp, progress); err != nil {
		return fmt.Errorf("restore %s: %w", SQLiteFile, err)
	}
	return os.Rename(tmp, filepath.Join(dataDir, SQLiteFile))
}

// PostgresContents lists the tables of the database's current schema.
func PostgresContents(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		names = append(names, t)
	}
	return names, rows.Err()
}

// ClearPostgres drops the database's current schema with everything in it
// and makes it again, empty.
func ClearPostgres(ctx context.Context, db *sql.DB) error {
	var schema string
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	q := `"` + strings.ReplaceAll(schema, `"`, `""`) + `"`
	for _, stmt := range []string{`DROP SCHEMA ` + q + ` CASCADE`, `CREATE SCHEMA ` + q} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("empty schema %s: %w", schema, err)
		}
	}
	return nil
}

// RestorePostgres loads the backup's dump into the database at url with
// pg_restore, in one transaction, owned by the user url connects as.
func RestorePostgres(ctx context.Context, dir, url string) error {
	pgRestore, err := Tool("pg_restore")
	if err != nil {
		return err
	}
	return runTool(ctx, pgRestore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
		"--dbname="+LibpqURL(url), filepath.Join(dir, PostgresFile))
}

// Summary lists names for an error message: the first few and how many more.
func Summary(names []string) string {
	const shown = 5
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
}
