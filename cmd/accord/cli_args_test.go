package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"accord/internal/engagements"
	"accord/internal/sla"
	"accord/internal/store/dbtest"
)

// absent fails unless nothing exists at path.
func absent(t *testing.T, path, what string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		t.Errorf("%s created %s", what, path)
	}
}

// A stray argument used to end the flags quietly: `accord serve extra
// --addr X` ignored --addr and started a second server on the default
// address and data directory. Every command now refuses it with exit 2,
// before it opens anything.
func TestStrayArgumentsAreRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db := "--data-dir=" + dir
	cal := writeCalendar(t, `{"zone": "UTC", "hours": {"mon": [["08:00", "18:00"]]}}`)
	// Cancelled: should serve start after all (on the default address and
	// data directory, as it did), it stops at once with 0.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{
		{"serve", "extra", "--addr", "127.0.0.1:0", db},
		{"serve", "--addr", "127.0.0.1:0", db, "extra"},
		{"migrate", db, "extra"},
		{"migrate", "--status", "extra", db},
		{"audit", "verify", "extra", db},
		{"admin", "create-user", "-email", "a@b.example", "-name", "A", "extra", db},
		{"admin", "reset-password", "-email", "a@b.example", "extra", db},
		{"policy", "export", "extra", db},
		{"policy", "due", "--plan", "premium", "--criticality", "C1", "--received", "2024-03-08T21:00:00Z", "extra", db},
		{"policy", "import", "a.yaml", "extra", db},
		{"policy", "diff", "1", "2", "3", db},
		{"policy", "rollback", "1", "2", db},
		{"policy", "replay", "--version", "1", "--from", "2026-01-01", "--to", "2027-01-01", "extra", db},
		{"catalog", "show", "extra", db},
		{"catalog", "export", "extra", db},
		{"catalog", "versions", "extra", db},
		{"catalog", "import", "a.yaml", "extra", db},
		{"calendar", "due", "--calendar", cal, "--start", "2024-01-01T00:00:00Z", "extra"},
		{"calendar", "elapsed", "--calendar", cal, "--from", "2024-01-01T00:00:00Z", "--to", "2024-01-02T00:00:00Z", "extra"},
		{"calendar", "eval", "extra"},
		{"import", "orgs", "a.csv", "extra", db},
		{"export", "orgs", "extra", db},
		{"report", "sla", "--month", "2026-10", "extra", db},
		{"snapshot", "record", "--environment", "env_x", "--kind", "daily", "--location", "x", "extra", db},
		{"snapshot", "list", "--environment", "env_x", "extra", db},
		{"change", "list", "extra", db},
		{"bench", "cases", "extra"},
		{"bench", "seed", "--database-url", "postgres://x", "extra"},
		{"bench", "due", "--database-url", "postgres://x", "extra"},
		{"version", "extra"},
		{"backup", "--to", "b.tar.gz", "extra", db},
		{"backup", "verify", "--from", "b.tar.gz", "extra"},
		{"restore", "--from", "b.tar.gz", "extra", db},
	} {
		var out, errb bytes.Buffer
		code := run(ctx, args, noEnv, strings.NewReader(""), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), `"extra"`) && !strings.Contains(errb.String(), "usage: accord") {
			t.Errorf("%v: exit %d, %q; want 2 and the argument named", args, code, errb.String())
		}
		absent(t, dir, fmt.Sprint(args))
		absent(t, "accord-data", fmt.Sprint(args)) // the default data directory
		if want := `accord serve: unexpected argument "extra"; accord serve takes only flags (see -h)`; args[0] == "serve" && !strings.Contains(errb.String(), want) {
			t.Errorf("%v: %q, want %q", args, errb.String(), want)
		}
	}
}

// Commands that only read never create a data directory or a database
// file: with nothing there, they say so.
func TestReadOnlyCommandsCreateNothing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	empty := t.TempDir()
	readers := [][]string{
		{"audit", "verify"},
		{"migrate", "--status"},
		{"report", "sla", "--month", "2026-10"},
		{"export", "orgs"},
		{"export", "all", "--out", filepath.Join(empty, "all.xlsx")},
		{"policy", "export"},
		{"policy", "diff", "1", "1"},
		{"policy", "due", "--plan", "premium", "--criticality", "C1", "--received", "2024-03-08T21:00:00Z"},
		{"policy", "replay", "--version", "1", "--from", "2026-01-01", "--to", "2027-01-01"},
		{"catalog", "show"},
		{"catalog", "export"},
		{"catalog", "versions"},
		{"change", "list"},
	}
	for _, args := range readers {
		for _, dir := range []string{missing, empty} {
			code, out, errs := runCLI(t, "", append(args, "--data-dir", dir)...)
			if code != 1 || !strings.Contains(errs, "no database at "+filepath.Join(dir, "accord.db")) {
				t.Errorf("%v in %s: %d %q %q, want 1 and no database", args, dir, code, out, errs)
			}
		}
		absent(t, missing, fmt.Sprint(args))
		absent(t, filepath.Join(empty, "accord.db"), fmt.Sprint(args))
	}

	// Once the database is there, they read it, and still migrate nothing.
	if code, _, errs := runCLI(t, "", "migrate", "--data-dir", empty); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	code, out, errs := runCLI(t, "", "migrate", "--status", "--data-dir", empty)
	if code != 0 || !regexp.MustCompile(`schema at migration (\d+) of (\d+)`).MatchString(out) {
		t.Fatalf("migrate --status: %d %q %q", code, out, errs)
	}
	for _, args := range readers {
		if code, out, errs := runCLI(t, "", append(args, "--data-dir", empty)...); code != 0 {
			t.Errorf("%v on a migrated database: %d %q %q", args, code, out, errs)
		}
	}
}

// Every command and subcommand answers -h and --help with its help on
// stdout and exit 0. The subcommands are the ones each group's own help
// lists.
func TestHelpOnEveryCommand(t *testing.T) {
	listed := regexp.MustCompile(`(?m)^  ([a-z-]+) {2,}\S`)
	var all [][]string
	for _, c := range commands() {
		all = append(all, []string{c.name})
	}
	for i := 0; i < len(all); i++ {
		cmd := all[i]
		for _, help := range []string{"-h", "--help"} {
			code, out, errs := runCLI(t, "", append(cmd, help)...)
			if code != 0 || !strings.Contains(out, "usage: accord "+strings.Join(cmd, " ")) {
				t.Errorf("%v %s: exit %d, stdout %q, stderr %q", cmd, help, code, out, errs)
				continue
			}
			if help == "-h" && len(cmd) == 1 && strings.Contains(out, "\ncommands:\n") {
				for _, m := range listed.FindAllStringSubmatch(out, -1) {
					all = append(all, []string{cmd[0], m[1]})
				}
			}
		}
	}
	var subs int
	for _, c := range all {
		subs += len(c) - 1
	}
	if subs < 19 {
		t.Errorf("only %d subcommands found in the groups' help: %v", subs, all)
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		if code, out, _ := runCLI(t, "", args...); code != 0 || !strings.Contains(out, "usage: accord <command>") {
			t.Errorf("accord %v: %d %q", args, code, out)
		}
	}
}

// accord version and accord --version print the version, the commit
// (unknown in a test binary, which carries no VCS stamp) and the schema
// version: the newest embedded migration.
func TestVersion(t *testing.T) {
	var latest int
	entries, err := fs.ReadDir(os.DirFS("../../internal/store/migrations/postgres"), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		digits, _, _ := strings.Cut(e.Name(), "_")
		if n, err := strconv.Atoi(digits); err == nil && n > latest {
			latest = n
		}
	}
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		code, out, errs := runCLI(t, "", args...)
		if code != 0 || !strings.HasPrefix(out, "accord ") || !regexp.MustCompile(`(?m)^commit: \S+`).MatchString(out) ||
			!strings.Contains(out, fmt.Sprintf("\nschema: %d\n", latest)) || !strings.Contains(out, "\ngo: go1.") {
			t.Errorf("accord %v: %d %q %q, want the version, the commit and schema %d", args, code, out, errs, latest)
		}
	}
}

// The imports from the command line refuse a control character with its
// line and column, before anything is stored, on both engines: PostgreSQL
// cannot store NUL, and SQLite would have.
func TestImportsRefuseControlCharacters(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			db := "--data-dir=" + filepath.Join(dir, "data")
			if engine == "postgres" {
				dbtest.PostgresURL(t)
				_, url := dbtest.PostgresDatabase(t)
				db = "--database-url=" + url
			}
			write := func(name, text string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			if code, _, errs := runCLI(t, "", "migrate", db); code != 0 {
				t.Fatalf("migrate: %s", errs)
			}

			policy := sla.DefaultDocument()
			line, col := lineOf(t, policy, "en-US: Urgent")
			escaped := write("escaped.yaml", strings.Replace(policy, "en-US: Urgent", `en-US: "Urg\0ent"`, 1))
			code, _, errs := runCLI(t, "", "policy", "import", escaped, db)
			if want := fmt.Sprintf("%s:%d:%d: ", escaped, line, col+len("en-US: ")); code != 1 || !strings.Contains(errs, want) || !strings.Contains(errs, "U+0000") {
				t.Errorf("policy with an escaped NUL: %d %q, want %q", code, errs, want)
			}
			raw := write("raw.yaml", strings.Replace(policy, "en-US: Urgent", "en-US: Urg\x01ent", 1))
			code, _, errs = runCLI(t, "", "policy", "import", raw, db)
			if want := fmt.Sprintf("%s:%d:%d: must not contain the control character U+0001", raw, line, col+len("en-US: Urg")); code != 1 || !strings.Contains(errs, want) {
				t.Errorf("policy with a raw control: %d %q, want %q", code, errs, want)
			}

			catalog := engagements.DefaultDocument()
			line, col = lineOf(t, catalog, "home_city: São Paulo")
			bad := write("catalog.yaml", strings.Replace(catalog, "home_city: São Paulo", `home_city: "São\x7fPaulo"`, 1))
			code, _, errs = runCLI(t, "", "catalog", "import", bad, db)
			if want := fmt.Sprintf("%s:%d:%d: ", bad, line, col+len("home_city: ")); code != 1 || !strings.Contains(errs, want) || !strings.Contains(errs, "U+007F") {
				t.Errorf("catalog with DEL: %d %q, want %q", code, errs, want)
			}

			orgs := write("orgs.csv", "kind,name,partner\ncustomer,Acme,\ncustomer,\"Glo\x00bex\",\n")
			code, out, errs := runCLI(t, "", "import", "orgs", orgs, db)
			if want := "organizations row 3 column name: must not contain the control character U+0000"; code != 1 || !strings.Contains(out, want) {
				t.Errorf("CSV with NUL: %d %q %q, want %q", code, out, errs, want)
			}

			// Nothing was stored.
			if code, out, _ := runCLI(t, "", "policy", "export", db); code != 0 || out != policy {
				t.Errorf("the policy changed: %d", code)
			}
			if code, out, _ := runCLI(t, "", "catalog", "versions", db); code != 0 || strings.Contains(out, "2") && strings.Contains(out, "imported") {
				t.Errorf("the catalog changed: %d %q", code, out)
			}
			if code, out, _ := runCLI(t, "", "export", "orgs", db); code != 0 || strings.Contains(out, "Acme") {
				t.Errorf("organizations were imported: %d %q", code, out)
			}
		})
	}
}
