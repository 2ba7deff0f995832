package cases

import (
	"context"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/lang"
	"accord/internal/sla"
)

// Explanation is a case's clock laid out for a person or an auditor: the
// facts, each stretch of working time that counted, each pause, and the
// verdict.
type Explanation struct {
	CaseID        accord.ID       `json:"case_id"`
	PolicyVersion int             `json:"policy_version"`
	Plan          string          `json:"plan"`
	PlanName      string          `json:"plan_name"`
	Criticality   sla.Criticality `json:"criticality"`
	Channel       sla.Channel     `json:"channel"`
	ReceivedAt    time.Time       `json:"received_at"`
	PhoneAt       *time.Time      `json:"phone_at,omitempty"`
	// Clock is sla.Clock24x7 or the calendar that counts; Zone its zone.
	Clock        string       `json:"clock"`
	Zone         string       `json:"zone,omitempty"`
	StartsAt     time.Time    `json:"starts_at"`
	Target       sla.Duration `json:"target"`
	Guaranteed   bool         `json:"guaranteed"`
	CallRequired bool         `json:"call_required"`
	// PhoneLines are the numbers to call when a call is required.
	PhoneLines []sla.PhoneLine `json:"phone_lines,omitempty"`
	// Segments are the stretches of working time counted so far, up to the
	// response (or now); Truncated when there were more than MaxSegments.
	Segments  []Segment    `json:"segments"`
	Truncated bool         `json:"truncated,omitempty"`
	Pauses    []Pause      `json:"pauses"`
	Used      sla.Duration `json:"used"`
	Remaining sla.Duration `json:"remaining"`
	DueAt     *time.Time   `json:"due_at,omitempty"`
	WarnAt    *time.Time   `json:"warn_at,omitempty"`
	// RespondedAt stops the clock.
	RespondedAt *time.Time `json:"responded_at,omitempty"`
	WarnedAt    *time.Time `json:"warned_at,omitempty"`
	// BreachedAt is when the breach was recorded; it stands, under
	// BreachCriticality, for the due instant BreachDueAt, whatever the
	// criticality became since.
	BreachedAt        *time.Time      `json:"breached_at,omitempty"`
	BreachCriticality sla.Criticality `json:"breach_criticality,omitempty"`
	BreachDueAt       *time.Time      `json:"breach_due_at,omitempty"`
	// Reclassifications are the case's criticality history, oldest first.
	Reclassifications []CriticalityChange `json:"reclassifications,omitempty"`
	Status            Status              `json:"status"`
	// Margin is the time to spare (met, positive) or the lateness
	// (breached, negative), in real time.
	Margin sla.Duration `json:"margin"`
	Why    []string     `json:"why"`
	At     time.Time    `json:"at"` // when this was computed
	// Internal are the case's internal targets, for the vendor's staff and
	// agents only: a customer's explanation never has them.
	Internal []InternalClock `json:"internal,omitempty"`
}

// Segment is a stretch of working time that counted.
type Segment struct {
	From   time.Time    `json:"from"`
	To     time.Time    `json:"to"`
	Worked sla.Duration `json:"worked"`
}

// MaxSegments bounds the segments listed for one clock.
const MaxSegments = 400

// Explain lays out the clock of a case the actor may read, at now, with
// the policy's texts (plan name, phone lines) in en-US.
func (s *Service) Explain(ctx context.Context, now time.Time, id accord.ID) (Explanation, error) {
	return s.ExplainIn(ctx, now, id, lang.Default)
}

// ExplainIn is Explain with the policy's texts in loc; the explanation's
// sentences stay in en-US.
func (s *Service) ExplainIn(ctx context.Context, now time.Time, id accord.ID, loc string) (Explanation, error) {
	const op = "cases.Explain"
	now = now.UTC().Truncate(time.Second) // durations read in whole seconds
	c, err := s.Get(ctx, now, id)
	if err != nil {
		return Explanation{}, err
	}
	pol, err := s.policies.Version(ctx, c.Clock.PolicyVersion)
	if err != nil {
		return Explanation{}, accord.Wrap(op, err)
	}
	x, err := explainClock(pol, c, now, loc)
	if err != nil || x.Clock == "" {
		return x, accord.Wrap(op, err)
	}
	if a, _ := accord.ActorFrom(ctx); pol.HasInternal() && (isAgent(a) || a.IsVendor()) {
		entries, err := s.Timeline(ctx, now, id)
		if err != nil {
			return Explanation{}, err
		}
		if x.Internal, err = InternalClocks(pol, c, messagesOf(c, entries), now); err != nil {
			return Explanation{}, accord.Wrap(op, err)
		}
	}
	return x, nil
}

// explainClock lays out c's clock as settled under pol, at now, with the
// policy's texts in loc: the case page's explanation, and the replay's of
// a clock recomputed under another policy.
func explainClock(pol *sla.Policy, c Case, now time.Time, loc string) (Explanation, error) {
	k := c.Clock
	x := Explanation{
		CaseID: c.ID, PolicyVersion: k.PolicyVersion, Plan: k.Plan, PlanName: pol.Plans[k.Plan].Name.In(loc),
		Criticality: c.Criticality, Channel: k.Channel, ReceivedAt: k.ReceivedAt, PhoneAt: k.PhoneAt,
		Clock: k.Kind, StartsAt: k.StartsAt, Target: k.Target, Guaranteed: k.Guaranteed, CallRequired: k.CallRequired,
		Pauses: c.Pauses, DueAt: k.DueAt, WarnAt: k.WarnAt, RespondedAt: k.RespondedAt,
		WarnedAt: k.WarnedAt, BreachedAt: k.BreachedAt, BreachCriticality: k.BreachCriticality, BreachDueAt: k.BreachDueAt,
		Reclassifications: c.Reclassifications, Segments: []Segment{}, At: now,
	}
	if x.Pauses == nil {
		x.Pauses = []Pause{}
	}
	st, margin := StatusAt(c, now)
	x.Status, x.Margin = st, sla.Duration(margin.Round(time.Second))
	if k.Kind == "" {
		x.Why = []string{"Enhancement requests have no response clock: the technology team analyses them in its own time."}
		return x, nil
	}
	if k.CallRequired {
		x.PhoneLines = sla.LinesIn(pol.PhoneLines, loc)
	}
	tg, err := targetOf(pol, c, true)
	if err != nil {
		return Explanation{}, err
	}
	x.Why = append(tg.why, tg.Explanation...)
	cal, ok := pol.Calendar(k.Kind)
	if !ok {
		return Explanation{}, errNoCalendar
	}
	x.Zone = cal.Spec().Zone
	stop := now
	if k.RespondedAt != nil {
		stop = *k.RespondedAt
	}
	pauses := pausesBefore(c.Pauses, &stop)
	var used time.Duration
	for _, w := range cal.Working(k.StartsAt, stop, pauses) {
		used += w.To.Sub(w.From)
		if len(x.Segments) == MaxSegments {
			x.Truncated = true
			continue
		}
		x.Segments = append(x.Segments, Segment{From: w.From, To: w.To, Worked: sla.Duration(w.To.Sub(w.From))})
	}
	x.Used = sla.Duration(used)
	x.Remaining = sla.Duration(max(0, time.Duration(k.Target)-used))
	x.Why = append(x.Why, verdict(pol, c, st, margin, now)...)
	return x, nil
}

// verdict says in words where the clock stands.
func verdict(pol *sla.Policy, c Case, st Status, margin time.Duration, now time.Time) []string {
	k := c.Clock
	at := func(t time.Time) string { return pol.Local(k.Kind, t) }
	switch st {
	case NotGuaranteed:
		return []string{"No call has been recorded, so the response time is not guaranteed and this case cannot be in breach; call a support line to start the guaranteed clock."}
	case Paused:
		return []string{fmt.Sprintf("The clock is paused since %s, waiting for the customer's answer.", at(*k.PausedSince))}
	case Met:
		return []string{fmt.Sprintf("First response at %s: met, %s before the due time.", at(*k.RespondedAt), round(margin))}
	case Breached:
		if k.BreachedAt != nil && (k.DueAt == nil || !k.BreachDueAt.Equal(*k.DueAt)) {
			// Reclassified (or paused) since: the breach stands as recorded.
			late := "No response yet"
			if k.RespondedAt != nil {
				late = "First response at " + at(*k.RespondedAt)
			}
			return []string{fmt.Sprintf("The %s target was breached: it was due at %s, and the breach recorded at %s stands whatever the criticality became since. %s: %s late.",
				k.BreachCriticality, at(*k.BreachDueAt), at(*k.BreachedAt), late, round(-margin))}
		}
		if k.RespondedAt != nil {
			return []string{fmt.Sprintf("First response at %s: breached, %s after the due time.", at(*k.RespondedAt), round(-margin))}
		}
		return []string{fmt.Sprintf("No response yet at %s: breached, %s late so far.", at(now), round(-margin))}
	}
	return []string{fmt.Sprintf("No response yet; %s of real time left until the due time.", round(k.DueAt.Sub(now)))}
}

func round(d time.Duration) string {
	return sla.Duration(d.Round(time.Minute)).String()
}
