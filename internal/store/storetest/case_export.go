package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
	"accord/internal/store"
)

// testCasesEach: Each reads, page by page, exactly the cases List lists for
// the filter, in its order across page boundaries that fall inside ties of
// the creation instant, only inside the scope, each case with its pauses;
// an error of the callback stops it.
func testCasesEach(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "each")
	var all []cases.Case
	// 17 cases of A and 5 of B, three to an instant, so that pages of 2, 3
	// and 4 break inside ties and ids decide.
	for i := range 22 {
		org := w.a.ID
		if i%5 == 4 {
			org = w.b.ID
		}
		c := sampleCase(org, t0.Add(time.Duration(i/3)*time.Minute), fmt.Sprint("each ", i))
		if i%2 == 1 {
			c.Criticality = sla.C1
		}
		all = append(all, mustOpen(t, w.s, c))
	}
	// Two pauses of one case, one ended, one open.
	paused := all[7]
	for _, p := range []cases.Pause{{From: t0.Add(time.Hour)}, {From: t0.Add(time.Hour), To: after0(2 * time.Hour)}, {From: t0.Add(3 * time.Hour)}} {
		mustUpdate(t, w.s, paused.ID, func(c cases.Case) cases.Change {
			c.UpdatedAt = p.From
			return cases.Change{Case: c, Pause: &p}
		})
	}
	wantPauses := []cases.Pause{{From: t0.Add(time.Hour), To: after0(2 * time.Hour)}, {From: t0.Add(3 * time.Hour)}}
	newest := func(a, b cases.Case) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmpIDs(b.ID, a.ID)
	}
	for _, tc := range []struct {
		name  string
		scope accord.Scope
		f     cases.Filter
		keep  func(cases.Case) bool
	}{
		{"scope of A", accord.OnlyOrg(w.a.ID), cases.Filter{}, func(c cases.Case) bool { return c.OrgID == w.a.ID }},
		{"both, C1", accord.Scope{Orgs: []accord.ID{w.a.ID, w.b.ID}}, cases.Filter{Criticality: sla.C1},
			func(c cases.Case) bool { return c.Criticality == sla.C1 }},
		{"foreign org filter", accord.OnlyOrg(w.a.ID), cases.Filter{OrgID: w.b.ID}, func(cases.Case) bool { return false }},
		{"empty scope", accord.Scope{}, cases.Filter{}, func(cases.Case) bool { return false }},
	} {
		var want []accord.ID
		for _, c := range slices.SortedFunc(slices.Values(all), newest) {
			if tc.keep(c) {
				want = append(want, c.ID)
			}
		}
		for _, batch := range []int{2, 3, 4, 100} {
			t.Run(fmt.Sprintf("%s/batch=%d", tc.name, batch), func(t *testing.T) {
				var got []accord.ID
				calls := 0
				err := w.s.Each(ctx, tc.scope, tc.f, batch, func(l []cases.Case) error {
					calls++
					if len(l) == 0 || len(l) > batch {
						t.Errorf("a batch of %d cases, want 1 to %d", len(l), batch)
					}
					for _, c := range l {
						got = append(got, c.ID)
						if c.ID == paused.ID {
							wantSame(t, "pauses", wantPauses, c.Pauses)
						} else if len(c.Pauses) != 0 {
							t.Errorf("case %s: pauses %v, want none", c.ID, c.Pauses)
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				wantSame(t, "cases", want, got)
				if wantCalls := (len(want) + batch - 1) / batch; calls != wantCalls {
					t.Errorf("%d batches, want %d", calls, wantCalls)
				}
				// List's own pages say the same.
				wantSame(t, "list", want, listAll(t, w.s, tc.scope, tc.f, batch))
			})
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := w.s.Each(ctx, accord.OnlyOrg(w.a.ID), cases.Filter{}, 2, func([]cases.Case) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("after the callback's error: %v, %d calls", err, calls)
	}
}
