package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/store"
)

// `accord admin unlock` lets an address slowed down by failed sign-ins try
// again at once.
func TestAdminUnlock(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--data-dir", dir}
	const pw = "a perfectly long secret"
	if code, out, errs := runCLI(t, pw+"\n", append([]string{"admin", "create-user", "-email", "ana@vendor.example", "-name", "Ana Admin"}, db...)...); code != 0 {
		t.Fatalf("create user: %d %q %q", code, out, errs)
	}
	// signIn makes guesses wrong attempts from one address, then one with
	// the right password, on the database the commands use.
	signIn := func(guesses int) error {
		t.Helper()
		d, err := store.Open(context.Background(), store.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		svc := directory.NewService(store.NewDirectory(d), directory.DefaultConfig())
		for range guesses {
			_, _, _, _ = svc.Login(context.Background(), time.Now(), "ana@vendor.example", "not the password", "203.0.113.9", "test")
		}
		_, _, _, err = svc.Login(context.Background(), time.Now(), "ana@vendor.example", pw, "203.0.113.9", "test")
		return err
	}
	if err := signIn(6); !accord.IsKind(err, accord.TooManyRequests) {
		t.Fatalf("after six failures: %v", err)
	}
	code, out, errs := runCLI(t, "", append([]string{"admin", "unlock", "-email", "ANA@vendor.example"}, db...)...)
	if code != 0 || !strings.Contains(out, "unlocked ana@vendor.example: 1 address(es)") {
		t.Fatalf("unlock: %d %q %q", code, out, errs)
	}
	if err := signIn(0); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	if code, _, errs := runCLI(t, "", append([]string{"admin", "unlock"}, db...)...); code != 2 || !strings.Contains(errs, "-email is required") {
		t.Fatalf("without -email: %d %q", code, errs)
	}
}
