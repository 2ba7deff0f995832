package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/sheets"
	"accord/internal/store"
)

// testContractStore runs the contracts store's tests on one database; each
// makes its own organizations.
func testContractStore(t *testing.T, db *store.DB) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Terms", testContracts},
		{"Entitlements", testEntitlements},
		{"EntitlementRace", testEntitlementRace},
		{"EntitlementProperty", testEntitlementProperty},
		{"Surveys", testSurveys},
		{"ContactRequests", testContactRequests},
		{"Overlap", testOverlap},
		{"CancelledRenewal", testCancelledRenewal},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, db) })
	}
}

// mkContract stores a term of org with one entitlement of qty units in
// each year, and returns it with its entitlements.
func mkContract(t *testing.T, s *store.Contracts, org, previous, series accord.ID, signed string, years, qty int) (contracts.Contract, []contracts.Entitlement) {
	t.Helper()
	id := accord.NewID("ctr")
	if series == "" {
		series = id
	}
	d, _ := time.Parse(time.DateOnly, signed)
	c := contracts.Contract{ID: id, OrgID: org, SeriesID: series, PreviousID: previous, Plan: "premium", SignedOn: signed, Years: years,
		EndsOn: contracts.EndsOn(d, years).Format(time.DateOnly), Licences: []contracts.Licence{{Module: "core", Quantity: 100}, {Module: "vault", Quantity: 5}},
		CreatedAt: t0, UpdatedAt: t0}
	var ents []contracts.Entitlement
	for _, y := range contracts.Years(d, years) {
		ents = append(ents, contracts.Entitlement{ID: accord.NewID("ent"), OrgID: org, ContractID: id, Year: y.Number, StartsOn: y.StartsOn,
			EndsOn: y.EndsOn, Key: "assisted_upgrade", Name: "Assisted upgrade", Unit: "assisted upgrade", Quantity: qty})
	}
	if err := s.CreateContract(ctx, c, ents, ev(org, "contract.create")); err != nil {
		t.Fatal(err)
	}
	return c, ents
}

func use(e contracts.Entitlement, q int, override bool) contracts.Consumption {
	return contracts.Consumption{ID: accord.NewID("use"), OrgID: e.OrgID, EntitlementID: e.ID, Quantity: q, At: t0, Reason: "r",
		RecordType: "engagement", RecordID: "eng-1", ActorName: "storetest", Override: override}
}

func testContracts(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testContracts A")
	b := mkOrg(t, d, directory.KindCustomer, "testContracts B")
	c1, ents := mkContract(t, s, a.ID, "", "", "2025-03-15", 2, 1)
	if len(ents) != 2 || ents[1].StartsOn != "2026-03-15" || ents[1].EndsOn != "2027-03-14" {
		t.Fatalf("entitlements %+v", ents)
	}
	got, err := s.GetContract(ctx, accord.OnlyOrg(a.ID), c1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.EndsOn != "2027-03-14" || len(got.Licences) != 2 || got.Licences[1] != (contracts.Licence{Module: "vault", Quantity: 5}) ||
		got.PartnerID != "" || got.NextID != "" || got.CancelledOn != "" || !got.CreatedAt.Equal(t0) {
		t.Fatalf("round trip %+v", got)
	}
	_, err = s.GetContract(ctx, accord.OnlyOrg(b.ID), c1.ID)
	wantKind(t, err, accord.NotFound)

	c2, _ := mkContract(t, s, a.ID, c1.ID, c1.SeriesID, "2027-03-15", 1, 1)
	if got, _ := s.GetContract(ctx, accord.Scope{All: true}, c1.ID); got.NextID != c2.ID {
		t.Fatalf("renewed term's next = %q, want %q", got.NextID, c2.ID)
	}
	// A term is renewed once.
	dup := contracts.Contract{ID: accord.NewID("ctr"), OrgID: a.ID, SeriesID: c1.SeriesID, PreviousID: c1.ID, Plan: "p", SignedOn: "2027-03-15",
		Years: 1, EndsOn: "2028-03-14", CreatedAt: t0, UpdatedAt: t0}
	wantKind(t, s.CreateContract(ctx, dup, nil, ev(a.ID, "x")), accord.Conflict)
	bad := dup
	bad.ID, bad.PreviousID, bad.Years = accord.NewID("ctr"), "", 0
	wantKind(t, s.CreateContract(ctx, bad, nil, ev(a.ID, "x")), accord.Invalid)

	terms, err := s.ListTerms(ctx, accord.OnlyOrg(a.ID), c1.SeriesID)
	if err != nil || len(terms) != 2 || terms[0].ID != c1.ID || terms[1].ID != c2.ID || terms[1].PreviousID != c1.ID {
		t.Fatalf("terms = %+v, %v", terms, err)
	}
	if l, _ := s.ListTerms(ctx, accord.OnlyOrg(b.ID), c1.SeriesID); len(l) != 0 {
		t.Fatalf("foreign scope saw terms %+v", l)
	}
	mkContract(t, s, b.ID, "", "", "2026-01-01", 1, 1)
	list, next, err := s.ListContracts(ctx, accord.Scope{All: true}, contracts.Filter{OrgID: &a.ID}, accord.Page{Limit: 1})
	if err != nil || len(list) != 1 || list[0].ID != c2.ID || next == "" {
		t.Fatalf("first page = %+v, %q, %v", list, next, err)
	}
	list, next, _ = s.ListContracts(ctx, accord.Scope{All: true}, contracts.Filter{OrgID: &a.ID}, accord.Page{Limit: 1, Cursor: next})
	if len(list) != 1 || list[0].ID != c1.ID || len(list[0].Licences) != 2 {
		t.Fatalf("second page = %+v", list)
	}
	if next != "" {
		t.Fatal("paging does not end")
	}
	if l, _, _ := s.ListContracts(ctx, accord.OnlyOrg(b.ID), contracts.Filter{OrgID: &a.ID}, accord.Page{Limit: 10}); len(l) != 0 {
		t.Fatalf("foreign filter leaked %+v", l)
	}

	c2.CancelledOn, c2.CancelReason = "2027-01-01", "customer left"
	if err := s.CancelContract(ctx, c2, ev(a.ID, "contract.cancel")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.CancelContract(ctx, c2, ev(a.ID, "x")), accord.Conflict)
	if got, _ := s.GetContract(ctx, accord.Scope{All: true}, c2.ID); got.CancelledOn != "2027-01-01" || got.CancelReason != "customer left" {
		t.Fatalf("after cancel %+v", got)
	}
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

func testEntitlements(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testEntitlements A")
	_, ents := mkContract(t, s, a.ID, "", "", "2026-03-15", 1, 32)
	e := ents[0]
	after, ok, err := s.Consume(ctx, use(e, 30, false), ev(a.ID, "entitlement.consume"))
	if err != nil || !ok || after.Used != 30 {
		t.Fatalf("consume 30 = %+v, %v, %v", after, ok, err)
	}
	after, ok, err = s.Consume(ctx, use(e, 3, false), ev(a.ID, "x"))
	if err != nil || ok || after.Used != 30 {
		t.Fatalf("consume 3 of 2 left = %+v, %v, %v; want refused, unchanged", after, ok, err)
	}
	over := use(e, 3, true)
	over.At = t0.Add(time.Minute)
	after, ok, err = s.Consume(ctx, over, ev(a.ID, "entitlement.override"))
	if err != nil || !ok || after.Used != 33 {
		t.Fatalf("override = %+v, %v, %v", after, ok, err)
	}
	other := e
	other.OrgID = "org_other"
	_, _, err = s.Consume(ctx, use(other, 1, true), ev(a.ID, "x"))
	wantKind(t, err, accord.NotFound)
	uses, err := s.ListConsumptions(ctx, accord.OnlyOrg(a.ID), e.ID)
	if err != nil || len(uses) != 2 || uses[0].Quantity != 30 || !uses[1].Override || !uses[0].At.Equal(t0) {
		t.Fatalf("uses = %+v, %v", uses, err)
	}
	if l, _ := s.ListConsumptions(ctx, accord.OnlyOrg("org_other"), e.ID); len(l) != 0 {
		t.Fatalf("foreign scope saw %+v", l)
	}
	_, err = s.GetEntitlement(ctx, accord.OnlyOrg("org_other"), e.ID)
	wantKind(t, err, accord.NotFound)
	// Two events: the refused use wrote none.
	events, _, _ := store.NewAudit(db).ListEvents(ctx, accord.OnlyOrg(a.ID), audit.Filter{}, accord.Page{Limit: 10})
	if len(events) != 4 {
		t.Fatalf("events = %d, want 4 (org, contract, consume, override)", len(events))
	}
}

// testEntitlementRace: several consumers race for the last unit; exactly
// one gets it.
func testEntitlementRace(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testEntitlementRace A")
	for round := range 5 {
		_, ents := mkContract(t, s, a.ID, "", "", fmt.Sprintf("20%02d-01-01", 30+round), 1, 1)
		const racers = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range racers {
			wg.Go(func() {
				_, ok, err := s.Consume(ctx, use(ents[0], 1, false), ev(a.ID, "entitlement.consume"))
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					wins++
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("round %d: %d consumers took the last unit, want exactly 1", round, wins)
		}
		if e, _ := s.GetEntitlement(ctx, accord.Scope{All: true}, ents[0].ID); e.Used != 1 {
			t.Fatalf("used = %d, want 1", e.Used)
		}
	}
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

// testEntitlementProperty: whatever the sequence of uses, used is the sum
// of the accepted ones, a use without override is accepted exactly when it
// fits, and without overrides used never passes quantity.
func testEntitlementProperty(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testEntitlementProperty A")
	day := 0
	rapid.Check(t, func(rt *rapid.T) {
		day++
		qty := rapid.IntRange(1, 10).Draw(rt, "quantity")
		_, ents := mkContract(t, s, a.ID, "", "", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(day*2, 0, 0).Format(time.DateOnly), 1, qty)
		used, overridden := 0, false
		for i := range rapid.IntRange(1, 8).Draw(rt, "uses") {
			q := rapid.IntRange(1, 5).Draw(rt, fmt.Sprintf("q%d", i))
			over := rapid.IntRange(0, 9).Draw(rt, fmt.Sprintf("override%d", i)) == 0
			e, ok, err := s.Consume(ctx, use(ents[0], q, over), ev(a.ID, "entitlement.consume"))
			if err != nil {
				rt.Fatal(err)
			}
			if fits := used+q <= qty; ok != (fits || over) {
				rt.Fatalf("use %d of %d with %d used (override %v): ok = %v", q, qty, used, over, ok)
			}
			if ok {
				used += q
				overridden = overridden || over
			}
			if e.Used != used {
				rt.Fatalf("used = %d, want %d", e.Used, used)
			}
			if !overridden && e.Used > qty {
				rt.Fatalf("used %d exceeds %d without an override", e.Used, qty)
			}
		}
	})
}

func testSurveys(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testSurveys A")
	c, _ := mkContract(t, s, a.ID, "", "", "2025-03-15", 2, 1)
	row := func(year int, module string, n int) contracts.Survey {
		return contracts.Survey{OrgID: a.ID, ContractID: c.ID, Year: year, Module: module, Measured: n, RecordedAt: t0}
	}
	if err := s.RecordSurveys(ctx, []contracts.Survey{row(1, "core", 120), row(1, "vault", 5)}, ev(a.ID, "licence_survey.record")); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSurveys(ctx, []contracts.Survey{row(1, "core", 130)}, ev(a.ID, "licence_survey.record")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.RecordSurveys(ctx, []contracts.Survey{row(1, "core", -1)}, ev(a.ID, "x")), accord.Invalid)
	got, err := s.ListSurveys(ctx, accord.OnlyOrg(a.ID), c.ID)
	if err != nil || len(got) != 2 || got[0].Measured != 130 || got[1].Module != "vault" {
		t.Fatalf("surveys = %+v, %v", got, err)
	}
	if l, _ := s.ListSurveys(ctx, accord.OnlyOrg("org_other"), c.ID); len(l) != 0 {
		t.Fatalf("foreign scope saw %+v", l)
	}
}

func testContactRequests(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testContactRequests A")
	req := func(email string) contracts.ContactRequest {
		return contracts.ContactRequest{ID: accord.NewID("req"), OrgID: a.ID, RequestedBy: "usr_x", RequestedByName: "X", Name: "New Person",
			Email: email, Reason: "on call", Status: contracts.RequestPending, CreatedAt: t0}
	}
	r := req("New@A.example")
	if err := s.CreateContactRequest(ctx, r, ev(a.ID, "contact_request.create")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.CreateContactRequest(ctx, req("new@a.EXAMPLE"), ev(a.ID, "x")), accord.Conflict)
	got, err := s.GetContactRequest(ctx, accord.OnlyOrg(a.ID), r.ID)
	if err != nil || got.Email != r.Email || got.Status != contracts.RequestPending || got.DecidedAt != nil || !got.CreatedAt.Equal(t0) {
		t.Fatalf("round trip %+v, %v", got, err)
	}
	_, err = s.GetContactRequest(ctx, accord.OnlyOrg("org_other"), r.ID)
	wantKind(t, err, accord.NotFound)

	// The customer authorizes: still open, so the address is still taken.
	authorized := t0.Add(30 * time.Minute)
	r.Status, r.AuthorizedBy, r.AuthorizedByName, r.AuthorizedAt = contracts.RequestAuthorized, "usr_cadmin", "Carla", &authorized
	wantKind(t, s.StepContactRequest(ctx, r, contracts.RequestAuthorized, ev(a.ID, "x")), accord.Conflict) // not there yet
	if err := s.StepContactRequest(ctx, r, contracts.RequestPending, ev(a.ID, "contact_request.authorize")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.CreateContactRequest(ctx, req("NEW@a.example"), ev(a.ID, "x")), accord.Conflict)
	r.CaseID = "cas_access"
	if err := s.LinkContactRequestCase(ctx, r); err != nil {
		t.Fatal(err)
	}
	other := r
	other.CaseID = "cas_other"
	wantKind(t, s.LinkContactRequestCase(ctx, other), accord.Conflict) // one case per request
	// Each step schedules the letter that tells the people it concerns, at
	// the step's instant (its event's): one job per request, the latest.
	due, err := store.NewJobs(db).Claim(ctx, t0.Add(time.Hour), "w", time.Minute, 10)
	if err != nil || len(due) != 1 || due[0].Kind != contracts.RequestLetterJob || due[0].SubjectID != r.ID || !due[0].RunAt.Equal(t0) {
		t.Fatalf("letter jobs %+v, %v", due, err)
	}

	at := t0.Add(time.Hour)
	r.Status, r.DecidedBy, r.DecidedByName, r.DecidedAt = contracts.RequestApproved, "usr_admin", "Admin", &at
	if err := s.StepContactRequest(ctx, r, contracts.RequestAuthorized, ev(a.ID, "contact_request.approve")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.StepContactRequest(ctx, r, contracts.RequestAuthorized, ev(a.ID, "x")), accord.Conflict)
	r.UserID = "usr_new"
	if err := s.LinkContactRequestUser(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetContactRequest(ctx, accord.OnlyOrg(a.ID), r.ID); err != nil || got.Status != contracts.RequestApproved ||
		got.CaseID != "cas_access" || got.AuthorizedByName != "Carla" || !got.AuthorizedAt.Equal(authorized) || got.UserID != "usr_new" {
		t.Fatalf("after both steps %+v, %v", got, err)
	}
	// Decided, the address may be asked for again.
	again := req("new@a.example")
	again.CreatedAt = t0.Add(time.Second)
	if err := s.CreateContactRequest(ctx, again, ev(a.ID, "contact_request.create")); err != nil {
		t.Fatal(err)
	}
	pending := contracts.RequestPending
	list, _, err := s.ListContactRequests(ctx, accord.OnlyOrg(a.ID), contracts.RequestFilter{Status: &pending}, accord.Page{Limit: 10})
	if err != nil || len(list) != 1 || list[0].ID == r.ID {
		t.Fatalf("pending = %+v, %v", list, err)
	}
	list, next, _ := s.ListContactRequests(ctx, accord.OnlyOrg(a.ID), contracts.RequestFilter{}, accord.Page{Limit: 1})
	if len(list) != 1 || next == "" {
		t.Fatalf("first page %+v %q", list, next)
	}
	list, _, _ = s.ListContactRequests(ctx, accord.OnlyOrg(a.ID), contracts.RequestFilter{}, accord.Page{Limit: 1, Cursor: next})
	if len(list) != 1 || list[0].ID != r.ID || list[0].DecidedAt == nil || !list[0].DecidedAt.Equal(at) {
		t.Fatalf("second page %+v", list)
	}
	if l, _, _ := s.ListContactRequests(ctx, accord.OnlyOrg("org_other"), contracts.RequestFilter{OrgID: &a.ID}, accord.Page{Limit: 10}); len(l) != 0 {
		t.Fatalf("foreign scope saw %+v", l)
	}
}

// term returns an unstored first term of org.
func term(org accord.ID, signed string, years int) contracts.Contract {
	id := accord.NewID("ctr")
	d, _ := time.Parse(time.DateOnly, signed)
	return contracts.Contract{ID: id, OrgID: org, SeriesID: id, Plan: "premium", SignedOn: signed, Years: years,
		EndsOn: contracts.EndsOn(d, years).Format(time.DateOnly), CreatedAt: t0, UpdatedAt: t0}
}

// testOverlap checks that the store itself refuses overlapping terms, in
// the transaction that writes them, whoever calls it and however many at
// once.
func testOverlap(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testOverlap A")
	mkContract(t, s, a.ID, "", "", "2025-03-15", 2, 1)
	wantKind(t, s.CreateContract(ctx, term(a.ID, "2026-01-01", 1), nil, ev(a.ID, "contract.create")), accord.Conflict)
	if err := s.CreateContract(ctx, term(a.ID, "2027-03-15", 1), nil, ev(a.ID, "contract.create")); err != nil {
		t.Fatalf("adjacent term: %v", err)
	}

	const n = 8
	b := mkOrg(t, d, directory.KindCustomer, "testOverlap B")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = s.CreateContract(ctx, term(b.ID, "2026-01-01", 1), nil, ev(b.ID, "contract.create")) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !accord.IsKind(err, accord.Conflict) {
			t.Errorf("concurrent create: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d concurrent creates succeeded, want 1", ok)
	}

	// Imports go through the same check.
	err := store.NewImports(db).Import(ctx, sheets.Batch{Contracts: []sheets.ContractRecord{
		{At: sheets.At{Sheet: "contracts", Row: 2}, Contract: term(b.ID, "2026-06-01", 1), Event: ev(b.ID, "contract.create")}}})
	var re *sheets.RowError
	if !errors.As(err, &re) || re.Row != 2 || !accord.IsKind(err, accord.Conflict) {
		t.Errorf("overlapping import: %v", err)
	}
}

// testCancelledRenewal checks that a renewal cancelled before its start
// does not count: the renewed term shows no next term and is renewed again.
func testCancelledRenewal(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testCancelledRenewal")
	c1, _ := mkContract(t, s, a.ID, "", "", "2025-03-15", 1, 1)
	r1 := term(a.ID, "2026-03-15", 1)
	r1.SeriesID, r1.PreviousID = c1.SeriesID, c1.ID
	if err := s.CreateContract(ctx, r1, nil, ev(a.ID, "contract.renew")); err != nil {
		t.Fatal(err)
	}
	r1.CancelledOn, r1.CancelReason = "2026-01-10", "changed their mind"
	if err := s.CancelContract(ctx, r1, ev(a.ID, "contract.cancel")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetContract(ctx, accord.Scope{All: true}, c1.ID); got.NextID != "" {
		t.Fatalf("next = %q after the renewal was cancelled before its start", got.NextID)
	}
	r2 := term(a.ID, "2026-03-15", 1)
	r2.SeriesID, r2.PreviousID = c1.SeriesID, c1.ID
	if err := s.CreateContract(ctx, r2, nil, ev(a.ID, "contract.renew")); err != nil {
		t.Fatalf("renew again: %v", err)
	}
	if got, _ := s.GetContract(ctx, accord.Scope{All: true}, c1.ID); got.NextID != r2.ID {
		t.Fatalf("next = %q, want %q", got.NextID, r2.ID)
	}
	// A renewal cancelled after its start still counts.
	r3 := term(a.ID, "2026-03-15", 1)
	r3.SeriesID, r3.PreviousID = c1.SeriesID, c1.ID
	wantKind(t, s.CreateContract(ctx, r3, nil, ev(a.ID, "contract.renew")), accord.Conflict)
}
