package engagements

import (
	"context"
	"fmt"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// maxObjective bounds an objective: a year, in minutes.
const maxObjective = 525600

// OutcomeInput is what a recovery test measured, and the customer's
// objectives. Recording it again replaces it.
type OutcomeInput struct {
	FailureAt           *time.Time `json:"failure_at"`
	RestoredAt          *time.Time `json:"restored_at"`
	DataPointAt         *time.Time `json:"data_point_at"`
	RTOObjectiveMinutes *int       `json:"rto_objective_minutes"`
	RPOObjectiveMinutes *int       `json:"rpo_objective_minutes"`
	Notes               string     `json:"notes"`
	Actions             []string   `json:"actions"`
}

// MeasureOutcome computes RTO (failure to restoration) and RPO (the data lost:
// from the newest data point recovered to the failure) against the
// objectives.
func MeasureOutcome(in OutcomeInput, now time.Time) (rto, rpo *Measure, err error) {
	var ps []accord.Problem
	bad := func(field, format string, args ...any) {
		ps = append(ps, accord.Problem{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	for _, f := range []struct {
		name string
		t    *time.Time
	}{{"failure_at", in.FailureAt}, {"restored_at", in.RestoredAt}, {"data_point_at", in.DataPointAt}} {
		if f.t != nil && f.t.After(now) {
			bad(f.name, "is in the future; record what happened")
		}
	}
	for _, o := range []struct {
		name string
		v    *int
	}{{"rto_objective_minutes", in.RTOObjectiveMinutes}, {"rpo_objective_minutes", in.RPOObjectiveMinutes}} {
		if o.v != nil && (*o.v < 0 || *o.v > maxObjective) {
			bad(o.name, "must be from 0 to %d minutes", maxObjective)
		}
	}
	switch {
	case in.RestoredAt != nil && in.FailureAt == nil:
		bad("failure_at", "is required with restored_at: RTO runs from the failure")
	case in.RestoredAt != nil && in.RestoredAt.Before(*in.FailureAt):
		bad("restored_at", "is before the failure (%s)", in.FailureAt.UTC().Format(time.RFC3339))
	}
	switch {
	case in.DataPointAt != nil && in.FailureAt == nil:
		bad("failure_at", "is required with data_point_at: RPO runs to the failure")
	case in.DataPointAt != nil && in.DataPointAt.After(*in.FailureAt):
		bad("data_point_at", "is after the failure (%s): the newest data recovered cannot be newer than the failure", in.FailureAt.UTC().Format(time.RFC3339))
	}
	if err := accord.InvalidFields("engagements.RecordOutcome", ps); err != nil {
		return nil, nil, err
	}
	if in.RestoredAt != nil {
		rto = measure(in.RestoredAt.Sub(*in.FailureAt), in.RTOObjectiveMinutes)
	}
	if in.DataPointAt != nil {
		rpo = measure(in.FailureAt.Sub(*in.DataPointAt), in.RPOObjectiveMinutes)
	}
	return rto, rpo, nil
}

func measure(d time.Duration, objectiveMinutes *int) *Measure {
	d = d.Truncate(time.Second)
	m := &Measure{Seconds: int64(d / time.Second), Text: durationText(d)}
	if objectiveMinutes != nil {
		obj := int64(*objectiveMinutes) * 60
		m.ObjectiveSeconds = &obj
		m.Met = ptr(m.Seconds <= obj)
	}
	return m
}

// durationText writes 1h25m7s as "1h 25m 7s" and 0 as "0s".
func durationText(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var parts []string
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			parts = append(parts, fmt.Sprintf("%d%s", n, u.name))
			d -= n * u.unit
		}
	}
	return strings.Join(parts, " ")
}

// RecordOutcome records the instants a recovery test measured and the
// customer's objectives; Accord computes RTO and RPO and whether each was
// met. The provider or the customer records it, while the engagement is
// in progress or completed and not yet signed off.
func (s *Service) RecordOutcome(ctx context.Context, now time.Time, id accord.ID, in OutcomeInput) (Engagement, error) {
	const op = "engagements.RecordOutcome"
	rto, rpo, err := MeasureOutcome(in, now)
	if err != nil {
		return Engagement{}, err
	}
	var ps []accord.Problem
	notes := text(&ps, "notes", in.Notes, false, maxNote)
	var actions []string
	for i, act := range in.Actions {
		if v := text(&ps, fmt.Sprintf("actions[%d]", i), act, true, 1000); v != "" {
			actions = append(actions, v)
		}
	}
	if len(in.Actions) > 50 {
		ps = append(ps, accord.Problem{Field: "actions", Msg: "at most 50 actions"})
	}
	if err := accord.InvalidFields(op, ps); err != nil {
		return Engagement{}, err
	}
	current, cat, _, err := s.terms(ctx, now, op, id)
	if err != nil {
		return Engagement{}, err
	}
	svc := cat.Services[current.Service]
	switch {
	case len(svc.Measures) == 0:
		return Engagement{}, refuse(op, "", "%s records no RTO or RPO", svc.Name)
	case rpo != nil && !svc.measures(MeasureRPO):
		return Engagement{}, accord.FieldError("data_point_at", "%s measures no RPO", svc.Name)
	case rto != nil && !svc.measures(MeasureRTO):
		return Engagement{}, accord.FieldError("restored_at", "%s measures no RTO", svc.Name)
	}
	return s.change(ctx, now, id, func(a accord.Actor, e Engagement, _ Locked) (Change, error) {
		switch {
		case !isCustomer(a, e) && !provides(a, e):
			return Change{}, forbidden(op, "the customer or the provider records a test's outcome")
		case e.State != InProgress && e.State != Completed:
			return Change{}, conflict(op, "the engagement is %s; the outcome is recorded while it is in progress or completed", e.State)
		}
		o := Outcome{FailureAt: utcPtr(in.FailureAt), RestoredAt: utcPtr(in.RestoredAt), DataPointAt: utcPtr(in.DataPointAt),
			RTOObjectiveMinutes: in.RTOObjectiveMinutes, RPOObjectiveMinutes: in.RPOObjectiveMinutes, Notes: notes, Actions: actions,
			RecordedAt: stamp(now), RecordedBy: a.Name, RTO: rto, RPO: rpo}
		var ch audit.Changes
		ch.Add("rto", measureText(e.Outcome.rto()), measureText(rto))
		ch.Add("rpo", measureText(e.Outcome.rpo()), measureText(rpo))
		e.Outcome = &o
		return Change{Engagement: e, Events: []audit.Event{event(a, now, e, "engagement.outcome", ch)}}, nil
	})
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return ptr(t.UTC().Truncate(time.Second))
}

func (o *Outcome) rto() *Measure {
	if o == nil {
		return nil
	}
	return o.RTO
}

func (o *Outcome) rpo() *Measure {
	if o == nil {
		return nil
	}
	return o.RPO
}

func measureText(m *Measure) any {
	switch {
	case m == nil:
		return nil
	case m.Met == nil:
		return m.Text
	case *m.Met:
		return m.Text + " (met)"
	}
	return m.Text + " (missed)"
}
