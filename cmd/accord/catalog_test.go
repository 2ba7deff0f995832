package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"accord/internal/engagements"
)

// lineOf is the 1-based line and column where sub first occurs in doc.
func lineOf(t *testing.T, doc, sub string) (int, int) {
	t.Helper()
	at := strings.Index(doc, sub)
	if at < 0 {
		t.Fatalf("%q is not in the document", sub)
	}
	return strings.Count(doc[:at], "\n") + 1, at - strings.LastIndex(doc[:at], "\n")
}

func TestCatalogCommands(t *testing.T) {
	dir := t.TempDir()
	db := "--data-dir=" + filepath.Join(dir, "data")
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	def := engagements.DefaultDocument()

	// A new database gets the default catalog.
	if code, _, errs := runCLI(t, "", "migrate", db); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	code, out, errs := runCLI(t, "", "catalog", "show", db)
	if code != 0 {
		t.Fatalf("show: exit %d: %s", code, errs)
	}
	for _, want := range []string{"catalog version 1 (default catalog)", "by accord catalog", "calendar services; BRL 450.00 an hour",
		"ha_dr_test", "HA/DR test", "vendor_or_reseller", "4 hours", "5 working days after acceptance", "production, segregated_clone",
		"admin_password_recovery", "fixed 1500.00", "none"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}

	// A broken file: every problem with its position, exit 1, nothing saved.
	wrong := "delivered_by: vendor_or_reseller"
	line, col := lineOf(t, def, wrong)
	hline, _ := lineOf(t, def, "home_city: São Paulo")
	broken := strings.Replace(strings.Replace(def, wrong, "delivered_by: partner", 1), "home_city: São Paulo", "home_city: São Paulo\nbogus: 1", 1)
	bad := write("bad.yaml", broken)
	code, _, errs = runCLI(t, "", "catalog", "import", bad, db)
	if want := fmt.Sprintf("%s:%d:%d: services.ha_dr_test.delivered_by: must be vendor or vendor_or_reseller", bad, line+1, col+len("delivered_by: ")); code != 1 || !strings.Contains(errs, want) {
		t.Fatalf("bad import: exit %d, want 1 and %q in: %s", code, want, errs)
	}
	if want := fmt.Sprintf("%s:%d:1: bogus: unknown field", bad, hline+1); !strings.Contains(errs, want) {
		t.Errorf("bad import: %q not in: %s", want, errs)
	}

	good := write("good.yaml", strings.Replace(def, `hourly: "450.00"`, `hourly: "480.00"`, 1))
	code, out, errs = runCLI(t, "", "catalog", "import", good, "--note", "rates for 2027", db)
	if code != 0 || !strings.Contains(out, "imported "+good+" as catalog version 2 (sha256 ") {
		t.Fatalf("import: exit %d: %s %s", code, out, errs)
	}
	if code, _, errs = runCLI(t, "", "catalog", "import", good, db); code != 1 || !strings.Contains(errs, "identical to version 2") {
		t.Fatalf("same import again: exit %d: %s", code, errs)
	}
	if code, out, _ = runCLI(t, "", "catalog", "export", db); code != 0 || !strings.Contains(out, `hourly: "480.00"`) {
		t.Fatalf("export: exit %d", code)
	}
	if code, out, _ = runCLI(t, "", "catalog", "export", "--version", "1", db); code != 0 || out != def {
		t.Fatalf("export of version 1 is not the default document byte for byte (exit %d)", code)
	}
	if code, _, errs = runCLI(t, "", "catalog", "export", "--version", "9", db); code != 1 || !strings.Contains(errs, "not found") {
		t.Fatalf("export of a missing version: exit %d: %s", code, errs)
	}
	if code, out, _ = runCLI(t, "", "catalog", "show", db); code != 0 || !strings.Contains(out, "catalog version 2 (rates for 2027)") || !strings.Contains(out, "BRL 480.00 an hour") {
		t.Fatalf("show after import: exit %d: %s", code, out)
	}
	code, out, _ = runCLI(t, "", "catalog", "versions", db)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "VERSION") || !strings.HasPrefix(lines[1], "2 ") || !strings.Contains(lines[1], "rates for 2027") ||
		!strings.HasPrefix(lines[2], "1 ") || !strings.Contains(lines[2], "default catalog") {
		t.Fatalf("versions: exit %d:\n%s", code, out)
	}

	// From standard input, too.
	code, out, _ = runCLI(t, strings.Replace(def, `hourly: "450.00"`, `hourly: "500.00"`, 1), "catalog", "import", "-", db)
	if code != 0 || !strings.Contains(out, "imported - as catalog version 3") {
		t.Fatalf("import from stdin: exit %d: %s", code, out)
	}

	for _, args := range [][]string{{"catalog"}, {"catalog", "frob"}, {"catalog", "import", db}, {"catalog", "versions", "x", db}, {"catalog", "show", "--bogus"}} {
		if code, _, _ := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	// The default policy, the default catalog, the default matrix and two imports.
	if code, out, _ = runCLI(t, "", "audit", "verify", db); code != 0 || !strings.Contains(out, "intact: 5 event(s)") {
		t.Fatalf("audit after catalog commands: exit %d: %s", code, out)
	}
}
