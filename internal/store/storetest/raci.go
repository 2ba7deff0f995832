package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/environments"
	"accord/internal/raci"
	"accord/internal/store"
)

var _ raci.Store = (*store.Raci)(nil)

func raciService(db *store.DB) *raci.Service {
	dir := directory.NewService(store.NewDirectory(db), directory.DefaultConfig())
	return raci.NewService(store.NewRaci(db), environments.NewService(store.NewEnvironments(db), dir, environments.Config{}))
}

// testRaci: default versions as policy versions are, overrides scoped by
// the environment's organization, events in the right chains.
func testRaci(t *testing.T, db *store.DB) {
	s := store.NewRaci(db)
	_, err := s.LatestVersion(ctx)
	wantKind(t, err, accord.NotFound)
	var made []raci.Version
	for n := 1; n <= 3; n++ {
		v := raci.Version{ID: accord.NewID("raci"), Number: n, Document: fmt.Sprintf("document %d", n), SHA256: fmt.Sprintf("sha-%d", n),
			Note: "test", CreatedAt: t0, CreatedBy: "storetest"}
		if err := s.CreateVersion(ctx, v, audit.New(system, t0, audit.GlobalOrg, "raci.import", "raci_version", v.ID, nil)); err != nil {
			t.Fatal(err)
		}
		made = append(made, v)
	}
	dup := made[1]
	dup.ID = accord.NewID("raci")
	wantKind(t, s.CreateVersion(ctx, dup, audit.New(system, t0, audit.GlobalOrg, "x", "raci_version", dup.ID, nil)), accord.Conflict)
	if got, err := s.GetVersion(ctx, 2); err != nil || got != made[1] {
		t.Fatalf("GetVersion(2) = %+v, %v", got, err)
	}
	if got, err := s.LatestVersion(ctx); err != nil || got != made[2] {
		t.Fatalf("LatestVersion = %+v, %v", got, err)
	}
	first, next, err := s.ListVersions(ctx, accord.Page{Limit: 2})
	if err != nil || len(first) != 2 || first[0].Number != 3 || first[0].Document != "" || next == "" {
		t.Fatalf("first page %+v, %q, %v", first, next, err)
	}
	if rest, next, err := s.ListVersions(ctx, accord.Page{Limit: 2, Cursor: next}); err != nil || len(rest) != 1 || rest[0].Number != 1 || next != "" {
		t.Fatalf("second page %+v, %q, %v", rest, next, err)
	}

	w := newEnvWorld(t, db, "Raci")
	o := raci.Override{ID: accord.NewID("raco"), OrgID: w.a.ID, EnvironmentID: w.env.ID, Number: 1, BasedOn: 3,
		Document: "agreed", SHA256: "sha", Note: "agreed", CreatedAt: t0, CreatedBy: "storetest"}
	if err := s.CreateOverride(ctx, o, audit.New(system, t0, w.a.ID, "raci.override", "raci_override", o.ID, nil)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LatestOverride(ctx, w.a.ID, w.env.ID); err != nil || got != o {
		t.Fatalf("LatestOverride:\n got %+v, %v\nwant %+v", got, err, o)
	}
	// Looked up under another organization, it is not there.
	_, err = s.LatestOverride(ctx, w.b.ID, w.env.ID)
	wantKind(t, err, accord.NotFound)
	again := o
	again.ID = accord.NewID("raco")
	wantKind(t, s.CreateOverride(ctx, again, audit.New(system, t0, w.a.ID, "x", "raci_override", again.ID, nil)), accord.Conflict)
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep)
	}
}

// testRaciService: the default loads once, imports race for gapless
// numbers, an override's diff against the default is what was agreed and
// its event is in the customer's chain; reseller letters are refused for
// an environment no reseller delivers.
func testRaciService(t *testing.T, db *store.DB) {
	svc := raciService(db)
	sys := accord.WithActor(ctx, system)
	if ok, err := svc.EnsureDefault(sys, t0); !ok || err != nil {
		t.Fatalf("EnsureDefault = %v, %v", ok, err)
	}
	if ok, err := svc.EnsureDefault(sys, t0); ok || err != nil {
		t.Fatalf("EnsureDefault again = %v, %v", ok, err)
	}
	def := raci.DefaultDocument()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			doc := strings.Replace(def, "Monitor space allocation", fmt.Sprintf("Monitor space allocation (%d)", i), 1)
			_, _, errs[i] = svc.Import(sys, t0, doc, "")
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	v, m, err := svc.Current(sys)
	if err != nil || v.Number != 5 || m.Version != 5 {
		t.Fatalf("Current = %d, %v", v.Number, err)
	}
	back, _, err := svc.Rollback(sys, t0, 1)
	if err != nil || back.Number != 6 || back.Document != def {
		t.Fatalf("Rollback = %+v, %v", back, err)
	}
	_, _, err = svc.Import(sys, t0, def, "")
	wantKind(t, err, accord.Conflict)

	w := newEnvWorld(t, db, "RaciSvc")
	eff, err := svc.ForEnvironment(sys, w.env.ID)
	if err != nil || eff.Override != nil || eff.Matrix.Version != 6 || len(eff.Agreed) != 0 {
		t.Fatalf("ForEnvironment without override = %+v, %v", eff, err)
	}
	agreed := strings.Replace(def, "letters: {vendor: R, customer: \"I, A\"}", "letters: {vendor: \"R, A\", customer: I, reseller: S}", 1)
	o, changes, err := svc.SetOverride(sys, t0, w.env.ID, agreed, "signed 2026-11-20")
	if err != nil || o.Number != 1 || o.BasedOn != 6 || o.OrgID != w.a.ID || len(changes) != 3 {
		t.Fatalf("SetOverride = %+v, %v, %v", o, changes, err)
	}
	eff, err = svc.ForEnvironment(sys, w.env.ID)
	if err != nil || eff.Override == nil || eff.Override.Number != 1 {
		t.Fatalf("ForEnvironment = %+v, %v", eff, err)
	}
	if got := eff.Matrix.Holders("database-administration", "promote-production", raci.Accountable); len(got) != 1 || got[0] != raci.Vendor {
		t.Fatalf("A after the override = %v", got)
	}
	var paths []string
	for _, c := range eff.Agreed {
		paths = append(paths, c.String())
	}
	want := "database-administration.promote-production.letters.vendor: R -> R, A; " +
		"database-administration.promote-production.letters.customer: I, A -> I; " +
		"database-administration.promote-production.letters.reseller: (none) -> S"
	if got := strings.Join(paths, "; "); got != want {
		t.Fatalf("agreed:\n got %s\nwant %s", got, want)
	}
	events, _, err := store.NewAudit(db).ListEvents(ctx, accord.OnlyOrg(w.a.ID), audit.Filter{}, accord.Page{Limit: 10})
	if err != nil || !slices.ContainsFunc(events, func(e audit.Event) bool { return e.Action == "raci.override" && e.EntityID == o.ID }) {
		t.Fatalf("customer's chain: %+v, %v", events, err)
	}

	// Without a reseller, the reseller's letters are refused at their cell.
	direct := environments.Environment{ID: accord.NewID("env"), OrgID: w.b.ID, Name: "Direct", Product: "Vault", Version: "4.2",
		Region: "eu-west-3", Status: environments.Active, Backup: environments.DefaultBackup(), CreatedAt: t0, UpdatedAt: t0}
	direct.Backup.Covers = "everything"
	if err := w.s.CreateEnvironment(ctx, direct, t0, audit.New(system, t0, w.b.ID, "environment.create", "environment", direct.ID, nil)); err != nil {
		t.Fatal(err)
	}
	_, _, err = svc.SetOverride(sys, t0, direct.ID, agreed, "")
	wantKind(t, err, accord.Invalid)
	var e *accord.Error
	if !errors.As(err, &e) || !strings.HasSuffix(e.Field, ".letters.reseller") || !strings.Contains(e.Problems[0].Msg, "line ") {
		t.Fatalf("reseller refused as %v", err)
	}
	_, _, err = svc.SetOverride(sys, t0, accord.NewID("env"), agreed, "")
	wantKind(t, err, accord.NotFound)
	if rep := verify(t, db); rep.Break != nil {
		t.Fatalf("chain: %+v", rep)
	}
}
