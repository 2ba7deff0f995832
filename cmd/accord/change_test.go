package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/changes"
	"accord/internal/directory"
	"accord/internal/environments"
	"accord/internal/store"
)

// TestChangeList lists change requests from the command line.
func TestChangeList(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db := "--data-dir=" + dir
	if code, _, errs := runCLI(t, "", "migrate", db); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	ctx := accord.WithActor(context.Background(), accord.SystemActor("test"))
	d, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	svc := newServices(d)
	now := time.Now()
	if err := svc.ensureDefaults(ctx, now); err != nil {
		t.Fatal(err)
	}
	org, err := svc.directory.CreateOrganization(ctx, now, directory.NewOrganization{Kind: directory.KindCustomer, Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	vendor, err := svc.directory.CreateOrganization(ctx, now, directory.NewOrganization{Kind: directory.KindVendor, Name: "Northwind"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := svc.directory.CreateUser(ctx, now, directory.NewUser{OrgID: vendor.ID, Email: "admin@northwind.example", Name: "Alice",
		Role: accord.RoleAdmin, Password: "a long test passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	as := accord.WithActor(context.Background(), admin.Actor())
	env, err := svc.environments.Create(as, now, environments.NewEnvironment{OrgID: org.ID, Name: "Production", Product: "Vault", Status: environments.Active})
	if err != nil {
		t.Fatal(err)
	}
	start := now.Add(72 * time.Hour).UTC().Truncate(time.Minute)
	c, err := svc.changes.Request(as, now, changes.RequestInput{EnvironmentID: env.ID, Title: "Upgrade to 4.3", Reason: "bug",
		Plan: "upgrade", BackoutPlan: "restore", NeedsShutdown: true, PlannedStart: &start, Minutes: 90})
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "change", "list", "--environment", string(env.ID), db)
	if code != 0 || !strings.Contains(out, string(c.ID)) || !strings.Contains(out, "submitted") || !strings.Contains(out, start.Format(time.RFC3339)) ||
		!strings.Contains(out, "Upgrade to 4.3") {
		t.Fatalf("list: %d %q %q", code, out, errs)
	}
	if code, out, _ := runCLI(t, "", "change", "list", "--state", "completed", db); code != 0 || strings.Contains(out, string(c.ID)) {
		t.Fatalf("completed: %d %q", code, out)
	}
	if code, _, errs := runCLI(t, "", "change", "list", "--state", "done", db); code != 1 || !strings.Contains(errs, "--state") {
		t.Fatalf("a wrong state: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "change", "list", "--environment", "x y", db); code != 2 || !strings.Contains(errs, "--environment") {
		t.Fatalf("a wrong id: %d %q", code, errs)
	}
}
