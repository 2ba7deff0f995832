package engagements_test

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"accord/internal/accord"
	"accord/internal/engagements"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func minutes(n int) *int { return &n }

func TestMeasureOutcome(t *testing.T) {
	now := *at("2026-12-01T20:00:00Z")
	for _, tc := range []struct {
		name     string
		in       engagements.OutcomeInput
		rto, rpo string // "" when not measured
		rtoMet   *bool
		rpoMet   *bool
		field    string // an Invalid error on this field
	}{
		{name: "failover in 12 minutes, objective 15", rto: "12m", rtoMet: ptrBool(true),
			in: engagements.OutcomeInput{FailureAt: at("2026-12-01T14:00:00Z"), RestoredAt: at("2026-12-01T14:12:00Z"), RTOObjectiveMinutes: minutes(15)}},
		{name: "exactly on the objective is met", rto: "15m", rtoMet: ptrBool(true),
			in: engagements.OutcomeInput{FailureAt: at("2026-12-01T14:00:00Z"), RestoredAt: at("2026-12-01T14:15:00Z"), RTOObjectiveMinutes: minutes(15)}},
		{name: "one second over is missed", rto: "15m 1s", rtoMet: ptrBool(false),
			in: engagements.OutcomeInput{FailureAt: at("2026-12-01T14:00:00Z"), RestoredAt: at("2026-12-01T14:15:01Z"), RTOObjectiveMinutes: minutes(15)}},
		{name: "restore from last night's backup", rto: "3h 25m", rpo: "14h", rtoMet: ptrBool(true), rpoMet: ptrBool(false),
			in: engagements.OutcomeInput{FailureAt: at("2026-12-01T13:00:00Z"), RestoredAt: at("2026-12-01T16:25:00Z"), DataPointAt: at("2026-11-30T23:00:00Z"),
				RTOObjectiveMinutes: minutes(240), RPOObjectiveMinutes: minutes(60)}},
		{name: "no data lost", rpo: "0s", rpoMet: ptrBool(true),
			in: engagements.OutcomeInput{FailureAt: at("2026-12-01T13:00:00Z"), DataPointAt: at("2026-12-01T13:00:00Z"), RPOObjectiveMinutes: minutes(0)}},
		{name: "across days, without objectives", rto: "1d 2h 3m 4s",
			in: engagements.OutcomeInput{FailureAt: at("2026-11-29T10:00:00Z"), RestoredAt: at("2026-11-30T12:03:04Z")}},
		{name: "restored before the failure", field: "restored_at",
			in: engagements.OutcomeInput{FailureAt: at("2026-12-01T14:00:00Z"), RestoredAt: at("2026-12-01T13:59:59Z")}},
		{name: "data newer than the failure", field: "data_point_at",
			in: engagements.OutcomeInput{FailureAt: at("2026-12-01T14:00:00Z"), DataPointAt: at("2026-12-01T14:00:01Z")}},
		{name: "restored without a failure", field: "failure_at", in: engagements.OutcomeInput{RestoredAt: at("2026-12-01T14:00:00Z")}},
		{name: "in the future", field: "restored_at",
			in: engagements.OutcomeInput{FailureAt: at("2026-12-01T14:00:00Z"), RestoredAt: at("2026-12-01T20:00:01Z")}},
		{name: "a negative objective", field: "rto_objective_minutes",
			in: engagements.OutcomeInput{FailureAt: at("2026-12-01T14:00:00Z"), RestoredAt: at("2026-12-01T15:00:00Z"), RTOObjectiveMinutes: minutes(-1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rto, rpo, err := engagements.MeasureOutcome(tc.in, now)
			if tc.field != "" {
				var ae *accord.Error
				if !accord.IsKind(err, accord.Invalid) || !asError(err, &ae) || ae.Field != tc.field {
					t.Fatalf("got %v, want Invalid on %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, m *engagements.Measure, text string, met *bool) {
				t.Helper()
				switch {
				case text == "" && m != nil:
					t.Errorf("%s = %+v, want none", what, m)
				case text == "":
				case m == nil:
					t.Errorf("%s not measured, want %s", what, text)
				case m.Text != text:
					t.Errorf("%s = %s, want %s", what, m.Text, text)
				case (met == nil) != (m.Met == nil) || (met != nil && *met != *m.Met):
					t.Errorf("%s met = %v, want %v", what, m.Met, met)
				}
			}
			check("RTO", rto, tc.rto, tc.rtoMet)
			check("RPO", rpo, tc.rpo, tc.rpoMet)
		})
	}
}

func ptrBool(b bool) *bool { return &b }

// RTO is the time from failure to restoration and RPO the time from the
// newest data recovered to the failure; each is met exactly when it is at
// most its objective.
func TestMeasureOutcomeProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		failure := base.Add(time.Duration(rapid.Int64Range(0, 20*24*3600).Draw(t, "failure")) * time.Second)
		restored := failure.Add(time.Duration(rapid.Int64Range(0, 3*24*3600).Draw(t, "rto")) * time.Second)
		data := failure.Add(-time.Duration(rapid.Int64Range(0, 3*24*3600).Draw(t, "rpo")) * time.Second)
		rtoObj, rpoObj := rapid.IntRange(0, 3*24*60).Draw(t, "rto objective"), rapid.IntRange(0, 3*24*60).Draw(t, "rpo objective")
		rto, rpo, err := engagements.MeasureOutcome(engagements.OutcomeInput{FailureAt: &failure, RestoredAt: &restored, DataPointAt: &data,
			RTOObjectiveMinutes: &rtoObj, RPOObjectiveMinutes: &rpoObj}, base.Add(40*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got := time.Duration(rto.Seconds) * time.Second; !failure.Add(got).Equal(restored) {
			t.Fatalf("failure + RTO %s != restored", got)
		}
		if got := time.Duration(rpo.Seconds) * time.Second; !data.Add(got).Equal(failure) {
			t.Fatalf("data point + RPO %s != failure", got)
		}
		if *rto.Met != (rto.Seconds <= int64(rtoObj)*60) || *rpo.Met != (rpo.Seconds <= int64(rpoObj)*60) {
			t.Fatalf("met flags wrong: %+v %+v", rto, rpo)
		}
	})
}
