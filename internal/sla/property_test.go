package sla

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestDueProperties checks, for random cases under the default policy and
// its strict-portal variant: due after start; start not before the earlier
// of receipt and call; guaranteed exactly unless a phone-required target
// came through the portal without a call; the clock is the target's when
// guaranteed and the support calendar otherwise; a calendar clock starts at
// a working moment and spans exactly the target's working time; later
// receipt never makes the deadline earlier; a quiet computation finds the
// same instants without the sentences.
func TestDueProperties(t *testing.T) {
	policies := []*Policy{
		mustParse(t, defaultDocument),
		mustParse(t, withEdit(t, "portal_start: next_working_moment", "portal_start: next_business_day_start")),
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rapid.Check(t, func(t *rapid.T) {
		p := policies[rapid.IntRange(0, 1).Draw(t, "policy")]
		in := DueInput{
			Plan:        rapid.SampledFrom([]string{"advanced", "premium"}).Draw(t, "plan"),
			Criticality: rapid.SampledFrom(Criticalities).Draw(t, "criticality"),
			Channel:     rapid.SampledFrom([]Channel{Portal, Phone}).Draw(t, "channel"),
			Received:    base.Add(time.Duration(rapid.Int64Range(0, 366*24*60).Draw(t, "minute")) * time.Minute),
		}
		if in.Channel == Portal && rapid.Bool().Draw(t, "called") {
			at := in.Received.Add(time.Duration(rapid.IntRange(-120, 48*60).Draw(t, "call offset")) * time.Minute)
			in.PhoneAt = &at
		}
		r, err := p.Due(in)
		if err != nil {
			t.Fatal(err)
		}
		quiet := in
		quiet.Quiet = true
		q, err := p.Due(quiet)
		if err != nil || q.Explanation != nil || !q.DueAt.Equal(r.DueAt) || !q.WarnAt.Equal(r.WarnAt) || !q.StartsAt.Equal(r.StartsAt) ||
			q.Clock != r.Clock || q.Guaranteed != r.Guaranteed || q.Target != r.Target || len(r.Explanation) == 0 {
			t.Fatalf("quiet %+v (%v), explained %+v", q, err, r)
		}
		target := p.Plans[in.Plan].Targets[in.Criticality]
		earliest := in.Received
		if in.PhoneAt != nil && in.PhoneAt.Before(earliest) {
			earliest = *in.PhoneAt
		}
		if !r.DueAt.After(r.StartsAt) || r.StartsAt.Before(earliest) {
			t.Fatalf("received %s: start %s due %s", in.Received, r.StartsAt, r.DueAt)
		}
		wantG := !(target.PhoneRequired && in.Channel == Portal && in.PhoneAt == nil)
		if r.Guaranteed != wantG {
			t.Fatalf("guaranteed %v, want %v", r.Guaranteed, wantG)
		}
		if (wantG && r.Clock != target.Clock) || (!wantG && r.Clock != p.SupportCalendar) {
			t.Fatalf("clock %s (target %s)", r.Clock, target.Clock)
		}
		cal := p.cals[r.Clock]
		if !cal.IsOpen(r.StartsAt) {
			t.Fatalf("clock %s starts at a closed moment %s", r.Clock, r.StartsAt)
		}
		if got := cal.Elapsed(r.StartsAt, r.DueAt, nil); got != time.Duration(target.Work) {
			t.Fatalf("working time from start to due = %v, want %v", got, target.Work)
		}
		later := in
		later.Received = in.Received.Add(time.Duration(rapid.IntRange(1, 72*60).Draw(t, "later")) * time.Minute)
		later.PhoneAt = nil
		in.PhoneAt = nil
		a, _ := p.Due(in)
		b, err := p.Due(later)
		if err != nil || b.DueAt.Before(a.DueAt) {
			t.Fatalf("receipt %s due %s, later receipt %s due %s (%v)", in.Received, a.DueAt, later.Received, b.DueAt, err)
		}
	})
}
