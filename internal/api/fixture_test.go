package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
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
}

func newFixture(t *testing.T, open func(testing.TB) *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: open(t), now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC),
		orgs: map[string]directory.Organization{}, users: map[string]directory.User{}, cookie: map[string]string{},
		ctr: map[string]contracts.Contract{}}
	cfg := directory.DefaultConfig()
	cfg.Argon2 = cheapArgon2
	f.dir = directory.NewService(store.NewDirectory(f.db), cfg)
	s := New(Deps{
		DB: f.db, Directory: f.dir, Audit: audit.NewService(store.NewAudit(f.db)), Policy: sla.NewService(store.NewPolicy(f.db)),
		Contracts: contracts.NewService(store.NewContracts(f.db), testPlans, f.dir, contracts.DefaultConfig()),
		Log:       slog.New(slog.DiscardHandler), Now: func() time.Time { return f.now },
	})
	f.srv = httptest.NewServer(s)
	t.Cleanup(f.srv.Close)

	ctx := accord.WithActor(context.Background(), accord.SystemActor("fixture"))
	if _, err := s.Policy.EnsureDefault(ctx, f.now); err != nil {
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
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.cookie[as]})
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
		if c.Name == sessionCookie {
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

// expand replaces {org:acme}, {user:globex} style placeholders with ids.
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
	return s
}
