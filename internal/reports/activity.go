package reports

import (
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
)

// CountActivity is Activity's definition over a list of cases, counted one
// by one: the figures a Store must return for the same cases. Stores count
// in the database; the conformance tests hold them to this.
func CountActivity(l []cases.Case, scope accord.Scope, q ActivityQuery) Activity {
	a := Activity{Opened: spans(q.Days), Closed: spans(q.Days), Required: spans(q.Months), BySenior: spans(q.Months)}
	active := map[ActiveCount]int{}
	for _, c := range l {
		if !scope.Allows(c.OrgID) {
			continue
		}
		if slices.Contains(cases.ActiveStates, c.State) {
			active[ActiveCount{State: c.State, Criticality: c.Criticality, AssigneeID: c.AssigneeID}]++
		}
		if i := inSpan(q.Days, &c.Clock.ReceivedAt); i >= 0 {
			a.Opened[i]++
		}
		if i := inSpan(q.Days, c.ClosedAt); i >= 0 {
			a.Closed[i]++
		}
		if inSpan(q.Days, c.ResolvedAt) >= 0 {
			a.Resolved = append(a.Resolved, ResolvedCase{Criticality: c.Criticality, ReceivedAt: c.Clock.ReceivedAt, ResolvedAt: *c.ResolvedAt})
		}
		if i := inSpan(q.Months, &c.Clock.ReceivedAt); i >= 0 && c.SeniorRequired {
			a.Required[i]++
			if c.AssigneeSenior {
				a.BySenior[i]++
			}
		}
	}
	for k, n := range active {
		k.Cases = n
		a.Active = append(a.Active, k)
	}
	return a
}

// spans are zero counts for the spans between bounds.
func spans(bounds []time.Time) []int { return make([]int, max(len(bounds)-1, 0)) }

// inSpan is the index of the span between bounds that holds t, -1 for none.
func inSpan(bounds []time.Time, t *time.Time) int {
	if t == nil {
		return -1
	}
	for i := 0; i+1 < len(bounds); i++ {
		if !t.Before(bounds[i]) && t.Before(bounds[i+1]) {
			return i
		}
	}
	return -1
}
