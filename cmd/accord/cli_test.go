package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// syncBuffer is written by a running command and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func noEnv(string) string { return "" }

// accord runs the command line in-process and returns its exit status and
// output.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, noEnv, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestServeStartsDrainsAndStops(t *testing.T) {
	dir := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", dir, "--log-format", "json"}, noEnv, nil, &out, &errb)
	}()
	url := ""
	re := regexp.MustCompile(`Accord listening on (http://\S+) \(database: sqlite `)
	for deadline := time.Now().Add(20 * time.Second); url == ""; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no startup line; stdout %q stderr %q", out.String(), errb.String())
		}
	}
	if !strings.Contains(out.String(), "admin@northwind.example") || !strings.Contains(out.String(), demoPassword) {
		t.Fatalf("demo logins not printed: %s", out.String())
	}
	resp, err := http.Post(url+"/api/v1/login", "application/json",
		strings.NewReader(`{"email":"admin@northwind.example","password":"`+demoPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("demo admin login: %d", resp.StatusCode)
	}
	stop() // what SIGTERM does through signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	var line map[string]any
	logs := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if err := json.Unmarshal([]byte(logs[len(logs)-1]), &line); err != nil || line["msg"] != "stopped" {
		t.Fatalf("last log line %q is not JSON 'stopped'", logs[len(logs)-1])
	}
	// A second start on the same data neither re-seeds nor fails.
	ctx2, stop2 := context.WithCancel(context.Background())
	var out2 syncBuffer
	go func() {
		done <- run(ctx2, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", dir}, noEnv, nil, &out2, &errb)
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out2.String(), "listening"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("second start: %q", out2.String())
		}
	}
	stop2()
	<-done
	if !strings.Contains(out2.String(), "already has data") {
		t.Fatalf("second --demo should leave data alone: %q", out2.String())
	}
}

func TestAdminCommandsAndAuditVerify(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--data-dir", dir}
	code, out, errs := runCLI(t, "", append([]string{"admin", "create-user", "-email", "root@vendor.example", "-name", "Rita Root"}, db...)...)
	if code != 0 || !strings.Contains(out, "created admin Rita Root") || !strings.Contains(out, "password: ") {
		t.Fatalf("create first admin: %d %q %q", code, out, errs)
	}
	code, out, errs = runCLI(t, "short\n", append([]string{"admin", "create-user", "-email", "b@vendor.example", "-name", "Bob Agent", "-role", "agent"}, db...)...)
	if code != 1 || !strings.Contains(errs, "password: must be at least 12 characters") {
		t.Fatalf("weak password from stdin: %d %q %q", code, out, errs)
	}
	code, out, errs = runCLI(t, "a perfectly long secret\n", append([]string{"admin", "reset-password", "-email", "ROOT@vendor.example"}, db...)...)
	if code != 0 || !strings.Contains(out, "password reset for") || strings.Contains(out, "password: ") {
		t.Fatalf("reset password: %d %q %q", code, out, errs)
	}
	code, _, errs = runCLI(t, "", append([]string{"admin", "reset-password", "-email", "nobody@vendor.example"}, db...)...)
	if code != 1 || !strings.Contains(errs, "no user has this e-mail address") {
		t.Fatalf("reset unknown user: %d %q", code, errs)
	}
	code, _, errs = runCLI(t, "", "admin", "create-user")
	if code != 2 || !strings.Contains(errs, "-email and -name are required") {
		t.Fatalf("missing flags: %d %q", code, errs)
	}

	code, out, _ = runCLI(t, "", append([]string{"audit", "verify"}, db...)...)
	if code != 0 || !strings.Contains(out, "intact: 3 event(s) in 1 organization chain(s)") {
		t.Fatalf("verify intact: %d %q", code, out)
	}
	sqlDB, err := sql.Open("sqlite", filepath.Join(dir, "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.Exec(`UPDATE audit_events SET changes = '[]' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	sqlDB.Close()
	// The first check was recorded in the global chain, which is walked
	// first: its event and the organization's first verify.
	code, out, _ = runCLI(t, "", append([]string{"audit", "verify"}, db...)...)
	if code != 1 || !strings.Contains(out, "BROKEN after 2 verified event(s)") || !strings.Contains(out, "broken at event 2") {
		t.Fatalf("verify tampered: %d %q", code, out)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := runCLI(t, "", "migrate", "--data-dir", dir); code != 0 || !strings.Contains(out, "migration(s)") {
		t.Fatalf("migrate: %d %q %q", code, out, errs)
	}
	sqlDB, err := sql.Open("sqlite", filepath.Join(dir, "accord.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.Exec(`INSERT INTO accord_migrations (version_id, is_applied) VALUES (9999, 1)`); err != nil {
		t.Fatal(err)
	}
	sqlDB.Close()
	for _, args := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}, {"audit", "verify"}} {
		code, _, errs := runCLI(t, "", append(args, "--data-dir", dir)...)
		if code != 1 || !strings.Contains(errs, "database schema is newer than this binary") || !strings.Contains(errs, "9999") {
			t.Errorf("%v on a newer schema: %d %q", args, code, errs)
		}
	}
}

func TestUnreadableSettingsAreRefused(t *testing.T) {
	for name, value := range map[string]string{"ACCORD_SECURE_COOKIES": "yes", "ACCORD_SHUTDOWN_TIMEOUT": "20", "ACCORD_DB_MAX_CONNS": "abc"} {
		getenv := func(k string) string {
			if k == name {
				return value
			}
			return ""
		}
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, getenv, nil, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), name+"=") {
			t.Errorf("%s=%s: exit %d, %q", name, value, code, errb.String())
		}
	}
}

func TestUsage(t *testing.T) {
	if code, _, errs := runCLI(t, "", "frobnicate"); code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", code, errs)
	}
	code, out, _ := runCLI(t, "", "serve", "-h")
	if code != 0 {
		t.Fatalf("serve -h exited %d", code)
	}
	for _, flag := range []string{"-addr", "ACCORD_ADDR", "127.0.0.1:8080", "-data-dir", "ACCORD_DATA_DIR", "-database-url", "ACCORD_DATABASE_URL", "-demo", "-log-format", "-shutdown-timeout"} {
		if !strings.Contains(out, flag) {
			t.Errorf("serve -h lacks %q", flag)
		}
	}
	if code, _, errs := runCLI(t, "", "serve", "--log-format", "xml", "--data-dir", t.TempDir()); code != 2 || !strings.Contains(errs, `"xml" is not text or json`) {
		t.Fatalf("bad log format: %d %q", code, errs)
	}
}
