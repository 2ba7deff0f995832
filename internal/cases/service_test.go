package cases_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var ny = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return l
}()

// at reads "2024-03-12 10:00" (or with seconds) as New York time.
func at(s string) time.Time {
	layout := "2006-01-02 15:04"
	if strings.Count(s, ":") == 2 {
		layout = "2006-01-02 15:04:05"
	}
	t, err := time.ParseInLocation(layout, s, ny)
	if err != nil {
		panic(err)
	}
	return t
}

func nyString(t *time.Time) string {
	if t == nil {
		return "<nil>"
	}
	return t.In(ny).Format("2006-01-02 15:04:05 MST")
}

// same reports whether p is set and equals want.
func same(p *time.Time, want time.Time) bool { return p != nil && p.Equal(want) }

// sys acts as the system, as the jobs runner does.
var sys = accord.WithActor(context.Background(), accord.SystemActor("jobs"))

const password = "a long test passphrase"

// fixture is the cases service over a fresh database with: the vendor
// (admin, agent, auditor); a partner serving Globex with a certified agent
// and one whose certification lapsed; Acme (premium) with an authorized
// contact and one who is not; Globex (advanced) with an authorized contact;
// Initech, whose contract expired.
type fixture struct {
	db        *store.DB
	dir       *directory.Service
	policy    *sla.Service
	contracts *contracts.Service
	svc       *cases.Service
	audit     *audit.Service
	orgs      map[string]directory.Organization
	users     map[string]directory.User
}

// services wires the domain services over db as cmd/accord's newServices
// does (with cheap password hashing and a 1 MiB attachment limit).
func services(db *store.DB) (*directory.Service, *sla.Service, *contracts.Service, *cases.Service) {
	cfg := directory.DefaultConfig()
	cfg.Argon2 = directory.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}
	dir := directory.NewService(store.NewDirectory(db), cfg)
	policy := sla.NewService(store.NewPolicy(db))
	ctr := contracts.NewService(store.NewContracts(db), contracts.PolicyPlans{Policy: policy}, dir, contracts.DefaultConfig())
	svc := cases.NewService(store.NewCases(db, db.DataDir()), policy, ctr, dir,
		cases.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType})
	return dir, policy, ctr, svc
}

func newFixture(t *testing.T, open func(testing.TB) *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: open(t), orgs: map[string]directory.Organization{}, users: map[string]directory.User{}}
	f.dir, f.policy, f.contracts, f.svc = services(f.db)
	f.audit = audit.NewService(store.NewAudit(f.db))
	now := at("2024-03-01 09:00")
	admin := accord.WithActor(context.Background(), accord.SystemActor("fixture"))
	if _, err := f.policy.EnsureDefault(admin, now); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		key  string
		kind directory.Kind
		name string
	}{{"vendor", directory.KindVendor, "Northwind"}, {"partner", directory.KindPartner, "Southwind"},
		{"acme", directory.KindCustomer, "Acme"}, {"globex", directory.KindCustomer, "Globex"},
		{"initech", directory.KindCustomer, "Initech"}} {
		org, err := f.dir.CreateOrganization(admin, now, directory.NewOrganization{Kind: o.kind, Name: o.name})
		if err != nil {
			t.Fatal(err)
		}
		f.orgs[o.key] = org
	}
	if err := f.dir.LinkPartner(admin, now, f.orgs["partner"].ID, f.orgs["globex"].ID); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		key, org   string
		role       accord.Role
		authorized bool
	}{
		{"admin", "vendor", accord.RoleAdmin, false}, {"agent", "vendor", accord.RoleAgent, false},
		{"auditor", "vendor", accord.RoleAuditor, false},
		{"partner", "partner", accord.RolePartnerAgent, false}, {"lapsed", "partner", accord.RolePartnerAgent, false},
		{"acme", "acme", accord.RoleCustomerContact, true}, {"bystander", "acme", accord.RoleCustomerContact, false},
		{"globex", "globex", accord.RoleCustomerContact, true},
		{"initech", "initech", accord.RoleCustomerContact, true},
	} {
		usr, err := f.dir.CreateUser(admin, now, directory.NewUser{OrgID: f.orgs[u.org].ID, Email: u.key + "@" + u.org + ".example",
			Name: "User " + u.key, Role: u.role, AuthorizedContact: u.authorized, Password: password})
		if err != nil {
			t.Fatalf("user %s: %v", u.key, err)
		}
		f.users[u.key] = usr
	}
	for key, c := range map[string][2]string{"partner": {"2024-01-01", "2024-12-31"}, "lapsed": {"2023-01-01", "2023-12-31"}} {
		if _, err := f.dir.CreateCertification(admin, now, f.users[key].ID, directory.NewCertification{
			Name: "Core", Number: "C-" + key, ValidFrom: c[0], ValidUntil: c[1]}); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range []contracts.NewContract{
		{OrgID: f.orgs["acme"].ID, Plan: "premium", SignedOn: "2024-01-01", Years: 1},
		{OrgID: f.orgs["globex"].ID, PartnerID: f.orgs["partner"].ID, Plan: "advanced", SignedOn: "2023-06-01", Years: 2},
		{OrgID: f.orgs["initech"].ID, Plan: "advanced", SignedOn: "2022-01-01", Years: 1},
	} {
		if _, err := f.contracts.Create(admin, now, in); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// as acts as the named user.
func (f *fixture) as(key string) context.Context {
	u, ok := f.users[key]
	if !ok {
		panic("no user " + key)
	}
	return accord.WithActor(context.Background(), accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name, CustomerAdmin: u.CustomerAdmin})
}

// incident is a complete incident report from a customer.
func incident(crit sla.Criticality, title string) cases.NewCase {
	return cases.NewCase{Type: cases.Incident, Title: title, Details: cases.Details{Criticality: crit,
		Procedure: "Open a privileged session to db-01", Version: "4.2.1", Observed: "The session closes at once",
		Expected: "The session stays open", Discovery: "Noticed during the night shift"}}
}

// openPortal opens a portal case as the named user.
func (f *fixture) openPortal(t *testing.T, who string, now time.Time, in cases.NewCase) cases.Case {
	t.Helper()
	c, err := f.svc.Open(f.as(who), now, in)
	if err != nil {
		t.Fatalf("open as %s: %v", who, err)
	}
	return c
}

// openPhone has the vendor agent record a case the customer phoned in at now.
func (f *fixture) openPhone(t *testing.T, customer string, now time.Time, crit sla.Criticality) cases.Case {
	t.Helper()
	c, err := f.svc.Open(f.as("agent"), now, cases.NewCase{OrgID: f.orgs[customer].ID, Type: cases.Question,
		Title: "Vault unreachable", Description: "Nobody can retrieve credentials", Criticality: crit, Channel: sla.Phone,
		Call: &cases.Call{Caller: "Carla", Number: "+1 555 0100", At: now}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) get(t *testing.T, who string, now time.Time, id accord.ID) cases.Case {
	t.Helper()
	c, err := f.svc.Get(f.as(who), now, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) timeline(t *testing.T, who string, now time.Time, id accord.ID) []cases.Entry {
	t.Helper()
	l, err := f.svc.Timeline(f.as(who), now, id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func kinds(l []cases.Entry) []cases.EntryKind {
	out := make([]cases.EntryKind, len(l))
	for i, e := range l {
		out[i] = e.Kind
	}
	return out
}

func countKind(l []cases.Entry, k cases.EntryKind) int {
	n := 0
	for _, e := range l {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func (f *fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.SQL().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const warnBreachJobs = `SELECT count(*) FROM jobs WHERE subject_id = $1 AND kind IN ('case.sla_warning','case.sla_breach')`

// job returns when the case's job of kind runs, if there is one.
func (f *fixture) job(t *testing.T, id accord.ID, kind cases.TimerKind) (time.Time, bool) {
	t.Helper()
	rows, err := f.db.SQL().QueryContext(context.Background(), `SELECT run_at FROM jobs WHERE subject_id = $1 AND kind = $2`, id, string(kind))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var r time.Time
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) > 1 {
		t.Fatalf("%d %s jobs for %s", len(out), kind, id)
	}
	if len(out) == 0 {
		return time.Time{}, false
	}
	return out[0], true
}

// actions counts the case's audit events by action, read through the audit
// service.
func (f *fixture) actions(t *testing.T, id accord.ID) map[string]int {
	t.Helper()
	out := map[string]int{}
	p := accord.Page{Limit: accord.MaxLimit}
	for {
		l, next, err := f.audit.List(sys, audit.Filter{EntityID: &id}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range l {
			out[e.Action]++
		}
		if next == "" {
			return out
		}
		p.Cursor = next
	}
}

// wantErr checks err's kind, and that field is among the fields it names
// and msg is part of its message, when given.
func wantErr(t *testing.T, err error, kind accord.Kind, field, msg string) {
	t.Helper()
	if !accord.IsKind(err, kind) {
		t.Fatalf("error %v (kind %q), want kind %q", err, accord.KindOf(err), kind)
	}
	var e *accord.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *accord.Error", err)
	}
	if field != "" {
		named := e.Field == field
		for _, p := range e.Problems {
			named = named || p.Field == field
		}
		if !named {
			t.Fatalf("error %v names %q %+v, want %q among them", err, e.Field, e.Problems, field)
		}
	}
	if msg != "" && !strings.Contains(e.Msg, msg) {
		t.Fatalf("error message %q does not say %q", e.Msg, msg)
	}
}

// Warnings and breaches happen exactly once, however many runners fire at
// the same instant, never before their instant, and never after a response.
func TestFireExactlyOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		t0 := at("2024-03-12 10:00")
		c := f.openPhone(t, "acme", t0, sla.C1)
		k := c.Clock
		if k.Kind != sla.Clock24x7 || !k.Guaranteed || k.CallRequired || !k.StartsAt.Equal(t0) ||
			!same(k.DueAt, at("2024-03-12 10:30")) || !same(k.WarnAt, at("2024-03-12 10:22:30")) {
			t.Fatalf("premium C1 phone clock: kind %q guaranteed %v start %s due %s warn %s; want 24x7 from 10:00, due 10:30, warned 10:22:30",
				k.Kind, k.Guaranteed, nyString(&k.StartsAt), nyString(k.DueAt), nyString(k.WarnAt))
		}
		if warn, ok := f.job(t, c.ID, cases.WarnTimer); !ok || !warn.Equal(*k.WarnAt) {
			t.Fatalf("warning job at %v (%v), want %s", warn, ok, nyString(k.WarnAt))
		}
		if breach, ok := f.job(t, c.ID, cases.BreachTimer); !ok || !breach.Equal(*k.DueAt) {
			t.Fatalf("breach job at %v (%v), want %s", breach, ok, nyString(k.DueAt))
		}

		// Before their instants the timers do nothing.
		for _, x := range []struct {
			kind cases.TimerKind
			now  time.Time
		}{{cases.WarnTimer, at("2024-03-12 10:22:29")}, {cases.BreachTimer, at("2024-03-12 10:29:59")}} {
			if err := f.svc.Fire(sys, x.now, x.kind, c.ID); err != nil {
				t.Fatalf("%s at %s: %v", x.kind, nyString(&x.now), err)
			}
		}
		got := f.get(t, "agent", at("2024-03-12 10:30"), c.ID)
		l := f.timeline(t, "agent", at("2024-03-12 10:30"), c.ID)
		if got.Clock.WarnedAt != nil || got.Clock.BreachedAt != nil || countKind(l, cases.SLAWarning)+countKind(l, cases.SLABreach) != 0 {
			t.Fatalf("early timers recorded: warned %s breached %s, timeline %v", nyString(got.Clock.WarnedAt), nyString(got.Clock.BreachedAt), kinds(l))
		}
		if n := f.count(t, warnBreachJobs, c.ID); n != 2 {
			t.Fatalf("%d warning/breach jobs after early firings, want 2", n)
		}

		// Two hours later, 16 runners fire each timer at once.
		fire := t0.Add(2 * time.Hour)
		start := make(chan struct{})
		errs := make(chan error, 32)
		var wg sync.WaitGroup
		for range 16 {
			for _, kind := range []cases.TimerKind{cases.BreachTimer, cases.WarnTimer} {
				wg.Go(func() {
					<-start
					if err := f.svc.Fire(sys, fire, kind, c.ID); err != nil {
						errs <- fmt.Errorf("%s: %w", kind, err)
					}
				})
			}
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent Fire: %v", err)
		}
		l = f.timeline(t, "agent", fire, c.ID)
		if w, b := countKind(l, cases.SLAWarning), countKind(l, cases.SLABreach); w != 1 || b != 1 {
			t.Fatalf("%d warnings and %d breaches in the timeline %v, want one each", w, b, kinds(l))
		}
		for _, e := range l {
			if (e.Kind == cases.SLAWarning || e.Kind == cases.SLABreach) && (!e.Internal || !same(e.Data.DueAt, *k.DueAt) || !e.At.Equal(fire)) {
				t.Errorf("%s entry: internal %v due %s at %s; want internal, due 10:30, at 12:00", e.Kind, e.Internal, nyString(e.Data.DueAt), nyString(&e.At))
			}
		}
		acts := f.actions(t, c.ID)
		if acts["case.sla_breach"] != 1 || acts["case.sla_warning"] != 1 {
			t.Fatalf("audit actions %v, want one case.sla_breach and one case.sla_warning", acts)
		}
		if n := f.count(t, `SELECT count(*) FROM audit_events WHERE entity_id = $1 AND action = 'case.sla_breach'`, c.ID); n != 1 {
			t.Fatalf("%d case.sla_breach rows in audit_events, want 1", n)
		}
		got = f.get(t, "agent", fire, c.ID)
		if !same(got.Clock.WarnedAt, fire) || !same(got.Clock.BreachedAt, fire) {
			t.Fatalf("warned %s breached %s, want both at 12:00", nyString(got.Clock.WarnedAt), nyString(got.Clock.BreachedAt))
		}
		if st, margin := cases.StatusAt(got, fire); st != cases.Breached || margin != -90*time.Minute {
			t.Fatalf("status %s margin %v, want breached by 1h30m", st, margin)
		}
		if n := f.count(t, warnBreachJobs, c.ID); n != 0 {
			t.Fatalf("%d warning/breach jobs left after both were recorded, want 0", n)
		}
		// A customer does not see the internal warning and breach.
		if l := f.timeline(t, "acme", fire, c.ID); countKind(l, cases.SLAWarning)+countKind(l, cases.SLABreach) != 0 {
			t.Fatalf("customer timeline shows SLA entries: %v", kinds(l))
		}

		// A case answered in time is never warned about nor breached.
		d := f.openPhone(t, "acme", t0, sla.C1)
		if _, err := f.svc.Reply(f.as("agent"), t0.Add(10*time.Minute), d.ID, cases.NewReply{Body: "Restart the vault service"}); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, warnBreachJobs, d.ID); n != 0 {
			t.Fatalf("%d warning/breach jobs after the response, want 0", n)
		}
		for _, kind := range []cases.TimerKind{cases.WarnTimer, cases.BreachTimer} {
			if err := f.svc.Fire(sys, fire, kind, d.ID); err != nil {
				t.Fatal(err)
			}
		}
		got = f.get(t, "agent", fire, d.ID)
		l = f.timeline(t, "agent", fire, d.ID)
		if got.Clock.WarnedAt != nil || got.Clock.BreachedAt != nil || countKind(l, cases.SLAWarning)+countKind(l, cases.SLABreach) != 0 {
			t.Fatalf("answered case: warned %s breached %s timeline %v", nyString(got.Clock.WarnedAt), nyString(got.Clock.BreachedAt), kinds(l))
		}
		if acts := f.actions(t, d.ID); acts["case.sla_breach"]+acts["case.sla_warning"] != 0 {
			t.Fatalf("answered case audit actions %v", acts)
		}
		if st, margin := cases.StatusAt(got, fire); st != cases.Met || margin != 20*time.Minute {
			t.Fatalf("answered case: %s %v, want met with 20m to spare", st, margin)
		}
	})
}

// Resolved cases close by themselves after 10 business days, cases
// awaiting the customer after 15; an answer in between cancels that.
func TestAutoClose(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		agent := f.as("agent")
		question := cases.NewCase{Type: cases.Question, Title: "How do I rotate keys?", Description: "Which command rotates SSH keys?"}

		// Resolved on Friday 15 March at 17:00: closes Friday 29 March at 17:00.
		r := f.openPortal(t, "acme", at("2024-03-15 10:00"), question)
		resolved, err := f.svc.Resolve(agent, at("2024-03-15 17:00"), r.ID, "Use the rotation wizard")
		if err != nil {
			t.Fatal(err)
		}
		closeAt := at("2024-03-29 17:00")
		if resolved.State != cases.Resolved || !same(resolved.ResolvedAt, at("2024-03-15 17:00")) || !same(resolved.AutoCloseAt, closeAt) {
			t.Fatalf("resolved: state %s resolved %s auto-close %s, want resolved, closing %s",
				resolved.State, nyString(resolved.ResolvedAt), nyString(resolved.AutoCloseAt), nyString(&closeAt))
		}
		if j, ok := f.job(t, r.ID, cases.CloseTimer); !ok || !j.Equal(closeAt) {
			t.Fatalf("auto-close job at %v (%v), want %s", j, ok, nyString(&closeAt))
		}
		if err := f.svc.Fire(sys, closeAt.Add(-time.Minute), cases.CloseTimer, r.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, "agent", closeAt, r.ID); got.State != cases.Resolved || got.ClosedAt != nil {
			t.Fatalf("a minute early: state %s closed %s, want still resolved", got.State, nyString(got.ClosedAt))
		}
		if err := f.svc.Fire(sys, closeAt, cases.CloseTimer, r.ID); err != nil {
			t.Fatal(err)
		}
		got := f.get(t, "acme", closeAt, r.ID)
		if got.State != cases.Closed || got.CloseReason != "auto_resolved" || !same(got.ClosedAt, closeAt) || got.AutoCloseAt != nil {
			t.Fatalf("at the instant: state %s reason %q closed %s auto-close %s; want closed, auto_resolved, at %s",
				got.State, got.CloseReason, nyString(got.ClosedAt), nyString(got.AutoCloseAt), nyString(&closeAt))
		}
		l := f.timeline(t, "acme", closeAt, r.ID)
		if last := l[len(l)-1]; last.Kind != cases.StateChanged || last.Data.From != "resolved" || last.Data.To != "closed" || last.Data.Reason != "auto_resolved" || last.Internal {
			t.Fatalf("last entry %+v, want a public state change resolved -> closed for auto_resolved", last)
		}
		if err := f.svc.Fire(sys, closeAt.Add(time.Hour), cases.CloseTimer, r.ID); err != nil {
			t.Fatal(err)
		}
		if acts := f.actions(t, r.ID); acts["case.auto_close"] != 1 {
			t.Fatalf("audit actions %v, want one case.auto_close", acts)
		}
		if _, ok := f.job(t, r.ID, cases.CloseTimer); ok {
			t.Fatal("the auto-close job outlived the closure")
		}

		// Information requested on Monday 18 March at 09:00 and never given:
		// closes on Monday 8 April at 09:00 (15 business days).
		w := f.openPortal(t, "acme", at("2024-03-18 08:30"), question)
		asked, err := f.svc.Reply(agent, at("2024-03-18 09:00"), w.ID, cases.NewReply{Body: "Please send the gateway logs", RequestInformation: true,
			References: []cases.Reference{{Kind: cases.LogRequest, Value: "/var/log/gateway/*.log"}}})
		if err != nil {
			t.Fatal(err)
		}
		waitClose := at("2024-04-08 09:00")
		if asked.State != cases.AwaitingCustomer || !same(asked.AutoCloseAt, waitClose) || !same(asked.Clock.RespondedAt, at("2024-03-18 09:00")) {
			t.Fatalf("awaiting: state %s auto-close %s responded %s; want awaiting_customer closing %s",
				asked.State, nyString(asked.AutoCloseAt), nyString(asked.Clock.RespondedAt), nyString(&waitClose))
		}
		if err := f.svc.Fire(sys, waitClose.Add(-time.Minute), cases.CloseTimer, w.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, "agent", waitClose, w.ID); got.State != cases.AwaitingCustomer {
			t.Fatalf("a minute early: %s, want awaiting_customer", got.State)
		}
		if err := f.svc.Fire(sys, waitClose, cases.CloseTimer, w.ID); err != nil {
			t.Fatal(err)
		}
		got = f.get(t, "agent", waitClose, w.ID)
		if got.State != cases.Closed || got.CloseReason != "auto_awaiting_customer" || !same(got.ClosedAt, waitClose) {
			t.Fatalf("state %s reason %q closed %s, want closed auto_awaiting_customer at %s", got.State, got.CloseReason, nyString(got.ClosedAt), nyString(&waitClose))
		}
		if len(got.Pauses) != 1 || !got.Pauses[0].From.Equal(at("2024-03-18 09:00")) || !same(got.Pauses[0].To, waitClose) || got.Clock.PausedSince != nil {
			t.Fatalf("pauses %+v paused since %s, want one pause from 18 March 09:00 to the closure", got.Pauses, nyString(got.Clock.PausedSince))
		}

		// The customer answers on the next day: no auto-close any more.
		a := f.openPortal(t, "acme", at("2024-03-18 08:30"), question)
		if _, err := f.svc.Reply(agent, at("2024-03-18 09:00"), a.ID, cases.NewReply{Body: "Which version do you run?", RequestInformation: true}); err != nil {
			t.Fatal(err)
		}
		answered, err := f.svc.Reply(f.as("acme"), at("2024-03-19 09:00"), a.ID, cases.NewReply{Body: "Version 4.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if answered.State != cases.Open || answered.AutoCloseAt != nil {
			t.Fatalf("after the customer's answer: state %s auto-close %s, want open without auto-close", answered.State, nyString(answered.AutoCloseAt))
		}
		if _, ok := f.job(t, a.ID, cases.CloseTimer); ok {
			t.Fatal("the auto-close job survived the customer's answer")
		}
		if err := f.svc.Fire(sys, waitClose, cases.CloseTimer, a.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, "agent", waitClose, a.ID); got.State != cases.Open || got.ClosedAt != nil {
			t.Fatalf("a stale auto-close fired: state %s closed %s", got.State, nyString(got.ClosedAt))
		}
		if acts := f.actions(t, a.ID); acts["case.auto_close"] != 0 {
			t.Fatalf("audit actions %v, want no case.auto_close", acts)
		}
	})
}

// Resolving a C2 case opens one root-cause analysis at C3, linked to it,
// whose clock starts at the resolution; resolving it again opens no other.
func TestRootCause(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		agent := f.as("agent")
		t0 := at("2024-03-12 10:00")
		c := f.openPhone(t, "acme", t0, sla.C2)
		resolvedAt := at("2024-03-12 10:45")
		if _, err := f.svc.Resolve(agent, resolvedAt, c.ID, "Failed over to the standby"); err != nil {
			t.Fatal(err)
		}
		rcas := func() []cases.Case {
			t.Helper()
			l, _, err := f.svc.List(agent, resolvedAt, cases.Filter{Type: cases.RootCause}, accord.Page{Limit: accord.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		l := rcas()
		if len(l) != 1 {
			t.Fatalf("%d root-cause analyses, want 1", len(l))
		}
		rca := f.get(t, "agent", resolvedAt, l[0].ID)
		k := rca.Clock
		// Premium C3: 8 working hours from 10:45 on Tuesday, due 18:45.
		if rca.ParentID != c.ID || rca.Type != cases.RootCause || rca.Criticality != sla.C3 || rca.State != cases.New ||
			rca.OrgID != c.OrgID || rca.ContractID != c.ContractID || rca.OpenedByID != "" ||
			k.Kind != "support-hours" || !k.Guaranteed || !k.StartsAt.Equal(resolvedAt) || time.Duration(k.Target) != 8*time.Hour ||
			!same(k.DueAt, at("2024-03-12 18:45")) || !same(k.WarnAt, at("2024-03-12 16:45")) {
			t.Fatalf("root cause %+v", rca)
		}
		if n := f.count(t, warnBreachJobs, rca.ID); n != 2 {
			t.Fatalf("%d warning/breach jobs for the analysis, want 2", n)
		}
		if n := f.count(t, `SELECT count(*) FROM cases WHERE parent_id = $1`, c.ID); n != 1 {
			t.Fatalf("%d cases with the parent, want 1", n)
		}
		pl := f.timeline(t, "acme", resolvedAt, c.ID)
		if countKind(pl, cases.Linked) != 1 {
			t.Fatalf("parent timeline %v, want one linked entry", kinds(pl))
		}
		for _, e := range pl {
			if e.Kind == cases.Linked && e.Data.CaseID != rca.ID {
				t.Fatalf("linked entry points to %s, want %s", e.Data.CaseID, rca.ID)
			}
		}

		// Reopened by the customer and resolved again: still one analysis.
		if _, err := f.svc.Reopen(f.as("acme"), at("2024-03-12 11:30"), c.ID, "It failed again"); err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.Resolve(agent, at("2024-03-12 12:00"), c.ID, "Replaced the disk")
		if err != nil {
			t.Fatal(err)
		}
		if again.State != cases.Resolved {
			t.Fatalf("state %s, want resolved", again.State)
		}
		if l := rcas(); len(l) != 1 || l[0].ID != rca.ID {
			t.Fatalf("%d root-cause analyses after the second resolution, want the first only", len(l))
		}
		if n := countKind(f.timeline(t, "agent", again.UpdatedAt, c.ID), cases.Linked); n != 1 {
			t.Fatalf("%d linked entries, want 1", n)
		}

		// Resolving the analysis itself, or a C3 case, opens nothing.
		if _, err := f.svc.Resolve(agent, at("2024-03-12 15:00"), rca.ID, "Disk firmware bug"); err != nil {
			t.Fatal(err)
		}
		q := f.openPortal(t, "acme", t0, cases.NewCase{Type: cases.Question, Title: "Q", Description: "D", Details: cases.Details{Criticality: sla.C3}})
		if _, err := f.svc.Resolve(agent, at("2024-03-12 15:00"), q.ID, "Answered"); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT count(*) FROM cases WHERE type = 'root_cause'`); n != 1 {
			t.Fatalf("%d root-cause analyses in all, want 1", n)
		}
	})
}

// A premium C1 opened in the portal at night without a call is best
// effort: no warning, no breach. The call starts the guaranteed clock.
func TestPhoneRule(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		t0 := at("2024-03-09 03:00") // Saturday
		c := f.openPortal(t, "acme", t0, incident(sla.C1, "Vault down"))
		k := c.Clock
		if c.Criticality != sla.C1 || k.Channel != sla.Portal || !k.CallRequired || k.Guaranteed || k.PhoneAt != nil {
			t.Fatalf("portal C1: criticality %s channel %s call required %v guaranteed %v", c.Criticality, k.Channel, k.CallRequired, k.Guaranteed)
		}
		// Best effort on business hours: Monday 08:00 + 30 minutes.
		if !k.StartsAt.Equal(at("2024-03-11 08:00")) || !same(k.DueAt, at("2024-03-11 08:30")) {
			t.Fatalf("best-effort start %s due %s, want Monday 08:00 and 08:30", nyString(&k.StartsAt), nyString(k.DueAt))
		}
		if st, _ := cases.StatusAt(c, at("2024-03-12 00:00")); st != cases.NotGuaranteed {
			t.Fatalf("status %s a day later, want not_guaranteed", st)
		}
		if n := f.count(t, warnBreachJobs, c.ID); n != 0 {
			t.Fatalf("%d warning/breach jobs for a best-effort case, want 0", n)
		}
		x, err := f.svc.Explain(f.as("acme"), t0.Add(5*time.Minute), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !x.CallRequired || len(x.PhoneLines) != 2 || x.Status != cases.NotGuaranteed {
			t.Fatalf("explanation: call required %v phone lines %v status %s", x.CallRequired, x.PhoneLines, x.Status)
		}

		// Only the vendor's agents record calls.
		if _, err := f.svc.RecordCall(f.as("acme"), at("2024-03-09 03:10"), c.ID, cases.Call{Caller: "Carla", Number: "+1 555 0100", At: at("2024-03-09 03:10")}); !accord.IsKind(err, accord.Forbidden) {
			t.Fatalf("customer records a call: %v, want forbidden", err)
		}
		called, err := f.svc.RecordCall(f.as("agent"), at("2024-03-09 03:10"), c.ID, cases.Call{Caller: "Carla", Number: "+1 555 0100", At: at("2024-03-09 03:10"), Notes: "Production down"})
		if err != nil {
			t.Fatal(err)
		}
		k = called.Clock
		if !k.Guaranteed || k.CallRequired || !same(k.PhoneAt, at("2024-03-09 03:10")) || !k.StartsAt.Equal(at("2024-03-09 03:10")) ||
			!same(k.DueAt, at("2024-03-09 03:40")) || !same(k.WarnAt, at("2024-03-09 03:32:30")) {
			t.Fatalf("after the call: guaranteed %v call required %v start %s due %s warn %s; want guaranteed from 03:10, due 03:40",
				k.Guaranteed, k.CallRequired, nyString(&k.StartsAt), nyString(k.DueAt), nyString(k.WarnAt))
		}
		if n := f.count(t, warnBreachJobs, c.ID); n != 2 {
			t.Fatalf("%d warning/breach jobs after the call, want 2", n)
		}
		if j, ok := f.job(t, c.ID, cases.BreachTimer); !ok || !j.Equal(at("2024-03-09 03:40")) {
			t.Fatalf("breach job at %v (%v), want 03:40", j, ok)
		}
		if l := f.timeline(t, "acme", at("2024-03-09 03:10"), c.ID); countKind(l, cases.PhoneCall) != 1 {
			t.Fatalf("customer timeline %v, want the call", kinds(l))
		}
	})
}

// Waiting for the customer pauses the clock; the customer's answer resumes
// it, and the due instant moves by the working time the pause covered.
func TestPauseResume(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		t0 := at("2024-03-12 10:00") // Tuesday
		c := f.openPortal(t, "globex", t0, incident(sla.C3, "Slow reports"))
		if c.Clock.Plan != "advanced" || !same(c.Clock.DueAt, at("2024-03-12 18:00")) {
			t.Fatalf("advanced C3: plan %s due %s, want 18:00", c.Clock.Plan, nyString(c.Clock.DueAt))
		}
		if _, err := f.svc.AwaitCustomer(f.as("agent"), at("2024-03-12 11:00"), c.ID, "  "); !accord.IsKind(err, accord.Invalid) {
			t.Fatalf("hold without a reason: %v, want invalid", err)
		}
		held, err := f.svc.AwaitCustomer(f.as("agent"), at("2024-03-12 11:00"), c.ID, "The customer asked to wait for the maintenance window")
		if err != nil {
			t.Fatal(err)
		}
		if held.State != cases.AwaitingCustomer || held.Clock.DueAt != nil || held.Clock.WarnAt != nil || held.Clock.RespondedAt != nil ||
			!same(held.Clock.PausedSince, at("2024-03-12 11:00")) || len(held.Pauses) != 1 || held.Pauses[0].To != nil {
			t.Fatalf("held: state %s due %s responded %s paused since %s pauses %+v",
				held.State, nyString(held.Clock.DueAt), nyString(held.Clock.RespondedAt), nyString(held.Clock.PausedSince), held.Pauses)
		}
		if n := f.count(t, warnBreachJobs, c.ID); n != 0 {
			t.Fatalf("%d warning/breach jobs while paused, want 0", n)
		}
		x, err := f.svc.Explain(f.as("agent"), at("2024-03-12 12:00"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x.Status != cases.Paused || len(x.Segments) != 1 || !x.Segments[0].From.Equal(t0) || !x.Segments[0].To.Equal(at("2024-03-12 11:00")) ||
			time.Duration(x.Used) != time.Hour || time.Duration(x.Remaining) != 7*time.Hour {
			t.Fatalf("paused explanation: status %s segments %+v used %v remaining %v", x.Status, x.Segments, x.Used, x.Remaining)
		}

		resumed, err := f.svc.Reply(f.as("globex"), at("2024-03-12 13:30"), c.ID, cases.NewReply{Body: "The window is over"})
		if err != nil {
			t.Fatal(err)
		}
		// 1h before the pause, 6.5h to the 20:00 close, 0.5h on Wednesday.
		if resumed.State != cases.Open || !same(resumed.Clock.DueAt, at("2024-03-13 08:30")) || !same(resumed.Clock.WarnAt, at("2024-03-12 18:30")) ||
			resumed.Clock.PausedSince != nil || resumed.AutoCloseAt != nil || resumed.Clock.RespondedAt != nil {
			t.Fatalf("resumed: state %s due %s warn %s paused since %s auto-close %s responded %s; want open, due Wed 08:30, warn Tue 18:30",
				resumed.State, nyString(resumed.Clock.DueAt), nyString(resumed.Clock.WarnAt), nyString(resumed.Clock.PausedSince),
				nyString(resumed.AutoCloseAt), nyString(resumed.Clock.RespondedAt))
		}
		got := f.get(t, "globex", at("2024-03-12 13:30"), c.ID)
		if len(got.Pauses) != 1 || !got.Pauses[0].From.Equal(at("2024-03-12 11:00")) || !same(got.Pauses[0].To, at("2024-03-12 13:30")) {
			t.Fatalf("pauses %+v, want 11:00-13:30", got.Pauses)
		}
		if n := f.count(t, warnBreachJobs, c.ID); n != 2 {
			t.Fatalf("%d warning/breach jobs after resuming, want 2", n)
		}
		if j, ok := f.job(t, c.ID, cases.BreachTimer); !ok || !j.Equal(at("2024-03-13 08:30")) {
			t.Fatalf("breach job at %v (%v), want Wed 08:30", j, ok)
		}
		if _, ok := f.job(t, c.ID, cases.CloseTimer); ok {
			t.Fatal("auto-close job survived the answer")
		}

		for _, tc := range []struct {
			now        time.Time
			segments   [][2]time.Time
			used, left time.Duration
		}{
			{at("2024-03-12 15:00"), [][2]time.Time{{t0, at("2024-03-12 11:00")}, {at("2024-03-12 13:30"), at("2024-03-12 15:00")}}, 150 * time.Minute, 330 * time.Minute},
			{at("2024-03-13 08:15"), [][2]time.Time{{t0, at("2024-03-12 11:00")}, {at("2024-03-12 13:30"), at("2024-03-12 20:00")}, {at("2024-03-13 08:00"), at("2024-03-13 08:15")}}, 465 * time.Minute, 15 * time.Minute},
		} {
			x, err := f.svc.Explain(f.as("globex"), tc.now, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			ok := x.Status == cases.Running && len(x.Segments) == len(tc.segments) && time.Duration(x.Used) == tc.used && time.Duration(x.Remaining) == tc.left &&
				len(x.Pauses) == 1 && x.Zone == "America/New_York"
			for i := 0; ok && i < len(tc.segments); i++ {
				s := x.Segments[i]
				ok = s.From.Equal(tc.segments[i][0]) && s.To.Equal(tc.segments[i][1]) && time.Duration(s.Worked) == tc.segments[i][1].Sub(tc.segments[i][0])
			}
			if !ok {
				t.Errorf("explain at %s: status %s segments %+v used %v remaining %v pauses %d; want segments %v used %v remaining %v",
					nyString(&tc.now), x.Status, x.Segments, x.Used, x.Remaining, len(x.Pauses), tc.segments, tc.used, tc.left)
			}
		}
	})
}

// Only vendor agents reclassify, with a reason; the clock is recomputed
// from the original start.
func TestReclassify(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		t0 := at("2024-03-12 10:00")
		c := f.openPortal(t, "globex", t0, incident(sla.C3, "Slow reports"))
		now := at("2024-03-12 12:00")
		_, err := f.svc.Reclassify(f.as("partner"), now, c.ID, cases.Reclassification{Criticality: sla.C4, Reason: "Workaround given"})
		wantErr(t, err, accord.Forbidden, "", "vendor")
		_, err = f.svc.Reclassify(f.as("agent"), now, c.ID, cases.Reclassification{Criticality: sla.C4, Reason: " "})
		wantErr(t, err, accord.Invalid, "reason", "")
		_, err = f.svc.Reclassify(f.as("agent"), now, c.ID, cases.Reclassification{Criticality: sla.C3, Reason: "No change"})
		wantErr(t, err, accord.Conflict, "", "already C3")
		_, err = f.svc.Reclassify(f.as("agent"), now, c.ID, cases.Reclassification{Criticality: "C9", Reason: "x"})
		wantErr(t, err, accord.Invalid, "criticality", "")

		got, err := f.svc.Reclassify(f.as("agent"), now, c.ID, cases.Reclassification{Criticality: sla.C4, Reason: "Workaround given by phone"})
		if err != nil {
			t.Fatal(err)
		}
		// Advanced C4: 18 working hours from Tuesday 10:00 (10h on Tuesday,
		// 8h on Wednesday); the warning after 13.5h.
		k := got.Clock
		if got.Criticality != sla.C4 || !k.StartsAt.Equal(t0) || time.Duration(k.Target) != 18*time.Hour ||
			!same(k.DueAt, at("2024-03-13 16:00")) || !same(k.WarnAt, at("2024-03-13 11:30")) {
			t.Fatalf("reclassified: %s start %s target %v due %s warn %s", got.Criticality, nyString(&k.StartsAt), k.Target, nyString(k.DueAt), nyString(k.WarnAt))
		}
		if j, ok := f.job(t, c.ID, cases.BreachTimer); !ok || !j.Equal(at("2024-03-13 16:00")) {
			t.Fatalf("breach job at %v (%v), want Wed 16:00", j, ok)
		}
		l := f.timeline(t, "globex", now, c.ID)
		last := l[len(l)-1]
		if last.Kind != cases.Reclassified || last.Internal || last.Data.From != "C3" || last.Data.To != "C4" || last.Data.Reason != "Workaround given by phone" {
			t.Fatalf("customer sees %+v, want the reclassification with its reason", last)
		}
		if acts := f.actions(t, c.ID); acts["case.reclassify"] != 1 {
			t.Fatalf("audit actions %v", acts)
		}
	})
}

// Refusals say why.
func TestRefusals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		now := at("2024-03-12 10:00")
		q := cases.NewCase{Type: cases.Question, Title: "Q", Description: "D"}

		_, err := f.svc.Open(f.as("bystander"), now, q)
		wantErr(t, err, accord.Forbidden, "", "not an authorized contact")
		_, err = f.svc.Open(f.as("initech"), now, q)
		wantErr(t, err, accord.Forbidden, "", "expired on 2022-12-31")
		withOrg := q
		withOrg.OrgID = f.orgs["initech"].ID
		_, err = f.svc.Open(f.as("agent"), now, withOrg)
		wantErr(t, err, accord.Forbidden, "", "expired on 2022-12-31")
		withOrg.OrgID = f.orgs["globex"].ID
		_, err = f.svc.Open(f.as("lapsed"), now, withOrg)
		wantErr(t, err, accord.Forbidden, "", "certification expired on 2023-12-31")
		withOrg.OrgID = f.orgs["acme"].ID
		_, err = f.svc.Open(f.as("auditor"), now, withOrg)
		wantErr(t, err, accord.Forbidden, "", "auditors only read")
		_, err = f.svc.Open(f.as("partner"), now, withOrg)
		wantErr(t, err, accord.Forbidden, "", "does not serve")
		if n := f.count(t, `SELECT count(*) FROM cases`); n != 0 {
			t.Fatalf("%d cases after refusals", n)
		}

		// The certified partner agent opens for Globex.
		withOrg.OrgID = f.orgs["globex"].ID
		g, err := f.svc.Open(f.as("partner"), now, withOrg)
		if err != nil {
			t.Fatal(err)
		}
		if g.OpenedByID != f.users["partner"].ID || g.Clock.Plan != "advanced" {
			t.Fatalf("partner's case: opened by %s plan %s", g.OpenedByID, g.Clock.Plan)
		}
		_, err = f.svc.Get(f.as("lapsed"), now, g.ID)
		wantErr(t, err, accord.Forbidden, "", "expired on 2023-12-31")

		c := f.openPortal(t, "acme", now, q)
		// The auditor reads but does not write.
		if _, err := f.svc.Get(f.as("auditor"), now, c.ID); err != nil {
			t.Fatalf("auditor reads: %v", err)
		}
		_, err = f.svc.Reply(f.as("auditor"), now, c.ID, cases.NewReply{Body: "Hello"})
		wantErr(t, err, accord.Forbidden, "", "auditors only read")

		// Another customer's contact does not learn the case exists.
		_, err = f.svc.Get(f.as("globex"), now, c.ID)
		wantErr(t, err, accord.NotFound, "", "")
		_, err = f.svc.Reply(f.as("globex"), now, c.ID, cases.NewReply{Body: "Hello"})
		wantErr(t, err, accord.NotFound, "", "")
		_, err = f.svc.Timeline(f.as("globex"), now, c.ID)
		wantErr(t, err, accord.NotFound, "", "")
		// Nor does a partner agent who does not serve the customer.
		_, err = f.svc.Get(f.as("partner"), now, c.ID)
		wantErr(t, err, accord.NotFound, "", "")
		if n := countKind(f.timeline(t, "agent", now, c.ID), cases.Reply); n != 0 {
			t.Fatalf("%d replies written by refused callers", n)
		}
	})
}

// Internal notes are hidden from the customer and do not answer; the first
// public reply of an agent does.
func TestInternalNotes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		t0 := at("2024-03-12 10:00")
		c := f.openPortal(t, "acme", t0, cases.NewCase{Type: cases.Question, Title: "Key rotation", Description: "How?"})
		_, err := f.svc.Reply(f.as("acme"), t0, c.ID, cases.NewReply{Body: "psst", Internal: true})
		wantErr(t, err, accord.Invalid, "internal", "")

		noted, err := f.svc.Reply(f.as("agent"), at("2024-03-12 10:30"), c.ID, cases.NewReply{Body: "Probably the known issue KI-7", Internal: true})
		if err != nil {
			t.Fatal(err)
		}
		if noted.Clock.RespondedAt != nil || noted.State != cases.New {
			t.Fatalf("after a note: responded %s state %s, want no response and new", nyString(noted.Clock.RespondedAt), noted.State)
		}
		if got := kinds(f.timeline(t, "acme", t0, c.ID)); !slices.Equal(got, []cases.EntryKind{cases.Opened}) {
			t.Fatalf("customer timeline %v, want only the opening", got)
		}
		if got := kinds(f.timeline(t, "agent", t0, c.ID)); !slices.Equal(got, []cases.EntryKind{cases.Opened, cases.Note}) {
			t.Fatalf("agent timeline %v, want the opening and the note", got)
		}

		replied, err := f.svc.Reply(f.as("agent"), at("2024-03-12 11:00"), c.ID, cases.NewReply{Body: "Use the rotation wizard",
			References: []cases.Reference{{Kind: cases.KnowledgeBase, Value: "https://kb.example/rotate"}}})
		if err != nil {
			t.Fatal(err)
		}
		if !same(replied.Clock.RespondedAt, at("2024-03-12 11:00")) || replied.State != cases.Open {
			t.Fatalf("after the reply: responded %s state %s", nyString(replied.Clock.RespondedAt), replied.State)
		}
		// Premium C4: 12 working hours, due Wednesday 10:00; met with 23h to spare.
		if st, margin := cases.StatusAt(replied, at("2024-03-20 00:00")); st != cases.Met || margin != 23*time.Hour {
			t.Fatalf("status %s margin %v, want met with 23h", st, margin)
		}
		if n := f.count(t, warnBreachJobs, c.ID); n != 0 {
			t.Fatalf("%d warning/breach jobs after the response", n)
		}
		later, err := f.svc.Reply(f.as("agent"), at("2024-03-12 12:00"), c.ID, cases.NewReply{Body: "Any news?"})
		if err != nil {
			t.Fatal(err)
		}
		if !same(later.Clock.RespondedAt, at("2024-03-12 11:00")) {
			t.Fatalf("a later reply moved the response to %s", nyString(later.Clock.RespondedAt))
		}
		cl := f.timeline(t, "acme", t0, c.ID)
		if got := kinds(cl); !slices.Equal(got, []cases.EntryKind{cases.Opened, cases.Reply, cases.StateChanged, cases.Reply}) {
			t.Fatalf("customer timeline %v", got)
		}
		for _, e := range cl {
			if e.Internal || strings.Contains(e.Body, "KI-7") {
				t.Fatalf("customer sees internal entry %+v", e)
			}
		}
	})
}

// Enhancement requests have no clock and their own states.
func TestEnhancements(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		t0 := at("2024-03-12 10:00")
		in := cases.NewCase{Type: cases.Enhancement, Title: "Dark mode", Description: "Please add a dark theme"}
		e := f.openPortal(t, "acme", t0, in)
		if e.State != cases.Received || e.Clock.Kind != "" || e.Clock.DueAt != nil || e.Clock.Guaranteed {
			t.Fatalf("enhancement: state %s clock %+v", e.State, e.Clock)
		}
		if st, _ := cases.StatusAt(e, t0.Add(1000*time.Hour)); st != cases.NoClock {
			t.Fatalf("status %s, want no_clock", st)
		}
		if n := f.count(t, `SELECT count(*) FROM jobs WHERE subject_id = $1`, e.ID); n != 0 {
			t.Fatalf("%d jobs for an enhancement", n)
		}
		agent := f.as("agent")
		_, err := f.svc.UpdateEnhancement(f.as("acme"), t0, e.ID, cases.EnhancementUpdate{State: cases.Accepted})
		wantErr(t, err, accord.Forbidden, "", "")
		_, err = f.svc.Resolve(agent, t0, e.ID, "Done")
		wantErr(t, err, accord.Conflict, "", "own states")
		_, err = f.svc.UpdateEnhancement(agent, t0, e.ID, cases.EnhancementUpdate{State: cases.Delivered, DeliveredIn: "5.0"})
		wantErr(t, err, accord.Invalid, "state", "")

		for i, st := range []cases.State{cases.UnderAnalysis, cases.Accepted} {
			got, err := f.svc.UpdateEnhancement(agent, t0.Add(time.Duration(i+1)*time.Hour), e.ID, cases.EnhancementUpdate{State: st, Note: "moving on"})
			if err != nil {
				t.Fatal(err)
			}
			if got.State != st || got.ClosedAt != nil {
				t.Fatalf("state %s closed %s, want %s", got.State, nyString(got.ClosedAt), st)
			}
		}
		_, err = f.svc.UpdateEnhancement(agent, t0.Add(3*time.Hour), e.ID, cases.EnhancementUpdate{State: cases.Delivered})
		wantErr(t, err, accord.Invalid, "delivered_in", "")
		done, err := f.svc.UpdateEnhancement(agent, t0.Add(3*time.Hour), e.ID, cases.EnhancementUpdate{State: cases.Delivered, DeliveredIn: " 5.2.0 "})
		if err != nil {
			t.Fatal(err)
		}
		if done.State != cases.Delivered || done.DeliveredIn != "5.2.0" || !same(done.ClosedAt, t0.Add(3*time.Hour)) || done.Clock.Kind != "" {
			t.Fatalf("delivered: state %s in %q closed %s", done.State, done.DeliveredIn, nyString(done.ClosedAt))
		}
		_, err = f.svc.UpdateEnhancement(agent, t0.Add(4*time.Hour), e.ID, cases.EnhancementUpdate{State: cases.Declined})
		wantErr(t, err, accord.Invalid, "state", "")

		d := f.openPortal(t, "acme", t0, in)
		declined, err := f.svc.UpdateEnhancement(agent, t0.Add(time.Hour), d.ID, cases.EnhancementUpdate{State: cases.Declined, Note: "Out of the roadmap"})
		if err != nil {
			t.Fatal(err)
		}
		if declined.State != cases.Declined || !same(declined.ClosedAt, t0.Add(time.Hour)) {
			t.Fatalf("declined: %s closed %s", declined.State, nyString(declined.ClosedAt))
		}
		for _, st := range []cases.State{cases.UnderAnalysis, cases.Accepted, cases.Delivered, cases.Received} {
			_, err = f.svc.UpdateEnhancement(agent, t0.Add(2*time.Hour), d.ID, cases.EnhancementUpdate{State: st, DeliveredIn: "5.2"})
			wantErr(t, err, accord.Invalid, "state", "nowhere")
		}
		if got := f.get(t, "acme", t0.Add(2*time.Hour), d.ID); got.State != cases.Declined {
			t.Fatalf("state %s, want declined", got.State)
		}
		l := f.timeline(t, "acme", t0, e.ID)
		if n := countKind(l, cases.StateChanged); n != 3 {
			t.Fatalf("customer sees %d state changes, want 3: %v", n, kinds(l))
		}
	})
}

// Remote sessions last at most 30 minutes, start within a year and are
// decided once, by the customer.
func TestRemoteSessions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		t0 := at("2024-03-12 10:00")
		c := f.openPortal(t, "acme", t0, incident(sla.C3, "Sessions drop"))
		agent := f.as("agent")
		_, err := f.svc.ProposeSession(agent, at("2024-03-12 10:30"), c.ID, cases.SessionProposal{StartsAt: at("2024-03-12 14:00"), Minutes: 31})
		wantErr(t, err, accord.Invalid, "minutes", "30")
		_, err = f.svc.ProposeSession(agent, at("2024-03-12 10:30"), c.ID, cases.SessionProposal{StartsAt: at("2024-03-12 10:00"), Minutes: 30})
		wantErr(t, err, accord.Invalid, "starts_at", "")
		_, err = f.svc.ProposeSession(agent, at("2024-03-12 10:30"), c.ID, cases.SessionProposal{StartsAt: at("2025-03-12 10:31")})
		wantErr(t, err, accord.Invalid, "starts_at", "within a year")
		_, err = f.svc.ProposeSession(f.as("acme"), at("2024-03-12 10:30"), c.ID, cases.SessionProposal{StartsAt: at("2024-03-12 14:00"), Minutes: 30})
		wantErr(t, err, accord.Forbidden, "", "")

		proposed, err := f.svc.ProposeSession(agent, at("2024-03-12 10:30"), c.ID, cases.SessionProposal{StartsAt: at("2024-03-12 14:00"), Note: "Have the admin console open"})
		if err != nil {
			t.Fatal(err)
		}
		if !same(proposed.Clock.RespondedAt, at("2024-03-12 10:30")) || proposed.State != cases.Open {
			t.Fatalf("a proposal answers: responded %s state %s", nyString(proposed.Clock.RespondedAt), proposed.State)
		}
		proposal := func(id accord.ID) cases.Entry {
			t.Helper()
			for _, e := range f.timeline(t, "acme", t0, id) {
				if e.Kind == cases.RemoteSession && e.Data.Session != nil && e.AuthorID == f.users["agent"].ID {
					return e
				}
			}
			t.Fatal("no proposal in the customer's timeline")
			return cases.Entry{}
		}
		p := proposal(c.ID)
		if s := p.Data.Session; s.Status != cases.SessionProposed || s.Minutes != 30 || !s.StartsAt.Equal(at("2024-03-12 14:00")) {
			t.Fatalf("proposal %+v, want proposed for 30 minutes at 14:00", s)
		}
		_, err = f.svc.DecideSession(agent, at("2024-03-12 11:00"), c.ID, p.ID, cases.SessionDecision{Accept: true})
		wantErr(t, err, accord.Forbidden, "", "customer")

		if _, err := f.svc.DecideSession(f.as("acme"), at("2024-03-12 11:00"), c.ID, p.ID, cases.SessionDecision{Accept: true, RemoteControl: true, Note: "OK"}); err != nil {
			t.Fatal(err)
		}
		s := proposal(c.ID).Data.Session
		if s.Status != cases.SessionAccepted || !s.RemoteControl || s.DecidedBy != f.users["acme"].Name || !same(s.DecidedAt, at("2024-03-12 11:00")) {
			t.Fatalf("decided proposal %+v, want accepted with remote control by %s", s, f.users["acme"].Name)
		}
		_, err = f.svc.DecideSession(f.as("acme"), at("2024-03-12 11:05"), c.ID, p.ID, cases.SessionDecision{Accept: false})
		wantErr(t, err, accord.Conflict, "", "already accepted")
		if s := proposal(c.ID).Data.Session; s.Status != cases.SessionAccepted || !s.RemoteControl {
			t.Fatalf("second decision changed the session: %+v", s)
		}
		decisions := 0
		for _, e := range f.timeline(t, "agent", t0, c.ID) {
			if e.Kind == cases.RemoteSession && e.AuthorID == f.users["acme"].ID {
				decisions++
			}
		}
		if decisions != 1 {
			t.Fatalf("%d decision entries, want 1", decisions)
		}
		_, err = f.svc.DecideSession(f.as("acme"), at("2024-03-12 11:05"), c.ID, "ent_nonexistent", cases.SessionDecision{Accept: true})
		wantErr(t, err, accord.NotFound, "", "")
	})
}

// gatedStore is the real case store with a hook run after a timeline is
// read, when the context carries one: it holds a call between what the
// service reads before taking the case's lock and the lock itself, to
// replay an interleaving of concurrent requests deterministically.
type gatedStore struct{ cases.Store }

type afterReadKey struct{}

// afterRead returns ctx whose first read of a case or its timeline before
// the lock runs fn once read.
func afterRead(ctx context.Context, fn func()) context.Context {
	return context.WithValue(ctx, afterReadKey{}, sync.OnceFunc(fn))
}

func gate(ctx context.Context) {
	if fn, ok := ctx.Value(afterReadKey{}).(func()); ok {
		fn()
	}
}

func (g gatedStore) Entries(ctx context.Context, scope accord.Scope, id accord.ID, internal bool) ([]cases.Entry, error) {
	l, err := g.Store.Entries(ctx, scope, id, internal)
	gate(ctx)
	return l, err
}

func (g gatedStore) Get(ctx context.Context, scope accord.Scope, id accord.ID) (cases.Case, error) {
	c, err := g.Store.Get(ctx, scope, id)
	gate(ctx)
	return c, err
}

// gated is the fixture's cases service over the gated store.
func (f *fixture) gated() *cases.Service {
	return cases.NewService(gatedStore{store.NewCases(f.db, f.db.DataDir())}, f.policy, f.contracts, f.dir,
		cases.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType})
}

// Two answers to one proposal (two browser tabs): the second, whose request
// read the proposal before the first was recorded but reached the case
// after it, must be a Conflict, not a second decision.
func TestRemoteSessionDecidedOnceConcurrently(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		svc := f.gated()
		t0 := at("2024-03-12 10:00")
		c := f.openPortal(t, "acme", t0, incident(sla.C3, "Sessions drop"))
		if _, err := svc.ProposeSession(f.as("agent"), at("2024-03-12 10:30"), c.ID, cases.SessionProposal{StartsAt: at("2024-03-12 14:00")}); err != nil {
			t.Fatal(err)
		}
		var pid accord.ID
		for _, e := range f.timeline(t, "acme", t0, c.ID) {
			if e.Kind == cases.RemoteSession {
				pid = e.ID
			}
		}
		read, release := make(chan struct{}), make(chan struct{})
		second := make(chan error, 1)
		go func() {
			ctx := afterRead(f.as("acme"), func() { close(read); <-release })
			_, err := svc.DecideSession(ctx, at("2024-03-12 11:00"), c.ID, pid, cases.SessionDecision{Accept: false, Note: "second tab"})
			second <- err
		}()
		<-read // the second answer has read the proposal: still proposed
		if _, err := svc.DecideSession(f.as("acme"), at("2024-03-12 11:00"), c.ID, pid, cases.SessionDecision{Accept: true, RemoteControl: true}); err != nil {
			t.Fatal(err)
		}
		close(release)
		err := <-second
		decisions := f.count(t, `SELECT count(*) FROM case_entries WHERE case_id = $1 AND kind = 'remote_session' AND author_id = $2`, c.ID, f.users["acme"].ID)
		var s *cases.Session
		for _, e := range f.timeline(t, "acme", t0, c.ID) {
			if e.ID == pid {
				s = e.Data.Session
			}
		}
		if !accord.IsKind(err, accord.Conflict) || decisions != 1 || s.Status != cases.SessionAccepted || !s.RemoteControl {
			t.Fatalf("second answer: %v; %d decision entries; proposal now %s (remote control %v). Want a conflict, one decision, the proposal accepted with remote control",
				err, decisions, s.Status, s.RemoteControl)
		}
	})
}

// A resolution whose request read the timeline before another resolution
// opened the root-cause analysis, and reached the case after the customer
// reopened it, must not open a second analysis.
func TestRootCauseOnceUnderConcurrency(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		svc := f.gated()
		t0 := at("2024-03-12 10:00")
		c := f.openPhone(t, "acme", t0, sla.C2)
		read, release := make(chan struct{}), make(chan struct{})
		second := make(chan error, 1)
		go func() {
			ctx := afterRead(f.as("agent"), func() { close(read); <-release })
			_, err := svc.Resolve(ctx, at("2024-03-12 10:50"), c.ID, "Replaced the disk")
			second <- err
		}()
		<-read // the second resolution has read the case before its analysis
		if _, err := svc.Resolve(f.as("agent"), at("2024-03-12 10:45"), c.ID, "Failed over to the standby"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Reopen(f.as("acme"), at("2024-03-12 10:48"), c.ID, "It failed again"); err != nil {
			t.Fatal(err)
		}
		close(release)
		if err := <-second; err != nil {
			t.Fatalf("second resolution: %v", err)
		}
		rcas := f.count(t, `SELECT count(*) FROM cases WHERE parent_id = $1`, c.ID)
		links := f.count(t, `SELECT count(*) FROM case_entries WHERE case_id = $1 AND kind = 'linked'`, c.ID)
		if rcas != 1 || links != 1 {
			t.Fatalf("%d root-cause analyses and %d linked entries after resolve, reopen, resolve; want 1 each", rcas, links)
		}
	})
}

// Attachments: the type is sniffed, internal files stay internal, and the
// size is bounded.
func TestAttachments(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		t0 := at("2024-03-12 10:00")
		c := f.openPortal(t, "acme", t0, incident(sla.C3, "Broken screen"))
		png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 100)...)
		_, e, err := f.svc.Attach(f.as("acme"), at("2024-03-12 10:05"), c.ID, cases.NewFile{Name: `C:\Users\carla\screen.png`, Content: png})
		if err != nil {
			t.Fatal(err)
		}
		file := e.Data.File
		if e.Kind != cases.Attachment || e.Internal || file == nil || file.ContentType != "image/png" || file.Name != "screen.png" || file.Size != int64(len(png)) {
			t.Fatalf("attachment entry %+v file %+v, want a public image/png named screen.png", e, file)
		}
		got, content, err := f.svc.File(f.as("acme"), t0, c.ID, file.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ContentType != "image/png" || !bytes.Equal(content, png) || got.SHA256 != file.SHA256 {
			t.Fatalf("file %+v, content equal %v", got, bytes.Equal(content, png))
		}
		if _, _, err := f.svc.File(f.as("globex"), t0, c.ID, file.ID); !accord.IsKind(err, accord.NotFound) {
			t.Fatalf("another customer reads the file: %v, want not found", err)
		}

		_, internal, err := f.svc.Attach(f.as("agent"), at("2024-03-12 10:10"), c.ID, cases.NewFile{Name: "analysis.txt", Content: []byte("heap dump notes"), Internal: true})
		if err != nil {
			t.Fatal(err)
		}
		if !internal.Internal || internal.Data.File.ContentType != "text/plain; charset=utf-8" {
			t.Fatalf("internal attachment %+v", internal)
		}
		_, _, err = f.svc.File(f.as("acme"), t0, c.ID, internal.Data.File.ID)
		wantErr(t, err, accord.NotFound, "", "")
		if _, content, err := f.svc.File(f.as("agent"), t0, c.ID, internal.Data.File.ID); err != nil || string(content) != "heap dump notes" {
			t.Fatalf("agent reads the internal file: %q, %v", content, err)
		}
		if l := f.timeline(t, "acme", t0, c.ID); countKind(l, cases.Attachment) != 1 {
			t.Fatalf("customer timeline %v, want one attachment", kinds(l))
		}

		_, _, err = f.svc.Attach(f.as("acme"), t0, c.ID, cases.NewFile{Name: "big.bin", Content: make([]byte, 1<<20+1)})
		wantErr(t, err, accord.Invalid, "file", "at most 1 MiB")
		_, _, err = f.svc.Attach(f.as("acme"), t0, c.ID, cases.NewFile{Name: "empty.txt"})
		wantErr(t, err, accord.Invalid, "file", "empty")
		_, _, err = f.svc.Attach(f.as("acme"), t0, c.ID, cases.NewFile{Name: "x.txt", Content: []byte("x"), Internal: true})
		wantErr(t, err, accord.Invalid, "internal", "")
		if n := f.count(t, `SELECT count(*) FROM case_files WHERE case_id = $1`, c.ID); n != 2 {
			t.Fatalf("%d stored files, want 2", n)
		}
		// Exactly the limit is accepted.
		if _, e, err := f.svc.Attach(f.as("acme"), t0, c.ID, cases.NewFile{Name: "limit.bin", Content: make([]byte, 1<<20)}); err != nil || e.Data.File.Size != 1<<20 {
			t.Fatalf("a file of exactly 1 MiB: %v", err)
		}
	})
}

// A process that has just started (its policy cache empty) works cases
// opened by an earlier process: a job firing, or a reply, must not wait on
// the database connection its own transaction holds.
func TestChangeWithColdPolicyCache(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		t0 := at("2024-03-12 10:00")
		c := f.openPhone(t, "acme", t0, sla.C1)

		// A restart: new services over the same database.
		_, _, _, fresh := services(f.db)
		ctx, cancel := context.WithTimeout(sys, 5*time.Second)
		defer cancel()
		if err := fresh.Fire(ctx, t0.Add(2*time.Hour), cases.BreachTimer, c.ID); err != nil {
			t.Fatalf("the first job after a restart: %v", err)
		}
		if got := f.get(t, "agent", t0.Add(2*time.Hour), c.ID); !same(got.Clock.BreachedAt, t0.Add(2*time.Hour)) {
			t.Fatalf("breached %s, want 12:00", nyString(got.Clock.BreachedAt))
		}
	})
}

// A recorded breach is a fact: the scenario raises a phone case
// to C1, lets the C1 target pass, lowers it to C3, and the case stays
// breached under C1, whether the job recorded the breach before the
// lowering or the lowering finds it unrecorded.
func TestBreachStands(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		agent := f.as("agent")
		t0 := at("2024-03-12 10:00") // Tuesday; premium C3 by phone: 8h of support hours, due 18:00
		raise := cases.Reclassification{Criticality: sla.C1, Reason: "Production is down after all"}
		lower := cases.Reclassification{Criticality: sla.C3, Reason: "A workaround restored production"}
		for _, recordedByJob := range []bool{true, false} {
			c := f.openPhone(t, "acme", t0, sla.C3)
			raised, err := f.svc.Reclassify(agent, at("2024-03-12 11:00"), c.ID, raise)
			if err != nil {
				t.Fatal(err)
			}
			// Raised at 11:00: 30m around the clock from the reclassification.
			if !same(raised.Clock.DueAt, at("2024-03-12 11:30")) {
				t.Fatalf("raised: due %s, want 11:30", nyString(raised.Clock.DueAt))
			}
			if recordedByJob {
				if err := f.svc.Fire(sys, at("2024-03-12 11:40"), cases.BreachTimer, c.ID); err != nil {
					t.Fatal(err)
				}
			}
			lowered, err := f.svc.Reclassify(agent, at("2024-03-12 12:00"), c.ID, lower)
			if err != nil {
				t.Fatal(err)
			}
			breachedAt := at("2024-03-12 11:40")
			if !recordedByJob {
				breachedAt = at("2024-03-12 12:00")
			}
			k := lowered.Clock
			if !same(k.BreachedAt, breachedAt) || k.BreachCriticality != sla.C1 || !same(k.BreachDueAt, at("2024-03-12 11:30")) || !same(k.DueAt, at("2024-03-12 18:00")) {
				t.Fatalf("job %v: lowered: breached %s under %q missing %s, due %s; want breached at %s under C1 missing 11:30, due 18:00",
					recordedByJob, nyString(k.BreachedAt), k.BreachCriticality, nyString(k.BreachDueAt), nyString(k.DueAt), nyString(&breachedAt))
			}
			if st, margin := cases.StatusAt(lowered, at("2024-03-12 12:00")); st != cases.Breached || margin != -30*time.Minute {
				t.Fatalf("job %v: status %s %v after lowering, want breached by 30m", recordedByJob, st, margin)
			}
			if n := f.count(t, warnBreachJobs, c.ID); n != 0 {
				t.Fatalf("job %v: %d warning/breach jobs after the breach, want none", recordedByJob, n)
			}
			answered, err := f.svc.Reply(agent, at("2024-03-12 13:00"), c.ID, cases.NewReply{Body: "Restarted the vault"})
			if err != nil {
				t.Fatal(err)
			}
			if st, _ := cases.StatusAt(answered, at("2024-03-12 13:00")); st != cases.Breached {
				t.Fatalf("job %v: answered before the C3 due time: %s, want still breached", recordedByJob, st)
			}
			if err := f.svc.Fire(sys, at("2024-03-12 19:00"), cases.BreachTimer, c.ID); err != nil {
				t.Fatal(err)
			}
			l := f.timeline(t, "agent", at("2024-03-12 19:00"), c.ID)
			if n := countKind(l, cases.SLABreach); n != 1 {
				t.Fatalf("job %v: %d breach entries %v, want one", recordedByJob, n, kinds(l))
			}
			for _, e := range l {
				if e.Kind == cases.SLABreach && (!same(e.Data.DueAt, at("2024-03-12 11:30")) || !e.At.Equal(breachedAt) || !e.Internal) {
					t.Errorf("job %v: breach entry %+v, want internal, due 11:30, at %s", recordedByJob, e, nyString(&breachedAt))
				}
			}
			if h := f.get(t, "acme", at("2024-03-12 19:00"), c.ID).Reclassifications; len(h) != 2 ||
				h[0].From != sla.C3 || h[0].To != sla.C1 || !h[0].At.Equal(at("2024-03-12 11:00")) ||
				h[1].From != sla.C1 || h[1].To != sla.C3 || !h[1].At.Equal(at("2024-03-12 12:00")) {
				t.Fatalf("job %v: history %+v, want C3 -> C1 at 11:00, C1 -> C3 at 12:00", recordedByJob, h)
			}
		}
	})
}

// A raise counts the new target from the reclassification, but never moves
// the due instant later, and a criticality the case stood at before counts
// from when it first stood there: raising cannot buy time.
func TestRaiseCountsFromTheReclassification(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		agent := f.as("agent")
		t0 := at("2024-03-12 10:00")
		reclassify := func(c cases.Case, now string, to sla.Criticality) cases.Case {
			t.Helper()
			got, err := f.svc.Reclassify(agent, at(now), c.ID, cases.Reclassification{Criticality: to, Reason: "The impact changed"})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		for _, tc := range []struct {
			name  string
			open  sla.Criticality
			steps [][2]string // instant, criticality
			due   string
			// breached: the case is breached at the last step's instant.
			breached bool
		}{
			// C3 due 18:00; raised at 14:00: C1's 30m from 14:00.
			{"a raise counts from the reclassification", sla.C3, [][2]string{{"2024-03-12 14:00", "C1"}}, "2024-03-12 14:30", false},
			// C2 due 11:00; raised to C1 at 10:50: 11:20 would be later.
			{"a raise never moves the due instant later", sla.C2, [][2]string{{"2024-03-12 10:50", "C1"}}, "2024-03-12 11:00", false},
			// C3 due 18:00; raised at 17:45: C1's 18:15 would be later.
			{"the old target still binds", sla.C3, [][2]string{{"2024-03-12 17:45", "C1"}}, "2024-03-12 18:00", false},
			// C1 due 10:30; lowered to C3 at 10:10 (due 18:00), raised back
			// at 11:00: C1 counts from 10:00 again, so breached at once.
			{"a round trip brings the first deadline back", sla.C1, [][2]string{{"2024-03-12 10:10", "C3"}, {"2024-03-12 11:00", "C1"}}, "2024-03-12 10:30", true},
			// C1 lowered to C3 at 10:10 counts C3 from the original start.
			{"a lowering counts from the original start", sla.C1, [][2]string{{"2024-03-12 10:10", "C3"}}, "2024-03-12 18:00", false},
			// C4 (12h: due Wed 10:00) raised to C2 at 11:00 (1h: 12:00),
			// lowered to C3 at 11:30: C3 counts from 11:00, when the case
			// first stood at C3 or higher: 8h, due 19:00.
			{"a lowering after a raise counts from the raise", sla.C4, [][2]string{{"2024-03-12 11:00", "C2"}, {"2024-03-12 11:30", "C3"}}, "2024-03-12 19:00", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := f.openPhone(t, "acme", t0, tc.open)
				for _, s := range tc.steps {
					c = reclassify(c, s[0], sla.Criticality(s[1]))
				}
				last := at(tc.steps[len(tc.steps)-1][0])
				if !same(c.Clock.DueAt, at(tc.due)) {
					t.Fatalf("due %s, want %s", nyString(c.Clock.DueAt), tc.due)
				}
				if st, _ := cases.StatusAt(c, last); (st == cases.Breached) != tc.breached {
					t.Fatalf("status %s at the last step, want breached %v", st, tc.breached)
				}
				if j, ok := f.job(t, c.ID, cases.BreachTimer); !ok || !j.Equal(at(tc.due)) {
					t.Fatalf("breach job at %v (%v), want %s", j, ok, tc.due)
				}
			})
		}
	})
}

// A hold for the customer is public, with its reason, and is news to the
// customer (case.on_hold); it pauses the clock but does not close the case
// by itself.
func TestHoldIsVisible(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		c := f.openPortal(t, "globex", at("2024-03-12 10:00"), incident(sla.C3, "Slow reports"))
		const reason = "You asked us to wait for your maintenance window on Friday"
		held, err := f.svc.AwaitCustomer(f.as("agent"), at("2024-03-12 11:00"), c.ID, reason)
		if err != nil {
			t.Fatal(err)
		}
		if held.State != cases.AwaitingCustomer || held.AutoCloseAt != nil {
			t.Fatalf("held: state %s auto-close %s, want awaiting_customer without an auto-close", held.State, nyString(held.AutoCloseAt))
		}
		l := f.timeline(t, "globex", at("2024-03-12 11:00"), c.ID)
		last := l[len(l)-1]
		if last.Kind != cases.StateChanged || last.Internal || !last.Data.Hold || last.Data.Reason != reason || last.Data.To != string(cases.AwaitingCustomer) {
			t.Fatalf("the customer's last entry %+v, want the public hold with its reason", last)
		}
		if ev, ok := cases.EventOf(held, last); !ok || ev != cases.EventOnHold || !ev.Audience().Customer || ev.Audience().Vendor {
			t.Fatalf("the hold tells %q (%v), want case.on_hold to the customer", ev, ok)
		}
		if n := f.count(t, `SELECT count(*) FROM jobs WHERE subject_id = $1 AND kind = $2`, last.ID, cases.NotifyJob); n != 1 {
			t.Fatalf("%d notification jobs for the hold, want 1", n)
		}
		if _, ok := f.job(t, c.ID, cases.CloseTimer); ok {
			t.Fatal("a hold scheduled an auto-close")
		}
	})
}

// Auto-close by section 7.8, with the policy's numbers on its calendar
// (support-hours, Mon-Fri 08:00-20:00 New York): the closing entry says
// which rule closed the case and after how many business days; a hold the
// customer asked for is never closed by itself.
func TestAutoCloseRules(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		agent := f.as("agent")
		question := cases.NewCase{Type: cases.Question, Title: "How do I rotate keys?", Description: "Which command rotates SSH keys?"}
		for _, tc := range []struct {
			name   string
			wait   func(c cases.Case, now time.Time) error
			since  string
			closes string // "" for never
			reason string
			days   int
			text   string
		}{
			{"resolved, not confirmed", func(c cases.Case, now time.Time) error {
				_, err := f.svc.Resolve(agent, now, c.ID, "Use the rotation wizard")
				return err
			}, "2024-03-15 17:00", "2024-03-29 17:00", cases.ReasonAutoResolved, 10,
				"Closed automatically (support policy, section 7.8): resolved 10 business days ago without the customer's confirmation."},
			{"information requested, never given", func(c cases.Case, now time.Time) error {
				_, err := f.svc.Reply(agent, now, c.ID, cases.NewReply{Body: "Please send the gateway logs", RequestInformation: true})
				return err
			}, "2024-03-18 09:00", "2024-04-08 09:00", cases.ReasonAutoAwaiting, 15,
				"Closed automatically (support policy, section 7.8): the details or logs requested 15 business days ago did not arrive."},
			{"on hold at the customer's request", func(c cases.Case, now time.Time) error {
				_, err := f.svc.AwaitCustomer(agent, now, c.ID, "Waiting for your maintenance window")
				return err
			}, "2024-03-18 09:00", "", "", 0, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				since := at(tc.since)
				c := f.openPortal(t, "acme", since.Add(-30*time.Minute), question)
				if err := tc.wait(c, since); err != nil {
					t.Fatal(err)
				}
				j, ok := f.job(t, c.ID, cases.CloseTimer)
				if tc.closes == "" {
					// Not even 60 business days later.
					if err := f.svc.Fire(sys, since.AddDate(0, 3, 0), cases.CloseTimer, c.ID); err != nil {
						t.Fatal(err)
					}
					if got := f.get(t, "agent", since.AddDate(0, 3, 0), c.ID); ok || got.State == cases.Closed || got.AutoCloseAt != nil {
						t.Fatalf("job %v at %v; state %s auto-close %s: want no auto-close", ok, j, got.State, nyString(got.AutoCloseAt))
					}
					return
				}
				closes := at(tc.closes)
				if !ok || !j.Equal(closes) {
					t.Fatalf("auto-close job at %v (%v), want %s", j, ok, tc.closes)
				}
				if err := f.svc.Fire(sys, closes.Add(-time.Minute), cases.CloseTimer, c.ID); err != nil {
					t.Fatal(err)
				}
				if got := f.get(t, "agent", closes, c.ID); got.State == cases.Closed {
					t.Fatal("closed a minute early")
				}
				if err := f.svc.Fire(sys, closes, cases.CloseTimer, c.ID); err != nil {
					t.Fatal(err)
				}
				got := f.get(t, "acme", closes, c.ID)
				l := f.timeline(t, "acme", closes, c.ID)
				last := l[len(l)-1]
				if got.State != cases.Closed || got.CloseReason != tc.reason || last.Kind != cases.StateChanged || last.Internal ||
					last.Data.Reason != tc.reason || last.Data.Days != tc.days || last.Body != tc.text {
					t.Fatalf("state %s reason %q; the customer's last entry %+v; want closed for %s after %d days saying %q",
						got.State, got.CloseReason, last, tc.reason, tc.days, tc.text)
				}
				if ev, ok := cases.EventOf(got, last); !ok || ev != cases.EventAutoClosed {
					t.Fatalf("the closing tells %q (%v), want case.auto_closed", ev, ok)
				}
			})
		}
	})
}

// TestAgentActionsRefuseOthersFirst: who may act is checked before what
// was sent, so a customer (or an auditor) asking for an agent's action is
// refused for the role, 403, whatever the input; it used to learn the
// input's rules first (400 "reason is required", the out-of-scope
// categories). RecordCall already worked this way.
func TestAgentActionsRefuseOthersFirst(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		now := at("2024-03-12 10:00")
		c := f.openPortal(t, "acme", now, cases.NewCase{Type: cases.Question, Title: "Q", Description: "D"})
		for _, who := range []string{"acme", "auditor"} {
			for name, act := range map[string]func(context.Context) error{
				"reclassify": func(ctx context.Context) error {
					_, err := f.svc.Reclassify(ctx, now, c.ID, cases.Reclassification{})
					return err
				},
				"hold": func(ctx context.Context) error {
					_, err := f.svc.AwaitCustomer(ctx, now, c.ID, "")
					return err
				},
				"resolve": func(ctx context.Context) error {
					_, err := f.svc.Resolve(ctx, now, c.ID, "")
					return err
				},
				"session": func(ctx context.Context) error {
					_, err := f.svc.ProposeSession(ctx, now, c.ID, cases.SessionProposal{})
					return err
				},
				"out of scope": func(ctx context.Context) error {
					_, err := f.svc.MarkOutOfScope(ctx, now, c.ID, cases.OutOfScope{})
					return err
				},
			} {
				if err := act(f.as(who)); !accord.IsKind(err, accord.Forbidden) {
					t.Errorf("%s by %s with nothing filled in: %v, want forbidden", name, who, err)
				}
			}
		}
	})
}
