package cases

import (
	"strings"
	"testing"
	"time"

	"accord/internal/sla"
)

// internalPolicy is the default policy with internal targets for Premium:
// C1 around the clock, C3 on business hours (next reply) and on the
// services calendar with its Brazilian holidays (resolution).
func internalPolicy(t testing.TB) *sla.Policy {
	t.Helper()
	doc := strings.Replace(sla.DefaultDocument(), "      C4: {work: 12h, clock: support-hours}\n",
		"      C4: {work: 12h, clock: support-hours}\n    internal_targets:\n"+
			"      C1: {next_reply: {work: 1h, clock: 24x7}, resolution: {work: 8h, clock: 24x7}}\n"+
			"      C3: {next_reply: {work: 4h, clock: support-hours}, resolution: {work: 16h, clock: services}}\n", 1)
	p, err := sla.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var saoPaulo = mustZone("America/Sao_Paulo")

func inSaoPaulo(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, saoPaulo)
	if err != nil {
		panic(err)
	}
	return t
}

// The policy's numbers at chosen instants: over a weekend and the DST
// change, across a pause, around the clock, over a holiday.
func TestInternalClocks(t *testing.T) {
	pol := internalPolicy(t)
	type msg struct {
		at       time.Time
		customer bool
	}
	for _, tc := range []struct {
		name      string
		crit      sla.Criticality
		plan      string
		received  time.Time
		responded *time.Time
		msgs      []msg
		pauses    []Pause
		paused    *time.Time
		resolved  *time.Time
		now       time.Time
		kind      sla.InternalKind
		want      InternalStatus
		due       time.Time // zero: none (paused)
		margin    time.Duration
		absent    bool // no clock of this kind
	}{
		{name: "next reply over the weekend and the DST change: 2h on Friday, 2h on Monday", crit: sla.C3, plan: "premium",
			received: local("2024-03-08 09:00"), responded: ptr(local("2024-03-08 10:00")),
			msgs: []msg{{local("2024-03-08 09:00"), true}, {local("2024-03-08 10:00"), false}, {local("2024-03-08 18:00"), true}},
			now:  local("2024-03-11 09:00"), kind: sla.NextReply, want: InternalRunning, due: local("2024-03-11 10:00"), margin: time.Hour},
		{name: "next reply answered on Monday morning", crit: sla.C3, plan: "premium",
			received: local("2024-03-08 09:00"), responded: ptr(local("2024-03-08 10:00")),
			msgs: []msg{{local("2024-03-08 09:00"), true}, {local("2024-03-08 10:00"), false}, {local("2024-03-08 18:00"), true}, {local("2024-03-11 09:30"), false}},
			now:  local("2024-03-12 09:00"), kind: sla.NextReply, want: InternalMet, due: local("2024-03-11 10:00"), margin: 30 * time.Minute},
		{name: "next reply overdue", crit: sla.C3, plan: "premium",
			received: local("2024-03-08 09:00"), responded: ptr(local("2024-03-08 10:00")),
			msgs: []msg{{local("2024-03-08 09:00"), true}, {local("2024-03-08 10:00"), false}, {local("2024-03-08 18:00"), true}},
			now:  local("2024-03-11 11:00"), kind: sla.NextReply, want: InternalOverdue, due: local("2024-03-11 10:00"), margin: -time.Hour},
		{name: "a pause of four hours moves the next reply by four", crit: sla.C3, plan: "premium",
			received: local("2024-03-12 08:00"), responded: ptr(local("2024-03-12 09:00")),
			msgs:   []msg{{local("2024-03-12 08:00"), true}, {local("2024-03-12 09:00"), false}, {local("2024-03-12 10:00"), true}},
			pauses: []Pause{{From: local("2024-03-12 11:00").UTC(), To: ptr(local("2024-03-12 15:00").UTC())}},
			now:    local("2024-03-12 19:00"), kind: sla.NextReply, want: InternalOverdue, due: local("2024-03-12 18:00"), margin: -time.Hour},
		{name: "C1 next reply around the clock on Saturday night", crit: sla.C1, plan: "premium",
			received: local("2024-03-09 02:00"), responded: ptr(local("2024-03-09 02:10")),
			msgs: []msg{{local("2024-03-09 02:00"), true}, {local("2024-03-09 02:10"), false}, {local("2024-03-09 03:00"), true}, {local("2024-03-09 03:45"), false}},
			now:  local("2024-03-09 05:00"), kind: sla.NextReply, want: InternalMet, due: local("2024-03-09 04:00"), margin: 15 * time.Minute},
		{name: "no next reply before the first response", crit: sla.C3, plan: "premium",
			received: local("2024-03-12 08:00"), msgs: []msg{{local("2024-03-12 08:00"), true}},
			now: local("2024-03-12 09:00"), kind: sla.NextReply, absent: true},
		{name: "resolution over Good Friday on the services calendar", crit: sla.C3, plan: "premium",
			received: inSaoPaulo("2026-04-02 10:00"), responded: ptr(inSaoPaulo("2026-04-02 10:30")), resolved: ptr(inSaoPaulo("2026-04-06 15:00")),
			now: inSaoPaulo("2026-04-07 10:00"), kind: sla.Resolution, want: InternalMet, due: inSaoPaulo("2026-04-06 16:00"), margin: time.Hour},
		{name: "resolution frozen while awaiting the customer", crit: sla.C3, plan: "premium",
			received: inSaoPaulo("2026-04-02 10:00"), responded: ptr(inSaoPaulo("2026-04-02 10:30")),
			pauses: []Pause{{From: inSaoPaulo("2026-04-02 11:00").UTC()}}, paused: ptr(inSaoPaulo("2026-04-02 11:00").UTC()),
			now: inSaoPaulo("2026-04-09 10:00"), kind: sla.Resolution, want: InternalPaused},
		{name: "a plan without internal targets has none", crit: sla.C3, plan: "advanced",
			received: local("2024-03-12 08:00"), now: local("2024-03-12 09:00"), kind: sla.Resolution, absent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCase(tc.plan, tc.crit, sla.Portal, tc.received)
			c.OrgID = "org_customer"
			if err := settle(pol, &c); err != nil {
				t.Fatal(err)
			}
			c.Clock.RespondedAt, c.Pauses, c.Clock.PausedSince, c.ResolvedAt = tc.responded, tc.pauses, tc.paused, tc.resolved
			var msgs []Message
			for _, m := range tc.msgs {
				msgs = append(msgs, Message{At: m.at.UTC(), ByCustomer: m.customer})
			}
			ks, err := InternalClocks(pol, c, msgs, tc.now.UTC())
			if err != nil {
				t.Fatal(err)
			}
			var got *InternalClock
			for i := range ks {
				if ks[i].Kind == tc.kind {
					got = &ks[i]
				}
			}
			if tc.absent {
				if got != nil {
					t.Fatalf("want no %s clock, got %+v", tc.kind, *got)
				}
				return
			}
			if got == nil {
				t.Fatalf("no %s clock in %+v", tc.kind, ks)
			}
			if got.Status != tc.want || time.Duration(got.Margin) != tc.margin {
				t.Errorf("status %s margin %s, want %s %s\n%s", got.Status, got.Margin, tc.want, sla.Duration(tc.margin), strings.Join(got.Why, "\n"))
			}
			switch {
			case tc.due.IsZero() && got.DueAt != nil:
				t.Errorf("due %v, want none while paused", got.DueAt)
			case !tc.due.IsZero() && (got.DueAt == nil || !got.DueAt.Equal(tc.due)):
				t.Errorf("due %v, want %v\n%s", got.DueAt, tc.due.UTC(), strings.Join(got.Why, "\n"))
			}
		})
	}
}

// TestInternalExplained: the explanation says the target is internal,
// names the holiday skipped and the pause, like the first response's.
func TestInternalExplained(t *testing.T) {
	pol := internalPolicy(t)
	c := newCase("premium", sla.C3, sla.Portal, inSaoPaulo("2026-04-02 10:00"))
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	ks, err := InternalClocks(pol, c, nil, inSaoPaulo("2026-04-06 09:00").UTC())
	if err != nil || len(ks) != 1 {
		t.Fatalf("clocks %+v, %v", ks, err)
	}
	why := strings.Join(ks[0].Why, "\n")
	for _, want := range []string{"internal resolution target of 16 hours of working time on the services calendar", "never shown to the customer", "Holidays of the services calendar skipped: 2026-04-03"} {
		if !strings.Contains(why, want) {
			t.Errorf("why lacks %q:\n%s", want, why)
		}
	}
}
