package storetest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/sla"
	"accord/internal/store"
)

var (
	_ cases.Store = (*store.Cases)(nil)
	_ jobs.Store  = (*store.Jobs)(nil)
)

// testCaseStore runs the case store's tests on one database; each makes
// its own organizations. OpenGet runs first: it checks the first numbers.
func testCaseStore(t *testing.T, db *store.DB) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"OpenGet", testCasesOpen},
		{"ConcurrentOpen", testCasesConcurrentOpen},
		{"List", testCasesList},
		{"Views", testCasesViews},
		{"UpdateRoundTrip", testCasesUpdate},
		{"UpdateWritesNothingOnError", testCasesUpdateAtomic},
		{"PausesEntriesTimersCreated", testCasesChanges},
		{"Reclassifications", testCasesReclassifications},
		{"Files", testCaseFiles},
		{"OpenChildWhileUpdating", testCasesOpenChild},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, db) })
	}
}

// caseWorld is what cases refer to: two customers, a contract of the
// first, and a partner agent to assign.
type caseWorld struct {
	db       *store.DB
	s        *store.Cases
	dir      string // the data directory of s
	a, b     directory.Organization
	agent    directory.User
	contract contracts.Contract
}

func newCaseWorld(t *testing.T, db *store.DB, name string) caseWorld {
	t.Helper()
	d := store.NewDirectory(db)
	w := caseWorld{db: db, dir: t.TempDir()}
	w.s = store.NewCases(db, w.dir)
	w.a = mkOrg(t, d, directory.KindCustomer, name+" A")
	w.b = mkOrg(t, d, directory.KindCustomer, name+" B")
	p := mkOrg(t, d, directory.KindPartner, name+" P")
	w.agent = mkUser(t, d, p.ID, name+"-agent@p.example", accord.RolePartnerAgent)
	w.contract, _ = mkContract(t, store.NewContracts(db), w.a.ID, "", "", "2026-01-01", 1, 1)
	return w
}

// after0 is the instant d after t0.
func after0(d time.Duration) *time.Time {
	x := t0.Add(d)
	return &x
}

// sampleCase is a new incident of org created at created, with a running
// clock; the fields that Update may clear are empty.
func sampleCase(org accord.ID, created time.Time, title string) cases.Case {
	due, warn := created.Add(4*time.Hour), created.Add(3*time.Hour)
	return cases.Case{
		ID: accord.NewID("cas"), OrgID: org, Type: cases.Incident, Title: title, Description: "The vault stays sealed after a restart",
		Details: cases.Details{Criticality: sla.C2, Procedure: "vault operator unseal", Version: "4.2.1", Observed: "timeout after 30s",
			Expected: "unsealed", Discovery: "monitoring alert"},
		Criticality: sla.C2, State: cases.New, OpenedBy: "Ana Souza",
		Clock: cases.Clock{PolicyVersion: 1, Plan: "premium", Channel: sla.Portal, ReceivedAt: created, Kind: sla.Clock24x7, StartsAt: created,
			Target: sla.Duration(4 * time.Hour), Guaranteed: true, DueAt: &due, WarnAt: &warn},
		CreatedAt: created, UpdatedAt: created,
	}
}

// caseOpening opens c with a public and an internal entry, warning and breach
// timers and one event.
func caseOpening(c cases.Case) cases.Opening {
	o := cases.Opening{Case: c,
		Entries: []cases.Entry{
			{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: cases.Opened, Author: c.OpenedBy, Body: c.Description, At: c.CreatedAt},
			{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: cases.Note, Internal: true, AuthorID: "usr_x", Author: "Agent",
				AuthorOrg: "org_v", Body: "triage", At: c.CreatedAt},
		},
		Events: []audit.Event{audit.New(system, c.CreatedAt, c.OrgID, "case.open", "case", c.ID, nil)},
	}
	if c.Clock.DueAt != nil {
		o.Timers = append(o.Timers, cases.Timer{Kind: cases.BreachTimer, At: *c.Clock.DueAt}, cases.Timer{Kind: cases.WarnTimer, At: *c.Clock.WarnAt})
	}
	return o
}

func mustOpen(t *testing.T, s *store.Cases, c cases.Case) cases.Case {
	t.Helper()
	got, err := s.Open(ctx, caseOpening(c))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func mustUpdate(t *testing.T, s *store.Cases, id accord.ID, ch func(c cases.Case) cases.Change) cases.Case {
	t.Helper()
	got, err := s.Update(ctx, accord.Scope{All: true}, id, func(c cases.Case) (cases.Change, error) { return ch(c), nil })
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func wantSame(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("%s (-want +got):\n%s", what, d)
	}
}

// jobRow is a jobs row as the tests inspect it.
type jobRow struct {
	ID        accord.ID
	OrgID     accord.ID
	RunAt     time.Time
	Attempts  int
	FailedAt  *time.Time
	CreatedAt time.Time
}

// jobsOf reads the jobs of a subject by kind.
func jobsOf(t *testing.T, db *store.DB, subject accord.ID) map[cases.TimerKind]jobRow {
	t.Helper()
	rows, err := db.SQL().QueryContext(ctx, `SELECT id, org_id, kind, run_at, attempts, failed_at, created_at FROM jobs WHERE subject_id = $1`, subject)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[cases.TimerKind]jobRow{}
	for rows.Next() {
		var j jobRow
		var kind cases.TimerKind
		var failed *time.Time
		if err := rows.Scan(&j.ID, &j.OrgID, &kind, &j.RunAt, &j.Attempts, &failed, &j.CreatedAt); err != nil {
			t.Fatal(err)
		}
		j.FailedAt = failed
		out[kind] = j
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantTimers checks the run_at of each job of a subject.
func wantTimers(t *testing.T, db *store.DB, subject accord.ID, want map[cases.TimerKind]time.Time) map[cases.TimerKind]jobRow {
	t.Helper()
	got := jobsOf(t, db, subject)
	runs := map[cases.TimerKind]time.Time{}
	for k, j := range got {
		runs[k] = j.RunAt
	}
	wantSame(t, "timers", want, runs)
	return got
}

func caseEvents(t *testing.T, db *store.DB, org, id accord.ID) []string {
	t.Helper()
	l, _, err := store.NewAudit(db).ListEvents(ctx, accord.OnlyOrg(org), audit.Filter{EntityID: &id}, accord.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range l {
		actions = append(actions, e.Action)
	}
	slices.Reverse(actions)
	return actions
}

func entrySeqs(t *testing.T, db *store.DB, caseID accord.ID) []int64 {
	t.Helper()
	rows, err := db.SQL().QueryContext(ctx, `SELECT seq FROM case_entries WHERE case_id = $1 ORDER BY seq`, caseID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func testCasesOpen(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "open")
	var opened []cases.Case
	var openings []cases.Opening
	for i, org := range []accord.ID{w.a.ID, w.b.ID, w.a.ID} {
		c := sampleCase(org, t0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("case %d", i))
		if i == 2 {
			c.AssigneeID, c.ContractID, c.OpenedByID, c.ParentID = w.agent.ID, w.contract.ID, "usr_opener", opened[0].ID
			c.Clock.PhoneAt, c.Clock.Channel = after0(time.Minute), sla.Phone
		}
		o := caseOpening(c)
		got, err := w.s.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != int64(i+1) {
			t.Fatalf("case %d got number %d, want %d", i, got.Number, i+1)
		}
		c.Number = got.Number
		wantSame(t, "opened case", c, got)
		opened, openings = append(opened, got), append(openings, o)
	}

	got, err := w.s.Get(ctx, accord.OnlyOrg(w.a.ID), opened[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "Get", opened[2], got)
	if got.CreatedAt.Location() != time.UTC || got.Clock.DueAt.Location() != time.UTC {
		t.Fatalf("times not in UTC: %v, %v", got.CreatedAt, got.Clock.DueAt)
	}
	_, err = w.s.Get(ctx, accord.OnlyOrg(w.a.ID), opened[1].ID)
	wantKind(t, err, accord.NotFound)
	_, err = w.s.Get(ctx, accord.Scope{}, opened[0].ID)
	wantKind(t, err, accord.NotFound)
	_, err = w.s.Get(ctx, accord.Scope{All: true}, "cas_ghost")
	wantKind(t, err, accord.NotFound)

	all, err := w.s.Entries(ctx, accord.OnlyOrg(w.a.ID), opened[0].ID, true)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "entries", openings[0].Entries, all)
	public, err := w.s.Entries(ctx, accord.OnlyOrg(w.a.ID), opened[0].ID, false)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "public entries", openings[0].Entries[:1], public)
	_, err = w.s.Entries(ctx, accord.OnlyOrg(w.b.ID), opened[0].ID, true)
	wantKind(t, err, accord.NotFound)
	if got := entrySeqs(t, db, opened[0].ID); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("entry seqs %v", got)
	}

	jobs := wantTimers(t, db, opened[0].ID, map[cases.TimerKind]time.Time{cases.BreachTimer: t0.Add(4 * time.Hour), cases.WarnTimer: t0.Add(3 * time.Hour)})
	if j := jobs[cases.BreachTimer]; j.OrgID != w.a.ID || j.Attempts != 0 || j.FailedAt != nil || !j.CreatedAt.Equal(t0) {
		t.Fatalf("breach job %+v", j)
	}
	wantSame(t, "events", []string{"case.open"}, caseEvents(t, db, w.a.ID, opened[0].ID))

	// Refused openings write nothing. On SQLite they take no number; on
	// PostgreSQL the sequence does not give back the numbers they took
	// (docs/cases.md, "Case numbers"), so the next case comes after a gap.
	bad := sampleCase(w.a.ID, t0, "ghost assignee")
	bad.AssigneeID = "usr_ghost"
	_, err = w.s.Open(ctx, caseOpening(bad))
	wantKind(t, err, accord.Invalid)
	dup := sampleCase(w.a.ID, t0, "same id")
	dup.ID = opened[0].ID
	_, err = w.s.Open(ctx, caseOpening(dup))
	wantKind(t, err, accord.Conflict)
	bad = sampleCase(w.a.ID, t0, "bad criticality")
	bad.Criticality = "C9"
	_, err = w.s.Open(ctx, caseOpening(bad))
	wantKind(t, err, accord.Invalid)
	if got := jobsOf(t, db, bad.ID); len(got) != 0 {
		t.Fatalf("refused opening left jobs %+v", got)
	}
	want := int64(4)
	if db.Engine() == store.Postgres {
		want = 7 // the refused three took 4, 5 and 6
	}
	if c := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "fourth")); c.Number != want {
		t.Fatalf("after refused openings, number %d, want %d", c.Number, want)
	}
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

// testCasesConcurrentOpen: numbers stay unique, and without gaps when no
// opening fails, when cases of two customers are opened at once; each
// customer's chain stays whole.
func testCasesConcurrentOpen(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "concurrent open")
	first := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "first"))
	const n = 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	var numbers []int64
	for i := range n {
		wg.Go(func() {
			org := w.a.ID
			if i%2 == 1 {
				org = w.b.ID
			}
			c, err := w.s.Open(ctx, caseOpening(sampleCase(org, t0, fmt.Sprint("parallel ", i))))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			numbers = append(numbers, c.Number)
		})
	}
	wg.Wait()
	slices.Sort(numbers)
	var want []int64
	for i := range n {
		want = append(want, first.Number+1+int64(i))
	}
	wantSame(t, "numbers", want, numbers)
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

// listAll pages through a list with pages of size limit.
func listAll(t *testing.T, s *store.Cases, scope accord.Scope, f cases.Filter, limit int) []accord.ID {
	t.Helper()
	var ids []accord.ID
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("paging does not end")
		}
		l, next, err := s.List(ctx, scope, f, accord.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if len(l) > limit {
			t.Fatalf("page of %d, limit %d", len(l), limit)
		}
		for _, c := range l {
			ids = append(ids, c.ID)
		}
		if next == "" {
			return ids
		}
		cursor = next
	}
}

func testCasesList(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "list")
	// Cases of A with created and due instants that tie, so that ids
	// break ties on both orders.
	type spec struct {
		created   time.Duration
		due       time.Duration // 0: none (paused or answered)
		state     cases.State
		typ       cases.Type
		crit      sla.Criticality
		assigned  bool
		breached  bool
		otherSide bool // in B
	}
	specs := []spec{
		{0, 4 * time.Hour, cases.New, cases.Incident, sla.C2, false, false, false},
		{time.Minute, 2 * time.Hour, cases.Open, cases.Defect, sla.C1, true, false, false},
		{time.Minute, 2 * time.Hour, cases.Open, cases.Incident, sla.C1, true, true, false},
		{time.Minute, 0, cases.AwaitingCustomer, cases.Question, sla.C3, true, false, false},
		{2 * time.Minute, 30 * time.Minute, cases.New, cases.Incident, sla.C2, false, true, false},
		{3 * time.Minute, 0, cases.Resolved, cases.Defect, sla.C4, false, false, false},
		{3 * time.Minute, 2 * time.Hour, cases.New, cases.Incident, sla.C3, false, false, false},
		{4 * time.Minute, 0, cases.Received, cases.Enhancement, sla.C4, false, false, false},
		{time.Minute, time.Hour, cases.New, cases.Incident, sla.C1, false, false, true},
		{5 * time.Minute, 0, cases.Open, cases.Defect, sla.C2, true, true, true},
	}
	var all []cases.Case
	for i, sp := range specs {
		org := w.a.ID
		if sp.otherSide {
			org = w.b.ID
		}
		c := sampleCase(org, t0.Add(sp.created), fmt.Sprint("list ", i))
		c.State, c.Type, c.Criticality = sp.state, sp.typ, sp.crit
		c.Clock.DueAt, c.Clock.WarnAt = nil, nil
		if sp.due != 0 {
			c.Clock.DueAt, c.Clock.WarnAt = after0(sp.due), after0(sp.due-time.Minute)
		}
		if sp.assigned {
			c.AssigneeID = w.agent.ID
		}
		if sp.breached {
			c.Clock.BreachedAt = after0(sp.due + time.Second)
		}
		all = append(all, mustOpen(t, w.s, c))
	}
	newest := func(a, b cases.Case) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmpIDs(b.ID, a.ID)
	}
	soonest := func(a, b cases.Case) int {
		if c := a.Clock.DueAt.Compare(*b.Clock.DueAt); c != 0 {
			return c
		}
		return cmpIDs(a.ID, b.ID)
	}
	yes, no := true, false
	// Both organizations of this test; other tests share the database.
	ab := accord.Scope{Orgs: []accord.ID{w.a.ID, w.b.ID}}
	before := t0.Add(2 * time.Hour)
	for _, tc := range []struct {
		name  string
		scope accord.Scope
		f     cases.Filter
		keep  func(c cases.Case) bool
	}{
		{"all of A", accord.OnlyOrg(w.a.ID), cases.Filter{}, func(c cases.Case) bool { return c.OrgID == w.a.ID }},
		{"both orgs", ab, cases.Filter{}, func(c cases.Case) bool { return true }},
		{"org filter", accord.Scope{All: true}, cases.Filter{OrgID: w.b.ID}, func(c cases.Case) bool { return c.OrgID == w.b.ID }},
		{"foreign org filter", accord.OnlyOrg(w.a.ID), cases.Filter{OrgID: w.b.ID}, func(c cases.Case) bool { return false }},
		{"empty scope", accord.Scope{}, cases.Filter{}, func(c cases.Case) bool { return false }},
		{"states", accord.OnlyOrg(w.a.ID), cases.Filter{States: []cases.State{cases.New, cases.Open}},
			func(c cases.Case) bool { return c.OrgID == w.a.ID && (c.State == cases.New || c.State == cases.Open) }},
		{"type", ab, cases.Filter{Type: cases.Defect}, func(c cases.Case) bool { return c.Type == cases.Defect }},
		{"criticality", accord.OnlyOrg(w.a.ID), cases.Filter{Criticality: sla.C1},
			func(c cases.Case) bool { return c.OrgID == w.a.ID && c.Criticality == sla.C1 }},
		{"assignee", ab, cases.Filter{AssigneeID: w.agent.ID}, func(c cases.Case) bool { return c.AssigneeID == w.agent.ID }},
		{"unassigned", accord.OnlyOrg(w.a.ID), cases.Filter{Unassigned: true}, func(c cases.Case) bool { return c.OrgID == w.a.ID && c.AssigneeID == "" }},
		{"due before", ab, cases.Filter{DueBefore: &before},
			func(c cases.Case) bool { return c.Clock.DueAt != nil && c.Clock.DueAt.Before(before) }},
		{"breached", ab, cases.Filter{Breached: &yes}, func(c cases.Case) bool { return c.Clock.BreachedAt != nil }},
		{"not breached", accord.OnlyOrg(w.a.ID), cases.Filter{Breached: &no},
			func(c cases.Case) bool { return c.OrgID == w.a.ID && c.Clock.BreachedAt == nil }},
		{"combined", accord.OnlyOrg(w.a.ID), cases.Filter{States: []cases.State{cases.New}, Criticality: sla.C2, Unassigned: true},
			func(c cases.Case) bool {
				return c.OrgID == w.a.ID && c.State == cases.New && c.Criticality == sla.C2 && c.AssigneeID == ""
			}},
	} {
		for _, byDue := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/byDue=%v", tc.name, byDue), func(t *testing.T) {
				var want []cases.Case
				for _, c := range all {
					if tc.keep(c) && (!byDue || c.Clock.DueAt != nil) {
						want = append(want, c)
					}
				}
				if byDue {
					slices.SortFunc(want, soonest)
				} else {
					slices.SortFunc(want, newest)
				}
				f := tc.f
				f.ByDue = byDue
				got, next, err := w.s.List(ctx, tc.scope, f, accord.Page{Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				if next != "" {
					t.Fatalf("next %q after the whole list", next)
				}
				if want == nil {
					want = []cases.Case{}
				}
				if got == nil {
					got = []cases.Case{}
				}
				wantSame(t, "list", want, got)
				var wantIDs []accord.ID
				for _, c := range want {
					wantIDs = append(wantIDs, c.ID)
				}
				for _, limit := range []int{1, 2, 3} {
					wantSame(t, fmt.Sprint("pages of ", limit), wantIDs, listAll(t, w.s, tc.scope, f, limit))
				}
			})
		}
	}
	l, next, err := w.s.List(ctx, accord.OnlyOrg(w.a.ID), cases.Filter{}, accord.Page{})
	if err != nil || len(l) != 8 || next != "" {
		t.Fatalf("default page: %d cases, next %q, %v", len(l), next, err)
	}
	_, _, err = w.s.List(ctx, accord.OnlyOrg(w.a.ID), cases.Filter{}, accord.Page{Limit: 2, Cursor: "garbage"})
	wantKind(t, err, accord.Invalid)
	_, _, err = w.s.List(ctx, accord.OnlyOrg(w.a.ID), cases.Filter{ByDue: true}, accord.Page{Limit: 2, Cursor: accord.Cursor{Key: "x", ID: "y"}.Encode()})
	wantKind(t, err, accord.Invalid)
}

// testCasesViews: "the customer wrote last" is read from the latest public
// message (the opening or a reply) whatever came after it, inside the
// scope; the recently updated view pages by updated_at.
func testCasesViews(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "views")
	msg := func(c cases.Case, kind cases.EntryKind, org accord.ID, internal bool, after time.Duration) cases.Entry {
		return cases.Entry{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: kind, Internal: internal, Author: "someone",
			AuthorOrg: org, Body: string(kind), At: c.CreatedAt.Add(after)}
	}
	const vendor = accord.ID("org_v")
	type spec struct {
		org     accord.ID
		state   cases.State
		updated time.Duration
		entries func(c cases.Case) []cases.Entry
		waiting time.Duration // -1: not waiting
	}
	specs := []spec{
		{w.a.ID, cases.New, 5 * time.Minute, func(c cases.Case) []cases.Entry { return []cases.Entry{msg(c, cases.Opened, c.OrgID, false, 0)} }, 0},
		{w.a.ID, cases.Open, 3 * time.Minute, func(c cases.Case) []cases.Entry {
			return []cases.Entry{msg(c, cases.Opened, c.OrgID, false, 0), msg(c, cases.Reply, vendor, false, time.Minute)}
		}, -1},
		{w.a.ID, cases.Open, 9 * time.Minute, func(c cases.Case) []cases.Entry {
			return []cases.Entry{msg(c, cases.Opened, c.OrgID, false, 0), msg(c, cases.Reply, vendor, false, time.Minute),
				msg(c, cases.Reply, c.OrgID, false, 2*time.Minute)}
		}, 2 * time.Minute},
		{w.a.ID, cases.Open, time.Minute, func(c cases.Case) []cases.Entry {
			return []cases.Entry{msg(c, cases.Opened, c.OrgID, false, 0), msg(c, cases.Note, vendor, true, time.Minute),
				msg(c, cases.StateChanged, vendor, false, 2*time.Minute)}
		}, 0},
		{w.a.ID, cases.AwaitingCustomer, 7 * time.Minute, func(c cases.Case) []cases.Entry {
			return []cases.Entry{msg(c, cases.Reply, c.OrgID, false, 0)}
		}, -1},
		{w.b.ID, cases.New, 2 * time.Minute, func(c cases.Case) []cases.Entry { return []cases.Entry{msg(c, cases.Opened, c.OrgID, false, 0)} }, 0},
	}
	var all []cases.Case
	for i, sp := range specs {
		c := sampleCase(sp.org, t0, fmt.Sprint("view ", i))
		c.State, c.UpdatedAt = sp.state, t0.Add(sp.updated)
		o := caseOpening(c)
		o.Entries = sp.entries(c)
		got, err := w.s.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if sp.waiting >= 0 {
			since := t0.Add(sp.waiting)
			got.WaitingSince = &since
		}
		all = append(all, got)
	}
	ab := accord.Scope{Orgs: []accord.ID{w.a.ID, w.b.ID}}
	for _, tc := range []struct {
		name  string
		scope accord.Scope
		f     cases.Filter
		want  []int
	}{
		{"waiting in A", accord.OnlyOrg(w.a.ID), cases.Filter{CustomerWroteLast: true, States: cases.WaitingStates}, []int{3, 2, 0}},
		{"waiting in B", accord.OnlyOrg(w.b.ID), cases.Filter{CustomerWroteLast: true}, []int{5}},
		{"wrote last in any state", accord.OnlyOrg(w.a.ID), cases.Filter{CustomerWroteLast: true}, []int{4, 3, 2, 0}},
		{"updated", ab, cases.Filter{ByUpdated: true}, []int{2, 4, 0, 1, 5, 3}},
		{"updated in B", accord.OnlyOrg(w.b.ID), cases.Filter{ByUpdated: true}, []int{5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []cases.Case
			var wantIDs []accord.ID
			for _, i := range tc.want {
				want, wantIDs = append(want, all[i]), append(wantIDs, all[i].ID)
			}
			if !tc.f.ByUpdated {
				slices.SortFunc(want, func(a, b cases.Case) int { return cmpIDs(b.ID, a.ID) })
				wantIDs = nil
				for _, c := range want {
					wantIDs = append(wantIDs, c.ID)
				}
			}
			got, _, err := w.s.List(ctx, tc.scope, tc.f, accord.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			wantSame(t, "list", want, got)
			for _, limit := range []int{1, 2} {
				wantSame(t, fmt.Sprint("pages of ", limit), wantIDs, listAll(t, w.s, tc.scope, tc.f, limit))
			}
		})
	}
}

func cmpIDs(a, b accord.ID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// testCasesUpdate round-trips every field of a case through Update.
func testCasesUpdate(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "update")
	parent := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "parent"))
	c := mustOpen(t, w.s, sampleCase(w.a.ID, t0.Add(time.Minute), "plain"))

	changed := cases.Case{
		ID: c.ID, OrgID: c.OrgID, Number: c.Number, Type: cases.Defect, Title: "Vault seal loops", Description: "It reseals itself",
		Details:     cases.Details{Criticality: sla.C1, Procedure: "restart", Version: "4.2.2", Observed: "sealed", Expected: "open", Discovery: "customer"},
		Criticality: sla.C1, State: cases.Resolved, DeliveredIn: "4.3.0", ContractID: w.contract.ID, OpenedByID: "usr_opener",
		OpenedBy: "Bea", AssigneeID: w.agent.ID, ParentID: parent.ID, OutOfScope: "training",
		Clock: cases.Clock{PolicyVersion: 2, Plan: "advanced", Channel: sla.Phone, ReceivedAt: t0.Add(2 * time.Minute), PhoneAt: after0(3 * time.Minute),
			Kind: "business", StartsAt: t0.Add(4 * time.Minute), Target: sla.Duration(90 * time.Minute), Guaranteed: false, CallRequired: true,
			DueAt: after0(5 * time.Hour), WarnAt: after0(4 * time.Hour), RespondedAt: after0(10 * time.Minute), WarnedAt: after0(4 * time.Hour),
			BreachedAt: after0(5 * time.Hour), BreachCriticality: sla.C2, BreachDueAt: after0(4*time.Hour + time.Second), PausedSince: after0(6 * time.Hour)},
		AutoCloseAt: after0(72 * time.Hour), ResolvedAt: after0(7 * time.Hour), ClosedAt: after0(8 * time.Hour), CloseReason: "confirmed",
		CreatedAt: c.CreatedAt, UpdatedAt: t0.Add(8 * time.Hour),
	}
	var seen cases.Case
	got, err := w.s.Update(ctx, accord.OnlyOrg(w.a.ID), c.ID, func(old cases.Case) (cases.Change, error) {
		seen = old
		return cases.Change{Case: changed}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "decide's case", c, seen)
	wantSame(t, "updated", changed, got)
	got, err = w.s.Get(ctx, accord.OnlyOrg(w.a.ID), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "read back", changed, got)

	// The organization, number and creation are fixed.
	moved := changed
	moved.OrgID, moved.Number, moved.CreatedAt, moved.UpdatedAt = w.b.ID, 999, t0.Add(time.Hour), t0.Add(9*time.Hour)
	got = mustUpdate(t, w.s, c.ID, func(cases.Case) cases.Change { return cases.Change{Case: moved} })
	want := changed
	want.UpdatedAt = moved.UpdatedAt
	wantSame(t, "fixed fields", want, got)

	// Optional fields go back to empty.
	plain := c
	plain.UpdatedAt = t0.Add(10 * time.Hour)
	plain.Clock.DueAt, plain.Clock.WarnAt = nil, nil
	got = mustUpdate(t, w.s, c.ID, func(cases.Case) cases.Change { return cases.Change{Case: plain} })
	wantSame(t, "cleared", plain, got)
	got, _ = w.s.Get(ctx, accord.Scope{All: true}, c.ID)
	wantSame(t, "cleared, read back", plain, got)

	// Outside the scope decide is not called.
	called := false
	_, err = w.s.Update(ctx, accord.OnlyOrg(w.b.ID), c.ID, func(cases.Case) (cases.Change, error) {
		called = true
		return cases.Change{}, nil
	})
	wantKind(t, err, accord.NotFound)
	if called {
		t.Fatal("decide was called for a case outside the scope")
	}
	_, err = w.s.Update(ctx, accord.Scope{All: true}, "cas_ghost", func(cases.Case) (cases.Change, error) { return cases.Change{}, nil })
	wantKind(t, err, accord.NotFound)

	// decide's error comes back as is.
	no := errors.New("decided against it")
	_, err = w.s.Update(ctx, accord.Scope{All: true}, c.ID, func(cases.Case) (cases.Change, error) { return cases.Change{}, no })
	if err != no {
		t.Fatalf("decide's error came back as %v", err)
	}
	_, err = w.s.Update(ctx, accord.Scope{All: true}, c.ID, func(cases.Case) (cases.Change, error) {
		return cases.Change{}, &accord.Error{Kind: accord.Conflict, Msg: "state moved"}
	})
	wantKind(t, err, accord.Conflict)
	got, _ = w.s.Get(ctx, accord.Scope{All: true}, c.ID)
	wantSame(t, "after refused decisions", plain, got)

	// A panic in decide goes on, after the transaction is rolled back.
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v, want decide's panic", p)
			}
		}()
		_, _ = w.s.Update(ctx, accord.Scope{All: true}, c.ID, func(cases.Case) (cases.Change, error) { panic("boom") })
	}()
	got = mustUpdate(t, w.s, c.ID, func(old cases.Case) cases.Change {
		old.UpdatedAt = t0.Add(11 * time.Hour)
		return cases.Change{Case: old}
	})
	if !got.UpdatedAt.Equal(t0.Add(11 * time.Hour)) {
		t.Fatalf("after a panic, update gave %+v", got)
	}
}

// testCasesUpdateAtomic: a change that fails part way writes nothing, not
// even a large attachment's file.
func testCasesUpdateAtomic(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "atomic")
	other := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "other"))
	c := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "atomic"))
	before := jobsOf(t, db, c.ID)
	big := randomBytes(t, 100<<10)
	fileID := accord.NewID("fil")
	_, err := w.s.Update(ctx, accord.Scope{All: true}, c.ID, func(old cases.Case) (cases.Change, error) {
		next := old
		next.Title, next.State, next.UpdatedAt = "changed", cases.Open, t0.Add(time.Hour)
		entry := attachmentEntry(old, fileID, big)
		rca := sampleCase(w.a.ID, t0.Add(time.Hour), "clash")
		rca.ID = other.ID // taken: the opening fails after the file is written
		return cases.Change{
			Case:    next,
			Entries: []cases.Entry{{ID: accord.NewID("ent"), Kind: cases.Reply, Author: "A", Body: "hi", At: t0.Add(time.Hour)}, entry},
			Pause:   &cases.Pause{From: t0.Add(time.Hour)},
			Timers:  []cases.Timer{{Kind: cases.BreachTimer, At: t0.Add(9 * time.Hour)}, {Kind: cases.WarnTimer}},
			Uploads: []cases.Upload{{File: *entry.Data.File, Content: big}},
			Created: []cases.Opening{caseOpening(rca)},
			Events:  []audit.Event{audit.New(system, t0, w.a.ID, "case.update", "case", c.ID, nil)},
		}, nil
	})
	wantKind(t, err, accord.Conflict)
	got, _ := w.s.Get(ctx, accord.Scope{All: true}, c.ID)
	wantSame(t, "case after a failed change", c, got)
	if l, _ := w.s.Entries(ctx, accord.Scope{All: true}, c.ID, true); len(l) != 2 {
		t.Fatalf("failed change left %d entries, want 2", len(l))
	}
	wantSame(t, "jobs after a failed change", before, jobsOf(t, db, c.ID))
	wantSame(t, "events after a failed change", []string{"case.open"}, caseEvents(t, db, w.a.ID, c.ID))
	_, _, err = w.s.File(ctx, accord.Scope{All: true}, c.ID, fileID)
	wantKind(t, err, accord.NotFound)
	if files := filesIn(t, w.dir); len(files) != 0 {
		t.Fatalf("failed change left files %v", files)
	}
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func attachmentEntry(c cases.Case, fileID accord.ID, content []byte) cases.Entry {
	sum := sha256.Sum256(content)
	return cases.Entry{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: cases.Attachment, Author: "Ana", At: c.UpdatedAt,
		Data: cases.EntryData{File: &cases.File{ID: fileID, Name: "vault.log", ContentType: "application/octet-stream", Size: int64(len(content)),
			SHA256: hex.EncodeToString(sum[:])}}}
}

// filesIn lists the regular files under dir, relative to it.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// testCasesChanges: pauses open and close, entries are appended and
// updated, timers are set, replaced and cancelled, openings are written,
// events appended.
func testCasesChanges(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "changes")
	c := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "changes"))
	opened := jobsOf(t, db, c.ID)

	// Pause, with a proposed remote session.
	session := cases.Entry{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: cases.RemoteSession, AuthorID: w.agent.ID,
		Author: w.agent.Name, AuthorOrg: w.agent.OrgID, Body: "shall we look together?", At: t0.Add(time.Hour),
		Data: cases.EntryData{Session: &cases.Session{StartsAt: t0.Add(2 * time.Hour), Minutes: 30, Status: cases.SessionProposed, RemoteControl: true}}}
	note := cases.Entry{ID: accord.NewID("ent"), Kind: cases.Note, Internal: true, Author: "Agent", Body: "asked for logs", At: t0.Add(time.Hour),
		Data: cases.EntryData{References: []cases.Reference{{Kind: cases.LogRequest, Value: "vault.log"}}, RequestInformation: true}}
	got := mustUpdate(t, w.s, c.ID, func(old cases.Case) cases.Change {
		next := old
		next.State, next.UpdatedAt, next.Clock.PausedSince, next.Clock.DueAt, next.Clock.WarnAt = cases.AwaitingCustomer, t0.Add(time.Hour), after0(time.Hour), nil, nil
		return cases.Change{Case: next, Entries: []cases.Entry{session, note}, Pause: &cases.Pause{From: t0.Add(time.Hour)},
			Timers: []cases.Timer{{Kind: cases.BreachTimer}, {Kind: cases.WarnTimer}, {Kind: cases.CloseTimer, At: t0.Add(72 * time.Hour)}},
			Events: []audit.Event{audit.New(system, t0.Add(time.Hour), c.OrgID, "case.pause", "case", c.ID, nil)}}
	})
	wantSame(t, "open pause", []cases.Pause{{From: t0.Add(time.Hour)}}, got.Pauses)
	closeJob := wantTimers(t, db, c.ID, map[cases.TimerKind]time.Time{cases.CloseTimer: t0.Add(72 * time.Hour)})[cases.CloseTimer]
	if !closeJob.CreatedAt.Equal(t0.Add(time.Hour)) || closeJob.OrgID != c.OrgID {
		t.Fatalf("close job %+v: want created at the change's update time", closeJob)
	}

	// Resume: the pause closes, the session is accepted, timers come back.
	accepted := session
	decided := t0.Add(90 * time.Minute)
	accepted.Data.Session = &cases.Session{StartsAt: t0.Add(2 * time.Hour), Minutes: 30, Status: cases.SessionAccepted, RemoteControl: true,
		DecidedBy: "Ana", DecidedAt: &decided, Note: "ok"}
	var seenPauses []cases.Pause
	got = mustUpdate(t, w.s, c.ID, func(old cases.Case) cases.Change {
		seenPauses = old.Pauses
		next := old
		next.State, next.UpdatedAt, next.Clock.PausedSince = cases.Open, t0.Add(2*time.Hour), nil
		next.Clock.DueAt, next.Clock.WarnAt = after0(5*time.Hour), after0(4*time.Hour)
		return cases.Change{Case: next, Update: []cases.EntryUpdate{{From: session, To: accepted}}, Pause: &cases.Pause{From: t0.Add(time.Hour), To: after0(2 * time.Hour)},
			Timers: []cases.Timer{{Kind: cases.BreachTimer, At: t0.Add(5 * time.Hour)}, {Kind: cases.WarnTimer, At: t0.Add(4 * time.Hour)}, {Kind: cases.CloseTimer}}}
	})
	wantSame(t, "pauses seen by decide", []cases.Pause{{From: t0.Add(time.Hour)}}, seenPauses)
	// A decision made on a stale read of the entry is refused.
	_, err := w.s.Update(ctx, accord.Scope{All: true}, c.ID, func(old cases.Case) (cases.Change, error) {
		return cases.Change{Case: old, Update: []cases.EntryUpdate{{From: session, To: accepted}}}, nil
	})
	wantKind(t, err, accord.Conflict)
	wantSame(t, "closed pause", []cases.Pause{{From: t0.Add(time.Hour), To: after0(2 * time.Hour)}}, got.Pauses)
	again := wantTimers(t, db, c.ID, map[cases.TimerKind]time.Time{cases.BreachTimer: t0.Add(5 * time.Hour), cases.WarnTimer: t0.Add(4 * time.Hour)})
	if again[cases.BreachTimer].ID == opened[cases.BreachTimer].ID {
		t.Fatal("a timer set again kept its id")
	}

	// A second pause comes after the first; an entry update to another
	// case's entry is refused.
	got = mustUpdate(t, w.s, c.ID, func(old cases.Case) cases.Change {
		next := old
		next.UpdatedAt = t0.Add(3 * time.Hour)
		return cases.Change{Case: next, Pause: &cases.Pause{From: t0.Add(3 * time.Hour)}}
	})
	wantSame(t, "two pauses", []cases.Pause{{From: t0.Add(time.Hour), To: after0(2 * time.Hour)}, {From: t0.Add(3 * time.Hour)}}, got.Pauses)
	other := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "other"))
	otherEntries, _ := w.s.Entries(ctx, accord.Scope{All: true}, other.ID, true)
	_, err = w.s.Update(ctx, accord.Scope{All: true}, c.ID, func(old cases.Case) (cases.Change, error) {
		return cases.Change{Case: old, Update: []cases.EntryUpdate{{From: otherEntries[0], To: otherEntries[0]}}}, nil
	})
	wantKind(t, err, accord.NotFound)

	entries, err := w.s.Entries(ctx, accord.Scope{All: true}, c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Fatalf("%d entries, want 4", len(entries))
	}
	note.OrgID, note.CaseID = c.OrgID, c.ID
	wantSame(t, "appended entries", []cases.Entry{accepted, note}, entries[2:])
	if public, _ := w.s.Entries(ctx, accord.Scope{All: true}, c.ID, false); len(public) != 2 || public[1].ID != session.ID {
		t.Fatalf("public entries %+v", public)
	}
	wantSame(t, "seqs", []int64{1, 2, 3, 4}, entrySeqs(t, db, c.ID))

	// A change that opens a root-cause analysis.
	rca := sampleCase(w.a.ID, t0.Add(4*time.Hour), "Root cause of the vault seal loop")
	rca.Type, rca.ParentID = cases.RootCause, c.ID
	o := caseOpening(rca)
	got = mustUpdate(t, w.s, c.ID, func(old cases.Case) cases.Change {
		next := old
		next.State, next.UpdatedAt = cases.Resolved, t0.Add(4*time.Hour)
		return cases.Change{Case: next, Created: []cases.Opening{o},
			Entries: []cases.Entry{{ID: accord.NewID("ent"), Kind: cases.Linked, Author: "Accord", At: t0.Add(4 * time.Hour), Data: cases.EntryData{CaseID: rca.ID}}},
			Events:  []audit.Event{audit.New(system, t0.Add(4*time.Hour), c.OrgID, "case.resolve", "case", c.ID, nil)}}
	})
	if got.ID != c.ID || got.State != cases.Resolved {
		t.Fatalf("Update returned %+v, want the updated case", got)
	}
	created, err := w.s.Get(ctx, accord.OnlyOrg(w.a.ID), rca.ID)
	if err != nil {
		t.Fatal(err)
	}
	rca.Number = other.Number + 1
	wantSame(t, "created case", rca, created)
	rcaEntries, _ := w.s.Entries(ctx, accord.Scope{All: true}, rca.ID, true)
	wantSame(t, "created case's entries", o.Entries, rcaEntries)
	wantTimers(t, db, rca.ID, map[cases.TimerKind]time.Time{cases.BreachTimer: *rca.Clock.DueAt, cases.WarnTimer: *rca.Clock.WarnAt})
	wantSame(t, "created case's events", []string{"case.open"}, caseEvents(t, db, w.a.ID, rca.ID))
	wantSame(t, "events", []string{"case.open", "case.pause", "case.resolve"}, caseEvents(t, db, w.a.ID, c.ID))
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

// testCaseFiles stores a small attachment, a large one (in the data
// directory on SQLite) and an empty one, and reads them back.
func testCaseFiles(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "files")
	c := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "files"))
	type upload struct {
		id      accord.ID
		content []byte
		entry   cases.Entry
	}
	var ups []upload
	for i, n := range []int{1000, 64 << 10, 64<<10 + 1, 300 << 10, 0} {
		u := upload{id: accord.NewID("fil"), content: randomBytes(t, n)}
		mustUpdate(t, w.s, c.ID, func(old cases.Case) cases.Change {
			next := old
			next.UpdatedAt = t0.Add(time.Duration(i+1) * time.Minute)
			u.entry = attachmentEntry(next, u.id, u.content)
			u.entry.Internal = i == 1
			reply := cases.Entry{ID: accord.NewID("ent"), Kind: cases.Reply, Author: "Ana", Body: "logs attached", At: next.UpdatedAt}
			return cases.Change{Case: next, Entries: []cases.Entry{reply, u.entry}, Uploads: []cases.Upload{{File: *u.entry.Data.File, Content: u.content}}}
		})
		ups = append(ups, u)
	}
	for _, u := range ups {
		e, content, err := w.s.File(ctx, accord.OnlyOrg(w.a.ID), c.ID, u.id)
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "attachment entry", u.entry, e)
		if !bytes.Equal(content, u.content) || content == nil {
			t.Fatalf("file of %d bytes read back as %d bytes (nil: %v), not identical", len(u.content), len(content), content == nil)
		}
	}
	var want []string
	if db.Engine() == store.SQLite {
		want = []string{"files/" + string(w.a.ID) + "/" + string(ups[2].id), "files/" + string(w.a.ID) + "/" + string(ups[3].id)}
		slices.Sort(want)
	}
	got := filesIn(t, w.dir)
	slices.Sort(got)
	wantSame(t, "files in the data directory", want, got)

	_, _, err := w.s.File(ctx, accord.OnlyOrg(w.b.ID), c.ID, ups[0].id)
	wantKind(t, err, accord.NotFound)
	_, _, err = w.s.File(ctx, accord.OnlyOrg(w.b.ID), c.ID, ups[3].id)
	wantKind(t, err, accord.NotFound)
	other := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "other"))
	_, _, err = w.s.File(ctx, accord.Scope{All: true}, other.ID, ups[0].id)
	wantKind(t, err, accord.NotFound)
	_, _, err = w.s.File(ctx, accord.Scope{All: true}, c.ID, "fil_ghost")
	wantKind(t, err, accord.NotFound)

	// An upload without its entry is refused.
	_, err = w.s.Update(ctx, accord.Scope{All: true}, c.ID, func(old cases.Case) (cases.Change, error) {
		return cases.Change{Case: old, Uploads: []cases.Upload{{File: cases.File{ID: accord.NewID("fil")}, Content: []byte("x")}}}, nil
	})
	if err == nil {
		t.Fatal("an upload without its entry was accepted")
	}
	// A file that went missing from the data directory is NotFound.
	if db.Engine() == store.SQLite {
		if err := os.Remove(filepath.Join(w.dir, filepath.FromSlash(want[0]))); err != nil {
			t.Fatal(err)
		}
		_, _, err = w.s.File(ctx, accord.Scope{All: true}, c.ID, accord.ID(filepath.Base(want[0])))
		wantKind(t, err, accord.NotFound)
	}
}

// testCasesSearch finds cases by words of their title, description and
// details, inside the scope, whatever a person types.
func testCasesSearch(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "search")
	s := w.s
	mk := func(org accord.ID, title, observed string) cases.Case {
		c := sampleCase(org, t0, title)
		c.Description = "Customer reports a problem"
		c.Details = cases.Details{Observed: observed, Version: "4.2.1"}
		return mustOpen(t, s, c)
	}
	vault := mk(w.a.ID, "Vault unseal TIMEOUT", "kerberos ticket expired")
	ldap := mk(w.a.ID, "LDAP sync slow", "groups missing after sync")
	foreign := mk(w.b.ID, "Vault unseal timeout", "kerberos ticket expired")
	all := accord.Scope{Orgs: []accord.ID{w.a.ID, w.b.ID}}
	for _, tc := range []struct {
		scope accord.Scope
		text  string
		want  []accord.ID
	}{
		{accord.OnlyOrg(w.a.ID), "kerberos", []accord.ID{vault.ID}},
		{accord.OnlyOrg(w.a.ID), "vault timeout", []accord.ID{vault.ID}},
		{accord.OnlyOrg(w.a.ID), "Vault  KERBEROS", []accord.ID{vault.ID}}, // words from title and details
		{accord.OnlyOrg(w.a.ID), "customer", []accord.ID{ldap.ID, vault.ID}},
		{accord.OnlyOrg(w.a.ID), "groups", []accord.ID{ldap.ID}},
		{accord.OnlyOrg(w.a.ID), "vault groups", nil},
		{accord.OnlyOrg(w.b.ID), "kerberos", []accord.ID{foreign.ID}},
		{all, "kerberos", []accord.ID{foreign.ID, vault.ID}},
		{accord.OnlyOrg(w.a.ID), "nothing-like-this", nil},
		{accord.OnlyOrg(w.a.ID), `foo" OR (bar`, nil},
		{accord.OnlyOrg(w.a.ID), `vault" OR (kerberos`, nil}, // "or" is a word like the others
		{accord.OnlyOrg(w.a.ID), `"vault"`, []accord.ID{vault.ID}},
		{accord.OnlyOrg(w.a.ID), `kerberos*`, []accord.ID{vault.ID}},
		{accord.OnlyOrg(w.a.ID), `title:vault NEAR(a b) ^x -y +z`, nil},
		{accord.OnlyOrg(w.a.ID), `" ( ) * : -`, []accord.ID{ldap.ID, vault.ID}}, // no word: no filter
		{accord.OnlyOrg(w.a.ID), "   ", []accord.ID{ldap.ID, vault.ID}},
	} {
		l, _, err := s.List(ctx, tc.scope, cases.Filter{Text: tc.text}, accord.Page{Limit: 50})
		if err != nil {
			t.Fatalf("search %q: %v", tc.text, err)
		}
		var got []accord.ID
		for _, c := range l {
			got = append(got, c.ID)
		}
		slices.Sort(got)
		slices.Sort(tc.want)
		wantSame(t, fmt.Sprintf("search %q", tc.text), tc.want, got)
	}
	// Search combines with other filters.
	l, _, err := s.List(ctx, accord.OnlyOrg(w.a.ID), cases.Filter{Text: "customer", States: []cases.State{cases.Open}}, accord.Page{Limit: 50})
	if err != nil || len(l) != 0 {
		t.Fatalf("search with a state filter: %d, %v", len(l), err)
	}

	// An update re-indexes the case.
	mustUpdate(t, s, vault.ID, func(old cases.Case) cases.Change {
		next := old
		next.Title, next.Details.Observed, next.UpdatedAt = "HSM unreachable", "network partition", t0.Add(time.Hour)
		return cases.Change{Case: next}
	})
	for text, want := range map[string]int{"kerberos": 0, "vault": 0, "partition": 1, "hsm": 1, "customer": 2} {
		l, _, err := s.List(ctx, accord.OnlyOrg(w.a.ID), cases.Filter{Text: text}, accord.Page{Limit: 50})
		if err != nil || len(l) != want {
			t.Fatalf("after update, search %q found %d, %v; want %d", text, len(l), err, want)
		}
	}
}

// testCasesConcurrentUpdate: updates of one case take turns, each seeing
// what the previous wrote.
func testCasesConcurrentUpdate(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "concurrent update")
	c := sampleCase(w.a.ID, t0, "0")
	o := caseOpening(c)
	o.Entries = nil
	if _, err := w.s.Open(ctx, o); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := w.s.Update(ctx, accord.OnlyOrg(w.a.ID), c.ID, func(old cases.Case) (cases.Change, error) {
				k, err := strconv.Atoi(old.Title)
				if err != nil {
					return cases.Change{}, err
				}
				next := old
				next.Title, next.UpdatedAt = strconv.Itoa(k+1), t0.Add(time.Duration(k+1)*time.Minute)
				e := cases.Entry{ID: accord.NewID("ent"), Kind: cases.Reply, Author: fmt.Sprint("writer ", i), Body: next.Title, At: next.UpdatedAt}
				return cases.Change{Case: next, Entries: []cases.Entry{e},
					Events: []audit.Event{audit.New(system, next.UpdatedAt, c.OrgID, "case.reply", "case", c.ID, nil)}}, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := w.s.Get(ctx, accord.Scope{All: true}, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != strconv.Itoa(n) {
		t.Fatalf("title %q after %d increments: an update was lost", got.Title, n)
	}
	entries, _ := w.s.Entries(ctx, accord.Scope{All: true}, c.ID, true)
	var bodies []string
	for _, e := range entries {
		bodies = append(bodies, e.Body)
	}
	wantSame(t, "entries in order", []string{"1", "2", "3", "4", "5", "6", "7", "8"}, bodies)
	wantSame(t, "seqs", []int64{1, 2, 3, 4, 5, 6, 7, 8}, entrySeqs(t, db, c.ID))
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep.Break)
	}
}

// testCasesOpenChild opens a case whose parent is being updated by a
// change that opens a case too. On PostgreSQL the opening holds the number
// lock while it refers to the parent, and the update holds the parent while
// it wants the number lock: the parent's lock must let the reference
// through, or the two deadlock.
func testCasesOpenChild(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "open child")
	parent := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "parent"))
	child := sampleCase(w.a.ID, t0, "child")
	child.ParentID = parent.ID
	done := make(chan error, 1)
	rca := sampleCase(w.a.ID, t0, "rca")
	rca.ParentID = parent.ID
	_, err := w.s.Update(ctx, accord.Scope{All: true}, parent.ID, func(old cases.Case) (cases.Change, error) {
		go func() {
			_, err := w.s.Open(ctx, caseOpening(child))
			done <- err
		}()
		time.Sleep(200 * time.Millisecond) // let the opening reach the parent
		next := old
		next.UpdatedAt = t0.Add(time.Hour)
		return cases.Change{Case: next, Created: []cases.Opening{caseOpening(rca)}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, id := range []accord.ID{child.ID, rca.ID} {
		if c, err := w.s.Get(ctx, accord.Scope{All: true}, id); err != nil || c.ParentID != parent.ID {
			t.Fatalf("get %s: %+v, %v", id, c, err)
		}
	}
}

// reclassify is the change that appends a reclassification entry to c.
func reclassify(c cases.Case, to sla.Criticality, at time.Time) cases.Change {
	e := cases.Entry{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: cases.Reclassified, Author: "Agent", At: at,
		Data: cases.EntryData{From: string(c.Criticality), To: string(to), Reason: "the impact changed"}}
	c.Criticality = to
	return cases.Change{Case: c, Entries: []cases.Entry{e}}
}

// testCasesReclassifications: a case's criticality history is read from
// its reclassification entries, oldest first, by Get and inside Update,
// and nothing of another case's.
func testCasesReclassifications(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "reclass")
	c := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "raised, then lowered"))
	other := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "lowered"))
	if len(c.Reclassifications) != 0 {
		t.Fatalf("a new case has a history: %+v", c.Reclassifications)
	}
	mustUpdate(t, w.s, c.ID, func(c cases.Case) cases.Change { return reclassify(c, sla.C1, t0.Add(time.Hour)) })
	mustUpdate(t, w.s, other.ID, func(c cases.Case) cases.Change { return reclassify(c, sla.C4, t0.Add(time.Hour)) })
	var seen []cases.CriticalityChange
	got := mustUpdate(t, w.s, c.ID, func(c cases.Case) cases.Change {
		seen = c.Reclassifications
		return reclassify(c, sla.C3, t0.Add(2*time.Hour))
	})
	first := cases.CriticalityChange{From: sla.C2, To: sla.C1, At: t0.Add(time.Hour)}
	wantSame(t, "history seen by decide", []cases.CriticalityChange{first}, seen)
	want := []cases.CriticalityChange{first, {From: sla.C1, To: sla.C3, At: t0.Add(2 * time.Hour)}}
	wantSame(t, "history after the update", want, got.Reclassifications)
	got, err := w.s.Get(ctx, accord.OnlyOrg(w.a.ID), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "history read back", want, got.Reclassifications)
	if got.Criticality != sla.C3 {
		t.Fatalf("criticality %s, want C3", got.Criticality)
	}
}
