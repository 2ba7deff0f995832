// Package metrics is what Accord tells Prometheus: counters of what this
// process did (requests, jobs run, SLA warnings and breaches recorded,
// mail sent, sign-ins refused) and gauges read from the database, which
// every process reports alike (jobs by kind and state, job lag, open
// cases, warnings and breaches of the last 24 hours, the mail queue), plus
// the connection pool's own figures. It also logs, with the ids an
// operator needs, the breaches and throttles it counts.
//
// The database gauges are read at scrape time, at most once per
// Config.CacheFor (15 s): one grouped pass over the jobs table (pending
// work only), one index read per job kind, and one grouped pass over the
// cases table.
package metrics

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/notify"
	"accord/internal/store"
	"accord/internal/webhooks"
)

// Config tunes Metrics; zero values take the defaults.
type Config struct {
	Log *slog.Logger
	// Now is the clock of the database gauges: time.Now by default.
	Now func() time.Time
	// CacheFor is how long the database gauges are reused: 15 s.
	CacheFor time.Duration
	// JobKinds are the kinds the job runner handles: their attempt
	// counters are exported at 0 from the start, so that increase() sees
	// a kind's first give-up.
	JobKinds []string
}

// Metrics holds Accord's registry. It is a store.Observer and has hooks
// for the job runner, the directory and the notification service.
type Metrics struct {
	reg *prometheus.Registry
	db  *store.DB
	cfg Config
	// accord are Accord's own collectors (not Go's and the process's).
	accord []prometheus.Collector

	requests        *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	warnings        *prometheus.CounterVec
	breaches        *prometheus.CounterVec
	jobRuns         *prometheus.CounterVec
	jobDuration     *prometheus.HistogramVec
	mailSent        prometheus.Counter
	mailFailures    prometheus.Counter
	inbound         *prometheus.CounterVec
	signInFailures  prometheus.Counter
	signInThrottled prometheus.Counter
	webhookAttempts *prometheus.CounterVec
	webhooksOff     prometheus.Counter
}

// Criticalities label the SLA figures; every one is exported from the
// start, so that rate() sees the first breach.
var criticalities = []string{"C1", "C2", "C3", "C4"}

// New builds the registry over db.
func New(db *store.DB, cfg Config) *Metrics {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheFor <= 0 {
		cfg.CacheFor = 15 * time.Second
	}
	m := &Metrics{reg: prometheus.NewRegistry(), db: db, cfg: cfg}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accord_http_requests_total", Help: "HTTP requests by route pattern and status.",
	}, []string{"route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "accord_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	m.warnings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accord_sla_warnings_total", Help: "SLA warnings (80% of a first-response target elapsed) recorded by this process, by criticality.",
	}, []string{"criticality"})
	m.breaches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accord_sla_breaches_total", Help: "SLA breaches (first-response target missed) recorded by this process, by criticality.",
	}, []string{"criticality"})
	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accord_job_runs_total", Help: "Job attempts run by this process, by kind and outcome (done, retry, failed: given up).",
	}, []string{"kind", "outcome"})
	m.jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "accord_job_duration_seconds", Help: "How long job attempts took, by kind.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"kind"})
	m.mailSent = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "accord_mail_sent_total", Help: "Outbound messages handed to the SMTP server by this process.",
	})
	m.mailFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "accord_mail_send_failures_total", Help: "Failed attempts to send an outbound message (each is retried until it gives up).",
	})
	m.inbound = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accord_mail_inbound_total", Help: "Inbound messages (replies) received by this process, by status: accepted, rejected, duplicate.",
	}, []string{"status"})
	m.signInFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "accord_signin_failures_total", Help: "Sign-ins refused for a wrong e-mail address or password, or an inactive account.",
	})
	m.signInThrottled = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "accord_signin_throttled_total", Help: "Sign-in attempts refused unchecked because their account or address failed too often.",
	})
	m.webhookAttempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accord_webhook_attempts_total", Help: "Webhook delivery attempts made by this process, by outcome (delivered, retry, failed: the last attempt failed).",
	}, []string{"outcome"})
	m.webhooksOff = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "accord_webhooks_disabled_total", Help: "Webhook subscriptions this process disabled after repeated failure.",
	})
	for _, o := range []string{webhooks.Delivered, "retry", webhooks.Failed} {
		m.webhookAttempts.WithLabelValues(o)
	}
	for _, c := range criticalities {
		m.warnings.WithLabelValues(c)
		m.breaches.WithLabelValues(c)
	}
	for _, kind := range cfg.JobKinds {
		for _, outcome := range []string{"done", "retry", "failed"} {
			m.jobRuns.WithLabelValues(kind, outcome)
		}
	}
	for _, st := range []notify.InboundStatus{notify.Accepted, notify.Rejected, notify.Duplicate} {
		m.inbound.WithLabelValues(string(st))
	}
	m.accord = []prometheus.Collector{m.requests, m.latency, m.warnings, m.breaches, m.jobRuns, m.jobDuration, m.mailSent,
		m.mailFailures, m.inbound, m.signInFailures, m.signInThrottled, m.webhookAttempts, m.webhooksOff, &poolCollector{db: db}, &dbCollector{m: m},
		&siemCollector{m: m}}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reg.MustRegister(m.accord...)
	return m
}

// Registry is where Accord's metrics are registered.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics; with a token, only to requests that carry it
// as "Authorization: Bearer <token>", compared in constant time.
func (m *Metrics) Handler(token string) http.Handler {
	return guard(token, promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// Profiles serves Go's runtime profiles (net/http/pprof: CPU, heap,
// goroutines, mutex and block contention, execution traces) under
// /debug/pprof/, behind the same bearer token as the metrics. It also
// turns on sampling of mutex contention (one event in 10) and of blocking
// (events of 10 µs and more), which cost the server a little while it
// runs: the profiles are for an operator measuring, on the metrics
// listener, never on the public address.
func Profiles(token string) http.Handler {
	runtime.SetMutexProfileFraction(10)
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return guard(token, mux)
}

// guard asks for the bearer token before h; without a token it asks
// nothing.
func guard(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte("Bearer " + token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="accord metrics"`)
			http.Error(w, "metrics need the bearer token (--metrics-token)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// HTTP counts a request that matched route and answered status.
func (m *Metrics) HTTP(route string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(elapsed.Seconds())
}

// CaseChanged counts and logs the SLA warning or breach a change recorded.
func (m *Metrics) CaseChanged(ctx context.Context, before, after cases.Case) {
	b, a := before.Clock, after.Clock
	if b.BreachedAt == nil && a.BreachedAt != nil {
		crit := string(a.BreachCriticality)
		if crit == "" {
			crit = string(after.Criticality)
		}
		m.breaches.WithLabelValues(crit).Inc()
		attrs := []any{"case", after.ID, "number", after.Number, "org", after.OrgID, "criticality", crit, "target", time.Duration(a.Target)}
		if a.BreachDueAt != nil {
			attrs = append(attrs, "due_at", *a.BreachDueAt, "late_by", a.BreachedAt.Sub(*a.BreachDueAt))
		}
		m.cfg.Log.WarnContext(ctx, "sla breach recorded", attrs...)
	}
	if b.WarnedAt == nil && a.WarnedAt != nil {
		m.warnings.WithLabelValues(string(after.Criticality)).Inc()
		attrs := []any{"case", after.ID, "number", after.Number, "org", after.OrgID, "criticality", after.Criticality, "target", time.Duration(a.Target)}
		if a.DueAt != nil {
			attrs = append(attrs, "due_at", *a.DueAt, "due_in", a.DueAt.Sub(*a.WarnedAt))
		}
		m.cfg.Log.InfoContext(ctx, "sla warning recorded", attrs...)
	}
}

// MailSent counts a message handed to the SMTP server.
func (m *Metrics) MailSent(context.Context, accord.ID) { m.mailSent.Inc() }

// Inbound counts an inbound message by the status it was given; the
// notification service logs each.
func (m *Metrics) Inbound(_ context.Context, in notify.Inbound) {
	m.inbound.WithLabelValues(string(in.Status)).Inc()
}

// SignInRefused counts and logs a refused sign-in.
func (m *Metrics) SignInRefused(ctx context.Context, r directory.SignInRefusal) {
	if r.Throttled {
		m.signInThrottled.Inc()
		m.cfg.Log.WarnContext(ctx, "sign-in throttled", "account", r.Account, "address", r.Address, "retry_in", r.Wait,
			"request_id", accord.RequestID(ctx))
		return
	}
	m.signInFailures.Inc()
	m.cfg.Log.InfoContext(ctx, "sign-in failed", "account", r.Account, "address", r.Address, "request_id", accord.RequestID(ctx))
}

// JobRan counts a job attempt; the runner logs failures.
func (m *Metrics) JobRan(j jobs.Job, elapsed time.Duration, err error, giveUp bool) {
	outcome := "done"
	switch {
	case giveUp:
		outcome = "failed"
	case err != nil:
		outcome = "retry"
	}
	m.jobRuns.WithLabelValues(j.Kind, outcome).Inc()
	m.jobDuration.WithLabelValues(j.Kind).Observe(elapsed.Seconds())
	if err != nil && j.Kind == notify.SendJob {
		m.mailFailures.Inc()
	}
}

var (
	descJobs = prometheus.NewDesc("accord_jobs", "Jobs in the database by kind and state: scheduled (not due yet), queued (due, waiting), running, retrying, failed (gave up).",
		[]string{"kind", "state"}, nil)
	descLag = prometheus.NewDesc("accord_job_lag_seconds", "Age of the oldest due job that no worker holds, by kind; 0 when none waits.",
		[]string{"kind"}, nil)
	descOpen = prometheus.NewDesc("accord_cases_open", "Cases not closed (nor declined or delivered) by state and criticality.",
		[]string{"state", "criticality"}, nil)
	descWarned = prometheus.NewDesc("accord_sla_warnings_last_24h", "Cases whose SLA warning was recorded in the last 24 hours, by criticality (from the database: every process agrees).",
		[]string{"criticality"}, nil)
	descBreached = prometheus.NewDesc("accord_sla_breaches_last_24h", "Cases whose SLA breach was recorded in the last 24 hours, by criticality (from the database: every process agrees).",
		[]string{"criticality"}, nil)
	descMail = prometheus.NewDesc("accord_mail_outbound", "Outbound messages not sent yet, by status: queued, retrying, failed (gave up; an administrator may resend).",
		[]string{"status"}, nil)
	descUp = prometheus.NewDesc("accord_db_up", "1 when the last read of the database gauges worked, 0 when it failed (the gauges are then left out).", nil, nil)
)

// dbCollector reports the database gauges, read at most once per
// Config.CacheFor.
type dbCollector struct {
	m      *Metrics
	mu     sync.Mutex
	at     time.Time
	gauges store.Gauges
	err    error
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descJobs, descLag, descOpen, descWarned, descBreached, descMail, descUp} {
		ch <- d
	}
}

func (c *dbCollector) read() (store.Gauges, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.m.cfg.Now()
	if c.at.IsZero() || now.Sub(c.at) >= c.m.cfg.CacheFor || now.Before(c.at) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.gauges, c.err = c.m.db.Gauges(ctx, now, now.Add(-24*time.Hour))
		c.at = now
		if c.err != nil {
			c.m.cfg.Log.Warn("metrics: read the database gauges", "err", c.err)
		}
	}
	return c.gauges, c.err
}

// closedStates are the states in which a case is done.
var closedStates = []string{string(cases.Closed), string(cases.Declined), string(cases.Delivered)}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	g, err := c.read()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
	mail := map[string]int{"queued": 0, "retrying": 0, "failed": 0}
	for _, j := range g.Jobs {
		ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(j.N), j.Kind, j.State)
		if j.Kind != notify.SendJob {
			continue
		}
		switch j.State {
		case store.JobRetrying, store.JobFailed:
			mail[j.State] += j.N
		default:
			mail["queued"] += j.N
		}
	}
	for kind, lag := range g.Lag {
		ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, lag.Seconds(), kind)
	}
	for st, n := range mail {
		ch <- prometheus.MustNewConstMetric(descMail, prometheus.GaugeValue, float64(n), st)
	}
	// Every open state and criticality is reported, 0 when no case has
	// them, so that a series does not vanish when its last case closes.
	type key struct{ state, crit string }
	open := map[key]int{}
	warned, breached := map[string]int{}, map[string]int{}
	for _, crit := range criticalities {
		warned[crit], breached[crit] = 0, 0
		for _, st := range cases.States {
			if !slices.Contains(closedStates, string(st)) {
				open[key{string(st), crit}] = 0
			}
		}
	}
	for _, k := range g.Cases {
		warned[k.Criticality] += k.Warned
		breached[k.Criticality] += k.Breached
		if !slices.Contains(closedStates, k.State) {
			open[key{k.State, k.Criticality}] += k.N
		}
	}
	for k, n := range open {
		ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(n), k.state, k.crit)
	}
	for crit, n := range warned {
		ch <- prometheus.MustNewConstMetric(descWarned, prometheus.GaugeValue, float64(n), crit)
	}
	for crit, n := range breached {
		ch <- prometheus.MustNewConstMetric(descBreached, prometheus.GaugeValue, float64(n), crit)
	}
}

var (
	descAcquired = prometheus.NewDesc("accord_db_pool_acquired_connections", "Database connections in use.", nil, nil)
	descIdle     = prometheus.NewDesc("accord_db_pool_idle_connections", "Database connections open and idle.", nil, nil)
	descTotal    = prometheus.NewDesc("accord_db_pool_connections", "Database connections open (in use, idle or being made).", nil, nil)
	descMax      = prometheus.NewDesc("accord_db_pool_max_connections", "Most database connections the pool opens (--db-max-conns; 1 on SQLite).", nil, nil)
	descAcquires = prometheus.NewDesc("accord_db_pool_acquires_total", "Connections taken from the pool (PostgreSQL only).", nil, nil)
	descEmpty    = prometheus.NewDesc("accord_db_pool_empty_acquires_total", "Connection requests that had to wait because none was idle.", nil, nil)
	descCanceled = prometheus.NewDesc("accord_db_pool_canceled_acquires_total", "Connection requests given up before one was free (PostgreSQL only).", nil, nil)
	descWait     = prometheus.NewDesc("accord_db_pool_acquire_wait_seconds_total", "Time spent getting connections from the pool (on SQLite, waiting for its one connection).", nil, nil)
)

// poolCollector reports the pool's figures as they are at each scrape:
// pgxpool's own on PostgreSQL, not those of the database/sql layer over
// it, which keeps no idle connections of its own.
type poolCollector struct{ db *store.DB }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descAcquired, descIdle, descTotal, descMax, descAcquires, descEmpty, descCanceled, descWait} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.db.PoolStats()
	ch <- prometheus.MustNewConstMetric(descAcquired, prometheus.GaugeValue, float64(s.Acquired))
	ch <- prometheus.MustNewConstMetric(descIdle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(descTotal, prometheus.GaugeValue, float64(s.Total))
	ch <- prometheus.MustNewConstMetric(descMax, prometheus.GaugeValue, float64(s.Max))
	ch <- prometheus.MustNewConstMetric(descEmpty, prometheus.CounterValue, float64(s.EmptyAcquires))
	ch <- prometheus.MustNewConstMetric(descWait, prometheus.CounterValue, s.AcquireWait.Seconds())
	if s.Known {
		ch <- prometheus.MustNewConstMetric(descAcquires, prometheus.CounterValue, float64(s.Acquires))
		ch <- prometheus.MustNewConstMetric(descCanceled, prometheus.CounterValue, float64(s.CanceledAcquires))
	}
}

// WebhookAttempt counts a webhook delivery attempt by outcome (see
// webhooks.Service.ObserveAttempts) and a subscription it disabled.
func (m *Metrics) WebhookAttempt(outcome string, disabled bool) {
	m.webhookAttempts.WithLabelValues(outcome).Inc()
	if disabled {
		m.webhooksOff.Inc()
	}
}
