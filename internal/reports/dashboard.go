package reports

import (
	"cmp"
	"context"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
)

// Dashboard limits.
const (
	// DefaultDays is the window of volume and resolution time by default.
	DefaultDays = 14
	// MaxDays bounds the window: a quarter.
	MaxDays = 92
	// SeniorMonths is how many months the senior share goes back,
	// the current one included.
	SeniorMonths = 6
)

// Dashboard is the state of support now and over a window of days in the
// vendor's zone: each number says which cases it counts (the Filter its
// drill-down lists), so that a page can link it to them.
type Dashboard struct {
	Zone string    `json:"zone"`
	At   time.Time `json:"at"`
	// From and To bound the window of Volume and Resolution: the last
	// Days days, today included.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Days int       `json:"days"`
	// Backlog counts the active cases (cases.ActiveStates) by state and
	// criticality; only the cells with cases are listed.
	Backlog []BacklogCell `json:"backlog"`
	// Volume counts the cases received and closed on each day, oldest first.
	Volume []VolumeDay `json:"volume"`
	// Resolution is the time from receipt to resolution (wall-clock, pauses
	// included) of the cases resolved in the window, per criticality.
	Resolution []ResolutionRow `json:"resolution"`
	// Load counts the active cases per assignee, most loaded first.
	Load []AgentLoad `json:"load"`
	// Senior is the share of the cases under the senior-engineer rule
	// (Premium C1/C2 in the default policy) given to a senior engineer,
	// per month of receipt, oldest first.
	Senior []SeniorMonth `json:"senior"`
}

// BacklogCell is a number of active cases in one state and criticality.
type BacklogCell struct {
	State       cases.State     `json:"state"`
	Criticality sla.Criticality `json:"criticality"`
	Cases       int             `json:"cases"`
}

// VolumeDay is one day of the window.
type VolumeDay struct {
	Day    string    `json:"day"` // YYYY-MM-DD in the zone
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Opened int       `json:"opened"`
	Closed int       `json:"closed"`
}

// ResolutionRow is the time to resolution of one criticality's cases.
type ResolutionRow struct {
	Criticality sla.Criticality `json:"criticality"`
	Resolved    int             `json:"resolved"`
	Median      *Span           `json:"median,omitempty"`
	P90         *Span           `json:"p90,omitempty"`
}

// AgentLoad is one assignee's active cases.
type AgentLoad struct {
	UserID accord.ID `json:"user_id"`
	Name   string    `json:"name"`
	Cases  int       `json:"cases"`
}

// SeniorMonth is one month of the senior share.
type SeniorMonth struct {
	Month    string    `json:"month"` // YYYY-MM in the zone
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Required int       `json:"required"`  // cases under the rule
	BySenior int       `json:"by_senior"` // of those, assigned to a senior engineer
	Percent  int       `json:"percent"`   // rounded down; 0 without cases
}

// Dashboard computes the dashboard at now over the last days days for the
// agents and vendor staff; customers' contacts are refused. A partner
// agent's numbers count only the cases of its scope.
func (s *Service) Dashboard(ctx context.Context, now time.Time, days int) (Dashboard, error) {
	const op = "reports.Dashboard"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Dashboard{}, err
	}
	if !a.IsVendor() && a.Role != accord.RolePartnerAgent {
		return Dashboard{}, &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "the dashboard is the support team's"}
	}
	if days == 0 {
		days = DefaultDays
	}
	if days < 1 || days > MaxDays {
		return Dashboard{}, accord.FieldError("days", "must be between 1 and %d", MaxDays)
	}
	scope, err := s.scoped(ctx, now)
	if err != nil {
		return Dashboard{}, err
	}
	zone := s.cfg.zone()
	local := now.In(zone)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, zone)
	from, to := today.AddDate(0, 0, 1-days), today.AddDate(0, 0, 1)
	monthStart := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, zone)
	seniorFrom := monthStart.AddDate(0, 1-SeniorMonths, 0)
	d := Dashboard{Zone: zone.String(), At: now.UTC(), From: from.UTC(), To: to.UTC(), Days: days,
		Backlog: []BacklogCell{}, Load: []AgentLoad{}}
	var q ActivityQuery
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		d.Volume = append(d.Volume, VolumeDay{Day: day.Format(time.DateOnly), From: day.UTC(), To: day.AddDate(0, 0, 1).UTC()})
		q.Days = append(q.Days, day.UTC())
	}
	q.Days = append(q.Days, to.UTC())
	for m := seniorFrom; m.Before(monthStart.AddDate(0, 1, 0)); m = m.AddDate(0, 1, 0) {
		d.Senior = append(d.Senior, SeniorMonth{Month: m.Format("2006-01"), From: m.UTC(), To: m.AddDate(0, 1, 0).UTC()})
		q.Months = append(q.Months, m.UTC())
	}
	q.Months = append(q.Months, monthStart.AddDate(0, 1, 0).UTC())
	act, err := s.store.Activity(ctx, scope, q)
	if err != nil {
		return Dashboard{}, accord.Wrap(op, err)
	}
	backlog := map[BacklogCell]int{}
	load := map[accord.ID]int{}
	for _, a := range act.Active {
		backlog[BacklogCell{State: a.State, Criticality: a.Criticality}] += a.Cases
		if a.AssigneeID != "" {
			load[a.AssigneeID] += a.Cases
		}
	}
	for i := range d.Volume {
		d.Volume[i].Opened, d.Volume[i].Closed = act.Opened[i], act.Closed[i]
	}
	times := map[sla.Criticality][]time.Duration{}
	for _, r := range act.Resolved {
		times[r.Criticality] = append(times[r.Criticality], r.ResolvedAt.Sub(r.ReceivedAt))
	}
	for i := range d.Senior {
		d.Senior[i].Required, d.Senior[i].BySenior = act.Required[i], act.BySenior[i]
	}
	for _, st := range cases.ActiveStates {
		for _, cr := range sla.Criticalities {
			if n := backlog[BacklogCell{State: st, Criticality: cr}]; n > 0 {
				d.Backlog = append(d.Backlog, BacklogCell{State: st, Criticality: cr, Cases: n})
			}
		}
	}
	for _, cr := range sla.Criticalities {
		r := ResolutionRow{Criticality: cr, Resolved: len(times[cr])}
		if r.Resolved > 0 {
			slices.Sort(times[cr])
			r.Median, r.P90 = spanOf(nearestRank(times[cr], 50)), spanOf(nearestRank(times[cr], 90))
		}
		d.Resolution = append(d.Resolution, r)
	}
	for id, n := range load {
		// The assignee may be beyond a partner agent's scope (a vendor
		// engineer on a case of its customer): the case admitted the name.
		u, err := s.dir.GetUser(system(ctx), now, id)
		if err != nil {
			return Dashboard{}, accord.Wrap(op, err)
		}
		d.Load = append(d.Load, AgentLoad{UserID: id, Name: u.Name, Cases: n})
	}
	slices.SortFunc(d.Load, func(x, y AgentLoad) int {
		return cmp.Or(cmp.Compare(y.Cases, x.Cases), cmp.Compare(x.Name, y.Name), cmp.Compare(x.UserID, y.UserID))
	})
	for i := range d.Senior {
		if m := &d.Senior[i]; m.Required > 0 {
			m.Percent = m.BySenior * 100 / m.Required
		}
	}
	return d, nil
}
