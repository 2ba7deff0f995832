package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
	"accord/internal/store"
)

// user is a signed-in user the clients open cases as.
type user struct {
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
func (u user) vendorAgent() bool {
	return u.Role == accord.RoleAgent || u.Role == accord.RoleAdmin
}

// result is what one run of the clients measured.
type result struct {
	Warmup    int // cases opened during the warm-up, not measured
	OK        int
	Errors    int
	FirstErrs []string
	Elapsed   time.Duration
	Latencies []time.Duration // of successful requests, sorted
}

func (r result) rate() float64 {
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

// ErrNothingDone is returned when a run completed no request: the figures
// printed mean nothing.
var ErrNothingDone = errors.New("bench: no request succeeded")

// CasesConfig is what bench cases measures.
type CasesConfig struct {
	URL      string // the running server's base URL
	Clients  int    // concurrent clients, each with one request in flight
	Duration time.Duration
	Count    int // openings to make instead of running for Duration
	Warmup   time.Duration
	Users    []string // emails to sign in as, with Password
	Password string
	Token    string // an API token instead of Users
	// DatabaseURL, when set, is the server's PostgreSQL: the cases stored
	// are counted and pgbench (the Pgbench program) measures the raw
	// single-row INSERT rate there with the same clients and duration.
	DatabaseURL string
	Pgbench     string
	Seed        uint64 // of the clients' random choices
}

// Cases opens cases over the REST API with concurrent clients and prints
// the rate and latencies to w; with DatabaseURL it compares with pgbench.
func Cases(ctx context.Context, w io.Writer, cfg CasesConfig) error {
	base := strings.TrimRight(cfg.URL, "/")
	hc := newClient(cfg.Clients)
	defer hc.CloseIdleConnections()

	signedIn, err := signIn(ctx, hc, base, cfg.Users, cfg.Password, cfg.Token)
	if err != nil {
		return err
	}
	if err := setTargets(ctx, hc, base, signedIn); err != nil {
		return err
	}

	var db *sql.DB
	before := int64(-1)
	if cfg.DatabaseURL != "" {
		d, err := store.Open(ctx, store.Config{DatabaseURL: cfg.DatabaseURL, MaxConns: 2})
		if err != nil {
			return err
		}
		defer d.Close()
		if d.Engine() != store.Postgres {
			return errors.New("the database url must be a PostgreSQL url")
		}
		db = d.SQL()
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&before); err != nil {
			return fmt.Errorf("count cases: %w", err)
		}
		fmt.Fprintf(w, "database        %s\n", pgSettings(ctx, db))
		checkpoint(ctx, db)
	}

	mode := fmt.Sprintf("for %s", cfg.Duration)
	if cfg.Count > 0 {
		mode = fmt.Sprintf("until %d cases are open", cfg.Count)
	}
	names := make([]string, len(signedIn))
	for i, u := range signedIn {
		names[i] = u.Email
	}
	fmt.Fprintf(w, "accord bench cases: %d client(s) %s (after a %s warm-up) against %s as %s\n", cfg.Clients, mode, cfg.Warmup, base, strings.Join(names, ", "))
	res := runClients(ctx, hc, base, signedIn, cfg.Clients, cfg.Warmup, cfg.Duration, cfg.Count, cfg.Seed)
	fmt.Fprintf(w, "cases opened    %d (errors %d) in %s, after %d in the warm-up\n", res.OK, res.Errors, res.Elapsed.Round(time.Millisecond), res.Warmup)
	for _, m := range res.FirstErrs {
		fmt.Fprintf(w, "  error: %s\n", m)
	}
	fmt.Fprintf(w, "rate            %.1f cases/s\n", res.rate())
	l := res.Latencies
	fmt.Fprintf(w, "latency         p50 %s ms  p90 %s ms  p99 %s ms  max %s ms\n",
		ms(percentile(l, 50)), ms(percentile(l, 90)), ms(percentile(l, 99)), ms(percentile(l, 100)))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if db == nil {
		if res.OK == 0 {
			return ErrNothingDone
		}
		return nil
	}
	var after int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&after); err != nil {
		return fmt.Errorf("count cases: %w", err)
	}
	fmt.Fprintf(w, "cases stored    %d before, %d after (+%d, the warm-up's included)\n", before, after, after-before)

	secs := max(int(math.Ceil(res.Elapsed.Seconds())), 1)
	checkpoint(ctx, db)
	pg, err := runPgbench(ctx, db, cfg.Pgbench, cfg.DatabaseURL, cfg.Clients, secs)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "pgbench         %.1f single-row inserts/s (%d clients, %ds, latency average %.2f ms, failed %d)\n",
		pg.TPS, cfg.Clients, secs, pg.LatencyMS, pg.Failed)
	if pg.TPS > 0 {
		fmt.Fprintf(w, "ratio           %.1f%% of the raw insert rate\n", 100*res.rate()/pg.TPS)
	}
	if res.OK == 0 {
		return ErrNothingDone
	}
	return nil
}

// newClient is an HTTP client for n concurrent clients of one server.
func newClient(n int) *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: n * 2, MaxIdleConnsPerHost: n * 2, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
}

// signIn signs in as each of emails, or reads who token belongs to.
func signIn(ctx context.Context, hc *http.Client, base string, emails []string, password, token string) ([]user, error) {
	if token != "" {
		u, err := whoAmI(ctx, hc, base, user{Email: "(token)", auth: "Authorization", header: "Bearer " + token})
		if err != nil {
			return nil, err
		}
		return []user{u}, nil
	}
	var out []user
	for _, email := range emails {
		if email = strings.TrimSpace(email); email == "" {
			continue
		}
		u, err := login(ctx, hc, base, email, password)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// login signs in and keeps the session cookie.
func login(ctx context.Context, hc *http.Client, base, email, password string) (user, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/login", bytes.NewReader(body))
	if err != nil {
		return user{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return user{}, fmt.Errorf("sign in as %s: %w", email, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return user{}, fmt.Errorf("sign in as %s: %s: %s", email, resp.Status, strings.TrimSpace(string(b)))
	}
	var out struct {
		User user `json:"user"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return user{}, fmt.Errorf("sign in as %s: %w", email, err)
	}
	u := out.User
	u.Email, u.auth = email, "Cookie"
	for _, c := range resp.Cookies() {
		if c.Name == "accord_session" {
			u.header = c.Name + "=" + c.Value
		}
	}
	if u.header == "" {
		return user{}, fmt.Errorf("sign in as %s: no session cookie in the answer", email)
	}
	return u, nil
}

// whoAmI reads the user an API token belongs to.
func whoAmI(ctx context.Context, hc *http.Client, base string, u user) (user, error) {
	var me user
	if err := getJSON(ctx, hc, base+"/api/v1/me", u, &me); err != nil {
		return u, fmt.Errorf("who the token is: %w", err)
	}
	me.Email, me.auth, me.header = me.Name, u.auth, u.header
	return me, nil
}

func getJSON(ctx context.Context, hc *http.Client, url string, u user, v any) error {
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

// setTargets sets the customers each user opens cases for: a contact's
// own organization; for agents, the customers they see (a partner agent
// those its partner serves), narrowed to the contacts' organizations when
// that leaves any, so that every target has the contract the contacts use.
func setTargets(ctx context.Context, hc *http.Client, base string, users []user) error {
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
		if err := getJSON(ctx, hc, base+"/api/v1/organizations?kind=customer&limit=100", *u, &l); err != nil {
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

// runClients runs the clients: a warm-up whose requests are not counted, then
// the measured stretch, ended by the clock or by count. Requests in flight
// when it ends are waited for and counted.
func runClients(ctx context.Context, hc *http.Client, base string, users []user, clients int, warmup, duration time.Duration, count int, seed uint64) result {
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(duration)
	var issued atomic.Int64
	var mu sync.Mutex
	var res result
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
				body := caseBody(rng, u, now)
				t0 := time.Now()
				err := openCase(ctx, hc, base, u, body)
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

func openCase(ctx context.Context, hc *http.Client, base string, u user, body []byte) error {
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
	subjects = []string{
		"Vault cluster lost redundancy", "Session recording playback fails for RDP sessions",
		"Password rotation stuck on Linux targets", "API returns 500 when fetching credentials for service accounts",
		"SSO sign-in loops back to the login page", "Search in the session audit takes minutes",
		"Web portal certificate renewal fails", "Agent upgrade to 4.3 fails on Windows Server 2019",
		"Privileged session to the core switch drops after five minutes", "Discovery scan misses devices in the DMZ",
		"Approval workflow e-mails are not sent", "High CPU on the session manager after the upgrade",
	}
	questions = []string{
		"How do we rotate SSH keys for a whole device group?", "Can a password policy apply only to service accounts?",
		"Which ports must be open between the vault and the session managers?", "How do we export the audit log to our SIEM?",
		"Is version 4.2 supported on RHEL 9?", "How many sessions can one session manager record at once?",
	}
	procedures = []string{
		"Vault > Cluster > Status, then Synchronize now", "Sessions > Recordings > Play on any RDP recording from today",
		"Targets > Linux > Rotate now on the 'prod-db' group", "GET /api/v2/credentials/{id} with a service account token",
		"Sign in through the corporate IdP from the portal home page", "Audit > Sessions > Search for a user over 30 days",
	}
	versions = []string{"4.1.3", "4.2.0", "4.2.1", "4.3.0-rc2", "3.9.12"}
)

func pick[T any](rng *rand.Rand, l []T) T { return l[rng.IntN(len(l))] }

// caseBody is one realistic opening by u: authorized contacts (and
// partner agents for their customers) open incidents (mostly Medium, with
// the five details), questions and defects in the portal; the vendor's
// agents record Urgent and High incidents phoned in by a customer.
func caseBody(rng *rand.Rand, u user, now time.Time) []byte {
	host := fmt.Sprintf("srv-%04d", rng.IntN(10000))
	details := func(c sla.Criticality) cases.Details {
		return cases.Details{Criticality: c, Procedure: pick(rng, procedures), Version: pick(rng, versions),
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
			Title: pick(rng, subjects) + " on " + host, Description: "Phoned in by the customer's operations manager.",
			Details: details(crit), Call: &cases.Call{Caller: "Operations manager", Number: "+1 212 555 0100", At: now.Add(-2 * time.Minute),
				Notes: "Production affected; the customer stays on the line for a callback."}}
	default:
		switch n := rng.IntN(10); {
		case n < 6:
			crit := sla.C3
			if n == 0 {
				crit = sla.C4
			}
			in = cases.NewCase{Type: cases.Incident, Title: pick(rng, subjects) + " on " + host,
				Description: "We noticed it after the weekend maintenance; a workaround is to retry, which usually works the second time.", Details: details(crit)}
		case n < 9:
			in = cases.NewCase{Type: cases.Question, Title: pick(rng, questions),
				Description: "We are planning the next quarter's changes and need to know this before our change board meets.",
				Details:     cases.Details{Criticality: sla.C4}}
		default:
			in = cases.NewCase{Type: cases.Defect, Title: pick(rng, subjects) + " on " + host,
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
	id := string(accord.NewID("t"))
	table := "accord_bench_raw_" + id[len(id)-10:] // random characters: the first ones are the time
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
