package engagements_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// fixture is the engagements service over a fresh database with: the
// vendor (admin, two agents, an auditor); a partner serving Globex with a
// certified agent; Acme on Premium with a contact; Globex on Advanced
// with a contact.
type fixture struct {
	svc       *engagements.Service
	cases     *cases.Service
	contracts *contracts.Service
	audit     *audit.Service
	orgs      map[string]directory.Organization
	users     map[string]directory.User
}

// t0 is Monday 9 November 2026, 10:00 in Sao Paulo: five working days
// later is Monday the 16th.
var t0 = sp("2026-11-09 10:00")

func newFixture(t *testing.T, open func(testing.TB) *store.DB) *fixture {
	t.Helper()
	db := open(t)
	f := &fixture{orgs: map[string]directory.Organization{}, users: map[string]directory.User{}}
	cfg := directory.DefaultConfig()
	cfg.Argon2 = directory.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}
	dir := directory.NewService(store.NewDirectory(db), cfg)
	policy := sla.NewService(store.NewPolicy(db))
	f.contracts = contracts.NewService(store.NewContracts(db), contracts.PolicyPlans{Policy: policy}, dir, contracts.DefaultConfig())
	f.cases = cases.NewService(store.NewCases(db, db.DataDir()), policy, f.contracts, dir, cases.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType})
	f.svc = engagements.NewService(store.NewEngagements(db), policy, f.contracts, dir, f.cases,
		engagements.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType, ContractZone: contracts.DefaultConfig().Zone, BaseURL: "https://desk.example"})
	f.audit = audit.NewService(store.NewAudit(db))
	admin := accord.WithActor(context.Background(), accord.SystemActor("fixture"))
	now := sp("2026-01-02 09:00")
	if _, err := policy.EnsureDefault(admin, now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.EnsureDefaultCatalog(admin, now); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		key  string
		kind directory.Kind
		name string
	}{{"vendor", directory.KindVendor, "Northwind"}, {"partner", directory.KindPartner, "Southwind"},
		{"acme", directory.KindCustomer, "Acme"}, {"globex", directory.KindCustomer, "Globex"}} {
		org, err := dir.CreateOrganization(admin, now, directory.NewOrganization{Kind: o.kind, Name: o.name})
		if err != nil {
			t.Fatal(err)
		}
		f.orgs[o.key] = org
	}
	if err := dir.LinkPartner(admin, now, f.orgs["partner"].ID, f.orgs["globex"].ID); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		key, org string
		role     accord.Role
	}{
		{"admin", "vendor", accord.RoleAdmin}, {"agent", "vendor", accord.RoleAgent}, {"agent2", "vendor", accord.RoleAgent},
		{"auditor", "vendor", accord.RoleAuditor}, {"partner", "partner", accord.RolePartnerAgent},
		{"acme", "acme", accord.RoleCustomerContact}, {"globex", "globex", accord.RoleCustomerContact},
	} {
		usr, err := dir.CreateUser(admin, now, directory.NewUser{OrgID: f.orgs[u.org].ID, Email: u.key + "@" + u.org + ".example",
			Name: "User " + u.key, Role: u.role, AuthorizedContact: u.role == accord.RoleCustomerContact, Password: "a long test passphrase"})
		if err != nil {
			t.Fatalf("user %s: %v", u.key, err)
		}
		f.users[u.key] = usr
	}
	if _, err := dir.CreateCertification(admin, now, f.users["partner"].ID, directory.NewCertification{
		Name: "Core", Number: "C-1", ValidFrom: "2026-01-01", ValidUntil: "2027-12-31"}); err != nil {
		t.Fatal(err)
	}
	for _, in := range []contracts.NewContract{
		{OrgID: f.orgs["acme"].ID, Plan: "premium", SignedOn: "2026-01-01", Years: 1},
		{OrgID: f.orgs["globex"].ID, PartnerID: f.orgs["partner"].ID, Plan: "advanced", SignedOn: "2026-01-01", Years: 1},
	} {
		if _, err := f.contracts.Create(admin, now, in); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) as(key string) context.Context {
	u, ok := f.users[key]
	if !ok {
		panic("no user " + key)
	}
	return accord.WithActor(context.Background(), accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name})
}

// must(call())(t) is call's value, or the test's end with its error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantKind(t *testing.T, err error, kind accord.Kind) {
	t.Helper()
	if !accord.IsKind(err, kind) {
		t.Fatalf("got %v, want %s", err, kind)
	}
}

// accepted takes an engagement from request to accepted quote.
func (f *fixture) accepted(t *testing.T, customer, quoter string, in engagements.RequestInput, hours int) engagements.Engagement {
	t.Helper()
	e := must(f.svc.Request(f.as(customer), t0, in))(t)
	must(f.svc.Quote(f.as(quoter), t0, e.ID, engagements.QuoteInput{Hours: hours}))(t)
	return must(f.svc.Accept(f.as(customer), t0, e.ID))(t)
}

func TestEngagements(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		t.Run("steps by party", func(t *testing.T) { testStepsByParty(t, newFixture(t, open)) })
		t.Run("entitlement consumed exactly once", func(t *testing.T) { testEntitlementOnce(t, newFixture(t, open)) })
		t.Run("double booking", func(t *testing.T) { testDoubleBooking(t, newFixture(t, open)) })
		t.Run("lead time from prerequisites", func(t *testing.T) { testPrerequisites(t, newFixture(t, open)) })
		t.Run("lifecycle rules", func(t *testing.T) { testLifecycle(t, newFixture(t, open)) })
		t.Run("from an out-of-scope case", func(t *testing.T) { testFromCase(t, newFixture(t, open)) })
		t.Run("calendar feeds", func(t *testing.T) { testFeeds(t, newFixture(t, open)) })
		t.Run("premium's inclusions where they are used", func(t *testing.T) { testInclusions(t, newFixture(t, open)) })
		t.Run("execution waits for the first session's day", func(t *testing.T) { testExecutionDay(t, newFixture(t, open)) })
	})
}

// A step is completed by a user of one of its parties: the customer's
// steps only by the customer's contacts, the provider's by the reseller
// that delivers or the vendor, a vendor-only step by the vendor.
func testStepsByParty(t *testing.T, f *fixture) {
	// Globex's partner requests an HA/DR test in production and delivers it.
	e := must(f.svc.Request(f.as("partner"), t0, engagements.RequestInput{OrgID: f.orgs["globex"].ID, Service: "ha_dr_test", Format: "production", Scope: "Yearly DR test"}))(t)
	if e.Provider != engagements.Reseller || e.ResellerID != f.orgs["partner"].ID {
		t.Fatalf("provider %s reseller %s, want the partner delivering", e.Provider, e.ResellerID)
	}
	must(f.svc.Quote(f.as("partner"), t0, e.ID, engagements.QuoteInput{Hours: 4}))(t)
	must(f.svc.Accept(f.as("globex"), t0, e.ID))(t)
	e = must(f.svc.Schedule(f.as("partner"), t0, e.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{
		{EngineerID: f.users["partner"].ID, Start: sp("2026-11-16 09:00"), End: sp("2026-11-16 13:00")}}}))(t)
	byParties := func(ps ...engagements.Party) int {
		for _, st := range e.Steps {
			if slices.Equal(st.Parties, ps) && st.DoneAt == nil {
				return st.Position
			}
		}
		t.Fatalf("no open step for %v in %+v", ps, e.Steps)
		return 0
	}
	customerStep := byParties(engagements.Customer)
	for _, tc := range []struct {
		who  string
		step int
		want accord.Kind // "" for allowed
	}{
		{"partner", customerStep, accord.Forbidden},
		{"agent", customerStep, accord.Forbidden},
		{"auditor", customerStep, accord.Forbidden},
		{"acme", customerStep, accord.NotFound},
		{"globex", customerStep, ""},
		{"globex", customerStep, accord.Conflict}, // done already
		{"globex", byParties(engagements.Reseller, engagements.Vendor), accord.Forbidden},
		{"partner", byParties(engagements.Reseller, engagements.Vendor), ""},
		{"agent", byParties(engagements.Customer, engagements.Reseller, engagements.Vendor), ""},
	} {
		got, err := f.svc.CompleteStep(f.as(tc.who), sp("2026-11-16 09:00"), e.ID, tc.step, engagements.StepInput{Note: "done by " + tc.who})
		if tc.want != "" {
			if !accord.IsKind(err, tc.want) {
				t.Errorf("%s completing step %d: %v, want %s", tc.who, tc.step, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s completing step %d: %v", tc.who, tc.step, err)
		}
		st := got.Steps[tc.step-1]
		if st.DoneAt == nil || st.DoneByID != f.users[tc.who].ID || st.Note != "done by "+tc.who {
			t.Errorf("step %d after %s: %+v", tc.step, tc.who, st)
		}
		e = got
	}
	// A vendor-only step: the partner may not complete it even for its
	// customer. The restore test is delivered by the vendor.
	r := f.accepted(t, "globex", "agent", engagements.RequestInput{Service: "restore_test", Scope: "Restore last night's backup"}, 4)
	vendorOnly := slices.IndexFunc(r.Steps, func(st engagements.Step) bool {
		return slices.Equal(st.Parties, []engagements.Party{engagements.Vendor})
	})
	if vendorOnly < 0 {
		t.Fatalf("the restore test has no vendor-only step: %+v", r.Steps)
	}
	_, err := f.svc.CompleteStep(f.as("partner"), t0, r.ID, r.Steps[vendorOnly].Position, engagements.StepInput{})
	wantKind(t, err, accord.Forbidden) // the partner serves Globex but is not on this engagement
	// Evidence: the file is stored with the step and reads back.
	pos := 0
	for _, st := range r.Steps {
		if st.DoneAt == nil && slices.Contains(st.Parties, engagements.Customer) {
			pos = st.Position
			break
		}
	}
	content := []byte("%PDF-1.4 evidence")
	got := must(f.svc.CompleteStep(f.as("globex"), t0, r.ID, pos, engagements.StepInput{Note: "instance up at 10.0.0.9", File: &engagements.NewFile{Name: `C:\tmp\ip.pdf`, Content: content}}))(t)
	file := got.Steps[pos-1].File
	if file == nil || file.Name != "ip.pdf" || file.ContentType != "application/pdf" {
		t.Fatalf("file %+v", file)
	}
	desc, body, err := f.svc.File(f.as("globex"), t0, r.ID, file.ID)
	if err != nil || !bytes.Equal(body, content) || desc.SHA256 != file.SHA256 {
		t.Fatalf("file back: %+v %q %v", desc, body, err)
	}
	_, _, err = f.svc.File(f.as("acme"), t0, r.ID, file.ID)
	wantKind(t, err, accord.NotFound)
}

// Accepting a quote that a Premium entitlement pays for consumes it once,
// however many acceptances race; cancelling gives it back.
func testEntitlementOnce(t *testing.T, f *fixture) {
	e := must(f.svc.Request(f.as("acme"), t0, engagements.RequestInput{Service: "assisted_update", Scope: "Upgrade to 4.3"}))(t)
	q := must(f.svc.Quote(f.as("agent"), t0, e.ID, engagements.QuoteInput{Hours: 8, OutOfHours: true}))(t)
	if q.Quote.Coverage == nil || q.Quote.TotalCents != 0 || q.Quote.Coverage.Key != "assisted_upgrade" {
		t.Fatalf("quote %+v, want the upgrade covered", q.Quote)
	}
	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = f.svc.Accept(f.as("acme"), t0, e.ID)
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !accord.IsKind(err, accord.Conflict):
			t.Errorf("a racing acceptance failed with %v, want Conflict", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d acceptances succeeded, want 1", ok)
	}
	entID := q.Quote.Coverage.EntitlementID
	uses := func() []contracts.Consumption {
		return must(f.contracts.Consumptions(f.as("admin"), t0, entID))(t)
	}
	contract := must(f.contracts.ActiveContract(f.as("admin"), t0, f.orgs["acme"].ID))(t)
	left := func() int {
		for _, en := range must(f.contracts.Entitlements(f.as("admin"), t0, contract.ID, 0))(t) {
			if en.ID == entID {
				return en.Left
			}
		}
		t.Fatal("entitlement gone")
		return 0
	}
	if u := uses(); len(u) != 1 || u[0].Quantity != 1 || u[0].RecordType != "engagement" || u[0].RecordID != string(e.ID) {
		t.Fatalf("uses %+v, want one use by the engagement", u)
	}
	if l := left(); l != 0 {
		t.Fatalf("%d upgrades left, want 0", l)
	}
	// The year's upgrade is taken: the next one is paid.
	e2 := must(f.svc.Request(f.as("acme"), t0, engagements.RequestInput{Service: "assisted_update", Scope: "Another upgrade"}))(t)
	q2 := must(f.svc.Quote(f.as("agent"), t0, e2.ID, engagements.QuoteInput{Hours: 6}))(t)
	if q2.Quote.Coverage != nil || q2.Quote.TotalCents != 6*45000 {
		t.Fatalf("second quote %+v, want 6 paid hours", q2.Quote)
	}
	// Cancelling gives the upgrade back, once.
	must(f.svc.Cancel(f.as("acme"), t0.Add(time.Hour), e.ID, engagements.CancelInput{Reason: "postponed to next year"}))(t)
	_, err := f.svc.Cancel(f.as("acme"), t0.Add(time.Hour), e.ID, engagements.CancelInput{Reason: "again"})
	wantKind(t, err, accord.Conflict)
	if u := uses(); len(u) != 2 || u[1].Quantity != -1 {
		t.Fatalf("uses after cancel %+v, want the use and its release", u)
	}
	if l := left(); l != 1 {
		t.Fatalf("%d upgrades left after cancelling, want 1", l)
	}
}

// Two bookings of one engineer at the same time on different engagements,
// at once: one wins, the other is told when the engineer is free.
func testDoubleBooking(t *testing.T, f *fixture) {
	a := f.accepted(t, "acme", "agent", engagements.RequestInput{Service: "user_training", Scope: "Train the admins' assistants"}, 2)
	b := f.accepted(t, "globex", "agent", engagements.RequestInput{Service: "user_training", Scope: "Train the help desk"}, 2)
	slot := engagements.SessionInput{EngineerID: f.users["agent"].ID, Start: sp("2026-11-17 09:00"), End: sp("2026-11-17 11:00")}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, id := range []accord.ID{a.ID, b.ID} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = f.svc.Schedule(f.as("agent"), t0, id, engagements.ScheduleInput{Sessions: []engagements.SessionInput{slot}})
		}()
	}
	close(start)
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("errors %v, want exactly one booking to fail", errs)
	}
	lost, loser := errs[0], a.ID
	if lost == nil {
		lost, loser = errs[1], b.ID
	}
	var ae *accord.Error
	if !accord.IsKind(lost, accord.Conflict) || !asError(lost, &ae) || !strings.Contains(ae.Msg, slot.End.UTC().Format(time.RFC3339)) {
		t.Fatalf("the losing booking: %v, want Conflict naming %s", lost, slot.End.UTC().Format(time.RFC3339))
	}
	// Another engineer is free at that time.
	other := slot
	other.EngineerID = f.users["agent2"].ID
	must(f.svc.Schedule(f.as("agent"), t0, loser, engagements.ScheduleInput{Sessions: []engagements.SessionInput{other}}))(t)
	// Engineers are the provider's: a customer is not.
	_, err := f.svc.Schedule(f.as("agent"), t0, a.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{{EngineerID: f.users["acme"].ID, Start: slot.Start, End: slot.End}}})
	wantKind(t, err, accord.Invalid)
}

// Device registration counts its lead time from the worksheet: sessions
// wait for the customer's step, and then five working days.
func testPrerequisites(t *testing.T, f *fixture) {
	e := f.accepted(t, "acme", "agent", engagements.RequestInput{Service: "device_registration", Scope: "Import 400 servers"}, 4)
	if e.EarliestStart != nil {
		t.Fatalf("earliest start %v before the worksheet, want none", e.EarliestStart)
	}
	_, err := f.svc.Schedule(f.as("agent"), t0, e.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{
		{EngineerID: f.users["agent"].ID, Start: sp("2026-11-30 09:00"), End: sp("2026-11-30 13:00")}}})
	var ae *accord.Error
	if !accord.IsKind(err, accord.Unprocessable) || !asError(err, &ae) || !strings.Contains(ae.Msg, "customer") {
		t.Fatalf("scheduling before the worksheet: %v, want Unprocessable naming the customer's step", err)
	}
	var pre int
	for _, st := range e.Steps {
		if st.BeforeScheduling {
			pre = st.Position
		}
	}
	// The worksheet arrives on Wednesday the 18th: Friday the 20th is a
	// holiday, so the fifth working day is Thursday the 26th.
	e = must(f.svc.CompleteStep(f.as("acme"), sp("2026-11-18 15:00"), e.ID, pre, engagements.StepInput{Note: "worksheet attached"}))(t)
	if want := sp("2026-11-26 08:00"); e.EarliestStart == nil || !e.EarliestStart.Equal(want) {
		t.Fatalf("earliest start %v, want %s", e.EarliestStart, want)
	}
	must(f.svc.Schedule(f.as("agent"), sp("2026-11-18 16:00"), e.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{
		{EngineerID: f.users["agent"].ID, Start: sp("2026-11-26 08:00"), End: sp("2026-11-26 12:00")}}}))(t)
}

// The lifecycle moves only forward, each move by its side.
func testLifecycle(t *testing.T, f *fixture) {
	e := must(f.svc.Request(f.as("acme"), t0, engagements.RequestInput{Service: "ha_dr_test", Format: "segregated_clone", Scope: "DR rehearsal"}))(t)
	_, err := f.svc.Accept(f.as("acme"), t0, e.ID)
	wantKind(t, err, accord.Conflict)
	_, err = f.svc.Quote(f.as("acme"), t0, e.ID, engagements.QuoteInput{Hours: 4})
	wantKind(t, err, accord.Forbidden)
	_, err = f.svc.Quote(f.as("agent"), t0, e.ID, engagements.QuoteInput{Hours: 3})
	wantKind(t, err, accord.Invalid)
	must(f.svc.Quote(f.as("agent"), t0, e.ID, engagements.QuoteInput{Hours: 4}))(t)
	_, err = f.svc.Accept(f.as("agent"), t0, e.ID)
	wantKind(t, err, accord.Forbidden)
	e = must(f.svc.Accept(f.as("acme"), t0, e.ID))(t)
	if want := sp("2026-11-16 08:00"); !e.EarliestStart.Equal(want) {
		t.Fatalf("earliest %v, want %v", e.EarliestStart, want)
	}
	e = must(f.svc.Schedule(f.as("agent"), t0, e.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{
		{EngineerID: f.users["agent"].ID, Start: sp("2026-11-16 08:00"), End: sp("2026-11-16 12:00")}}}))(t)
	if e.State != engagements.Scheduled {
		t.Fatalf("state %s", e.State)
	}
	during := sp("2026-11-16 09:00")
	must(f.svc.Start(f.as("agent"), during, e.ID))(t)
	_, err = f.svc.Complete(f.as("agent"), during, e.ID)
	wantKind(t, err, accord.Unprocessable) // steps are open
	for _, st := range e.Steps {
		who := "agent"
		if slices.Contains(st.Parties, engagements.Customer) && !slices.Contains(st.Parties, engagements.Vendor) {
			who = "acme"
		}
		must(f.svc.CompleteStep(f.as(who), during, e.ID, st.Position, engagements.StepInput{}))(t)
	}
	_, err = f.svc.Complete(f.as("agent"), during, e.ID)
	wantKind(t, err, accord.Unprocessable) // no outcome yet
	_, err = f.svc.RecordOutcome(f.as("acme"), during, e.ID, engagements.OutcomeInput{FailureAt: ptrTime(sp("2026-11-16 08:30")), RestoredAt: ptrTime(sp("2026-11-16 08:41")), RTOObjectiveMinutes: minutes(15)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Complete(f.as("agent"), during, e.ID)
	wantKind(t, err, accord.Unprocessable) // the RPO is measured too
	e = must(f.svc.RecordOutcome(f.as("agent"), during, e.ID, engagements.OutcomeInput{FailureAt: ptrTime(sp("2026-11-16 08:30")), RestoredAt: ptrTime(sp("2026-11-16 08:41")),
		DataPointAt: ptrTime(sp("2026-11-16 08:25")), RTOObjectiveMinutes: minutes(15), RPOObjectiveMinutes: minutes(1)}))(t)
	if e.Outcome.RTO.Seconds != 11*60 || !*e.Outcome.RTO.Met || e.Outcome.RPO.Seconds != 5*60 || *e.Outcome.RPO.Met {
		t.Fatalf("outcome %+v %+v", e.Outcome.RTO, e.Outcome.RPO)
	}
	_, err = f.svc.SignOff(f.as("acme"), during, e.ID, engagements.SignOffInput{})
	wantKind(t, err, accord.Conflict)
	must(f.svc.Complete(f.as("agent"), during, e.ID))(t)
	_, err = f.svc.SignOff(f.as("agent"), during, e.ID, engagements.SignOffInput{})
	wantKind(t, err, accord.Forbidden)
	_, err = f.svc.Cancel(f.as("acme"), during, e.ID, engagements.CancelInput{Reason: "too late"})
	wantKind(t, err, accord.Conflict)
	e = must(f.svc.SignOff(f.as("acme"), during, e.ID, engagements.SignOffInput{Note: "Report accepted by the CISO"}))(t)
	if e.State != engagements.SignedOff || len(e.Waiting) != 0 {
		t.Fatalf("state %s waiting %+v", e.State, e.Waiting)
	}
	r := must(f.svc.Report(f.as("acme"), during, e.ID, "en-US"))(t)
	if r.Verdict != "missed" || r.Customer != "Acme" {
		t.Fatalf("report verdict %q customer %q", r.Verdict, r.Customer)
	}
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"11m", "5m", "missed", "Report accepted by the CISO", "Mon 2026-11-16 08:30 -03"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the report page lacks %q", want)
		}
	}
	// Every change is in the customer's audit trail.
	acme := f.orgs["acme"].ID
	evs, _, err := f.audit.List(f.as("admin"), audit.Filter{OrgID: &acme, EntityID: &e.ID}, accord.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	for _, want := range []string{"engagement.request", "engagement.quote", "engagement.accept", "engagement.schedule", "engagement.start",
		"engagement.step", "engagement.outcome", "engagement.complete", "engagement.sign_off"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit trail %v lacks %s", actions, want)
		}
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// A case the vendor marked out of scope becomes a request for the service
// it points to.
func testFromCase(t *testing.T, f *fixture) {
	c, err := f.cases.Open(f.as("acme"), t0, cases.NewCase{Type: cases.Question, Title: "Please upgrade us to 4.3", Description: "We would like help moving from 4.2 to 4.3.",
		Details: cases.Details{Criticality: sla.C4}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.cases.MarkOutOfScope(f.as("agent"), t0, c.ID, cases.OutOfScope{Category: "upgrade", Note: "an assisted update covers this"}); err != nil {
		t.Fatal(err)
	}
	e := must(f.svc.Request(f.as("acme"), t0, engagements.RequestInput{CaseID: c.ID}))(t)
	if e.Service != "assisted_update" || e.CaseID != c.ID || !strings.Contains(e.Scope, "Please upgrade us to 4.3") {
		t.Fatalf("engagement %+v", e)
	}
	_, err = f.svc.Request(f.as("globex"), t0, engagements.RequestInput{CaseID: c.ID, Service: "assisted_update"})
	var ae *accord.Error
	if !asError(err, &ae) || ae.Field != "case_id" {
		t.Fatalf("another customer's case: %v", err)
	}
}

// Feeds list the sessions of an engineer or of a customer, parse back as
// iCalendar, and stop working when rotated.
func testFeeds(t *testing.T, f *fixture) {
	e := f.accepted(t, "acme", "agent", engagements.RequestInput{Service: "health_check", Scope: "Review our vault"}, 4)
	must(f.svc.Schedule(f.as("agent"), t0, e.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{
		{EngineerID: f.users["agent"].ID, Start: sp("2026-11-16 09:00"), End: sp("2026-11-16 13:00"), OnSite: true, Location: "Acme HQ, Campinas"},
		{EngineerID: f.users["agent2"].ID, Start: sp("2026-11-17 14:00"), End: sp("2026-11-17 18:00")}}}))(t)
	feed := func(who string) (string, []*ics.VEvent) {
		_, secret, err := f.svc.RotateFeed(f.as(who), t0)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.svc.Calendar(context.Background(), t0, secret, &buf); err != nil {
			t.Fatal(err)
		}
		cal, err := ics.ParseCalendar(strings.NewReader(buf.String()))
		if err != nil {
			t.Fatalf("the feed does not parse: %v\n%s", err, buf.String())
		}
		return secret, cal.Events()
	}
	secret, evs := feed("agent")
	if len(evs) != 1 {
		t.Fatalf("engineer feed has %d events, want 1", len(evs))
	}
	start, _ := evs[0].GetStartAt()
	end, _ := evs[0].GetEndAt()
	if !start.Equal(sp("2026-11-16 09:00")) || !end.Equal(sp("2026-11-16 13:00")) {
		t.Errorf("event %s..%s", start, end)
	}
	for prop, want := range map[ics.ComponentProperty]string{ics.ComponentPropertySummary: "Health check", ics.ComponentPropertyLocation: "Acme HQ, Campinas",
		ics.ComponentPropertyStatus: "CONFIRMED", ics.ComponentPropertyUrl: "https://desk.example/engagements/" + string(e.ID)} {
		if p := evs[0].GetProperty(prop); p == nil || !strings.Contains(p.Value, want) {
			t.Errorf("%s = %v, want %q in it", prop, p, want)
		}
	}
	if _, evs := feed("acme"); len(evs) != 2 {
		t.Errorf("customer feed has %d events, want both sessions", len(evs))
	}
	if _, evs := feed("globex"); len(evs) != 0 {
		t.Errorf("another customer's feed has %d events", len(evs))
	}
	// The services calendar: the sessions of a period, in the reader's scope.
	for who, want := range map[string]int{"agent": 2, "auditor": 2, "acme": 2, "globex": 0, "partner": 0} {
		l, err := f.svc.Sessions(f.as(who), t0, sp("2026-11-16 00:00"), sp("2026-11-18 00:00"))
		if err != nil || len(l) != want {
			t.Errorf("%s sees %d sessions (%v), want %d", who, len(l), err, want)
		}
	}
	if l := must(f.svc.Sessions(f.as("acme"), t0, sp("2026-11-16 10:00"), sp("2026-11-17 14:00")))(t); len(l) != 0 {
		t.Errorf("sessions starting outside the period are listed: %v", l)
	}
	if l := must(f.svc.Sessions(f.as("acme"), t0, sp("2026-11-17 00:00"), sp("2026-11-17 14:01")))(t); len(l) != 1 || l[0].EngineerID != f.users["agent2"].ID {
		t.Errorf("the 17th's session: %v", l)
	}
	// Rotating kills the old secret.
	newSecret, _ := feed("agent")
	wantKind(t, f.svc.Calendar(context.Background(), t0, secret, &bytes.Buffer{}), accord.NotFound)
	// A cancelled engagement's sessions stay in the feed as cancelled.
	must(f.svc.Cancel(f.as("acme"), t0, e.ID, engagements.CancelInput{Reason: "budget"}))(t)
	var buf bytes.Buffer
	if err := f.svc.Calendar(context.Background(), t0, newSecret, &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "STATUS:CANCELLED") {
		t.Errorf("cancelled session not marked:\n%s", buf.String())
	}
}

// wantField fails unless err is of kind on field.
func wantField(t *testing.T, err error, kind accord.Kind, field string) *accord.Error {
	t.Helper()
	var ae *accord.Error
	if !accord.IsKind(err, kind) || !asError(err, &ae) || ae.Field != field {
		t.Fatalf("got %v, want %s on %s", err, kind, field)
	}
	return ae
}

// lastChange is the change to field in the engagement's newest event.
func (f *fixture) lastChange(t *testing.T, e engagements.Engagement, field string) (audit.Change, bool) {
	t.Helper()
	evs, _, err := f.audit.List(f.as("admin"), audit.Filter{OrgID: &e.OrgID, EntityID: &e.ID}, accord.Page{Limit: 100})
	if err != nil || len(evs) == 0 {
		t.Fatalf("events: %v %v", evs, err)
	}
	newest := slices.MaxFunc(evs, func(a, b audit.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, c := range newest.Changes {
		if c.Field == field {
			return c, true
		}
	}
	return audit.Change{}, false
}

// Premium's inclusions are checked where they are used (section 5.1): the
// ransomware response is two engineers for two days; the hours booked
// cover the hours quoted, or the provider says why not; an on-site quote
// is worked on site.
func testInclusions(t *testing.T, f *fixture) {
	// Acme is on Premium: its 32 engineer-hours pay for the response, and
	// there is no lead time.
	e := f.accepted(t, "acme", "agent", engagements.RequestInput{Service: "ransomware_response", Scope: "The vault was encrypted overnight"}, 32)
	if e.Quote.Coverage == nil || e.Quote.Coverage.Quantity != 32 || e.Quote.TotalCents != 0 {
		t.Fatalf("quote %+v, want the 32 hours covered", e.Quote)
	}
	at := func(who, date, from, to string) engagements.SessionInput {
		return engagements.SessionInput{EngineerID: f.users[who].ID, Start: sp(date + " " + from), End: sp(date + " " + to)}
	}
	day := func(who, date string) engagements.SessionInput { return at(who, date, "09:00", "17:00") }
	const tue, wed = "2026-11-10", "2026-11-11"
	for _, tc := range []struct {
		name     string
		sessions []engagements.SessionInput
	}{
		{"one engineer on two days", []engagements.SessionInput{day("agent", tue), day("agent", wed)}},
		{"the same engineer twice on a day", []engagements.SessionInput{at("agent", tue, "08:00", "12:00"), at("agent", tue, "13:00", "17:00"), day("agent", wed), day("agent2", wed)}},
		{"two engineers on one day", []engagements.SessionInput{day("agent", tue), day("agent2", tue)}},
	} {
		_, err := f.svc.Schedule(f.as("agent"), t0, e.ID, engagements.ScheduleInput{Sessions: tc.sessions})
		ae := wantField(t, err, accord.Invalid, "sessions")
		if !strings.Contains(ae.Msg, "2 engineers on each of 2 days") {
			t.Errorf("%s: %q does not say the rule", tc.name, ae.Msg)
		}
	}
	e = must(f.svc.Schedule(f.as("agent"), t0, e.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{
		day("agent", tue), day("agent2", tue), day("agent", wed), day("agent2", wed)}}))(t)
	if e.State != engagements.Scheduled || len(e.Sessions) != 4 || e.HoursShortfall != nil {
		t.Fatalf("two engineers for two days: %s %+v %+v", e.State, e.Sessions, e.HoursShortfall)
	}

	// Globex's assisted update, 6 hours quoted: 4 booked are refused
	// unless the provider says why; the reason is kept and audited.
	u := f.accepted(t, "globex", "agent", engagements.RequestInput{Service: "assisted_update", Scope: "Update to 4.3"}, 6)
	short := []engagements.SessionInput{at("agent", "2026-11-16", "09:00", "13:00")}
	for _, reason := range []string{"", "   "} {
		_, err := f.svc.Schedule(f.as("agent"), t0, u.ID, engagements.ScheduleInput{Sessions: short, HoursShortfallReason: reason})
		ae := wantField(t, err, accord.Invalid, "sessions")
		if !strings.Contains(ae.Msg, "4 hours, less than the 6 hours quoted") {
			t.Errorf("%q does not say the hours", ae.Msg)
		}
	}
	const why = "The customer opened the mirrors ahead; the snapshots take less than planned"
	u = must(f.svc.Schedule(f.as("agent"), t0, u.ID, engagements.ScheduleInput{Sessions: short, HoursShortfallReason: " " + why + " "}))(t)
	want := engagements.Shortfall{QuotedHours: 6, BookedMinutes: 240, Reason: why, ConfirmedAt: t0.UTC(), ConfirmedByID: f.users["agent"].ID, ConfirmedBy: "User agent"}
	if got := must(f.svc.Get(f.as("globex"), t0, u.ID))(t).HoursShortfall; got == nil || *got != want {
		t.Fatalf("the customer reads the shortfall %+v, want %+v", got, want)
	}
	if c, ok := f.lastChange(t, u, "hours_shortfall"); !ok || c.Before != nil || !strings.Contains(fmt.Sprint(c.After), why) {
		t.Errorf("the schedule's event records %+v", c)
	}
	_, err := f.svc.Schedule(f.as("agent"), t0, u.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{at("agent", "2026-11-16", "09:00", "15:00")},
		HoursShortfallReason: why})
	wantField(t, err, accord.Invalid, "hours_shortfall_reason")
	u = must(f.svc.Schedule(f.as("agent"), t0, u.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{at("agent", "2026-11-16", "09:00", "15:00")}}))(t)
	if u.HoursShortfall != nil {
		t.Errorf("the hours are covered, yet the shortfall stays: %+v", u.HoursShortfall)
	}
	if c, ok := f.lastChange(t, u, "hours_shortfall"); !ok || c.After != nil {
		t.Errorf("clearing the shortfall is not audited: %+v", c)
	}

	// An on-site quote is not worked remotely only.
	h := must(f.svc.Request(f.as("acme"), t0, engagements.RequestInput{Service: "health_check", Scope: "Review our vault"}))(t)
	must(f.svc.Quote(f.as("agent"), t0, h.ID, engagements.QuoteInput{Hours: 4, OnSite: true}))(t)
	must(f.svc.Accept(f.as("acme"), t0, h.ID))(t)
	remote := []engagements.SessionInput{at("agent", "2026-11-17", "09:00", "11:00"), at("agent", "2026-11-17", "13:00", "15:00")}
	_, err = f.svc.Schedule(f.as("agent"), t0, h.ID, engagements.ScheduleInput{Sessions: remote})
	wantField(t, err, accord.Invalid, "sessions")
	remote[1].OnSite, remote[1].Location = true, "Acme HQ"
	must(f.svc.Schedule(f.as("agent"), t0, h.ID, engagements.ScheduleInput{Sessions: remote}))(t)
}

// The execution of an engagement (its start, and the steps not marked as
// preparation) waits for the day of its first session on the services
// calendar; preparation (agreeing the date) does not.
func testExecutionDay(t *testing.T, f *fixture) {
	// Accepted on Monday the 9th: the lead time allows Monday the 16th.
	e := f.accepted(t, "acme", "agent", engagements.RequestInput{Service: "ha_dr_test", Format: "production", Scope: "DR test"}, 4)
	if !e.Steps[0].Preparation || e.Steps[1].Preparation || e.Steps[2].Preparation {
		t.Fatalf("steps %+v, want only agreeing the date as preparation", e.Steps)
	}
	_, err := f.svc.CompleteStep(f.as("agent"), t0, e.ID, 3, engagements.StepInput{})
	ae := wantField(t, err, accord.Conflict, "sessions")
	if !strings.Contains(ae.Msg, "no session is booked") {
		t.Errorf("%q does not say why", ae.Msg)
	}
	must(f.svc.CompleteStep(f.as("acme"), t0, e.ID, 1, engagements.StepInput{Note: "Tuesday the 17th, 09:00"}))(t)
	e = must(f.svc.Schedule(f.as("agent"), t0, e.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{
		{EngineerID: f.users["agent"].ID, Start: sp("2026-11-17 09:00"), End: sp("2026-11-17 13:00")}}}))(t)
	for _, tc := range []struct {
		name string
		at   string
		act  func(time.Time) error
	}{
		{"start the day before", "2026-11-16 17:59", func(at time.Time) error {
			_, err := f.svc.Start(f.as("agent"), at, e.ID)
			return err
		}},
		{"the customer's shutdown a minute before the day", "2026-11-16 23:59", func(at time.Time) error {
			_, err := f.svc.CompleteStep(f.as("acme"), at, e.ID, 2, engagements.StepInput{})
			return err
		}},
	} {
		ae := wantField(t, tc.act(sp(tc.at)), accord.Conflict, "sessions[0].start")
		if !strings.Contains(ae.Msg, "Tue 2026-11-17") {
			t.Errorf("%s: %q does not name the first session's day", tc.name, ae.Msg)
		}
	}
	// On the day, before the session's hour, the customer shuts down.
	must(f.svc.CompleteStep(f.as("acme"), sp("2026-11-17 08:30"), e.ID, 2, engagements.StepInput{Note: "down"}))(t)
	// The execution has begun on the 17th: the first session cannot move
	// to a later day.
	_, err = f.svc.Schedule(f.as("agent"), sp("2026-11-17 08:40"), e.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{
		{EngineerID: f.users["agent"].ID, Start: sp("2026-11-18 09:00"), End: sp("2026-11-18 13:00")}}})
	ae = wantField(t, err, accord.Conflict, "sessions[0].start")
	if !strings.Contains(ae.Msg, "Tue 2026-11-17") {
		t.Errorf("%q does not say when the execution began", ae.Msg)
	}
	e = must(f.svc.Start(f.as("agent"), sp("2026-11-17 09:00"), e.ID))(t)
	if e.State != engagements.InProgress {
		t.Fatalf("state %s", e.State)
	}
}
