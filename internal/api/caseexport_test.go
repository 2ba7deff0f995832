package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/reports"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// exported reads a case export as `as`: its rows by column name, after
// checking the header and the file's headers.
func (f *fixture) exported(t *testing.T, as, query string) []map[string]string {
	t.Helper()
	resp := f.do(as, "GET", "/api/v1/exports/cases"+f.expand(query), nil)
	if resp.status != http.StatusOK {
		t.Fatalf("export %q as %s: %d %s", query, as, resp.status, short(resp.body))
	}
	if ct := resp.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.header.Get("Content-Disposition"); cd != `attachment; filename="cases.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(resp.body)).ReadAll()
	if err != nil {
		t.Fatalf("export %q: %v\n%s", query, err, resp.body)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], reports.CaseColumns) {
		t.Fatalf("export %q: header %v", query, rows)
	}
	out := make([]map[string]string, len(rows)-1)
	for i, r := range rows[1:] {
		out[i] = map[string]string{}
		for c, name := range reports.CaseColumns {
			out[i][name] = r[c]
		}
	}
	return out
}

// listedIDs is every page of GET /api/v1/cases for query, as `as`.
func (f *fixture) listedIDs(t *testing.T, as, query string) []string {
	t.Helper()
	var ids []string
	sep := "?"
	if query != "" {
		sep = "&"
	}
	for cursor := ""; ; {
		resp := f.do(as, "GET", "/api/v1/cases"+f.expand(query)+sep+"limit=2&cursor="+cursor, nil)
		if resp.status != http.StatusOK {
			t.Fatalf("list %q: %d %s", query, resp.status, short(resp.body))
		}
		var l struct {
			Items []caseView
			Next  string `json:"next_cursor"`
		}
		resp.json(t, &l)
		for _, c := range l.Items {
			ids = append(ids, string(c.ID))
		}
		if cursor = l.Next; cursor == "" {
			return ids
		}
	}
}

// The case export holds what the list lists for the same query and the
// same reader, every page of it, with the columns filled as the SLA report
// judges the clock, cells escaped against formulas, and bad filters refused
// before any byte.
func TestCaseExport(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		step := func(n int) { f.now = friday.Add(time.Duration(n) * time.Minute) }
		step(0)
		f.openCase("acme", "A", incident("Hypervisor crash on node 3", "C2"))
		step(1)
		f.openCase("acme", "B", `{"type":"question","title":"=HYPERLINK(\"http://x.example\")","description":"How are they counted?"}`)
		step(2)
		f.openCase("acme", "C", incident("Slow report export", "C3"))
		step(3)
		f.openCase("globex", "D", incident("Portal login fails", "C3"))
		step(4)
		f.openCase("acme", "E", `{"type":"enhancement","title":"-Dark mode","description":"Please"}`)
		step(5)
		if resp := f.do("agent", "POST", "/api/v1/cases/"+f.ids["C"]+"/assign", `{"user_id":"`+string(f.users["agent"].ID)+`"}`); resp.status != http.StatusOK {
			t.Fatalf("assign: %d %s", resp.status, resp.body)
		}
		if resp := f.do("agent", "POST", "/api/v1/cases/"+f.ids["C"]+"/await-customer", `{"reason":"Need the logs"}`); resp.status != http.StatusOK {
			t.Fatalf("await: %d %s", resp.status, resp.body)
		}
		step(6)
		if resp := f.do("agent", "POST", "/api/v1/cases/"+f.ids["D"]+"/replies", `{"body":"Looking at it"}`); resp.status != http.StatusOK {
			t.Fatalf("reply: %d %s", resp.status, resp.body)
		}
		step(65)
		name := map[string]string{}
		for k, id := range f.ids {
			name[id] = k
		}
		names := func(rows []map[string]string) []string {
			var out []string
			for _, r := range rows {
				out = append(out, name[r["id"]])
			}
			return out
		}
		for _, c := range []struct{ as, query string }{
			{"agent", ""}, {"acme", ""}, {"globex", ""}, {"partner", ""}, {"auditor", ""},
			{"agent", "?org_id={org:globex}"}, {"acme", "?org_id={org:globex}"}, {"partner", "?org_id={org:acme}"},
			{"agent", "?state=new,open"}, {"agent", "?state=awaiting_customer"}, {"agent", "?type=incident"},
			{"agent", "?criticality=C3&type=incident"}, {"agent", "?q=hypervisor"}, {"globex", "?q=hypervisor"},
			{"agent", "?assignee_id=none"}, {"agent", "?assignee_id={user:agent}"}, {"agent", "?view=mine"},
			{"agent", "?view=awaiting"}, {"agent", "?sort=due"}, {"acme", "?sort=due&state=new"},
			{"agent", "?opened_from=2026-11-20T15:02:00Z&opened_to=2026-11-20T15:04:00Z"}, {"agent", "?breached=false&type=enhancement"},
		} {
			got := names(f.exported(t, c.as, c.query))
			want := f.listedIDs(t, c.as, c.query)
			for i := range want {
				want[i] = name[want[i]]
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s exports %q: %v, the list %v", c.as, c.query, got, want)
			}
		}
		if got := names(f.exported(t, "acme", "?org_id={org:globex}")); len(got) != 0 {
			t.Errorf("acme exports globex's cases: %v", got)
		}
		if got := names(f.exported(t, "agent", "")); !slices.Equal(got, []string{"E", "D", "C", "B", "A"}) {
			t.Errorf("agent's export: %v", got)
		}

		byName := func(rows []map[string]string) map[string]map[string]string {
			out := map[string]map[string]string{}
			for _, r := range rows {
				out[name[r["id"]]] = r
			}
			return out
		}
		staff := byName(f.exported(t, "agent", ""))
		c := staff["C"]
		for col, want := range map[string]string{"customer": "Acme Bank", "type": "incident", "title": "Slow report export",
			"criticality": "C3", "state": "awaiting_customer", "channel": "portal", "plan": "premium", "policy_version": "1",
			"received_at": "2026-11-20T15:02:00Z", "opened_at": "2026-11-20T15:02:00Z", "due_at": "", "first_response_at": "",
			"first_response": "pending", "paused_seconds": "3600", "assignee": "User agent", "resolved_at": "", "closed_at": ""} {
			if c[col] != want {
				t.Errorf("C's %s: %q, want %q", col, c[col], want)
			}
		}
		if c["number"] != "3" || c["clock_starts_at"] == "" {
			t.Errorf("C: %v", c)
		}
		if d := staff["D"]; d["first_response_at"] != "2026-11-20T15:06:00Z" || d["due_at"] == "" || d["customer"] != "Globex Health" {
			t.Errorf("D: %v", d)
		}
		// A is best effort; C's clock is paused within its target.
		for k, want := range map[string]string{"A": "not_guaranteed", "B": "pending", "C": "pending", "D": "met", "E": ""} {
			if got := staff[k]["first_response"]; got != want {
				t.Errorf("%s's first response: %q, want %q (%v)", k, got, want, staff[k])
			}
		}
		if got := staff["B"]["title"]; got != `'=HYPERLINK("http://x.example")` {
			t.Errorf("B's title: %q, want it escaped", got)
		}
		if got := staff["E"]["title"]; got != "'-Dark mode" {
			t.Errorf("E's title: %q, want it escaped", got)
		}
		// A customer's contact does not read the vendor's agents or teams.
		if got := byName(f.exported(t, "acme", ""))["C"]; got["assignee"] != "" || got["team"] != "" || got["customer"] != "Acme Bank" {
			t.Errorf("acme's C: %v", got)
		}

		for query, field := range map[string]string{
			"?state=bogus": "state", "?type=saga": "type", "?criticality=C9": "criticality", "?due_before=tomorrow": "due_before",
			"?breached=maybe": "breached", "?sort=oldest": "sort", "?sort=title": "sort", "?sort=-due": "sort",
			"?assignee_id=bob": "assignee_id", "?org_id=acme": "org_id", "?q=" + strings.Repeat("x", 201): "q",
			"?view=everything": "view", "?view=updated&sort=due": "sort", "?format=xlsx": "format", "?opened_from=monday": "opened_from",
		} {
			resp := f.do("agent", "GET", "/api/v1/exports/cases"+query, nil)
			if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"field":"`+field+`"`) ||
				!strings.HasPrefix(resp.header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: %d %s %s, want 400 naming %s", query, resp.status, resp.header.Get("Content-Type"), short(resp.body), field)
			}
		}
		if resp := f.do("", "GET", "/api/v1/exports/cases", nil); resp.status != http.StatusUnauthorized {
			t.Errorf("signed out: %d", resp.status)
		}
		// Exports that ran are audited with their query; refused ones are not.
		trail := f.do("auditor", "GET", "/api/v1/audit?entity_type=export&limit=100", nil)
		if trail.status != http.StatusOK || !strings.Contains(trail.body, `"action":"export.cases"`) {
			t.Errorf("no export.cases event: %d %s", trail.status, short(trail.body))
		}
		if strings.Contains(trail.body, "breached=maybe") || strings.Contains(trail.body, "sort=oldest") {
			t.Errorf("a refused export was audited: %s", short(trail.body))
		}
	})
}

// seedCases opens n cases through the store, three to an instant so that
// keyset pages end inside ties, alternately Acme's and Globex's; some are
// paused. It returns them newest first, as the export orders them.
func seedCases(t *testing.T, f *fixture, n int) []cases.Case {
	t.Helper()
	s := store.NewCases(f.db, t.TempDir())
	ctx := context.Background()
	var all []cases.Case
	for i := range n {
		org := f.orgs["acme"].ID
		if i%2 == 1 {
			org = f.orgs["globex"].ID
		}
		at := friday.Add(-time.Duration(n-i) / 3 * time.Second).Truncate(time.Second)
		due := at.Add(4 * time.Hour)
		c := cases.Case{ID: accord.NewID("cas"), OrgID: org, Type: cases.Incident, Title: fmt.Sprint("Seeded ", i),
			Description: "seeded", Criticality: sla.C2, State: cases.New, OpenedBy: "Seed",
			Clock: cases.Clock{PolicyVersion: 1, Plan: "premium", Channel: sla.Portal, ReceivedAt: at, Kind: sla.Clock24x7, StartsAt: at,
				Target: sla.Duration(4 * time.Hour), Guaranteed: true, DueAt: &due},
			CreatedAt: at, UpdatedAt: at}
		got, err := s.Open(ctx, cases.Opening{Case: c})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got)
	}
	slices.SortFunc(all, func(a, b cases.Case) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(string(b.ID), string(a.ID))
	})
	return all
}

// lockedBuffer is a log sink the server's goroutines write to while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// failingEach fails the store's iteration at its nth batch, as a database
// that goes away mid-export.
type failingEach struct {
	cases.Store
	n int
}

func (s failingEach) Each(ctx context.Context, scope accord.Scope, f cases.Filter, batch int, fn func([]cases.Case) error) error {
	i := 0
	return s.Store.Each(ctx, scope, f, batch, func(l []cases.Case) error {
		if i++; i == s.n {
			return errors.New("the database went away")
		}
		return fn(l)
	})
}

// A large export crosses many keyset pages: every case once, in order;
// the customer's only its own. A failure after rows went out cuts the
// response and is logged; one before is an error answer.
func TestCaseExportLarge(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	all := seedCases(t, f, 3000)
	for _, as := range []string{"agent", "acme"} {
		var want []string
		for _, c := range all {
			if as == "agent" || c.OrgID == f.orgs["acme"].ID {
				want = append(want, string(c.ID))
			}
		}
		rows := f.exported(t, as, "")
		got := make([]string, len(rows))
		seen := map[string]bool{}
		for i, r := range rows {
			got[i] = r["id"]
			if seen[r["number"]] {
				t.Fatalf("%s: case number %s twice", as, r["number"])
			}
			seen[r["number"]] = true
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d rows, want %d, in order of opening, newest first", as, len(got), len(want))
		}
	}

	for _, tc := range []struct {
		failAt int
		status int
	}{{1, http.StatusInternalServerError}, {3, http.StatusOK}} {
		t.Run(fmt.Sprint("failing at batch ", tc.failAt), func(t *testing.T) {
			var logs lockedBuffer
			policy := sla.NewService(store.NewPolicy(f.db))
			svc := cases.NewService(failingEach{Store: store.NewCases(f.db, t.TempDir()), n: tc.failAt}, policy, f.contracts, f.dir, cases.Config{})
			srv := httptest.NewServer(New(Deps{DB: f.db, Directory: f.dir, Audit: audit.NewService(store.NewAudit(f.db)), Policy: policy,
				Contracts: f.contracts, Cases: svc, Log: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return f.now }}))
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/exports/cases", nil)
			req.AddCookie(&http.Cookie{Name: directory.SessionCookie, Value: f.cookie["agent"]})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, short(string(body)))
			}
			if tc.status != http.StatusOK {
				if err != nil || !strings.Contains(string(body), `"kind":"internal"`) {
					t.Errorf("an error before any row: %v %s", err, short(string(body)))
				}
				return
			}
			if err == nil {
				t.Errorf("the body read whole (%d bytes) though the export failed", len(body))
			}
			if n := bytes.Count(body, []byte("\n")); n < 1000 || n > 1001 {
				t.Errorf("%d lines before the cut, want the header and two pages", n)
			}
			if !strings.Contains(logs.String(), "case export cut") || !strings.Contains(logs.String(), "the database went away") {
				t.Errorf("not logged: %s", logs.String())
			}
		})
	}
}
