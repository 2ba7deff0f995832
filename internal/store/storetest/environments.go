package storetest

import (
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/environments"
	"accord/internal/store"
)

var _ environments.Store = (*store.Environments)(nil)

// envWorld is a customer with an environment delivered by a partner, and
// another customer.
type envWorld struct {
	s       *store.Environments
	a, b, p directory.Organization
	env     environments.Environment
}

func newEnvWorld(t *testing.T, db *store.DB, name string) envWorld {
	t.Helper()
	d := store.NewDirectory(db)
	w := envWorld{s: store.NewEnvironments(db)}
	w.a = mkOrg(t, d, directory.KindCustomer, name+" A")
	w.b = mkOrg(t, d, directory.KindCustomer, name+" B")
	w.p = mkOrg(t, d, directory.KindPartner, name+" P")
	w.env = environments.Environment{ID: accord.NewID("env"), OrgID: w.a.ID, ResellerID: w.p.ID, Name: "Production",
		Product: "Vault", Version: "4.2", Region: "sa-east-1", Status: environments.Active, Backup: environments.DefaultBackup(),
		CreatedAt: t0, UpdatedAt: t0}
	w.env.Backup.Covers = "database and configuration"
	if err := w.s.CreateEnvironment(ctx, w.env, t0.Add(time.Hour), audit.New(system, t0, w.a.ID, "environment.create", "environment", w.env.ID, nil)); err != nil {
		t.Fatal(err)
	}
	return w
}

func testEnvironmentStore(t *testing.T, db *store.DB) {
	w := newEnvWorld(t, db, "Env")
	got, err := w.s.GetEnvironment(ctx, accord.OnlyOrg(w.a.ID), w.env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != w.env {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, w.env)
	}
	// The reseller reads it; another customer does not.
	if _, err := w.s.GetEnvironment(ctx, accord.OnlyOrg(w.p.ID), w.env.ID); err != nil {
		t.Fatalf("reseller: %v", err)
	}
	_, err = w.s.GetEnvironment(ctx, accord.OnlyOrg(w.b.ID), w.env.ID)
	wantKind(t, err, accord.NotFound)
	if l, err := w.s.ListEnvironments(ctx, accord.OnlyOrg(w.b.ID), environments.Filter{}); err != nil || len(l) != 0 {
		t.Fatalf("other tenant's list = %v, %v", l, err)
	}
	if l, err := w.s.ListEnvironments(ctx, accord.Scope{All: true}, environments.Filter{OrgID: w.a.ID}); err != nil || len(l) != 1 || l[0].ID != w.env.ID {
		t.Fatalf("vendor's list = %v, %v", l, err)
	}
	// A duplicate name for the same customer is a conflict.
	dup := w.env
	dup.ID = accord.NewID("env")
	wantKind(t, w.s.CreateEnvironment(ctx, dup, t0, audit.New(system, t0, w.a.ID, "environment.create", "environment", dup.ID, nil)), accord.Conflict)

	// An update writes the policy and its agreement.
	agreed := t0.Add(2 * time.Hour)
	up, err := w.s.UpdateEnvironment(ctx, accord.OnlyOrg(w.a.ID), w.env.ID, func(e environments.Environment) (environments.Environment, audit.Event, error) {
		e.Backup.RetentionDays, e.Backup.SnapshotMaxAge, e.Backup.AgreedAt = 7, 6*time.Hour, &agreed
		e.UpdatedAt = agreed
		return e, audit.New(system, agreed, e.OrgID, "environment.update", "environment", e.ID, nil), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.Backup.RetentionDays != 7 || up.Backup.SnapshotMaxAge != 6*time.Hour || up.Backup.AgreedAt == nil || !up.Backup.AgreedAt.Equal(agreed) {
		t.Fatalf("after update: %+v", up.Backup)
	}
	_, err = w.s.UpdateEnvironment(ctx, accord.OnlyOrg(w.b.ID), w.env.ID, func(e environments.Environment) (environments.Environment, audit.Event, error) {
		t.Fatal("decide ran on another tenant's environment")
		return e, audit.Event{}, nil
	})
	wantKind(t, err, accord.NotFound)

	// Snapshots: listed newest first, expired ones left out.
	for i, at := range []time.Time{t0.Add(-10 * 24 * time.Hour), t0.Add(-24 * time.Hour), t0} {
		sn := environments.Snapshot{ID: accord.NewID("snp"), TakenAt: at, Kind: environments.DailySnapshot, SizeBytes: int64(i) << 40,
			Location: "s3://backups/" + at.Format(time.DateOnly), Checksum: "sha256:00", Verified: i%2 == 0,
			ExpiresAt: at.AddDate(0, 0, 7), RecordedAt: t0}
		err := w.s.Record(ctx, accord.Scope{All: true}, w.env.ID, t0, func(e environments.Environment, b environments.Backups) (environments.Record, error) {
			return environments.Record{Snapshot: &sn, Events: []audit.Event{audit.New(system, t0, e.OrgID, "environment.snapshot", "snapshot", sn.ID, nil)}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	l, err := w.s.Snapshots(ctx, w.env.ID, time.Time{}, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 2 || !l[0].TakenAt.Equal(t0) || l[1].SizeBytes != 1<<40 || l[0].OrgID != w.a.ID {
		t.Fatalf("snapshots = %+v", l)
	}
	if l, _ := w.s.Snapshots(ctx, w.env.ID, t0.Add(-time.Hour), t0); len(l) != 1 {
		t.Fatalf("since an hour ago: %d snapshots, want 1", len(l))
	}
	// The newest scheduled one is what the check reads.
	err = w.s.Record(ctx, accord.Scope{All: true}, w.env.ID, t0, func(e environments.Environment, b environments.Backups) (environments.Record, error) {
		if b.LastScheduled == nil || !b.LastScheduled.TakenAt.Equal(t0) || b.LastRestoreTest != nil || len(b.Open) != 0 {
			t.Fatalf("backups = %+v", b)
		}
		return environments.Record{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testEnvironmentAlertsOnce raises the same lapse's alert from several
// transactions at once: one row, one event; a lapse cleared is not raised
// again.
func testEnvironmentAlertsOnce(t *testing.T, db *store.DB) {
	w := newEnvWorld(t, db, "Alerts")
	at := t0.Add(3 * 24 * time.Hour)
	raise := func() error {
		return w.s.Record(ctx, accord.Scope{All: true}, w.env.ID, at, func(e environments.Environment, b environments.Backups) (environments.Record, error) {
			var r environments.Record
			for _, al := range environments.Lapses(e, environments.Backups{}, at, 2*time.Hour) {
				al.ID = accord.NewID("alr")
				r.Raise = append(r.Raise, environments.Raise{Alert: al, Event: audit.New(system, at, e.OrgID, "environment.alert_raise", "environment", e.ID, nil)})
			}
			r.NextCheck = at.Add(time.Hour)
			return r, nil
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = raise() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	open, err := w.s.Alerts(ctx, accord.OnlyOrg(w.a.ID), environments.AlertFilter{Open: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].Kind != environments.MissingSnapshot || open[0].Lapse != "none" || open[0].EnvironmentName != "Production" {
		t.Fatalf("open alerts = %+v", open)
	}
	evs, _, err := store.NewAudit(db).ListEvents(ctx, accord.OnlyOrg(w.a.ID), audit.Filter{EntityID: &w.env.ID}, accord.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Action == "environment.alert_raise" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d alert_raise events, want 1", n)
	}
	if l, _ := w.s.Alerts(ctx, accord.OnlyOrg(w.b.ID), environments.AlertFilter{}); len(l) != 0 {
		t.Fatalf("another tenant reads %d alerts", len(l))
	}
	// Cleared, then raised again for the same lapse: nothing new.
	err = w.s.Record(ctx, accord.Scope{All: true}, w.env.ID, at, func(e environments.Environment, b environments.Backups) (environments.Record, error) {
		return environments.Record{Clear: []accord.ID{b.Open[0].ID}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := raise(); err != nil {
		t.Fatal(err)
	}
	if l, _ := w.s.Alerts(ctx, accord.Scope{All: true}, environments.AlertFilter{EnvironmentID: w.env.ID}); len(l) != 1 || l[0].ClearedAt == nil {
		t.Fatalf("alerts after clearing and raising again = %+v", l)
	}
}

// testEnvironmentRestoreTests links engagements to environments: one of
// another customer's environment is refused; the last completed restore
// test is read with its measures, whatever other engagements there are.
func testEnvironmentRestoreTests(t *testing.T, db *store.DB) {
	w := newEnvWorld(t, db, "Restore")
	es := store.NewEngagements(db)
	mk := func(org accord.ID, service string, env accord.ID) engagements.Engagement {
		e := sampleEngagement(org, t0, service)
		e.EnvironmentID = env
		return e
	}
	foreign := mk(w.b.ID, "restore_test", w.env.ID)
	err := es.Create(ctx, foreign, engEvent(w.b.ID, foreign.ID, "engagement.request", t0))
	if e, ok := err.(*accord.Error); !ok || e.Field != "environment_id" {
		t.Fatalf("another customer's environment: %v", err)
	}
	met, missed := true, false
	for i, c := range []struct {
		service string
		state   engagements.State
		done    time.Duration
		rtoMet  *bool
	}{
		{"restore_test", engagements.SignedOff, 24 * time.Hour, &missed},
		{"ha_dr_test", engagements.Completed, 48 * time.Hour, &met},
		{"health_check", engagements.Completed, 72 * time.Hour, nil},  // not a restore test
		{"restore_test", engagements.InProgress, 96 * time.Hour, nil}, // not completed
	} {
		e := mk(w.a.ID, c.service, w.env.ID)
		if err := es.Create(ctx, e, engEvent(w.a.ID, e.ID, "engagement.request", t0)); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		_, err := es.Update(ctx, accord.Scope{All: true}, e.ID, func(old engagements.Engagement, _ engagements.Locked) (engagements.Change, error) {
			next := old
			next.State, next.UpdatedAt = c.state, t0.Add(c.done)
			if c.state == engagements.Completed || c.state == engagements.SignedOff {
				at := t0.Add(c.done)
				next.CompletedAt = &at
				next.Outcome = &engagements.Outcome{RecordedAt: at, RTO: &engagements.Measure{Seconds: 5100, Text: "1h25m", Met: c.rtoMet}}
			}
			return engagements.Change{Engagement: next}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.s.LastRestoreTest(ctx, w.env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Service != "ha_dr_test" || !got.CompletedAt.Equal(t0.Add(48*time.Hour)) || got.RTO != "1h25m" || got.RTOMet == nil || !*got.RTOMet || got.RPO != "" {
		t.Fatalf("last restore test = %+v", got)
	}
	if e, err := es.Get(ctx, accord.OnlyOrg(w.a.ID), got.EngagementID); err != nil || e.EnvironmentID != w.env.ID {
		t.Fatalf("the engagement's environment: %+v, %v", e.EnvironmentID, err)
	}
}
