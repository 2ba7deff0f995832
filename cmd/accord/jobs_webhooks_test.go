package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/metrics"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
	"accord/internal/webhooks"
)

// hookReceiver is a local TLS endpoint keeping what it got; while down it
// answers 500.
type hookReceiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []http.Header
	body [][]byte
	down bool
}

func newHookReceiver(t *testing.T, down bool) *hookReceiver {
	h := &hookReceiver{down: down}
	h.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.got, h.body = append(h.got, r.Header.Clone()), append(h.body, b)
		if h.down {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// standardVerify checks a Standard Webhooks signature on its own terms.
func standardVerify(secret string, h http.Header, body []byte) bool {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	for _, s := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

// An urgent case breached by the SLA job reaches the vendor's receiver as
// a signed case.breached; a subscription whose endpoint keeps failing is
// disabled and its owner mailed, on both engines.
func TestWebhookCaseBreachedEndToEnd(t *testing.T) {
	box, smtpAddr := smtpSink(t)

	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		db := open(t)
		good, bad := newHookReceiver(t, false), newHookReceiver(t, true)
		svc := newServices(db)
		svc.webhooks = newWebhooks(db, webhooks.Allow{"127.0.0.1"}, good.srv.Client().Transport.(*http.Transport).TLSClientConfig)
		log, _ := newLogger(io.Discard, "text", "error")
		if err := svc.enableMail(mailFlags{smtpURL: "smtp://" + smtpAddr + "?tls=none", from: "Northwind <support@northwind.example>"},
			"127.0.0.1:8080", time.UTC, log); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		clock := now
		m := metrics.New(db, metrics.Config{Log: log})
		svc.observe(m)
		sys := accord.WithActor(context.Background(), accord.SystemActor("test"))
		if _, err := svc.policy.EnsureDefault(sys, now); err != nil {
			t.Fatal(err)
		}
		vendor, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: directory.KindVendor, Name: "Northwind"})
		if err != nil {
			t.Fatal(err)
		}
		acme, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: directory.KindCustomer, Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.contracts.Create(sys, now, contracts.NewContract{OrgID: acme.ID, Plan: "premium", SignedOn: now.AddDate(0, -3, 0).Format(time.DateOnly), Years: 1}); err != nil {
			t.Fatal(err)
		}
		admin, err := svc.directory.CreateUser(sys, now, directory.NewUser{OrgID: vendor.ID, Email: "hooks@northwind.example", Name: "Hana Admin", Role: accord.RoleAdmin, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		as := accord.WithActor(context.Background(), accord.Actor{UserID: admin.ID, OrgID: vendor.ID, Role: admin.Role, Name: admin.Name})
		breached := []webhooks.Type{webhooks.CaseBreached}
		sub, err := svc.webhooks.Create(as, now, webhooks.Input{URL: &good.srv.URL, Types: &breached})
		if err != nil {
			t.Fatal(err)
		}
		opened := []webhooks.Type{webhooks.CaseOpened}
		// Subscribed before the case below was opened (its event's time).
		failing, err := svc.webhooks.Create(as, now.Add(-3*time.Hour), webhooks.Input{URL: &bad.srv.URL, Types: &opened})
		if err != nil {
			t.Fatal(err)
		}

		// An urgent phone case opened two hours ago, unanswered: breached
		// at 30 minutes by its job.
		at := now.Add(-2 * time.Hour)
		c, err := svc.cases.Open(as, at, cases.NewCase{OrgID: acme.ID, Type: cases.Question, Title: "Vault down", Description: "Nothing works",
			Criticality: sla.C1, Channel: sla.Phone, Call: &cases.Call{Caller: "Carla", Number: "+1 555 0100", At: at}})
		if err != nil {
			t.Fatal(err)
		}
		r := jobs.NewRunner(svc.jobs, svc.jobHandlers(), jobs.Config{Log: log, Now: func() time.Time { return clock }})
		run := func() {
			t.Helper()
			for range 50 {
				if n, err := r.RunDue(context.Background()); err != nil {
					t.Fatal(err)
				} else if n == 0 {
					return
				}
			}
		}
		run()
		good.mu.Lock()
		got, bodies := good.got, good.body
		good.mu.Unlock()
		if len(got) != 1 {
			t.Fatalf("the receiver got %d messages", len(got))
		}
		if !standardVerify(sub.Secret, got[0], bodies[0]) {
			t.Errorf("signature %q does not verify", got[0].Get("webhook-signature"))
		}
		var p webhooks.Payload
		if err := json.Unmarshal(bodies[0], &p); err != nil {
			t.Fatal(err)
		}
		if p.Type != webhooks.CaseBreached || p.Data.EntityID != c.ID || p.Data.OrgID != acme.ID || p.Data.Action != "case.sla_breach" {
			t.Errorf("payload %s", bodies[0])
		}

		// The failing endpoint: its first delivery fails every attempt over
		// a day and a half; the next event, days later, fails too, and the
		// subscription has failed for five days: it is disabled and its
		// owner mailed.
		for _, d := range webhooks.Retry {
			clock = clock.Add(d)
			run()
		}
		clock = clock.Add(4 * 24 * time.Hour)
		if _, err := svc.cases.Open(as, clock, cases.NewCase{OrgID: acme.ID, Type: cases.Question, Title: "Again", Description: "Again"}); err != nil {
			t.Fatal(err)
		}
		run()
		off, err := svc.webhooks.Get(as, failing.ID)
		if err != nil || off.Enabled || off.DisabledReason == "" {
			t.Fatalf("failing subscription %+v %v", off, err)
		}
		if box.find("hooks@northwind.example", webhooks.DisabledLetter) == nil {
			t.Error("the owner was not mailed")
		}
		for _, c := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"accord_webhook_attempts_total", []string{"outcome", "delivered"}, 1},
			{"accord_webhook_attempts_total", []string{"outcome", "retry"}, float64(len(webhooks.Retry) + 1)},
			{"accord_webhook_attempts_total", []string{"outcome", "failed"}, 1},
			{"accord_webhooks_disabled_total", nil, 1},
		} {
			if got := value(t, m, c.name, c.labels...); got != c.want {
				t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
			}
		}
	})
}
