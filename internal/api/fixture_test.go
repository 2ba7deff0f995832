package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

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
	"accord/internal/macros"
	"accord/internal/products"
	"accord/internal/raci"
	"accord/internal/siem"
	"accord/internal/siem/wire"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
	"accord/internal/views"
	"accord/internal/webhooks"
	"accord/internal/webhooks/transport"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// cheapArgon2 keeps sign-ins fast in tests; the parameters are recorded in
// each hash, so nothing else changes.
var cheapArgon2 = directory.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}

const testPassword = "a long test passphrase"

// fixture is a real server over a fresh database with a vendor, a partner
// serving Globex, two customers, and a signed-in user of every role.
type fixture struct {
	t      *testing.T
	db     *store.DB
	srv    *httptest.Server
	now    time.Time
	orgs   map[string]directory.Organization // vendor, partner, acme, globex
	users  map[string]directory.User         // by login name below
	cookie map[string]string
	dir    *directory.Service
	ctr    map[string]contracts.Contract // acme's and globex's current terms

	contracts   *contracts.Service
	cases       *cases.Service
	engagements *engagements.Service
	envs        *environments.Service
	macros      *macros.Service
	kb          *kb.Service
	changes     *changes.Service
	knownIssues *knownissues.Service
	ids         map[string]string // for {id:name} placeholders, as tests name records
	products    *products.Service
	webhooks    *webhooks.Service
}

func newFixture(t *testing.T, open func(testing.TB) *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: open(t), now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC),
		orgs: map[string]directory.Organization{}, users: map[string]directory.User{}, cookie: map[string]string{},
		ctr: map[string]contracts.Contract{}, ids: map[string]string{}}
	cfg := directory.DefaultConfig()
	cfg.Argon2 = cheapArgon2
	// The fixture's administrator signs in by password; totp_test.go
	// stores the rule requiring a second factor where it tests it.
	cfg.RequireTOTP = nil
	f.dir = directory.NewService(store.NewDirectory(f.db), cfg)
	policy := sla.NewService(store.NewPolicy(f.db))
	f.contracts = contracts.NewService(store.NewContracts(f.db), testPlans, f.dir, contracts.DefaultConfig())
	f.cases = cases.NewService(store.NewCases(f.db, t.TempDir()), policy, f.contracts, f.dir,
		cases.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType})
	f.contracts.UseAccessCases(f.cases)
	f.engagements = engagements.NewService(store.NewEngagements(f.db), policy, f.contracts, f.dir, f.cases,
		engagements.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType, ContractZone: contracts.DefaultConfig().Zone})
	f.macros = macros.NewService(store.NewMacros(f.db), f.cases, f.dir)
	f.kb = kb.NewService(store.NewKB(f.db), f.dir, func() time.Time { return f.now })
	f.cases.AllowKB(nil, f.kb.Referable)
	f.envs = environments.NewService(store.NewEnvironments(f.db), f.dir, environments.Config{Now: func() time.Time { return f.now }})
	matrices := raci.NewService(store.NewRaci(f.db), f.envs)
	f.changes = changes.NewService(store.NewChanges(f.db), changes.EnvironmentsOf(f.envs), changes.MatricesOf(matrices), policy, f.dir, f.cases,
		changes.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType})
	f.knownIssues = knownissues.NewService(store.NewKnownIssues(f.db), f.dir, f.cases, nil)
	f.products = products.NewService(store.NewProducts(f.db), f.dir, func() time.Time { return f.now })
	f.webhooks = webhooks.NewService(store.NewWebhooks(f.db), transport.New(transport.Config{Resolver: noNames{}}), nil)
	s := New(Deps{
		Products: f.products,
		Webhooks: f.webhooks,
		DB:       f.db, Directory: f.dir, Audit: audit.NewService(store.NewAudit(f.db)), Policy: policy,
		Contracts: f.contracts, Cases: f.cases, Engagements: f.engagements, Environments: f.envs, Changes: f.changes, Notify: mailLog(f.db, f.cases, f.dir), Macros: f.macros, Views: views.NewService(store.NewViews(f.db)), KB: f.kb,
		Raci: matrices, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return f.now },
		KnownIssues: f.knownIssues,
		SIEM:        siem.NewService(store.NewSIEM(f.db), wire.Sender{Host: "accord.test", Timeout: 5 * time.Second, Allow: webhooks.Allow{"127.0.0.1", "localhost"}}, siem.Config{}),
	})
	f.srv = httptest.NewServer(s)
	t.Cleanup(f.srv.Close)

	ctx := accord.WithActor(context.Background(), accord.SystemActor("fixture"))
	if _, err := s.Policy.EnsureDefault(ctx, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engagements.EnsureDefaultCatalog(ctx, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := matrices.EnsureDefault(ctx, f.now); err != nil {
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
		key, org string
		role     accord.Role
		admin    bool
	}{
		{"admin", "vendor", accord.RoleAdmin, false}, {"agent", "vendor", accord.RoleAgent, false},
		{"auditor", "vendor", accord.RoleAuditor, false}, {"partner", "partner", accord.RolePartnerAgent, false},
		{"lapsed", "partner", accord.RolePartnerAgent, false},
		{"acme-admin", "acme", accord.RoleCustomerContact, true}, {"acme", "acme", accord.RoleCustomerContact, false},
		{"globex", "globex", accord.RoleCustomerContact, true},
	} {
		nu := directory.NewUser{OrgID: f.orgs[u.org].ID, Email: u.key + "@" + u.org + ".example", Name: "User " + u.key,
			Role: u.role, CustomerAdmin: u.admin, AuthorizedContact: u.role == accord.RoleCustomerContact, Password: testPassword}
		usr, err := f.dir.CreateUser(ctx, f.now, nu)
		if err != nil {
			t.Fatal(err)
		}
		f.users[u.key] = usr
	}
	for key, until := range map[string]string{"partner": "2027-06-30", "lapsed": "2026-10-31"} {
		_, err := f.dir.CreateCertification(ctx, f.now, f.users[key].ID, directory.NewCertification{
			Name: "Core", Number: "C-" + key, ValidFrom: "2025-01-01", ValidUntil: until})
		if err != nil {
			t.Fatal(err)
		}
	}
	for key, in := range map[string]contracts.NewContract{
		"acme":   {OrgID: f.orgs["acme"].ID, Plan: "premium", SignedOn: "2026-03-15", Years: 1, Licences: []contracts.Licence{{Module: "core", Quantity: 100}}},
		"globex": {OrgID: f.orgs["globex"].ID, PartnerID: f.orgs["partner"].ID, Plan: "premium", SignedOn: "2025-06-01", Years: 3},
	} {
		c, err := s.Contracts.Create(ctx, f.now, in)
		if err != nil {
			t.Fatal(err)
		}
		f.ctr[key] = c
	}
	for key, u := range f.users {
		resp := f.do("", "POST", "/api/v1/login", map[string]string{"email": u.Email, "password": testPassword})
		if resp.status != http.StatusOK {
			t.Fatalf("login %s: %d %s", key, resp.status, resp.body)
		}
		f.cookie[key] = resp.cookie
	}
	return f
}

type response struct {
	status int
	body   string
	cookie string // the session cookie set, if any
	header http.Header
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// do sends a request as the named user ("" for nobody); body may be a
// string (sent as is) or a value (sent as JSON).
func (f *fixture) do(as, method, path string, body any, headers ...string) response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		if strings.HasPrefix(as, "acc_") {
			req.Header.Set("Authorization", "Bearer "+as)
		} else {
			req.AddCookie(&http.Cookie{Name: directory.SessionCookie, Value: f.cookie[as]})
		}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, body: string(b), header: resp.Header}
	for _, c := range resp.Cookies() {
		if c.Name == directory.SessionCookie {
			out.cookie = c.Value
		}
	}
	return out
}

// events returns every audit event, oldest first.
func (f *fixture) events() []audit.Event {
	f.t.Helper()
	var all []audit.Event
	err := store.NewAudit(f.db).WalkChains(context.Background(), func(e audit.Event) error {
		all = append(all, e)
		return nil
	}, func(accord.ID, int64, string) error { return nil })
	if err != nil {
		f.t.Fatal(err)
	}
	return all
}

// expand replaces {org:acme}, {user:globex}, {contract:acme} and {id:name}
// style placeholders with ids.
func (f *fixture) expand(s string) string {
	for k, o := range f.orgs {
		s = strings.ReplaceAll(s, "{org:"+k+"}", string(o.ID))
	}
	for k, u := range f.users {
		s = strings.ReplaceAll(s, "{user:"+k+"}", string(u.ID))
	}
	for k, c := range f.ctr {
		s = strings.ReplaceAll(s, "{contract:"+k+"}", string(c.ID))
	}
	for k, id := range f.ids {
		s = strings.ReplaceAll(s, "{id:"+k+"}", id)
	}
	return s
}

// system is a context acting as the system, for setting the fixture up.
func (f *fixture) system() context.Context {
	return accord.WithActor(context.Background(), accord.SystemActor("fixture"))
}

// actor is a context acting as the named fixture user, for calling the
// services directly, as a session of that user would.
func (f *fixture) actor(key string) context.Context {
	return accord.WithActor(context.Background(), f.users[key].Actor())
}

// login signs the named user in at f.now and keeps the session cookie.
func (f *fixture) login(key string) {
	f.t.Helper()
	resp := f.do("", "POST", "/api/v1/login", map[string]string{"email": f.users[key].Email, "password": testPassword})
	if resp.status != http.StatusOK {
		f.t.Fatalf("login %s: %d %s", key, resp.status, resp.body)
	}
	f.cookie[key] = resp.cookie
}

// at stands the clock at t and signs every user in again there, since
// sessions last 12 hours.
func (f *fixture) at(t time.Time) {
	f.t.Helper()
	f.now = t
	for key := range f.users {
		f.login(key)
	}
}

// contract gives the customer org a term on plan, signed on signedOn for
// years, and makes it the customer's current term in f.ctr.
func (f *fixture) contract(org, plan, signedOn string, years int) contracts.Contract {
	f.t.Helper()
	c, err := f.contracts.Create(f.system(), f.now, contracts.NewContract{OrgID: f.orgs[org].ID, Plan: plan, SignedOn: signedOn, Years: years})
	if err != nil {
		f.t.Fatalf("contract for %s: %v", org, err)
	}
	f.ctr[org] = c
	return c
}

// customer adds a customer organization, keyed key and named name, with
// one signed-in authorized contact (user key, key@key.example) and a
// contract on plan.
func (f *fixture) customer(key, name, plan, signedOn string, years int) {
	f.t.Helper()
	org, err := f.dir.CreateOrganization(f.system(), f.now, directory.NewOrganization{Kind: directory.KindCustomer, Name: name})
	if err != nil {
		f.t.Fatal(err)
	}
	f.orgs[key] = org
	f.contact(key, key, true)
	f.contract(key, plan, signedOn, years)
}

// contact adds a signed-in customer contact, user key, to org.
func (f *fixture) contact(key, org string, authorized bool) directory.User {
	f.t.Helper()
	u, err := f.dir.CreateUser(f.system(), f.now, directory.NewUser{OrgID: f.orgs[org].ID, Email: key + "@" + org + ".example",
		Name: "User " + key, Role: accord.RoleCustomerContact, AuthorizedContact: authorized, Password: testPassword})
	if err != nil {
		f.t.Fatal(err)
	}
	f.users[key] = u
	f.login(key)
	return u
}

// noNames resolves nothing: webhook endpoints the tests subscribe are made
// up, and no test looks names up in the real DNS.
type noNames struct{}

func (noNames) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}
