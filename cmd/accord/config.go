package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	ics "github.com/arran4/golang-ical"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/changes"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/environments"
	"accord/internal/kb"
	"accord/internal/knownissues"
	"accord/internal/lang"
	"accord/internal/macros"
	"accord/internal/notify"
	"accord/internal/products"
	"accord/internal/raci"
	"accord/internal/reports"
	"accord/internal/siem"
	"accord/internal/siem/wire"
	"accord/internal/signals"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/views"
	"accord/internal/webhooks"
	"accord/internal/webhooks/transport"
)

// envOr returns the environment variable, or def when it is unset.
func envOr(e *env, name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

func envBool(e *env, name string) bool {
	b, _ := strconv.ParseBool(e.getenv(name))
	return b
}

func envBoolOr(e *env, name string, def bool) bool {
	if b, err := strconv.ParseBool(e.getenv(name)); err == nil {
		return b
	}
	return def
}

func envDuration(e *env, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(e.getenv(name)); err == nil {
		return d
	}
	return def
}

// checkEnv refuses ACCORD_* settings that are set but unreadable: silently
// falling back to a default would, for one, send session cookies without
// Secure when ACCORD_SECURE_COOKIES says "yes".
func checkEnv(e *env) error {
	checks := []struct {
		name, want string
		ok         func(string) bool
	}{
		{"ACCORD_DEMO", "true or false (1, 0, t, f)", func(v string) bool { _, err := strconv.ParseBool(v); return err == nil }},
		{"ACCORD_SECURE_COOKIES", "true or false (1, 0, t, f)", func(v string) bool { _, err := strconv.ParseBool(v); return err == nil }},
		{"ACCORD_TRUST_REQUEST_ID", "true or false (1, 0, t, f)", func(v string) bool { _, err := strconv.ParseBool(v); return err == nil }},
		{"ACCORD_JOBS", "true or false (1, 0, t, f)", func(v string) bool { _, err := strconv.ParseBool(v); return err == nil }},
		{"ACCORD_SHUTDOWN_TIMEOUT", "a duration such as 20s", func(v string) bool { _, err := time.ParseDuration(v); return err == nil }},
		{"ACCORD_JOBS_POLL", "a duration such as 1s", func(v string) bool { d, err := time.ParseDuration(v); return err == nil && d > 0 }},
		{"ACCORD_DB_MAX_CONNS", "a whole number above 0", func(v string) bool { n, err := strconv.Atoi(v); return err == nil && n > 0 }},
		{"ACCORD_POLICY_LANGUAGES", "warn or strict", func(v string) bool { _, err := lang.ParseMode(v); return err == nil }},
	}
	for _, c := range checks {
		if v := e.getenv(c.name); v != "" && !c.ok(v) {
			return usageError{fmt.Sprintf("%s=%q: must be %s", c.name, v, c.want)}
		}
	}
	return nil
}

// dbFlags are the flags of every command that opens the database.
type dbFlags struct {
	env         *env
	dataDir     string
	databaseURL string
	maxConns    int
}

func (f *dbFlags) register(fs *flag.FlagSet, e *env) {
	f.env = e
	fs.StringVar(&f.dataDir, "data-dir", envOr(e, "ACCORD_DATA_DIR", "./accord-data"), "directory of the embedded SQLite database `dir` (ACCORD_DATA_DIR)")
	fs.StringVar(&f.databaseURL, "database-url", e.getenv("ACCORD_DATABASE_URL"), "PostgreSQL `url` (postgres://...); when set, SQLite is not used (ACCORD_DATABASE_URL)")
	maxConns, _ := strconv.Atoi(envOr(e, "ACCORD_DB_MAX_CONNS", "20"))
	fs.IntVar(&f.maxConns, "db-max-conns", maxConns, "PostgreSQL connection pool size (ACCORD_DB_MAX_CONNS)")
}

func (f *dbFlags) open(ctx context.Context) (*store.DB, error) {
	if err := checkEnv(f.env); err != nil {
		return nil, err
	}
	return store.Open(ctx, store.Config{DatabaseURL: f.databaseURL, DataDir: f.dataDir, MaxConns: f.maxConns})
}

// openFound opens the database only if it is there: it creates no data
// directory and no database file. With nothing there, it says so.
func (f *dbFlags) openFound(ctx context.Context) (*store.DB, error) {
	if err := checkEnv(f.env); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, store.Config{DatabaseURL: f.databaseURL, DataDir: f.dataDir, MaxConns: f.maxConns, Existing: true})
	if errors.Is(err, store.ErrNoDatabase) {
		return nil, fmt.Errorf("%w (give -data-dir or -database-url; accord migrate creates one)", err)
	}
	return db, err
}

// openExisting opens the database for a command that only reads: one that
// is there (openFound), migrated by this binary's migrations and no other.
// It migrates nothing, so that reading never changes the schema.
func (f *dbFlags) openExisting(ctx context.Context) (*store.DB, error) {
	db, err := f.openFound(ctx)
	if err != nil {
		return nil, err
	}
	st, err := db.CheckSchema(ctx)
	switch {
	case err != nil:
	case st.Current == 0:
		err = fmt.Errorf("%w at %s: it has no Accord schema (accord migrate makes one)", store.ErrNoDatabase, db)
	case st.Current < st.Latest:
		err = fmt.Errorf("%s is at migration %d of %d: run accord migrate first", db, st.Current, st.Latest)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openMigrated opens the database and applies pending migrations.
func (f *dbFlags) openMigrated(ctx context.Context, log *slog.Logger) (*store.DB, error) {
	db, err := f.open(ctx)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "versions", applied, "database", db.String())
	}
	return db, nil
}

// services are the domain services over one database.
type services struct {
	db          *store.DB
	directory   *directory.Service
	audit       *audit.Service
	policy      *sla.Service
	contracts   *contracts.Service
	cases       *cases.Service
	engagements *engagements.Service // serve rebuilds it with its base URL
	jobs        *store.Jobs
	reports     *reports.Service
	notify      *notify.Service // sends nothing until enableMail
	views       *views.Service
	// environments are the managed service; serve rebuilds it with its
	// backup grace.
	environments *environments.Service
	// languages and baseURL are what newEngagements builds with.
	languages lang.Mode
	baseURL   string
	signals   *signals.Service
	macros    *macros.Service
	raci      *raci.Service
	changes   *changes.Service // serve rebuilds it with its base URL
	// knownIssues are the vendor's known issues and their notices.
	knownIssues *knownissues.Service
	products    *products.Service
	kb          *kb.Service
	// webhooks send events to subscribed endpoints; serve rebuilds it with
	// its allow-list of internal hosts.
	webhooks *webhooks.Service
	// siem forwards security and audit events to SIEM receivers.
	siem *siem.Service
}

func newServices(db *store.DB) *services { return newServicesWith(db, contracts.DefaultConfig()) }

// newServicesWith builds the services with cc for contracts: serve's
// settings of renewal notices.
func newServicesWith(db *store.DB, cc contracts.Config) *services {
	s := &services{
		db:        db,
		directory: directory.NewService(store.NewDirectory(db), directory.DefaultConfig()),
		audit:     audit.NewService(store.NewAudit(db)),
		policy:    sla.NewService(store.NewPolicy(db)),
	}
	s.contracts = contracts.NewService(store.NewContracts(db), contracts.PolicyPlans{Policy: s.policy}, s.directory, cc)
	s.cases = cases.NewService(store.NewCases(db, db.DataDir()), s.policy, s.contracts, s.directory,
		cases.Config{MaxFile: maxFile, Sniff: http.DetectContentType})
	// Contact requests are decided on access-request cases; the case
	// service, built from the contracts service, is handed back to it.
	s.contracts.UseAccessCases(s.cases)
	s.engagements = s.newEngagements("")
	s.jobs = store.NewJobs(db)
	s.reports = reports.NewService(store.NewReports(db), s.policy, s.directory, reports.DefaultConfig())
	s.views = views.NewService(store.NewViews(db))
	s.environments = s.newEnvironments(environments.DefaultConfig())
	s.raci = s.newRaci()
	s.signals = signals.NewService(store.NewSignals(db), s.cases, s.directory)
	s.macros = macros.NewService(store.NewMacros(db), s.cases, s.directory)
	s.changes = s.newChanges("")
	s.notify, _ = notify.NewService(store.NewMail(db), s.cases, s.directory, nil, notify.Config{})
	s.knownIssues = s.newKnownIssues()
	s.products = products.NewService(store.NewProducts(db), s.directory, nil)
	s.kb = kb.NewService(store.NewKB(db), s.directory, nil)
	s.webhooks = newWebhooks(db, nil, nil)
	s.siem = newSIEM(db, nil)
	return s
}

// newSIEM builds the SIEM service; allow names the internal hosts an
// organization's receiver may reach (serve's -siem-allow-hosts).
func newSIEM(db *store.DB, allow webhooks.Allow) *siem.Service {
	host, _ := os.Hostname()
	return siem.NewService(store.NewSIEM(db), wire.Sender{Host: host, Allow: allow}, siem.Config{})
}

// newWebhooks builds the webhooks service; allow names the internal hosts
// subscriptions may reach (labs, tests), tlsConfig the roots a test trusts.
func newWebhooks(db *store.DB, allow webhooks.Allow, tlsConfig *tls.Config) *webhooks.Service {
	return webhooks.NewService(store.NewWebhooks(db), transport.New(transport.Config{Allow: allow, TLS: tlsConfig}), allow)
}

// maxFile bounds a case attachment and an engagement's evidence file.
const maxFile = 20 << 20

// newEngagements builds the professional-services service; baseURL, when
// set, is the web address calendar feeds link engagements to.
func (s *services) newEngagements(baseURL string) *engagements.Service {
	s.baseURL = baseURL
	return engagements.NewService(store.NewEngagements(s.db), s.policy, s.contracts, s.directory, s.cases, engagements.Config{
		MaxFile: maxFile, Sniff: http.DetectContentType, ContractZone: contracts.DefaultConfig().Zone, BaseURL: baseURL,
		Languages: s.languages,
		// A user's feed also lists the changes and maintenance windows
		// they take part in and, for a customer's contact, the notices to
		// the customer; those services are built after this one.
		More: func(ctx context.Context, now time.Time, owner directory.User, scope accord.Scope, cal *ics.Calendar) error {
			if err := s.changes.FeedEvents(ctx, now, owner, scope, cal); err != nil {
				return err
			}
			return s.environments.AddNotices(ctx, now, owner, scope, cal, baseURL)
		}})
}

// setLanguages sets what imports of the policy and the catalog do with a
// document whose texts lack a language Accord serves.
func (s *services) setLanguages(m lang.Mode) {
	s.languages = m
	s.policy.SetLanguages(m)
	s.engagements = s.newEngagements(s.baseURL)
}

// languagesFlag is the --policy-languages flag of the commands that import
// the policy or the catalog.
func languagesFlag(fs *flag.FlagSet, e *env) *string {
	return fs.String("policy-languages", envOr(e, "ACCORD_POLICY_LANGUAGES", string(lang.Warn)),
		"an imported policy or catalog whose texts lack one of en-US, pt-BR, es-ES: warn (import it and list them) or strict (refuse it) (ACCORD_POLICY_LANGUAGES)")
}

// languagesOf reads the flag languagesFlag made.
func languagesOf(v string) (lang.Mode, error) {
	m, err := lang.ParseMode(v)
	if err != nil {
		return "", usageError{fmt.Sprintf("-policy-languages: %v", err)}
	}
	return m, nil
}

// newEnvironments builds the managed environments' service with cfg.
func (s *services) newEnvironments(cfg environments.Config) *environments.Service {
	return environments.NewService(store.NewEnvironments(s.db), s.directory, cfg)
}

// newRaci builds the matrices' service over the environments service.
func (s *services) newRaci() *raci.Service {
	return raci.NewService(store.NewRaci(s.db), s.environments)
}

// newChanges builds the change-request service over the environments and
// matrices services; baseURL, when set, is where its mail links point.
func (s *services) newChanges(baseURL string) *changes.Service {
	return changes.NewService(store.NewChanges(s.db), changes.EnvironmentsOf(s.environments), changes.MatricesOf(s.raci), s.policy,
		s.directory, s.cases, changes.Config{MaxFile: maxFile, Sniff: http.DetectContentType, BaseURL: baseURL})
}

// ensureDefaults loads the default support policy, then the default
// services catalog, which names a calendar of the policy, and the default
// responsibility matrix into a database that has none. ctx acts as the system.
func (s *services) ensureDefaults(ctx context.Context, now time.Time) error {
	if _, err := s.policy.EnsureDefault(ctx, now); err != nil {
		return fmt.Errorf("load the default policy: %w", err)
	}
	if _, err := s.engagements.EnsureDefaultCatalog(ctx, now); err != nil {
		return fmt.Errorf("load the default services catalog: %w", err)
	}
	if _, err := s.raci.EnsureDefault(ctx, now); err != nil {
		return fmt.Errorf("load the default responsibility matrix: %w", err)
	}
	return nil
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Sprintf("-log-level: %q is not debug, info, warn or error", level)}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		opts.ReplaceAttr = humanDurations
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Sprintf("-log-format: %q is not text or json", format)}
}

// humanDurations rounds the durations of text logs to a precision people
// read ("1.5s", "12.3ms", "2h0m0s"), not to the nanosecond; JSON logs keep
// nanoseconds for machines.
func humanDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.DurationValue(roundDuration(a.Value.Duration()))
	}
	return a
}

// roundDuration keeps d to the hundredth of its unit, and whole seconds
// from a minute up.
func roundDuration(d time.Duration) time.Duration {
	switch abs := d.Abs(); {
	case abs >= time.Minute:
		return d.Round(time.Second)
	case abs >= time.Second:
		return d.Round(10 * time.Millisecond)
	case abs >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case abs >= time.Microsecond:
		return d.Round(10 * time.Nanosecond)
	}
	return d
}
