package web

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/reports"
	"accord/internal/sla"
)

// unfinishedStates are the states of a case still being worked: all but
// closed, declined and delivered.
var unfinishedStates = slices.DeleteFunc(slices.Clone(cases.States), func(st cases.State) bool {
	return st == cases.Closed || st == cases.Declined || st == cases.Delivered
})

const (
	// dashboardMonths is how far back the compliance chart goes.
	dashboardMonths = 6
	// dashboardRows bounds each list of the dashboard; the queue has them all.
	dashboardRows = 50
	// dueSoon is the horizon of the "due soon" list, which has the cases
	// not yet breached: the breached ones have their own.
	dueSoon = 4 * time.Hour
)

// caseTally is a number of cases, with More when there were more than
// were counted.
type caseTally struct {
	N    int
	More bool
}

// compliance counts the guaranteed first responses decided in a month:
// those that met their target, of those met or breached. Best-effort and
// still pending cases count neither way.
type compliance struct{ Met, Decided int }

func (c *compliance) add(r reports.SLARow) {
	c.Met += r.Met
	c.Decided += r.Met + r.Breached
}

// Percent is rounded down, so that 100% means every response met.
func (c compliance) Percent() int {
	if c.Decided == 0 {
		return 0
	}
	return c.Met * 100 / c.Decided
}

// monthCompliance is one month of the SLA report, summed over customers
// and plans.
type monthCompliance struct {
	Label  string       // "Nov 2026" in the reader's language
	ByCrit []compliance // in the order of sla.Criticalities
	All    compliance
}

type dashboardData struct {
	Open      caseTally
	Breaches  []caseRow
	Breached  caseTally
	DueSoon   []caseRow
	Due       caseTally
	ThisMonth compliance
	Months    []monthCompliance // oldest first
	Crits     []sla.Criticality
	Chart     template.HTML
	// CSAT is the customers' satisfaction with the cases closed this month.
	CSAT reports.CSATRow
	Work workView
}

// dashboard shows the vendor's staff the state of support: key figures,
// SLA compliance by month and criticality, the open breaches and the
// cases due soon. Anyone else is sent to their own start page.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	if !readerOf(r.Context()).vendor() {
		s.home(w, r)
		return
	}
	data, err := s.loadDashboard(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", s.newPage(r, "dashboard.title", data))
}

func (s *Server) loadDashboard(r *http.Request) (*dashboardData, error) {
	ctx, rd, now := r.Context(), readerOf(r.Context()), s.Now()
	data := &dashboardData{Crits: sla.Criticalities}
	orgs, err := s.caseOrgs(r)
	if err != nil {
		return nil, err
	}
	if data.Open, _, err = s.countCases(ctx, now, cases.Filter{States: unfinishedStates}, accord.MaxLimit); err != nil {
		return nil, err
	}
	yes, no, soon := true, false, now.Add(dueSoon)
	var breaches, due []cases.Case
	if data.Breached, breaches, err = s.countCases(ctx, now, cases.Filter{States: unfinishedStates, Breached: &yes}, dashboardRows); err != nil {
		return nil, err
	}
	if data.Due, due, err = s.countCases(ctx, now, cases.Filter{ByDue: true, DueBefore: &soon, Breached: &no}, dashboardRows); err != nil {
		return nil, err
	}
	if data.Breaches, err = s.caseRows(r, breaches, orgs.names, now); err != nil {
		return nil, err
	}
	if data.DueSoon, err = s.caseRows(r, due, orgs.names, now); err != nil {
		return nil, err
	}
	if data.Months, err = s.slaMonths(ctx, now, rd.Locale); err != nil {
		return nil, err
	}
	data.ThisMonth = data.Months[len(data.Months)-1].All
	csat, err := s.Reports.CSAT(ctx, now, reports.Query{Month: now.In(reports.DefaultConfig().Zone).Format("2006-01")})
	if err != nil {
		return nil, err
	}
	data.CSAT = csat.Total
	if data.Work, err = s.loadWork(ctx, now); err != nil {
		return nil, err
	}
	data.Chart, err = s.slaChart(rd.Locale, data.Months).svg()
	return data, err
}

// countCases lists up to limit cases of f and counts them.
func (s *Server) countCases(ctx context.Context, now time.Time, f cases.Filter, limit int) (caseTally, []cases.Case, error) {
	l, next, err := s.Cases.List(ctx, now, f, accord.Page{Limit: limit})
	return caseTally{N: len(l), More: next != ""}, l, err
}

// reportMonth is how reports.Query writes a month.
const reportMonth = "2006-01"

// slaMonths are the SLA reports of the months up to now's, oldest first.
// A month is the vendor's (the reports' zone), in which now may fall in
// another month than in UTC near midnight: the first report tells.
func (s *Server) slaMonths(ctx context.Context, now time.Time, loc string) ([]monthCompliance, error) {
	utc := now.UTC()
	month := time.Date(utc.Year(), utc.Month(), 1, 0, 0, 0, 0, time.UTC)
	rep, err := s.Reports.SLA(ctx, now, reports.Query{Month: month.Format(reportMonth)})
	if err != nil {
		return nil, err
	}
	switch {
	case now.Before(rep.From):
		month = month.AddDate(0, -1, 0)
	case !now.Before(rep.To):
		month = month.AddDate(0, 1, 0)
	}
	names := strings.Split(s.msgs.text(loc, "dashboard.months"), "|")
	out := make([]monthCompliance, dashboardMonths)
	for i := range out {
		m := month.AddDate(0, i-dashboardMonths+1, 0)
		if rep.Month != m.Format(reportMonth) {
			if rep, err = s.Reports.SLA(ctx, now, reports.Query{Month: m.Format(reportMonth)}); err != nil {
				return nil, err
			}
		}
		mc := monthCompliance{Label: strconv.Itoa(m.Year()), ByCrit: make([]compliance, len(sla.Criticalities))}
		if len(names) == 12 {
			mc.Label = names[m.Month()-1] + " " + mc.Label
		}
		for _, row := range rep.Rows {
			if k := slices.Index(sla.Criticalities, row.Criticality); k >= 0 {
				mc.ByCrit[k].add(row)
			}
		}
		mc.All.add(rep.Total)
		out[i] = mc
	}
	return out, nil
}

// slaChart draws months as groups of one bar per criticality, each the
// share of guaranteed first responses that met their target.
func (s *Server) slaChart(loc string, months []monthCompliance) barChart {
	c := barChart{Title: s.msgs.text(loc, "dashboard.chart_title")}
	for _, crit := range sla.Criticalities {
		c.Series = append(c.Series, string(crit))
	}
	for _, m := range months {
		g := barGroup{Label: m.Label}
		for k, cm := range m.ByCrit {
			crit := sla.Criticalities[k]
			b := barValue{Empty: true, Tip: s.msgs.text(loc, "dashboard.chart_empty", crit, m.Label)}
			if cm.Decided > 0 {
				b = barValue{Share: float64(cm.Met) / float64(cm.Decided), Value: strconv.Itoa(cm.Percent()),
					Tip: s.msgs.text(loc, "dashboard.chart_bar", crit, m.Label, cm.Percent(), cm.Met, cm.Decided)}
			}
			g.Bars = append(g.Bars, b)
		}
		c.Groups = append(c.Groups, g)
	}
	return c
}
