package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/bench"
	"accord/internal/cases"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// bench seed writes a history the store reads as its own, on both engines:
// lists, views, searches (public and with notes) and timelines find the
// seeded cases, the audit chains stay intact, and bench pages times every
// page of a server on it, the long case included.
func TestBenchSeedIsReadBack(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			var where []string
			cfg := store.Config{}
			if engine == "sqlite" {
				cfg.DataDir = t.TempDir()
				where = []string{"--data-dir", cfg.DataDir}
			} else {
				_, cfg.DatabaseURL = dbtest.PostgresDatabase(t)
				where = []string{"--database-url", cfg.DatabaseURL}
			}
			code, out, errs := runCLI(t, "", append([]string{"bench", "seed", "--cases", "300", "--batch", "120", "--closed", "0.3", "--long", "4"}, where...)...)
			if code != 0 || !strings.Contains(out, "seeded 300 cases") || !strings.Contains(out, "4 with a timeline of 200 entries") {
				t.Fatalf("bench seed: exit %d\n%s\n%s", code, out, errs)
			}
			checkSeeded(t, cfg)

			if code, out, errs := runCLI(t, "", append([]string{"audit", "verify"}, where...)...); code != 0 || !strings.Contains(out, "intact") {
				t.Fatalf("audit verify: exit %d\n%s\n%s", code, out, errs)
			}

			url := startServe(t, append(where, "--jobs=false")...)
			code, out, errs = runCLI(t, "", "bench", "pages", "--url", url, "--clients", "1,2", "--count", "2")
			if code != 0 {
				t.Fatalf("bench pages: exit %d\n%s\n%s", code, out, errs)
			}
			rows := benchPageRows(t, out)
			for _, name := range []string{"agent long case (web)", "agent long case timeline (api)", "agent view team (web)", "customer case (web)", "partner case (api)",
				"agent export cases (csv)", "customer export cases (csv)"} {
				if r := rows[name+"/2"]; r[0] != "2" {
					t.Errorf("%s: %v\n%s", name, r, out)
				}
			}
		})
	}
}

// checkSeeded reads the seeded cases through the store.
func checkSeeded(t *testing.T, cfg store.Config) {
	t.Helper()
	ctx := context.Background()
	d, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cs := store.NewCases(d, "")
	all := accord.Scope{All: true}
	count := func(f cases.Filter) int {
		t.Helper()
		n := 0
		for p := (accord.Page{Limit: 100}); ; {
			l, next, err := cs.List(ctx, all, f, p)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			n += len(l)
			for _, c := range l {
				cases.StatusAt(c, time.Now()) // a clock the seed left inconsistent panics here
			}
			if next == "" {
				return n
			}
			p.Cursor = next
		}
	}
	if n := count(cases.Filter{}); n < 300 {
		t.Errorf("%d cases listed, want at least the 300 seeded", n)
	}
	if count(cases.Filter{ByDue: true}) == 0 || count(cases.Filter{States: []cases.State{cases.Closed}}) == 0 {
		t.Error("no case in the queue, or none closed")
	}
	if count(cases.Filter{CustomerWroteLast: true, States: cases.WaitingStates}) == 0 {
		t.Error("no case where the customer wrote last")
	}
	var teams []accord.ID
	rows, err := d.SQL().QueryContext(ctx, `SELECT id FROM teams`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id accord.ID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		teams = append(teams, id)
	}
	rows.Close()
	if count(cases.Filter{Teams: teams}) == 0 {
		t.Error("no case in a team's queue")
	}

	long, _, err := cs.List(ctx, all, cases.Filter{Text: bench.LongTimelineSearch}, accord.Page{Limit: 50})
	if err != nil || len(long) != 4 {
		t.Fatalf("search %q: %d cases, %v", bench.LongTimelineSearch, len(long), err)
	}
	for _, c := range long {
		got, err := cs.Get(ctx, all, c.ID)
		if err != nil || got.Number != c.Number {
			t.Fatalf("get #%d: %v", c.Number, err)
		}
		l, err := cs.Entries(ctx, all, c.ID, true)
		if err != nil || len(l) != 200 {
			t.Errorf("#%d: %d entries, %v", c.Number, len(l), err)
		}
		pub, err := cs.Entries(ctx, all, c.ID, false)
		if err != nil || len(pub) >= len(l) {
			t.Errorf("#%d: %d public entries of %d, %v", c.Number, len(pub), len(l), err)
		}
	}
	// Every job agrees with its case: the instant it fires is the case's.
	var wrong int
	err = d.SQL().QueryRowContext(ctx, `SELECT count(*) FROM jobs j LEFT JOIN cases c ON c.id = j.subject_id WHERE j.kind IN ($1, $2, $3) AND (c.id IS NULL
		OR (j.kind = $1 AND (c.warn_at IS NULL OR c.warn_at <> j.run_at OR c.warned_at IS NOT NULL OR c.responded_at IS NOT NULL))
		OR (j.kind = $2 AND (c.due_at IS NULL OR c.due_at <> j.run_at OR c.breached_at IS NOT NULL OR c.responded_at IS NOT NULL))
		OR (j.kind = $3 AND (c.auto_close_at IS NULL OR c.auto_close_at <> j.run_at)))`,
		string(cases.WarnTimer), string(cases.BreachTimer), string(cases.CloseTimer)).Scan(&wrong)
	if err != nil || wrong != 0 {
		t.Errorf("%d jobs disagree with their case, %v", wrong, err)
	}

	// Internal notes are searched by agents only; replies by everyone.
	const note = "checkpoint standby"
	if n := count(cases.Filter{Text: note, Notes: true}); n != 4 {
		t.Errorf("agents' search %q: %d cases, want 4", note, n)
	}
	if n := count(cases.Filter{Text: note}); n != 0 {
		t.Errorf("public search %q: %d cases, want 0", note, n)
	}
	if n := count(cases.Filter{Text: "overnight lag"}); n != 4 {
		t.Errorf("search of customers' replies: %d cases, want 4", n)
	}
}
