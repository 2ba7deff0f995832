package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/sla"
	"accord/internal/store"
)

func policyEvent(action string, v sla.Version) audit.Event {
	return audit.New(system, t0, audit.GlobalOrg, action, "policy_version", v.ID, nil)
}

func mkVersion(n int, doc string) sla.Version {
	return sla.Version{ID: accord.NewID("pol"), Number: n, Document: doc, SHA256: fmt.Sprintf("sha-%d", n), Note: "test",
		CreatedAt: t0, CreatedBy: "storetest"}
}

func testPolicyVersions(t *testing.T, db *store.DB) {
	s := store.NewPolicy(db)
	_, err := s.LatestVersion(ctx)
	wantKind(t, err, accord.NotFound)
	var made []sla.Version
	for n := 1; n <= 3; n++ {
		v := mkVersion(n, fmt.Sprintf("document %d\nwith two lines", n))
		if err := s.CreateVersion(ctx, v, policyEvent("policy.import", v)); err != nil {
			t.Fatal(err)
		}
		made = append(made, v)
	}
	dup := mkVersion(2, "another")
	wantKind(t, s.CreateVersion(ctx, dup, policyEvent("x", dup)), accord.Conflict)
	zero := mkVersion(0, "zero")
	wantKind(t, s.CreateVersion(ctx, zero, policyEvent("x", zero)), accord.Invalid)

	got, err := s.GetVersion(ctx, 2)
	if err != nil || !reflect.DeepEqual(got, made[1]) {
		t.Fatalf("GetVersion(2):\n got %+v, %v\nwant %+v", got, err, made[1])
	}
	if got, err := s.LatestVersion(ctx); err != nil || !reflect.DeepEqual(got, made[2]) {
		t.Fatalf("LatestVersion = %+v, %v", got, err)
	}
	_, err = s.GetVersion(ctx, 4)
	wantKind(t, err, accord.NotFound)

	first, next, err := s.ListVersions(ctx, accord.Page{Limit: 2})
	if err != nil || len(first) != 2 || first[0].Number != 3 || first[1].Number != 2 || next == "" || first[0].Document != "" {
		t.Fatalf("first page %+v, %q, %v", first, next, err)
	}
	rest, next, err := s.ListVersions(ctx, accord.Page{Limit: 2, Cursor: next})
	if err != nil || len(rest) != 1 || rest[0].Number != 1 || next != "" {
		t.Fatalf("second page %+v, %q, %v", rest, next, err)
	}

	// The events went to the global chain, and only there.
	events, _, err := store.NewAudit(db).ListEvents(ctx, accord.Scope{All: true}, audit.Filter{}, accord.Page{Limit: 10})
	if err != nil || len(events) != 3 {
		t.Fatalf("events = %d, %v", len(events), err)
	}
	for _, e := range events {
		if e.OrgID != audit.GlobalOrg {
			t.Fatalf("policy event in chain %s", e.OrgID)
		}
	}
	if rep := verify(t, db); rep.Break != nil || rep.Chains != 1 {
		t.Fatalf("chain: %+v", rep)
	}
}

// testPolicyConcurrentImports: imports racing for the next number all
// succeed with distinct, gapless numbers, and the audit chain stays whole.
func testPolicyConcurrentImports(t *testing.T, db *store.DB) {
	svc := sla.NewService(store.NewPolicy(db))
	sys := accord.WithActor(ctx, system)
	for range 2 {
		if _, err := svc.EnsureDefault(sys, t0); err != nil {
			t.Fatal(err)
		}
	}
	const importers = 6
	var wg sync.WaitGroup
	numbers := make(chan int, importers)
	errs := make(chan error, importers)
	for i := range importers {
		doc := strings.Replace(sla.DefaultDocument(), "resolved_days: 10", fmt.Sprintf("resolved_days: %d", i+1), 1)
		wg.Go(func() {
			v, _, err := svc.Import(sys, t0, doc)
			errs <- err
			numbers <- v.Number
		})
	}
	wg.Wait()
	close(errs)
	close(numbers)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var got []int
	for n := range numbers {
		got = append(got, n)
	}
	slices.Sort(got)
	if fmt.Sprint(got) != "[2 3 4 5 6 7]" {
		t.Fatalf("version numbers %v, want 2..7", got)
	}
	if rep := verify(t, db); rep.Break != nil || rep.Events != 1+importers {
		t.Fatalf("chain after concurrent imports: %+v", rep)
	}
	// Rollback copies version 1 as version 8, byte for byte.
	v, changes, err := svc.Rollback(sys, t0, 1)
	if err != nil || v.Number != 8 || v.Document != sla.DefaultDocument() || len(changes) != 1 {
		t.Fatalf("rollback = %d, %v, %v", v.Number, changes, err)
	}
}
