package storetest

import (
	"database/sql"
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
		{"AccountOwner", testAccountOwner},
		{"CadenceJobs", testCadenceJobs},
		{"Tell", testTell},
		{"TellRace", testTellRace},
		{"SurveyRequests", testSurveyRequests},
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
	if err := s.CreateContract(ctx, contracts.NewTerm{Contract: c, Entitlements: ents, Event: ev(org, "contract.create")}); err != nil {
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
	wantKind(t, s.CreateContract(ctx, contracts.NewTerm{Contract: dup, Event: ev(a.ID, "x")}), accord.Conflict)
	bad := dup
	bad.ID, bad.PreviousID, bad.Years = accord.NewID("ctr"), "", 0
	wantKind(t, s.CreateContract(ctx, contracts.NewTerm{Contract: bad, Event: ev(a.ID, "x")}), accord.Invalid)

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
	if err := s.CancelContract(ctx, c2, nil, ev(a.ID, "contract.cancel")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.CancelContract(ctx, c2, nil, ev(a.ID, "x")), accord.Conflict)
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
	wantKind(t, s.CreateContract(ctx, contracts.NewTerm{Contract: term(a.ID, "2026-01-01", 1), Event: ev(a.ID, "contract.create")}), accord.Conflict)
	if err := s.CreateContract(ctx, contracts.NewTerm{Contract: term(a.ID, "2027-03-15", 1), Event: ev(a.ID, "contract.create")}); err != nil {
		t.Fatalf("adjacent term: %v", err)
	}

	const n = 8
	b := mkOrg(t, d, directory.KindCustomer, "testOverlap B")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.CreateContract(ctx, contracts.NewTerm{Contract: term(b.ID, "2026-01-01", 1), Event: ev(b.ID, "contract.create")})
		})
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
		{At: sheets.At{Sheet: "contracts", Row: 2}, NewTerm: contracts.NewTerm{Contract: term(b.ID, "2026-06-01", 1), Event: ev(b.ID, "contract.create")}}}})
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
	if err := s.CreateContract(ctx, contracts.NewTerm{Contract: r1, Event: ev(a.ID, "contract.renew")}); err != nil {
		t.Fatal(err)
	}
	r1.CancelledOn, r1.CancelReason = "2026-01-10", "changed their mind"
	if err := s.CancelContract(ctx, r1, nil, ev(a.ID, "contract.cancel")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetContract(ctx, accord.Scope{All: true}, c1.ID); got.NextID != "" {
		t.Fatalf("next = %q after the renewal was cancelled before its start", got.NextID)
	}
	r2 := term(a.ID, "2026-03-15", 1)
	r2.SeriesID, r2.PreviousID = c1.SeriesID, c1.ID
	if err := s.CreateContract(ctx, contracts.NewTerm{Contract: r2, Event: ev(a.ID, "contract.renew")}); err != nil {
		t.Fatalf("renew again: %v", err)
	}
	if got, _ := s.GetContract(ctx, accord.Scope{All: true}, c1.ID); got.NextID != r2.ID {
		t.Fatalf("next = %q, want %q", got.NextID, r2.ID)
	}
	// A renewal cancelled after its start still counts.
	r3 := term(a.ID, "2026-03-15", 1)
	r3.SeriesID, r3.PreviousID = c1.SeriesID, c1.ID
	wantKind(t, s.CreateContract(ctx, contracts.NewTerm{Contract: r3, Event: ev(a.ID, "contract.renew")}), accord.Conflict)
}

// jobAt returns when the job kind about subject runs; ok is false when
// there is none.
func jobAt(t *testing.T, db *store.DB, subject accord.ID, kind string) (at time.Time, ok bool) {
	t.Helper()
	err := db.SQL().QueryRowContext(ctx, `SELECT run_at FROM jobs WHERE subject_id = $1 AND kind = $2`, subject, kind).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return at, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return at.UTC(), true
}

func testAccountOwner(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	v := mkOrg(t, d, directory.KindVendor, "testAccountOwner vendor")
	owner := mkUser(t, d, v.ID, "owner@testaccountowner.example", accord.RoleAgent)
	a := mkOrg(t, d, directory.KindCustomer, "testAccountOwner A")
	c := term(a.ID, "2025-03-15", 1)
	c.AccountOwnerID = owner.ID
	if err := s.CreateContract(ctx, contracts.NewTerm{Contract: c, Event: ev(a.ID, "contract.create")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetContract(ctx, accord.OnlyOrg(a.ID), c.ID)
	if err != nil || got.AccountOwnerID != owner.ID || got.AccountOwnerName != owner.Name {
		t.Fatalf("round trip %+v, %v", got, err)
	}
	got.AccountOwnerID, got.UpdatedAt = "", t0.Add(time.Hour)
	if err := s.UpdateContract(ctx, got, ev(a.ID, "contract.update")); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetContract(ctx, accord.Scope{All: true}, c.ID); got.AccountOwnerID != "" || got.AccountOwnerName != "" || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after clearing the owner %+v", got)
	}
	got.AccountOwnerID = "usr_missing"
	wantKind(t, s.UpdateContract(ctx, got, ev(a.ID, "x")), accord.Invalid)
	other := got
	other.OrgID = mkOrg(t, d, directory.KindCustomer, "testAccountOwner B").ID
	other.AccountOwnerID = ""
	wantKind(t, s.UpdateContract(ctx, other, ev(other.OrgID, "x")), accord.NotFound)
}

// testCadenceJobs: a term's jobs are set and dropped in the transactions
// that create and cancel it.
func testCadenceJobs(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testCadenceJobs A")
	c := term(a.ID, "2024-03-08", 1)
	at := time.Date(2024, 12, 7, 5, 0, 0, 0, time.UTC)
	err := s.CreateContract(ctx, contracts.NewTerm{Contract: c, Event: ev(a.ID, "contract.create"), Timers: []contracts.Timer{
		{ContractID: c.ID, Kind: contracts.RenewalJob, At: at}, {ContractID: c.ID, Kind: contracts.SurveyJob}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := jobAt(t, db, c.ID, contracts.RenewalJob); !ok || !got.Equal(at) {
		t.Fatalf("renewal job at %s (%v), want %s", got, ok, at)
	}
	if _, ok := jobAt(t, db, c.ID, contracts.SurveyJob); ok {
		t.Fatal("a zero timer set a job")
	}
	// A refused term sets nothing.
	dup := term(a.ID, "2024-06-01", 1)
	wantKind(t, s.CreateContract(ctx, contracts.NewTerm{Contract: dup, Event: ev(a.ID, "x"),
		Timers: []contracts.Timer{{ContractID: dup.ID, Kind: contracts.RenewalJob, At: at}}}), accord.Conflict)
	if _, ok := jobAt(t, db, dup.ID, contracts.RenewalJob); ok {
		t.Fatal("a refused term left a job")
	}
	c.CancelledOn, c.CancelReason, c.UpdatedAt = "2024-06-01", "left", t0
	if err := s.CancelContract(ctx, c, []contracts.Timer{{ContractID: c.ID, Kind: contracts.RenewalJob}}, ev(a.ID, "contract.cancel")); err != nil {
		t.Fatal(err)
	}
	if _, ok := jobAt(t, db, c.ID, contracts.RenewalJob); ok {
		t.Fatal("cancelling kept the renewal job")
	}
}

// notice is a renewal notice of c, days before its end.
func notice(c contracts.Contract, days int) contracts.Notice {
	return contracts.Notice{OrgID: c.OrgID, ContractID: c.ID, Kind: contracts.NoticeRenewal, Days: days, DueOn: "2024-12-07", SentAt: t0,
		Recipients: []contracts.Recipient{{UserID: "usr_a", Name: "Ana", Role: accord.RoleCustomerContact}}}
}

// testTell: the decision sees the term, its notices and surveyed years;
// what it returns is written with its event and the job's next run.
func testTell(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testTell A")
	c, _ := mkContract(t, s, a.ID, "", "", "2024-03-08", 3, 1)
	if err := s.RecordSurveys(ctx, []contracts.Survey{{OrgID: a.ID, ContractID: c.ID, Year: 2, Module: "core", Measured: 90, RecordedAt: t0}},
		ev(a.ID, "licence_survey.record")); err != nil {
		t.Fatal(err)
	}
	next := time.Date(2025, 1, 6, 5, 0, 0, 0, time.UTC)
	n := notice(c, 90)
	err := s.Tell(ctx, c.ID, func(cd contracts.Cadence) (contracts.Told, error) {
		if cd.Contract.ID != c.ID || cd.Contract.EndsOn != "2027-03-07" || len(cd.Notices) != 0 || len(cd.Surveyed) != 1 || cd.Surveyed[0] != 2 {
			t.Errorf("cadence %+v", cd)
		}
		return contracts.Told{Notice: &n, Event: ev(a.ID, "contract.renewal_notice"), Now: t0,
			Next: contracts.Timer{ContractID: c.ID, Kind: contracts.RenewalJob, At: next}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cd, err := s.Cadence(ctx, c.ID)
	if err != nil || len(cd.Notices) != 1 {
		t.Fatalf("cadence after %+v, %v", cd, err)
	}
	got := cd.Notices[0]
	if got.Days != 90 || got.Kind != contracts.NoticeRenewal || got.DueOn != "2024-12-07" || got.AnswerBy != "" || !got.SentAt.Equal(t0) ||
		len(got.Recipients) != 1 || got.Recipients[0] != n.Recipients[0] {
		t.Fatalf("notice round trip %+v", got)
	}
	if at, ok := jobAt(t, db, c.ID, contracts.RenewalJob); !ok || !at.Equal(next) {
		t.Fatalf("job at %s (%v), want %s", at, ok, next)
	}
	// A notice recorded twice is a conflict, and nothing of it is kept.
	err = s.Tell(ctx, c.ID, func(contracts.Cadence) (contracts.Told, error) {
		return contracts.Told{Notice: &n, Event: ev(a.ID, "x"), Now: t0, Next: contracts.Timer{ContractID: c.ID, Kind: contracts.RenewalJob}}, nil
	})
	wantKind(t, err, accord.Conflict)
	if _, ok := jobAt(t, db, c.ID, contracts.RenewalJob); !ok {
		t.Fatal("a refused decision dropped the job")
	}
	// Nothing to tell: the job is dropped.
	if err := s.Tell(ctx, c.ID, func(contracts.Cadence) (contracts.Told, error) {
		return contracts.Told{Now: t0, Next: contracts.Timer{ContractID: c.ID, Kind: contracts.RenewalJob}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, ok := jobAt(t, db, c.ID, contracts.RenewalJob); ok {
		t.Fatal("job kept")
	}
	l, err := s.ListNotices(ctx, accord.OnlyOrg(a.ID), c.ID)
	if err != nil || len(l) != 1 {
		t.Fatalf("notices %+v, %v", l, err)
	}
	if l, _ := s.ListNotices(ctx, accord.OnlyOrg("org_other"), c.ID); len(l) != 0 {
		t.Fatalf("foreign scope saw %+v", l)
	}
	wantKind(t, s.Tell(ctx, "ctr_missing", nil), accord.NotFound)
	_, err = s.Cadence(ctx, "ctr_missing")
	wantKind(t, err, accord.NotFound)
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

// testTellRace: decisions about one customer's terms run one at a time, so
// of several jobs that each record a notice unless it is there, exactly one
// records it, while a renewal of the term goes on.
func testTellRace(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testTellRace A")
	for round := range 4 {
		c, _ := mkContract(t, s, a.ID, "", "", fmt.Sprintf("20%02d-03-08", 40+2*round), 1, 1)
		const racers = 8
		start := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		recorded := 0
		for range racers {
			wg.Go(func() {
				<-start
				err := s.Tell(ctx, c.ID, func(cd contracts.Cadence) (contracts.Told, error) {
					t := contracts.Told{Now: t0, Next: contracts.Timer{ContractID: c.ID, Kind: contracts.RenewalJob}}
					if len(cd.Notices) == 0 {
						n := notice(c, 90)
						t.Notice, t.Event = &n, ev(a.ID, "contract.renewal_notice")
						mu.Lock()
						recorded++
						mu.Unlock()
					}
					return t, nil
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Go(func() {
			<-start
			r := term(a.ID, fmt.Sprintf("20%02d-03-08", 41+2*round), 1)
			r.SeriesID, r.PreviousID = c.SeriesID, c.ID
			if err := s.CreateContract(ctx, contracts.NewTerm{Contract: r, Event: ev(a.ID, "contract.renew")}); err != nil {
				t.Error(err)
			}
		})
		close(start)
		wg.Wait()
		if l, _ := s.ListNotices(ctx, accord.Scope{All: true}, c.ID); recorded != 1 || len(l) != 1 {
			t.Fatalf("round %d: %d decisions recorded, %d notices stored; want 1 each", round, recorded, len(l))
		}
	}
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

// testSurveyRequests: survey requests read with their status on a day,
// their reminder and the figures of their year, newest first, in scope.
func testSurveyRequests(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	s := store.NewContracts(db)
	a := mkOrg(t, d, directory.KindCustomer, "testSurveyRequests A")
	b := mkOrg(t, d, directory.KindCustomer, "testSurveyRequests B")
	ca, _ := mkContract(t, s, a.ID, "", "", "2024-03-08", 3, 1)
	cb, _ := mkContract(t, s, b.ID, "", "", "2024-05-01", 2, 1)
	tell := func(n contracts.Notice) {
		t.Helper()
		err := s.Tell(ctx, n.ContractID, func(contracts.Cadence) (contracts.Told, error) {
			return contracts.Told{Notice: &n, Event: ev(n.OrgID, "licence_survey.request"), Now: t0,
				Next: contracts.Timer{ContractID: n.ContractID, Kind: contracts.SurveyJob}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	ask := func(c contracts.Contract, year int, on, by string) contracts.Notice {
		return contracts.Notice{OrgID: c.OrgID, ContractID: c.ID, Kind: contracts.NoticeSurvey, Year: year, DueOn: on, AnswerBy: by, SentAt: t0,
			Recipients: []contracts.Recipient{}}
	}
	tell(ask(ca, 2, "2025-03-08", "2025-03-22"))
	reminder := contracts.Notice{OrgID: a.ID, ContractID: ca.ID, Kind: contracts.NoticeSurveyReminder, Year: 2, DueOn: "2025-03-22",
		SentAt: t0.Add(time.Hour), Recipients: []contracts.Recipient{}}
	tell(reminder)
	tell(ask(ca, 3, "2026-03-08", "2026-03-22"))
	tell(ask(cb, 2, "2025-05-01", "2025-05-15"))
	if err := s.RecordSurveys(ctx, []contracts.Survey{
		{OrgID: a.ID, ContractID: ca.ID, Year: 3, Module: "core", Measured: 120, RecordedAt: t0},
		{OrgID: a.ID, ContractID: ca.ID, Year: 2, Module: "vault", Measured: 1, RecordedAt: t0}, // answered late
	}, ev(a.ID, "licence_survey.record")); err != nil {
		t.Fatal(err)
	}
	list := func(scope accord.Scope, status contracts.SurveyStatus, org accord.ID, p accord.Page) ([]contracts.SurveyRequest, string) {
		t.Helper()
		f := contracts.SurveyFilter{Today: "2025-05-15"}
		if status != "" {
			f.Status = &status
		}
		if org != "" {
			f.OrgID = &org
		}
		l, next, err := s.ListSurveyRequests(ctx, scope, f, p)
		if err != nil {
			t.Fatal(err)
		}
		return l, next
	}
	all, _ := list(accord.Scope{All: true}, "", "", accord.Page{Limit: 10})
	var mine []contracts.SurveyRequest
	for _, r := range all {
		if r.OrgID == a.ID || r.OrgID == b.ID {
			mine = append(mine, r)
		}
	}
	if len(mine) != 3 || mine[0].ContractID != ca.ID || mine[0].Year != 3 || mine[1].ContractID != cb.ID || mine[2].Year != 2 {
		t.Fatalf("requests newest first: %+v", mine)
	}
	y3, y2 := mine[0], mine[2]
	if !y3.Answered || y3.AskedOn != "2026-03-08" || y3.AnswerBy != "2026-03-22" || !y3.AskedAt.Equal(t0) || y3.RemindedAt != nil ||
		len(y3.Licences) != 2 || len(y3.Measured) != 1 || y3.Measured[0].Measured != 120 {
		t.Fatalf("year 3 %+v", y3)
	}
	if !y2.Answered || y2.RemindedAt == nil || !y2.RemindedAt.Equal(t0.Add(time.Hour)) || len(y2.Measured) != 1 || y2.Measured[0].Module != "vault" {
		t.Fatalf("year 2 %+v", y2)
	}
	if mine[1].Answered || len(mine[1].Measured) != 0 || len(mine[1].Licences) != 2 {
		t.Fatalf("b's request %+v", mine[1])
	}
	// On 2025-05-15 b's request reaches its answer-by day: overdue.
	for _, x := range []struct {
		status contracts.SurveyStatus
		scope  accord.Scope
		want   int
	}{
		{contracts.SurveyAnswered, accord.OnlyOrg(a.ID), 2}, {contracts.SurveyOverdue, accord.OnlyOrg(b.ID), 1},
		{contracts.SurveyOpen, accord.OnlyOrg(b.ID), 0}, {contracts.SurveyOverdue, accord.OnlyOrg(a.ID), 0},
	} {
		if l, _ := list(x.scope, x.status, "", accord.Page{Limit: 10}); len(l) != x.want {
			t.Errorf("%s in %v: %+v, want %d", x.status, x.scope, l, x.want)
		}
	}
	f := contracts.SurveyFilter{Today: "2025-05-14", Status: new(contracts.SurveyOpen)}
	if l, _, _ := s.ListSurveyRequests(ctx, accord.OnlyOrg(b.ID), f, accord.Page{Limit: 10}); len(l) != 1 {
		t.Errorf("open the day before: %+v", l)
	}
	if l, _ := list(accord.OnlyOrg(b.ID), "", a.ID, accord.Page{Limit: 10}); len(l) != 0 {
		t.Errorf("foreign filter leaked %+v", l)
	}
	first, next := list(accord.OnlyOrg(a.ID), "", "", accord.Page{Limit: 1})
	if len(first) != 1 || first[0].Year != 3 || next == "" {
		t.Fatalf("first page %+v %q", first, next)
	}
	second, next := list(accord.OnlyOrg(a.ID), "", "", accord.Page{Limit: 1, Cursor: next})
	if len(second) != 1 || second[0].Year != 2 || next != "" {
		t.Fatalf("second page %+v %q", second, next)
	}
}
