package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/environments"
	"accord/internal/store"
)

// TestSnapshotRecord records snapshots from the command line, as backup
// automation beside the database would, and lists them.
func TestSnapshotRecord(t *testing.T) {
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
	org, err := svc.directory.CreateOrganization(ctx, now, directory.NewOrganization{Kind: directory.KindCustomer, Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	env, err := svc.environments.Create(ctx, now, environments.NewEnvironment{OrgID: org.ID, Name: "Production", Product: "Vault", Status: environments.Active})
	d.Close()
	if err != nil {
		t.Fatal(err)
	}

	taken := now.Add(-2 * time.Hour).UTC().Truncate(time.Second)
	code, out, errs := runCLI(t, "", "snapshot", "record", "--environment", string(env.ID), "--taken-at", taken.Format(time.RFC3339),
		"--kind", "daily", "--size", "53687091200", "--location", "gs://backups/acme/prod", "--checksum", "sha256:9f86d0", "--verified", db)
	if code != 0 || !strings.Contains(out, "recorded snapshot snp_") || !strings.Contains(out, "kept until "+taken.AddDate(0, 0, 30).Format(time.RFC3339)) {
		t.Fatalf("record: %d %q %q", code, out, errs)
	}
	code, out, errs = runCLI(t, "", "snapshot", "list", "--environment", string(env.ID), db)
	if code != 0 || !strings.Contains(out, "53687091200") || !strings.Contains(out, "gs://backups/acme/prod") || !strings.Contains(out, "true") {
		t.Fatalf("list: %d %q %q", code, out, errs)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--environment", string(env.ID), "--kind", "hourly", "--location", "x"}, 1, "--kind: must be one of"},
		{[]string{"--environment", string(env.ID), "--kind", "daily", "--location", "x", "--taken-at", "yesterday"}, 2, "--taken-at"},
		{[]string{"--environment", string(env.ID), "--kind", "daily", "--location", "x", "--size", "-5"}, 1, "--size: must not be negative"},
		{[]string{"--environment", string(accord.NewID("env")), "--kind", "daily", "--location", "x"}, 1, "not found"},
		{[]string{"--kind", "daily", "--location", "x"}, 2, "required"},
	} {
		code, _, errs := runCLI(t, "", append(append([]string{"snapshot", "record"}, c.args...), db)...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: %d %q, want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
}
