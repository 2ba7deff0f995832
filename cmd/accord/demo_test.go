package main

import (
	"context"
	"io"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/engagements"
	"accord/internal/environments"
	"accord/internal/reports"
	"accord/internal/sla"
	"accord/internal/store"
)

// TestDemoEngagements seeds the demo at awkward instants (a Friday night,
// the eve of a national holiday, a Sunday) and finds Acme's HA/DR test
// scheduled at the first start its lead time allows, Globex's assisted
// update waiting for a quote, and past months of cases for the dashboard.
func TestDemoEngagements(t *testing.T) {
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{
		time.Date(2026, 11, 20, 22, 30, 0, 0, sp), // Friday night, a holiday
		time.Date(2026, 12, 24, 9, 0, 0, 0, sp),   // Christmas Eve
		time.Date(2027, 3, 7, 12, 0, 0, 0, sp),    // a Sunday
	} {
		t.Run(now.Format(time.DateOnly), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			svc := newServices(db)
			sys := accord.WithActor(ctx, accord.SystemActor("test"))
			if err := svc.ensureDefaults(sys, now); err != nil {
				t.Fatal(err)
			}
			if err := seedDemo(ctx, svc, now, io.Discard); err != nil {
				t.Fatal(err)
			}
			list, _, err := svc.engagements.List(sys, now, engagements.Filter{}, accord.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 {
				t.Fatalf("%d demo engagements, want 2", len(list))
			}
			update, test := list[0], list[1] // newest first
			if update.Service != "assisted_update" || update.State != engagements.Requested || update.Provider != engagements.Reseller {
				t.Errorf("Globex's update: %+v", update)
			}
			test, err = svc.engagements.Get(sys, now, test.ID)
			if err != nil {
				t.Fatal(err)
			}
			if test.Service != "ha_dr_test" || test.State != engagements.Scheduled || len(test.Sessions) != 1 ||
				test.EarliestStart == nil || !test.Sessions[0].Start.Equal(*test.EarliestStart) || !test.Sessions[0].Start.After(now) {
				t.Errorf("Acme's test: %+v", test)
			}

			// Acme's managed environment: the HA/DR test is linked to it,
			// its policy is agreed, and five nights of snapshots leave
			// nothing for the hourly check to raise.
			envs, err := svc.environments.List(sys, environments.Filter{})
			if err != nil || len(envs) != 1 || envs[0].Backup.AgreedAt == nil || test.EnvironmentID != envs[0].ID {
				t.Fatalf("demo environments: %+v, %v", envs, err)
			}
			snaps, err := store.NewEnvironments(db).Snapshots(ctx, envs[0].ID, time.Time{}, now)
			if err != nil || len(snaps) != 6 {
				t.Errorf("%d demo snapshots (%v), want 6", len(snaps), err)
			}
			if open, err := svc.environments.Check(sys, now, envs[0].ID); err != nil || len(open) != 0 {
				t.Errorf("the demo environment's check: %+v, %v", open, err)
			}

			// The past months give the dashboard's chart something to show:
			// every criticality answered, mostly in time, some late.
			month := time.Date(now.Year(), now.Month()-2, 1, 12, 0, 0, 0, time.UTC).Format("2006-01")
			rep, err := svc.reports.SLA(sys, now, reports.Query{Month: month})
			if err != nil {
				t.Fatal(err)
			}
			crits := map[sla.Criticality]bool{}
			for _, r := range rep.Rows {
				crits[r.Criticality] = true
			}
			if len(crits) != 4 || rep.Total.Met == 0 || rep.Total.Breached == 0 || rep.Total.Pending != 0 {
				t.Errorf("%s: criticalities %v, met %d, breached %d, pending %d", month, crits, rep.Total.Met, rep.Total.Breached, rep.Total.Pending)
			}
		})
	}
}
