package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"accord/internal/backup"
	"accord/internal/store"
)

// runBackup makes a backup, or with "verify" restores one into a scratch
// target and checks it.
func runBackup(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "verify" {
		return backupVerify(ctx, e, args[1:])
	}
	fs := newFlags(e, "backup", "backup --to DIR|FILE.tar|FILE.tar.gz [flags]\n       accord backup verify --from DIR|FILE [--database-url URL] (see accord backup verify -h)")
	to := fs.String("to", "", "where to write the backup: a new `directory`, or an archive file ending in .tar, .tar.gz or .tgz")
	var db dbFlags
	db.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *to == "" {
		return usageError{"give --to DIR or --to FILE.tar.gz: where to write the backup"}
	}
	if _, err := os.Lstat(*to); err == nil {
		return fmt.Errorf("%s already exists: a backup never overwrites anything; give a new name", *to)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// A name like backup.zip would silently become a directory of that
	// name; an archive is only ever a tar.
	if ext := filepath.Ext(*to); ext != "" && !backup.Archived(*to) && slices.Contains([]string{".zip", ".7z", ".gz", ".bz2", ".xz", ".zst", ".rar", ".tbz", ".txz"}, ext) {
		return usageError{fmt.Sprintf("--to %s: archives are .tar, .tar.gz or .tgz; give one of those, or a directory name", *to)}
	}
	if parent := filepath.Dir(*to); parent != "" {
		if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
			return usageError{fmt.Sprintf("--to %s: the folder %s does not exist; create it first", *to, parent)}
		}
	}
	start := time.Now()
	d, err := db.openFound(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	st, err := d.CheckSchema(ctx)
	if err != nil {
		return err
	}
	if st.Current == 0 {
		return fmt.Errorf("%w at %s: it has no Accord schema, so there is nothing to back up", store.ErrNoDatabase, d)
	}
	dir := *to
	if backup.Archived(*to) {
		stage, err := os.MkdirTemp(filepath.Dir(*to), ".accord-backup-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(stage)
		dir = filepath.Join(stage, "backup")
	}
	version, commit := buildVersion()
	m, err := backup.Create(ctx, backup.Source{DB: d, URL: db.databaseURL}, dir, backup.Meta{
		Version: version, Commit: commit, Now: time.Now(), Progress: byteProgress(e.stderr, "copying attachments"),
	})
	if err != nil {
		return err
	}
	if dir != *to {
		var bar io.Writer
		if p := byteProgress(e.stderr, "writing "+filepath.Base(*to)); p != nil {
			bar = p(m.Size())
		}
		if err := backup.Pack(dir, m, *to, bar); err != nil {
			return fmt.Errorf("write %s: %w", *to, err)
		}
	}
	fmt.Fprintf(e.stdout, "backup written to %s: %s schema %d, %d file(s), %s, %d case(s), %d audit event(s), in %s\n",
		*to, m.Engine, m.SchemaVersion, len(m.Files), byteSize(m.Size()), m.Counts["cases"], m.Counts["audit_events"], time.Since(start).Round(time.Millisecond))
	return nil
}

// restoreFlags are the flags restore and verify share.
type restoreFlags struct {
	from string
}

func (f *restoreFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.from, "from", "", "the backup: a `directory` or archive file that accord backup wrote")
}

// open checks the backup before anything is written anywhere: its
// manifest, that this binary can run its schema, and every checksum. done
// removes what opening an archive extracted.
func (f *restoreFlags) open(e *env) (dir string, m backup.Manifest, done func(), err error) {
	if f.from == "" {
		return "", m, nil, usageError{"give --from: the backup's directory or archive"}
	}
	dir, cleanup, err := backup.Open(f.from)
	if err != nil {
		return "", m, nil, err
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	if m, err = backup.ReadManifest(dir); err != nil {
		return "", m, nil, err
	}
	latest, err := store.LatestMigration(m.Engine)
	if err != nil {
		return "", m, nil, err
	}
	if m.SchemaVersion > latest {
		return "", m, nil, fmt.Errorf("%w: the backup is at migration %d, this accord knows only up to %d; restore it with accord %s or newer",
			store.ErrSchemaTooNew, m.SchemaVersion, latest, m.AccordVersion)
	}
	var bar io.Writer
	if p := byteProgress(e.stderr, "checking checksums"); p != nil {
		bar = p(m.Size())
	}
	if err := backup.Check(dir, m, bar); err != nil {
		return "", m, nil, fmt.Errorf("%s: %w", f.from, err)
	}
	return dir, m, cleanup, nil
}

func runRestore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "restore", "restore --from DIR|FILE [--data-dir DIR | --database-url URL] [--force]")
	var rf restoreFlags
	rf.register(fs)
	force := fs.Bool("force", false, "replace what the target holds (stop every accord serve on it first)")
	var db dbFlags
	db.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkEnv(e); err != nil {
		return err
	}
	start := time.Now()
	dir, m, done, err := rf.open(e)
	if err != nil {
		return err
	}
	defer done()
	target := store.SQLite
	if db.databaseURL != "" {
		target = store.Postgres
	}
	if m.Engine != target {
		return wrongEngine(m.Engine, target)
	}
	var d *store.DB
	if target == store.Postgres {
		d, err = restorePostgres(ctx, dir, db.databaseURL, *force)
	} else {
		d, err = restoreSQLite(ctx, e, dir, m, db.dataDir, *force)
	}
	if err != nil {
		return err
	}
	defer d.Close()
	summary, err := checkRestored(ctx, d, m)
	if err != nil {
		return fmt.Errorf("restored into %s, but the check failed: %w", d, err)
	}
	fmt.Fprintf(e.stdout, "restored %s into %s in %s: %s\n", rf.from, d, time.Since(start).Round(time.Millisecond), summary)
	return nil
}

func wrongEngine(backupEngine, target store.Engine) error {
	how := map[store.Engine]string{store.SQLite: "--data-dir (and no --database-url)", store.Postgres: "--database-url"}
	return fmt.Errorf("this is a backup of a %s database and cannot be restored into %s: restore it with %s",
		backupEngine, target, how[backupEngine])
}

func restoreSQLite(ctx context.Context, e *env, dir string, m backup.Manifest, dataDir string, force bool) (*store.DB, error) {
	there, err := backup.DataDirContents(dataDir)
	if err != nil {
		return nil, err
	}
	if len(there) > 0 && !force {
		return nil, fmt.Errorf("the data directory %s is not empty (%s): restore into an empty or new directory, or give --force to replace its database and attachments",
			dataDir, backup.Summary(there))
	}
	var bar io.Writer
	if p := byteProgress(e.stderr, "restoring"); p != nil {
		bar = p(m.Size())
	}
	if err := backup.RestoreSQLite(dir, m, dataDir, force, bar); err != nil {
		return nil, err
	}
	return store.Open(ctx, store.Config{DataDir: dataDir, Existing: true})
}

func restorePostgres(ctx context.Context, dir, url string, force bool) (*store.DB, error) {
	d, err := store.Open(ctx, store.Config{DatabaseURL: url, MaxConns: 2})
	if err != nil {
		return nil, err
	}
	there, err := backup.PostgresContents(ctx, d.SQL())
	if err == nil && len(there) > 0 {
		if !force {
			err = fmt.Errorf("the database %s is not empty (tables %s): restore into an empty database, or give --force to drop everything in its schema first",
				d, backup.Summary(there))
		} else {
			err = backup.ClearPostgres(ctx, d.SQL())
		}
	}
	if err == nil {
		err = backup.RestorePostgres(ctx, dir, url)
	}
	if err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// checkRestored is the check that ends a restore and is all of backup
// verify: the restored tables hold the manifest's counts, the schema is
// migrated forward to this binary's, and the audit trail's chains hold.
func checkRestored(ctx context.Context, d *store.DB, m backup.Manifest) (string, error) {
	counts, err := backup.Counts(ctx, d.SQL(), d.Engine())
	if err != nil {
		return "", err
	}
	if diffs := backup.CompareCounts(m.Counts, counts); len(diffs) > 0 {
		return "", fmt.Errorf("the restored tables disagree with the manifest's counts: %s", strings.Join(diffs, "; "))
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		return "", err
	}
	rep, err := verifyAudit(ctx, d)
	if err != nil {
		return "", err
	}
	if rep.Break != nil {
		return "", fmt.Errorf("the audit trail is BROKEN after %d verified event(s): %v", rep.Events-1, rep.Break)
	}
	migrated := "schema current"
	if len(applied) > 0 {
		migrated = fmt.Sprintf("migrated from %d to %d", m.SchemaVersion, slices.Max(applied))
	}
	return fmt.Sprintf("%d table count(s) match the manifest, %s, audit intact: %d event(s) in %d chain(s)",
		len(m.Counts), migrated, rep.Events, rep.Chains), nil
}

func backupVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup verify", "backup verify --from DIR|FILE [--database-url URL]")
	var rf restoreFlags
	rf.register(fs)
	server := fs.String("database-url", e.getenv("ACCORD_DATABASE_URL"),
		"for a PostgreSQL backup: a server `url` on which to create (and drop) a scratch database (ACCORD_DATABASE_URL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	start := time.Now()
	dir, m, done, err := rf.open(e)
	if err != nil {
		return err
	}
	defer done()
	var summary string
	if m.Engine == store.Postgres {
		summary, err = verifyPostgres(ctx, dir, m, *server)
	} else {
		summary, err = verifySQLite(ctx, dir, m)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", rf.from, err)
	}
	fmt.Fprintf(e.stdout, "ok: %s (%s schema %d, taken %s) restored and checked in %s: %s\n",
		rf.from, m.Engine, m.SchemaVersion, m.CreatedAt.Format(time.RFC3339), time.Since(start).Round(time.Millisecond), summary)
	return nil
}

func verifySQLite(ctx context.Context, dir string, m backup.Manifest) (string, error) {
	scratch, err := os.MkdirTemp("", "accord-verify-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(scratch)
	if err := backup.RestoreSQLite(dir, m, scratch, false, nil); err != nil {
		return "", err
	}
	d, err := store.Open(ctx, store.Config{DataDir: scratch, Existing: true})
	if err != nil {
		return "", err
	}
	defer d.Close()
	return checkRestored(ctx, d, m)
}

// verifyPostgres restores into a database it creates on server for the
// purpose and drops afterwards.
func verifyPostgres(ctx context.Context, dir string, m backup.Manifest, server string) (string, error) {
	if server == "" {
		return "", errors.New("this is a backup of a PostgreSQL database: give --database-url of a server on which accord may create and drop a scratch database")
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("--database-url must be a postgres:// URL to name a scratch database on its server")
	}
	admin, err := store.Open(ctx, store.Config{DatabaseURL: server, MaxConns: 1})
	if err != nil {
		return "", err
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "accord_verify_" + hex.EncodeToString(b)
	if _, err := admin.SQL().ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", fmt.Errorf("create the scratch database: %w", err)
	}
	defer func() {
		// Dropped even when ctx was cancelled: a scratch database must not outlive the check.
		_, _ = admin.SQL().ExecContext(context.WithoutCancel(ctx), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	}()
	u.Path = "/" + name
	if err := backup.RestorePostgres(ctx, dir, u.String()); err != nil {
		return "", err
	}
	d, err := store.Open(ctx, store.Config{DatabaseURL: u.String(), MaxConns: 2})
	if err != nil {
		return "", err
	}
	defer d.Close()
	return checkRestored(ctx, d, m)
}

// byteProgress returns a maker of progress bars counted in bytes when w is
// a terminal, and nil otherwise: cron mail and logs want no bars.
func byteProgress(w io.Writer, what string) func(total int64) io.Writer {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(total int64) io.Writer {
		return progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
			progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish())
	}
}

// byteSize writes n bytes in the largest binary unit that keeps it at or
// above 1.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
