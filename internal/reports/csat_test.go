package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/sla"
)

// TestCSAT counts a month's ratings by the closing instant in New York:
// a case closed on October 31 at 23:30 EDT belongs to October, one closed
// at 00:30 on November 1 does not. CSAT is the share of 4 and 5.
func TestCSAT(t *testing.T) {
	dir := testOrgs
	dir.users = map[accord.ID]directory.User{"usr_ana": {ID: "usr_ana", Name: "Ana Souza"}, "usr_bo": {ID: "usr_bo", Name: "Bo Lind"}}
	rating := func(org accord.ID, agent accord.ID, crit sla.Criticality, score int, closed string) Rating {
		return Rating{CaseID: accord.NewID("cas"), OrgID: org, AssigneeID: agent, Criticality: crit, Score: score, ClosedAt: local(closed)}
	}
	st := &fakeStore{ratings: []Rating{
		rating(acme, "usr_ana", sla.C1, 5, "2026-10-01 00:00"),
		rating(acme, "usr_ana", sla.C3, 4, "2026-10-09 12:00"),
		rating(acme, "usr_bo", sla.C3, 2, "2026-10-15 12:00"),
		rating(globex, "usr_bo", sla.C3, 3, "2026-10-20 12:00"),
		rating(globex, "", sla.C4, 1, "2026-10-31 23:30"),
		rating(globex, "usr_ana", sla.C4, 5, "2026-11-01 00:30"), // November
		rating(acme, "usr_ana", sla.C2, 5, "2026-09-30 23:59"),   // September
	}}
	svc := NewService(st, testPolicies(t), dir, DefaultConfig())
	rep, err := svc.CSAT(actor(accord.RoleAgent, "org_vendor"), reportAt, Query{Month: "2026-10"})
	if err != nil {
		t.Fatal(err)
	}
	row := func(group, key, name string, scores [5]int, satisfied int, avg, csat float64) CSATRow {
		n := 0
		for _, x := range scores {
			n += x
		}
		return CSATRow{Group: group, Key: key, Name: name, Ratings: n, Scores: scores, Satisfied: satisfied, Average: avg, CSAT: csat}
	}
	want := []CSATRow{
		row(GroupCustomer, string(acme), "Acme Bank", [5]int{0, 1, 0, 1, 1}, 2, 3.67, 66.7),
		row(GroupCustomer, string(globex), "Globex Health", [5]int{1, 0, 1, 0, 0}, 0, 2, 0),
		row(GroupAgent, "", "", [5]int{1, 0, 0, 0, 0}, 0, 1, 0),
		row(GroupAgent, "usr_ana", "Ana Souza", [5]int{0, 0, 0, 1, 1}, 2, 4.5, 100),
		row(GroupAgent, "usr_bo", "Bo Lind", [5]int{0, 1, 1, 0, 0}, 0, 2.5, 0),
		row(GroupCriticality, "C1", "C1", [5]int{0, 0, 0, 0, 1}, 1, 5, 100),
		row(GroupCriticality, "C3", "C3", [5]int{0, 1, 1, 1, 0}, 1, 3, 33.3),
		row(GroupCriticality, "C4", "C4", [5]int{1, 0, 0, 0, 0}, 0, 1, 0),
	}
	opts := cmp.AllowUnexported(CSATRow{})
	ignoreSum := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".sum" }, cmp.Ignore())
	if d := cmp.Diff(want, rep.Rows, opts, ignoreSum); d != "" {
		t.Fatalf("rows (-want +got):\n%s", d)
	}
	if d := cmp.Diff(row(GroupAll, "", "", [5]int{1, 1, 1, 1, 1}, 2, 3, 40), rep.Total, opts, ignoreSum); d != "" {
		t.Fatalf("total (-want +got):\n%s", d)
	}
	var buf bytes.Buffer
	if err := WriteCSATCSV(&buf, rep); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if lines[0] != strings.Join(CSATColumns, ",") || lines[1] != "2026-10,customer,org_acme,Acme Bank,3,0,1,0,1,1,2,3.67,66.7" ||
		lines[len(lines)-1] != "2026-10,all,,,5,1,1,1,1,1,2,3.00,40.0" {
		t.Fatalf("csv:\n%s", buf.String())
	}

	// Only the vendor's staff read it; a customer's id narrows it.
	for _, who := range []accord.Role{accord.RolePartnerAgent, accord.RoleCustomerContact} {
		if _, err := svc.CSAT(actor(who, acme), reportAt, Query{Month: "2026-10"}); !accord.IsKind(err, accord.Forbidden) {
			t.Errorf("%s reads the CSAT report: %v", who, err)
		}
	}
	only, err := svc.CSAT(actor(accord.RoleAuditor, "org_vendor"), reportAt, Query{Month: "2026-10", OrgID: globex})
	if err != nil || only.Total.Ratings != 2 {
		t.Fatalf("Globex's report = %+v, %v", only.Total, err)
	}
	if _, err := svc.CSAT(actor(accord.RoleAdmin, "org_vendor"), reportAt, Query{Month: "2026-13"}); !accord.IsKind(err, accord.Invalid) {
		t.Fatalf("month 13: %v", err)
	}
}
