package storetest

import (
	"slices"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/store"
)

// sortWorld opens four cases whose every sortable column differs, with ids
// in the order of their names, so that ties break the same way each run:
//
//	case  customer  crit  state     assignee  plan      due        waiting since
//	a     A         C3    open      agent     premium   t0+4h      t0+10m
//	b     B         C1    new       -         standard  t0+1h      t0
//	c     A         C1    awaiting  agent     premium   - (paused) -
//	d     B         C4    closed    -         basic     - (answered) -
func sortWorld(t *testing.T, db *store.DB) (caseWorld, map[accord.ID]string) {
	t.Helper()
	w := newCaseWorld(t, db, "Sort")
	names := map[accord.ID]string{}
	for i, name := range []string{"a", "b", "c", "d"} {
		created := t0.Add(time.Duration(i) * time.Minute)
		c := sampleCase(w.a.ID, created, name)
		c.ID = accord.ID("cas_sort_" + name)
		c.ContractID = w.contract.ID
		o := caseOpening(c)
		switch name {
		case "a":
			c.Criticality, c.State, c.AssigneeID = "C3", cases.Open, w.agent.ID
			c.Clock.DueAt, c.Clock.WarnAt = after0(4*time.Hour), after0(3*time.Hour)
			o.Entries = append(o.Entries, customerWrote(c, t0.Add(10*time.Minute)))
		case "b":
			c.OrgID, c.Criticality, c.Clock.Plan = w.b.ID, "C1", "standard"
			c.Clock.DueAt, c.Clock.WarnAt = after0(time.Hour), after0(30*time.Minute)
			c.ContractID = ""
			o.Entries = append(o.Entries, customerWrote(c, t0))
		case "c":
			c.Criticality, c.State, c.AssigneeID = "C1", cases.AwaitingCustomer, w.agent.ID
			c.Clock.DueAt, c.Clock.WarnAt, c.Clock.PausedSince = nil, nil, after0(time.Hour)
		case "d":
			c.OrgID, c.Criticality, c.State, c.Clock.Plan, c.ContractID = w.b.ID, "C4", cases.Closed, "basic", ""
			c.Clock.RespondedAt, c.ClosedAt = after0(time.Hour), after0(2*time.Hour)
		}
		o.Case = c
		for i := range o.Entries {
			o.Entries[i].OrgID, o.Entries[i].CaseID = c.OrgID, c.ID
		}
		for i := range o.Events {
			o.Events[i].OrgID = c.OrgID
		}
		if _, err := w.s.Open(ctx, o); err != nil {
			t.Fatal(err)
		}
		names[c.ID] = name
	}
	return w, names
}

// customerWrote is a public reply by the customer of c at at.
func customerWrote(c cases.Case, at time.Time) cases.Entry {
	return cases.Entry{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: cases.Reply, AuthorID: "usr_customer", Author: "Customer",
		AuthorOrg: c.OrgID, Body: "any news?", At: at}
}

// testCasesSort lists the same cases by every sort key, both ways, in one
// page and in pages of one; the engines must agree with the table.
func testCasesSort(t *testing.T, db *store.DB) {
	w, names := sortWorld(t, db)
	list := func(f cases.Filter, p accord.Page) ([]string, string) {
		t.Helper()
		l, next, err := w.s.List(ctx, accord.Scope{All: true}, f, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range l {
			out = append(out, names[c.ID])
		}
		return out, next
	}
	for _, tc := range []struct {
		sort      string
		asc, desc string
	}{
		{"number", "abcd", "dcba"},
		{"created_at", "abcd", "dcba"},
		{"updated_at", "abcd", "dcba"},
		{"title", "abcd", "dcba"},
		{"criticality", "bcad", "dacb"},
		{"state", "bacd", "dcab"},
		{"assignee", "acbd", "cadb"},
		{"customer", "acbd", "dbca"},
		{"plan", "dacb", "bcad"},
		{"due", "bacd", "abdc"},
		{"waited", "abcd", "badc"},
	} {
		for _, way := range []struct {
			param, want string
		}{{tc.sort, tc.asc}, {"-" + tc.sort, tc.desc}} {
			by, err := cases.ParseSort(way.param)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{}
			for _, r := range way.want {
				want = append(want, string(r))
			}
			if got, _ := list(cases.Filter{Sort: by}, accord.Page{Limit: 10}); !slices.Equal(got, want) {
				t.Errorf("sort=%s: %v, want %v", way.param, got, want)
			}
			var paged []string
			cursor := ""
			for range 6 {
				got, next := list(cases.Filter{Sort: by}, accord.Page{Limit: 1, Cursor: cursor})
				paged = append(paged, got...)
				if cursor = next; cursor == "" {
					break
				}
			}
			if !slices.Equal(paged, want) {
				t.Errorf("sort=%s in pages of one: %v, want %v", way.param, paged, want)
			}
		}
	}
	// A filter still applies; a cursor of another sort is refused.
	by, _ := cases.ParseSort("-criticality")
	if got, _ := list(cases.Filter{Sort: by, States: []cases.State{cases.New, cases.Open}}, accord.Page{Limit: 10}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("sorted and filtered: %v", got)
	}
	_, next := list(cases.Filter{Sort: by}, accord.Page{Limit: 1})
	other, _ := cases.ParseSort("criticality")
	_, _, err := w.s.List(ctx, accord.Scope{All: true}, cases.Filter{Sort: other}, accord.Page{Limit: 1, Cursor: next})
	wantKind(t, err, accord.Invalid)
}

// testCasesSearchNotes searches public replies and internal notes: notes
// only with Notes, replies always, every word in either.
func testCasesSearchNotes(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "Notes")
	c := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "Vault sealed"))
	mustUpdate(t, w.s, c.ID, func(c cases.Case) cases.Change {
		reply := cases.Entry{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: cases.Reply, Author: "Agent", Body: "Send the quokka report", At: t0}
		note := cases.Entry{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: cases.Note, Internal: true, Author: "Agent",
			Body: "They run zanzibar clusters", At: t0}
		return cases.Change{Case: c, Entries: []cases.Entry{reply, note}}
	})
	for _, tc := range []struct {
		text  string
		notes bool
		found bool
	}{
		{"quokka", false, true},
		{"quokka", true, true},
		{"zanzibar", false, false},
		{"zanzibar", true, true},
		{"zanzibar quokka", true, true},
		{"zanzibar quokka", false, false},
		{"vault quokka", false, true},
		{"triage", false, false}, // the opening's internal note
		{"triage", true, true},
		{"clusters sealed", true, true},
	} {
		l, _, err := w.s.List(ctx, accord.Scope{All: true}, cases.Filter{Text: tc.text, Notes: tc.notes}, accord.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if found := len(l) == 1; found != tc.found {
			t.Errorf("search %q (notes %v): found %v, want %v", tc.text, tc.notes, found, tc.found)
		}
	}
	got, err := w.s.ByNumber(ctx, accord.Scope{Orgs: []accord.ID{w.a.ID}}, c.Number)
	if err != nil || got.ID != c.ID {
		t.Errorf("by number: %v %v", got.ID, err)
	}
	_, err = w.s.ByNumber(ctx, accord.Scope{Orgs: []accord.ID{w.b.ID}}, c.Number)
	wantKind(t, err, accord.NotFound)
}
