package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/store"
)

// testCasesSearchPages: a search lists, page after page, exactly the
// matching cases in the list's order, whether the page fills from the
// newest cases or needs older ones (words common among the newest, spread
// thin, a few in the newest and more beyond, rare, in no case), in either
// order, for one customer or all.
func testCasesSearchPages(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "search pages")
	type made struct {
		c     cases.Case
		words string
	}
	const n = 130
	var all []made
	for i := range n {
		org, words := w.a.ID, ""
		if i%13 == 5 {
			org = w.b.ID
		}
		if i >= n-30 {
			words += " alpha"
		}
		if i%9 == 0 {
			words += " beta"
		}
		if i < 44 && i%4 == 0 || i == 100 {
			words += " omega"
		}
		if i == 3 {
			words += " gamma"
		}
		c := sampleCase(org, t0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("Case %d%s", i, words))
		// Updated in another order than created, each at its own instant.
		c.UpdatedAt = t0.Add(time.Duration(i*37%n) * time.Minute).Add(time.Hour)
		all = append(all, made{mustOpen(t, w.s, c), words})
	}
	// PostgreSQL's statistics tell the common words (all but gamma and
	// delta here), whose search reads the newest cases first; omega's
	// newest cases hold one match and older ones more.
	if db.Engine() == store.Postgres {
		if _, err := db.SQL().ExecContext(ctx, `ANALYZE cases`); err != nil {
			t.Fatal(err)
		}
	}
	scopes := []accord.Scope{accord.OnlyOrg(w.a.ID), {All: true}}
	for _, text := range []string{"alpha", "beta", "omega", "gamma", "alpha beta", "delta", "sealed"} {
		for _, scope := range scopes {
			for _, byUpdated := range []bool{false, true} {
				key := func(c cases.Case) time.Time {
					if byUpdated {
						return c.UpdatedAt
					}
					return c.CreatedAt
				}
				var matching []cases.Case
				for _, m := range all {
					in := scope.All || m.c.OrgID == w.a.ID
					for _, word := range strings.Fields(text) {
						in = in && (word == "sealed" || strings.Contains(m.words, word))
					}
					if in {
						matching = append(matching, m.c)
					}
				}
				slices.SortFunc(matching, func(a, b cases.Case) int {
					return cmp.Or(key(b).Compare(key(a)), cmpIDs(b.ID, a.ID))
				})
				var want []accord.ID
				for _, c := range matching {
					want = append(want, c.ID)
				}
				f := cases.Filter{Text: text, ByUpdated: byUpdated}
				for limit := 1; limit <= 4; limit++ {
					var got []accord.ID
					cursor := ""
					for range n + 1 {
						l, next, err := w.s.List(ctx, scope, f, accord.Page{Limit: limit, Cursor: cursor})
						if err != nil {
							t.Fatal(err)
						}
						if len(l) > limit || next != "" && len(l) < limit {
							t.Fatalf("search %q: page of %d, limit %d, next %q", text, len(l), limit, next)
						}
						for _, c := range l {
							got = append(got, c.ID)
						}
						if cursor = next; cursor == "" {
							break
						}
					}
					if !slices.Equal(got, want) {
						t.Errorf("search %q (all %v, by updated %v) by %d: got %d cases %v, want %d %v",
							text, scope.All, byUpdated, limit, len(got), got, len(want), want)
					}
				}
			}
		}
	}
}
