package engagements

import (
	"context"
	_ "embed"
	"html/template"
	"io"
	"time"

	"accord/internal/accord"
)

// Report is an engagement's outcome report: what was agreed, who did each
// step, the sessions, and what the test measured against the objectives.
type Report struct {
	Engagement  Engagement `json:"engagement"`
	Customer    string     `json:"customer"`
	Expected    string     `json:"expected_outcome"`
	Zone        string     `json:"zone"`
	GeneratedAt time.Time  `json:"generated_at"`
	// Verdict is "met", "missed", or "not measured".
	Verdict string `json:"verdict"`
}

// Report returns the outcome report of an engagement the actor may read,
// with the catalog's texts in loc.
func (s *Service) Report(ctx context.Context, now time.Time, id accord.ID, loc string) (Report, error) {
	const op = "engagements.Report"
	e, cat, h, err := s.terms(ctx, now, op, id)
	if err != nil {
		return Report{}, err
	}
	org, err := s.dir.GetOrganization(system(ctx), now, e.OrgID)
	if err != nil {
		return Report{}, accord.Wrap(op, err)
	}
	return Report{Engagement: cat.Localize(e, loc), Customer: org.Name, Expected: cat.Services[e.Service].Outcome.In(loc), Zone: h.Zone.String(),
		GeneratedAt: stamp(now), Verdict: verdict(e.Outcome)}, nil
}

func verdict(o *Outcome) string {
	if o == nil || (o.RTO == nil && o.RPO == nil) {
		return "not measured"
	}
	for _, m := range []*Measure{o.RTO, o.RPO} {
		if m != nil && m.Met != nil && !*m.Met {
			return "missed"
		}
	}
	return "met"
}

//go:embed report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"money":    func(cents int64) string { return Money(cents).String() },
	"duration": func(seconds int64) string { return durationText(time.Duration(seconds) * time.Second) },
	"local":    func(any) string { return "" }, // replaced per report by its zone
}).Parse(reportHTML))

// WriteHTML writes the report as a page made for printing to PDF, with
// times in the services calendar's zone.
func (r Report) WriteHTML(w io.Writer) error {
	zone, err := time.LoadLocation(r.Zone)
	if err != nil {
		zone = time.UTC
	}
	local := func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.In(zone).Format("Mon 2006-01-02 15:04 MST")
		case *time.Time:
			if v != nil {
				return v.In(zone).Format("Mon 2006-01-02 15:04 MST")
			}
		}
		return ""
	}
	t, err := reportTemplate.Clone()
	if err != nil {
		return err
	}
	t.Funcs(template.FuncMap{"local": local})
	return t.Execute(w, r)
}
