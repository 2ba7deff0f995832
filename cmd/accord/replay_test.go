package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"accord/internal/cases"
	"accord/internal/sla"
)

// accord policy replay over the report's October: under the stored
// version nothing flips (the cases were opened, reclassified and answered
// by the service, and a breach recorded before a lowering stands); under a
// draft giving premium C3 1h instead of 8h, the Acme case answered after
// 2h of working time flips from met to breached, and is explained.
func TestPolicyReplayCommand(t *testing.T) {
	dir := t.TempDir()
	seedReport(t, dir)
	db := []string{"--data-dir", dir}
	run := func(args ...string) (replayOutput, string) {
		t.Helper()
		code, out, errs := runCLI(t, "", append(append([]string{"policy", "replay"}, args...), db...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s %s", args, code, out, errs)
		}
		var r replayOutput
		if strings.Contains(strings.Join(args, " "), "--json") {
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("%v printed %q: %v", args, out, err)
			}
		}
		return r, out
	}
	same, _ := run("--version", "1", "--from", "2026-10-01", "--to", "2026-11-01", "--json")
	if same.Total.Cases != 4 || same.Total.Flipped != 0 || same.Drift != 0 || same.Total.Actual != same.Total.Draft ||
		same.Total.Actual.Breached != 2 || same.Draft != "version 1" || same.Zone != "America/New_York" || same.Explained != nil {
		t.Fatalf("under the stored version: %+v", same)
	}

	def := sla.DefaultDocument()
	i := strings.Index(def, "\n  premium:")
	doc := def[:i] + strings.Replace(def[i:], "C3: {work: 8h, clock: support-hours}", "C3: {work: 1h, clock: support-hours}", 1)
	draft := filepath.Join(dir, "draft.yaml")
	if err := os.WriteFile(draft, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	r, _ := run("--file", draft, "--from", "2026-10-01", "--to", "2026-11-01", "--json")
	if r.Total.Cases != 4 || r.Total.Flipped != 1 || len(r.Flips) != 1 || r.Draft != draft {
		t.Fatalf("under the draft: %+v", r)
	}
	f := r.Flips[0]
	if f.Customer != "Acme Bank" || f.Plan != "premium" || f.Actual != cases.VerdictMet || f.Draft != cases.VerdictBreached {
		t.Fatalf("flip %+v", f)
	}
	if x := r.Explained; x == nil || x.Number != f.Number || x.Actual.Status != cases.Met || x.Draft.Status != cases.Breached || x.Draft.Target != sla.Duration(3600e9) {
		t.Fatalf("explained %+v", r.Explained)
	}
	_, out := run("--file", draft, "--from", "2026-10-01", "--to", "2026-11-01")
	for _, want := range []string{"4 cases in ", "1 flipped", "Acme Bank", "met", "breached", "as it happened (policy version 1)", "under " + draft} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}

	// Another case explained on request, flipped or not.
	r, _ = run("--version", "1", "--from", "2026-10-01", "--to", "2026-11-01", "--json", "--case", "2")
	if r.Explained == nil || r.Explained.Number != 2 {
		t.Fatalf("case 2 explained: %+v", r.Explained)
	}

	// A broken draft: its problems at their line and column, exit 1.
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(def, "portal_start: next_working_moment", "portal_start: someday", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", append([]string{"policy", "replay", "--file", bad, "--from", "2026-10-01", "--to", "2026-11-01"}, db...)...)
	if code != 1 || !strings.Contains(errs, bad+":") || !strings.Contains(errs, "portal_start") {
		t.Fatalf("bad draft: exit %d: %s", code, errs)
	}
	for _, args := range [][]string{
		{"--from", "2026-10-01", "--to", "2026-11-01"},
		{"--version", "1", "--file", draft, "--from", "2026-10-01", "--to", "2026-11-01"},
		{"--version", "1", "--from", "2026-10", "--to", "2026-11-01"},
		{"--version", "1", "--from", "2026-11-01", "--to", "2026-10-01"},
	} {
		if code, _, errs := runCLI(t, "", append(append([]string{"policy", "replay"}, args...), db...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage): %s", args, code, errs)
		}
	}
}
