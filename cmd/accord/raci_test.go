package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/environments"
	"accord/internal/raci"
	"accord/internal/store"
)

func TestRaciCommands(t *testing.T) {
	dir := t.TempDir()
	db := "--data-dir=" + filepath.Join(dir, "data")
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	def := raci.DefaultDocument()
	if code, _, errs := runCLI(t, "", "migrate", db); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	code, out, errs := runCLI(t, "", "raci", "show", "--lang", "es-ES", db)
	if code != 0 || !strings.Contains(out, "matrix version 1 (default matrix)") || !strings.Contains(out, "Gestión de cambios (change)") ||
		!strings.Contains(out, "promote-production") {
		t.Fatalf("show: exit %d: %s %s", code, out, errs)
	}

	// A broken file: each problem at file:line:column, exit 1, nothing saved.
	bad := write("bad.yaml", strings.Replace(def, `letters: {vendor: R, customer: "I, A"}`, `letters: {vendor: "R, A", customer: "I, A"}`, 1))
	code, _, errs = runCLI(t, "", "raci", "import", bad, db)
	if code != 1 || !strings.Contains(errs, bad+":551:45: processes[9].activities[6].letters.customer: only one party may be A") {
		t.Fatalf("bad import: exit %d: %s", code, errs)
	}
	good := write("good.yaml", strings.Replace(def, `letters: {vendor: R, customer: "I, A"}`, `letters: {vendor: "R, A", customer: I}`, 1))
	code, out, errs = runCLI(t, "", "raci", "import", good, "--note", "the vendor approves promotions", db)
	if code != 0 || !strings.Contains(out, "as matrix version 2") ||
		!strings.Contains(out, "database-administration.promote-production.letters.vendor: R -> R, A") {
		t.Fatalf("import: exit %d: %s %s", code, out, errs)
	}
	if code, out, _ = runCLI(t, "", "raci", "diff", "1", "2", db); code != 0 || strings.Count(out, "\n") != 2 {
		t.Fatalf("diff: exit %d: %s", code, out)
	}
	if code, out, _ = runCLI(t, "", "raci", "rollback", "1", db); code != 0 || !strings.Contains(out, "matrix version 3 is a copy of version 1") {
		t.Fatalf("rollback: exit %d: %s", code, out)
	}
	if code, out, _ = runCLI(t, "", "raci", "export", "--version", "2", db); code != 0 || out != string(mustRead(t, good)) {
		t.Fatalf("export --version 2: exit %d", code)
	}
	if code, out, _ = runCLI(t, "", "raci", "versions", db); code != 0 || !strings.Contains(out, "rollback to version 1") || !strings.Contains(out, "the vendor approves promotions") {
		t.Fatalf("versions: exit %d: %s", code, out)
	}

	// An environment's own version, from the command line.
	envID := cliEnvironment(t, filepath.Join(dir, "data"))
	agreed := write("agreed.yaml", strings.Replace(def, "Monitor space allocation", "Monitor the space allocated", 1))
	code, out, errs = runCLI(t, "", "raci", "import", agreed, "--environment", envID, "--note", "signed", db)
	if code != 0 || !strings.Contains(out, "as version 1 of environment "+envID) || !strings.Contains(out, "space-allocation.text.en-US") {
		t.Fatalf("import --environment: exit %d: %s %s", code, out, errs)
	}
	if code, out, _ = runCLI(t, "", "raci", "export", "--environment", envID, db); code != 0 || out != string(mustRead(t, agreed)) {
		t.Fatalf("export --environment: exit %d", code)
	}
	if code, out, _ = runCLI(t, "", "raci", "show", "--environment", envID, db); code != 0 || !strings.Contains(out, "its version 1 (signed), agreed on default version 3") {
		t.Fatalf("show --environment: exit %d: %s", code, out)
	}
	if code, _, errs = runCLI(t, "", "raci", "export", "--environment", "env_unknown", db); code == 0 {
		t.Fatalf("unknown environment: exit 0 %s", errs)
	}
}

// cliEnvironment makes a customer with an environment in the database of
// dataDir, as the vendor's staff would over HTTP.
func cliEnvironment(t *testing.T, dataDir string) string {
	t.Helper()
	ctx := accord.WithActor(context.Background(), accord.SystemActor("test"))
	d, err := store.Open(ctx, store.Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	svc := newServices(d)
	now := time.Now()
	org, err := svc.directory.CreateOrganization(ctx, now, directory.NewOrganization{Kind: directory.KindCustomer, Name: "Acme Bank"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := svc.environments.Create(ctx, now, environments.NewEnvironment{OrgID: org.ID, Name: "Production", Product: "Vault"})
	if err != nil {
		t.Fatal(err)
	}
	return string(e.ID)
}
