package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/bench"
	"accord/internal/sla"
)

// runBench measures Accord with the load tools of internal/bench; this file
// only reads their flags and wires the services the seed needs.
// docs/benchmarks.md records the figures and how they were taken.
func runBench(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "bench", []subcommand{
		{"cases", "open cases over the REST API with concurrent clients; with -database-url, compare with pgbench", benchCases},
		{"pages", "time the pages and API calls people wait on, as an agent, an admin, a customer and a partner", benchPages},
		{"seed", "bulk-insert a large, realistic case history into PostgreSQL or SQLite (bypasses the API)", benchSeed},
		{"due", "EXPLAIN and time the queries that find due jobs and the case queue", benchDue},
	}, args)
}

// benchDone turns a run that completed nothing into exit status 1: the
// command has printed its figures and errors.
func benchDone(err error) error {
	if errors.Is(err, bench.ErrNothingDone) || errors.Is(err, bench.ErrSomeFailed) {
		return exitError{1}
	}
	return err
}

func benchCases(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench cases", "bench cases -url http://127.0.0.1:8080 -clients 8 -duration 30s [-database-url postgres://...]")
	var c bench.CasesConfig
	fs.StringVar(&c.URL, "url", envOr(e, "ACCORD_BENCH_URL", "http://127.0.0.1:8080"), "the running server's base `url` (ACCORD_BENCH_URL)")
	fs.IntVar(&c.Clients, "clients", 8, "concurrent clients, each with one request in flight")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "how long to measure (after the warm-up)")
	fs.IntVar(&c.Count, "count", 0, "make this many openings (after the warm-up) instead of running for -duration")
	fs.DurationVar(&c.Warmup, "warmup", 3*time.Second, "requests made first and not measured")
	users := fs.String("users", envOr(e, "ACCORD_BENCH_USERS", "cto@acme.example,ops@acme.example,it@globex.example,agent@northwind.example"),
		"comma-separated `emails` to sign in as: authorized contacts and partner agents open portal cases, the vendor's agents record phone cases (ACCORD_BENCH_USERS)")
	fs.StringVar(&c.Password, "password", envOr(e, "ACCORD_BENCH_PASSWORD", demoPassword), "the users' password (ACCORD_BENCH_PASSWORD); the demo's by default")
	fs.StringVar(&c.Token, "token", e.getenv("ACCORD_BENCH_TOKEN"), "an API `token` to use instead of signing in as -users (ACCORD_BENCH_TOKEN)")
	fs.StringVar(&c.DatabaseURL, "database-url", e.getenv("ACCORD_DATABASE_URL"), "the server's PostgreSQL `url`; when set, the cases stored are counted and pgbench measures the raw single-row INSERT rate there with the same clients and duration (ACCORD_DATABASE_URL)")
	fs.StringVar(&c.Pgbench, "pgbench", "pgbench", "the pgbench `program`")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the clients' random choices")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c.Users = strings.Split(*users, ",")
	switch {
	case c.Clients < 1:
		return usageError{"-clients must be at least 1"}
	case c.Count < 0:
		return usageError{"-count must not be negative"}
	case c.Count == 0 && c.Duration <= 0:
		return usageError{"give a positive -duration or a -count"}
	case c.Warmup < 0:
		return usageError{"-warmup must not be negative"}
	case c.Token == "" && strings.TrimSpace(*users) == "":
		return usageError{"give -users (and -password) or -token"}
	}
	return benchDone(bench.Cases(ctx, e.stdout, c))
}

func benchPages(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench pages", "bench pages -url http://127.0.0.1:8080 -clients 1,4 -duration 10s [-pid PID] [-json]\n\n"+
		"Times each page and API call people wait on, one page at a time, at each -clients value: every answer must be 200\n"+
		"and is read whole. Run it against a seeded database (bench seed) with the server's -pid to report its memory.")
	var c bench.PagesConfig
	fs.StringVar(&c.URL, "url", envOr(e, "ACCORD_BENCH_URL", "http://127.0.0.1:8080"), "the running server's base `url` (ACCORD_BENCH_URL)")
	clients := fs.String("clients", "1,4", "comma-separated `concurrencies`: each page is timed at each, each client with one request in flight")
	fs.IntVar(&c.Count, "count", 0, "requests per page and concurrency, instead of -duration")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long each page is asked for at each concurrency")
	fs.StringVar(&c.Agent, "agent", "agent@northwind.example", "the vendor's agent: queue, views, a long case, searches, dashboard, SLA report (empty: left out)")
	fs.StringVar(&c.Admin, "admin", "admin@northwind.example", "the vendor's admin: audit trail and exports (empty: left out)")
	fs.StringVar(&c.Customer, "customer", "cto@acme.example", "a customer's contact: its cases, a case, a search (empty: left out)")
	fs.StringVar(&c.Partner, "partner", "partner@southwind.example", "a partner's agent: its customers' cases, a case, a search (empty: left out)")
	fs.StringVar(&c.Password, "password", envOr(e, "ACCORD_BENCH_PASSWORD", demoPassword), "the users' password (ACCORD_BENCH_PASSWORD); the demo's by default")
	fs.StringVar(&c.Search, "search", "certificate renewal", "the `text` of the full-text searches")
	fs.StringVar(&c.LongSearch, "long-search", bench.LongTimelineSearch, "a search that finds a case with a long timeline (bench seed's)")
	fs.StringVar(&c.Month, "month", "", "the SLA report's `month` (YYYY-MM); the previous one by default")
	only := fs.String("only", "", "comma-separated `parts` of page names: time only the pages whose name has one")
	fs.IntVar(&c.PID, "pid", 0, "the server's process `id`: its VmRSS is sampled from /proc during the run (and VmHWM read)")
	fs.StringVar(&c.MetricsURL, "metrics-url", "", "the server's /metrics `url`: process_resident_memory_bytes is sampled there instead of -pid")
	fs.StringVar(&c.MetricsToken, "metrics-token", e.getenv("ACCORD_METRICS_TOKEN"), "the bearer `token` of -metrics-url (ACCORD_METRICS_TOKEN)")
	fs.BoolVar(&c.JSON, "json", false, "print the figures as JSON")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Minute, "how long one answer may take before it counts as an error: a case export of a million rows streams for minutes")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for v := range strings.SplitSeq(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return usageError{fmt.Sprintf("-clients: %q is not a positive number", v)}
		}
		c.Clients = append(c.Clients, n)
	}
	for v := range strings.SplitSeq(*only, ",") {
		if v = strings.TrimSpace(v); v != "" {
			c.Only = append(c.Only, v)
		}
	}
	switch {
	case c.Count < 0:
		return usageError{"-count must not be negative"}
	case c.Count == 0 && c.Duration <= 0:
		return usageError{"give a positive -duration or a -count"}
	case c.PID < 0:
		return usageError{"-pid must be a process id"}
	case c.Timeout <= 0:
		return usageError{"-timeout must be positive"}
	case c.Agent == "" && c.Admin == "" && c.Customer == "" && c.Partner == "":
		return usageError{"give at least one of -agent, -admin, -customer, -partner"}
	}
	return benchDone(bench.Pages(ctx, e.stdout, c))
}

func benchSeed(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench seed", "bench seed [-database-url postgres://... | -data-dir dir] -cases 1000000 [-closed 0.5]\n\n"+
		"Adds cases, timelines and jobs straight into the database (PostgreSQL with COPY, SQLite with multi-row INSERTs),\n"+
		"without audit events, for benchmarks; an empty database gets the demo data first. Run it while no server opens\n"+
		"cases: it numbers the cases itself.")
	var db dbFlags
	db.register(fs, e)
	var f bench.SeedConfig
	fs.IntVar(&f.Cases, "cases", 1_000_000, "cases to add")
	fs.Float64Var(&f.Closed, "closed", 0, "share of the added cases that are closed history (0 to 1); the rest are open: new, being worked, awaiting the customer or resolved")
	fs.IntVar(&f.Batch, "batch", 10_000, "cases written per transaction")
	fs.Uint64Var(&f.Seed, "seed", 1, "seed of the random history")
	fs.IntVar(&f.Long, "long", 20, "how many of the cases (being worked) have a timeline of 200 entries, for bench pages")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case f.Cases < 1:
		return usageError{"-cases must be at least 1"}
	case f.Closed < 0 || f.Closed > 1:
		return usageError{"-closed must be between 0 and 1"}
	case f.Batch < 1:
		return usageError{"-batch must be at least 1"}
	case f.Long < 0:
		return usageError{"-long must not be negative"}
	}
	f.DatabaseURL = db.databaseURL
	d, err := db.openMigrated(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	return bench.Seed(ctx, e.stdout, d, seedSource(newServices(d), e), f, time.Now())
}

// seedSource gives the seed the default policy, the demo data and the
// customers' contracts from the services.
func seedSource(svc *services, e *env) bench.Source {
	sys := func(ctx context.Context) context.Context {
		return accord.WithActor(ctx, accord.SystemActor("accord bench seed"))
	}
	return bench.Source{
		Prepare: func(ctx context.Context, now time.Time) error {
			if err := svc.ensureDefaults(sys(ctx), now); err != nil {
				return err
			}
			if err := seedDemo(ctx, svc, now, e.stdout); err != nil {
				return fmt.Errorf("demo data: %w", err)
			}
			return nil
		},
		Policy: func(ctx context.Context) (int, *sla.Policy, error) {
			v, p, err := svc.policy.Current(sys(ctx))
			return v.Number, p, err
		},
		Contract: func(ctx context.Context, now time.Time, org accord.ID) (accord.ID, string, error) {
			k, err := svc.contracts.ActiveContract(sys(ctx), now, org)
			return k.ID, k.Plan, err
		},
	}
}

// benchDue measures the queries behind the jobs runner and the queue.
func benchDue(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench due", "bench due -database-url postgres://... [-runs 200]")
	var db dbFlags
	db.register(fs, e)
	var c bench.DueConfig
	fs.IntVar(&c.Runs, "runs", 200, "times each query runs for its timing")
	fs.IntVar(&c.Batch, "batch", 50, "jobs a claim takes at most (the runner's batch)")
	fs.DurationVar(&c.Backlog, "backlog", 24*time.Hour, "also claim as if this much later, when that much work has come due")
	fs.BoolVar(&c.Explain, "explain", true, "print each query's EXPLAIN (ANALYZE, BUFFERS)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case db.databaseURL == "":
		return usageError{"bench due measures PostgreSQL: give -database-url"}
	case c.Runs < 1:
		return usageError{"-runs must be at least 1"}
	case c.Batch < 1:
		return usageError{"-batch must be at least 1"}
	}
	d, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	return bench.Due(ctx, e.stdout, d, c)
}
