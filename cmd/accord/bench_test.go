package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"accord/internal/cases"
	"accord/internal/store/dbtest"
)

// startServe runs `accord serve --demo` in-process on a free port and
// returns its URL; the server stops when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...), noEnv, nil, &out, &errb)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	re := regexp.MustCompile(`Accord listening on (http://\S+) `)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no startup line; stdout %q stderr %q", out.String(), errb.String())
		}
	}
}

// benchFigure reads a figure from bench cases' output.
func benchFigure(t *testing.T, out, pattern string) float64 {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q in the output:\n%s", pattern, out)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func countCases(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM cases`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBenchCasesOpensCasesOverTheAPI(t *testing.T) {
	dir := t.TempDir()
	url := startServe(t, "--data-dir", dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "accord.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := countCases(t, db)

	code, out, errs := runCLI(t, "", "bench", "cases", "--url", url, "--clients", "2", "--count", "6", "--warmup", "0")
	if code != 0 {
		t.Fatalf("bench cases: exit %d\n%s\n%s", code, out, errs)
	}
	if got := benchFigure(t, out, `cases opened\s+(\d+) \(errors 0\)`); got != 6 {
		t.Errorf("opened %v cases, want 6:\n%s", got, out)
	}
	if rate := benchFigure(t, out, `rate\s+([0-9.]+) cases/s`); rate <= 0 {
		t.Errorf("rate %v:\n%s", rate, out)
	}
	benchFigure(t, out, `latency\s+p50 ([0-9.]+) ms\s+p90 [0-9.]+ ms\s+p99 [0-9.]+ ms`)
	if strings.Contains(out, "pgbench") {
		t.Errorf("pgbench ran without -database-url:\n%s", out)
	}
	if got := countCases(t, db) - before; got != 6 {
		t.Errorf("%d cases stored, want 6", got)
	}

	// A partner agent opens portal cases for the customer its partner
	// serves; the vendor's agent records phone cases.
	code, out, errs = runCLI(t, "", "bench", "cases", "--url", url, "--clients", "2", "--count", "4", "--warmup", "0",
		"--users", "partner@southwind.example,agent@northwind.example")
	if code != 0 || benchFigure(t, out, `cases opened\s+(\d+) \(errors 0\)`) != 4 {
		t.Fatalf("partner and vendor agents: exit %d\n%s\n%s", code, out, errs)
	}
	var partnerCases, phoneCases int
	if err := db.QueryRow(`SELECT count(*) FROM cases c JOIN users u ON u.id = c.opened_by_id WHERE u.role = 'partner_agent' AND c.channel = 'portal'`).Scan(&partnerCases); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM cases c JOIN users u ON u.id = c.opened_by_id WHERE u.role = 'agent' AND c.channel = 'phone'`).Scan(&phoneCases); err != nil {
		t.Fatal(err)
	}
	if partnerCases+phoneCases < 4 {
		t.Errorf("%d portal cases by the partner agent and %d phone cases by the vendor's agent, want 4 in all", partnerCases, phoneCases)
	}

	// A wrong password stops before any case is opened.
	code, _, errs = runCLI(t, "", "bench", "cases", "--url", url, "--clients", "1", "--count", "1", "--password", "not the password")
	if code != 1 || !strings.Contains(errs, "sign in as cto@acme.example: 401") {
		t.Errorf("wrong password: exit %d %q", code, errs)
	}
}

// On PostgreSQL, bench cases also runs pgbench against the same database,
// reports the ratio and drops its scratch table; bench seed and bench due
// work on the result.
func TestBenchOnPostgres(t *testing.T) {
	_, dbURL := dbtest.PostgresDatabase(t)
	if code, out, errs := runCLI(t, "", "bench", "seed", "--database-url", dbURL, "--cases", "300", "--batch", "120", "--closed", "0.3"); code != 0 ||
		!strings.Contains(out, "seeded 300 cases") || !strings.Contains(out, "no audit events") {
		t.Fatalf("bench seed: exit %d\n%s\n%s", code, out, errs)
	}
	url := startServe(t, "--database-url", dbURL, "--jobs=false")
	args := []string{"bench", "cases", "--url", url, "--clients", "2", "--count", "4", "--warmup", "0"}
	_, err := exec.LookPath("pgbench")
	withPgbench := err == nil
	if withPgbench {
		args = append(args, "--database-url", dbURL)
	} else {
		t.Log("pgbench is not installed: measuring the API only")
	}
	code, out, errs := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("bench cases: exit %d\n%s\n%s", code, out, errs)
	}
	if got := benchFigure(t, out, `cases opened\s+(\d+) \(errors 0\)`); got != 4 {
		t.Errorf("opened %v cases, want 4:\n%s", got, out)
	}
	if withPgbench {
		if benchFigure(t, out, `cases stored\s+\d+ before, \d+ after \(\+(\d+),`) != 4 {
			t.Errorf("cases stored:\n%s", out)
		}
		if benchFigure(t, out, `pgbench\s+([0-9.]+) single-row inserts/s`) <= 0 || benchFigure(t, out, `ratio\s+([0-9.]+)%`) <= 0 {
			t.Errorf("no pgbench rate or ratio:\n%s", out)
		}
		d, err := sql.Open("pgx", dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var left int
		if err := d.QueryRow(`SELECT count(*) FROM pg_tables WHERE tablename LIKE 'accord_bench_raw_%'`).Scan(&left); err != nil || left != 0 {
			t.Errorf("scratch tables left: %d, %v", left, err)
		}
	}

	code, out, errs = runCLI(t, "", "bench", "due", "--database-url", dbURL, "--runs", "3")
	if code != 0 {
		t.Fatalf("bench due: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"== claim: the jobs runner", "== next run", "== queue: vendor's cases", "== queue of one customer", "LockRows", "time over 3 runs: p50"} {
		if !strings.Contains(out, want) {
			t.Errorf("bench due output lacks %q:\n%s", want, out)
		}
	}
	// The claims rolled back: nothing is held.
	d, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var held int
	if err := d.QueryRow(`SELECT count(*) FROM jobs WHERE claimed_by = 'bench'`).Scan(&held); err != nil || held != 0 {
		t.Errorf("jobs claimed by bench due: %d, %v", held, err)
	}
}

func TestBenchFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "usage: accord bench cases|pages|seed|due"},
		{[]string{"bench", "frobnicate"}, `unknown bench command "frobnicate"`},
		{[]string{"bench", "cases", "--clients", "0"}, "-clients must be at least 1"},
		{[]string{"bench", "cases", "--duration", "0s"}, "give a positive -duration or a -count"},
		{[]string{"bench", "cases", "--count", "-1"}, "-count must not be negative"},
		{[]string{"bench", "cases", "--users", " ", "--count", "1"}, "give -users (and -password) or -token"},
		{[]string{"bench", "cases", "--clients", "two"}, "invalid value"},
		{[]string{"bench", "pages", "--clients", "1,0"}, `-clients: "0" is not a positive number`},
		{[]string{"bench", "pages", "--clients", "four"}, `-clients: "four" is not a positive number`},
		{[]string{"bench", "pages", "--duration", "0s"}, "give a positive -duration or a -count"},
		{[]string{"bench", "pages", "--agent", "", "--admin", "", "--customer", "", "--partner", ""}, "give at least one of -agent"},
		{[]string{"bench", "seed", "--data-dir", t.TempDir(), "--long", "-1"}, "-long must not be negative"},
		{[]string{"bench", "seed", "--database-url", "postgres://x", "--closed", "2"}, "-closed must be between 0 and 1"},
		{[]string{"bench", "seed", "--database-url", "postgres://x", "--cases", "0"}, "-cases must be at least 1"},
		{[]string{"bench", "due", "--data-dir", t.TempDir()}, "measures PostgreSQL: give -database-url"},
		{[]string{"bench", "due", "--database-url", "postgres://x", "--runs", "0"}, "-runs must be at least 1"},
	} {
		code, _, errs := runCLI(t, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, errs, c.want)
		}
	}
	if code, out, _ := runCLI(t, "", "bench", "-h"); code != 0 || !strings.Contains(out, "seed") {
		t.Errorf("bench -h: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "", "bench", "cases", "-h"); code != 0 || !strings.Contains(out, "-clients") || !strings.Contains(out, "-database-url") {
		t.Errorf("bench cases -h: %d %q", code, out)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bench pages times every page as the demo's agent, admin, customer and
// partner: each answers 200, and the table has a row per page and
// concurrency, with the server's memory.
func TestBenchPagesOnTheDemo(t *testing.T) {
	url := startServe(t, "--data-dir", t.TempDir())
	code, out, errs := runCLI(t, "", "bench", "pages", "--url", url, "--clients", "1,2", "--count", "3", "--pid", strconv.Itoa(os.Getpid()))
	if code != 0 {
		t.Fatalf("bench pages: exit %d\n%s\n%s", code, out, errs)
	}
	rows := benchPageRows(t, out)
	want := []string{"agent queue (web)", "agent queue (api sort=due)", "agent search (web)", "agent search (api)", "dashboard (web)", "dashboard (api)",
		"audit trail (web)", "audit trail (api)", "export all (xlsx)", "export all (xlsx) first byte", "export contacts (csv)",
		"customer cases (web)", "customer case (web)", "customer case (api)", "customer search (api)",
		"partner cases (web)", "partner case (web)", "partner search (web)"}
	for _, v := range cases.Views {
		want = append(want, "agent view "+string(v)+" (web)")
	}
	for _, name := range want {
		for _, c := range []string{"1", "2"} {
			if r, ok := rows[name+"/"+c]; !ok || r[0] != "3" {
				t.Errorf("%s at %s clients: %v", name, c, r)
			}
		}
	}
	if !regexp.MustCompile(`sla report \d{4}-\d{2} \(csv\)\s+2\s+3 `).MatchString(out) {
		t.Errorf("no SLA report row:\n%s", out)
	}
	if benchFigure(t, out, `server memory\s+max RSS ([0-9.]+) MB over \d+ samples`) <= 0 || !strings.Contains(out, "VmHWM") {
		t.Errorf("no memory:\n%s", out)
	}

	// -json and -only: the figures as data, for the pages named.
	code, out, errs = runCLI(t, "", "bench", "pages", "--url", url, "--clients", "2", "--count", "4", "--only", "export,customer case (", "--json")
	if code != 0 {
		t.Fatalf("bench pages -json: exit %d\n%s\n%s", code, out, errs)
	}
	var rep struct {
		Pages []struct {
			Page      string      `json:"page"`
			Clients   int         `json:"clients"`
			N         int         `json:"n"`
			Errors    int         `json:"errors"`
			P99       float64     `json:"p99_ms"`
			FirstByte *[4]float64 `json:"first_byte_ms"`
		} `json:"pages"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	var names []string
	for _, p := range rep.Pages {
		names = append(names, p.Page)
		if p.Clients != 2 || p.N != 4 || p.Errors != 0 || p.P99 <= 0 || strings.Contains(p.Page, "export") != (p.FirstByte != nil) {
			t.Errorf("%+v", p)
		}
	}
	if strings.Join(names, ",") != "agent export cases (csv),export all (xlsx),export contacts (csv),customer case (web),customer case (api),customer export cases (csv),partner export cases (csv)" {
		t.Errorf("pages %v", names)
	}

	// A user who may not read a page counts errors and fails the run.
	code, out, _ = runCLI(t, "", "bench", "pages", "--url", url, "--clients", "1", "--count", "2", "--admin", "agent@northwind.example",
		"--agent", "", "--customer", "", "--partner", "", "--only", "audit trail (api)")
	if code != 1 || !regexp.MustCompile(`audit trail \(api\)\s+1\s+0 .* 2\s+0\s*\n`).MatchString(out) || !strings.Contains(out, "403") {
		t.Errorf("forbidden page: exit %d\n%s", code, out)
	}
}

// benchPageRows reads bench pages' table: by "page/clients", n and errors.
func benchPageRows(t *testing.T, out string) map[string][2]string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^ *(\S.*?)\s+(\d+)\s+(\d+)\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+(?:\s+(\d+)\s+\d+)?\s*$`)
	rows := map[string][2]string{}
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		if m[4] != "" && m[4] != "0" {
			t.Errorf("%s at %s clients: %s errors", m[1], m[2], m[4])
		}
		rows[m[1]+"/"+m[2]] = [2]string{m[3], m[4]}
	}
	return rows
}
