package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"accord/internal/store"
)

// Source is the database to back up.
type Source struct {
	DB *store.DB
	// URL is the PostgreSQL URL pg_dump connects with; unused on SQLite.
	URL string
}

// Meta is what the caller knows of itself for the manifest.
type Meta struct {
	Version, Commit string
	Now             time.Time
	// Progress, when not nil, is given the total bytes to copy and returns
	// where to report the bytes copied.
	Progress func(total int64) io.Writer
}

// Create writes a backup of src into dir, which must not exist yet, and
// returns its manifest. On failure dir is removed.
func Create(ctx context.Context, src Source, dir string, meta Meta) (m Manifest, err error) {
	if err := os.Mkdir(dir, 0o750); err != nil {
		return m, fmt.Errorf("backup directory: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	m = Manifest{Format: Format, Engine: src.DB.Engine(), AccordVersion: meta.Version, AccordCommit: meta.Commit, CreatedAt: meta.Now.UTC()}
	if src.DB.Engine() == store.Postgres {
		err = dumpPostgres(ctx, src, dir, &m)
	} else {
		err = copySQLite(ctx, src.DB, dir, &m, meta.Progress)
	}
	if err != nil {
		return m, err
	}
	return m, writeManifest(dir, &m)
}

// copySQLite snapshots the database with VACUUM INTO, then copies the
// attachments the snapshot's rows name (see the package comment).
func copySQLite(ctx context.Context, db *store.DB, dir string, m *Manifest, progress func(int64) io.Writer) error {
	file := filepath.Join(dir, SQLiteFile)
	if _, err := db.SQL().ExecContext(ctx, `VACUUM INTO $1`, file); err != nil {
		return fmt.Errorf("snapshot the database: %w", err)
	}
	if err := os.Chmod(file, 0o640); err != nil { // as the data directory keeps it: it holds every tenant's data
		return err
	}
	snap, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer snap.Close()
	snap.SetMaxOpenConns(1)
	if m.SchemaVersion, err = schemaVersion(ctx, snap); err != nil {
		return err
	}
	if m.Counts, err = Counts(ctx, snap, store.SQLite); err != nil {
		return err
	}
	type attachment struct {
		rel  string
		size int64
	}
	var files []attachment
	var total int64
	rows, err := snap.QueryContext(ctx, `SELECT path, size FROM case_files WHERE path <> '' ORDER BY path`)
	if err != nil {
		return fmt.Errorf("list attachments: %w", err)
	}
	for rows.Next() {
		var a attachment
		if err := rows.Scan(&a.rel, &a.size); err != nil {
			rows.Close()
			return err
		}
		if !localPath(a.rel) {
			rows.Close()
			return fmt.Errorf("attachment path %q is outside the data directory", a.rel)
		}
		files = append(files, a)
		total += a.size
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := snap.Close(); err != nil {
		return err
	}
	var w io.Writer = io.Discard
	if progress != nil && len(files) > 0 {
		w = progress(total)
	}
	for _, a := range files {
		rel := filepath.FromSlash(a.rel)
		if err := copyFile(filepath.Join(db.DataDir(), rel), filepath.Join(dir, rel), w); err != nil {
			return fmt.Errorf("copy attachment %s: %w", a.rel, err)
		}
	}
	return nil
}

// copyFile copies from to a new file to, creating its directory.
func copyFile(from, to string, progress io.Writer) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeFile(to, io.TeeReader(in, progress))
}

// writeFile writes what r reads to a new file name, creating its
// directory, and syncs it.
func writeFile(name string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o750); err != nil {
		return err
	}
	out, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, r)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// dumpPostgres runs pg_dump on a snapshot exported from a REPEATABLE READ
// transaction, in which it also reads the schema version and the counts.
func dumpPostgres(ctx context.Context, src Source, dir string, m *Manifest) error {
	pgDump, err := Tool("pg_dump")
	if err != nil {
		return err
	}
	conn, err := src.DB.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return fmt.Errorf("export a snapshot: %w", err)
	}
	if m.SchemaVersion, err = schemaVersion(ctx, tx); err != nil {
		return err
	}
	if m.Counts, err = Counts(ctx, tx, store.Postgres); err != nil {
		return err
	}
	dump := filepath.Join(dir, PostgresFile)
	if err := runTool(ctx, pgDump, "--format=custom", "--snapshot="+snapshot, "--file="+dump, "--dbname="+LibpqURL(src.URL)); err != nil {
		return err
	}
	// pg_dump creates the file by its umask (often readable by anyone);
	// it holds every tenant's data, like the backup's other files (0640).
	return os.Chmod(dump, 0o640)
}

// Tool finds a PostgreSQL client program on PATH.
func Tool(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found on PATH: install PostgreSQL's client programs (Debian: postgresql-client) of the server's major version or newer", name)
	}
	return p, nil
}

func runTool(ctx context.Context, prog string, args ...string) error {
	cmd := exec.CommandContext(ctx, prog, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(prog), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// LibpqURL drops the settings of a pgx URL that libpq's programs refuse:
// pgxpool's pool_* parameters.
func LibpqURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return s
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func schemaVersion(ctx context.Context, q querier) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM `+store.MigrationTable+` WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read the schema version: %w", err)
	}
	if v == 0 {
		return 0, errors.New("the database has no Accord schema")
	}
	return v, nil
}

// Counts returns the rows of every table of the database's schema.
func Counts(ctx context.Context, q querier, engine store.Engine) (map[string]int64, error) {
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if engine == store.Postgres {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := q.QueryContext(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	counts := make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM "`+strings.ReplaceAll(t, `"`, `""`)+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		counts[t] = n
	}
	return counts, nil
}

// CompareCounts lists the tables whose counts differ between a manifest's
// want and a restored database's got.
func CompareCounts(want, got map[string]int64) []string {
	var diffs []string
	for t, n := range want {
		if g, ok := got[t]; !ok {
			diffs = append(diffs, fmt.Sprintf("table %s is missing (the backup has %d rows)", t, n))
		} else if g != n {
			diffs = append(diffs, fmt.Sprintf("table %s has %d rows, the backup %d", t, g, n))
		}
	}
	for t := range got {
		if _, ok := want[t]; !ok {
			diffs = append(diffs, fmt.Sprintf("table %s is not in the backup", t))
		}
	}
	slices.Sort(diffs)
	return diffs
}
