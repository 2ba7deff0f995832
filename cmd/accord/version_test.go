package main

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// commandLines lists every command line accord takes: each command, and
// for a group (policy, audit, ...) each of its subcommands, as its help
// lists them, so that a command added later is covered without a new row.
func commandLines(t *testing.T) [][]string {
	t.Helper()
	var lines [][]string
	row := regexp.MustCompile(`^  (\S+)\s`)
	for _, c := range commands() {
		lines = append(lines, []string{c.name})
		code, out, _ := runCLI(t, "", c.name, "-h")
		if code != 0 {
			t.Fatalf("accord %s -h: %d", c.name, code)
		}
		_, subs, ok := strings.Cut(out, "\ncommands:\n")
		if !ok {
			continue
		}
		for _, l := range strings.Split(subs, "\n") {
			if m := row.FindStringSubmatch(l); m != nil {
				lines = append(lines, []string{c.name, m[1]})
			}
		}
	}
	return lines
}

// --version is accepted by every command and subcommand, before or after
// its other flags and arguments, even flags it does not take: it prints
// what `accord version` prints, exits 0 and does nothing else (no data
// directory is created, no server started).
func TestVersionOnEveryCommand(t *testing.T) {
	code, want, errs := runCLI(t, "", "version")
	if code != 0 || errs != "" {
		t.Fatalf("accord version: %d %q", code, errs)
	}
	lines := commandLines(t)
	for _, sub := range [][]string{{"policy", "import"}, {"audit", "verify"}, {"admin", "create-user"}} {
		found := false
		for _, l := range lines {
			found = found || strings.Join(l, " ") == strings.Join(sub, " ")
		}
		if !found {
			t.Fatalf("the command lines %v lack %v: the help's list of subcommands was not read", lines, sub)
		}
	}
	dir := filepath.Join(t.TempDir(), "data")
	// Cancelled: should a command run after all (serve), it stops at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, line := range lines {
		for _, args := range [][]string{
			append(append([]string{}, line...), "--version"),
			append(append([]string{}, line...), "-version"),
			append(append([]string{}, line...), "--data-dir", dir, "--version", "extra"),
		} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var out, errb bytes.Buffer
				code := run(ctx, args, noEnv, strings.NewReader(""), &out, &errb)
				if code != 0 || out.String() != want || errb.String() != "" {
					t.Errorf("accord %v: %d %q %q, want 0 and %q", args, code, out.String(), errb.String(), want)
				}
				absent(t, dir, strings.Join(args, " "))
			})
		}
	}
}

// The version output names the Go release and platform beside the
// version, commit and schema; stamped with -ldflags, the version and
// commit are the stamped ones.
func TestVersionStamped(t *testing.T) {
	t.Cleanup(func() { version, commit = "", "" })
	version, commit = "1.2.3", "0123abcd"
	code, out, _ := runCLI(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "accord 1.2.3\ncommit: 0123abcd\nschema: ") ||
		!strings.HasSuffix(out, "\ngo: "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+"\n") {
		t.Errorf("accord version: %d %q", code, out)
	}
}

// Where a command has a --version N of its own (the document version to
// export or show), a number after it keeps that meaning; a bare one asks
// for accord's version. Other flags' values are skipped, and "--" ends
// the flags.
func TestWantsVersion(t *testing.T) {
	own := flag.NewFlagSet("own", flag.ContinueOnError)
	own.Int("version", 0, "")
	own.String("reason", "", "")
	own.Bool("json", false, "")
	none := flag.NewFlagSet("none", flag.ContinueOnError)
	none.String("reason", "", "")
	none.Bool("json", false, "")
	for _, tc := range []struct {
		fs   *flag.FlagSet
		args string
		want bool
	}{
		{none, "--version", true},
		{none, "-version", true},
		{none, "a.yaml --version", true},
		{none, "--json --version", true},
		{none, "--version=true", true},
		{none, "--version=false", false},
		{none, "--reason --version", false},
		{none, "--reason=x --version", true},
		{none, "-- --version", false},
		{none, "--unknown --version", true},
		{none, "", false},
		{own, "--version 3", false},
		{own, "--version=3", false},
		{own, "--version", true},
		{own, "--version --json", true},
		{own, "--json --version", true},
		{own, "--reason --version", false},
		{own, "--version 3 --reason x", false},
		{own, "--version a.yaml", true},
		{own, "--version -1", false},
	} {
		if got := wantsVersion(tc.fs, strings.Fields(tc.args)); got != tc.want {
			t.Errorf("%s: wantsVersion(%q) = %v, want %v", tc.fs.Name(), tc.args, got, tc.want)
		}
	}
}

// A document version still selects the document: policy export --version 1
// is the export of version 1, not accord's version.
func TestDocumentVersionFlagKeepsItsMeaning(t *testing.T) {
	db := "--data-dir=" + filepath.Join(t.TempDir(), "data")
	if code, _, errs := runCLI(t, "", "migrate", db); code != 0 {
		t.Fatalf("migrate: %d %s", code, errs)
	}
	if code, out, errs := runCLI(t, "", "policy", "export", "--version", "1", db); code != 0 || !strings.Contains(out, "support_calendar:") {
		t.Errorf("policy export --version 1: %d %q %q, want the policy's version 1", code, out, errs)
	}
	if code, _, errs := runCLI(t, "", "policy", "export", "--version=7", db); code != 1 || !strings.Contains(errs, "not found") {
		t.Errorf("policy export --version=7: %d %q, want version 7 not found", code, errs)
	}
}

func TestReadyzURL(t *testing.T) {
	for addr, want := range map[string]string{
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		":8080":          "http://127.0.0.1:8080/readyz",
		"[::]:8080":      "http://[::1]:8080/readyz",
		"127.0.0.1:9000": "http://127.0.0.1:9000/readyz",
		"accord:8080":    "http://accord:8080/readyz",
	} {
		if got, err := readyzURL(addr); err != nil || got != want {
			t.Errorf("readyzURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := readyzURL("8080"); err == nil {
		t.Error(`readyzURL("8080") was accepted`)
	}
}

// accord healthcheck exits 0 when /readyz answers 200, 1 when it answers
// otherwise or nothing listens, and 2 for a bad address.
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		w.Write([]byte(`{"status":"x"}`))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	if code, out, errs := runCLI(t, "", "healthcheck", "--addr", addr); code != 0 || !strings.HasPrefix(out, "ready: ") {
		t.Errorf("ready: %d %q %q", code, out, errs)
	}
	status = http.StatusServiceUnavailable
	if code, _, errs := runCLI(t, "", "healthcheck", "--addr", addr); code != 1 || !strings.Contains(errs, "503") {
		t.Errorf("not ready: %d %q", code, errs)
	}
	getenv := func(k string) string {
		if k == "ACCORD_ADDR" {
			return addr
		}
		return ""
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"healthcheck"}, getenv, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), addr) {
		t.Errorf("ACCORD_ADDR: %d %q", code, errb.String())
	}
	srv.Close()
	if code, _, errs := runCLI(t, "", "healthcheck", "--addr", addr); code != 1 || !strings.Contains(errs, "not ready") {
		t.Errorf("nothing listening: %d %q", code, errs)
	}
	if code, _, _ := runCLI(t, "", "healthcheck", "--addr", "nope"); code != 2 {
		t.Errorf("bad address: %d, want 2", code)
	}
}

// Whatever the arguments, wantsVersion answers without panicking; it asks
// for the version only when some argument names the flag, and never for
// arguments after "--".
func FuzzWantsVersion(f *testing.F) {
	for _, seed := range []string{"--version", "--reason --version", "--version 3", "a -- --version", "-version=x", "--", "-"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, own := range []bool{false, true} {
			fs := flag.NewFlagSet("f", flag.ContinueOnError)
			fs.String("reason", "", "")
			fs.Bool("json", false, "")
			if own {
				fs.Int("version", 0, "")
			}
			args := strings.Fields(line)
			named := false
			for _, a := range args {
				named = named || strings.HasPrefix(a, "-") && strings.HasPrefix(strings.TrimLeft(a, "-"), "version")
			}
			if wantsVersion(fs, args) && !named {
				t.Errorf("%q asks for the version without naming it", line)
			}
			if wantsVersion(fs, append([]string{"--"}, args...)) {
				t.Errorf("-- %q asks for the version", line)
			}
		}
	})
}
