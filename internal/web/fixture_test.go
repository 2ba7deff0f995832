package web

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/api"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/environments"
	"accord/internal/kb"
	"accord/internal/knownissues"
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
	"accord/internal/store/dbtest"
	"accord/internal/views"
	"accord/internal/webhooks"
	"accord/internal/webhooks/transport"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var update = flag.Bool("update", false, "rewrite the golden HTML files in testdata/")

const testPassword = "a long test passphrase"

// fixture is the API server with these pages mounted, as `accord serve`
// runs it, over a fresh database: a vendor, a partner serving Globex, two
// customers on Premium, and a signed-in user of every role. The clock
// stands at Friday 20 November 2026, 15:00 UTC.
type fixture struct {
	t      *testing.T
	db     *store.DB
	srv    *httptest.Server
	now    time.Time
	orgs   map[string]directory.Organization // vendor, partner, acme, globex
	users  map[string]directory.User         // admin, agent, auditor, partner, acme-admin, acme, globex
	cookie map[string]string
	ctr    map[string]contracts.Contract // acme's and globex's

	dir         *directory.Service
	policy      *sla.Service
	contracts   *contracts.Service
	cases       *cases.Service
	macros      *macros.Service
	kb          *kb.Service
	engagements *engagements.Service
	envs        *environments.Service
	raci        *raci.Service
	products    *products.Service
	knownIssues *knownissues.Service
}

func newFixture(t *testing.T, open func(testing.TB) *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: open(t), now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC),
		orgs: map[string]directory.Organization{}, users: map[string]directory.User{}, cookie: map[string]string{},
		ctr: map[string]contracts.Contract{}}
	cfg := directory.DefaultConfig()
	cfg.Argon2 = directory.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}
	// The fixture's administrator signs in by password; totp_test.go
	// stores the rule requiring a second factor where it tests it.
	cfg.RequireTOTP = nil
	f.dir = directory.NewService(store.NewDirectory(f.db), cfg)
	f.policy = sla.NewService(store.NewPolicy(f.db))
	f.contracts = contracts.NewService(store.NewContracts(f.db), contracts.PolicyPlans{Policy: f.policy}, f.dir, contracts.DefaultConfig())
	f.cases = cases.NewService(store.NewCases(f.db, t.TempDir()), f.policy, f.contracts, f.dir,
		cases.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType})
	f.contracts.UseAccessCases(f.cases)
	f.engagements = engagements.NewService(store.NewEngagements(f.db), f.policy, f.contracts, f.dir, f.cases,
		engagements.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType, ContractZone: contracts.DefaultConfig().Zone})
	mail, err := notify.NewService(store.NewMail(f.db), f.cases, f.dir, nil, notify.Config{})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return f.now }
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	auditSvc := audit.NewService(store.NewAudit(f.db))
	f.macros = macros.NewService(store.NewMacros(f.db), f.cases, f.dir)
	f.kb = kb.NewService(store.NewKB(f.db), f.dir, clock)
	f.envs = environments.NewService(store.NewEnvironments(f.db), f.dir, environments.Config{Now: clock})
	f.raci = raci.NewService(store.NewRaci(f.db), f.envs)
	f.products = products.NewService(store.NewProducts(f.db), f.dir, clock)
	f.knownIssues = knownissues.NewService(store.NewKnownIssues(f.db), f.dir, f.cases, nil)
	ui, err := New(Deps{
		Products:  f.products,
		Directory: f.dir, Audit: auditSvc, Policy: f.policy, Contracts: f.contracts, Cases: f.cases,
		Engagements: f.engagements, Reports: reports.NewService(store.NewReports(f.db), f.policy, f.dir, reports.DefaultConfig()),
		Views: views.NewService(store.NewViews(f.db)), Signals: signals.NewService(store.NewSignals(f.db), f.cases, f.dir), Log: log, Now: clock, Raci: f.raci, Environments: f.envs, Macros: f.macros,
		KnownIssues: f.knownIssues,
		SIEM:        siem.NewService(store.NewSIEM(f.db), wire.Sender{Host: "accord.test", Timeout: 5 * time.Second, Allow: webhooks.Allow{"127.0.0.1", "localhost"}}, siem.Config{}),
		KB:          f.kb,
		Webhooks:    webhooks.NewService(store.NewWebhooks(f.db), transport.New(transport.Config{Resolver: noNames{}}), nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(api.New(api.Deps{
		DB: f.db, Directory: f.dir, Audit: auditSvc, Policy: f.policy, Contracts: f.contracts, Cases: f.cases,
		Engagements: f.engagements, Environments: f.envs, Notify: mail, Raci: f.raci, Log: log, Now: clock, UI: ui,
	}))
	t.Cleanup(f.srv.Close)

	ctx := f.system()
	if _, err := f.policy.EnsureDefault(ctx, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engagements.EnsureDefaultCatalog(ctx, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.raci.EnsureDefault(ctx, f.now); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		key  string
		kind directory.Kind
		name string
	}{{"vendor", directory.KindVendor, "Northwind"}, {"partner", directory.KindPartner, "Southwind"},
		{"acme", directory.KindCustomer, "Acme Bank"}, {"globex", directory.KindCustomer, "Globex Health"}} {
		org, err := f.dir.CreateOrganization(ctx, f.now, directory.NewOrganization{Kind: o.kind, Name: o.name})
		if err != nil {
			t.Fatal(err)
		}
		f.orgs[o.key] = org
	}
	if err := f.dir.LinkPartner(ctx, f.now, f.orgs["partner"].ID, f.orgs["globex"].ID); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		key, org     string
		role         accord.Role
		admin        bool
		locale, zone string
	}{
		{"admin", "vendor", accord.RoleAdmin, false, "en-US", "America/Sao_Paulo"},
		{"agent", "vendor", accord.RoleAgent, false, "en-US", "America/New_York"},
		{"auditor", "vendor", accord.RoleAuditor, false, "en-US", "UTC"},
		{"partner", "partner", accord.RolePartnerAgent, false, "es-ES", "Europe/Madrid"},
		{"acme-admin", "acme", accord.RoleCustomerContact, true, "pt-BR", "America/Sao_Paulo"},
		{"acme", "acme", accord.RoleCustomerContact, false, "en-US", "America/Sao_Paulo"},
		{"globex", "globex", accord.RoleCustomerContact, true, "es-ES", "Europe/Madrid"},
	} {
		nu := directory.NewUser{OrgID: f.orgs[u.org].ID, Email: u.key + "@" + u.org + ".example", Name: "User " + u.key,
			Role: u.role, CustomerAdmin: u.admin, AuthorizedContact: u.role == accord.RoleCustomerContact, Password: testPassword,
			Locale: u.locale, TimeZone: u.zone}
		usr, err := f.dir.CreateUser(ctx, f.now, nu)
		if err != nil {
			t.Fatal(err)
		}
		f.users[u.key] = usr
	}
	if _, err := f.dir.CreateCertification(ctx, f.now, f.users["partner"].ID, directory.NewCertification{
		Name: "Core", Number: "C-1", ValidFrom: "2025-01-01", ValidUntil: "2027-06-30"}); err != nil {
		t.Fatal(err)
	}
	for key, in := range map[string]contracts.NewContract{
		"acme":   {OrgID: f.orgs["acme"].ID, Plan: "premium", SignedOn: "2026-03-15", Years: 1, Licences: []contracts.Licence{{Module: "core", Quantity: 100}}},
		"globex": {OrgID: f.orgs["globex"].ID, PartnerID: f.orgs["partner"].ID, Plan: "premium", SignedOn: "2025-06-01", Years: 3},
	} {
		c, err := f.contracts.Create(ctx, f.now, in)
		if err != nil {
			t.Fatal(err)
		}
		f.ctr[key] = c
	}
	for key, u := range f.users {
		resp := f.post("", "/login", url.Values{"email": {u.Email}, "password": {testPassword}})
		if resp.status != http.StatusSeeOther || resp.cookies[directory.SessionCookie] == "" {
			t.Fatalf("sign in %s: %d %s", key, resp.status, resp.body)
		}
		f.cookie[key] = resp.cookies[directory.SessionCookie]
	}
	return f
}

// system is a context acting as Accord itself, for setting up records.
func (f *fixture) system() context.Context {
	return accord.WithActor(context.Background(), accord.SystemActor("web fixture"))
}

// as is a context acting as the named fixture user, for setting up records
// through the services the way that user would.
func (f *fixture) as(key string) context.Context {
	f.t.Helper()
	u := f.users[key]
	return accord.WithActor(context.Background(), accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name, CustomerAdmin: u.CustomerAdmin})
}

type response struct {
	status   int
	body     string
	header   http.Header
	cookies  map[string]string
	location string
}

// do sends a request as the named user ("" for nobody), without following
// redirects, as a same-origin browser would (Sec-Fetch-Site).
func (f *fixture) do(as, method, path string, body io.Reader, contentType string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if as != "" {
		req.AddCookie(&http.Cookie{Name: directory.SessionCookie, Value: f.cookie[as]})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, body: string(b), header: resp.Header, cookies: map[string]string{}, location: resp.Header.Get("Location")}
	for _, c := range resp.Cookies() {
		out.cookies[c.Name] = c.Value
	}
	return out
}

func (f *fixture) get(as, path string) response {
	f.t.Helper()
	return f.do(as, "GET", path, nil, "")
}

// post submits a form; a successful one answers 303 to the next page.
func (f *fixture) post(as, path string, form url.Values) response {
	f.t.Helper()
	return f.do(as, "POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// page fetches path as the user and fails unless it is a 200 HTML page.
func (f *fixture) page(as, path string) string {
	f.t.Helper()
	r := f.get(as, path)
	if r.status != http.StatusOK {
		f.t.Fatalf("GET %s as %s: %d %s", path, as, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		f.t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	return r.body
}

var (
	idPattern   = regexp.MustCompile(`\b([a-z]{2,4})_[0-9a-z]{26}\b`)
	feedPattern = regexp.MustCompile(`/feeds/[A-Za-z0-9_-]{20,}\.ics`)
)

// golden compares body with testdata/name.html, after replacing ids (which
// are random) with their prefix; -update rewrites the file.
func golden(t *testing.T, name, body string) {
	t.Helper()
	body = idPattern.ReplaceAllString(body, "${1}_ID")
	body = feedPattern.ReplaceAllString(body, "/feeds/SECRET.ics")
	file := filepath.Join("testdata", name+".html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/web -run %s -update to write it)", err, t.Name())
	}
	if string(want) != body {
		t.Errorf("%s differs from the golden file; if the change is meant, run with -update and review the diff.\n%s", file, firstDiff(string(want), body))
	}
}

// firstDiff shows the first line that differs, with its neighbours.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n- " + w + "\n+ " + g
		}
	}
	return ""
}

// engines runs fn on SQLite, and on PostgreSQL when it is configured.
func engines(t *testing.T, fn func(t *testing.T, f *fixture)) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		fn(t, newFixture(t, open))
	})
}

// noNames resolves nothing: webhook endpoints the tests subscribe are made
// up, and no test looks names up in the real DNS.
type noNames struct{}

func (noNames) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}
