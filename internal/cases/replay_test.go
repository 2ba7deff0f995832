package cases

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"accord/internal/accord"
	"accord/internal/sla"
)

// draftOf parses the default policy with each pair of old, new replaced.
func draftOf(t testing.TB, pairs ...string) *sla.Policy {
	t.Helper()
	doc := sla.DefaultDocument()
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(doc, pairs[i]) {
			t.Fatalf("the default policy no longer holds %q", pairs[i])
		}
		doc = strings.Replace(doc, pairs[i], pairs[i+1], 1)
	}
	p, err := sla.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fact is one fact of a generated history, applied at its instant.
type fact struct {
	at    time.Time
	apply func(c *Case)
}

// history draws a case's facts as the service would have recorded them:
// the events happen in time order, and before each (and at now) the
// breach job records a guaranteed clock whose due instant has come, under
// the criticality then in force, as the job and recordBreach do.
func history(t *rapid.T, pol *sla.Policy, i int, now time.Time) Case {
	minute := func(label string, lo, hi int) time.Duration {
		return time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Minute
	}
	received := local("2024-03-04 00:00").UTC().Add(minute("received", 0, 20*24*60))
	c := newCase(rapid.SampledFrom([]string{"advanced", "premium"}).Draw(t, "plan"), rapid.SampledFrom(sla.Criticalities).Draw(t, "crit"),
		rapid.SampledFrom([]sla.Channel{sla.Portal, sla.Phone}).Draw(t, "channel"), received)
	c.ID, c.Number, c.OrgID = accord.ID(fmt.Sprintf("cas_%d", i)), int64(i+1), accord.ID(fmt.Sprintf("org_%d", i%3))
	var events []fact
	if c.Clock.Channel == sla.Portal && rapid.Bool().Draw(t, "called") {
		at := received.Add(minute("call", -60, 2*24*60))
		events = append(events, fact{at, func(c *Case) { c.Clock.PhoneAt = &at }})
	}
	at := received
	for range rapid.IntRange(0, 3).Draw(t, "pauses") {
		from := at.Add(minute("gap", 0, 24*60))
		to := from.Add(minute("length", 1, 2*24*60))
		at = to
		events = append(events, fact{from, func(c *Case) {
			c.Pauses = append(c.Pauses, Pause{From: from})
			c.Clock.PausedSince = &c.Pauses[len(c.Pauses)-1].From
		}}, fact{to, func(c *Case) {
			c.Pauses[len(c.Pauses)-1].To = &to
			c.Clock.PausedSince = nil
		}})
	}
	for range rapid.IntRange(0, 3).Draw(t, "reclassifications") {
		when := received.Add(minute("reclassified", 1, 4*24*60))
		to := rapid.SampledFrom(sla.Criticalities).Draw(t, "to")
		events = append(events, fact{when, func(c *Case) {
			if to != c.Criticality {
				c.Reclassifications = append(c.Reclassifications, CriticalityChange{From: c.Criticality, To: to, At: when})
				c.Criticality = to
			}
		}})
	}
	if rapid.Bool().Draw(t, "answered") {
		when := received.Add(minute("answer", 0, 5*24*60))
		events = append(events, fact{when, func(c *Case) {
			if c.Clock.PausedSince == nil { // an agent answers while the clock runs
				c.Clock.RespondedAt = &when
			}
		}})
	}
	slices.SortStableFunc(events, func(a, b fact) int { return a.at.Compare(b.at) })
	job := func(c *Case, at time.Time) {
		if err := settle(pol, c); err != nil {
			t.Fatal(err)
		}
		k := &c.Clock
		if k.BreachedAt == nil && k.RespondedAt == nil && k.Guaranteed && k.DueAt != nil && !k.DueAt.After(at) {
			due := *k.DueAt
			k.BreachedAt, k.BreachCriticality, k.BreachDueAt = &due, c.Criticality, &due
		}
	}
	for _, e := range events {
		if e.at.After(now) {
			break
		}
		if e.at.After(received) {
			job(&c, e.at)
		}
		e.apply(&c)
	}
	job(&c, now)
	return c
}

// A replay under the policy the cases were opened under reproduces every
// stored outcome, over histories with calls, pauses, reclassifications
// and answers, judged at any instant.
func TestReplayReproducesStoredOutcomes(t *testing.T) {
	pol := defaultPolicy(t)
	rapid.Check(t, func(t *rapid.T) {
		now := local("2024-03-04 00:00").UTC().Add(time.Duration(rapid.IntRange(0, 30*24*60).Draw(t, "now")) * time.Minute)
		r := NewReplayer(ReplayOptions{Draft: pol, Versions: func(int) (*sla.Policy, error) { return pol, nil }, Now: now})
		for i := range rapid.IntRange(1, 10).Draw(t, "cases") {
			c := history(t, pol, i, now)
			stored, err := VerdictAt(pol, c, now)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Replay(pol, c)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := VerdictAt(pol, again, now); got != stored {
				t.Fatalf("stored %s, replayed %s\nstored clock %+v\nreplayed %+v\nreclassifications %+v pauses %+v", stored, got, c.Clock, again.Clock, c.Reclassifications, c.Pauses)
			}
			if err := r.Add(c); err != nil {
				t.Fatal(err)
			}
		}
		rep := r.Report()
		if rep.Total.Flipped != 0 || rep.Drift != 0 || rep.Skipped != 0 || rep.Total.Actual != rep.Total.Draft || rep.Total.Actual != rep.Total.Recomputed {
			t.Fatalf("a replay under the same policy changed outcomes: %+v", rep.Total)
		}
	})
}

// Flips worked out by hand: an Advanced C3 portal case received Tuesday
// 2024-03-12 10:00 New York time, 8 working hours on 08:00-20:00 weekdays
// (due 18:00 the same day), answered at the given time.
func TestReplayFlips(t *testing.T) {
	pol := defaultPolicy(t)
	hours := `      fri: [["08:00", "20:00"]]
  # Professional services`
	for _, tc := range []struct {
		name     string
		draft    *sla.Policy
		answered string
		actual   Verdict
		replayed Verdict
		draftDue string
	}{
		{"a shorter target: 6h, due 16:00, answered 17:00", draftOf(t, "C3: {work: 8h, clock: support-hours}", "C3: {work: 6h, clock: support-hours}"),
			"2024-03-12 17:00", VerdictMet, VerdictBreached, "2024-03-12 16:00"},
		{"a longer target: 9h, due 19:00, answered 18:30", draftOf(t, "C3: {work: 8h, clock: support-hours}", "C3: {work: 9h, clock: support-hours}"),
			"2024-03-12 18:30", VerdictBreached, VerdictMet, "2024-03-12 19:00"},
		{"shorter hours 09:00-17:00: 7h Tuesday, due Wednesday 10:00", draftOf(t, `[["08:00", "20:00"]]`, `[["09:00", "17:00"]]`, `[["08:00", "20:00"]]`, `[["09:00", "17:00"]]`,
			`[["08:00", "20:00"]]`, `[["09:00", "17:00"]]`, `[["08:00", "20:00"]]`, `[["09:00", "17:00"]]`, `[["08:00", "20:00"]]`, `[["09:00", "17:00"]]`),
			"2024-03-12 19:00", VerdictBreached, VerdictMet, "2024-03-13 10:00"},
		{"a holiday on the Tuesday: starts Wednesday 08:00, due 16:00", draftOf(t, hours, `      fri: [["08:00", "20:00"]]
    holidays: ["2024-03-12"]
  # Professional services`), "2024-03-12 19:00", VerdictBreached, VerdictMet, "2024-03-13 16:00"},
		{"the strict portal rule: starts Wednesday 08:00, due 16:00", draftOf(t, "portal_start: next_working_moment", "portal_start: next_business_day_start"),
			"2024-03-12 18:30", VerdictBreached, VerdictMet, "2024-03-13 16:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCase("advanced", sla.C3, sla.Portal, local("2024-03-12 10:00"))
			c.ID, c.Number, c.OrgID, c.Clock.RespondedAt = "cas_1", 7, "org_1", ptr(local(tc.answered).UTC())
			if err := settle(pol, &c); err != nil {
				t.Fatal(err)
			}
			now := local("2024-04-01 00:00")
			r := NewReplayer(ReplayOptions{Draft: tc.draft, Name: "draft", Versions: func(int) (*sla.Policy, error) { return pol, nil }, Now: now})
			if err := r.Add(c); err != nil {
				t.Fatal(err)
			}
			rep := r.Report()
			if len(rep.Flips) != 1 || rep.Total.Flipped != 1 {
				t.Fatalf("flips %+v, total %+v", rep.Flips, rep.Total)
			}
			f := rep.Flips[0]
			if f.Actual != tc.actual || f.Draft != tc.replayed || f.DraftDueAt == nil || !f.DraftDueAt.Equal(local(tc.draftDue)) {
				t.Fatalf("flip %s -> %s due %v; want %s -> %s due %s", f.Actual, f.Draft, f.DraftDueAt, tc.actual, tc.replayed, tc.draftDue)
			}
			x := rep.Explained
			if x == nil || x.Number != 7 || x.Actual.Status != Status(tc.actual) || x.Draft.Status != Status(tc.replayed) || len(x.Draft.Why) == 0 {
				t.Fatalf("explanation %+v", x)
			}
			for _, rows := range [][]ReplayRow{rep.Plans, rep.Criticalities, rep.Customers} {
				if len(rows) != 1 || rows[0].Flipped != 1 || rows[0].Cases != 1 {
					t.Fatalf("rows %+v", rows)
				}
			}
		})
	}
}

// A criticality left before its due instant passed owes nothing; one left
// after it stays breached under the draft too, whatever came next.
func TestReplayBreachBeforeReclassificationStands(t *testing.T) {
	pol := defaultPolicy(t)
	// Premium C2 by phone Tuesday 10:00: 1h on 24x7, due 11:00. Lowered to
	// C3 at 12:00 (8 working hours), answered at 13:00.
	c := newCase("premium", sla.C3, sla.Phone, local("2024-03-12 10:00"))
	c.Reclassifications = []CriticalityChange{{From: sla.C2, To: sla.C3, At: local("2024-03-12 12:00").UTC()}}
	c.Clock.RespondedAt = ptr(local("2024-03-12 13:00").UTC())
	for _, tc := range []struct {
		name  string
		draft *sla.Policy
		want  Verdict
	}{
		{"as is: breached at 11:00 under C2", pol, VerdictBreached},
		{"C2 given 3h: due 13:00, left at 12:00, then C3 met", draftOf(t, "C2: {work: 1h, clock: 24x7, phone_required: true}", "C2: {work: 3h, clock: 24x7, phone_required: true}"), VerdictMet},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Replay(tc.draft, c)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := VerdictAt(tc.draft, r, local("2024-04-01 00:00")); got != tc.want {
				t.Fatalf("%s, want %s (clock %+v)", got, tc.want, r.Clock)
			}
		})
	}
}

// BenchmarkReplay is the per-case cost of a replay: a stored outcome, the
// clock recomputed under the stored version and under a draft, counted.
func BenchmarkReplay(b *testing.B) {
	pol := defaultPolicy(b)
	draft := draftOf(b, "C3: {work: 8h, clock: support-hours}", "C3: {work: 6h, clock: support-hours}")
	var cs []Case
	start := local("2024-03-04 00:00").UTC()
	for i := range 1000 {
		c := newCase([]string{"advanced", "premium"}[i%2], sla.Criticalities[i%4], []sla.Channel{sla.Portal, sla.Phone}[i%3%2], start.Add(time.Duration(i)*37*time.Minute))
		c.ID, c.Number, c.OrgID = accord.ID(fmt.Sprintf("cas_%d", i)), int64(i+1), accord.ID(fmt.Sprintf("org_%d", i%50))
		if i%5 == 0 {
			from, to := c.Clock.ReceivedAt.Add(time.Hour), c.Clock.ReceivedAt.Add(5*time.Hour)
			c.Pauses = []Pause{{From: from, To: &to}}
		}
		if i%10 == 0 {
			c.Reclassifications = []CriticalityChange{{From: c.Criticality, To: sla.C1, At: c.Clock.ReceivedAt.Add(30 * time.Minute)}}
			c.Criticality = sla.C1
		}
		resp := c.Clock.ReceivedAt.Add(time.Duration(i%600) * time.Minute)
		c.Clock.RespondedAt = &resp
		if err := settle(pol, &c); err != nil {
			b.Fatal(err)
		}
		cs = append(cs, c)
	}
	r := NewReplayer(ReplayOptions{Draft: draft, Versions: func(int) (*sla.Policy, error) { return pol, nil }, Now: start.Add(90 * 24 * time.Hour), Explain: -1})
	b.ResetTimer()
	for i := range b.N {
		if err := r.Add(cs[i%len(cs)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}
