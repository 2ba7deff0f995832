package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
	"accord/internal/store"
)

// runBench measures Accord: opening cases over the REST API against the raw
// insert rate of the same PostgreSQL (cases), filling a database with a
// large realistic history (seed), and the queries that find due work
// (due). docs/benchmarks.md records the figures and how they were taken.
func runBench(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "bench", []subcommand{
		{"cases", "open cases over the REST API with concurrent clients; with -database-url, compare with pgbench", benchCases},
		{"seed", "bulk-insert a large, realistic case history into PostgreSQL (bypasses the API)", benchSeed},
		{"due", "EXPLAIN and time the queries that find due jobs and the case queue", benchDue},
	}, args)
}

// --- bench cases

// benchUser is a signed-in user the clients open cases as.
type benchUser struct {
	Email   string
	ID      accord.ID   `json:"id"`
	OrgID   accord.ID   `json:"org_id"`
	Role    accord.Role `json:"role"`
	Name    string      `json:"name"`
	header  string      // Cookie or Authorization value
	auth    string      // "Cookie" or "Authorization"
	targets []accord.ID // the customers it opens cases for
}

// vendorAgent: the vendor's agents take phone calls and record them.
func (u benchUser) vendorAgent() bool {
	return u.Role == accord.RoleAgent || u.Role == accord.RoleAdmin
}

// benchResult is what one run of the clients measured.
type benchResult struct {
	Warmup    int // cases opened during the warm-up, not measured
	OK        int
	Errors    int
	FirstErrs []string
	Elapsed   time.Duration
	Latencies []time.Duration // of successful requests, sorted
}

func (r benchResult) rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// percentile returns the p-th percentile (0-100) of sorted latencies by
// the nearest-rank method; 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}

func benchCases(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench cases", "bench cases -url http://127.0.0.1:8080 -clients 8 -duration 30s [-database-url postgres://...]")
	baseURL := fs.String("url", envOr(e, "ACCORD_BENCH_URL", "http://127.0.0.1:8080"), "the running server's base `url` (ACCORD_BENCH_URL)")
	clients := fs.Int("clients", 8, "concurrent clients, each with one request in flight")
	duration := fs.Duration("duration", 30*time.Second, "how long to measure (after the warm-up)")
	count := fs.Int("count", 0, "make this many openings (after the warm-up) instead of running for -duration")
	warmup := fs.Duration("warmup", 3*time.Second, "requests made first and not measured")
	users := fs.String("users", envOr(e, "ACCORD_BENCH_USERS", "cto@acme.example,ops@acme.example,it@globex.example,agent@northwind.example"),
		"comma-separated `emails` to sign in as: authorized contacts and partner agents open portal cases, the vendor's agents record phone cases (ACCORD_BENCH_USERS)")
	password := fs.String("password", envOr(e, "ACCORD_BENCH_PASSWORD", demoPassword), "the users' password (ACCORD_BENCH_PASSWORD); the demo's by default")
	token := fs.String("token", e.getenv("ACCORD_BENCH_TOKEN"), "an API `token` to use instead of signing in as -users (ACCORD_BENCH_TOKEN)")
	dbURL := fs.String("database-url", e.getenv("ACCORD_DATABASE_URL"), "the server's PostgreSQL `url`; when set, the cases stored are counted and pgbench measures the raw single-row INSERT rate there with the same clients and duration (ACCORD_DATABASE_URL)")
	pgbench := fs.String("pgbench", "pgbench", "the pgbench `program`")
	seed := fs.Uint64("seed", 1, "seed of the clients' random choices")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *clients < 1:
		return usageError{"-clients must be at least 1"}
	case *count < 0:
		return usageError{"-count must not be negative"}
	case *count == 0 && *duration <= 0:
		return usageError{"give a positive -duration or a -count"}
	case *warmup < 0:
		return usageError{"-warmup must not be negative"}
	case *token == "" && strings.TrimSpace(*users) == "":
		return usageError{"give -users (and -password) or -token"}
	}
	base := strings.TrimRight(*baseURL, "/")
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: *clients * 2, MaxIdleConnsPerHost: *clients * 2, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
	defer hc.CloseIdleConnections()

	var signedIn []benchUser
	if *token != "" {
		u, err := benchWhoAmI(ctx, hc, base, benchUser{Email: "(token)", auth: "Authorization", header: "Bearer " + *token})
		if err != nil {
			return err
		}
		signedIn = append(signedIn, u)
	} else {
		for email := range strings.SplitSeq(*users, ",") {
			if email = strings.TrimSpace(email); email == "" {
				continue
			}
			u, err := benchLogin(ctx, hc, base, email, *password)
			if err != nil {
				return err
			}
			signedIn = append(signedIn, u)
		}
	}
	if err := benchTargets(ctx, hc, base, signedIn); err != nil {
		return err
	}

	var db *sql.DB
	before := int64(-1)
	if *dbURL != "" {
		d, err := store.Open(ctx, store.Config{DatabaseURL: *dbURL, MaxConns: 2})
		if err != nil {
			return err
		}
		defer d.Close()
		if d.Engine() != store.Postgres {
			return usageError{"-database-url must be a PostgreSQL url"}
		}
		db = d.SQL()
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&before); err != nil {
			return fmt.Errorf("count cases: %w", err)
		}
		fmt.Fprintf(e.stdout, "database        %s\n", pgSettings(ctx, db))
		checkpoint(ctx, db)
	}

	mode := fmt.Sprintf("for %s", *duration)
	if *count > 0 {
		mode = fmt.Sprintf("until %d cases are open", *count)
	}
	names := make([]string, len(signedIn))
	for i, u := range signedIn {
		names[i] = u.Email
	}
	fmt.Fprintf(e.stdout, "accord bench cases: %d client(s) %s (after a %s warm-up) against %s as %s\n", *clients, mode, *warmup, base, strings.Join(names, ", "))
	res := benchRun(ctx, hc, base, signedIn, *clients, *warmup, *duration, *count, *seed)
	fmt.Fprintf(e.stdout, "cases opened    %d (errors %d) in %s, after %d in the warm-up\n", res.OK, res.Errors, res.Elapsed.Round(time.Millisecond), res.Warmup)
	for _, m := range res.FirstErrs {
		fmt.Fprintf(e.stdout, "  error: %s\n", m)
	}
	fmt.Fprintf(e.stdout, "rate            %.1f cases/s\n", res.rate())
	l := res.Latencies
	fmt.Fprintf(e.stdout, "latency         p50 %s ms  p90 %s ms  p99 %s ms  max %s ms\n",
		ms(percentile(l, 50)), ms(percentile(l, 90)), ms(percentile(l, 99)), ms(percentile(l, 100)))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if db == nil {
		if res.OK == 0 {
			return exitError{1}
		}
		return nil
	}
	var after int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&after); err != nil {
		return fmt.Errorf("count cases: %w", err)
	}
	fmt.Fprintf(e.stdout, "cases stored    %d before, %d after (+%d, the warm-up's included)\n", before, after, after-before)

	secs := max(int(math.Ceil(res.Elapsed.Seconds())), 1)
	checkpoint(ctx, db)
	pg, err := runPgbench(ctx, db, *pgbench, *dbURL, *clients, secs)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "pgbench         %.1f single-row inserts/s (%d clients, %ds, latency average %.2f ms, failed %d)\n",
		pg.TPS, *clients, secs, pg.LatencyMS, pg.Failed)
	if pg.TPS > 0 {
		fmt.Fprintf(e.stdout, "ratio           %.1f%% of the raw insert rate\n", 100*res.rate()/pg.TPS)
	}
	if res.OK == 0 {
		return exitError{1}
	}
	return nil
}

// benchLogin signs in and keeps the session cookie.
func benchLogin(ctx context.Context, hc *http.Client, base, email, password string) (benchUser, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/login", bytes.NewReader(body))
	if err != nil {
		return benchUser{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return benchUser{}, fmt.Errorf("sign in as %s: %w", email, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return benchUser{}, fmt.Errorf("sign in as %s: %s: %s", email, resp.Status, strings.TrimSpace(string(b)))
	}
	var out struct {
		User benchUser `json:"user"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return benchUser{}, fmt.Errorf("sign in as %s: %w", email, err)
	}
	u := out.User
	u.Email, u.auth = email, "Cookie"
	for _, c := range resp.Cookies() {
		if c.Name == "accord_session" {
			u.header = c.Name + "=" + c.Value
		}
	}
	if u.header == "" {
		return benchUser{}, fmt.Errorf("sign in as %s: no session cookie in the answer", email)
	}
	return u, nil
}

// benchWhoAmI reads the user an API token belongs to.
func benchWhoAmI(ctx context.Context, hc *http.Client, base string, u benchUser) (benchUser, error) {
	var me benchUser
	if err := benchGet(ctx, hc, base+"/api/v1/me", u, &me); err != nil {
		return u, fmt.Errorf("who the token is: %w", err)
	}
	me.Email, me.auth, me.header = me.Name, u.auth, u.header
	return me, nil
}

func benchGet(ctx context.Context, hc *http.Client, url string, u benchUser, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set(u.auth, u.header)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(b)))
	}
	return json.Unmarshal(b, v)
}

// benchTargets sets the customers each user opens cases for: a contact's
// own organization; for agents, the customers they see (a partner agent
// those its partner serves), narrowed to the contacts' organizations when
// that leaves any, so that every target has the contract the contacts use.
func benchTargets(ctx context.Context, hc *http.Client, base string, users []benchUser) error {
	var contactOrgs []accord.ID
	for _, u := range users {
		if u.Role == accord.RoleCustomerContact && !slices.Contains(contactOrgs, u.OrgID) {
			contactOrgs = append(contactOrgs, u.OrgID)
		}
	}
	for i := range users {
		u := &users[i]
		if u.Role == accord.RoleCustomerContact {
			u.targets = []accord.ID{u.OrgID}
			continue
		}
		var l struct {
			Items []struct {
				ID accord.ID `json:"id"`
			} `json:"items"`
		}
		if err := benchGet(ctx, hc, base+"/api/v1/organizations?kind=customer&limit=100", *u, &l); err != nil {
			return fmt.Errorf("customers %s sees: %w", u.Email, err)
		}
		var seen, both []accord.ID
		for _, o := range l.Items {
			seen = append(seen, o.ID)
			if slices.Contains(contactOrgs, o.ID) {
				both = append(both, o.ID)
			}
		}
		u.targets = seen
		if len(both) > 0 {
			u.targets = both
		}
		if len(u.targets) == 0 {
			return fmt.Errorf("%s sees no customer to open cases for", u.Email)
		}
	}
	return nil
}

// benchRun runs the clients: a warm-up whose requests are not counted, then
// the measured stretch, ended by the clock or by count. Requests in flight
// when it ends are waited for and counted.
func benchRun(ctx context.Context, hc *http.Client, base string, users []benchUser, clients int, warmup, duration time.Duration, count int, seed uint64) benchResult {
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(duration)
	var issued atomic.Int64
	var mu sync.Mutex
	var res benchResult
	var lastDone time.Time
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(c)))
			var lat []time.Duration
			var ok, bad, warm int
			var errs []string
			var done time.Time
			for ctx.Err() == nil {
				now := time.Now()
				measured := !now.Before(measureFrom)
				if measured {
					if count > 0 {
						if issued.Add(1) > int64(count) {
							break
						}
					} else if !now.Before(end) {
						break
					}
				}
				u := users[rng.IntN(len(users))]
				body := benchCaseBody(rng, u, now)
				t0 := time.Now()
				err := benchOpen(ctx, hc, base, u, body)
				d := time.Since(t0)
				if !measured {
					if err == nil {
						warm++
					}
					continue
				}
				done = time.Now()
				if err != nil {
					bad++
					if len(errs) < 3 {
						errs = append(errs, err.Error())
					}
					continue
				}
				ok++
				lat = append(lat, d)
			}
			mu.Lock()
			res.OK += ok
			res.Warmup += warm
			res.Errors += bad
			res.Latencies = append(res.Latencies, lat...)
			for _, m := range errs {
				if len(res.FirstErrs) < 5 {
					res.FirstErrs = append(res.FirstErrs, m)
				}
			}
			if done.After(lastDone) {
				lastDone = done
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if !lastDone.IsZero() {
		res.Elapsed = lastDone.Sub(measureFrom)
	}
	slices.Sort(res.Latencies)
	return res
}

func benchOpen(ctx context.Context, hc *http.Client, base string, u benchUser, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/cases", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(u.auth, u.header)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		msg := strings.TrimSpace(string(b))
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return fmt.Errorf("%s as %s: %s", resp.Status, u.Email, msg)
	}
	return nil
}

// What cases are about: realistic text for titles, descriptions and the
// details of section 7.6, shared by bench cases and bench seed.
var (
	benchSubjects = []string{
		"Vault cluster lost redundancy", "Session recording playback fails for RDP sessions",
		"Password rotation stuck on Linux targets", "API returns 500 when fetching credentials for service accounts",
		"SSO sign-in loops back to the login page", "Search in the session audit takes minutes",
		"Web portal certificate renewal fails", "Agent upgrade to 4.3 fails on Windows Server 2019",
		"Privileged session to the core switch drops after five minutes", "Discovery scan misses devices in the DMZ",
		"Approval workflow e-mails are not sent", "High CPU on the session manager after the upgrade",
	}
	benchQuestions = []string{
		"How do we rotate SSH keys for a whole device group?", "Can a password policy apply only to service accounts?",
		"Which ports must be open between the vault and the session managers?", "How do we export the audit log to our SIEM?",
		"Is version 4.2 supported on RHEL 9?", "How many sessions can one session manager record at once?",
	}
	benchProcedures = []string{
		"Vault > Cluster > Status, then Synchronize now", "Sessions > Recordings > Play on any RDP recording from today",
		"Targets > Linux > Rotate now on the 'prod-db' group", "GET /api/v2/credentials/{id} with a service account token",
		"Sign in through the corporate IdP from the portal home page", "Audit > Sessions > Search for a user over 30 days",
	}
	benchVersions = []string{"4.1.3", "4.2.0", "4.2.1", "4.3.0-rc2", "3.9.12"}
)

func pick[T any](rng *rand.Rand, l []T) T { return l[rng.IntN(len(l))] }

// benchCaseBody is one realistic opening by u: authorized contacts (and
// partner agents for their customers) open incidents (mostly Medium, with
// the five details), questions and defects in the portal; the vendor's
// agents record Urgent and High incidents phoned in by a customer.
func benchCaseBody(rng *rand.Rand, u benchUser, now time.Time) []byte {
	host := fmt.Sprintf("srv-%04d", rng.IntN(10000))
	details := func(c sla.Criticality) cases.Details {
		return cases.Details{Criticality: c, Procedure: pick(rng, benchProcedures), Version: pick(rng, benchVersions),
			Observed:  "Since this morning the operation fails on " + host + " with 'connection reset by peer' after about 30 seconds; other hosts work.",
			Expected:  "The operation completes as it did last week, within a few seconds.",
			Discovery: "Reported by the operations team during the daily checks; reproduced twice."}
	}
	var in cases.NewCase
	switch {
	case u.vendorAgent():
		crit := sla.C2
		if rng.IntN(10) < 4 {
			crit = sla.C1
		}
		in = cases.NewCase{OrgID: pick(rng, u.targets), Type: cases.Incident, Channel: sla.Phone, Criticality: crit,
			Title: pick(rng, benchSubjects) + " on " + host, Description: "Phoned in by the customer's operations manager.",
			Details: details(crit), Call: &cases.Call{Caller: "Operations manager", Number: "+1 212 555 0100", At: now.Add(-2 * time.Minute),
				Notes: "Production affected; the customer stays on the line for a callback."}}
	default:
		switch n := rng.IntN(10); {
		case n < 6:
			crit := sla.C3
			if n == 0 {
				crit = sla.C4
			}
			in = cases.NewCase{Type: cases.Incident, Title: pick(rng, benchSubjects) + " on " + host,
				Description: "We noticed it after the weekend maintenance; a workaround is to retry, which usually works the second time.", Details: details(crit)}
		case n < 9:
			in = cases.NewCase{Type: cases.Question, Title: pick(rng, benchQuestions),
				Description: "We are planning the next quarter's changes and need to know this before our change board meets.",
				Details:     cases.Details{Criticality: sla.C4}}
		default:
			in = cases.NewCase{Type: cases.Defect, Title: pick(rng, benchSubjects) + " on " + host,
				Description: "Looks like a regression of the last release.", Details: details(sla.C2)}
		}
		in.OrgID = pick(rng, u.targets)
	}
	b, _ := json.Marshal(in)
	return b
}

// pgSettings describes the server's version and durability settings.
func pgSettings(ctx context.Context, db *sql.DB) string {
	var parts []string
	for _, s := range []string{"server_version", "synchronous_commit", "fsync", "shared_buffers", "max_connections"} {
		var v string
		if err := db.QueryRowContext(ctx, `SELECT current_setting($1)`, s).Scan(&v); err == nil {
			parts = append(parts, s+"="+v)
		}
	}
	return "postgres " + strings.Join(parts, " ")
}

// checkpoint starts each measured stretch with a checkpoint, so that each
// pays the same full-page writes; without superuser rights it does nothing.
func checkpoint(ctx context.Context, db *sql.DB) { _, _ = db.ExecContext(ctx, `CHECKPOINT`) }

// pgbenchResult is what pgbench reported.
type pgbenchResult struct {
	TPS       float64
	LatencyMS float64
	Failed    int
}

var (
	pgbenchTPS     = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)`)
	pgbenchAnyTPS  = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	pgbenchLatency = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	pgbenchFailed  = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
)

// parsePgbench reads pgbench's summary: the rate without connection time
// (PostgreSQL 14 and later say "without initial connection time", earlier
// ones "excluding connections establishing").
func parsePgbench(out string) (pgbenchResult, error) {
	var r pgbenchResult
	m := pgbenchTPS.FindStringSubmatch(out)
	if m == nil {
		m = pgbenchAnyTPS.FindStringSubmatch(out)
	}
	if m == nil {
		return r, errors.New("pgbench printed no 'tps = ' line")
	}
	var err error
	if r.TPS, err = strconv.ParseFloat(m[1], 64); err != nil {
		return r, fmt.Errorf("pgbench tps %q: %w", m[1], err)
	}
	if m := pgbenchLatency.FindStringSubmatch(out); m != nil {
		r.LatencyMS, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := pgbenchFailed.FindStringSubmatch(out); m != nil {
		r.Failed, _ = strconv.Atoi(m[1])
	}
	return r, nil
}

// runPgbench measures the raw rate of single-row INSERTs (prepared, one per
// transaction, committed as the server's are) into a scratch table of a few
// columns that it creates and drops.
func runPgbench(ctx context.Context, db *sql.DB, program, dbURL string, clients, secs int) (pgbenchResult, error) {
	bin, err := exec.LookPath(program)
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench: %w", err)
	}
	table := "accord_bench_raw_" + strings.ToLower(string(accord.NewID("t"))[2:12])
	if _, err := db.ExecContext(ctx, `CREATE TABLE `+table+` (id BIGSERIAL PRIMARY KEY, org_id TEXT NOT NULL, title TEXT NOT NULL,
		body TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench table: %w", err)
	}
	defer func() { _, _ = db.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+table) }()
	dir, err := os.MkdirTemp("", "accord-pgbench-")
	if err != nil {
		return pgbenchResult{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "insert.sql")
	stmt := `INSERT INTO ` + table + ` (org_id, title, body, created_at) VALUES ('org_bench', 'Vault cluster lost redundancy on srv-0042', ` +
		`'Since this morning the operation fails with connection reset by peer after about 30 seconds; other hosts work.', now());` + "\n"
	if err := os.WriteFile(script, []byte(stmt), 0o600); err != nil {
		return pgbenchResult{}, err
	}
	cmd := exec.CommandContext(ctx, bin, "-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(clients),
		"-T", strconv.Itoa(secs), "-f", script, dbURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return parsePgbench(string(out))
}

// --- bench seed

// benchSeedFlags shape the history bench seed writes.
type benchSeedFlags struct {
	cases  int
	closed float64
	batch  int
	seed   uint64
}

func benchSeed(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench seed", "bench seed -database-url postgres://... -cases 1000000\n\n"+
		"Adds cases, timelines and jobs straight into PostgreSQL, without audit events, for benchmarks; an empty\n"+
		"database gets the demo data first. Run it while no server opens cases: it numbers the cases itself.")
	var db dbFlags
	db.register(fs, e)
	var f benchSeedFlags
	fs.IntVar(&f.cases, "cases", 1_000_000, "cases to add")
	fs.Float64Var(&f.closed, "closed", 0, "share of the added cases that are closed history (0 to 1); the rest are open: new, being worked, awaiting the customer or resolved")
	fs.IntVar(&f.batch, "batch", 10_000, "cases written per transaction")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the random history")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case db.databaseURL == "":
		return usageError{"bench seed writes to PostgreSQL only: give -database-url"}
	case f.cases < 1:
		return usageError{"-cases must be at least 1"}
	case f.closed < 0 || f.closed > 1:
		return usageError{"-closed must be between 0 and 1"}
	case f.batch < 1:
		return usageError{"-batch must be at least 1"}
	}
	d, err := db.openMigrated(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	return seedHistory(ctx, e.stdout, d, db.databaseURL, f, time.Now())
}

// benchDue measures the queries behind the jobs runner and the queue.
func benchDue(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench due", "bench due -database-url postgres://... [-runs 200]")
	var db dbFlags
	db.register(fs, e)
	runs := fs.Int("runs", 200, "times each query runs for its timing")
	batch := fs.Int("batch", 50, "jobs a claim takes at most (the runner's batch)")
	ahead := fs.Duration("backlog", 24*time.Hour, "also claim as if this much later, when that much work has come due")
	explain := fs.Bool("explain", true, "print each query's EXPLAIN (ANALYZE, BUFFERS)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case db.databaseURL == "":
		return usageError{"bench due measures PostgreSQL: give -database-url"}
	case *runs < 1:
		return usageError{"-runs must be at least 1"}
	case *batch < 1:
		return usageError{"-batch must be at least 1"}
	}
	d, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	return dueQueries(ctx, e.stdout, d, *runs, *batch, *ahead, *explain)
}

// The SQL of store.Jobs.Claim and store.Jobs.NextRun on PostgreSQL, which
// bench due explains and times; bench_test.go checks that jobs.go still
// runs these statements.
const (
	claimInner = `SELECT id FROM jobs WHERE failed_at IS NULL AND run_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3)
				ORDER BY run_at, id LIMIT $4`
	claimSQL = `UPDATE jobs SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1
			WHERE id IN (` + claimInner + ` FOR UPDATE SKIP LOCKED)
			RETURNING id, org_id, subject_id, kind, run_at, attempts, last_error, failed_at`
	nextRunSQL = `SELECT run_at FROM jobs WHERE failed_at IS NULL ORDER BY run_at LIMIT 1`
	// queueSQL is what store.Cases.List runs for the queue (sort=due),
	// with org_scope standing for a customer's or partner's scope.
	queueSQL = `SELECT * FROM cases WHERE due_at IS NOT NULL AND responded_at IS NULL ORDER BY due_at, id LIMIT 51`
	// queueOrgSQL is the queue a customer contact sees.
	queueOrgSQL = `SELECT * FROM cases WHERE org_id IN ($1) AND due_at IS NOT NULL AND responded_at IS NULL ORDER BY due_at, id LIMIT 51`
	// overdueSQL is the vendor's queue of breached-or-due cases
	// (due_before=now, sort=due).
	overdueSQL = `SELECT * FROM cases WHERE due_at < $1 AND due_at IS NOT NULL AND responded_at IS NULL ORDER BY due_at, id LIMIT 51`
)

// timings runs fn n times and returns the sorted durations.
func timings(n int, fn func() error) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t0))
	}
	slices.Sort(out)
	return out, nil
}

func printTimings(w io.Writer, l []time.Duration) {
	fmt.Fprintf(w, "time over %d runs: p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", len(l),
		float64(percentile(l, 50))/1e6, float64(percentile(l, 99))/1e6, float64(percentile(l, 100))/1e6)
}

// explainQuery prints EXPLAIN (ANALYZE, BUFFERS) of q inside a transaction
// that is rolled back, so that explaining the claim claims nothing.
func explainQuery(ctx context.Context, w io.Writer, db *sql.DB, q string, args ...any) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+q, args...)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		fmt.Fprintln(w, "    "+line)
	}
	return rows.Err()
}

func dueQueries(ctx context.Context, w io.Writer, d *store.DB, runs, batch int, ahead time.Duration, explain bool) error {
	if d.Engine() != store.Postgres {
		return errors.New("bench due measures PostgreSQL")
	}
	db := d.SQL()
	now := time.Now().UTC()
	var total, open, queue, jobsN, dueNow, dueAhead int64
	var orgID accord.ID
	for _, c := range []struct {
		dst *int64
		q   string
		arg []any
	}{
		{&total, `SELECT count(*) FROM cases`, nil},
		{&open, `SELECT count(*) FROM cases WHERE state <> 'closed'`, nil},
		{&queue, `SELECT count(*) FROM cases WHERE due_at IS NOT NULL AND responded_at IS NULL`, nil},
		{&jobsN, `SELECT count(*) FROM jobs`, nil},
		{&dueNow, `SELECT count(*) FROM jobs WHERE failed_at IS NULL AND run_at <= $1`, []any{now}},
		{&dueAhead, `SELECT count(*) FROM jobs WHERE failed_at IS NULL AND run_at <= $1`, []any{now.Add(ahead)}},
	} {
		if err := db.QueryRowContext(ctx, c.q, c.arg...).Scan(c.dst); err != nil {
			return fmt.Errorf("count: %w", err)
		}
	}
	// The customer with the most cases in the queue.
	err := db.QueryRowContext(ctx, `SELECT org_id FROM cases WHERE due_at IS NOT NULL AND responded_at IS NULL GROUP BY org_id ORDER BY count(*) DESC LIMIT 1`).Scan(&orgID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("busiest customer: %w", err)
	}
	fmt.Fprintf(w, "%s: %d cases, %d not closed, %d awaiting a first response with a running clock; %d jobs, %d due now, %d due within %s\n\n",
		d, total, open, queue, jobsN, dueNow, dueAhead, ahead)

	jobsStore := store.NewJobs(d)
	casesStore := store.NewCases(d, "")
	type measure struct {
		name string
		sql  string
		args []any
		run  func() error
	}
	claim := func(at time.Time) func() error {
		return func() error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			rows, err := tx.QueryContext(ctx, claimSQL, "bench", at.Add(time.Minute), at, batch)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			rows.Close()
			return rows.Err()
		}
	}
	list := func(scope accord.Scope, f cases.Filter) func() error {
		return func() error {
			_, _, err := casesStore.List(ctx, scope, f, accord.Page{Limit: 50})
			return err
		}
	}
	later := now.Add(ahead)
	measures := []measure{
		{"claim: the jobs runner takes due jobs now (store.Jobs.Claim, rolled back)", claimSQL, []any{"bench", now.Add(time.Minute), now, batch}, claim(now)},
		{fmt.Sprintf("claim with a backlog: as if %s later, %d jobs due (rolled back)", ahead, dueAhead), claimSQL, []any{"bench", later.Add(time.Minute), later, batch}, claim(later)},
		{"next run: when the runner looks next (store.Jobs.NextRun)", nextRunSQL, nil, func() error { _, _, err := jobsStore.NextRun(ctx); return err }},
		{"queue: vendor's cases by due instant (store.Cases.List, sort=due)", queueSQL, nil, list(accord.Scope{All: true}, cases.Filter{ByDue: true})},
		{"overdue: vendor's queue, due before now (sort=due&due_before=now)", overdueSQL, []any{now}, list(accord.Scope{All: true}, cases.Filter{ByDue: true, DueBefore: &now})},
	}
	if orgID != "" {
		measures = append(measures, measure{"queue of one customer (" + string(orgID) + ") as its contacts see it", queueOrgSQL, []any{orgID}, list(accord.OnlyOrg(orgID), cases.Filter{ByDue: true})})
	}
	for _, m := range measures {
		fmt.Fprintf(w, "== %s\n", m.name)
		if explain {
			if err := explainQuery(ctx, w, db, m.sql, m.args...); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
		}
		l, err := timings(runs, m.run)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		printTimings(w, l)
		fmt.Fprintln(w)
	}
	return nil
}

// --- the seeded history

// seedCustomer is a customer the history is spread over.
type seedCustomer struct {
	org      accord.ID
	contract accord.ID
	plan     string
	contacts []seedUser
}

type seedUser struct {
	id   accord.ID
	org  accord.ID
	name string
}

// seedBatch is one transaction's rows, in COPY order.
type seedBatch struct {
	cases, entries, pauses, jobs [][]any
	states                       map[cases.State]int
}

// seedCaseColumns are the columns of cases the seed writes (search is
// computed from doc by PostgreSQL, as the store does).
var seedCaseColumns = []string{"id", "org_id", "number", "created_at", "type", "title", "description", "details", "criticality", "state",
	"delivered_in", "contract_id", "opened_by_id", "opened_by", "assignee_id", "parent_id", "root_cause_id", "out_of_scope",
	"policy_version", "plan", "channel", "received_at", "phone_at", "clock_kind", "clock_starts_at", "target_ns", "guaranteed",
	"call_required", "due_at", "warn_at", "responded_at", "warned_at", "breached_at", "paused_since",
	"auto_close_at", "resolved_at", "closed_at", "close_reason", "updated_at"}

var (
	seedEntryColumns = []string{"id", "org_id", "case_id", "seq", "kind", "internal", "author_id", "author", "author_org_id", "body", "data", "at"}
	seedPauseColumns = []string{"org_id", "case_id", "starts_at", "ends_at"}
	seedJobColumns   = []string{"id", "org_id", "subject_id", "kind", "run_at", "attempts", "claimed_by", "claimed_until", "last_error", "failed_at", "created_at"}
)

// tz is a nullable instant for COPY.
func tz(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func idOrNil(id accord.ID) any {
	if id == "" {
		return nil
	}
	return string(id)
}

// seedHistory adds f.cases cases straight into PostgreSQL, bypassing the
// API and therefore the audit trail: the measurement needs tables and
// indexes of realistic size, not a million audit events of openings that
// never happened. Clocks are computed by the policy's own Due and
// AutoCloseAt, so that the jobs rows agree with the cases they act on.
func seedHistory(ctx context.Context, w io.Writer, d *store.DB, dbURL string, f benchSeedFlags, now time.Time) error {
	if d.Engine() != store.Postgres {
		return errors.New("bench seed writes to PostgreSQL only")
	}
	now = now.UTC().Truncate(time.Microsecond)
	svc := newServices(d)
	sys := accord.WithActor(ctx, accord.SystemActor("accord bench seed"))
	if err := svc.ensureDefaults(sys, now); err != nil {
		return err
	}
	if err := seedDemo(ctx, svc, now, w); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	version, pol, err := svc.policy.Current(sys)
	if err != nil {
		return err
	}

	rows, err := d.SQL().QueryContext(ctx, `SELECT u.id, u.org_id, u.name, u.role FROM users u JOIN organizations o ON o.id = u.org_id
		WHERE u.active AND ((o.kind = 'vendor' AND u.role IN ('agent', 'admin')) OR (u.role = 'customer_contact' AND u.authorized_contact))
		ORDER BY u.role = 'admin', u.email_key`)
	if err != nil {
		return fmt.Errorf("users: %w", err)
	}
	var agents []seedUser
	byOrg := map[accord.ID]*seedCustomer{}
	var orgs []accord.ID
	for rows.Next() {
		var u seedUser
		var role accord.Role
		if err := rows.Scan(&u.id, &u.org, &u.name, &role); err != nil {
			rows.Close()
			return err
		}
		if role != accord.RoleCustomerContact {
			agents = append(agents, u)
			continue
		}
		c := byOrg[u.org]
		if c == nil {
			c = &seedCustomer{org: u.org}
			byOrg[u.org] = c
			orgs = append(orgs, u.org)
		}
		c.contacts = append(c.contacts, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var customers []seedCustomer
	for _, org := range orgs {
		c := byOrg[org]
		k, err := svc.contracts.ActiveContract(sys, now, org)
		if err != nil {
			continue // no active contract: nobody could have opened its cases
		}
		if _, ok := pol.Plans[k.Plan]; !ok {
			continue
		}
		c.contract, c.plan = k.ID, k.Plan
		customers = append(customers, *c)
	}
	if len(customers) == 0 || len(agents) == 0 {
		return errors.New("the seed needs a vendor agent and customers with an active contract and authorized contacts: start from an empty database (the demo data is added) or one with them")
	}

	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE bench_seed_cases (LIKE cases INCLUDING DEFAULTS, doc TEXT NOT NULL) ON COMMIT DELETE ROWS`); err != nil {
		return fmt.Errorf("staging table: %w", err)
	}
	var number int64
	if err := conn.QueryRow(ctx, `SELECT COALESCE(MAX(number), 0) FROM cases`).Scan(&number); err != nil {
		return fmt.Errorf("last case number: %w", err)
	}
	fmt.Fprintf(w, "seeding %d cases over %d customer(s) under policy version %d, after case #%d\n", f.cases, len(customers), version.Number, number)

	cols := strings.Join(seedCaseColumns, ", ")
	insert := `INSERT INTO cases (` + cols + `, search) SELECT ` + cols + `, to_tsvector('simple', doc) FROM bench_seed_cases`
	g := &seedGen{rng: rand.New(rand.NewPCG(f.seed, 0x5eed)), pol: pol, version: version.Number, now: now,
		customers: customers, agents: agents, closed: f.closed}
	states := map[cases.State]int{}
	var nEntries, nPauses, nJobs int
	start := time.Now()
	nextReport := f.cases / 10
	for done := 0; done < f.cases; {
		n := min(f.batch, f.cases-done)
		b := seedBatch{states: states}
		for range n {
			number++
			if err := g.add(&b, number); err != nil {
				return err
			}
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		if err := seedCopy(ctx, tx, b, insert); err != nil {
			_ = tx.Rollback(ctx)
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		done += n
		nEntries += len(b.entries)
		nPauses += len(b.pauses)
		nJobs += len(b.jobs)
		if done >= nextReport || done == f.cases {
			fmt.Fprintf(w, "  %d cases (%s)\n", done, time.Since(start).Round(time.Second))
			nextReport += max(f.cases/10, 1)
		}
	}
	took := time.Since(start)
	fmt.Fprintln(w, "vacuum and analyze ...")
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE) cases, case_entries, case_pauses, jobs`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	var parts []string
	for _, st := range cases.States {
		if states[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, states[st]))
		}
	}
	fmt.Fprintf(w, "seeded %d cases (%s), %d timeline entries, %d pauses, %d jobs in %s (%.0f cases/s); no audit events: these rows bypass the API\n",
		f.cases, strings.Join(parts, ", "), nEntries, nPauses, nJobs, took.Round(time.Second), float64(f.cases)/took.Seconds())
	return nil
}

func seedCopy(ctx context.Context, tx pgx.Tx, b seedBatch, insert string) error {
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"bench_seed_cases"}, append(slices.Clone(seedCaseColumns), "doc"), pgx.CopyFromRows(b.cases)); err != nil {
		return fmt.Errorf("copy cases: %w", err)
	}
	if _, err := tx.Exec(ctx, insert); err != nil {
		return fmt.Errorf("insert cases: %w", err)
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{{"case_entries", seedEntryColumns, b.entries}, {"case_pauses", seedPauseColumns, b.pauses}, {"jobs", seedJobColumns, b.jobs}} {
		if len(t.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.table}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", t.table, err)
		}
	}
	return nil
}

// seedGen makes the cases of the history, one at a time.
type seedGen struct {
	rng       *rand.Rand
	pol       *sla.Policy
	version   int
	now       time.Time
	customers []seedCustomer
	agents    []seedUser
	closed    float64
}

// between is a uniformly random instant in [from, to).
func (g *seedGen) between(from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	return from.Add(time.Duration(g.rng.Int64N(int64(to.Sub(from))))).Truncate(time.Microsecond)
}

// add appends one case, its timeline, pause and jobs to b. Of the cases
// not closed, half await a first response with a running clock (the
// queue, and a warning and a breach job each while guaranteed), a fifth
// are being worked, and the rest await the customer or its confirmation
// of a resolution, with an auto-close job.
func (g *seedGen) add(b *seedBatch, number int64) error {
	rng, now := g.rng, g.now
	cust := g.customers[rng.IntN(len(g.customers))]
	contact := cust.contacts[rng.IntN(len(cust.contacts))]
	agent := g.agents[rng.IntN(len(g.agents))]

	state := cases.Closed
	if rng.Float64() >= g.closed {
		switch n := rng.IntN(100); {
		case n < 50:
			state = cases.New
		case n < 70:
			state = cases.Open
		case n < 85:
			state = cases.AwaitingCustomer
		default:
			state = cases.Resolved
		}
	}
	typ := cases.Question
	switch n := rng.IntN(100); {
	case n < 2:
		typ = cases.Enhancement
	case n < 52:
		typ = cases.Incident
	case n < 67:
		typ = cases.Defect
	case n < 72:
		typ = cases.AccessRequest
	}
	crit := sla.C4
	switch n := rng.IntN(100); {
	case typ != cases.Incident && typ != cases.Defect:
		if n < 10 {
			crit = sla.C3
		}
	case n < 5:
		crit = sla.C1
	case n < 20:
		crit = sla.C2
	case n < 75:
		crit = sla.C3
	}
	// An Urgent or High case that was resolved has a root-cause analysis;
	// the history keeps those being worked instead.
	if (crit == sla.C1 || crit == sla.C2) && (state == cases.Resolved || state == cases.Closed) {
		state = cases.Open
	}

	var received time.Time
	switch state {
	case cases.New:
		received = g.between(now.Add(-24*time.Hour), now.Add(-time.Minute))
	case cases.Open:
		received = g.between(now.Add(-30*24*time.Hour), now.Add(-10*time.Minute))
	case cases.AwaitingCustomer:
		received = g.between(now.Add(-14*24*time.Hour), now.Add(-time.Hour))
	case cases.Resolved:
		received = g.between(now.Add(-10*24*time.Hour), now.Add(-2*time.Hour))
	default:
		received = g.between(now.AddDate(-3, 0, 0), now.AddDate(0, 0, -30))
	}
	host := fmt.Sprintf("srv-%04d", rng.IntN(10000))
	c := cases.Case{ID: accord.NewID("cas"), OrgID: cust.org, Number: number, Type: typ, Criticality: crit, State: state,
		ContractID: cust.contract, CreatedAt: received,
		Clock: cases.Clock{PolicyVersion: g.version, Plan: cust.plan, Channel: sla.Portal, ReceivedAt: received}}
	opener := contact
	switch typ {
	case cases.Question, cases.AccessRequest:
		c.Title = pick(rng, benchQuestions)
		c.Description = "We are planning the next quarter's changes and need to know this before our change board meets."
		c.Details = cases.Details{Criticality: crit}
	case cases.Enhancement:
		c.Title = "Export session recordings' metadata to " + host
		c.Description = "We would like recordings' metadata forwarded over syslog to our SIEM."
		c.State = cases.Received
		if state == cases.Closed {
			c.State = cases.Declined
		}
	default:
		c.Title = pick(rng, benchSubjects) + " on " + host
		c.Description = "We noticed it after the weekend maintenance; a workaround is to retry, which usually works the second time."
		c.Details = cases.Details{Criticality: crit, Procedure: pick(rng, benchProcedures), Version: pick(rng, benchVersions),
			Observed: "Since this morning the operation fails on " + host + " with 'connection reset by peer' after about 30 seconds; other hosts work.",
			Expected: "The operation completes as it did last week, within a few seconds.", Discovery: "Reported by the operations team during the daily checks."}
		if (crit == sla.C1 || crit == sla.C2) && rng.IntN(100) < 85 {
			// Phoned in: an agent recorded the call, which is the receipt.
			c.Clock.Channel, opener = sla.Phone, agent
			at := received
			c.Clock.PhoneAt = &at
		}
	}
	c.OpenedByID, c.OpenedBy = opener.id, opener.name

	var entries []cases.Entry
	entryBy := func(u *seedUser, at time.Time, kind cases.EntryKind) *cases.Entry {
		e := cases.Entry{ID: accord.NewID("ent"), Kind: kind, Author: "Accord", At: at}
		if u != nil {
			e.AuthorID, e.Author, e.AuthorOrg = u.id, u.name, u.org
		}
		entries = append(entries, e)
		return &entries[len(entries)-1]
	}
	opened := entryBy(&opener, received, cases.Opened)
	opened.Data.To = string(crit)
	if c.Clock.Channel == sla.Phone {
		call := entryBy(&agent, received, cases.PhoneCall)
		at := received
		call.Body, call.Data.Caller, call.Data.Number, call.Data.CalledAt = "Production affected; callback requested.", "Operations manager", "+1 212 555 0100", &at
	}
	k := &c.Clock
	var jobs []cases.Timer
	last := received
	if typ == cases.Enhancement {
		k.StartsAt = received
	} else {
		in := sla.DueInput{Plan: k.Plan, Criticality: crit, Channel: k.Channel, Received: received}
		r, err := g.pol.Due(in)
		if err != nil {
			return fmt.Errorf("due: %w", err)
		}
		k.Kind, k.StartsAt, k.Target, k.Guaranteed, k.CallRequired = r.Clock, r.StartsAt, r.Target, r.Guaranteed, !r.Guaranteed
		due, warn := r.DueAt, r.WarnAt
		k.DueAt, k.WarnAt = &due, &warn
		respondedBy := now
		if state != cases.New {
			// Answered within about the target, some of them late.
			span := due.Sub(received)
			at := received.Add(time.Minute + time.Duration(rng.Float64()*1.15*float64(span)))
			if limit := now.Add(-time.Minute); at.After(limit) {
				at = g.between(received, limit)
			}
			at = at.Truncate(time.Microsecond)
			respondedBy = at
		}
		if k.Guaranteed && !warn.After(respondedBy) {
			at := warn
			k.WarnedAt = &at
			e := entryBy(nil, at, cases.SLAWarning)
			e.Internal, e.Data.DueAt = true, &due
			e.Body = fmt.Sprintf("%d%% of the %s first-response target has elapsed with no response.", int(sla.WarnShare*100), k.Target)
			last = at
		}
		if k.Guaranteed && !due.After(respondedBy) {
			at := due
			k.BreachedAt = &at
			e := entryBy(nil, at, cases.SLABreach)
			e.Internal, e.Data.DueAt = true, &due
			e.Body = fmt.Sprintf("The %s first-response target was breached with no response.", k.Target)
			last = at
		}
		if state == cases.New {
			if k.Guaranteed && k.WarnedAt == nil {
				jobs = append(jobs, cases.Timer{Kind: cases.WarnTimer, At: warn})
			}
			if k.Guaranteed && k.BreachedAt == nil {
				jobs = append(jobs, cases.Timer{Kind: cases.BreachTimer, At: due})
			}
		} else {
			at := respondedBy
			k.RespondedAt = &at
			reply := entryBy(&agent, at, cases.Reply)
			reply.Body = "Thank you. Please send the service logs of " + host + " from the time of the failure."
			reply.Data.References = []cases.Reference{{Kind: cases.KnowledgeBase, Value: "https://docs.example.com/kb/collect-logs"}}
			last = at
			if rng.IntN(100) < 60 {
				c.AssigneeID = agent.id
			}
		}
		switch state {
		case cases.AwaitingCustomer:
			at := respondedBy
			reply := &entries[len(entries)-1]
			reply.Data.RequestInformation = true
			k.PausedSince = &at
			ch := entryBy(&agent, at, cases.StateChanged)
			ch.Data.From, ch.Data.To, ch.Data.Reason = string(cases.Open), string(cases.AwaitingCustomer), "information requested"
			closeAt, err := g.pol.AutoCloseAt(sla.AwaitingCustomer, at)
			if err != nil {
				return err
			}
			c.AutoCloseAt = &closeAt
			b.pauses = append(b.pauses, []any{string(c.OrgID), string(c.ID), at, nil})
			jobs = append(jobs, cases.Timer{Kind: cases.CloseTimer, At: closeAt})
		case cases.Resolved, cases.Closed:
			until := respondedBy.Add(72 * time.Hour)
			if limit := now.Add(-time.Minute); until.After(limit) {
				until = limit
			}
			at := g.between(respondedBy, until)
			c.ResolvedAt = &at
			ch := entryBy(&agent, at, cases.StateChanged)
			ch.Body, ch.Data.From, ch.Data.To = "Fixed by the hotfix of the session manager; please confirm.", string(cases.Open), string(cases.Resolved)
			closeAt, err := g.pol.AutoCloseAt(sla.Resolved, at)
			if err != nil {
				return err
			}
			last = at
			if state == cases.Resolved {
				c.AutoCloseAt = &closeAt
				jobs = append(jobs, cases.Timer{Kind: cases.CloseTimer, At: closeAt})
			} else {
				closed := g.between(at, closeAt)
				c.ClosedAt, c.CloseReason = &closed, "confirmed"
				ch := entryBy(&contact, closed, cases.StateChanged)
				ch.Data.From, ch.Data.To, ch.Data.Reason = string(cases.Resolved), string(cases.Closed), "confirmed"
				last = closed
			}
		}
	}
	c.UpdatedAt = last
	b.states[c.State]++

	details, err := json.Marshal(c.Details)
	if err != nil {
		return err
	}
	doc := strings.Join([]string{c.Title, c.Description, c.Details.Procedure, c.Details.Version, c.Details.Observed, c.Details.Expected, c.Details.Discovery}, "\n")
	b.cases = append(b.cases, []any{string(c.ID), string(c.OrgID), c.Number, c.CreatedAt, string(c.Type), c.Title, c.Description, string(details),
		string(c.Criticality), string(c.State), "", idOrNil(c.ContractID), idOrNil(c.OpenedByID), c.OpenedBy, idOrNil(c.AssigneeID), nil, nil, "",
		int32(k.PolicyVersion), k.Plan, string(k.Channel), k.ReceivedAt, tz(k.PhoneAt), k.Kind, k.StartsAt, int64(k.Target), k.Guaranteed,
		k.CallRequired, tz(k.DueAt), tz(k.WarnAt), tz(k.RespondedAt), tz(k.WarnedAt), tz(k.BreachedAt), tz(k.PausedSince),
		tz(c.AutoCloseAt), tz(c.ResolvedAt), tz(c.ClosedAt), c.CloseReason, c.UpdatedAt, doc})
	for i, e := range entries {
		data, err := json.Marshal(e.Data)
		if err != nil {
			return err
		}
		b.entries = append(b.entries, []any{string(e.ID), string(c.OrgID), string(c.ID), int64(i + 1), string(e.Kind), e.Internal,
			idOrNil(e.AuthorID), e.Author, idOrNil(e.AuthorOrg), e.Body, string(data), e.At})
	}
	for _, t := range jobs {
		b.jobs = append(b.jobs, []any{string(accord.NewID("job")), string(c.OrgID), string(c.ID), string(t.Kind), t.At.UTC(), int32(0), "", nil, "", nil, last})
	}
	return nil
}
