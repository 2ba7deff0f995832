package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"accord/internal/engagements"
	"accord/internal/sla"
)

// TestImportLanguages: an import whose texts lack a language Accord
// serves warns, each text at its line and column, and goes in; under
// --policy-languages strict it is refused and nothing changes.
func TestImportLanguages(t *testing.T) {
	dir := t.TempDir()
	db := "--data-dir=" + filepath.Join(dir, "data")
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if code, _, errs := runCLI(t, "", "migrate", db); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	untranslated := write("policy.yaml", strings.Replace(sla.DefaultDocument(), "      pt-BR: Baixa\n", "", 1))
	code, out, errs := runCLI(t, "", "policy", "import", "--policy-languages", "strict", untranslated, db)
	if want := untranslated + ":157:7: criticalities.C4.name: has no pt-BR text"; code != 1 || !strings.Contains(errs, want) {
		t.Fatalf("strict import: exit %d: %s %s\nwant %s", code, out, errs, want)
	}
	if code, out, _ := runCLI(t, "", "policy", "export", db); code != 0 || out != sla.DefaultDocument() {
		t.Fatal("a refused import changed the policy")
	}
	code, out, errs = runCLI(t, "", "policy", "import", untranslated, db)
	if want := untranslated + ":157:7: criticalities.C4.name: warning: has no pt-BR text"; code != 0 || !strings.Contains(errs, want) ||
		!strings.Contains(out, "as policy version 2") || !strings.Contains(out, "criticalities.C4.name.pt-BR: Baixa -> (none)") {
		t.Fatalf("import with warnings: exit %d: %s %s\nwant %s", code, out, errs, want)
	}

	catalog := write("catalog.yaml", strings.Replace(engagements.DefaultDocument(), "      es-ES: Prueba de HA/DR\n", "", 1))
	code, _, errs = runCLI(t, "", "catalog", "import", "--policy-languages", "strict", catalog, db)
	if want := catalog + ":41:7: services.ha_dr_test.name: has no es-ES text"; code != 1 || !strings.Contains(errs, want) {
		t.Fatalf("strict catalog import: exit %d: %s\nwant %s", code, errs, want)
	}
	if code, _, errs := runCLI(t, "", "catalog", "import", "--policy-languages", "sometimes", catalog, db); code != 2 || !strings.Contains(errs, "warn or strict") {
		t.Fatalf("a bad mode: exit %d: %s", code, errs)
	}
}
