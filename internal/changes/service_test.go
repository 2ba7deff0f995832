package changes_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/changes"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/environments"
	"accord/internal/raci"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// fixture: the vendor (admin, two agents), Acme on Premium with an
// authorized contact and its environment with a maintenance window on the
// first Saturday of each month, 22:00-02:00 Paris time, and Globex with a
// contact.
type fixture struct {
	svc   *changes.Service
	envs  *environments.Service
	cases *cases.Service
	users map[string]directory.User
	env   environments.Environment
	clock *time.Time
}

// t0 is Monday 7 December 2026, 10:00 UTC (11:00 in Paris).
var t0 = utc("2026-12-07T10:00:00Z")

// The first maintenance window after t0: Saturday 2 January 2027, 22:00 CET.
var window = utc("2027-01-02T21:00:00Z")

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := dbtest.SQLite(t)
	clock := t0
	f := &fixture{users: map[string]directory.User{}, clock: &clock}
	cfg := directory.DefaultConfig()
	cfg.Argon2 = directory.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}
	dir := directory.NewService(store.NewDirectory(db), cfg)
	policy := sla.NewService(store.NewPolicy(db))
	ctr := contracts.NewService(store.NewContracts(db), contracts.PolicyPlans{Policy: policy}, dir, contracts.DefaultConfig())
	f.cases = cases.NewService(store.NewCases(db, db.DataDir()), policy, ctr, dir, cases.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType})
	f.envs = environments.NewService(store.NewEnvironments(db), dir, environments.Config{Now: func() time.Time { return *f.clock }})
	matrices := raci.NewService(store.NewRaci(db), f.envs)
	f.svc = changes.NewService(store.NewChanges(db), changes.EnvironmentsOf(f.envs), changes.MatricesOf(matrices), policy, dir, f.cases,
		changes.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType})
	admin := accord.WithActor(context.Background(), accord.SystemActor("fixture"))
	setup := utc("2026-01-02T09:00:00Z")
	if _, err := policy.EnsureDefault(admin, setup); err != nil {
		t.Fatal(err)
	}
	if _, err := matrices.EnsureDefault(admin, setup); err != nil {
		t.Fatal(err)
	}
	orgs := map[string]directory.Organization{}
	for _, o := range []struct {
		key  string
		kind directory.Kind
	}{{"Northwind", directory.KindVendor}, {"Acme", directory.KindCustomer}, {"Globex", directory.KindCustomer}} {
		org, err := dir.CreateOrganization(admin, setup, directory.NewOrganization{Kind: o.kind, Name: o.key})
		if err != nil {
			t.Fatal(err)
		}
		orgs[o.key] = org
	}
	for _, u := range []struct {
		key, org string
		role     accord.Role
	}{
		{"admin", "Northwind", accord.RoleAdmin}, {"agent", "Northwind", accord.RoleAgent}, {"agent2", "Northwind", accord.RoleAgent},
		{"acme", "Acme", accord.RoleCustomerContact}, {"globex", "Globex", accord.RoleCustomerContact},
	} {
		usr, err := dir.CreateUser(admin, setup, directory.NewUser{OrgID: orgs[u.org].ID, Email: u.key + "@example.com",
			Name: "User " + u.key, Role: u.role, AuthorizedContact: u.role == accord.RoleCustomerContact, Password: "a long test passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		f.users[u.key] = usr
	}
	if _, err := ctr.Create(admin, setup, contracts.NewContract{OrgID: orgs["Acme"].ID, Plan: "premium", SignedOn: "2026-01-01", Years: 2}); err != nil {
		t.Fatal(err)
	}
	var err error
	f.env, err = f.envs.Create(f.as("admin"), setup, environments.NewEnvironment{OrgID: orgs["Acme"].ID, Name: "Production",
		Product: "Vault", Version: "4.2", Region: "europe-west1", Status: environments.Active})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateWindow(f.as("admin"), setup, f.env.ID, changes.WindowInput{Rule: "first saturday 22:00-02:00",
		VendorAgreedBy: "User admin", CustomerAgreedBy: "User acme"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) as(key string) context.Context {
	u := f.users[key]
	return accord.WithActor(context.Background(), accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name})
}

func wantKind(t *testing.T, err error, k accord.Kind) *accord.Error {
	t.Helper()
	if accord.KindOf(err) != k {
		t.Fatalf("got %v (%s), want %s", err, accord.KindOf(err), k)
	}
	return accord.Public(err)
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var medium = changes.Assessment{Complexity: changes.Moderate, Importance: changes.Moderate, Impact: changes.Low, Reversibility: changes.Easy}

// request raises a change needing a shutdown, planned on a Wednesday
// morning: outside every maintenance window.
func (f *fixture) request(t *testing.T, title string) changes.Change {
	t.Helper()
	start := utc("2026-12-09T09:00:00Z")
	return must[changes.Change](t)(f.svc.Request(f.as("acme"), t0, changes.RequestInput{EnvironmentID: f.env.ID, Title: title,
		Reason: "New version fixes the login bug", Plan: "1. stop\n2. upgrade\n3. start", BackoutPlan: "Restore the snapshot",
		NeedsShutdown: true, PlannedStart: &start, Minutes: 120}))
}

// The path of issue 16's "Done when", on the service.
func TestMediumChangeWithShutdown(t *testing.T) {
	f := newFixture(t)
	c := f.request(t, "Upgrade to 4.3")
	if c.State != changes.Submitted {
		t.Fatalf("state %s", c.State)
	}
	agentID := f.users["agent"].ID
	// The assessor keeps the customer's Wednesday: refused, with the next
	// maintenance window.
	_, err := f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: medium, ImplementerID: agentID})
	e := wantKind(t, err, accord.Invalid)
	if e.Field != "planned_start" || e.Details["next_allowed_start"] != window.Format(time.RFC3339) || !strings.Contains(e.Msg, "Sat 2027-01-02 22:00 CET") {
		t.Fatalf("refusal: %s %q %v", e.Field, e.Msg, e.Details)
	}
	at := window
	c = must[changes.Change](t)(f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: medium, ImplementerID: agentID, PlannedStart: &at}))
	if c.Type != changes.Medium || c.State != changes.Assessed {
		t.Fatalf("assessed: %s %s", c.Type, c.State)
	}
	// A type other than the suggestion needs a reason.
	_, err = f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: medium, Type: changes.Major, ImplementerID: agentID})
	if e := wantKind(t, err, accord.Invalid); e.Field != "reason" {
		t.Fatalf("field %s", e.Field)
	}

	// Four eyes: the implementer does not validate; another tenant's
	// contact does not even see the change.
	_, err = f.svc.Validate(f.as("agent"), t0, c.ID)
	wantKind(t, err, accord.Forbidden)
	_, err = f.svc.Approve(f.as("globex"), t0, c.ID)
	wantKind(t, err, accord.NotFound)
	_, err = f.svc.Approve(f.as("agent2"), t0, c.ID)
	if e := wantKind(t, err, accord.Forbidden); !strings.Contains(e.Msg, "approved by the customer, who holds A") { // the matrix gives A to the customer
		t.Fatalf("message %q", e.Msg)
	}
	c = must[changes.Change](t)(f.svc.Approve(f.as("acme"), t0, c.ID))
	c = must[changes.Change](t)(f.svc.Approve(f.as("acme"), t0.Add(time.Minute), c.ID))
	if len(c.Approvals) != 1 || c.State != changes.Assessed {
		t.Fatalf("approved twice: %+v, %s", c.Approvals, c.State)
	}
	c = must[changes.Change](t)(f.svc.Validate(f.as("agent2"), t0, c.ID))
	if c.State != changes.Approved {
		t.Fatalf("state %s", c.State)
	}

	// An edit of the plan voids both, visibly.
	plan := "1. stop\n2. upgrade to 4.3.1\n3. start"
	c = must[changes.Change](t)(f.svc.Edit(f.as("acme"), t0, c.ID, changes.EditInput{Plan: &plan}))
	if len(c.Approvals) != 0 || c.State != changes.Assessed {
		t.Fatalf("after the edit: %+v, %s", c.Approvals, c.State)
	}
	tl := must[[]changes.Entry](t)(f.svc.Timeline(f.as("acme"), t0, c.ID))
	if last := tl[len(tl)-1]; last.Kind != changes.ApprovalsVoided || !changes.Mailed(last.Kind) {
		t.Fatalf("last entry %+v", last)
	}
	// A schedule moved out of the window is refused once assessed.
	wed := utc("2026-12-16T09:00:00Z")
	_, err = f.svc.Edit(f.as("acme"), t0, c.ID, changes.EditInput{PlannedStart: &wed})
	if e := wantKind(t, err, accord.Invalid); e.Details["next_allowed_start"] != window.Format(time.RFC3339) {
		t.Fatalf("details %v", e.Details)
	}

	approvedAt := t0.Add(time.Hour)
	c = must[changes.Change](t)(f.svc.Approve(f.as("acme"), approvedAt, c.ID))
	c = must[changes.Change](t)(f.svc.Validate(f.as("agent2"), approvedAt, c.ID))
	c = must[changes.Change](t)(f.svc.Schedule(f.as("admin"), approvedAt, c.ID))
	if c.State != changes.Scheduled {
		t.Fatalf("state %s", c.State)
	}

	// The snapshot gate: none yet, then one too old, then one in time.
	*f.clock = window
	_, err = f.svc.Start(f.as("agent"), window, c.ID)
	if e := wantKind(t, err, accord.Unprocessable); e.Field != "snapshot" {
		t.Fatalf("field %s", e.Field)
	}
	snap := func(at time.Time) {
		t.Helper()
		if _, err := f.envs.RecordSnapshot(f.as("admin"), window, environments.NewSnapshot{EnvironmentID: f.env.ID, TakenAt: at,
			Kind: environments.PreChangeSnapshot, SizeBytes: 1, Location: "gs://b/s", Checksum: "sha256:00"}); err != nil {
			t.Fatal(err)
		}
	}
	snap(window.Add(-13 * time.Hour))
	_, err = f.svc.Start(f.as("agent"), window, c.ID)
	wantKind(t, err, accord.Unprocessable)
	snap(window.Add(-30 * time.Minute))
	// The approvals were given for the slot: not a minute before it, not
	// once it has ended.
	for _, at := range []time.Time{window.Add(-time.Minute), c.End()} {
		_, err = f.svc.Start(f.as("agent"), at, c.ID)
		if e := wantKind(t, err, accord.Unprocessable); e.Field != "planned_start" || e.Details["planned_start"] != window.Format(time.RFC3339) {
			t.Fatalf("start at %s: %s %v", at, e.Field, e.Details)
		}
	}
	// The validator does not implement the change.
	_, err = f.svc.Start(f.as("agent2"), window, c.ID)
	wantKind(t, err, accord.Forbidden)
	c = must[changes.Change](t)(f.svc.Start(f.as("agent"), window, c.ID))
	if c.State != changes.InProgress {
		t.Fatalf("state %s", c.State)
	}
	_, err = f.svc.Finish(f.as("agent"), window.Add(time.Hour), c.ID, changes.Completed, changes.ReportInput{})
	wantKind(t, err, accord.Invalid)
	c = must[changes.Change](t)(f.svc.Finish(f.as("agent"), window.Add(time.Hour), c.ID, changes.Completed, changes.ReportInput{
		WhatWasDone: "Stopped, upgraded to 4.3.1, started", Result: "Running 4.3.1; logins work",
		Evidence: []changes.EvidenceInput{{Name: "upgrade.log", Content: []byte("ok\n")}}}))
	if c.State != changes.Completed || c.Report == nil || len(c.Report.Evidence) != 1 {
		t.Fatalf("completed: %s %+v", c.State, c.Report)
	}
	if _, content, err := f.svc.File(f.as("acme"), t0, c.ID, c.Report.Evidence[0].ID); err != nil || string(content) != "ok\n" {
		t.Fatalf("evidence: %q %v", content, err)
	}
}

func TestChangesMayNotOverlap(t *testing.T) {
	f := newFixture(t)
	at := window
	var ids []accord.ID
	for _, title := range []string{"First", "Second"} {
		c := f.request(t, title)
		must[changes.Change](t)(f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: medium, ImplementerID: f.users["agent"].ID, PlannedStart: &at}))
		must[changes.Change](t)(f.svc.Approve(f.as("acme"), t0, c.ID))
		must[changes.Change](t)(f.svc.Validate(f.as("agent2"), t0, c.ID))
		ids = append(ids, c.ID)
	}
	must[changes.Change](t)(f.svc.Schedule(f.as("admin"), t0, ids[0]))
	_, err := f.svc.Schedule(f.as("admin"), t0, ids[1])
	if e := wantKind(t, err, accord.Conflict); !strings.Contains(e.Msg, string(ids[0])) || !strings.Contains(e.Msg, "First") {
		t.Fatalf("message %q", e.Msg)
	}
}

// An urgent change outside its windows, agreed by both sides, becomes an
// incident case whose first-response clock runs under the support policy.
func TestExceptionalChangeBecomesIncident(t *testing.T) {
	f := newFixture(t)
	sat := utc("2026-12-12T02:00:00Z") // Saturday 03:00 in Paris
	c := must[changes.Change](t)(f.svc.Request(f.as("acme"), t0, changes.RequestInput{EnvironmentID: f.env.ID, Title: "Rotate the leaked key",
		Reason: "A key leaked", Plan: "Rotate", BackoutPlan: "None needed", Urgency: changes.Urgent, PlannedStart: &sat, Minutes: 30}))
	// Urgent medium: refused outside the change window without the agreement.
	_, err := f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: medium, ImplementerID: f.users["agent"].ID})
	if e := wantKind(t, err, accord.Invalid); e.Details["next_allowed_start"] != "2026-12-14T07:00:00Z" {
		t.Fatalf("details %v", e.Details)
	}
	// An urgent minor change runs when needed.
	minor := changes.Assessment{Complexity: changes.Low, Importance: changes.Low, Impact: changes.Low, Reversibility: changes.Easy}
	must[changes.Change](t)(f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: minor, ImplementerID: f.users["agent"].ID}))
	// A major change is never the exception.
	_, err = f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: medium, Type: changes.Major, Reason: "security",
		Exceptional: true, Criticality: sla.C2, ImplementerID: f.users["agent"].ID})
	if e := wantKind(t, err, accord.Invalid); e.Field != "exceptional" {
		t.Fatalf("field %s", e.Field)
	}
	c = must[changes.Change](t)(f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: medium, Exceptional: true,
		Criticality: sla.C2, ImplementerID: f.users["agent"].ID}))
	c = must[changes.Change](t)(f.svc.Approve(f.as("acme"), t0, c.ID))
	if c.IncidentCaseID == "" {
		t.Fatal("no incident case")
	}
	cs := must[cases.Case](t)(f.cases.Get(f.as("acme"), t0, c.IncidentCaseID))
	// Premium's C2 first response is 1 hour; the default policy guarantees
	// it around the clock once the call agreeing the change is recorded on
	// the case, and counts support hours until then, like any portal case.
	if cs.Type != cases.Incident || cs.Criticality != sla.C2 || cs.Clock.Plan != "premium" || !cs.Clock.CallRequired ||
		cs.Clock.Target.String() != "1h" || !cs.Clock.ReceivedAt.Equal(t0) || cs.Clock.DueAt == nil {
		t.Fatalf("case %s %s clock %+v", cs.Type, cs.Criticality, cs.Clock)
	}
	if back := must[changes.Change](t)(f.svc.ForCase(f.as("acme"), t0, cs.ID)); back.ID != c.ID {
		t.Fatalf("case links to %s", back.ID)
	}
	must[changes.Change](t)(f.svc.Validate(f.as("agent2"), t0, c.ID))
	c = must[changes.Change](t)(f.svc.Schedule(f.as("admin"), t0, c.ID))
	if c.State != changes.Scheduled {
		t.Fatalf("state %s", c.State)
	}
}

func TestMaintenanceWindowWarning(t *testing.T) {
	f := newFixture(t)
	_, list, err := f.svc.CreateWindow(f.as("admin"), t0, f.env.ID, changes.WindowInput{Rule: "third sunday 01:00-01:20",
		VendorAgreedBy: "A", CustomerAgreedBy: "B"})
	if err != nil || list.Warning != "" || list.MonthlyMinutes != 260 {
		t.Fatalf("%+v %v", list, err)
	}
	_, _, err = f.svc.CreateWindow(f.as("acme"), t0, f.env.ID, changes.WindowInput{Rule: "first monday 01:00-01:20", VendorAgreedBy: "A", CustomerAgreedBy: "B"})
	wantKind(t, err, accord.Forbidden)
	_, _, err = f.svc.CreateWindow(f.as("admin"), t0, f.env.ID, changes.WindowInput{Rule: "fifth monday 01:00-01:20", VendorAgreedBy: "A", CustomerAgreedBy: "B"})
	if e := wantKind(t, err, accord.Invalid); e.Field != "rule" {
		t.Fatalf("field %s", e.Field)
	}
}

// A customer's calendar feed lists the changes of its environments and
// their maintenance windows; a vendor person's, the changes they take part in.
func TestFeedEvents(t *testing.T) {
	f := newFixture(t)
	c := f.request(t, "Upgrade to 4.3")
	at := window
	must[changes.Change](t)(f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: medium, ImplementerID: f.users["agent"].ID, PlannedStart: &at}))
	feed := func(key string) string {
		cal := ics.NewCalendar()
		u := f.users[key]
		scope := accord.Scope{All: true}
		if u.Role == accord.RoleCustomerContact {
			scope = accord.OnlyOrg(u.OrgID)
		}
		if err := f.svc.FeedEvents(context.Background(), t0, u, scope, cal); err != nil {
			t.Fatal(err)
		}
		return cal.Serialize()
	}
	acme := feed("acme")
	if !strings.Contains(acme, "Change: Upgrade to 4.3 (Production)") || !strings.Contains(acme, "DTSTART:20270102T210000Z") ||
		!strings.Contains(acme, "Maintenance window (first saturday 22:00-02:00") {
		t.Fatalf("Acme's feed:\n%s", acme)
	}
	// Assessed, the change is not yet agreed: tentative until scheduled.
	if ev := acme[strings.Index(acme, "Change: Upgrade"):]; !strings.Contains(ev[:strings.Index(ev, "END:VEVENT")], "STATUS:TENTATIVE") {
		t.Fatalf("an assessed change in the feed:\n%s", ev)
	}
	if g := feed("globex"); strings.Contains(g, "Upgrade") || strings.Contains(g, "Maintenance window") {
		t.Fatalf("Globex's feed shows Acme's:\n%s", g)
	}
	if !strings.Contains(feed("agent"), "Upgrade to 4.3") || strings.Contains(feed("agent2"), "Upgrade to 4.3") {
		t.Fatal("the implementer's feed lacks the change, or another agent's has it")
	}
}

// Mail about a change goes to the customer's contacts and the vendor's
// people on it, never to whoever made the entry, and never to another
// tenant's contacts.
func TestLetters(t *testing.T) {
	f := newFixture(t)
	c := f.request(t, "Upgrade to 4.3")
	at := window
	c = must[changes.Change](t)(f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: medium, ImplementerID: f.users["agent"].ID, PlannedStart: &at}))
	tl := must[[]changes.Entry](t)(f.svc.Timeline(f.as("acme"), t0, c.ID))
	var assessed changes.Entry
	for _, e := range tl {
		if e.Kind == changes.AssessedEntry {
			assessed = e
		}
	}
	ls, err := f.svc.Letters(context.Background(), t0, assessed.ID)
	if err != nil {
		t.Fatal(err)
	}
	to := map[string]bool{}
	for _, l := range ls {
		for key, u := range f.users {
			if u.ID == l.UserID {
				to[key] = true
			}
		}
		if l.Kind != "change" || l.Facts["event"] != "assessed" || l.Link != "/changes/"+string(c.ID) || l.Topic != "change/"+string(assessed.ID) {
			t.Errorf("letter %+v", l)
		}
	}
	if !to["acme"] || !to["agent"] || to["admin"] || to["globex"] || to["agent2"] {
		t.Fatalf("told %v", to)
	}
}

// A schedule whose end cannot be recorded (after 9999-12-31T23:59:59Z) is
// refused on every way in: once stored, no list of the tenant's changes
// could be read back.
func TestScheduleEndsInRange(t *testing.T) {
	f := newFixture(t)
	late := utc("9999-12-31T23:30:00Z")
	_, err := f.svc.Request(f.as("acme"), t0, changes.RequestInput{EnvironmentID: f.env.ID, Title: "Late", Reason: "r", Plan: "p",
		BackoutPlan: "b", PlannedStart: &late, Minutes: 60})
	if e := wantKind(t, err, accord.Invalid); e.Field != "planned_start" {
		t.Fatalf("request: field %s", e.Field)
	}
	c := f.request(t, "On time")
	_, err = f.svc.Edit(f.as("acme"), t0, c.ID, changes.EditInput{PlannedStart: &late})
	if e := wantKind(t, err, accord.Invalid); e.Field != "planned_start" {
		t.Fatalf("edit: field %s", e.Field)
	}
	for _, at := range []time.Time{late, utc("0001-01-01T00:00:00Z")} {
		_, err = f.svc.Assess(f.as("admin"), t0, c.ID, changes.AssessInput{Assessment: medium, ImplementerID: f.users["agent"].ID, PlannedStart: &at})
		if e := wantKind(t, err, accord.Invalid); e.Field != "planned_start" {
			t.Fatalf("assess at %s: field %s", at, e.Field)
		}
	}
	if _, _, err := f.svc.List(f.as("acme"), t0, changes.Filter{}, accord.Page{}); err != nil {
		t.Fatal(err)
	}
}
