package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"accord/internal/cases"
	"accord/internal/reports"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// dashboardHistory gives the months before the fixture's a record: in
// September Acme's C3 and C4 were answered in an hour (met); in October
// Globex's C3 was answered in an hour and Acme's C1, opened by phone, in
// ten minutes (met), while Acme's C3 never was (breached, recorded by the
// job); on 2 November Acme's C4 was answered in half an hour (met). Today
// Acme has a C3 case due tonight, and a C2 phoned in at 14:30, due at 15:30.
func dashboardHistory(t *testing.T, f *fixture) (breached cases.Case) {
	t.Helper()
	answer := func(c cases.Case, after time.Duration) {
		t.Helper()
		if _, err := f.cases.Reply(f.as("agent"), c.Clock.ReceivedAt.Add(after), c.ID, cases.NewReply{Body: "We are on it."}); err != nil {
			t.Fatal(err)
		}
	}
	sep := time.Date(2026, 9, 15, 14, 0, 0, 0, time.UTC)
	oct := time.Date(2026, 10, 13, 14, 0, 0, 0, time.UTC)
	answer(queueIncident(t, f, "acme", sla.C3, "Export fails", sep), time.Hour)
	answer(queueIncident(t, f, "acme", sla.C4, "Typo in a report", sep), time.Hour)
	answer(queueIncident(t, f, "globex", sla.C3, "Slow search", oct), time.Hour)
	phoned, err := f.cases.Open(f.as("agent"), oct, cases.NewCase{OrgID: f.orgs["acme"].ID, Type: cases.Incident, Title: "Core down",
		Channel: sla.Phone, Call: &cases.Call{Caller: "Ana", Number: "+1 212 555 0100", At: oct},
		Details: cases.Details{Criticality: sla.C1, Procedure: "Any", Version: "4.2", Observed: "Down", Expected: "Up", Discovery: "Users"}})
	if err != nil {
		t.Fatal(err)
	}
	answer(phoned, 10*time.Minute)
	breached = queueIncident(t, f, "acme", sla.C3, "Certificate expired", oct)
	if err := f.cases.Fire(f.system(), f.now, cases.BreachTimer, breached.ID); err != nil {
		t.Fatal(err)
	}
	answer(queueIncident(t, f, "acme", sla.C4, "Wrong label", time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)), 30*time.Minute)
	queueIncident(t, f, "acme", sla.C3, "Disk full on the reporting node", f.now)
	if _, err := f.cases.Open(f.as("agent"), f.now, cases.NewCase{OrgID: f.orgs["acme"].ID, Type: cases.Incident, Title: "Batch stuck",
		Channel: sla.Phone, Call: &cases.Call{Caller: "Ana", Number: "+1 212 555 0100", At: f.now.Add(-30 * time.Minute)},
		Details: cases.Details{Criticality: sla.C2, Procedure: "Any", Version: "4.2", Observed: "Stuck", Expected: "Done", Discovery: "Users"}}); err != nil {
		t.Fatal(err)
	}
	return breached
}

func TestDashboardPage(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	dashboardHistory(t, f)
	body := f.page("admin", "/dashboard")
	golden(t, "dashboard", body)
	for _, want := range []string{
		`role="img" aria-label="First-response SLA compliance by month and criticality"`,
		`<td>100% (1 of 1)</td><td><span class="muted">—</span></td><td>50% (1 of 2)</td>`, // October
		"Certificate expired", // the open breach
		"Batch stuck",         // due at 16:30
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	if strings.Contains(body, " style=") {
		t.Error("the chart has an inline style, which the CSP blocks")
	}
}

var chartBar = regexp.MustCompile(`<rect class="bar bar-(C\d)( empty)?" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" data-value="(\d*)">`)

// TestDashboardChart: the chart has one bar per month and criticality,
// and each is the report's share of first responses met, of those met or
// breached.
func TestDashboardChart(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		dashboardHistory(t, f)
		body := f.page("auditor", "/dashboard")
		bars := chartBar.FindAllStringSubmatch(body, -1)
		if len(bars) != dashboardMonths*len(sla.Criticalities) {
			t.Fatalf("%d bars, want %d", len(bars), dashboardMonths*len(sla.Criticalities))
		}
		rep := reports.NewService(store.NewReports(f.db), f.policy, f.dir, reports.DefaultConfig())
		var got, want []string
		for i, month := range []string{"2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"} {
			r, err := rep.SLA(f.as("admin"), f.now, reports.Query{Month: month})
			if err != nil {
				t.Fatal(err)
			}
			for k, crit := range sla.Criticalities {
				met, decided := 0, 0
				for _, row := range r.Rows {
					if row.Criticality == crit {
						met, decided = met+row.Met, decided+row.Met+row.Breached
					}
				}
				value := ""
				if decided > 0 {
					value = strconv.Itoa(met * 100 / decided)
				}
				want = append(want, fmt.Sprintf("%s %s %q", month, crit, value))
				b := bars[i*len(sla.Criticalities)+k]
				got = append(got, fmt.Sprintf("%s %s %q", month, b[1], b[4]))
				if h, _ := strconv.ParseFloat(b[3], 64); decided > 0 && h != float64(met*chartPlot)/float64(decided) {
					t.Errorf("%s %s: height %s, want %d%% of %d", month, crit, b[3], met*100/decided, chartPlot)
				}
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("bars:\n%s\nwant the report's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// Not vacuous: October's C3 is one met of two.
		if !strings.Contains(strings.Join(want, "\n"), `2026-10 C3 "50"`) {
			t.Errorf("the history is not what the test expects:\n%s", strings.Join(want, "\n"))
		}
	})
}

func TestDashboardRedirectsOthers(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	for as, want := range map[string]string{"acme": "/cases", "partner": "/customers"} {
		if r := f.get(as, "/dashboard"); r.status != http.StatusSeeOther || r.location != want {
			t.Errorf("%s on /dashboard: %d to %q, want %s", as, r.status, r.location, want)
		}
	}
	if body := f.page("agent", "/dashboard"); !strings.Contains(body, "No case is due in the next 4 hours.") ||
		!strings.Contains(body, "No open case has breached") {
		t.Error("an empty dashboard does not say so")
	}
}

// The scenario on the dashboard: a C3 case raised to C1, breached,
// lowered to C3 and answered counts this month as a C1 breach, and stays
// among the open breaches.
func TestDashboardCountsStandingBreaches(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		start := f.now.Add(-4 * time.Hour) // Friday 06:00 in New York
		c, err := f.cases.Open(f.as("agent"), start, cases.NewCase{OrgID: f.orgs["acme"].ID, Type: cases.Incident, Title: "Exports fail",
			Channel: sla.Phone, Call: &cases.Call{Caller: "Ana", Number: "+1 212 555 0100", At: start},
			Details: cases.Details{Criticality: sla.C3, Procedure: "Any", Version: "4.2", Observed: "Fails", Expected: "Works", Discovery: "Users"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			at time.Duration
			to sla.Criticality
		}{{time.Hour, sla.C1}, {2 * time.Hour, sla.C3}} {
			if _, err := f.cases.Reclassify(f.as("agent"), start.Add(step.at), c.ID, cases.Reclassification{Criticality: step.to, Reason: "The impact changed"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.cases.Reply(f.as("agent"), start.Add(3*time.Hour), c.ID, cases.NewReply{Body: "Fixed."}); err != nil {
			t.Fatal(err)
		}
		body := f.page("admin", "/dashboard")
		// November: C1 0 of 1 met, nothing under C2, C3 or C4.
		if !strings.Contains(body, `<th scope="row">Nov 2026</th>
      <td>0% (0 of 1)</td><td><span class="muted">—</span></td><td><span class="muted">—</span></td><td><span class="muted">—</span></td>`) {
			t.Error("the dashboard does not count the standing C1 breach")
		}
		if !strings.Contains(body, "Exports fail") {
			t.Error("the case is not among the open breaches")
		}
	})
}
