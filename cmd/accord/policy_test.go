package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"accord/internal/sla"
)

func TestPolicyCommands(t *testing.T) {
	dir := t.TempDir()
	db := "--data-dir=" + filepath.Join(dir, "data")
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	def := sla.DefaultDocument()

	// The example, on a new database that gets the default policy
	// first.
	if code, _, errs := runCLI(t, "", "migrate", db); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	code, out, errs := runCLI(t, "", "policy", "due", "--plan", "advanced", "--criticality", "C3", "--channel", "portal",
		"--received", "2024-03-08T21:00:00-05:00", db)
	if code != 0 {
		t.Fatalf("due: exit %d: %s", code, errs)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("due printed %q: %v", out, err)
	}
	if res["clock"] != "support-hours" || res["starts_at"] != "2024-03-11T12:00:00Z" || res["due_at"] != "2024-03-11T20:00:00Z" ||
		res["guaranteed"] != true || len(res["explanation"].([]any)) == 0 || res["warn_at"] != "2024-03-11T18:00:00Z" || res["target"] != "8h" {
		t.Fatalf("due printed %s", out)
	}

	// A broken file: every problem with its position, exit 1, nothing saved.
	bad := write("bad.yaml", strings.Replace(strings.Replace(def, "C2: {work: 1h, clock: 24x7, phone_required: true}", "C2: {work: 1h, clock: suport-hours, phone_required: true}", 1),
		"  resolved_days: 10", "  resolved_days: 10\n  bogus: 1", 1))
	code, _, errs = runCLI(t, "", "policy", "import", bad, db)
	if code != 1 || !strings.Contains(errs, bad+`:119:29: plans.premium.targets.C2.clock: unknown calendar "suport-hours"`) ||
		!strings.Contains(errs, bad+":140:3: auto_close.bogus: unknown field") {
		t.Fatalf("bad import: exit %d: %s", code, errs)
	}

	good := write("good.yaml", strings.Replace(def, "C2: {work: 1h, clock: 24x7, phone_required: true}", "C2: {work: 2h, clock: 24x7, phone_required: true}", 1))
	code, out, errs = runCLI(t, "", "policy", "import", good, db)
	if code != 0 || !strings.Contains(out, "as policy version 2") || !strings.Contains(out, "plans.premium.targets.C2.work: 1h -> 2h") {
		t.Fatalf("import: exit %d: %s %s", code, out, errs)
	}
	if code, _, errs = runCLI(t, "", "policy", "import", good, db); code != 1 || !strings.Contains(errs, "identical to version 2") {
		t.Fatalf("same import again: exit %d: %s", code, errs)
	}
	if code, out, _ = runCLI(t, "", "policy", "diff", "1", "2", db); code != 0 || out != "plans.premium.targets.C2.work: 1h -> 2h\n" {
		t.Fatalf("diff: exit %d: %q", code, out)
	}
	if code, out, _ = runCLI(t, "", "policy", "export", db); code != 0 || !strings.Contains(out, "C2: {work: 2h") {
		t.Fatalf("export: exit %d", code)
	}
	if code, out, _ = runCLI(t, "", "policy", "export", "--version", "1", db); code != 0 || out != def {
		t.Fatalf("export of version 1 is not the default document byte for byte (exit %d)", code)
	}
	if code, out, _ = runCLI(t, "", "policy", "rollback", "1", db); code != 0 || !strings.Contains(out, "policy version 3 is a copy of version 1") {
		t.Fatalf("rollback: exit %d: %s", code, out)
	}
	code, out, _ = runCLI(t, "", "policy", "due", "--plan", "premium", "--criticality", "C2", "--channel", "phone",
		"--received", "2024-03-09T03:00:00-05:00", "--policy-version", "2", db)
	if code != 0 || !strings.Contains(out, `"due_at": "2024-03-09T10:00:00Z"`) {
		t.Fatalf("due under version 2: exit %d: %s", code, out)
	}
	// A draft is tried without importing it.
	code, out, _ = runCLI(t, "", "policy", "due", "--plan", "premium", "--criticality", "C2", "--channel", "portal",
		"--received", "2024-03-09T03:00:00-05:00", "--phone-at", "2024-03-09T03:30:00-05:00", "--file", good)
	if code != 0 || !strings.Contains(out, `"due_at": "2024-03-09T10:30:00Z"`) {
		t.Fatalf("due on a draft: exit %d: %s", code, out)
	}
	if code, _, errs = runCLI(t, "", "policy", "due", "--plan", "gold", "--criticality", "C1", "--received", "2024-03-09T03:00:00Z", db); code != 1 || !strings.Contains(errs, "unknown plan") {
		t.Fatalf("unknown plan: exit %d: %s", code, errs)
	}
	if code, _, _ = runCLI(t, "", "policy", "diff", "1", db); code != 2 {
		t.Fatalf("diff with one version: exit %d, want 2", code)
	}
	// The default policy, catalog and matrix, the import and the rollback.
	if code, out, _ = runCLI(t, "", "audit", "verify", db); code != 0 || !strings.Contains(out, "intact: 5 event(s)") {
		t.Fatalf("audit after policy commands: exit %d: %s", code, out)
	}
}
