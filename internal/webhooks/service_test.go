package webhooks_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/store"
	"accord/internal/store/dbtest"
	"accord/internal/webhooks"
	"accord/internal/webhooks/transport"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// fakeNames resolves made-up names, as an attacker's DNS would.
type fakeNames map[string]string

func (n fakeNames) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	a, ok := n[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

// message is what a receiver got.
type message struct {
	id, ts, sig string
	body        []byte
}

// endpoint is a local TLS receiver that answers the statuses of fail in
// turn, then 200, and keeps what it got.
type endpoint struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []message
	fail []int
	down bool // answer 500 forever
}

func newEndpoint(t *testing.T, fail ...int) *endpoint {
	e := &endpoint{fail: fail}
	e.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		defer e.mu.Unlock()
		e.got = append(e.got, message{r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), b})
		switch {
		case e.down:
			w.WriteHeader(http.StatusInternalServerError)
		case len(e.fail) > 0:
			w.WriteHeader(e.fail[0])
			e.fail = e.fail[1:]
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *endpoint) messages() []message {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.got)
}

// world is a database with a vendor and two customers, each with an
// administrator, the webhooks service over it, and a job runner on a clock
// the test moves.
type world struct {
	db                 *store.DB
	svc                *webhooks.Service
	runner             *jobs.Runner
	now                time.Time
	vendor, acme, glob accord.Actor
	disabled           []webhooks.Disabled
}

var t0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func newWorld(t *testing.T, db *store.DB, roots *tls.Config) *world {
	w := &world{db: db, now: t0}
	d := store.NewDirectory(db)
	sys := accord.SystemActor("test")
	actor := func(kind directory.Kind, name string, role accord.Role) accord.Actor {
		o := directory.Organization{ID: accord.NewID("org"), Kind: kind, Name: name, CreatedAt: t0, UpdatedAt: t0}
		if err := d.CreateOrganization(context.Background(), o, audit.New(sys, t0, o.ID, "organization.create", "organization", o.ID, nil)); err != nil {
			t.Fatal(err)
		}
		u := directory.User{ID: accord.NewID("usr"), OrgID: o.ID, Email: name + "@example.com", Name: name + " admin", Locale: "en-US",
			TimeZone: "UTC", Role: role, Active: true, CustomerAdmin: role == accord.RoleCustomerContact, PasswordHash: "x", CreatedAt: t0, UpdatedAt: t0}
		if err := d.CreateUser(context.Background(), u, audit.New(sys, t0, o.ID, "user.create", "user", u.ID, nil)); err != nil {
			t.Fatal(err)
		}
		return accord.Actor{UserID: u.ID, OrgID: o.ID, Role: role, Name: u.Name, CustomerAdmin: u.CustomerAdmin}
	}
	w.vendor = actor(directory.KindVendor, "vendor", accord.RoleAdmin)
	w.acme = actor(directory.KindCustomer, "acme", accord.RoleCustomerContact)
	w.glob = actor(directory.KindCustomer, "globex", accord.RoleCustomerContact)
	allow := webhooks.Allow{"127.0.0.1"}
	w.svc = webhooks.NewService(store.NewWebhooks(db), transport.New(transport.Config{Allow: allow, TLS: roots, Resolver: fakeNames{
		"loopback.attacker.test": "127.0.0.1", "metadata.attacker.test": "169.254.169.254", "hooks.example.com": "93.184.215.14"}}), allow)
	w.runner = jobs.NewRunner(store.NewJobs(db), map[string]jobs.Handler{
		webhooks.FanoutJob: func(ctx context.Context, now time.Time, j jobs.Job) error {
			_, err := w.svc.Fanout(ctx, j.SubjectID)
			return err
		},
		webhooks.DeliverJob: func(ctx context.Context, now time.Time, j jobs.Job) error {
			off, err := w.svc.Deliver(ctx, now, j.SubjectID)
			if off != nil {
				w.disabled = append(w.disabled, *off)
			}
			return err
		},
	}, jobs.Config{Now: func() time.Time { return w.now }})
	return w
}

func as(a accord.Actor) context.Context { return accord.WithActor(context.Background(), a) }

// run runs the jobs due now until none is.
func (w *world) run(t *testing.T) {
	t.Helper()
	for range 100 {
		n, err := w.runner.RunDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("jobs keep coming")
}

// record writes a case event of org's chain as the cases store would.
func (w *world) record(t *testing.T, org accord.ID, action string, ch ...audit.Change) audit.Event {
	t.Helper()
	ev := audit.New(accord.SystemActor("jobs"), w.now, org, action, "case", accord.NewID("cas"), ch)
	if err := store.NewMacros(w.db).Applied(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func (w *world) subscribe(t *testing.T, a accord.Actor, url string, types ...webhooks.Type) webhooks.WithSecret {
	t.Helper()
	s, err := w.svc.Create(as(a), w.now, webhooks.Input{URL: &url, Types: &types})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func payload(t *testing.T, m message) webhooks.Payload {
	t.Helper()
	var p webhooks.Payload
	if err := json.Unmarshal(m.body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func roots(e *endpoint) *tls.Config {
	return e.srv.Client().Transport.(*http.Transport).TLSClientConfig
}

func TestDeliveryToTenantsSigned(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		vendorEP, acmeEP, globEP := newEndpoint(t), newEndpoint(t), newEndpoint(t)
		w := newWorld(t, open(t), roots(vendorEP)) // httptest servers share one certificate
		vsub := w.subscribe(t, w.vendor, vendorEP.srv.URL, webhooks.CaseBreached, webhooks.CaseOpened)
		asub := w.subscribe(t, w.acme, acmeEP.srv.URL, webhooks.CaseBreached)
		w.subscribe(t, w.glob, globEP.srv.URL, webhooks.CaseBreached)
		if !vsub.AllOrgs || asub.AllOrgs {
			t.Fatalf("all_orgs: vendor %v, acme %v", vsub.AllOrgs, asub.AllOrgs)
		}

		ev := w.record(t, w.acme.OrgID, "case.sla_breach", audit.Change{Field: "breached_at", After: w.now})
		w.record(t, w.acme.OrgID, "case.note") // no webhook event
		w.run(t)

		for name, c := range map[string]struct {
			ep     *endpoint
			secret string
			n      int
		}{"vendor": {vendorEP, vsub.Secret, 1}, "acme": {acmeEP, asub.Secret, 1}, "globex": {globEP, "", 0}} {
			got := c.ep.messages()
			if len(got) != c.n {
				t.Fatalf("%s received %d messages, want %d", name, len(got), c.n)
			}
			for _, m := range got {
				if !verify(c.secret, m.id, m.ts, m.sig, m.body) {
					t.Errorf("%s: signature %s does not verify", name, m.sig)
				}
				p := payload(t, m)
				if p.Type != webhooks.CaseBreached || p.Version != 1 || string(p.ID) != m.id || p.Data.AuditID != ev.ID || p.Data.OrgID != w.acme.OrgID {
					t.Errorf("%s: payload %s", name, m.body)
				}
			}
		}

		// Globex's event reaches the vendor and Globex, never Acme.
		w.record(t, w.glob.OrgID, "case.sla_breach")
		w.run(t)
		if len(acmeEP.messages()) != 1 || len(globEP.messages()) != 1 || len(vendorEP.messages()) != 2 {
			t.Errorf("after globex's breach: acme %d, globex %d, vendor %d", len(acmeEP.messages()), len(globEP.messages()), len(vendorEP.messages()))
		}

		// Tenants see their own subscriptions only.
		if _, err := w.svc.Get(as(w.glob), asub.ID); !accord.IsKind(err, accord.NotFound) {
			t.Errorf("globex reads acme's subscription: %v", err)
		}
		if _, _, err := w.svc.Deliveries(as(w.glob), asub.ID, accord.Page{}); !accord.IsKind(err, accord.NotFound) {
			t.Errorf("globex reads acme's deliveries: %v", err)
		}
		if _, err := w.svc.RotateSecret(as(w.glob), w.now, asub.ID); !accord.IsKind(err, accord.NotFound) {
			t.Errorf("globex rotates acme's secret: %v", err)
		}
		if l, _ := w.svc.List(as(w.acme)); len(l) != 1 || l[0].ID != asub.ID {
			t.Errorf("acme lists %+v", l)
		}
		if l, _ := w.svc.List(as(w.vendor)); len(l) != 3 {
			t.Errorf("vendor lists %d", len(l))
		}
		agent := accord.Actor{UserID: "usr_x", OrgID: w.vendor.OrgID, Role: accord.RoleAgent}
		if _, err := w.svc.List(as(agent)); !accord.IsKind(err, accord.Forbidden) {
			t.Errorf("an agent lists webhooks: %v", err)
		}
		// Subscribing the metadata service is refused.
		for _, u := range []string{"http://169.254.169.254/", "https://169.254.169.254/latest", "https://2130706433/", "https://[::1]/",
			"https://loopback.attacker.test/hook", "https://metadata.attacker.test/"} {
			types := []webhooks.Type{webhooks.CaseBreached}
			if _, err := w.svc.Create(as(w.vendor), w.now, webhooks.Input{URL: &u, Types: &types}); !accord.IsKind(err, accord.Invalid) {
				t.Errorf("subscribing %s: %v", u, err)
			}
		}
	})
}

func TestRetriesRedeliveryAndRotation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		ep := newEndpoint(t, 500, 503)
		w := newWorld(t, open(t), roots(ep))
		sub := w.subscribe(t, w.acme, ep.srv.URL, webhooks.CaseOpened)
		w.record(t, w.acme.OrgID, "case.open")
		w.run(t)
		w.now = w.now.Add(webhooks.Retry[0])
		w.run(t)
		w.now = w.now.Add(webhooks.Retry[1])
		w.run(t)
		got := ep.messages()
		if len(got) != 3 || got[0].id != got[2].id {
			t.Fatalf("received %d messages (%v)", len(got), got)
		}
		ds, _, err := w.svc.Deliveries(as(w.acme), sub.ID, accord.Page{})
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries %v %v", ds, err)
		}
		l, err := w.svc.Delivery(as(w.acme), sub.ID, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var codes []int
		for _, a := range l.Log {
			codes = append(codes, a.Status)
		}
		if l.State != webhooks.Delivered || !slices.Equal(codes, []int{500, 503, 200}) || l.Log[0].Error == "" || l.Log[2].Error != "" {
			t.Errorf("delivery %s, log %+v", l.State, l.Log)
		}
		// Nothing more is due: delivered once.
		w.now = w.now.Add(24 * time.Hour)
		w.run(t)
		if len(ep.messages()) != 3 {
			t.Errorf("delivered again: %d", len(ep.messages()))
		}

		// Redelivery sends the same message again.
		if _, err := w.svc.Redeliver(as(w.acme), w.now, sub.ID, ds[0].ID); err != nil {
			t.Fatal(err)
		}
		w.run(t)
		if got := ep.messages(); len(got) != 4 || got[3].id != string(ds[0].ID) {
			t.Errorf("redelivery: %d messages", len(got))
		}

		// After a rotation both secrets verify the next message, and
		// after a day only the new one signs.
		rot, err := w.svc.RotateSecret(as(w.acme), w.now, sub.ID)
		if err != nil || rot.Secret == sub.Secret {
			t.Fatalf("rotate: %v", err)
		}
		w.record(t, w.acme.OrgID, "case.open")
		w.run(t)
		m := ep.messages()[4]
		if !verify(sub.Secret, m.id, m.ts, m.sig, m.body) || !verify(rot.Secret, m.id, m.ts, m.sig, m.body) {
			t.Errorf("during rotation, signature %q", m.sig)
		}
		w.now = w.now.Add(webhooks.RotationGrace)
		w.record(t, w.acme.OrgID, "case.open")
		w.run(t)
		m = ep.messages()[5]
		if verify(sub.Secret, m.id, m.ts, m.sig, m.body) || !verify(rot.Secret, m.id, m.ts, m.sig, m.body) {
			t.Errorf("after the grace, signature %q", m.sig)
		}
		// The test endpoint queues a webhook.test message.
		if _, err := w.svc.Test(as(w.acme), w.now, sub.ID); err != nil {
			t.Fatal(err)
		}
		w.run(t)
		if p := payload(t, ep.messages()[6]); p.Type != webhooks.Ping {
			t.Errorf("test message %+v", p)
		}
	})
}

func TestDisabledAfterRepeatedFailure(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		ep := newEndpoint(t)
		ep.down = true
		w := newWorld(t, open(t), roots(ep))
		sub := w.subscribe(t, w.vendor, ep.srv.URL, webhooks.CaseOpened)
		// Deliveries fail every attempt, one after the other, until the
		// subscription is disabled.
		for i := 0; len(w.disabled) == 0 && i < webhooks.MaxFailedDeliveries; i++ {
			w.record(t, w.acme.OrgID, "case.open")
			w.run(t)
			for _, d := range webhooks.Retry {
				w.now = w.now.Add(d)
				w.run(t)
			}
		}
		if len(w.disabled) != 1 || w.disabled[0].Subscription.ID != sub.ID || w.disabled[0].Reason == "" {
			t.Fatalf("disabled %+v", w.disabled)
		}
		got, err := w.svc.Get(as(w.vendor), sub.ID)
		if err != nil || got.Enabled || got.DisabledReason == "" {
			t.Fatalf("subscription %+v %v", got, err)
		}
		n := len(ep.messages())
		w.record(t, w.acme.OrgID, "case.open")
		w.run(t)
		if len(ep.messages()) != n {
			t.Error("a disabled subscription received a message")
		}
		// Enabling it again clears its failures.
		on := true
		got, err = w.svc.Update(as(w.vendor), w.now, sub.ID, webhooks.Input{Enabled: &on})
		if err != nil || !got.Enabled || got.FailedDeliveries != 0 || got.FailingSince != nil || got.DisabledReason != "" {
			t.Errorf("enabled again: %+v %v", got, err)
		}
	})
}
