package storetest

import (
	"slices"
	"strings"
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
// (not created_at), inside the scope, each with its pauses and
// reclassifications and nothing of other cases'.
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
		want  []cases.Case
	}{
		{"everyone", accord.Scope{All: true}, []cases.Case{first, other, last}},
		{"own scope", accord.OnlyOrg(w.a.ID), []cases.Case{first, last}},
		{"a partner's scope", accord.Scope{Orgs: []accord.ID{p.ID, w.b.ID}}, []cases.Case{other}},
		{"empty scope", accord.Scope{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := receivedAll(t, s, tc.scope, from, to)
			// Only these two organizations' cases: other tests share the database.
			got = slices.DeleteFunc(got, func(c cases.Case) bool { return c.OrgID != w.a.ID && c.OrgID != w.b.ID })
			byReceipt(got)
			var want []cases.Case
			for _, c := range tc.want {
				stored, err := w.s.Get(ctx, accord.Scope{All: true}, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, replayed(stored)) // with its pauses, without its texts
			}
			wantSame(t, "received cases", want, got)
			for _, c := range got {
				if c.ID == first.ID && len(c.Reclassifications) != 2 {
					t.Errorf("the first case's history %+v, want its two reclassifications", c.Reclassifications)
				}
			}
		})
	}
	got := receivedAll(t, s, accord.OnlyOrg(w.a.ID), from, to)
	byReceipt(got)
	if len(got) != 2 || len(got[0].Pauses) != 2 || got[0].Pauses[1].To != nil || len(got[1].Pauses) != 0 {
		t.Fatalf("pauses: %+v", got)
	}
}

// testReportsReceivedAfter: a replay's batches, read by keyset, hold every
// case received in the range exactly once, in (received_at, id) order
// (ties on the instant too), each with its clock, pauses and
// reclassifications as Received gives them, and only the scope's.
func testReportsReceivedAfter(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "Replay")
	s := store.NewReports(db)
	// A year no other test uses: the database is shared.
	from := time.Date(2031, 1, 1, 5, 0, 0, 0, time.UTC)
	to := time.Date(2031, 2, 1, 5, 0, 0, 0, time.UTC)
	open := func(org accord.ID, received time.Time) cases.Case {
		t.Helper()
		c := sampleCase(org, t0, "replayed")
		c.Clock.ReceivedAt, c.Clock.StartsAt = received, received
		return mustOpen(t, w.s, c)
	}
	var want []cases.Case
	for i := range 7 {
		// Three cases share each instant but the last.
		c := open([]accord.ID{w.a.ID, w.b.ID}[i%2], from.Add(time.Duration(i/3)*time.Hour))
		if i%2 == 0 {
			end := c.Clock.ReceivedAt.Add(10 * time.Minute)
			mustUpdate(t, w.s, c.ID, func(c cases.Case) cases.Change {
				return cases.Change{Case: c, Pause: &cases.Pause{From: c.Clock.ReceivedAt.Add(time.Minute), To: &end}}
			})
		}
		if i%3 == 0 {
			mustUpdate(t, w.s, c.ID, func(c cases.Case) cases.Change { return reclassify(c, sla.C1, c.Clock.ReceivedAt.Add(20*time.Minute)) })
		}
		want = append(want, c)
	}
	open(w.a.ID, to)
	open(w.a.ID, from.Add(-time.Second))
	var all []cases.Case
	for _, c := range want {
		stored, err := w.s.Get(ctx, accord.Scope{All: true}, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, replayed(stored))
	}
	slices.SortFunc(all, func(a, b cases.Case) int {
		if c := a.Clock.ReceivedAt.Compare(b.Clock.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	if len(all) != len(want) {
		t.Fatalf("%d cases, want %d", len(all), len(want))
	}
	for _, tc := range []struct {
		name  string
		scope accord.Scope
		limit int
		want  []cases.Case
	}{
		{"one at a time", accord.Scope{All: true}, 1, all},
		{"by two, across tied instants", accord.Scope{All: true}, 2, all},
		{"all in one batch", accord.Scope{All: true}, 100, all},
		{"one customer's scope", accord.OnlyOrg(w.b.ID), 2, slices.DeleteFunc(slices.Clone(all), func(c cases.Case) bool { return c.OrgID != w.b.ID })},
		{"empty scope", accord.Scope{}, 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []cases.Case
			var at time.Time
			var id accord.ID
			for batches := 0; ; batches++ {
				b, err := s.ReceivedAfter(ctx, tc.scope, from, to, at, id, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(b) > tc.limit || batches > len(all)+1 {
					t.Fatalf("batch of %d for a limit of %d, after %d batches", len(b), tc.limit, batches)
				}
				if len(b) == 0 {
					break
				}
				got = append(got, b...)
				last := b[len(b)-1]
				at, id = last.Clock.ReceivedAt, last.ID
			}
			wantSame(t, "replayed cases", tc.want, got)
			for i, c := range got {
				if len(c.Reclassifications) != len(tc.want[i].Reclassifications) || len(c.Pauses) != len(tc.want[i].Pauses) {
					t.Errorf("case %s: %d pauses and %d reclassifications, want %d and %d", c.ID, len(c.Pauses), len(c.Reclassifications),
						len(tc.want[i].Pauses), len(tc.want[i].Reclassifications))
				}
			}
		})
	}
}

// replayed is what ReceivedAfter reads of a case: the clock and what names
// the case, not its texts.
func replayed(c cases.Case) cases.Case {
	return cases.Case{ID: c.ID, OrgID: c.OrgID, Number: c.Number, Type: c.Type, Criticality: c.Criticality, ClosedAt: c.ClosedAt,
		Clock: c.Clock, Pauses: c.Pauses, Reclassifications: c.Reclassifications}
}

// receivedAll reads every case of scope received in [from, to) by
// ReceivedAfter's batches of two, across tied instants.
func receivedAll(t *testing.T, s *store.Reports, scope accord.Scope, from, to time.Time) []cases.Case {
	t.Helper()
	var out []cases.Case
	var at time.Time
	var id accord.ID
	for {
		b, err := s.ReceivedAfter(ctx, scope, from, to, at, id, 2)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
		if len(b) < 2 {
			return out
		}
		at, id = b[len(b)-1].Clock.ReceivedAt, b[len(b)-1].ID
	}
}

// byReceipt sorts cases a store returns in no particular order.
func byReceipt(l []cases.Case) {
	slices.SortFunc(l, func(a, b cases.Case) int { return a.Clock.ReceivedAt.Compare(b.Clock.ReceivedAt) })
}
