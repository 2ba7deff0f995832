package web

import (
	"context"
	"html/template"
	"net/url"
	"slices"
	"time"

	"accord/internal/cases"
	"accord/internal/reports"
	"accord/internal/sla"
)

// workView is the dashboard's view of the work (reports.Dashboard): each
// number links to the queue listing the cases it counts.
type workView struct {
	Days       int
	Crits      []sla.Criticality
	Backlog    []backlogRow
	Volume     []volumeRow
	Resolution []resolutionRow
	Load       []loadRow
	Senior     []seniorRow
}

// countLink is a number and the list of its cases.
type countLink struct {
	N    int
	Href template.URL
}

type backlogRow struct {
	State cases.State
	Cells []countLink // by criticality, in the order of Crits
	Total countLink
}

type volumeRow struct {
	Day            time.Time
	Opened, Closed countLink
}

type resolutionRow struct {
	Criticality sla.Criticality
	Resolved    countLink
	Median, P90 string // "" without resolved cases
}

type loadRow struct {
	Name  string
	Cases countLink
}

type seniorRow struct {
	Month    time.Time
	Required countLink
	BySenior int
	Percent  int
}

// drill is the queue's "recently updated" view (every state) narrowed by
// the pairs of kv, which name the API's filters (docs/web.md).
func drill(kv ...string) template.URL {
	q := url.Values{"view": {string(cases.ViewUpdated)}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return queueURL(q.Encode())
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// loadWork reads the dashboard's work figures over the default window.
func (s *Server) loadWork(ctx context.Context, now time.Time) (workView, error) {
	d, err := s.Reports.Dashboard(ctx, now, reports.DefaultDays)
	if err != nil {
		return workView{}, err
	}
	zone, err := time.LoadLocation(d.Zone)
	if err != nil {
		return workView{}, err
	}
	w := workView{Days: d.Days, Crits: sla.Criticalities}
	for _, st := range cases.ActiveStates {
		row := backlogRow{State: st, Total: countLink{Href: drill("state", string(st))}}
		for _, cr := range sla.Criticalities {
			cell := countLink{Href: drill("state", string(st), "criticality", string(cr))}
			if k := slices.IndexFunc(d.Backlog, func(b reports.BacklogCell) bool { return b.State == st && b.Criticality == cr }); k >= 0 {
				cell.N = d.Backlog[k].Cases
			}
			row.Cells, row.Total.N = append(row.Cells, cell), row.Total.N+cell.N
		}
		if row.Total.N > 0 {
			w.Backlog = append(w.Backlog, row)
		}
	}
	for _, v := range d.Volume {
		w.Volume = append(w.Volume, volumeRow{Day: v.From.In(zone),
			Opened: countLink{v.Opened, drill("opened_from", rfc3339(v.From), "opened_to", rfc3339(v.To))},
			Closed: countLink{v.Closed, drill("closed_from", rfc3339(v.From), "closed_to", rfc3339(v.To))}})
	}
	for _, r := range d.Resolution {
		row := resolutionRow{Criticality: r.Criticality,
			Resolved: countLink{r.Resolved, drill("criticality", string(r.Criticality), "resolved_from", rfc3339(d.From), "resolved_to", rfc3339(d.To))}}
		if r.Median != nil {
			row.Median, row.P90 = r.Median.Text, r.P90.Text
		}
		w.Resolution = append(w.Resolution, row)
	}
	for _, l := range d.Load {
		w.Load = append(w.Load, loadRow{Name: l.Name, Cases: countLink{l.Cases, drill("state", "active", "assigned", string(l.UserID))}})
	}
	for _, m := range d.Senior {
		w.Senior = append(w.Senior, seniorRow{Month: m.From.In(zone), BySenior: m.BySenior, Percent: m.Percent,
			Required: countLink{m.Required, drill("senior", "1", "opened_from", rfc3339(m.From), "opened_to", rfc3339(m.To))}})
	}
	return w, nil
}
