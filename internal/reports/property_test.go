package reports

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
)

// randomCase draws a case received around October 2026 whose history
// (calls, holds, the first answer) lies before now, as stored cases' do.
func randomCase(t *rapid.T, pols fakePolicies, i int, now time.Time) cases.Case {
	start := local("2026-09-28 00:00")
	minute := func(label string, lo, hi int) time.Duration {
		return time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Minute
	}
	received := start.Add(minute("received", 0, 38*24*60))
	if received.After(now) {
		received = now
	}
	c := cases.Case{ID: accord.ID(fmt.Sprintf("cas_%d", i)), OrgID: rapid.SampledFrom([]accord.ID{acme, globex, bluebird}).Draw(t, "org"),
		Type: cases.Incident, State: cases.Open, Criticality: rapid.SampledFrom(sla.Criticalities).Draw(t, "crit"),
		Clock: cases.Clock{PolicyVersion: rapid.IntRange(1, 2).Draw(t, "version"), Plan: rapid.SampledFrom([]string{"advanced", "premium"}).Draw(t, "plan"),
			Channel: rapid.SampledFrom([]sla.Channel{sla.Portal, sla.Phone}).Draw(t, "channel"), ReceivedAt: received}}
	if rapid.IntRange(0, 9).Draw(t, "enhancement") == 0 {
		c.Type = cases.Enhancement
		return settle(t, pols, c)
	}
	if c.Clock.Channel == sla.Portal && rapid.Bool().Draw(t, "called") {
		at := received.Add(minute("call", -60, 3*24*60))
		if !at.After(now) {
			c.Clock.PhoneAt = &at
		}
	}
	at := received
	for range rapid.IntRange(0, 3).Draw(t, "pauses") {
		from := at.Add(minute("gap", 0, 2*24*60))
		if from.After(now) {
			break
		}
		to := from.Add(minute("length", 1, 3*24*60))
		p := cases.Pause{From: from}
		if to.After(now) {
			c.Clock.PausedSince, c.State = &p.From, cases.AwaitingCustomer
			c.Pauses = append(c.Pauses, p)
			at = now
			break
		}
		p.To = &to
		c.Pauses = append(c.Pauses, p)
		at = to
	}
	if c.Clock.PausedSince == nil && rapid.Bool().Draw(t, "answered") {
		answered := at.Add(minute("answer", 0, 4*24*60))
		if !answered.After(now) {
			c.Clock.RespondedAt = &answered
		}
	}
	return settle(t, pols, c)
}

// For any cases and any instant: each row and the totals add up, the
// totals are the sum of the rows, median <= p90, only October's clocked
// cases count, and a guaranteed answer is met exactly when it took less
// working time than the target (at most the target when the due instant
// was moved to the next opening).
func TestSLAReportProperties(t *testing.T) {
	pols := testPolicies(t)
	rapid.Check(t, func(t *rapid.T) {
		now := local("2026-10-01 00:00").Add(time.Duration(rapid.IntRange(0, 60*24*60).Draw(t, "now")) * time.Minute)
		st := &fakeStore{}
		counted := 0
		from, to, _ := DefaultConfig().Month("2026-10")
		for i := range rapid.IntRange(0, 30).Draw(t, "cases") {
			c := randomCase(t, pols, i, now)
			st.cases = append(st.cases, c)
			if c.Clock.Kind != "" && !c.Clock.ReceivedAt.Before(from) && c.Clock.ReceivedAt.Before(to) {
				counted++
			}
			if c.Clock.Kind == "" {
				continue
			}
			j, err := judge(pols[c.Clock.PolicyVersion], c, now)
			if err != nil {
				t.Fatal(err)
			}
			target := time.Duration(c.Clock.Target)
			switch {
			case !c.Clock.Guaranteed && j.outcome != notGuaranteed:
				t.Fatalf("case %+v: best effort judged %v", c.Clock, j.outcome)
			case j.outcome == met && j.ttfr > target:
				t.Fatalf("case %+v: met after %s of a %s target", c.Clock, j.ttfr, target)
			case j.outcome == breached && j.responded && j.ttfr < target:
				t.Fatalf("case %+v: breached after only %s of a %s target", c.Clock, j.ttfr, target)
			case j.outcome == pending && (j.responded || c.Clock.DueAt != nil && !now.Before(*c.Clock.DueAt)):
				t.Fatalf("case %+v: pending at %s", c.Clock, now)
			case j.responded != (c.Clock.RespondedAt != nil) || j.ttfr < 0:
				t.Fatalf("case %+v: judged %+v", c.Clock, j)
			}
		}
		svc := NewService(st, pols, testOrgs, DefaultConfig())
		r, err := svc.SLA(actor(accord.RoleAgent, "org_vendor"), now, Query{Month: "2026-10"})
		if err != nil {
			t.Fatal(err)
		}
		var sum SLARow
		check := func(row SLARow) {
			if row.Met+row.Breached+row.NotGuaranteed+row.Pending != row.Cases || row.Responded > row.Cases {
				t.Fatalf("row does not add up: %+v", row)
			}
			if (row.Responded > 0) != (row.Median != nil) || (row.Median == nil) != (row.P90 == nil) {
				t.Fatalf("row percentiles %+v %+v with %d answered", row.Median, row.P90, row.Responded)
			}
			if row.Median != nil && row.Median.Seconds > row.P90.Seconds {
				t.Fatalf("median %+v above p90 %+v", row.Median, row.P90)
			}
		}
		for i, row := range r.Rows {
			check(row)
			if row.Cases == 0 || row.Customer == "" {
				t.Fatalf("empty row %+v", row)
			}
			if i > 0 && !rowBefore(r.Rows[i-1], row) {
				t.Fatalf("rows out of order: %+v before %+v", r.Rows[i-1], row)
			}
			sum.Cases += row.Cases
			sum.Met += row.Met
			sum.Breached += row.Breached
			sum.NotGuaranteed += row.NotGuaranteed
			sum.Pending += row.Pending
			sum.Responded += row.Responded
		}
		check(r.Total)
		tot := r.Total
		if sum.Cases != tot.Cases || sum.Met != tot.Met || sum.Breached != tot.Breached || sum.NotGuaranteed != tot.NotGuaranteed ||
			sum.Pending != tot.Pending || sum.Responded != tot.Responded || tot.Cases != counted {
			t.Fatalf("totals %+v; the rows sum to %+v; %d cases received in October with a clock", tot, sum, counted)
		}
		if len(r.Table()) != len(r.Rows)+2 {
			t.Fatalf("table of %d rows for %d report rows", len(r.Table()), len(r.Rows))
		}
	})
}

// rowBefore: by customer name regardless of case, then plan and criticality.
func rowBefore(a, b SLARow) bool {
	key := func(r SLARow) []string {
		return []string{strings.ToLower(r.Customer), r.Customer, string(r.OrgID), r.Plan, string(r.Criticality)}
	}
	return slices.Compare(key(a), key(b)) < 0
}

// nearestRank matches its definition on small lists.
func TestNearestRank(t *testing.T) {
	m := time.Minute
	for _, tc := range []struct {
		in       []time.Duration
		p        int
		expected time.Duration
	}{
		{[]time.Duration{5 * m}, 50, 5 * m},
		{[]time.Duration{5 * m}, 90, 5 * m},
		{[]time.Duration{1 * m, 2 * m}, 50, 1 * m},
		{[]time.Duration{1 * m, 2 * m}, 90, 2 * m},
		{[]time.Duration{1 * m, 2 * m, 3 * m}, 50, 2 * m},
		{[]time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
		{[]time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 90, 10},
		{[]time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50, 5},
	} {
		if got := nearestRank(tc.in, tc.p); got != tc.expected {
			t.Errorf("nearestRank(%v, %d) = %v, want %v", tc.in, tc.p, got, tc.expected)
		}
	}
}
