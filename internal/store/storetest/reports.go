package storetest

import (
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

var _ reports.Store = (*store.Reports)(nil)

// testReportsReceived: the cases received in [from, to), by received_at
// (not created_at), inside the scope and the organization asked for, each
// with its pauses and nothing of other cases'.
func testReportsReceived(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "Reports")
	s := store.NewReports(db)
	// October 2026 in New York.
	from := time.Date(2026, 10, 1, 4, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)
	open := func(org accord.ID, received time.Time, title string) cases.Case {
		t.Helper()
		c := sampleCase(org, t0, title) // created on t0, in November
		c.Clock.ReceivedAt, c.Clock.StartsAt = received, received
		return mustOpen(t, w.s, c)
	}
	pause := func(c cases.Case, from time.Time, to *time.Time) {
		t.Helper()
		mustUpdate(t, w.s, c.ID, func(c cases.Case) cases.Change {
			return cases.Change{Case: c, Pause: &cases.Pause{From: from, To: to}}
		})
	}
	first := open(w.a.ID, from, "received at the first instant")
	last := open(w.a.ID, to.Add(-time.Microsecond), "received at the last instant")
	next := open(w.a.ID, to, "received in November")
	open(w.a.ID, from.Add(-time.Microsecond), "received in September")
	other := open(w.b.ID, from.Add(240*time.Hour), "the other customer's")
	end := from.Add(2 * time.Hour)
	pause(first, from.Add(time.Hour), &end)
	pause(first, from.Add(3*time.Hour), nil)
	pause(next, to.Add(time.Hour), nil)
	otherEnd := from.Add(242 * time.Hour)
	pause(other, from.Add(241*time.Hour), &otherEnd)
	// Reclassifications, oldest first, and only the case's own.
	mustUpdate(t, w.s, first.ID, func(c cases.Case) cases.Change { return reclassify(c, sla.C1, from.Add(30*time.Minute)) })
	mustUpdate(t, w.s, first.ID, func(c cases.Case) cases.Change { return reclassify(c, sla.C3, from.Add(40*time.Minute)) })
	mustUpdate(t, w.s, next.ID, func(c cases.Case) cases.Change { return reclassify(c, sla.C4, to.Add(time.Hour)) })

	p := mkOrg(t, store.NewDirectory(db), directory.KindPartner, "Reports partner")
	for _, tc := range []struct {
		name  string
		scope accord.Scope
		org   accord.ID
		want  []cases.Case
	}{
		{"everyone", accord.Scope{All: true}, "", []cases.Case{first, other, last}},
		{"one customer", accord.Scope{All: true}, w.a.ID, []cases.Case{first, last}},
		{"own scope", accord.OnlyOrg(w.a.ID), "", []cases.Case{first, last}},
		{"a partner's scope", accord.Scope{Orgs: []accord.ID{p.ID, w.b.ID}}, "", []cases.Case{other}},
		{"another tenant's id", accord.OnlyOrg(w.a.ID), w.b.ID, nil},
		{"empty scope", accord.Scope{}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Received(ctx, tc.scope, from, to, tc.org)
			if err != nil {
				t.Fatal(err)
			}
			// Only these two organizations' cases: other tests share the database.
			got = slices.DeleteFunc(got, func(c cases.Case) bool { return c.OrgID != w.a.ID && c.OrgID != w.b.ID })
			byReceipt(got)
			var want []cases.Case
			for _, c := range tc.want {
				stored, err := w.s.Get(ctx, accord.Scope{All: true}, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				stored.Title, stored.Description, stored.Details = "", "", cases.Details{}
				want = append(want, stored) // with its pauses, without its texts
			}
			wantSame(t, "received cases", want, got)
			for _, c := range got {
				if c.ID == first.ID && len(c.Reclassifications) != 2 {
					t.Errorf("the first case's history %+v, want its two reclassifications", c.Reclassifications)
				}
			}
		})
	}
	got, err := s.Received(ctx, accord.Scope{All: true}, from, to, w.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	byReceipt(got)
	if len(got) != 2 || len(got[0].Pauses) != 2 || got[0].Pauses[1].To != nil || len(got[1].Pauses) != 0 {
		t.Fatalf("pauses: %+v", got)
	}
}

// byReceipt sorts cases a store returns in no particular order.
func byReceipt(l []cases.Case) {
	slices.SortFunc(l, func(a, b cases.Case) int { return a.Clock.ReceivedAt.Compare(b.Clock.ReceivedAt) })
}
