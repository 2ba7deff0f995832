package reports

import (
	"encoding/json"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
)

// dashboardCases is the dashboard's fixture, seen at reportAt (Monday
// 2026-11-02 10:00 in New York, the day after DST ended) over 3 days.
func dashboardCases() []cases.Case {
	at := func(s string) *time.Time { t := local(s); return &t }
	c := func(id string, org accord.ID, st cases.State, crit sla.Criticality, received string) cases.Case {
		return cases.Case{ID: accord.ID(id), OrgID: org, State: st, Criticality: crit, Clock: cases.Clock{ReceivedAt: local(received)}}
	}
	l := []cases.Case{
		c("new-c1", acme, cases.New, sla.C1, "2026-11-02 09:00"),
		c("open-c1", acme, cases.Open, sla.C1, "2026-11-01 08:00"),
		c("open-c3", globex, cases.Open, sla.C3, "2026-10-10 08:00"),
		c("awaiting-c3", globex, cases.AwaitingCustomer, sla.C3, "2026-10-20 08:00"),
		c("resolved-c2", acme, cases.Resolved, sla.C2, "2026-10-31 10:00"),
		c("closed-c3", acme, cases.Closed, sla.C3, "2026-10-01 10:00"),
		c("resolved-c3", acme, cases.Resolved, sla.C3, "2026-11-01 08:00"),
		c("old", acme, cases.Closed, sla.C4, "2026-01-05 08:00"),
	}
	l[0].SeniorRequired = true
	l[1].SeniorRequired, l[1].AssigneeID, l[1].AssigneeSenior = true, "usr_ana", true
	l[2].AssigneeID = "usr_bruno"
	l[3].AssigneeID = "usr_ana"
	// 25 hours: the night DST ended has one more.
	l[4].ResolvedAt, l[4].SeniorRequired, l[4].AssigneeID, l[4].AssigneeSenior = at("2026-11-01 10:00"), true, "usr_carla", true
	// 31 days and 3 hours (747h), the hour DST gave back included.
	l[5].ResolvedAt, l[5].ClosedAt = at("2026-11-01 12:00"), at("2026-11-02 09:00")
	l[6].ResolvedAt = at("2026-11-02 08:00") // 24 hours
	l[7].ResolvedAt, l[7].ClosedAt = at("2026-01-06 08:00"), at("2026-01-20 08:00")
	return l
}

func TestDashboard(t *testing.T) {
	svc := NewService(&fakeStore{cases: dashboardCases()}, testPolicies(t), testOrgs, DefaultConfig())
	d, err := svc.Dashboard(actor(accord.RoleAdmin, "org_vendor"), reportAt, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !d.From.Equal(local("2026-10-31 00:00")) || !d.To.Equal(local("2026-11-03 00:00")) {
		t.Errorf("window [%s, %s)", d.From, d.To)
	}
	check := func(what string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s:\n got %s\nwant %s", what, g, w)
		}
	}
	check("backlog", d.Backlog, []BacklogCell{
		{cases.New, sla.C1, 1}, {cases.Open, sla.C1, 1}, {cases.Open, sla.C3, 1}, {cases.AwaitingCustomer, sla.C3, 1}})
	type vol struct {
		Day            string
		Opened, Closed int
	}
	var vols []vol
	for _, v := range d.Volume {
		vols = append(vols, vol{v.Day, v.Opened, v.Closed})
	}
	check("volume", vols, []vol{{"2026-10-31", 1, 0}, {"2026-11-01", 2, 0}, {"2026-11-02", 1, 1}})
	type res struct {
		Crit        sla.Criticality
		N           int
		Median, P90 string
	}
	var rs []res
	for _, r := range d.Resolution {
		x := res{Crit: r.Criticality, N: r.Resolved}
		if r.Median != nil {
			x.Median, x.P90 = r.Median.Text, r.P90.Text
		}
		rs = append(rs, x)
	}
	check("resolution", rs, []res{{sla.C1, 0, "", ""}, {sla.C2, 1, "25h", "25h"}, {sla.C3, 2, "24h", "747h"}, {sla.C4, 0, "", ""}})
	check("load", d.Load, []AgentLoad{{"usr_ana", "Ana", 2}, {"usr_bruno", "Bruno", 1}})
	var seniors []string
	for _, m := range d.Senior {
		if m.Required > 0 {
			b, _ := json.Marshal([]any{m.Month, m.Required, m.BySenior, m.Percent})
			seniors = append(seniors, string(b))
		}
	}
	check("senior share", seniors, []string{`["2026-10",1,1,100]`, `["2026-11",2,1,50]`})
	if len(d.Senior) != SeniorMonths || d.Senior[0].Month != "2026-06" {
		t.Errorf("senior months from %s, %d of them", d.Senior[0].Month, len(d.Senior))
	}

	// A partner agent counts only the cases of the customers it serves.
	p, err := svc.Dashboard(actor(accord.RolePartnerAgent, south), reportAt, 3)
	if err != nil {
		t.Fatal(err)
	}
	check("partner's backlog", p.Backlog, []BacklogCell{{cases.Open, sla.C3, 1}, {cases.AwaitingCustomer, sla.C3, 1}})
	check("partner's load", p.Load, []AgentLoad{{"usr_ana", "Ana", 1}, {"usr_bruno", "Bruno", 1}})

	if _, err := svc.Dashboard(actor(accord.RoleCustomerContact, acme), reportAt, 3); !accord.IsKind(err, accord.Forbidden) {
		t.Errorf("a customer's contact: %v", err)
	}
	for _, days := range []int{-1, MaxDays + 1} {
		if _, err := svc.Dashboard(actor(accord.RoleAdmin, "org_vendor"), reportAt, days); !accord.IsKind(err, accord.Invalid) {
			t.Errorf("%d days: %v", days, err)
		}
	}
}
