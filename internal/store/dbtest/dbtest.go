// Package dbtest gives tests a fresh, migrated database of either engine.
//
// SQLite databases live in the test's temporary directory. PostgreSQL ones
// are created from a template database migrated once per test process, at
// ACCORD_TEST_POSTGRES_URL, and dropped when the test ends. Under CI=true a
// missing ACCORD_TEST_POSTGRES_URL fails the test instead of skipping it, so
// that CI cannot pass without PostgreSQL.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"accord/internal/store"
)

// EnvURL names the variable that enables PostgreSQL tests.
const EnvURL = "ACCORD_TEST_POSTGRES_URL"

// SQLite returns a migrated SQLite database private to t.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// PostgresURL returns the server URL for PostgreSQL tests, skipping t when
// it is unset (failing it under CI).
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set under CI=true: PostgreSQL tests must run", EnvURL)
		}
		t.Skipf("PostgreSQL tests need %s (e.g. postgres://postgres@127.0.0.1:5432/postgres)", EnvURL)
	}
	return u
}

var template struct {
	once sync.Once
	name string
	err  error
}

// Postgres returns a migrated PostgreSQL database private to t.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	db, _ := PostgresDatabase(t)
	return db
}

// PostgresDatabase is Postgres that also gives the database's URL, for
// tests that start other processes on it.
func PostgresDatabase(t testing.TB) (*store.DB, string) {
	t.Helper()
	ctx := context.Background()
	base := PostgresURL(t)
	if !mainRan {
		t.Fatal("this package makes PostgreSQL test databases without dbtest.Main in its TestMain, so its template database would be left behind")
	}
	template.once.Do(func() { template.name, template.err = makeTemplate(ctx, base) })
	if template.err != nil {
		t.Fatal(template.err)
	}
	name := "accord_t_" + random()
	if err := admin(ctx, base, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, template.name)); err != nil {
		t.Fatal(err)
	}
	dbURL := withDatabase(t, base, name)
	db, err := store.Open(ctx, store.Config{DatabaseURL: dbURL, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if err := admin(context.Background(), base, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return db, dbURL
}

// Engines runs fn once per engine available: SQLite always, PostgreSQL when
// configured.
func Engines(t *testing.T, fn func(t *testing.T, open func(testing.TB) *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite) })
	t.Run("postgres", func(t *testing.T) {
		PostgresURL(t)
		fn(t, Postgres)
	})
}

// makeTemplate creates and migrates a template database named for this
// process; test processes run in parallel and must not share one while it
// is being migrated. It is dropped by DropTemplate.
func makeTemplate(ctx context.Context, base string) (string, error) {
	name := fmt.Sprintf("accord_tmpl_%d_%s", os.Getpid(), random()[:6])
	if err := admin(ctx, base, `CREATE DATABASE `+name); err != nil {
		return "", err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	db, err := store.Open(ctx, store.Config{DatabaseURL: u.String()})
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	return name, nil
}

// mainRan is set by Main: a package that makes PostgreSQL databases must
// also drop its template when its tests end.
var mainRan bool

// Main runs a package's tests, then drops the template database the process
// made. Every test package that uses Postgres calls it from TestMain:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
func Main(m *testing.M) {
	mainRan = true
	code := m.Run()
	dropTemplate()
	os.Exit(code)
}

func dropTemplate() {
	if template.name == "" {
		return
	}
	_ = admin(context.Background(), os.Getenv(EnvURL), `DROP DATABASE IF EXISTS `+template.name+` WITH (FORCE)`)
}

func admin(ctx context.Context, base, stmt string) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

func withDatabase(t testing.TB, base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func random() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
