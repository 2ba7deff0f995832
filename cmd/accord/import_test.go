package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportAndExportCommands(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--data-dir", dir}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	orgs := write("orgs.csv", "kind,name,partner\npartner,Southwind,\ncustomer,=Acme,Southwind\n")
	bad := write("contacts.csv", "organization,email,name\n=Acme,ana@acme.example,Ana\n=Acme,not an address,Bob\n")

	code, out, errs := runCLI(t, "", append([]string{"import", "orgs", orgs, "--dry-run"}, db...)...)
	if code != 0 || !strings.Contains(out, "dry run clean; would import 2 organization(s), 1 partner link(s)") {
		t.Fatalf("dry run: %d %q %q", code, out, errs)
	}
	code, out, errs = runCLI(t, "", append([]string{"import", "orgs", orgs}, db...)...)
	if code != 0 || !strings.Contains(out, "imported 2 organization(s), 1 partner link(s), 0 contact(s), 0 contract(s)") {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	code, out, _ = runCLI(t, "", append([]string{"import", "contacts", bad}, db...)...)
	if code != 1 || !strings.Contains(out, "contacts row 3 column email: must be a plain e-mail address such as ana@example.com") ||
		!strings.Contains(out, "nothing was imported") {
		t.Fatalf("bad rows: %d %q", code, out)
	}
	code, out, errs = runCLI(t, "", append([]string{"export", "orgs"}, db...)...)
	if code != 0 || out != "kind,name,partner\ncustomer,'=Acme,Southwind\npartner,Southwind,\n" {
		t.Fatalf("export: %d %q %q", code, out, errs)
	}
	book := filepath.Join(dir, "all.xlsx")
	if code, out, errs = runCLI(t, "", append([]string{"export", "all", "--out", book}, db...)...); code != 0 {
		t.Fatalf("export all: %d %q %q", code, out, errs)
	}
	code, out, _ = runCLI(t, "", append([]string{"import", "all", book, "--dry-run"}, db...)...)
	if code != 1 || !strings.Contains(out, `organizations row 2 column name: an organization named "=Acme" already exists`) {
		t.Fatalf("re-import: %d %q", code, out)
	}
	if code, _, errs = runCLI(t, "", "import", "orgs"); code != 2 || !strings.Contains(errs, "usage: accord import") {
		t.Fatalf("usage: %d %q", code, errs)
	}
}
