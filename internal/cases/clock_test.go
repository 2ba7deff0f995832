package cases

import (
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"accord/internal/sla"
)

var ny = mustZone("America/New_York")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func defaultPolicy(t testing.TB) *sla.Policy {
	t.Helper()
	p, err := sla.Parse([]byte(sla.DefaultDocument()))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// local reads "2024-03-08 21:00" as New York time.
func local(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

// newCase is a case as Open makes it, before settle.
func newCase(plan string, crit sla.Criticality, ch sla.Channel, received time.Time) Case {
	return Case{Type: Incident, Criticality: crit, State: New,
		Clock: Clock{PolicyVersion: 1, Plan: plan, Channel: ch, ReceivedAt: received.UTC()}}
}

// The policy's numbers at chosen instants: in and out of hours, Friday
// night, across the March 2024 DST change, for each plan and channel.
func TestSettleScenarios(t *testing.T) {
	pol := defaultPolicy(t)
	for _, tc := range []struct {
		name       string
		plan       string
		crit       sla.Criticality
		channel    sla.Channel
		received   string
		phone      string // a recorded call, for portal cases
		start, due string // New York time
		guaranteed bool
	}{
		// The example.
		{"advanced C3 portal friday night", "advanced", sla.C3, sla.Portal, "2024-03-08 21:00", "", "2024-03-11 08:00", "2024-03-11 16:00", true},
		{"advanced C3 portal in hours", "advanced", sla.C3, sla.Portal, "2024-03-12 10:00", "", "2024-03-12 10:00", "2024-03-12 18:00", true},
		{"advanced C3 portal late afternoon runs over the night", "advanced", sla.C3, sla.Portal, "2024-03-12 17:00", "", "2024-03-12 17:00", "2024-03-13 13:00", true},
		{"advanced C4 portal friday 19:00: 18h over the weekend", "advanced", sla.C4, sla.Portal, "2024-03-08 19:00", "", "2024-03-08 19:00", "2024-03-12 13:00", true},
		{"premium C4 portal saturday", "premium", sla.C4, sla.Portal, "2024-03-09 11:00", "", "2024-03-11 08:00", "2024-03-12 08:00", true}, // 20:00 is the close: the next opening
		// The phone rule: no call, best effort on business hours.
		{"premium C1 portal without call", "premium", sla.C1, sla.Portal, "2024-03-09 03:00", "", "2024-03-11 08:00", "2024-03-11 08:30", false},
		{"premium C1 portal, call at 03:10", "premium", sla.C1, sla.Portal, "2024-03-09 03:00", "2024-03-09 03:10", "2024-03-09 03:10", "2024-03-09 03:40", true},
		{"premium C1 by phone", "premium", sla.C1, sla.Phone, "2024-03-10 01:30", "", "2024-03-10 01:30", "2024-03-10 03:00", true}, // 01:30 EST + 30 min = 03:00 EDT
		{"premium C2 by phone sunday", "premium", sla.C2, sla.Phone, "2024-03-10 10:00", "", "2024-03-10 10:00", "2024-03-10 11:00", true},
		{"advanced C1 portal call before the portal entry", "advanced", sla.C1, sla.Portal, "2024-03-09 03:00", "2024-03-09 02:50", "2024-03-09 02:50", "2024-03-09 03:50", true},
		{"advanced C2 portal without call", "advanced", sla.C2, sla.Portal, "2024-03-08 19:30", "", "2024-03-08 19:30", "2024-03-11 09:30", false},
		{"advanced C2 portal with call friday 19:30", "advanced", sla.C2, sla.Portal, "2024-03-08 19:20", "2024-03-08 19:30", "2024-03-08 19:30", "2024-03-11 09:30", true},
		{"advanced C2 by phone saturday", "advanced", sla.C2, sla.Phone, "2024-03-09 10:00", "", "2024-03-11 08:00", "2024-03-11 10:00", true},
		// Across the autumn change.
		{"advanced C3 portal friday before fall back", "advanced", sla.C3, sla.Portal, "2024-11-01 16:00", "", "2024-11-01 16:00", "2024-11-04 12:00", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCase(tc.plan, tc.crit, tc.channel, local(tc.received))
			if tc.phone != "" {
				c.Clock.PhoneAt = ptr(local(tc.phone).UTC())
			}
			if tc.channel == sla.Phone {
				c.Clock.PhoneAt = ptr(c.Clock.ReceivedAt)
			}
			if err := settle(pol, &c); err != nil {
				t.Fatal(err)
			}
			k := c.Clock
			if !k.StartsAt.Equal(local(tc.start)) || k.DueAt == nil || !k.DueAt.Equal(local(tc.due)) || k.Guaranteed != tc.guaranteed || k.CallRequired == tc.guaranteed {
				t.Fatalf("start %s due %v guaranteed %v call required %v; want start %s due %s guaranteed %v",
					k.StartsAt.In(ny), k.DueAt.In(ny), k.Guaranteed, k.CallRequired, tc.start, tc.due, tc.guaranteed)
			}
			// The warning comes when 75% of the target has been worked.
			cal, _ := pol.Calendar(k.Kind)
			if got, want := cal.Elapsed(k.StartsAt, *k.WarnAt, nil), time.Duration(float64(k.Target)*sla.WarnShare); got != want {
				t.Errorf("warning after %v of working time, want %v", got, want)
			}
		})
	}
}

// Before a holiday: the clock counts on the policy's calendar, so a
// holiday added to it is skipped.
func TestSettleSkipsHolidays(t *testing.T) {
	doc := sla.DefaultDocument()
	doc = replaceOnce(t, doc, "  support-hours:\n    zone: America/New_York\n", "  support-hours:\n    zone: America/New_York\n    holidays: [\"2024-07-04\"]\n")
	pol, err := sla.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	c := newCase("advanced", sla.C3, sla.Portal, local("2024-07-03 15:00"))
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	if want := local("2024-07-05 11:00"); !c.Clock.DueAt.Equal(want) {
		t.Fatalf("due %s, want %s (5h on the 3rd, the 4th skipped, 3h on the 5th)", c.Clock.DueAt.In(ny), want)
	}
}

// A pause moves the due instant by exactly the working time it covered;
// while it lasts the clock has no due instant.
func TestPauseArithmetic(t *testing.T) {
	pol := defaultPolicy(t)
	for _, tc := range []struct {
		name     string
		from, to string
		due      string
	}{
		{"pause inside hours", "2024-03-12 11:00", "2024-03-12 13:30", "2024-03-13 08:30"}, // 7.5h by the close, 0.5h on Wednesday
		{"pause over the night", "2024-03-12 17:00", "2024-03-13 09:00", "2024-03-13 10:00"},
		{"pause entirely out of hours", "2024-03-12 21:00", "2024-03-13 07:00", "2024-03-12 18:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCase("advanced", sla.C3, sla.Portal, local("2024-03-12 10:00"))
			c.Pauses = []Pause{{From: local(tc.from).UTC()}}
			c.Clock.PausedSince = ptr(local(tc.from).UTC())
			if err := settle(pol, &c); err != nil {
				t.Fatal(err)
			}
			if c.Clock.DueAt != nil || c.Clock.WarnAt != nil {
				t.Fatalf("paused clock has due %v", c.Clock.DueAt)
			}
			c.Pauses[0].To = ptr(local(tc.to).UTC())
			c.Clock.PausedSince = nil
			if err := settle(pol, &c); err != nil {
				t.Fatal(err)
			}
			want := local(tc.due)
			if !c.Clock.DueAt.Equal(want) {
				t.Fatalf("due %s, want %s", c.Clock.DueAt.In(ny), want)
			}
		})
	}
}

// A pause that starts after the response changes nothing: the clock had
// stopped.
func TestPauseAfterResponse(t *testing.T) {
	pol := defaultPolicy(t)
	c := newCase("advanced", sla.C3, sla.Portal, local("2024-03-12 10:00"))
	c.Clock.RespondedAt = ptr(local("2024-03-12 11:00").UTC())
	c.Pauses = []Pause{{From: local("2024-03-12 11:00").UTC()}}
	c.Clock.PausedSince = ptr(local("2024-03-12 11:00").UTC())
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	if want := local("2024-03-12 18:00"); c.Clock.DueAt == nil || !c.Clock.DueAt.Equal(want) {
		t.Fatalf("due %v, want %s", c.Clock.DueAt, want)
	}
	if st, margin := StatusAt(c, local("2024-03-20 00:00")); st != Met || margin != 7*time.Hour {
		t.Fatalf("status %s margin %v, want met with 7h", st, margin)
	}
}

// Lowering the criticality recomputes from the original start with the
// new target: a warning recorded under the old one is re-armed when the new
// warning instant lies ahead, but a recorded breach stands, and so does
// the warning that came before it.
func TestReclassifyRecomputes(t *testing.T) {
	pol := defaultPolicy(t)
	received := local("2024-03-12 10:00")
	lower := func(c Case, now time.Time) Case {
		t.Helper()
		c.Reclassifications = append(c.Reclassifications, CriticalityChange{From: c.Criticality, To: sla.C4, At: now.UTC()})
		c.Criticality = sla.C4
		if err := settle(pol, &c); err != nil {
			t.Fatal(err)
		}
		rearm(&c, now)
		return c
	}
	c := newCase("advanced", sla.C3, sla.Portal, received)
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}

	// Warned at 16:00, lowered at 17:00 before the 18:00 due instant.
	warned := c
	warned.Clock.WarnedAt = ptr(local("2024-03-12 16:00"))
	got := lower(warned, local("2024-03-12 17:00"))
	// 18h from Tuesday 10:00: 10h on Tuesday, 8h on Wednesday.
	if want := local("2024-03-13 16:00"); !got.Clock.DueAt.Equal(want) || !got.Clock.StartsAt.Equal(received) {
		t.Fatalf("due %s start %s, want due %s from the original start", got.Clock.DueAt.In(ny), got.Clock.StartsAt.In(ny), want)
	}
	// 75% of 18h is 13.5h: Wednesday 11:30, ahead.
	if got.Clock.WarnedAt != nil || !got.Clock.WarnAt.Equal(local("2024-03-13 11:30")) {
		t.Fatalf("warned %v, warn at %s: want the warning re-armed for Wednesday 11:30", got.Clock.WarnedAt, got.Clock.WarnAt.In(ny))
	}
	timers := timersFor(warned, got)
	if len(timers) != 2 || timers[0].Kind != WarnTimer || !timers[0].At.Equal(*got.Clock.WarnAt) ||
		timers[1].Kind != BreachTimer || !timers[1].At.Equal(*got.Clock.DueAt) {
		t.Fatalf("timers %+v, want the warning and the breach set again at the new instants", timers)
	}

	// Breached at 18:00, lowered at 19:00: the new instant lies ahead, and
	// the breach stands under C3, with the warning that preceded it.
	breached := c
	breached.Clock.WarnedAt, breached.Clock.BreachedAt = ptr(local("2024-03-12 16:00")), ptr(local("2024-03-12 18:00"))
	breached.Clock.BreachCriticality, breached.Clock.BreachDueAt = sla.C3, ptr(local("2024-03-12 18:00"))
	got = lower(breached, local("2024-03-12 19:00"))
	k := got.Clock
	if k.BreachedAt == nil || k.WarnedAt == nil || k.BreachCriticality != sla.C3 || !k.BreachDueAt.Equal(local("2024-03-12 18:00")) {
		t.Fatalf("lowering cleared the breach: %+v", k)
	}
	if st, margin := StatusAt(got, local("2024-03-12 19:00")); st != Breached || margin != -time.Hour {
		t.Fatalf("status %s %v, want breached by an hour", st, margin)
	}
	if timers := timersFor(breached, got); len(timers) != 0 {
		t.Fatalf("timers %+v, want none after a breach", timers)
	}
}

// A breach stands while the case waits for the customer: the hold neither
// undoes it nor hides the case from the breached list.
func TestBreachSurvivesAHold(t *testing.T) {
	pol := defaultPolicy(t)
	c := newCase("advanced", sla.C3, sla.Portal, local("2024-03-12 10:00"))
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	breached := local("2024-03-12 18:00").UTC()
	c.Clock.WarnedAt, c.Clock.BreachedAt = ptr(local("2024-03-12 16:00").UTC()), &breached
	hold := local("2024-03-13 09:00").UTC()
	p, err := transition(pol, &c, AwaitingCustomer, hold)
	if err != nil || p == nil {
		t.Fatal(p, err)
	}
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	rearm(&c, hold)
	if c.Clock.BreachedAt == nil || c.Clock.WarnedAt == nil {
		t.Fatalf("the hold cleared the recorded warning or breach: %+v", c.Clock)
	}
	resume := local("2024-03-14 09:00").UTC()
	if _, err := transition(pol, &c, Open, resume); err != nil {
		t.Fatal(err)
	}
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	rearm(&c, resume)
	if c.Clock.BreachedAt == nil || !c.Clock.DueAt.Equal(local("2024-03-12 18:00")) {
		t.Fatalf("after the customer answered: breached %v, due %v; want the breach kept and the due time unmoved", c.Clock.BreachedAt, c.Clock.DueAt)
	}
}

// Raising the criticality to one that needs a call, without a call, does
// not turn a guaranteed clock into best effort: the target the case stood
// under still binds until the call starts the new one.
func TestReclassifyToPhoneRequired(t *testing.T) {
	pol := defaultPolicy(t)
	c := newCase("premium", sla.C3, sla.Portal, local("2024-03-12 10:00"))
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	before := c
	c.Criticality = sla.C2
	c.Reclassifications = []CriticalityChange{{From: sla.C3, To: sla.C2, At: local("2024-03-12 11:00").UTC()}}
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	if !c.Clock.Guaranteed || !c.Clock.CallRequired || !c.Clock.DueAt.Equal(local("2024-03-12 18:00")) || time.Duration(c.Clock.Target) != 8*time.Hour {
		t.Fatalf("premium C2 without a call: guaranteed %v call required %v due %s target %v; want the C3 target, guaranteed, due 18:00, a call asked for",
			c.Clock.Guaranteed, c.Clock.CallRequired, c.Clock.DueAt.In(ny), c.Clock.Target)
	}
	if timers := timersFor(before, c); len(timers) != 0 {
		t.Fatalf("timers %+v, want the C3 warning and breach kept", timers)
	}
	// The customer calls at 12:00: C2's hour around the clock from the call.
	c.Clock.PhoneAt = ptr(local("2024-03-12 12:00").UTC())
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	if !c.Clock.Guaranteed || c.Clock.CallRequired || !c.Clock.DueAt.Equal(local("2024-03-12 13:00")) || c.Clock.Kind != sla.Clock24x7 {
		t.Fatalf("after the call: guaranteed %v call required %v due %s clock %s; want C2 due 13:00 around the clock",
			c.Clock.Guaranteed, c.Clock.CallRequired, c.Clock.DueAt.In(ny), c.Clock.Kind)
	}
}

func TestStatusAt(t *testing.T) {
	pol := defaultPolicy(t)
	c := newCase("advanced", sla.C3, sla.Portal, local("2024-03-12 10:00")) // due 18:00
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		responded string
		closed    string // with no answer: the customer withdrew
		now       string
		want      Status
		margin    time.Duration
	}{
		{"", "", "2024-03-12 17:59", Running, 0},
		{"", "", "2024-03-12 18:00", Breached, 0},
		{"", "", "2024-03-12 18:40", Breached, -40 * time.Minute},
		{"2024-03-12 17:00", "", "2024-03-13 00:00", Met, time.Hour},
		{"2024-03-12 18:00", "", "2024-03-13 00:00", Breached, 0},
		{"2024-03-13 09:00", "", "2024-03-13 10:00", Breached, -15 * time.Hour},
		{"", "2024-03-12 17:00", "2024-03-20 00:00", NotGuaranteed, 0},
		{"", "2024-03-12 18:30", "2024-03-20 00:00", Breached, -30 * time.Minute},
	} {
		c := c
		if tc.responded != "" {
			c.Clock.RespondedAt = ptr(local(tc.responded))
		}
		if tc.closed != "" {
			c.State, c.ClosedAt = Closed, ptr(local(tc.closed))
		}
		st, m := StatusAt(c, local(tc.now))
		if st != tc.want || m != tc.margin {
			t.Errorf("responded %q now %s: %s %v, want %s %v", tc.responded, tc.now, st, m, tc.want, tc.margin)
		}
	}
}

// Auto-close follows section 7.8 on the policy's auto-close calendar
// (support-hours, Mon-Fri 08:00-20:00 New York): 10 business days after a
// resolution, 15 after a request for information; a hold the customer
// asked for never closes a case by itself.
func TestTransitionAutoClose(t *testing.T) {
	pol := defaultPolicy(t)
	if pol.AutoClose.ResolvedDays != 10 || pol.AutoClose.AwaitingCustomerDays != 15 || pol.AutoClose.Calendar != "support-hours" {
		t.Fatalf("the default policy's auto-close is %+v, want 10 and 15 business days on support-hours", pol.AutoClose)
	}
	type step struct {
		what string // resolve, request (information), hold
		at   string
	}
	for _, tc := range []struct {
		name   string
		steps  []step
		closes string // "" for never
	}{
		{"resolved Friday 17:00: the tenth business day after", []step{{"resolve", "2024-03-15 17:00"}}, "2024-03-29 17:00"},
		{"resolved Saturday night: the next opening after the tenth business day's 22:00", []step{{"resolve", "2024-03-16 22:00"}}, "2024-04-01 08:00"},
		{"information requested Monday 09:00: the fifteenth business day after", []step{{"request", "2024-03-18 09:00"}}, "2024-04-08 09:00"},
		{"information requested Friday 19:30", []step{{"request", "2024-03-15 19:30"}}, "2024-04-05 19:30"},
		{"asked again: the first request counts", []step{{"request", "2024-03-18 09:00"}, {"request", "2024-03-20 09:00"}}, "2024-04-08 09:00"},
		{"on hold for the customer: never", []step{{"hold", "2024-03-18 09:00"}}, ""},
		{"on hold, then information requested: 15 from the request", []step{{"hold", "2024-03-18 09:00"}, {"request", "2024-03-19 10:00"}}, "2024-04-09 10:00"},
		{"resolved, then reopened: never", []step{{"resolve", "2024-03-15 17:00"}, {"reopen", "2024-03-18 09:00"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCase("advanced", sla.C3, sla.Portal, local("2024-03-12 10:00"))
			c.State = Open
			for _, s := range tc.steps {
				now := local(s.at)
				var err error
				switch s.what {
				case "resolve":
					_, err = transition(pol, &c, Resolved, now)
				case "reopen":
					_, err = transition(pol, &c, Open, now)
				case "hold":
					_, err = transition(pol, &c, AwaitingCustomer, now)
				case "request":
					if _, err = transition(pol, &c, AwaitingCustomer, now); err == nil {
						err = awaitInformation(pol, &c, now)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			switch {
			case tc.closes == "" && c.AutoCloseAt != nil:
				t.Fatalf("closes %s, want never", c.AutoCloseAt.In(ny))
			case tc.closes != "" && (c.AutoCloseAt == nil || !c.AutoCloseAt.Equal(local(tc.closes))):
				t.Fatalf("closes %v, want %s", c.AutoCloseAt, tc.closes)
			}
		})
	}
	// The customer's answer ends the wait, the pause and the count.
	c := newCase("advanced", sla.C3, sla.Portal, local("2024-03-12 10:00"))
	if _, err := transition(pol, &c, AwaitingCustomer, local("2024-03-18 09:00")); err != nil {
		t.Fatal(err)
	}
	if err := awaitInformation(pol, &c, local("2024-03-18 09:00")); err != nil {
		t.Fatal(err)
	}
	p, err := transition(pol, &c, Open, local("2024-03-19 09:00"))
	if err != nil || p == nil || p.To == nil || !p.To.Equal(local("2024-03-19 09:00")) || c.Clock.PausedSince != nil || c.AutoCloseAt != nil {
		t.Fatalf("resumed: pause %+v, paused since %v, auto-close %v", p, c.Clock.PausedSince, c.AutoCloseAt)
	}
}

// Whatever pauses a case goes through, the working time from start to due
// outside them is the target, and a pause never brings the due earlier.
func TestPausesKeepTheTarget(t *testing.T) {
	pol := defaultPolicy(t)
	base := local("2024-03-04 00:00")
	rapid.Check(t, func(t *rapid.T) {
		plan := rapid.SampledFrom([]string{"advanced", "premium"}).Draw(t, "plan")
		crit := rapid.SampledFrom([]sla.Criticality{sla.C3, sla.C4}).Draw(t, "crit")
		received := base.Add(time.Duration(rapid.IntRange(0, 14*24*60).Draw(t, "received")) * time.Minute)
		c := newCase(plan, crit, sla.Portal, received)
		if err := settle(pol, &c); err != nil {
			t.Fatal(err)
		}
		unpaused := *c.Clock.DueAt
		at := received
		for range rapid.IntRange(0, 4).Draw(t, "pauses") {
			from := at.Add(time.Duration(rapid.IntRange(0, 3*24*60).Draw(t, "gap")) * time.Minute)
			to := from.Add(time.Duration(rapid.IntRange(1, 3*24*60).Draw(t, "len")) * time.Minute)
			c.Pauses = append(c.Pauses, Pause{From: from.UTC(), To: ptr(to.UTC())})
			at = to
		}
		if err := settle(pol, &c); err != nil {
			t.Fatal(err)
		}
		cal, _ := pol.Calendar(c.Clock.Kind)
		if got := cal.Elapsed(c.Clock.StartsAt, *c.Clock.DueAt, pausesBefore(c.Pauses, nil)); got != time.Duration(c.Clock.Target) {
			t.Fatalf("worked %v between start and due, want %v", got, time.Duration(c.Clock.Target))
		}
		if c.Clock.DueAt.Before(unpaused) {
			t.Fatalf("pauses brought the due from %s to %s", unpaused, c.Clock.DueAt)
		}
	})
}

func replaceOnce(t testing.TB, s, old, new string) string {
	t.Helper()
	i := strings.Index(s, old)
	if i < 0 {
		t.Fatalf("%q not found", old)
	}
	return s[:i] + new + s[i+len(old):]
}

// Used counts working time from the start, outside pauses, and stops at
// the first response.
func TestUsed(t *testing.T) {
	pol := defaultPolicy(t)
	c := newCase("advanced", sla.C3, sla.Portal, local("2024-03-12 10:00"))
	c.Pauses = []Pause{{From: local("2024-03-12 11:00").UTC(), To: ptr(local("2024-03-12 13:00").UTC())}}
	if err := settle(pol, &c); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at        string
		responded string
		want      time.Duration
	}{
		{"2024-03-12 10:30", "", 30 * time.Minute},
		{"2024-03-12 12:00", "", time.Hour},     // the pause does not count
		{"2024-03-12 14:00", "", 2 * time.Hour}, // 10-11 and 13-14
		{"2024-03-13 09:00", "", 9 * time.Hour}, // Tuesday until 20:00, Wednesday from 08:00
		{"2024-03-13 09:00", "2024-03-12 14:00", 2 * time.Hour},
	} {
		c.Clock.RespondedAt = nil
		if tc.responded != "" {
			c.Clock.RespondedAt = ptr(local(tc.responded).UTC())
		}
		got, err := Used(pol, c, local(tc.at))
		if err != nil || got != tc.want {
			t.Errorf("Used at %s (responded %q) = %v, %v; want %v", tc.at, tc.responded, got, err, tc.want)
		}
	}
}
