package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/reports"
	"accord/internal/sla"
	"accord/internal/store"
)

// seedReport fills an SQLite database in dir with October 2026 cases of
// two customers and returns their organizations.
func seedReport(t *testing.T, dir string) (acme, globex directory.Organization) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := newServices(db)
	ny, _ := time.LoadLocation("America/New_York")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	now := at("2026-09-01 09:00")
	sys := accord.WithActor(ctx, accord.SystemActor("test"))
	if _, err := svc.policy.EnsureDefault(sys, now); err != nil {
		t.Fatal(err)
	}
	vendor, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: directory.KindVendor, Name: "Northwind"})
	if err != nil {
		t.Fatal(err)
	}
	agent, err := svc.directory.CreateUser(sys, now, directory.NewUser{OrgID: vendor.ID, Email: "agent@northwind.example", Name: "Sam Agent", Role: accord.RoleAgent, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	as := accord.WithActor(ctx, accord.Actor{UserID: agent.ID, OrgID: vendor.ID, Role: agent.Role, Name: agent.Name})
	for i, name := range []string{"Acme Bank", "Globex Health"} {
		o, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: directory.KindCustomer, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.contracts.Create(sys, now, contracts.NewContract{OrgID: o.ID, Plan: []string{"premium", "advanced"}[i], SignedOn: "2026-01-01", Years: 1}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			acme = o
		} else {
			globex = o
		}
	}
	open := func(org accord.ID, when string, crit sla.Criticality, answered string) {
		t.Helper()
		c, err := svc.cases.Open(as, at(when), cases.NewCase{OrgID: org, Type: cases.Question, Title: "Help", Description: "How?", Criticality: crit, Channel: sla.Portal})
		if err != nil {
			t.Fatal(err)
		}
		if answered != "" {
			if _, err := svc.cases.Reply(as, at(answered), c.ID, cases.NewReply{Body: "Like this."}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Acme, premium C3 (8h on support hours): Fri 19:00 answered Mon 09:00
	// is 1h + 1h = 2h, met; Wed 10:00 never answered is breached.
	open(acme.ID, "2026-10-09 19:00", sla.C3, "2026-10-12 09:00")
	open(acme.ID, "2026-10-14 10:00", sla.C3, "")
	// Acme, premium C4 (12h) Tue 10:00, raised to C3 at 11:00 (8h from
	// then: due 19:00), lowered back at 20:00: the C3 breach stands.
	c, err := svc.cases.Open(as, at("2026-10-20 10:00"), cases.NewCase{OrgID: acme.ID, Type: cases.Question, Title: "Help", Description: "How?", Criticality: sla.C4, Channel: sla.Portal})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		when string
		to   sla.Criticality
	}{{"2026-10-20 11:00", sla.C3}, {"2026-10-20 20:00", sla.C4}} {
		if _, err := svc.cases.Reclassify(as, at(r.when), c.ID, cases.Reclassification{Criticality: r.to, Reason: "The impact changed"}); err != nil {
			t.Fatal(err)
		}
	}
	// Globex, advanced C4 (18h): Thu 10:00 answered 10:45, met in 45m.
	open(globex.ID, "2026-10-15 10:00", sla.C4, "2026-10-15 10:45")
	// September: not counted.
	open(globex.ID, "2026-09-30 10:00", sla.C4, "2026-09-30 10:45")
	return acme, globex
}

func TestReportSLACommand(t *testing.T) {
	dir := t.TempDir()
	acme, _ := seedReport(t, dir)
	db := []string{"--data-dir", dir}

	code, out, errs := runCLI(t, "", append([]string{"report", "sla", "--month", "2026-10"}, db...)...)
	if code != 0 {
		t.Fatalf("table: %d %q %q", code, out, errs)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	// A title, a blank line, the header, two rows and the totals, aligned;
	// then the reclassified case with its history.
	if len(lines) != 9 || !strings.HasPrefix(lines[0], "SLA compliance of the cases received in 2026-10 (America/New_York), as of ") ||
		lines[7] != "reclassified cases:" || !strings.HasSuffix(lines[8], " Acme Bank premium: C4, C3 at 2026-10-20 15:00 UTC, C4 at 2026-10-21 00:00 UTC -> breached under C3") {
		t.Fatalf("table:\n%s", out)
	}
	want := [][]string{
		{"CUSTOMER", "PLAN", "CRITICALITY", "CASES", "MET", "BREACHED", "NOT GUARANTEED", "PENDING", "RECLASSIFIED", "RESPONDED", "MEDIAN", "P90"},
		{"Acme Bank", "premium", "C3", "3", "1", "2", "0", "0", "1", "1", "2h", "2h"},
		{"Globex Health", "advanced", "C4", "1", "1", "0", "0", "0", "0", "1", "45m", "45m"},
		{"Total", "", "", "4", "2", "2", "0", "0", "1", "2", "45m", "2h"},
	}
	// Every cell starts where its column's header does.
	header := lines[2]
	for i, cells := range want {
		line := lines[2+i]
		for j, cell := range cells {
			pos := strings.Index(header, want[0][j])
			if cell != "" && (len(line) < pos+len(cell) || line[pos:pos+len(cell)] != cell || pos > 0 && line[pos-1] != ' ') {
				t.Errorf("line %q: %q is not at column %d, under %s", line, cell, pos, want[0][j])
			}
		}
	}

	code, out, errs = runCLI(t, "", append([]string{"report", "sla", "--month", "2026-10", "--format", "csv", "--org", string(acme.ID)}, db...)...)
	wantCSV := strings.Join(reports.SLAColumns, ",") + "\n" +
		"2026-10," + string(acme.ID) + ",Acme Bank,premium,C3,3,1,2,0,0,1,1,7200,2h,7200,2h\n" +
		"2026-10,,Total,,,3,1,2,0,0,1,1,7200,2h,7200,2h\n"
	if code != 0 || out != wantCSV {
		t.Fatalf("csv: %d %q %q, want %q", code, out, errs, wantCSV)
	}

	code, out, errs = runCLI(t, "", append([]string{"report", "sla", "--month=2026-10", "--format=json"}, db...)...)
	var rep reports.SLAReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Rows) != 2 || rep.Total.Cases != 4 || len(rep.Reclassified) != 1 || rep.Total.P90 == nil || rep.Total.P90.Seconds != 7200 {
		t.Fatalf("json: %d %q %q", code, out, errs)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"report"}, 2, "usage: accord report sla"},
		{[]string{"report", "nps"}, 2, `unknown report command "nps"`},
		{[]string{"report", "sla"}, 2, "-month: is required"},
		{[]string{"report", "sla", "--month", "2026-13"}, 2, `-month: "2026-13" is not a month`},
		{[]string{"report", "sla", "--month", "2026-10", "--format", "xlsx"}, 2, `-format: "xlsx" is not table, csv or json`},
		{[]string{"report", "sla", "--month", "2026-10", "--org", "acme"}, 2, `-org: "acme" is not an organization id`},
		{[]string{"report", "sla", "--month", "2026-10", "--org", string(accord.NewID("org"))}, 1, "-org: no organization org_"},
		{[]string{"report", "sla", "2026-10"}, 2, "the month is given with -month"},
	} {
		code, out, errs := runCLI(t, "", append(tc.args, db...)...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: %d %q %q, want %d and %q", tc.args, code, out, errs, tc.code, tc.msg)
		}
	}
	code, out, _ = runCLI(t, "", "report", "sla", "-h")
	if code != 0 || !strings.Contains(out, "-month") || !strings.Contains(out, "-org") || !strings.Contains(out, "ACCORD_DATA_DIR") {
		t.Fatalf("report sla -h: %d %q", code, out)
	}
}
