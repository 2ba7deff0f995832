package storetest

import (
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/store"
)

// mkInstallation writes a product of the vendor org and an installation of
// it at customer, with the installations table's own columns: the products
// store is another domain's, and only its rows matter here.
func mkInstallation(t *testing.T, db *store.DB, vendor, customer accord.ID, deployment, serial string) accord.ID {
	t.Helper()
	pid, iid := accord.NewID("prd"), accord.NewID("ins")
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO products (id, org_id, key, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		pid, vendor, string(pid), "Crypto Appliance", t0); err != nil {
		t.Fatal(err)
	}
	var s any
	if serial != "" {
		s = serial
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO installations (id, org_id, product_id, version, deployment, serial, quantity, created_at, updated_at)
		VALUES ($1, $2, $3, '3.21', $4, $5, 1, $6, $6)`, iid, customer, pid, deployment, s, t0); err != nil {
		t.Fatal(err)
	}
	return iid
}

// testCasework: a case's integration evaluation and appliance repair are
// written with its change, read back as written (times in UTC, a decision
// of false kept as false), and scoped like the case; installations are
// read only inside scope and for their own customer.
func testCasework(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "Casework")
	vendor := mkOrg(t, store.NewDirectory(db), directory.KindVendor, "Casework V")
	enh := sampleCase(w.a.ID, t0, "RACF integration")
	enh.Type, enh.State = cases.Enhancement, cases.Received
	enh = mustOpen(t, w.s, enh)
	if enh.Feasibility != nil || enh.Repair != nil {
		t.Fatalf("a new case has %+v %+v", enh.Feasibility, enh.Repair)
	}
	no := false
	at := t0.Add(time.Hour)
	steps := []cases.Feasibility{
		{Platform: "RACF", State: cases.FeasibilityRequested, FlaggedAt: t0},
		{Platform: "RACF", State: cases.FeasibilityAnalysed, FlaggedAt: t0, StartedAt: &at, Analysis: "LDAP bridge", AnalysedAt: &at},
		{Platform: "RACF", State: cases.FeasibilityNotRelevant, FlaggedAt: t0, StartedAt: &at, Analysis: "LDAP bridge", AnalysedAt: &at,
			Relevant: &no, Reasons: "One customer", DecidedAt: &at},
	}
	for i, f := range steps {
		got := mustUpdate(t, w.s, enh.ID, func(c cases.Case) cases.Change {
			c.Feasibility = &f
			e := cases.Entry{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: cases.FeasibilityEntry, Author: "Agent",
				Data: cases.EntryData{Feasibility: &cases.FeasibilityNote{Step: cases.FeasibilityFlag, Platform: f.Platform}}, At: at}
			return cases.Change{Case: c, Entries: []cases.Entry{e}, Notify: []accord.ID{e.ID},
				Events: []audit.Event{audit.New(system, at, c.OrgID, "case.feasibility", "case", c.ID, nil)}}
		})
		wantSame(t, "feasibility after step "+string(rune('1'+i)), &f, got.Feasibility)
		read, err := w.s.Get(ctx, accord.OnlyOrg(w.a.ID), enh.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "feasibility read back", &f, read.Feasibility)
	}
	entries, err := w.s.Entries(ctx, accord.OnlyOrg(w.a.ID), enh.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if e := entries[len(entries)-1]; e.Kind != cases.FeasibilityEntry || e.Data.Feasibility == nil || e.Data.Feasibility.Platform != "RACF" {
		t.Fatalf("last entry %+v", e)
	}
	if got := caseEvents(t, db, w.a.ID, enh.ID); len(got) != 4 || got[3] != "case.feasibility" {
		t.Fatalf("events %v", got)
	}
	if _, err := w.s.Get(ctx, accord.OnlyOrg(w.b.ID), enh.ID); !accord.IsKind(err, accord.NotFound) {
		t.Fatalf("another tenant read the evaluation: %v", err)
	}

	// The appliance: read for its customer inside scope only.
	dev := mkInstallation(t, db, vendor.ID, w.a.ID, cases.ApplianceDeployment, "SGA-1200-0042")
	onPrem := mkInstallation(t, db, vendor.ID, w.a.ID, "on_premises", "")
	got, err := w.s.Appliance(ctx, accord.OnlyOrg(w.a.ID), w.a.ID, dev)
	wantSame(t, "appliance", cases.Appliance{ID: dev, OrgID: w.a.ID, Product: "Crypto Appliance", Deployment: "appliance", Serial: "SGA-1200-0042"}, got)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := w.s.Appliance(ctx, accord.Scope{All: true}, w.a.ID, onPrem); err != nil || got.Deployment != "on_premises" || got.Serial != "" {
		t.Fatalf("on premises: %+v %v", got, err)
	}
	for _, c := range []struct {
		name     string
		scope    accord.Scope
		customer accord.ID
	}{{"another tenant's scope", accord.OnlyOrg(w.b.ID), w.a.ID}, {"another customer", accord.Scope{All: true}, w.b.ID}} {
		if _, err := w.s.Appliance(ctx, c.scope, c.customer, dev); !accord.IsKind(err, accord.NotFound) {
			t.Fatalf("%s: %v", c.name, err)
		}
	}

	inc := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "Appliance does not boot"))
	later := t0.Add(2 * time.Hour)
	repairs := []cases.Repair{
		{InstallationID: dev, Product: "Crypto Appliance", Serial: "SGA-1200-0042", Step: cases.RepairRequested, RequestedAt: t0},
		{InstallationID: dev, Product: "Crypto Appliance", Serial: "SGA-1200-0042", Step: cases.DeviceShipped, RequestedAt: t0,
			ReceivedAt: &at, DiagnosedAt: &at, Diagnosis: "PSU", FixedAt: &later, Fix: cases.DeviceReplaced, Replacement: "SGA-1200-0099",
			ShippedAt: &later, Carrier: "DHL", Tracking: "JD0146"},
	}
	for _, r := range repairs {
		got := mustUpdate(t, w.s, inc.ID, func(c cases.Case) cases.Change {
			c.Repair = &r
			return cases.Change{Case: c, Events: []audit.Event{audit.New(system, at, c.OrgID, "case.repair", "case", c.ID, nil)}}
		})
		wantSame(t, "repair", &r, got.Repair)
		read, err := w.s.Get(ctx, accord.OnlyOrg(w.a.ID), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "repair read back", &r, read.Repair)
	}
	// A change that leaves them as they are writes neither.
	mustUpdate(t, w.s, inc.ID, func(c cases.Case) cases.Change { c.Title = "Renamed"; return cases.Change{Case: c} })
	read, err := w.s.Get(ctx, accord.Scope{All: true}, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "repair kept", &repairs[1], read.Repair)
	// The tables refuse what the domain never writes.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE case_repairs SET step = 'lost' WHERE case_id = $1`, inc.ID); err == nil {
		t.Fatal("an unknown step was stored")
	}
}
