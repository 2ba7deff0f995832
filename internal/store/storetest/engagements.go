package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/store"
)

var _ engagements.Store = (*store.Engagements)(nil)

// testEngagementStore runs the engagements store's tests on one database;
// each makes its own organizations.
func testEngagementStore(t *testing.T, db *store.DB) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"RoundTrip", testEngagementsRoundTrip},
		{"List", testEngagementsList},
		{"Update", testEngagementsUpdate},
		{"UpdateWritesNothingOnError", testEngagementsUpdateAtomic},
		{"Busy", testEngagementsBusy},
		{"Entitlement", testEngagementsEntitlement},
		{"Bookings", testEngagementsBookings},
		{"Feeds", testEngagementsFeeds},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, db) })
	}
}

// engWorld is what engagements refer to: two customers served by a
// partner, two of the partner's engineers, and an entitlement of each
// customer with two units.
type engWorld struct {
	db         *store.DB
	s          *store.Engagements
	c          *store.Contracts
	a, b, p    directory.Organization
	eng1, eng2 directory.User
	entA, entB contracts.Entitlement
}

func newEngWorld(t *testing.T, db *store.DB, name string) engWorld {
	t.Helper()
	d := store.NewDirectory(db)
	w := engWorld{db: db, s: store.NewEngagements(db), c: store.NewContracts(db)}
	w.a = mkOrg(t, d, directory.KindCustomer, name+" A")
	w.b = mkOrg(t, d, directory.KindCustomer, name+" B")
	w.p = mkOrg(t, d, directory.KindPartner, name+" P")
	slug := strings.ReplaceAll(name, " ", "-")
	w.eng1 = mkUser(t, d, w.p.ID, slug+"-eng1@p.example", accord.RolePartnerAgent)
	w.eng2 = mkUser(t, d, w.p.ID, slug+"-eng2@p.example", accord.RolePartnerAgent)
	_, ents := mkContract(t, w.c, w.a.ID, "", "", "2026-01-01", 1, 2)
	w.entA = ents[0]
	_, ents = mkContract(t, w.c, w.b.ID, "", "", "2026-01-01", 1, 2)
	w.entB = ents[0]
	return w
}

// sampleEngagement is a new request of org at at, with a three-step plan.
func sampleEngagement(org accord.ID, at time.Time, service string) engagements.Engagement {
	return engagements.Engagement{
		ID: accord.NewID("eng"), OrgID: org, Provider: engagements.Vendor, Service: service, ServiceName: "Service " + service,
		Format: "remote", CatalogVersion: 1, Scope: "Upgrade the vault cluster from 4.2 to 4.3", State: engagements.Requested,
		RequestedAt: at, RequestedByID: "usr_requester", RequestedByName: "Ana Souza",
		Steps: []engagements.Step{
			{Position: 1, Title: "Send the inventory", Parties: []engagements.Party{engagements.Customer}, BeforeScheduling: true},
			{Position: 2, Title: "Upgrade", Parties: []engagements.Party{engagements.Vendor, engagements.Reseller}},
			{Position: 3, Title: "Confirm", Parties: []engagements.Party{engagements.Customer}},
		},
		UpdatedAt: at,
	}
}

func engEvent(org, id accord.ID, action string, at time.Time) audit.Event {
	return audit.New(system, at, org, action, "engagement", id, nil)
}

func mustCreate(t *testing.T, w engWorld, e engagements.Engagement) engagements.Engagement {
	t.Helper()
	if err := w.s.Create(ctx, e, engEvent(e.OrgID, e.ID, "engagement.request", e.RequestedAt)); err != nil {
		t.Fatal(err)
	}
	return e
}

// session is a session of engineer from t0+from for d.
func session(engineer directory.User, from, d time.Duration) engagements.Session {
	return engagements.Session{ID: accord.NewID("ses"), EngineerID: engineer.ID, EngineerName: engineer.Name,
		Start: t0.Add(from), End: t0.Add(from + d), Location: "remote"}
}

// book replaces the sessions of e and sets its state.
func book(t *testing.T, w engWorld, id accord.ID, state engagements.State, sessions ...engagements.Session) engagements.Engagement {
	t.Helper()
	got, err := w.s.Update(ctx, accord.Scope{All: true}, id, func(old engagements.Engagement, _ engagements.Locked) (engagements.Change, error) {
		next := old
		next.State, next.UpdatedAt = state, old.UpdatedAt.Add(time.Minute)
		return engagements.Change{Engagement: next, Sessions: &sessions}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func testCatalogVersions(t *testing.T, db *store.DB) {
	s := store.NewEngagements(db)
	_, err := s.LatestCatalogVersion(ctx)
	wantKind(t, err, accord.NotFound)
	mk := func(n int, doc string) engagements.Version {
		return engagements.Version{ID: accord.NewID("cat"), Number: n, Document: doc, SHA256: fmt.Sprintf("sha-%d", n), Note: "test",
			CreatedAt: t0, CreatedBy: "storetest", CreatedByID: "usr_admin"}
	}
	event := func(v engagements.Version) audit.Event {
		return audit.New(system, t0, audit.GlobalOrg, "catalog.import", "catalog_version", v.ID, nil)
	}
	var made []engagements.Version
	for n := 1; n <= 3; n++ {
		v := mk(n, fmt.Sprintf("services: %d\nwith two lines", n))
		if err := s.CreateCatalogVersion(ctx, v, event(v)); err != nil {
			t.Fatal(err)
		}
		made = append(made, v)
	}
	dup := mk(2, "another")
	wantKind(t, s.CreateCatalogVersion(ctx, dup, event(dup)), accord.Conflict)
	zero := mk(0, "zero")
	wantKind(t, s.CreateCatalogVersion(ctx, zero, event(zero)), accord.Invalid)

	got, err := s.GetCatalogVersion(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "version 2", made[1], got)
	got, err = s.LatestCatalogVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "latest", made[2], got)
	_, err = s.GetCatalogVersion(ctx, 4)
	wantKind(t, err, accord.NotFound)

	first, next, err := s.ListCatalogVersions(ctx, accord.Page{Limit: 2})
	if err != nil || len(first) != 2 || first[0].Number != 3 || first[1].Number != 2 || next == "" || first[0].Document != "" {
		t.Fatalf("first page %+v, %q, %v", first, next, err)
	}
	rest, next, err := s.ListCatalogVersions(ctx, accord.Page{Limit: 2, Cursor: next})
	if err != nil || len(rest) != 1 || rest[0].Number != 1 || next != "" {
		t.Fatalf("second page %+v, %q, %v", rest, next, err)
	}
	_, _, err = s.ListCatalogVersions(ctx, accord.Page{Limit: 2, Cursor: "garbage"})
	wantKind(t, err, accord.Invalid)

	events, _, err := store.NewAudit(db).ListEvents(ctx, accord.Scope{All: true}, audit.Filter{}, accord.Page{Limit: 10})
	if err != nil || len(events) != 3 {
		t.Fatalf("events = %d, %v", len(events), err)
	}
	for _, e := range events {
		if e.OrgID != audit.GlobalOrg || e.EntityType != "catalog_version" {
			t.Fatalf("catalog event %+v", e)
		}
	}
	if rep := verify(t, db); rep.Break != nil || rep.Chains != 1 {
		t.Fatalf("chain: %+v", rep)
	}
}

func testEngagementsRoundTrip(t *testing.T, db *store.DB) {
	w := newEngWorld(t, db, "eng round trip")
	c := mustOpen(t, store.NewCases(db, t.TempDir()), sampleCase(w.a.ID, t0, "upgrade request"))

	rto, objective, met := 30, int64(1800), true
	e := sampleEngagement(w.a.ID, t0, "assisted_upgrade")
	e.ResellerID, e.Provider, e.CaseID, e.State = w.p.ID, engagements.Reseller, c.ID, engagements.Accepted
	e.Quote = &engagements.Quote{Hours: 8, OnSite: true, OutsideHomeCity: true, Currency: "BRL",
		Lines:    []engagements.Line{{Label: "8 hours", AmountCents: 360000}, {Label: "Covered", AmountCents: -360000}},
		Coverage: &engagements.Coverage{EntitlementID: w.entA.ID, Key: "assisted_upgrade", Name: "Assisted upgrade", Quantity: 1, Unit: "upgrade", StartsOn: "2026-01-01", EndsOn: "2026-12-31", ConsumptionID: "use_1"},
		Note:     "covered", QuotedAt: t0.Add(time.Hour), QuotedBy: "Bea"}
	e.AcceptedAt, e.EarliestStart = after0(2*time.Hour), after0(72*time.Hour)
	e.HoursShortfall = &engagements.Shortfall{QuotedHours: 8, BookedMinutes: 390, Reason: "The inventory arrived early", ConfirmedAt: t0.Add(4 * time.Hour),
		ConfirmedByID: "usr_b", ConfirmedBy: "Bea"}
	e.Steps[2].Preparation = true
	e.Steps[0].DoneAt, e.Steps[0].DoneByID, e.Steps[0].DoneByName, e.Steps[0].DoneAs = after0(3*time.Hour), "usr_a", "Ana", engagements.Customer
	e.Steps[0].Note = "attached"
	e.Steps[0].File = &engagements.File{ID: "fil_1", Name: "inventory.csv", ContentType: "text/csv", Size: 12, SHA256: "abc"}
	e.Outcome = &engagements.Outcome{FailureAt: after0(4 * time.Hour), RestoredAt: after0(5 * time.Hour), RTOObjectiveMinutes: &rto,
		Notes: "ok", Actions: []string{"call the vendor"}, RecordedAt: t0.Add(6 * time.Hour), RecordedBy: "Bea",
		RTO: &engagements.Measure{Seconds: 3600, Text: "1h", ObjectiveSeconds: &objective, Met: &met}}
	e.UpdatedAt = t0.Add(6 * time.Hour)
	mustCreate(t, w, e)

	want := e
	want.Sessions = []engagements.Session{}
	got, err := w.s.Get(ctx, accord.OnlyOrg(w.a.ID), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "round trip", want, got)
	if got.Waiting != nil {
		t.Fatalf("the store computed waiting: %+v", got.Waiting)
	}

	// The optional parts stay empty.
	plain := sampleEngagement(w.a.ID, t0, "health_check")
	mustCreate(t, w, plain)
	want = plain
	want.Sessions = []engagements.Session{}
	got, _ = w.s.Get(ctx, accord.Scope{All: true}, plain.ID)
	wantSame(t, "plain round trip", want, got)

	for _, scope := range []accord.Scope{accord.OnlyOrg(w.b.ID), {}} {
		_, err = w.s.Get(ctx, scope, e.ID)
		wantKind(t, err, accord.NotFound)
	}
	_, err = w.s.Get(ctx, accord.Scope{All: true}, "eng_ghost")
	wantKind(t, err, accord.NotFound)

	wantKind(t, w.s.Create(ctx, e, engEvent(w.a.ID, e.ID, "x", t0)), accord.Conflict)
	bad := sampleEngagement(w.a.ID, t0, "x")
	bad.State = "lost"
	wantKind(t, w.s.Create(ctx, bad, engEvent(w.a.ID, bad.ID, "x", t0)), accord.Invalid)
	ghost := sampleEngagement("org_ghost", t0, "x")
	wantKind(t, w.s.Create(ctx, ghost, engEvent(w.a.ID, ghost.ID, "x", t0)), accord.Invalid)
	wantSame(t, "events", []string{"engagement.request"}, caseEvents(t, db, w.a.ID, e.ID))
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

// listEngagements pages through a list two at a time.
func listEngagements(t *testing.T, s *store.Engagements, scope accord.Scope, f engagements.Filter) []accord.ID {
	t.Helper()
	var ids []accord.ID
	for cursor, pages := "", 0; ; pages++ {
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		list, next, err := s.List(ctx, scope, f, accord.Page{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			if e.Sessions != nil {
				t.Fatalf("list read sessions: %+v", e.Sessions)
			}
			if len(e.Steps) != 3 {
				t.Fatalf("list without steps: %+v", e)
			}
			ids = append(ids, e.ID)
		}
		if next == "" {
			return ids
		}
		cursor = next
	}
}

func testEngagementsList(t *testing.T, db *store.DB) {
	w := newEngWorld(t, db, "eng list")
	// Newest first; e2 and e3 share an instant, the larger id first.
	e1 := sampleEngagement(w.a.ID, t0, "assisted_upgrade")
	e2 := sampleEngagement(w.a.ID, t0.Add(time.Hour), "health_check")
	e3 := sampleEngagement(w.a.ID, t0.Add(time.Hour), "assisted_upgrade")
	e4 := sampleEngagement(w.a.ID, t0.Add(2*time.Hour), "recovery_test")
	e5 := sampleEngagement(w.b.ID, t0.Add(3*time.Hour), "assisted_upgrade")
	e2.ResellerID, e4.ResellerID, e5.ResellerID = w.p.ID, w.p.ID, w.p.ID
	e4.State = engagements.Cancelled
	for _, e := range []engagements.Engagement{e1, e2, e3, e4, e5} {
		mustCreate(t, w, e)
	}
	book(t, w, e1.ID, engagements.Scheduled, session(w.eng1, 24*time.Hour, 2*time.Hour))
	book(t, w, e5.ID, engagements.Scheduled, session(w.eng1, 48*time.Hour, 2*time.Hour), session(w.eng2, 48*time.Hour, 2*time.Hour))
	tied := []accord.ID{e2.ID, e3.ID}
	slices.SortFunc(tied, cmpIDs)
	slices.Reverse(tied)
	inA := []accord.ID{e4.ID, tied[0], tied[1], e1.ID}

	all := accord.Scope{All: true}
	wantSame(t, "org A", inA, listEngagements(t, w.s, accord.OnlyOrg(w.a.ID), engagements.Filter{}))
	wantSame(t, "org A by filter", inA, listEngagements(t, w.s, all, engagements.Filter{OrgID: w.a.ID}))
	wantSame(t, "both", append([]accord.ID{e5.ID}, inA...), listEngagements(t, w.s, accord.Scope{Orgs: []accord.ID{w.a.ID, w.b.ID}}, engagements.Filter{}))
	wantSame(t, "foreign filter", []accord.ID(nil), listEngagements(t, w.s, accord.OnlyOrg(w.a.ID), engagements.Filter{OrgID: w.b.ID}))
	wantSame(t, "no scope", []accord.ID(nil), listEngagements(t, w.s, accord.Scope{}, engagements.Filter{}))
	wantSame(t, "reseller", []accord.ID{e5.ID, e4.ID, e2.ID}, listEngagements(t, w.s, all, engagements.Filter{ResellerID: w.p.ID}))
	wantSame(t, "state", []accord.ID{e4.ID}, listEngagements(t, w.s, all, engagements.Filter{OrgID: w.a.ID, State: engagements.Cancelled}))
	wantSame(t, "scheduled", []accord.ID{e5.ID, e1.ID}, listEngagements(t, w.s, all, engagements.Filter{State: engagements.Scheduled}))
	wantSame(t, "service", []accord.ID{e5.ID, e3.ID, e1.ID}, listEngagements(t, w.s, accord.Scope{Orgs: []accord.ID{w.a.ID, w.b.ID}}, engagements.Filter{Service: "assisted_upgrade"}))
	wantSame(t, "engineer 1", []accord.ID{e5.ID, e1.ID}, listEngagements(t, w.s, all, engagements.Filter{EngineerID: w.eng1.ID}))
	wantSame(t, "engineer 2 in A", []accord.ID(nil), listEngagements(t, w.s, accord.OnlyOrg(w.a.ID), engagements.Filter{EngineerID: w.eng2.ID}))

	one, next, err := w.s.List(ctx, accord.OnlyOrg(w.a.ID), engagements.Filter{}, accord.Page{Limit: 100})
	if err != nil || next != "" || len(one) != 4 {
		t.Fatalf("one page: %d, %q, %v", len(one), next, err)
	}
	if got := one[3]; got.ID != e1.ID || got.State != engagements.Scheduled || !got.RequestedAt.Equal(t0) || got.Steps[0].Title != "Send the inventory" {
		t.Fatalf("listed %+v", got)
	}
	_, _, err = w.s.List(ctx, all, engagements.Filter{}, accord.Page{Limit: 2, Cursor: "garbage"})
	wantKind(t, err, accord.Invalid)
}

func testEngagementsUpdate(t *testing.T, db *store.DB) {
	w := newEngWorld(t, db, "eng update")
	e := mustCreate(t, w, sampleEngagement(w.a.ID, t0, "assisted_upgrade"))
	content := []byte("host,version\nvault-1,4.2\n")
	file := engagements.File{ID: accord.NewID("fil"), Name: "inventory.csv", ContentType: "text/csv", Size: int64(len(content)), SHA256: "sha"}
	late, early := session(w.eng2, 50*time.Hour, 4*time.Hour), session(w.eng1, 48*time.Hour, 4*time.Hour)
	late.OnSite, late.Location = true, "São Paulo office"
	consumption := contracts.Consumption{ID: accord.NewID("use"), OrgID: w.a.ID, EntitlementID: w.entA.ID, Quantity: 1, At: t0.Add(time.Hour),
		Reason: "quote accepted", RecordType: "engagement", RecordID: string(e.ID), ActorID: "usr_a", ActorName: "Ana"}

	changed := e
	changed.ResellerID, changed.Provider, changed.Format, changed.Scope = w.p.ID, engagements.Reseller, "on_site", "Upgrade and test"
	changed.State = engagements.Scheduled
	changed.Quote = &engagements.Quote{Hours: 8, Currency: "BRL", TotalCents: 0, QuotedAt: t0, QuotedBy: "Bea",
		Coverage: &engagements.Coverage{EntitlementID: w.entA.ID, Quantity: 1, ConsumptionID: consumption.ID}}
	changed.AcceptedAt, changed.EarliestStart = after0(time.Hour), after0(48*time.Hour)
	changed.HoursShortfall = &engagements.Shortfall{QuotedHours: 8, BookedMinutes: 480 - 30, Reason: "Half an hour less", ConfirmedAt: t0.Add(time.Hour), ConfirmedBy: "Bea"}
	changed.Steps = slices.Clone(e.Steps)
	changed.Steps[0].DoneAt, changed.Steps[0].DoneByName, changed.Steps[0].File = after0(time.Hour), "Ana", &file
	changed.UpdatedAt = t0.Add(time.Hour)

	var seen engagements.Engagement
	got, err := w.s.Update(ctx, accord.OnlyOrg(w.a.ID), e.ID, func(old engagements.Engagement, _ engagements.Locked) (engagements.Change, error) {
		seen = old
		return engagements.Change{Engagement: changed, Sessions: &[]engagements.Session{late, early},
			Upload: &engagements.Upload{File: file, Content: content}, Use: &consumption,
			Events: []audit.Event{engEvent(w.a.ID, e.ID, "engagement.accept", t0.Add(time.Hour)), engEvent(w.a.ID, e.ID, "engagement.schedule", t0.Add(time.Hour+time.Second))},
		}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := e
	want.Sessions = []engagements.Session{}
	wantSame(t, "decide's engagement", want, seen)
	want = changed
	want.Sessions = []engagements.Session{early, late}
	wantSame(t, "updated", want, got)
	got, err = w.s.Get(ctx, accord.OnlyOrg(w.a.ID), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "read back", want, got)

	f, bytes, err := w.s.File(ctx, accord.OnlyOrg(w.a.ID), e.ID, file.ID)
	if err != nil || string(bytes) != string(content) {
		t.Fatalf("file = %+v, %q, %v", f, bytes, err)
	}
	wantSame(t, "file", file, f)
	for _, try := range []struct {
		scope          accord.Scope
		engagement, id accord.ID
	}{{accord.OnlyOrg(w.b.ID), e.ID, file.ID}, {accord.Scope{All: true}, "eng_other", file.ID}, {accord.Scope{All: true}, e.ID, "fil_ghost"}} {
		_, _, err = w.s.File(ctx, try.scope, try.engagement, try.id)
		wantKind(t, err, accord.NotFound)
	}

	ent, _ := w.c.GetEntitlement(ctx, accord.OnlyOrg(w.a.ID), w.entA.ID)
	if ent.Used != 1 {
		t.Fatalf("used after the use = %d, want 1", ent.Used)
	}

	// Fixed at the request: the customer, the service, the requester.
	moved := want
	moved.OrgID, moved.Service, moved.ServiceName, moved.CatalogVersion = w.b.ID, "other", "Other", 9
	moved.RequestedAt, moved.RequestedByID, moved.RequestedByName = t0.Add(time.Hour), "usr_other", "Other"
	moved.UpdatedAt = t0.Add(2 * time.Hour)
	got, err = w.s.Update(ctx, accord.Scope{All: true}, e.ID, func(engagements.Engagement, engagements.Locked) (engagements.Change, error) {
		return engagements.Change{Engagement: moved}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want.UpdatedAt = moved.UpdatedAt
	wantSame(t, "fixed fields, sessions kept", want, got)

	// Cancelled: the sessions go, the optional parts are cleared, the unit
	// is given back.
	back := consumption
	back.ID, back.Quantity, back.Reason, back.At = accord.NewID("use"), -1, "cancelled", t0.Add(3*time.Hour)
	cancelled := e
	cancelled.State, cancelled.CancelledAt, cancelled.CancelReason, cancelled.UpdatedAt = engagements.Cancelled, after0(3*time.Hour), "no longer needed", t0.Add(3*time.Hour)
	got, err = w.s.Update(ctx, accord.Scope{All: true}, e.ID, func(engagements.Engagement, engagements.Locked) (engagements.Change, error) {
		return engagements.Change{Engagement: cancelled, Sessions: &[]engagements.Session{}, Use: &back,
			Events: []audit.Event{engEvent(w.a.ID, e.ID, "engagement.cancel", t0.Add(3*time.Hour))}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want = cancelled
	want.Sessions = []engagements.Session{}
	wantSame(t, "cancelled", want, got)
	ent, _ = w.c.GetEntitlement(ctx, accord.OnlyOrg(w.a.ID), w.entA.ID)
	if ent.Used != 0 {
		t.Fatalf("used after giving back = %d, want 0", ent.Used)
	}
	uses, err := w.c.ListConsumptions(ctx, accord.OnlyOrg(w.a.ID), w.entA.ID)
	if err != nil || len(uses) != 2 {
		t.Fatalf("uses = %+v, %v", uses, err)
	}
	wantSame(t, "uses", []contracts.Consumption{consumption, back}, uses)
	// The file stays, as evidence.
	if _, _, err := w.s.File(ctx, accord.OnlyOrg(w.a.ID), e.ID, file.ID); err != nil {
		t.Fatal(err)
	}

	// Outside the scope decide is not called.
	called := false
	_, err = w.s.Update(ctx, accord.OnlyOrg(w.b.ID), e.ID, func(engagements.Engagement, engagements.Locked) (engagements.Change, error) {
		called = true
		return engagements.Change{}, nil
	})
	wantKind(t, err, accord.NotFound)
	if called {
		t.Fatal("decide was called for an engagement outside the scope")
	}
	_, err = w.s.Update(ctx, accord.Scope{All: true}, "eng_ghost", func(engagements.Engagement, engagements.Locked) (engagements.Change, error) {
		return engagements.Change{}, nil
	})
	wantKind(t, err, accord.NotFound)

	wantSame(t, "events", []string{"engagement.request", "engagement.accept", "engagement.schedule", "engagement.cancel"}, caseEvents(t, db, w.a.ID, e.ID))
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

// testEngagementsUpdateAtomic: a refused decision, or a change that fails
// part way, writes nothing.
func testEngagementsUpdateAtomic(t *testing.T, db *store.DB) {
	w := newEngWorld(t, db, "eng atomic")
	e := mustCreate(t, w, sampleEngagement(w.a.ID, t0, "assisted_upgrade"))
	e = book(t, w, e.ID, engagements.Scheduled, session(w.eng1, 48*time.Hour, time.Hour))
	content := []byte("evidence")
	file := engagements.File{ID: accord.NewID("fil"), Name: "e.txt", ContentType: "text/plain", Size: int64(len(content)), SHA256: "sha"}
	change := func(old engagements.Engagement, ent accord.ID, quantity int) engagements.Change {
		next := old
		next.State, next.Scope, next.UpdatedAt = engagements.InProgress, "changed", t0.Add(time.Hour)
		return engagements.Change{Engagement: next, Sessions: &[]engagements.Session{session(w.eng2, 72*time.Hour, time.Hour)},
			Upload: &engagements.Upload{File: file, Content: content},
			Use: &contracts.Consumption{ID: accord.NewID("use"), OrgID: w.a.ID, EntitlementID: ent, Quantity: quantity, At: t0,
				Reason: "r", RecordType: "engagement", RecordID: string(old.ID), ActorName: "storetest"},
			Events: []audit.Event{engEvent(w.a.ID, e.ID, "engagement.start", t0.Add(time.Hour))}}
	}
	no := errors.New("decided against it")
	_, err := w.s.Update(ctx, accord.Scope{All: true}, e.ID, func(old engagements.Engagement, _ engagements.Locked) (engagements.Change, error) {
		return change(old, w.entA.ID, 1), no
	})
	if err != no {
		t.Fatalf("decide's error came back as %v", err)
	}
	// Failing part way: another customer's entitlement, a use that would
	// take used below zero, and a use naming another customer.
	for _, tc := range []struct {
		ent      accord.ID
		quantity int
		org      accord.ID
		kind     accord.Kind
	}{{w.entB.ID, 1, w.a.ID, accord.NotFound}, {w.entA.ID, -1, w.a.ID, accord.Invalid}, {w.entA.ID, 1, w.b.ID, accord.Internal}} {
		_, err = w.s.Update(ctx, accord.Scope{All: true}, e.ID, func(old engagements.Engagement, _ engagements.Locked) (engagements.Change, error) {
			ch := change(old, tc.ent, tc.quantity)
			ch.Use.OrgID = tc.org
			return ch, nil
		})
		wantKind(t, err, tc.kind)
	}
	got, _ := w.s.Get(ctx, accord.Scope{All: true}, e.ID)
	wantSame(t, "engagement after failed changes", e, got)
	_, _, err = w.s.File(ctx, accord.Scope{All: true}, e.ID, file.ID)
	wantKind(t, err, accord.NotFound)
	for _, ent := range []contracts.Entitlement{w.entA, w.entB} {
		if got, _ := w.c.GetEntitlement(ctx, accord.Scope{All: true}, ent.ID); got.Used != 0 {
			t.Fatalf("entitlement used %d after failed changes", got.Used)
		}
		if uses, _ := w.c.ListConsumptions(ctx, accord.Scope{All: true}, ent.ID); len(uses) != 0 {
			t.Fatalf("failed changes recorded uses %+v", uses)
		}
	}
	wantSame(t, "events after failed changes", []string{"engagement.request"}, caseEvents(t, db, w.a.ID, e.ID))
}

func testEngagementsBusy(t *testing.T, db *store.DB) {
	w := newEngWorld(t, db, "eng busy")
	h := time.Hour
	e1 := mustCreate(t, w, sampleEngagement(w.a.ID, t0, "assisted_upgrade"))
	e2 := mustCreate(t, w, sampleEngagement(w.b.ID, t0, "health_check"))
	e3 := mustCreate(t, w, sampleEngagement(w.a.ID, t0, "recovery_test"))
	self := mustCreate(t, w, sampleEngagement(w.a.ID, t0, "assisted_upgrade"))
	s1, s1b := session(w.eng1, 10*h, 2*h), session(w.eng2, 10*h, h)
	s2 := session(w.eng1, 13*h, 2*h)
	e1 = book(t, w, e1.ID, engagements.Scheduled, s1, s1b)
	e2 = book(t, w, e2.ID, engagements.Scheduled, s2)
	book(t, w, e3.ID, engagements.Cancelled, session(w.eng1, 11*h, h))
	book(t, w, self.ID, engagements.Scheduled, session(w.eng1, 10*h, h))

	bk := func(s engagements.Session, e engagements.Engagement, org directory.Organization) engagements.Booking {
		return engagements.Booking{Session: s, EngagementID: e.ID, OrgID: org.ID, OrgName: org.Name, ServiceName: e.ServiceName,
			State: e.State, UpdatedAt: e.UpdatedAt}
	}
	for _, tc := range []struct {
		name      string
		engineers []accord.ID
		from, to  time.Duration
		want      []engagements.Booking
	}{
		// Another customer's session counts: the scope is A's alone.
		{"day", []accord.ID{w.eng1.ID}, 9 * h, 14 * h, []engagements.Booking{bk(s1, e1, w.a), bk(s2, e2, w.b)}},
		{"half-open", []accord.ID{w.eng1.ID}, 12 * h, 13 * h, nil},
		{"edges", []accord.ID{w.eng1.ID}, 12*h - time.Microsecond, 13*h + time.Microsecond, []engagements.Booking{bk(s1, e1, w.a), bk(s2, e2, w.b)}},
		{"both engineers", []accord.ID{w.eng2.ID, w.eng1.ID}, 10*h + 30*time.Minute, 10*h + 45*time.Minute, []engagements.Booking{bk(s1, e1, w.a), bk(s1b, e1, w.a)}},
		{"free engineer", []accord.ID{w.eng2.ID}, 11 * h, 20 * h, nil},
		{"none", nil, 0, 20 * h, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []engagements.Booking
			done := errors.New("done")
			_, err := w.s.Update(ctx, accord.OnlyOrg(w.a.ID), self.ID, func(_ engagements.Engagement, l engagements.Locked) (engagements.Change, error) {
				var err error
				got, err = l.Busy(tc.engineers, t0.Add(tc.from), t0.Add(tc.to))
				if err != nil {
					return engagements.Change{}, err
				}
				return engagements.Change{}, done
			})
			if err != done {
				t.Fatal(err)
			}
			slices.SortFunc(tc.want, byStart) // the store's order
			wantSame(t, "busy", tc.want, got)
		})
	}
}

// byStart orders bookings by start, then id.
func byStart(a, b engagements.Booking) int {
	if c := a.Start.Compare(b.Start); c != 0 {
		return c
	}
	return cmpIDs(a.ID, b.ID)
}

// testEngagementsConcurrentBooking: two engagements book one engineer at
// once. Each decision asks Busy, then books if the engineer is free; the
// second must see the first's session. On PostgreSQL both decisions are
// inside their transactions before either asks (a barrier), and the first
// lingers after asking, so that without the engineer's lock both would
// find the engineer free. SQLite runs one transaction at a time.
func testEngagementsConcurrentBooking(t *testing.T, db *store.DB) {
	w := newEngWorld(t, db, "eng concurrent")
	pg := db.Engine() == store.Postgres
	es := []engagements.Engagement{
		mustCreate(t, w, sampleEngagement(w.a.ID, t0, "assisted_upgrade")),
		mustCreate(t, w, sampleEngagement(w.b.ID, t0, "assisted_upgrade")),
	}
	var barrier sync.WaitGroup
	if pg {
		barrier.Add(len(es))
	}
	errs := make([]error, len(es))
	var wg sync.WaitGroup
	for i, e := range es {
		wg.Go(func() {
			_, errs[i] = w.s.Update(ctx, accord.OnlyOrg(e.OrgID), e.ID, func(old engagements.Engagement, l engagements.Locked) (engagements.Change, error) {
				if pg {
					barrier.Done()
					barrier.Wait()
				}
				busy, err := l.Busy([]accord.ID{w.eng1.ID}, t0.Add(10*time.Hour), t0.Add(12*time.Hour))
				if err != nil {
					return engagements.Change{}, err
				}
				if len(busy) > 0 {
					return engagements.Change{}, &accord.Error{Kind: accord.Conflict, Msg: fmt.Sprintf("booked with %s until %s", busy[0].EngagementID, busy[0].End)}
				}
				if pg {
					time.Sleep(200 * time.Millisecond) // the other asks meanwhile
				}
				next := old
				next.State, next.UpdatedAt = engagements.Scheduled, t0.Add(time.Hour)
				return engagements.Change{Engagement: next, Sessions: &[]engagements.Session{session(w.eng1, 10*time.Hour, 2*time.Hour)},
					Events: []audit.Event{engEvent(old.OrgID, old.ID, "engagement.schedule", next.UpdatedAt)}}, nil
			})
		})
	}
	wg.Wait()
	var won, lost []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case accord.KindOf(err) == accord.Conflict:
			lost = append(lost, i)
		default:
			t.Fatalf("booking %d: %v", i, err)
		}
	}
	if len(won) != 1 || len(lost) != 1 {
		t.Fatalf("%d bookings won, %d lost (%v): the engineer was booked twice", len(won), len(lost), errs)
	}
	if winner := es[won[0]].ID; !strings.Contains(errs[lost[0]].Error(), string(winner)) {
		t.Fatalf("the loser saw %v, want the winner %s", errs[lost[0]], winner)
	}
	bookings, err := w.s.Bookings(ctx, engagements.SessionFilter{EngineerID: w.eng1.ID, From: t0})
	if err != nil || len(bookings) != 1 || bookings[0].EngagementID != es[won[0]].ID {
		t.Fatalf("bookings = %+v, %v", bookings, err)
	}
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

func testEngagementsEntitlement(t *testing.T, db *store.DB) {
	w := newEngWorld(t, db, "eng entitlement")
	e := mustCreate(t, w, sampleEngagement(w.a.ID, t0, "assisted_upgrade"))
	over := use(w.entA, 3, true)
	if _, ok, err := w.c.Consume(ctx, over, ev(w.a.ID, "entitlement.override")); err != nil || !ok {
		t.Fatalf("override: %v, %v", ok, err)
	}
	done := errors.New("done")
	var got contracts.Entitlement
	var foreign, ghost error
	_, err := w.s.Update(ctx, accord.Scope{All: true}, e.ID, func(_ engagements.Engagement, l engagements.Locked) (engagements.Change, error) {
		var err error
		if got, err = l.Entitlement(w.entA.ID); err != nil {
			return engagements.Change{}, err
		}
		_, foreign = l.Entitlement(w.entB.ID)
		_, ghost = l.Entitlement("ent_ghost")
		return engagements.Change{}, done
	})
	if err != done {
		t.Fatal(err)
	}
	want := w.entA
	want.Used, want.Left = 3, 0 // an override passed the quantity
	wantSame(t, "entitlement", want, got)
	wantKind(t, foreign, accord.NotFound)
	wantKind(t, ghost, accord.NotFound)
}

func testEngagementsBookings(t *testing.T, db *store.DB) {
	w := newEngWorld(t, db, "eng bookings")
	h := time.Hour
	e1 := mustCreate(t, w, sampleEngagement(w.a.ID, t0, "assisted_upgrade"))
	e2 := mustCreate(t, w, sampleEngagement(w.b.ID, t0, "health_check"))
	e3 := mustCreate(t, w, sampleEngagement(w.a.ID, t0, "recovery_test"))
	past, s1, s1b := session(w.eng1, -5*h, h), session(w.eng1, 10*h, 2*h), session(w.eng2, 10*h, h)
	s2, s3 := session(w.eng1, 13*h, 2*h), session(w.eng1, 11*h, h)
	e1 = book(t, w, e1.ID, engagements.Scheduled, past, s1b, s1)
	e2 = book(t, w, e2.ID, engagements.Scheduled, s2)
	e3 = book(t, w, e3.ID, engagements.Cancelled, s3)
	bk := func(s engagements.Session, e engagements.Engagement, org directory.Organization) engagements.Booking {
		return engagements.Booking{Session: s, EngagementID: e.ID, OrgID: org.ID, OrgName: org.Name, ServiceName: e.ServiceName,
			State: e.State, UpdatedAt: e.UpdatedAt}
	}
	ids := func(bs []engagements.Booking) []accord.ID {
		var out []accord.ID
		for _, b := range bs {
			out = append(out, b.ID)
		}
		return out
	}
	get := func(f engagements.SessionFilter) []engagements.Booking {
		t.Helper()
		got, err := w.s.Bookings(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// Oldest first, cancelled ones included, across customers.
	got := get(engagements.SessionFilter{EngineerID: w.eng1.ID, From: t0})
	wantSame(t, "engineer 1", []engagements.Booking{bk(s1, e1, w.a), bk(s3, e3, w.a), bk(s2, e2, w.b)}, got)
	if got[1].State != engagements.Cancelled {
		t.Fatalf("cancelled booking shows %q", got[1].State)
	}
	wantSame(t, "engineer 1 from the start", []accord.ID{past.ID, s1.ID, s3.ID, s2.ID}, ids(get(engagements.SessionFilter{EngineerID: w.eng1.ID, From: t0.Add(-24 * h)})))
	// A session ending exactly at From is over.
	wantSame(t, "ended", []accord.ID{s2.ID}, ids(get(engagements.SessionFilter{EngineerID: w.eng1.ID, From: t0.Add(12 * h)})))

	tied := []accord.ID{s1.ID, s1b.ID}
	slices.SortFunc(tied, cmpIDs)
	wantSame(t, "customer A", append(tied, s3.ID), ids(get(engagements.SessionFilter{OrgID: w.a.ID, From: t0})))
	wantSame(t, "customer B", []engagements.Booking{bk(s2, e2, w.b)}, get(engagements.SessionFilter{OrgID: w.b.ID, From: t0}))
	wantSame(t, "engineer 2 at B", []accord.ID(nil), ids(get(engagements.SessionFilter{OrgID: w.b.ID, EngineerID: w.eng2.ID, From: t0})))
	wantSame(t, "engineer 2 at A", []accord.ID{s1b.ID}, ids(get(engagements.SessionFilter{OrgID: w.a.ID, EngineerID: w.eng2.ID, From: t0})))
}

func testEngagementsFeeds(t *testing.T, db *store.DB) {
	w := newEngWorld(t, db, "eng feeds")
	_, err := w.s.GetFeed(ctx, w.eng1.ID)
	wantKind(t, err, accord.NotFound)
	_, err = w.s.FeedByToken(ctx, "h1")
	wantKind(t, err, accord.NotFound)

	f := engagements.Feed{UserID: w.eng1.ID, OrgID: w.p.ID, TokenHash: "h1", CreatedAt: t0}
	if err := w.s.SaveFeed(ctx, f, ev(w.p.ID, "calendar.feed")); err != nil {
		t.Fatal(err)
	}
	for _, get := range []func() (engagements.Feed, error){
		func() (engagements.Feed, error) { return w.s.GetFeed(ctx, w.eng1.ID) },
		func() (engagements.Feed, error) { return w.s.FeedByToken(ctx, "h1") },
	} {
		got, err := get()
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "feed", f, got)
	}

	// A new token replaces the old one.
	f.TokenHash, f.CreatedAt = "h2", t0.Add(time.Hour)
	if err := w.s.SaveFeed(ctx, f, ev(w.p.ID, "calendar.feed")); err != nil {
		t.Fatal(err)
	}
	_, err = w.s.FeedByToken(ctx, "h1")
	wantKind(t, err, accord.NotFound)
	got, err := w.s.FeedByToken(ctx, "h2")
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "replaced feed", f, got)
	got, _ = w.s.GetFeed(ctx, w.eng1.ID)
	wantSame(t, "replaced feed by user", f, got)

	// A token is one user's; an unknown user is refused.
	other := engagements.Feed{UserID: w.eng2.ID, OrgID: w.p.ID, TokenHash: "h2", CreatedAt: t0}
	wantKind(t, w.s.SaveFeed(ctx, other, ev(w.p.ID, "x")), accord.Conflict)
	ghost := engagements.Feed{UserID: "usr_ghost", OrgID: w.p.ID, TokenHash: "h3", CreatedAt: t0}
	wantKind(t, w.s.SaveFeed(ctx, ghost, ev(w.p.ID, "x")), accord.Invalid)
	_, err = w.s.GetFeed(ctx, w.eng2.ID)
	wantKind(t, err, accord.NotFound)
	_, err = w.s.FeedByToken(ctx, "")
	wantKind(t, err, accord.NotFound)

	events, _, err := store.NewAudit(db).ListEvents(ctx, accord.OnlyOrg(w.p.ID), audit.Filter{}, accord.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var feeds int
	for _, e := range events {
		if e.Action == "calendar.feed" {
			feeds++
		}
	}
	if feeds != 2 {
		t.Fatalf("%d feed events, want 2", feeds)
	}
}
