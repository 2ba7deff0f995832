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
	"accord/internal/products"
	"accord/internal/store"
)

// TestImportVersionsCommand: a versions file is checked row by row (a dry
// run stores nothing), problems name the row and column and stop the whole
// file, and a clean file stores its versions as drafts.
func TestImportVersionsCommand(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := newServices(db)
	sys := accord.WithActor(ctx, accord.SystemActor("test"))
	vendor, err := svc.directory.CreateOrganization(sys, time.Now(), directory.NewOrganization{Kind: directory.KindVendor, Name: "Northwind"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.products.CreateProduct(sys, time.Now(), products.NewProduct{OrgID: vendor.ID, Key: "identity", Name: "Accord Identity"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.products.CreateVersion(sys, time.Now(), p.ID, products.NewVersion{Number: "3.20"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bad := write("bad.csv", "product,number,released_on,end_of_support,notes\n"+
		"identity,3.21,2025-11-01,2026-11-01,Passkeys\nvault,1.0,,,\nidentity,3.20,,,\nidentity,3.22,2026-02-30,,\nidentity,3.21,,,\n")
	code, out, _ := runCLI(t, "", "import", "versions", bad, "--data-dir", dir)
	for _, want := range []string{`versions row 3 column product: no product has the key "vault"`, "versions row 4 column number: the product already has this version",
		"versions row 5 column released_on: must be a date as YYYY-MM-DD", "versions row 6 column number: the version is also on row 2", "nothing was imported"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("bad file: %d, want %q in\n%s", code, want, out)
		}
	}
	good := write("good.csv", "product,number,released_on,end_of_support,notes\nidentity,3.21,2025-11-01,2026-11-01,\"- Passkeys\n- SIEM export\"\nidentity,3.22,,,\n")
	if code, out, errs := runCLI(t, "", "import", "versions", good, "--dry-run", "--data-dir", dir); code != 0 || !strings.Contains(out, "dry run clean; would import 2 version(s)") {
		t.Fatalf("dry run: %d %q %q", code, out, errs)
	}
	if code, out, errs := runCLI(t, "", "import", "versions", good, "--data-dir", dir); code != 0 || !strings.Contains(out, "imported 2 version(s) as drafts") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	db, err = store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vs, err := newServices(db).products.ListVersions(sys, p.ID)
	if err != nil || len(vs) != 3 || vs[0].Number != "3.22" || vs[1].Notes != "- Passkeys\n- SIEM export" || vs[1].State != products.Draft {
		t.Fatalf("versions after import: %+v, %v", vs, err)
	}
}
