package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/api"
	"accord/internal/contracts"
	"accord/internal/environments"
	"accord/internal/jobs"
	"accord/internal/metrics"
	"accord/internal/oidc"
	"accord/internal/web"
	"accord/internal/webhooks"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve [flags]")
	var db dbFlags
	db.register(fs, e)
	var mail mailFlags
	mail.register(fs, e)
	addr := fs.String("addr", envOr(e, "ACCORD_ADDR", "127.0.0.1:8080"), "listen `address` (ACCORD_ADDR)")
	demo := fs.Bool("demo", envBool(e, "ACCORD_DEMO"), "fill an empty database with demo organizations and users, and print their logins (ACCORD_DEMO=1)")
	logFormat := fs.String("log-format", envOr(e, "ACCORD_LOG_FORMAT", "text"), "log format: text or json (ACCORD_LOG_FORMAT)")
	logLevel := fs.String("log-level", envOr(e, "ACCORD_LOG_LEVEL", "info"), "log level: debug, info, warn, error (ACCORD_LOG_LEVEL)")
	trustID := fs.Bool("trust-request-id", envBool(e, "ACCORD_TRUST_REQUEST_ID"), "use the X-Request-Id header a trusted proxy sets, instead of making one (ACCORD_TRUST_REQUEST_ID)")
	proxies := fs.String("trusted-proxies", envOr(e, "ACCORD_TRUSTED_PROXIES", ""), "`addresses` and CIDR prefixes of the reverse proxies whose X-Forwarded-For names the client, comma-separated (ACCORD_TRUSTED_PROXIES)")
	secure := fs.Bool("secure-cookies", envBool(e, "ACCORD_SECURE_COOKIES"), "mark session cookies Secure; set it behind a TLS-terminating proxy (ACCORD_SECURE_COOKIES)")
	runJobs := fs.Bool("jobs", envBoolOr(e, "ACCORD_JOBS", true), "run background jobs (SLA warnings and breaches, auto-close) in this process; any number of processes may, on PostgreSQL (ACCORD_JOBS)")
	poll := fs.Duration("jobs-poll", envDuration(e, "ACCORD_JOBS_POLL", time.Second), "longest wait between looks for due jobs (ACCORD_JOBS_POLL)")
	renewals := fs.String("renewal-notices", envOr(e, "ACCORD_RENEWAL_NOTICES", "90,60,30"), "`days` before a contract ends on which its renewal notices are mailed (ACCORD_RENEWAL_NOTICES)")
	grace := fs.Duration("backup-grace", envDuration(e, "ACCORD_BACKUP_GRACE", 2*time.Hour), "how late an environment's scheduled snapshot may be before an operations alert (ACCORD_BACKUP_GRACE)")
	languages := languagesFlag(fs, e)
	metricsAddr := fs.String("metrics-addr", envOr(e, "ACCORD_METRICS_ADDR", ""), "serve GET /metrics on this listen `address` only, not on -addr (ACCORD_METRICS_ADDR)")
	profiles := fs.Bool("pprof", envOr(e, "ACCORD_PPROF", "") == "true", "also serve Go's runtime profiles (CPU, heap, mutex, block) under /debug/pprof/ on -metrics-addr, behind -metrics-token, and sample mutex and block contention (ACCORD_PPROF=true); for measuring, not for everyday use")
	metricsToken := fs.String("metrics-token", envOr(e, "ACCORD_METRICS_TOKEN", ""), "bearer `token` GET /metrics asks for (ACCORD_METRICS_TOKEN); without it or -metrics-addr, /metrics is served only when -addr is a loopback address")
	kbPrefixes := fs.String("kb-url-prefixes", envOr(e, "ACCORD_KB_URL_PREFIXES", ""), "comma-separated URL `prefixes` a reply's knowledge-base reference may start with; default the base URL's /kb/, or any URL without a base URL (ACCORD_KB_URL_PREFIXES)")
	siemHosts := fs.String("siem-allow-hosts", envOr(e, "ACCORD_SIEM_ALLOW_HOSTS", ""), "comma-separated host `names` an organization's SIEM receiver may reach although they are internal (loopback, private): labs and tests only (ACCORD_SIEM_ALLOW_HOSTS)")
	hookHosts := fs.String("webhook-allow-hosts", envOr(e, "ACCORD_WEBHOOK_ALLOW_HOSTS", ""), "comma-separated host `names` webhooks may reach although they are internal (loopback, private), also over http: labs and tests only (ACCORD_WEBHOOK_ALLOW_HOSTS)")
	drain := fs.Duration("shutdown-timeout", envDuration(e, "ACCORD_SHUTDOWN_TIMEOUT", 20*time.Second), "how long in-flight requests may finish after SIGTERM (ACCORD_SHUTDOWN_TIMEOUT)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *profiles && *metricsAddr == "" {
		return errors.New("-pprof serves the profiles on -metrics-addr only: give it too (e.g. -metrics-addr 127.0.0.1:8081)")
	}
	log, err := newLogger(e.stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	trusted, err := api.ParseProxies(*proxies)
	if err != nil {
		return usageError{fmt.Sprintf("-trusted-proxies: %v", err)}
	}
	langs, err := languagesOf(*languages)
	if err != nil {
		return err
	}
	cc := contracts.DefaultConfig()
	if cc.RenewalNotices, err = contracts.ParseRenewalNotices(*renewals); err != nil {
		return usageError{fmt.Sprintf("-renewal-notices: %v", err)}
	}
	store, err := db.openMigrated(ctx, log)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := newServicesWith(store, cc)
	if *grace <= 0 {
		return usageError{fmt.Sprintf("-backup-grace: %s is not a positive duration", *grace)}
	}
	ec := environments.DefaultConfig()
	ec.Grace = *grace
	svc.environments = svc.newEnvironments(ec)
	svc.setLanguages(langs)
	svc.raci = svc.newRaci()
	if err := svc.enableMail(mail, *addr, contracts.DefaultConfig().Zone, log); err != nil {
		return err
	}
	if mail.baseURL != "" {
		// Calendar feeds link to engagements and the API answers feed
		// URLs under it; without it, the request's own address is used.
		if u, err := url.Parse(mail.baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError{fmt.Sprintf("-base-url: %q is not an http or https URL", mail.baseURL)}
		}
		svc.engagements = svc.newEngagements(mail.baseURL)
	}
	svc.changes = svc.newChanges(mail.baseURL)
	svc.webhooks = newWebhooks(store, allowHosts(*hookHosts), nil)
	svc.siem = newSIEM(store, allowHosts(*siemHosts))
	m := metrics.New(store, metrics.Config{Log: log, JobKinds: slices.Collect(maps.Keys(svc.jobHandlers()))})
	svc.observe(m)
	onMain, warning := metricsExposure(*addr, *metricsAddr, *metricsToken)
	if warning != "" {
		log.Warn(warning)
	}
	svc.cases.AllowKB(kbURLPrefixes(*kbPrefixes, mail.baseURL), svc.kb.Referable)
	if err := svc.ensureDefaults(accord.WithActor(ctx, accord.SystemActor("accord serve")), time.Now()); err != nil {
		return err
	}
	if *demo {
		if err := seedDemo(ctx, svc, time.Now(), e.stdout); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}

	ui, err := web.New(web.Deps{
		Directory: svc.directory, Audit: svc.audit, Policy: svc.policy, Contracts: svc.contracts, Cases: svc.cases,
		Engagements: svc.engagements, Reports: svc.reports, Views: svc.views, Environments: svc.environments, Changes: svc.changes, Signals: svc.signals, Macros: svc.macros, Log: log, SecureCookies: *secure,
		Raci:        svc.raci,
		Products:    svc.products,
		KnownIssues: svc.knownIssues,
		KB:          svc.kb,
		SSO:         oidc.New(nil, nil),
		PublicURL:   mail.baseURL,
		Webhooks:    svc.webhooks,
		SIEM:        svc.siem,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: api.New(api.Deps{
			DB: store, Directory: svc.directory, Audit: svc.audit, Policy: svc.policy, Contracts: svc.contracts, Cases: svc.cases, Engagements: svc.engagements, Environments: svc.environments, Changes: svc.changes, Notify: svc.notify, Raci: svc.raci, Macros: svc.macros, Views: svc.views, KnownIssues: svc.knownIssues, Log: log,
			BaseURL: mail.baseURL, SecureCookies: *secure, TrustRequestID: *trustID, TrustedProxies: trusted, UI: ui,
			Metrics: m, MetricsToken: *metricsToken, NoMetrics: !onMain,
			Products: svc.products,
			KB:       svc.kb,
			Webhooks: svc.webhooks,
			SIEM:     svc.siem,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	var metricsSrv *http.Server
	metricsServed := make(chan error, 1)
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("-metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler(*metricsToken))
		if *profiles {
			mux.Handle("/debug/pprof/", metrics.Profiles(*metricsToken))
			fmt.Fprintf(e.stdout, "Profiles on http://%s/debug/pprof/\n", mln.Addr())
		}
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		fmt.Fprintf(e.stdout, "Metrics on http://%s/metrics\n", mln.Addr())
		go func() { metricsServed <- metricsSrv.Serve(mln) }()
	}
	fmt.Fprintf(e.stdout, "Accord listening on http://%s (database: %s)\n", ln.Addr(), store)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan struct{})
	if *runJobs {
		go func() {
			defer close(jobsDone)
			_ = jobs.NewRunner(svc.jobs, svc.jobHandlers(), jobs.Config{Poll: *poll, Log: log, Observe: m.JobRan}).Run(jobsCtx)
		}()
	} else {
		close(jobsDone)
	}
	defer func() { stopJobs(); <-jobsDone }()
	repliesCtx, stopReplies := context.WithCancel(context.WithoutCancel(ctx))
	waitReplies, err := svc.receiveReplies(repliesCtx, mail, log, e.stdout)
	if err != nil {
		stopReplies()
		return err
	}
	defer func() { stopReplies(); waitReplies() }()

	select {
	case err := <-served:
		return err
	case err := <-metricsServed:
		return fmt.Errorf("metrics: %w", err)
	case <-ctx.Done():
	}
	if metricsSrv != nil {
		// Scrapes are short; they need no drain.
		metricsSrv.Close()
	}
	log.Info("shutting down: draining in-flight requests", "timeout", *drain)
	shutCtx, cancel := context.WithTimeout(context.Background(), *drain)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// observe has m told of what the services and the store do: breaches,
// mail sent and received, refused sign-ins. Call it after enableMail,
// which makes the notification service anew.
func (s *services) observe(m *metrics.Metrics) {
	s.db.Observe(m)
	s.directory.ObserveSignIns(m.SignInRefused)
	s.notify.ObserveInbound(m.Inbound)
	s.webhooks.ObserveAttempts(m.WebhookAttempt)
}

// metricsExposure decides whether GET /metrics is served on the main
// address (addr): not when it has its own address; with a token, behind
// it; otherwise only when addr is a loopback address, so that a server
// opened to the network does not show its figures to anyone. warning,
// when not empty, says how to read them.
func metricsExposure(addr, metricsAddr, token string) (onMain bool, warning string) {
	switch {
	case metricsAddr != "":
		return false, ""
	case token != "" || loopback(addr):
		return true, ""
	}
	return false, fmt.Sprintf("GET /metrics answers 404: -addr %s is not a loopback address; give -metrics-addr (e.g. 127.0.0.1:8081) "+
		"to serve the metrics on their own address, or -metrics-token to ask scrapers for a bearer token", addr)
}

// loopback reports whether the listen address addr only accepts
// connections from this machine.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// kbURLPrefixes are the prefixes of -kb-url-prefixes, or the base URL's
// /kb/ when none are given; none at all without a base URL.
func kbURLPrefixes(flag, baseURL string) []string {
	var out []string
	for _, p := range strings.Split(flag, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 && baseURL != "" {
		out = []string{strings.TrimRight(baseURL, "/") + "/kb/"}
	}
	return out
}

// allowHosts splits -webhook-allow-hosts and -siem-allow-hosts.
func allowHosts(v string) webhooks.Allow {
	var out webhooks.Allow
	for _, h := range strings.Split(v, ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			out = append(out, h)
		}
	}
	return out
}
