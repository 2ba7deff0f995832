package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"accord/internal/backup"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// serveOn runs accord serve with the demo data on the database dbArgs name
// and returns its base URL.
func serveOn(t *testing.T, dbArgs ...string) string {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--jobs=false", "--log-level", "warn"}, dbArgs...), noEnv, nil, &out, &errb)
	}()
	t.Cleanup(func() { stop(); <-done })
	re := regexp.MustCompile(`Accord listening on (http://\S+) `)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %q %q", out.String(), errb.String())
		}
	}
}

// caseLoad opens cases with two files each, one kept beside SQLite's
// database (over 64 KiB) and one in its row, from several clients at once,
// and remembers every case the server acknowledged.
type caseLoad struct {
	t    *testing.T
	base string
	stop chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex
	acked map[string]map[string][]byte // title -> file name -> content
}

func startLoad(t *testing.T, base string) *caseLoad {
	l := &caseLoad{t: t, base: base, stop: make(chan struct{}), acked: map[string]map[string][]byte{}}
	for i, email := range []string{"cto@acme.example", "ops@acme.example", "cto@acme.example"} {
		client := signedIn(t, base, email)
		l.wg.Add(1)
		go l.client(i, client)
	}
	return l
}

func (l *caseLoad) client(i int, c *http.Client) {
	defer l.wg.Done()
	for n := 0; ; n++ {
		select {
		case <-l.stop:
			return
		default:
		}
		title := fmt.Sprintf("Load %d-%d", i, n)
		files := map[string][]byte{"trace.bin": random(100<<10 + n), "note.txt": random(512)}
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("json", `{"type":"question","title":"`+title+`","description":"Under load"}`)
		for name, content := range files {
			w, _ := mw.CreateFormFile("files", name)
			_, _ = w.Write(content)
		}
		_ = mw.Close()
		resp, err := c.Post(l.base+"/api/v1/cases", mw.FormDataContentType(), &b)
		if err != nil {
			l.t.Errorf("open %s: %v", title, err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			l.t.Errorf("open %s: %d %s", title, resp.StatusCode, body)
			return
		}
		l.mu.Lock()
		l.acked[title] = files
		l.mu.Unlock()
	}
}

// soFar returns the cases acknowledged until now.
func (l *caseLoad) soFar() map[string]map[string][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := make(map[string]map[string][]byte, len(l.acked))
	for k, v := range l.acked {
		m[k] = v
	}
	return m
}

func (l *caseLoad) await(n int) {
	for deadline := time.Now().Add(60 * time.Second); len(l.soFar()) < n; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) || l.t.Failed() {
			l.t.Fatalf("only %d case(s) opened", len(l.soFar()))
		}
	}
}

func (l *caseLoad) end() {
	close(l.stop)
	l.wg.Wait()
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Clients open cases with attachments while a backup runs; every case
// acknowledged before the backup started is in the restored copy, with
// the same bytes in its files and an intact audit chain.
func TestBackupUnderLoad(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		data, restored := filepath.Join(t.TempDir(), "data"), filepath.Join(t.TempDir(), "restored")
		backupUnderLoad(t, []string{"--data-dir", data}, filepath.Join(t.TempDir(), "accord.tar.gz"), []string{"--data-dir", restored},
			func() *store.DB {
				d, err := store.Open(context.Background(), store.Config{DataDir: restored, Existing: true})
				if err != nil {
					t.Fatal(err)
				}
				return d
			})
	})
	t.Run("postgres", func(t *testing.T) {
		db, src := dbtest.PostgresDatabase(t)
		dst := emptyPostgres(t, db, src)
		backupUnderLoad(t, []string{"--database-url", src}, filepath.Join(t.TempDir(), "backup"), []string{"--database-url", dst},
			func() *store.DB {
				d, err := store.Open(context.Background(), store.Config{DatabaseURL: dst, MaxConns: 2})
				if err != nil {
					t.Fatal(err)
				}
				return d
			})
	})
}

// emptyPostgres creates an empty database beside the one at src, dropped
// when t ends, and returns its URL.
func emptyPostgres(t *testing.T, db *store.DB, src string) string {
	t.Helper()
	name := "accord_r_" + hex.EncodeToString(random(6))
	if _, err := db.SQL().ExecContext(context.Background(), `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.SQL().ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func backupUnderLoad(t *testing.T, dbArgs []string, to string, restoreArgs []string, openRestored func() *store.DB) {
	base := serveOn(t, dbArgs...)
	load := startLoad(t, base)
	load.await(6)
	before := load.soFar()
	code, out, errOut := runCLI(t, "", append([]string{"backup", "--to", to}, dbArgs...)...)
	if code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	load.await(len(before) + 3) // the clients went on during the backup and after it
	load.end()
	t.Logf("%d case(s) acknowledged before the backup, %d in all", len(before), len(load.soFar()))
	if !strings.Contains(out, "backup written to "+to) {
		t.Errorf("backup said %q", out)
	}

	code, out, errOut = runCLI(t, "", "backup", "verify", "--from", to, "--database-url", os.Getenv(dbtest.EnvURL))
	if code != 0 || !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, "audit intact") {
		t.Fatalf("backup verify: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", append([]string{"restore", "--from", to}, restoreArgs...)...)
	if code != 0 || !strings.Contains(out, "audit intact") {
		t.Fatalf("restore: %d %q %q", code, out, errOut)
	}

	d := openRestored()
	defer d.Close()
	for title, files := range before {
		rows, err := d.SQL().QueryContext(context.Background(), `SELECT f.name, f.content, f.path FROM case_files f JOIN cases c ON c.id = f.case_id WHERE c.title = $1`, title)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]byte{}
		for rows.Next() {
			var name, rel string
			var content []byte
			if err := rows.Scan(&name, &content, &rel); err != nil {
				t.Fatal(err)
			}
			if rel != "" {
				if content, err = os.ReadFile(filepath.Join(d.DataDir(), filepath.FromSlash(rel))); err != nil {
					t.Errorf("%s's %s: %v", title, name, err)
				}
			}
			got[name] = content
		}
		rows.Close()
		if len(got) != len(files) {
			t.Errorf("%s: restored with %d file(s), want %d", title, len(got), len(files))
		}
		for name, want := range files {
			if !bytes.Equal(got[name], want) {
				t.Errorf("%s's %s: restored %d bytes that differ from the %d sent", title, name, len(got[name]), len(want))
			}
		}
	}
	if rep, err := verifyAudit(context.Background(), d); err != nil || rep.Break != nil || rep.Events == 0 {
		t.Errorf("restored audit trail: %+v %v", rep, err)
	}
}

// A backup of a fresh SQLite database, for the refusals.
func sqliteBackup(t *testing.T) (string, string) {
	t.Helper()
	db := dbtest.SQLite(t)
	to := filepath.Join(t.TempDir(), "backup")
	if code, out, errOut := runCLI(t, "", "backup", "--to", to, "--data-dir", db.DataDir()); code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	return to, db.DataDir()
}

func TestRestoreRefusals(t *testing.T) {
	latest, err := store.LatestMigration(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		// spoil changes the backup; target is where to restore.
		spoil func(t *testing.T, b string)
		args  func(b, used, fresh string) []string
		want  string
	}{
		{"no manifest", func(t *testing.T, b string) { os.Remove(filepath.Join(b, backup.ManifestName)) },
			func(b, _, fresh string) []string { return []string{"--from", b, "--data-dir", fresh} }, "no manifest.json in"},
		{"checksum mismatch", func(t *testing.T, b string) {
			f, err := os.OpenFile(filepath.Join(b, backup.SQLiteFile), os.O_WRONLY, 0)
			if err == nil {
				_, err = f.WriteAt([]byte("X"), 100)
				f.Close()
			}
			if err != nil {
				t.Fatal(err)
			}
		}, func(b, _, fresh string) []string { return []string{"--from", b, "--data-dir", fresh} }, "checksum mismatch: accord.db has"},
		{"missing file", func(t *testing.T, b string) { os.Remove(filepath.Join(b, backup.SQLiteFile)) },
			func(b, _, fresh string) []string { return []string{"--from", b, "--data-dir", fresh} }, "accord.db is missing from the backup"},
		{"newer schema", func(t *testing.T, b string) {
			editManifest(t, b, func(m *backup.Manifest) { m.SchemaVersion = latest + 1 })
		},
			func(b, _, fresh string) []string { return []string{"--from", b, "--data-dir", fresh} },
			fmt.Sprintf("the backup is at migration %d, this accord knows only up to %d", latest+1, latest)},
		{"wrong engine", nil, func(b, _, _ string) []string {
			return []string{"--from", b, "--database-url", "postgres://nobody@127.0.0.1:1/none"}
		}, "this is a backup of a sqlite database and cannot be restored into postgres"},
		{"non-empty target", nil, func(b, used, _ string) []string { return []string{"--from", b, "--data-dir", used} },
			"is not empty (accord.db"},
		{"not a backup archive", nil, func(b, _, fresh string) []string {
			f := filepath.Join(filepath.Dir(b), "junk.tar")
			_ = os.WriteFile(f, []byte("not a tar"), 0o600)
			return []string{"--from", f, "--data-dir", fresh}
		}, "junk.tar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, used := sqliteBackup(t)
			if tt.spoil != nil {
				tt.spoil(t, b)
			}
			fresh := filepath.Join(t.TempDir(), "fresh")
			code, out, errOut := runCLI(t, "", append([]string{"restore"}, tt.args(b, used, fresh)...)...)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Errorf("restore: %d %q %q, want an error with %q", code, out, errOut, tt.want)
			}
			if _, err := os.Stat(fresh); !os.IsNotExist(err) {
				t.Errorf("a refused restore wrote %s", fresh)
			}
			if tt.spoil != nil {
				code, out, errOut = runCLI(t, "", "backup", "verify", "--from", b)
				if code != 1 || out != "" {
					t.Errorf("backup verify of a spoiled backup: %d %q %q", code, out, errOut)
				}
			}
		})
	}
}

func editManifest(t *testing.T, dir string, edit func(*backup.Manifest)) {
	t.Helper()
	name := filepath.Join(dir, backup.ManifestName)
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var m backup.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(&m)
	if b, err = json.Marshal(m); err == nil {
		err = os.WriteFile(name, b, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// --force replaces what a data directory holds; a backup never overwrites.
func TestRestoreForceAndBackupNeverOverwrites(t *testing.T) {
	b, used := sqliteBackup(t)
	code, out, errOut := runCLI(t, "", "restore", "--from", b, "--data-dir", used, "--force")
	if code != 0 || !strings.Contains(out, "audit intact") {
		t.Fatalf("restore --force: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "", "backup", "--to", b, "--data-dir", used); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("backup over a backup: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "backup", "--data-dir", used); code != 2 || !strings.Contains(errOut, "--to") {
		t.Errorf("backup without --to: %d %q", code, errOut)
	}
	// An archive name Accord does not write, and a folder that is not
	// there, are refused before anything is copied.
	zip := filepath.Join(t.TempDir(), "b.zip")
	if code, _, errOut := runCLI(t, "", "backup", "--to", zip, "--data-dir", used); code != 2 || !strings.Contains(errOut, ".tar.gz") {
		t.Errorf("backup --to b.zip: %d %q", code, errOut)
	}
	if _, err := os.Stat(zip); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup --to b.zip left %s behind: %v", zip, err)
	}
	missing := filepath.Join(t.TempDir(), "no", "such", "b.tgz")
	if code, _, errOut := runCLI(t, "", "backup", "--to", missing, "--data-dir", used); code != 2 || !strings.Contains(errOut, "does not exist") {
		t.Errorf("backup into a missing folder: %d %q", code, errOut)
	}
}

// On PostgreSQL: a database with tables is refused without --force, and
// the client programs are named when they are missing.
func TestRestoreRefusalsPostgres(t *testing.T) {
	db, src := dbtest.PostgresDatabase(t)
	b := filepath.Join(t.TempDir(), "backup")
	if code, out, errOut := runCLI(t, "", "backup", "--to", b, "--database-url", src); code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	// The dump holds every tenant's data: as closed to other users as
	// the manifest and SQLite's copy, whatever pg_dump's umask.
	if fi, err := os.Stat(filepath.Join(b, backup.PostgresFile)); err != nil || fi.Mode().Perm()&0o007 != 0 {
		t.Errorf("%s: %v %v, want no access for others", backup.PostgresFile, fi.Mode(), err)
	}
	_, used := dbtest.PostgresDatabase(t)
	if code, _, errOut := runCLI(t, "", "restore", "--from", b, "--database-url", used); code != 1 || !strings.Contains(errOut, "is not empty (tables accord_migrations") {
		t.Errorf("restore into a database with tables: %d %q", code, errOut)
	}
	if code, out, errOut := runCLI(t, "", "restore", "--from", b, "--database-url", used, "--force"); code != 0 || !strings.Contains(out, "audit intact") {
		t.Errorf("restore --force: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "", "restore", "--from", b, "--data-dir", t.TempDir()); code != 1 || !strings.Contains(errOut, "backup of a postgres database") {
		t.Errorf("a PostgreSQL backup into SQLite: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "backup", "verify", "--from", b, "--database-url", ""); code != 1 || !strings.Contains(errOut, "give --database-url") {
		t.Errorf("verify without a server: %d %q", code, errOut)
	}
	t.Setenv("PATH", t.TempDir())
	if code, _, errOut := runCLI(t, "", "backup", "--to", filepath.Join(t.TempDir(), "b"), "--database-url", src); code != 1 || !strings.Contains(errOut, "pg_dump not found on PATH") {
		t.Errorf("backup without pg_dump: %d %q", code, errOut)
	}
	dst := emptyPostgres(t, db, src)
	if code, _, errOut := runCLI(t, "", "restore", "--from", b, "--database-url", dst); code != 1 || !strings.Contains(errOut, "pg_restore not found on PATH") {
		t.Errorf("restore without pg_restore: %d %q", code, errOut)
	}
}

// A backup of an older schema is restored and migrated forward to this
// binary's.
func TestRestoreMigratesAnOlderBackupForward(t *testing.T) {
	ctx := context.Background()
	latest, err := store.LatestMigration(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	old, err := sql.Open("sqlite", "file:"+filepath.Join(data, backup.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, old, os.DirFS("../../internal/store/migrations/sqlite"),
		goose.WithTableName(store.MigrationTable), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, latest-1); err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(t.TempDir(), "old.tar")
	if code, out, errOut := runCLI(t, "", "backup", "--to", b, "--data-dir", data); code != 0 || !strings.Contains(out, fmt.Sprintf("schema %d", latest-1)) {
		t.Fatalf("backup of schema %d: %d %q %q", latest-1, code, out, errOut)
	}
	want := fmt.Sprintf("migrated from %d to %d", latest-1, latest)
	if code, out, errOut := runCLI(t, "", "restore", "--from", b, "--data-dir", filepath.Join(t.TempDir(), "new")); code != 0 || !strings.Contains(out, want) {
		t.Errorf("restore: %d %q %q, want %q", code, out, errOut, want)
	}
	if code, out, errOut := runCLI(t, "", "backup", "verify", "--from", b); code != 0 || !strings.Contains(out, want) {
		t.Errorf("backup verify: %d %q %q, want %q", code, out, errOut, want)
	}
}
