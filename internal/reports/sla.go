package reports

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
)

// Query asks for the SLA compliance report of one month.
type Query struct {
	// Month is "YYYY-MM", read in the vendor's zone.
	Month string
	// OrgID narrows the report to one customer; empty: every customer the
	// actor may read.
	OrgID accord.ID
}

// SLAReport is the first-response compliance of the cases received in a
// month, as it stands at At.
type SLAReport struct {
	Month string `json:"month"`
	Zone  string `json:"zone"`
	// From and To are the instants the month begins and the next one does.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// At is when the report was computed: cases not answered by then are
	// breached or pending as of this instant.
	At time.Time `json:"at"`
	// Rows are per customer, plan and criticality, sorted by customer name,
	// plan and criticality.
	Rows []SLARow `json:"rows"`
	// Total counts every case of the rows; its percentiles are over all
	// their first responses, not an average of the rows'.
	Total SLARow `json:"total"`
	// Reclassified lists the counted cases whose criticality changed, with
	// their history, in the order of the rows, then by case number.
	Reclassified []ReclassifiedCase `json:"reclassified_cases"`
}

// ReclassifiedCase is a counted case whose criticality changed.
type ReclassifiedCase struct {
	CaseID   accord.ID `json:"case_id"`
	Number   int64     `json:"number"`
	OrgID    accord.ID `json:"org_id"`
	Customer string    `json:"customer"`
	Plan     string    `json:"plan"`
	// Criticality is the row the case counts in: the criticality in force
	// when its target was breached, or else at its first response (or at
	// the report's instant, when unanswered).
	Criticality sla.Criticality `json:"criticality"`
	Outcome     string          `json:"outcome"` // met, breached, not_guaranteed or pending
	// Opened is the criticality the case was opened at; Reclassifications
	// are its changes, oldest first.
	Opened            sla.Criticality           `json:"opened"`
	Reclassifications []cases.CriticalityChange `json:"reclassifications"`
	// BreachDueAt is the due instant a breach missed.
	BreachDueAt *time.Time `json:"breach_due_at,omitempty"`
}

// SLARow is one customer's cases of one plan and criticality, or the
// totals (without customer, plan and criticality).
type SLARow struct {
	Month       string          `json:"month"`
	OrgID       accord.ID       `json:"org_id,omitempty"`
	Customer    string          `json:"customer,omitempty"`
	Plan        string          `json:"plan,omitempty"`
	Criticality sla.Criticality `json:"criticality,omitempty"`
	// Cases = Met + Breached + NotGuaranteed + Pending.
	Cases int `json:"cases"`
	// Met: guaranteed, and answered before the due instant.
	Met int `json:"met"`
	// Breached: guaranteed, and answered at or after the due instant, or
	// not answered when the whole target had been used by At.
	Breached int `json:"breached"`
	// NotGuaranteed: best effort, a target that needs a phone call for a
	// case opened in the portal without one.
	NotGuaranteed int `json:"not_guaranteed"`
	// Pending: guaranteed, not answered, and still within its target at At.
	Pending int `json:"pending"`
	// Reclassified counts the cases whose criticality changed (they are
	// also counted above).
	Reclassified int `json:"reclassified"`
	// Responded counts the cases answered, guaranteed or not: the median
	// and the 90th percentile are of their times to the first response.
	Responded int   `json:"responded"`
	Median    *Span `json:"median_first_response"`
	P90       *Span `json:"p90_first_response"`
}

// Span is a length of working time, in whole seconds and written for
// people ("1h30m").
type Span struct {
	Seconds int64  `json:"seconds"`
	Text    string `json:"text"`
}

func spanOf(d time.Duration) *Span {
	d = d.Round(time.Second)
	return &Span{Seconds: int64(d / time.Second), Text: sla.Duration(d).String()}
}

// outcome is where one case's first response stands at the report's instant.
type outcome string

const (
	met           = outcome(cases.VerdictMet)
	breached      = outcome(cases.VerdictBreached)
	notGuaranteed = outcome(cases.VerdictNotGuaranteed)
	pending       = outcome(cases.VerdictPending)
)

// judged is one counted case.
type judged struct {
	outcome   outcome
	responded bool
	// ttfr is the working time from the clock's start to the first
	// response, outside the pauses, when responded.
	ttfr time.Duration
	// crit is the criticality the case counts under: the one in force at
	// its breach, or else its clock's (cases.ClockCriticality).
	crit sla.Criticality
}

// judge decides where c's clock stands at now, under its policy version,
// by cases.VerdictAt, the rule the replay counts by too.
func judge(pol *sla.Policy, c cases.Case, now time.Time) (judged, error) {
	k := c.Clock
	j := judged{crit: cases.ClockCriticality(c)}
	if k.BreachedAt != nil {
		j.crit = k.BreachCriticality
	}
	if k.RespondedAt != nil {
		used, err := cases.Used(pol, c, *k.RespondedAt)
		if err != nil {
			return judged{}, fmt.Errorf("case %s: %w", c.ID, err)
		}
		j.responded, j.ttfr = true, used
	}
	o, err := cases.VerdictAt(pol, c, now)
	if err != nil {
		return judged{}, err
	}
	j.outcome = outcome(o)
	return j, nil
}

// tally accumulates the cases of a row.
type tally struct {
	row   SLARow
	ttfrs []time.Duration
}

func (t *tally) add(j judged, reclassified bool) {
	t.row.Cases++
	if reclassified {
		t.row.Reclassified++
	}
	switch j.outcome {
	case met:
		t.row.Met++
	case breached:
		t.row.Breached++
	case notGuaranteed:
		t.row.NotGuaranteed++
	case pending:
		t.row.Pending++
	}
	if j.responded {
		t.row.Responded++
		t.ttfrs = append(t.ttfrs, j.ttfr)
	}
}

func (t *tally) finish() SLARow {
	r := t.row
	if len(t.ttfrs) > 0 {
		slices.Sort(t.ttfrs)
		r.Median, r.P90 = spanOf(nearestRank(t.ttfrs, 50)), spanOf(nearestRank(t.ttfrs, 90))
	}
	return r
}

// nearestRank is the p-th percentile of sorted by the nearest-rank method:
// the smallest value with at least p% of the values at or below it, the
// value of rank ceil(p/100 * n). It is always one of the values; the median
// of an even count is the lower of the middle two.
func nearestRank(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

type rowKey struct {
	org  accord.ID
	plan string
	crit sla.Criticality
}

// SLA reports the first-response compliance of the cases received in
// q.Month that the actor may read: vendor staff every customer's, a
// partner agent its partner's customers', a customer contact its own
// organization's. Cases without a response clock (enhancement requests)
// are not counted. An organization outside the actor's scope is NotFound.
func (s *Service) SLA(ctx context.Context, now time.Time, q Query) (SLAReport, error) {
	const op = "reports.SLA"
	from, to, err := s.cfg.Month(q.Month)
	if err != nil {
		return SLAReport{}, err
	}
	scope, err := s.scoped(ctx, now)
	if err != nil {
		return SLAReport{}, err
	}
	if q.OrgID != "" {
		// In the actor's own name: another tenant's organization is NotFound.
		if _, err := s.dir.GetOrganization(ctx, now, q.OrgID); err != nil {
			return SLAReport{}, err
		}
	}
	if q.OrgID != "" {
		scope = accord.OnlyOrg(q.OrgID) // readable: GetOrganization said so
	}
	now = now.UTC()
	rep := SLAReport{Month: q.Month, Zone: s.cfg.zone().String(), From: from, To: to, At: now, Rows: []SLARow{}, Reclassified: []ReclassifiedCase{}}
	policies := map[int]*sla.Policy{}
	tallies := map[rowKey]*tally{}
	total := &tally{row: SLARow{Month: q.Month}}
	// The month is read in batches, so that a report's memory does not grow
	// with the month's cases (docs/benchmarks.md).
	err = s.eachReceived(ctx, scope, from, to, func(received []cases.Case) error {
		for _, c := range received {
			if c.Clock.Kind == "" {
				continue
			}
			pol, ok := policies[c.Clock.PolicyVersion]
			if !ok {
				if pol, err = s.policies.Version(ctx, c.Clock.PolicyVersion); err != nil {
					return err
				}
				policies[c.Clock.PolicyVersion] = pol
			}
			j, err := judge(pol, c, now)
			if err != nil {
				return err
			}
			key := rowKey{c.OrgID, c.Clock.Plan, j.crit}
			t := tallies[key]
			if t == nil {
				t = &tally{row: SLARow{Month: q.Month, OrgID: c.OrgID, Plan: c.Clock.Plan, Criticality: j.crit}}
				tallies[key] = t
			}
			reclassified := len(c.Reclassifications) > 0
			t.add(j, reclassified)
			total.add(j, reclassified)
			if reclassified {
				rc := ReclassifiedCase{CaseID: c.ID, Number: c.Number, OrgID: c.OrgID, Plan: c.Clock.Plan, Criticality: j.crit,
					Outcome: string(j.outcome), Opened: c.Reclassifications[0].From, Reclassifications: c.Reclassifications}
				if c.Clock.BreachedAt != nil {
					rc.BreachDueAt = c.Clock.BreachDueAt
				}
				rep.Reclassified = append(rep.Reclassified, rc)
			}
		}
		return nil
	}, nil)
	if err != nil {
		return SLAReport{}, accord.Wrap(op, err)
	}
	names := map[accord.ID]string{}
	for key, t := range tallies {
		name, ok := names[key.org]
		if !ok {
			o, err := s.dir.GetOrganization(system(ctx), now, key.org)
			if err != nil {
				return SLAReport{}, accord.Wrap(op, err)
			}
			name, names[key.org] = o.Name, o.Name
		}
		r := t.finish()
		r.Customer = name
		rep.Rows = append(rep.Rows, r)
	}
	byName := func(a, b string, aID, bID accord.ID) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a), strings.ToLower(b)), cmp.Compare(a, b), cmp.Compare(aID, bID))
	}
	slices.SortFunc(rep.Rows, func(a, b SLARow) int {
		return cmp.Or(byName(a.Customer, b.Customer, a.OrgID, b.OrgID), cmp.Compare(a.Plan, b.Plan), cmp.Compare(a.Criticality, b.Criticality))
	})
	for i := range rep.Reclassified {
		rep.Reclassified[i].Customer = names[rep.Reclassified[i].OrgID]
	}
	slices.SortFunc(rep.Reclassified, func(a, b ReclassifiedCase) int {
		return cmp.Or(byName(a.Customer, b.Customer, a.OrgID, b.OrgID), cmp.Compare(a.Plan, b.Plan), cmp.Compare(a.Criticality, b.Criticality),
			cmp.Compare(a.Number, b.Number))
	})
	rep.Total = total.finish()
	return rep, nil
}
