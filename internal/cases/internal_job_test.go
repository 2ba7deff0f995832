package cases_test

import (
	"strings"
	"testing"

	"accord/internal/cases"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestInternalWarnings: the internal targets' warnings are a durable job,
// set at the opening and when the customer writes again, recorded once
// each on the timeline for the vendor's side only, on both engines.
func TestInternalWarnings(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		doc := strings.Replace(sla.DefaultDocument(), "      C4: {work: 12h, clock: support-hours}\n",
			"      C4: {work: 12h, clock: support-hours}\n    internal_targets:\n"+
				"      C4: {next_reply: {work: 2h, clock: support-hours}, resolution: {work: 4h, clock: support-hours}}\n", 1)
		if _, _, err := f.policy.Import(f.as("admin"), at("2024-03-01 09:00"), doc); err != nil {
			t.Fatal(err)
		}
		// Tuesday 10:00 New York: the resolution warns at 75% of 4 hours.
		c := f.openPortal(t, "acme", at("2024-03-12 10:00"), cases.NewCase{Type: cases.Question, Title: "Where is the audit log?", Description: "We cannot find it."})
		wantJob := func(want string) {
			t.Helper()
			got, ok := f.job(t, c.ID, cases.InternalTimer)
			switch {
			case want == "" && ok:
				t.Fatalf("internal warning job at %s, want none", nyString(&got))
			case want != "" && (!ok || !got.Equal(at(want))):
				t.Fatalf("internal warning job at %v (%v), want %s", nyString(&got), ok, want)
			}
		}
		wantJob("2024-03-12 13:00")
		if _, err := f.svc.Reply(f.as("agent"), at("2024-03-12 10:30"), c.ID, cases.NewReply{Body: "Under Reports."}); err != nil {
			t.Fatal(err)
		}
		// The customer writes again at 11:00: the next reply warns at 12:30.
		if _, err := f.svc.Reply(f.as("acme"), at("2024-03-12 11:00"), c.ID, cases.NewReply{Body: "Not for us."}); err != nil {
			t.Fatal(err)
		}
		wantJob("2024-03-12 12:30")
		fire := func(when string) {
			t.Helper()
			if err := f.svc.Fire(sys, at(when), cases.InternalTimer, c.ID); err != nil {
				t.Fatalf("fire at %s: %v", when, err)
			}
		}
		fire("2024-03-12 12:29")
		wantJob("2024-03-12 12:30")
		fire("2024-03-12 12:30")
		fire("2024-03-12 12:31") // a second run records nothing again
		wantJob("2024-03-12 13:00")
		l := f.timeline(t, "agent", at("2024-03-12 12:31"), c.ID)
		if n := countKind(l, cases.InternalWarning); n != 1 {
			t.Fatalf("%d internal warnings after the next reply's, want 1", n)
		}
		fire("2024-03-12 13:00")
		wantJob("")
		l = f.timeline(t, "agent", at("2024-03-12 13:01"), c.ID)
		var kinds []string
		for _, e := range l {
			if e.Kind == cases.InternalWarning {
				if !e.Internal {
					t.Errorf("an internal warning is public: %+v", e)
				}
				kinds = append(kinds, e.Data.To)
			}
		}
		if strings.Join(kinds, ",") != "next_reply,resolution" {
			t.Fatalf("internal warnings %v, want next_reply then resolution", kinds)
		}
		if n := countKind(f.timeline(t, "acme", at("2024-03-12 13:01"), c.ID), cases.InternalWarning); n != 0 {
			t.Fatalf("the customer reads %d internal warnings", n)
		}
		if n := f.actions(t, c.ID)["case.internal_warning"]; n != 2 {
			t.Fatalf("%d case.internal_warning audit events, want 2", n)
		}
		// Nothing of it reaches the first-response clock.
		if got := f.get(t, "agent", at("2024-03-12 13:01"), c.ID); got.Clock.WarnedAt != nil || got.Clock.BreachedAt != nil {
			t.Fatalf("the first-response clock was touched: %+v", got.Clock)
		}
	})
}
