package storetest

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/reports"
	"accord/internal/sla"
	"accord/internal/store"
)

// testReportsActivity: the dashboard's figures the store counts in the
// database equal reports.CountActivity's, counted case by case over the
// same cases, for every scope; cases on the bounds of a day or a month fall
// in the later one.
func testReportsActivity(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "Activity")
	d := store.NewDirectory(db)
	vendor := mkOrg(t, d, directory.KindVendor, "Activity vendor")
	agents := []accord.ID{"", w.agent.ID, mkUser(t, d, vendor.ID, "activity-eng@v.example", accord.RoleAgent).ID}
	// Days of 2026-11-10 .. 2026-11-13 and months September to November, UTC.
	day := func(n int) time.Time { return time.Date(2026, 11, 10+n, 0, 0, 0, 0, time.UTC) }
	month := func(n int) time.Time { return time.Date(2026, time.Month(9+n), 1, 0, 0, 0, 0, time.UTC) }
	q := reports.ActivityQuery{Days: []time.Time{day(0), day(1), day(2), day(3)}, Months: []time.Time{month(0), month(1), month(2), month(3)}}
	// Instants on bounds, just before them, inside, and outside every span.
	instants := []time.Time{day(0), day(1).Add(-time.Microsecond), day(1), day(2).Add(90 * time.Minute), day(3), day(3).Add(-time.Microsecond),
		day(0).Add(-time.Microsecond), month(0), month(1).Add(5 * time.Hour), month(3).Add(-time.Microsecond), month(0).Add(-time.Hour)}
	r := rand.New(rand.NewPCG(19, 29))
	pick := func(n int) int { return r.IntN(n) }
	some := func() *time.Time {
		if pick(3) == 0 {
			return nil
		}
		at := instants[pick(len(instants))]
		return &at
	}
	var opened []cases.Case
	for i := range 80 {
		org := []accord.ID{w.a.ID, w.b.ID}[pick(2)]
		c := sampleCase(org, t0, "activity")
		c.State = cases.States[pick(len(cases.States))]
		c.Criticality = sla.Criticalities[pick(len(sla.Criticalities))]
		c.AssigneeID = agents[pick(len(agents))]
		c.Clock.ReceivedAt = instants[pick(len(instants))]
		c.ResolvedAt, c.ClosedAt = some(), some()
		if c.ResolvedAt != nil && c.ResolvedAt.Before(c.Clock.ReceivedAt) {
			at := c.Clock.ReceivedAt.Add(time.Duration(i) * time.Minute)
			c.ResolvedAt = &at
		}
		c.SeniorRequired, c.AssigneeSenior = pick(2) == 0, pick(2) == 0
		opened = append(opened, mustOpen(t, w.s, c))
	}
	all := reports.CountActivity(opened, accord.Scope{All: true}, q)
	sum := func(n []int) int {
		var k int
		for _, x := range n {
			k += x
		}
		return k
	}
	if len(all.Active) == 0 || len(all.Resolved) == 0 || sum(all.Opened) == 0 || sum(all.Closed) == 0 || sum(all.BySenior) == 0 {
		t.Fatalf("the cases leave a figure at zero, which proves nothing: %+v", all)
	}
	s := store.NewReports(db)
	for _, tc := range []struct {
		name  string
		scope accord.Scope
	}{
		{"one customer", accord.OnlyOrg(w.a.ID)},
		{"two customers", accord.Scope{Orgs: []accord.ID{w.a.ID, w.b.ID}}},
		{"empty scope", accord.Scope{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Activity(ctx, tc.scope, q)
			if err != nil {
				t.Fatal(err)
			}
			want := reports.CountActivity(opened, tc.scope, q)
			sortActivity(&got)
			sortActivity(&want)
			wantSame(t, "activity", want, got)
		})
	}
	// One day and one month: a single span, counted without a CASE.
	one := reports.ActivityQuery{Days: q.Days[:2], Months: q.Months[:2]}
	got, err := s.Activity(ctx, accord.OnlyOrg(w.a.ID), one)
	if err != nil {
		t.Fatal(err)
	}
	want := reports.CountActivity(opened, accord.OnlyOrg(w.a.ID), one)
	sortActivity(&got)
	sortActivity(&want)
	wantSame(t, "activity of one day", want, got)
}

// sortActivity orders the lists a store returns in no particular order.
func sortActivity(a *reports.Activity) {
	slices.SortFunc(a.Active, func(x, y reports.ActiveCount) int {
		return cmp.Or(cmp.Compare(x.State, y.State), cmp.Compare(x.Criticality, y.Criticality), cmp.Compare(x.AssigneeID, y.AssigneeID))
	})
	slices.SortFunc(a.Resolved, func(x, y reports.ResolvedCase) int {
		return cmp.Or(x.ResolvedAt.Compare(y.ResolvedAt), x.ReceivedAt.Compare(y.ReceivedAt), cmp.Compare(x.Criticality, y.Criticality))
	})
}
