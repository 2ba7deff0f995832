package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/store/dbtest"
)

// testClock is a clock the test moves and the runners read.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Two job runners on one PostgreSQL database work the contracts' jobs
// through the days of the reference term (signed 2024-03-08 for one year,
// it ends 2025-03-07) and of a two-year term surveyed on its anniversary,
// while the same jobs also run again by hand, as when a lease runs out:
// each notice is recorded, audited and mailed once to each recipient.
func TestCadenceExactlyOnceWithTwoRunners(t *testing.T) {
	db, _ := dbtest.PostgresDatabase(t)
	svc := newServices(db)
	ctx := context.Background()
	sys := accord.WithActor(ctx, accord.SystemActor("test"))

	box := &sink{}
	srv := gosmtp.NewServer(box)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	mail := mailFlags{smtpURL: "smtp://" + l.Addr().String() + "?tls=none", from: "Northwind Support <support@northwind.example>",
		baseURL: "https://support.northwind.example"}
	if err := svc.enableMail(mail, "127.0.0.1:0", contracts.DefaultConfig().Zone, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}

	signed := time.Date(2024, 3, 8, 15, 0, 0, 0, time.UTC)
	if _, err := svc.policy.EnsureDefault(sys, signed); err != nil {
		t.Fatal(err)
	}
	orgs := map[string]accord.ID{}
	for _, o := range []struct {
		key  string
		kind directory.Kind
	}{{"Northwind", directory.KindVendor}, {"Southwind", directory.KindPartner}, {"Acme Bank", directory.KindCustomer}, {"Globex Health", directory.KindCustomer}} {
		org, err := svc.directory.CreateOrganization(sys, signed, directory.NewOrganization{Kind: o.kind, Name: o.key})
		if err != nil {
			t.Fatal(err)
		}
		orgs[o.key] = org.ID
	}
	if err := svc.directory.LinkPartner(sys, signed, orgs["Southwind"], orgs["Acme Bank"]); err != nil {
		t.Fatal(err)
	}
	users := map[string]accord.ID{}
	for _, u := range []struct {
		key, org, locale string
		role             accord.Role
		authorized       bool
	}{
		{"owner", "Northwind", "en-US", accord.RoleAgent, false},
		{"pat", "Southwind", "es-ES", accord.RolePartnerAgent, false},
		{"ana", "Acme Bank", "pt-BR", accord.RoleCustomerContact, true},
		{"bob", "Acme Bank", "en-US", accord.RoleCustomerContact, true},
		{"carl", "Acme Bank", "en-US", accord.RoleCustomerContact, false},
		{"gina", "Globex Health", "es-ES", accord.RoleCustomerContact, true},
	} {
		usr, err := svc.directory.CreateUser(sys, signed, directory.NewUser{OrgID: orgs[u.org], Email: u.key + "@example.com", Name: u.key,
			Locale: u.locale, Role: u.role, AuthorizedContact: u.authorized, WithoutPassword: true})
		if err != nil {
			t.Fatal(err)
		}
		users[u.key] = usr.ID
	}
	if _, err := svc.directory.CreateCertification(sys, signed, users["pat"], directory.NewCertification{Name: "Core", Number: "C-1",
		ValidFrom: "2024-01-01", ValidUntil: "2026-12-31"}); err != nil {
		t.Fatal(err)
	}
	acme, err := svc.contracts.Create(sys, signed, contracts.NewContract{OrgID: orgs["Acme Bank"], PartnerID: orgs["Southwind"],
		AccountOwnerID: users["owner"], Plan: "premium", SignedOn: "2024-03-08", Years: 1, Licences: []contracts.Licence{{Module: "core", Quantity: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	globex, err := svc.contracts.Create(sys, signed, contracts.NewContract{OrgID: orgs["Globex Health"], Plan: "advanced", SignedOn: "2024-03-08", Years: 2,
		Licences: []contracts.Licence{{Module: "core", Quantity: 40}, {Module: "vault", Quantity: 2}}})
	if err != nil {
		t.Fatal(err)
	}

	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.SQL().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	clk := &testClock{t: signed}
	handlers := svc.jobHandlers()
	runners := []*jobs.Runner{
		jobs.NewRunner(svc.jobs, handlers, jobs.Config{Worker: "one", Now: clk.now}),
		jobs.NewRunner(svc.jobs, handlers, jobs.Config{Worker: "two", Now: clk.now}),
	}
	// work runs both runners until no job is due at now.
	work := func(wg *sync.WaitGroup, now time.Time) {
		for _, r := range runners {
			wg.Go(func() {
				for {
					n, err := r.RunDue(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 && count(`SELECT count(*) FROM jobs WHERE failed_at IS NULL AND run_at <= $1`, now) == 0 {
						return
					}
					if n == 0 {
						time.Sleep(5 * time.Millisecond) // the other runner holds what is due
					}
				}
			})
		}
	}
	for _, at := range []string{"2024-12-07 05:00", "2024-12-20 12:00", "2025-01-06 05:00", "2025-02-05 05:00", "2025-03-08 05:00",
		"2025-03-22 04:00", "2025-04-01 12:00"} {
		now, _ := time.Parse("2006-01-02 15:04", at)
		clk.set(now)
		var wg sync.WaitGroup
		work(&wg, now)
		for range 3 {
			for _, id := range []accord.ID{acme.ID, globex.ID} {
				for _, kind := range []string{contracts.RenewalJob, contracts.SurveyJob} {
					wg.Go(func() {
						if err := handlers[kind](sys, now, jobs.Job{SubjectID: id, Kind: kind}); err != nil {
							t.Errorf("%s of %s at %s: %v", kind, id, at, err)
						}
					})
				}
			}
		}
		wg.Wait()
		work(&wg, now) // what the hand-run jobs set to run now
		wg.Wait()
	}
	if n := count(`SELECT count(*) FROM jobs WHERE last_error <> ''`); n != 0 {
		t.Errorf("%d jobs failed", n)
	}

	// 90, 60 and 30 days before the end: Acme's authorized contacts, the
	// reseller's certified agent and the account owner; carl, who is not
	// authorized, never. On its anniversary Globex is asked for its licence
	// count, and reminded 14 days later.
	want := map[string][]string{}
	for _, d := range []int{90, 60, 30} {
		want[fmt.Sprintf("contract.renewal/%s/%d", acme.ID, d)] = []string{"ana", "bob", "owner", "pat"}
	}
	want[fmt.Sprintf("contract.survey/%s/2", globex.ID)] = []string{"gina"}
	want[fmt.Sprintf("contract.survey_reminder/%s/2", globex.ID)] = []string{"gina"}
	if n := count(`SELECT count(*) FROM mail_messages WHERE topic LIKE 'contract.%'`); n != 14 {
		t.Errorf("%d letters queued, want 14", n)
	}
	for topic, who := range want {
		for _, u := range who {
			if n := count(`SELECT count(*) FROM mail_messages WHERE topic = $1 AND user_id = $2 AND sent_at IS NOT NULL`, topic, users[u]); n != 1 {
				t.Errorf("%s to %s: %d letters sent, want 1", topic, u, n)
			}
		}
	}
	box.mu.Lock()
	delivered := map[string]int{}
	for _, m := range box.msgs {
		delivered[m.Header.Get("To")+" "+m.Header.Get("X-Accord-Event")]++
	}
	box.mu.Unlock()
	for key, n := range map[string]int{"<ana@example.com> contract.renewal": 3, "<pat@example.com> contract.renewal": 3,
		"<owner@example.com> contract.renewal": 3, "<gina@example.com> contract.survey": 1, "<gina@example.com> contract.survey_reminder": 1} {
		if got := delivered[key]; got != n {
			t.Errorf("%s: %d delivered, want %d (all: %v)", key, got, n, delivered)
		}
	}
	for _, c := range []struct {
		id     accord.ID
		action string
		n      int
	}{
		{acme.ID, "contract.renewal_notice", 3}, {globex.ID, "licence_survey.request", 1}, {globex.ID, "licence_survey.remind", 1},
		{acme.ID, "licence_survey.request", 0},
	} {
		if got := count(`SELECT count(*) FROM audit_events WHERE entity_id = $1 AND action = $2`, c.id, c.action); got != c.n {
			t.Errorf("%s %s: %d events, want %d", c.id, c.action, got, c.n)
		}
	}
	if n := count(`SELECT count(*) FROM contract_notices`); n != 5 {
		t.Errorf("%d notices recorded, want 5", n)
	}
	// Letters in the recipient's language: the survey in Spanish.
	box.mu.Lock()
	for _, m := range box.msgs {
		if m.Header.Get("X-Accord-Event") == "contract.survey" && !strings.Contains(m.Header.Get("Subject"), "Encuesta anual de licencias") {
			t.Errorf("survey subject %q is not Spanish", m.Header.Get("Subject"))
		}
	}
	box.mu.Unlock()
	if rep, err := svc.audit.Verify(sys); err != nil || rep.Break != nil {
		t.Fatalf("audit chain: %+v, %v", rep.Break, err)
	}
}
