package cases

import (
	"errors"
	"testing"
	"time"

	"pgregory.net/rapid"

	"accord/internal/accord"
)

// steps folds inputs into an evaluation, failing on any refusal.
func feasibilityAfter(t *testing.T, now time.Time, in ...FeasibilityInput) *Feasibility {
	t.Helper()
	var f *Feasibility
	for _, s := range in {
		next, _, _, err := NextFeasibility(f, s, now)
		if err != nil {
			t.Fatalf("step %s: %v", s.Step, err)
		}
		f = &next
	}
	return f
}

func TestNextFeasibility(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	yes, no := true, false
	flag := FeasibilityInput{Step: FeasibilityFlag, Platform: "Mainframe RACF"}
	start := FeasibilityInput{Step: FeasibilityStart}
	analysis := FeasibilityInput{Step: FeasibilityAnalysis, Analysis: "RACF exposes an LDAP bridge we can use."}
	relevant := FeasibilityInput{Step: FeasibilityDecision, Relevant: &yes, Reasons: "Three customers ask for it."}
	prefix := map[string][]FeasibilityInput{
		"none":         nil,
		"requested":    {flag},
		"analysing":    {flag, start},
		"analysed":     {flag, start, analysis},
		"relevant":     {flag, start, analysis, relevant},
		"dated":        {flag, start, analysis, {Step: FeasibilityDecision, Relevant: &yes, Reasons: "Asked for", TargetDate: "2027-06-30"}},
		"not_relevant": {flag, start, analysis, {Step: FeasibilityDecision, Relevant: &no, Reasons: "One customer"}},
	}
	for _, c := range []struct {
		name  string
		from  string
		in    FeasibilityInput
		kind  accord.Kind // "" when accepted
		field string
		state FeasibilityState
		body  string
	}{
		{"flag", "none", flag, "", "", FeasibilityRequested, ""},
		{"flag needs the platform", "none", FeasibilityInput{Step: FeasibilityFlag, Platform: "  "}, accord.Invalid, "platform", "", ""},
		{"correct the platform", "requested", FeasibilityInput{Step: FeasibilityFlag, Platform: "z/OS"}, "", "", FeasibilityRequested, ""},
		{"same platform again", "requested", flag, accord.Conflict, "platform", "", ""},
		{"no new platform once started", "analysing", FeasibilityInput{Step: FeasibilityFlag, Platform: "z/OS"}, accord.Conflict, "platform", "", ""},
		{"start before the flag", "none", start, accord.Conflict, "platform", "", ""},
		{"start", "requested", FeasibilityInput{Step: FeasibilityStart, Note: "Our architects look at it"}, "", "", FeasibilityAnalysing, "Our architects look at it"},
		{"start twice", "analysing", start, accord.Conflict, "state", "", ""},
		{"analysis before the start", "requested", analysis, accord.Conflict, "state", "", ""},
		{"analysis needs its text", "analysing", FeasibilityInput{Step: FeasibilityAnalysis}, accord.Invalid, "analysis", "", ""},
		{"analysis", "analysing", analysis, "", "", FeasibilityAnalysed, analysis.Analysis},
		{"analysis revised", "analysed", FeasibilityInput{Step: FeasibilityAnalysis, Analysis: "Revised"}, "", "", FeasibilityAnalysed, "Revised"},
		{"analysis final after the decision", "relevant", analysis, accord.Conflict, "state", "", ""},
		{"decision before the analysis", "analysing", relevant, accord.Conflict, "analysis", "", ""},
		{"decision before the start", "requested", relevant, accord.Conflict, "analysis", "", ""},
		{"decision needs relevant", "analysed", FeasibilityInput{Step: FeasibilityDecision, Reasons: "x"}, accord.Invalid, "relevant", "", ""},
		{"decision needs reasons", "analysed", FeasibilityInput{Step: FeasibilityDecision, Relevant: &yes}, accord.Invalid, "reasons", "", ""},
		{"relevant", "analysed", relevant, "", "", FeasibilityRelevant, relevant.Reasons},
		{"not relevant", "analysed", FeasibilityInput{Step: FeasibilityDecision, Relevant: &no, Reasons: "Niche"}, "", "", FeasibilityNotRelevant, "Niche"},
		{"not relevant gets no date", "analysed", FeasibilityInput{Step: FeasibilityDecision, Relevant: &no, Reasons: "Niche", TargetDate: "2027-01-01"}, accord.Invalid, "target_date", "", ""},
		{"decided once", "relevant", relevant, accord.Conflict, "relevant", "", ""},
		{"date with the decision", "analysed", FeasibilityInput{Step: FeasibilityDecision, Relevant: &yes, Reasons: "r", TargetDate: "2027-03-31"}, "", "", FeasibilityRelevant, "r"},
		{"date", "relevant", FeasibilityInput{Step: FeasibilityDate, TargetDate: "2027-03-31"}, "", "", FeasibilityRelevant, ""},
		{"date changed", "dated", FeasibilityInput{Step: FeasibilityDate, TargetDate: "2027-09-30", Note: "Moved to Q3"}, "", "", FeasibilityRelevant, "Moved to Q3"},
		{"today is a date", "relevant", FeasibilityInput{Step: FeasibilityDate, TargetDate: "2026-12-07"}, "", "", FeasibilityRelevant, ""},
		{"same date", "dated", FeasibilityInput{Step: FeasibilityDate, TargetDate: "2027-06-30"}, accord.Conflict, "target_date", "", ""},
		{"no past date", "relevant", FeasibilityInput{Step: FeasibilityDate, TargetDate: "2026-12-06"}, accord.Invalid, "target_date", "", ""},
		{"not a date", "relevant", FeasibilityInput{Step: FeasibilityDate, TargetDate: "31/03/2027"}, accord.Invalid, "target_date", "", ""},
		{"date within ten years", "relevant", FeasibilityInput{Step: FeasibilityDate, TargetDate: "2037-01-01"}, accord.Invalid, "target_date", "", ""},
		{"date needs a date", "relevant", FeasibilityInput{Step: FeasibilityDate}, accord.Invalid, "target_date", "", ""},
		{"date before the decision", "analysed", FeasibilityInput{Step: FeasibilityDate, TargetDate: "2027-03-31"}, accord.Conflict, "target_date", "", ""},
		{"no date when not relevant", "not_relevant", FeasibilityInput{Step: FeasibilityDate, TargetDate: "2027-03-31"}, accord.Conflict, "target_date", "", ""},
		{"unknown step", "requested", FeasibilityInput{Step: "approved"}, accord.Invalid, "step", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := feasibilityAfter(t, now.Add(-time.Hour), prefix[c.from]...)
			got, rec, body, err := NextFeasibility(f, c.in, now)
			if c.kind != "" {
				var e *accord.Error
				if accord.KindOf(err) != c.kind || !asError(err, &e) || e.Field != c.field {
					t.Fatalf("got %v, want %s naming %s", err, c.kind, c.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.State != c.state || rec.Step != c.in.Step || body != c.body || rec.Platform != got.Platform {
				t.Fatalf("got %s %+v %q, want %s %q", got.State, rec, body, c.state, c.body)
			}
			if c.in.TargetDate != "" && (got.TargetDate != c.in.TargetDate || rec.Date != c.in.TargetDate || !got.DateSetAt.Equal(now)) {
				t.Fatalf("date %q %v, note %+v", got.TargetDate, got.DateSetAt, rec)
			}
			if c.from == "dated" && rec.Previous != "2027-06-30" {
				t.Fatalf("previous date %q", rec.Previous)
			}
		})
	}
}

func TestNextRepair(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := func(step RepairStep) Repair {
		r := Repair{InstallationID: "ins_1", Serial: "SGA-1200-0042", Step: RepairRequested, RequestedAt: now.Add(-time.Hour)}
		for _, s := range []RepairStep{DeviceReceived, DeviceDiagnosed, DeviceReplaced, DeviceShipped} {
			if r.Step == step {
				break
			}
			in := RepairInput{Step: s}
			if s == DeviceDiagnosed {
				in.Diagnosis = "PSU"
			}
			var err error
			if r, _, _, err = NextRepair(r, in, now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	for _, c := range []struct {
		name  string
		from  RepairStep
		in    RepairInput
		kind  accord.Kind
		field string
		body  string
	}{
		{"received", RepairRequested, RepairInput{Step: DeviceReceived, Note: "Arrived in good order"}, "", "", "Arrived in good order"},
		{"diagnosis before receipt", RepairRequested, RepairInput{Step: DeviceDiagnosed, Diagnosis: "PSU"}, accord.Conflict, "step", ""},
		{"shipped before repaired", RepairRequested, RepairInput{Step: DeviceShipped}, accord.Conflict, "step", ""},
		{"received twice", DeviceReceived, RepairInput{Step: DeviceReceived}, accord.Conflict, "step", ""},
		{"diagnosis needs its text", DeviceReceived, RepairInput{Step: DeviceDiagnosed}, accord.Invalid, "diagnosis", ""},
		{"diagnosed", DeviceReceived, RepairInput{Step: DeviceDiagnosed, Diagnosis: "Failed power supply"}, "", "", "Failed power supply"},
		{"diagnosis with a note", DeviceReceived, RepairInput{Step: DeviceDiagnosed, Diagnosis: "PSU", Note: "Under warranty"}, "", "", "PSU\n\nUnder warranty"},
		{"repair before diagnosis", DeviceReceived, RepairInput{Step: DeviceRepaired}, accord.Conflict, "step", ""},
		{"repaired", DeviceDiagnosed, RepairInput{Step: DeviceRepaired}, "", "", ""},
		{"replaced", DeviceDiagnosed, RepairInput{Step: DeviceReplaced, Replacement: "SGA-1200-0099"}, "", "", ""},
		{"replacement serial checked", DeviceDiagnosed, RepairInput{Step: DeviceReplaced, Replacement: "x"}, accord.Invalid, "replacement_serial", ""},
		{"replacement serial only when replaced", DeviceDiagnosed, RepairInput{Step: DeviceRepaired, Replacement: "SGA-1200-0099"}, accord.Invalid, "replacement_serial", ""},
		{"carrier only when shipped", DeviceDiagnosed, RepairInput{Step: DeviceRepaired, Carrier: "DHL"}, accord.Invalid, "carrier", ""},
		{"diagnosis only when diagnosed", DeviceDiagnosed, RepairInput{Step: DeviceRepaired, Diagnosis: "x"}, accord.Invalid, "diagnosis", ""},
		{"shipped", DeviceReplaced, RepairInput{Step: DeviceShipped, Carrier: "DHL", Tracking: "JD0146"}, "", "", ""},
		{"shipped without tracking", DeviceReplaced, RepairInput{Step: DeviceShipped}, "", "", ""},
		{"complete", DeviceShipped, RepairInput{Step: DeviceReceived}, accord.Conflict, "step", ""},
		{"requested is not a step", DeviceReceived, RepairInput{Step: RepairRequested}, accord.Invalid, "step", ""},
		{"unknown step", DeviceReceived, RepairInput{Step: "lost"}, accord.Invalid, "step", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := at(c.from)
			got, rec, body, err := NextRepair(r, c.in, now)
			if c.kind != "" {
				var e *accord.Error
				if accord.KindOf(err) != c.kind || !asError(err, &e) || e.Field != c.field {
					t.Fatalf("got %v, want %s naming %s", err, c.kind, c.field)
				}
				if got.Step != r.Step {
					t.Fatalf("a refused step moved the repair to %s", got.Step)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Step != c.in.Step || rec.Step != c.in.Step || rec.Serial != r.Serial || body != c.body {
				t.Fatalf("got %s %+v %q", got.Step, rec, body)
			}
			stamp := map[RepairStep]*time.Time{DeviceReceived: got.ReceivedAt, DeviceDiagnosed: got.DiagnosedAt, DeviceRepaired: got.FixedAt,
				DeviceReplaced: got.FixedAt, DeviceShipped: got.ShippedAt}[c.in.Step]
			if stamp == nil || !stamp.Equal(now) {
				t.Fatalf("step %s stamped %v, want now", c.in.Step, stamp)
			}
			if c.in.Step == DeviceReplaced && (got.Fix != DeviceReplaced || got.Replacement != c.in.Replacement) {
				t.Fatalf("fix %s replacement %q", got.Fix, got.Replacement)
			}
			if c.in.Step == DeviceShipped && (got.Carrier != c.in.Carrier || got.Tracking != c.in.Tracking || got.Fix != DeviceReplaced) {
				t.Fatalf("shipped %+v", got)
			}
		})
	}
}

func TestSerialProblem(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"SGA-1200-0042", true}, {"A1B2", true}, {"sn_2024.07/15", true}, {"1234", true},
		{"", false}, {"A12", false}, {"ABCDEFGH", false}, {"-A123", false}, {"A123-", false},
		{"A 123", false}, {"A123;DROP", false}, {"Série123", false}, {string(make([]byte, 65)), false},
		{"A0000000000000000000000000000000000000000000000000000000000000000", false},
	} {
		if got := SerialProblem(c.in) == ""; got != c.ok {
			t.Errorf("SerialProblem(%q) = %q, want ok %v", c.in, SerialProblem(c.in), c.ok)
		}
	}
}

func FuzzSerialProblem(f *testing.F) {
	for _, s := range []string{"SGA-1200-0042", "A12", "-A123", "Série123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if SerialProblem(s) != "" {
			return
		}
		if len(s) < 4 || len(s) > 64 {
			t.Fatalf("%q accepted with length %d", s, len(s))
		}
		for _, r := range s {
			if r > 127 || r == ' ' || r == ';' {
				t.Fatalf("%q accepted with %q", s, r)
			}
		}
	})
}

func asError(err error, e **accord.Error) bool { return errors.As(err, e) }

// TestCaseworkOrderProperty: whatever steps are tried, in whatever order,
// an evaluation is decided only after an analysis was recorded, gets a date
// only when relevant, and a decision never changes; a repair's steps are
// stamped in order and it is shipped only after a fix.
func TestCaseworkOrderProperty(t *testing.T) {
	fsteps := []FeasibilityStep{FeasibilityFlag, FeasibilityStart, FeasibilityAnalysis, FeasibilityDecision, FeasibilityDate}
	rsteps := append([]RepairStep{RepairRequested}, RepairSteps...)
	rapid.Check(t, func(t *rapid.T) {
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		var f *Feasibility
		r := Repair{Serial: "SGA-1", Step: RepairRequested, RequestedAt: now}
		for i := range rapid.IntRange(1, 30).Draw(t, "steps") {
			now = now.Add(time.Minute)
			relevant := rapid.Bool().Draw(t, "relevant")
			in := FeasibilityInput{Step: rapid.SampledFrom(fsteps).Draw(t, "step"), Platform: rapid.SampledFrom([]string{"RACF", "z/OS"}).Draw(t, "platform"),
				Analysis: "a", Reasons: "r", Relevant: &relevant, TargetDate: rapid.SampledFrom([]string{"", "2027-01-01", "2027-02-01"}).Draw(t, "date")}
			if next, _, _, err := NextFeasibility(f, in, now); err == nil {
				switch {
				case next.Relevant != nil && next.AnalysedAt == nil:
					t.Fatalf("step %d: decided without an analysis", i)
				case next.TargetDate != "" && next.State != FeasibilityRelevant:
					t.Fatalf("step %d: a date while %s", i, next.State)
				case f != nil && f.Relevant != nil && (next.Relevant == nil || *next.Relevant != *f.Relevant || next.Reasons != f.Reasons):
					t.Fatalf("step %d: the decision changed", i)
				}
				f = &next
			}
			rin := RepairInput{Step: rapid.SampledFrom(rsteps).Draw(t, "repair step")}
			if rin.Step == DeviceDiagnosed {
				rin.Diagnosis = "PSU"
			}
			if next, _, _, err := NextRepair(r, rin, now); err == nil {
				if next.ShippedAt != nil && (next.FixedAt == nil || next.ShippedAt.Before(*next.FixedAt)) {
					t.Fatalf("step %d: shipped before a fix", i)
				}
				if next.FixedAt != nil && (next.DiagnosedAt == nil || next.DiagnosedAt.After(*next.FixedAt) || next.ReceivedAt.After(*next.DiagnosedAt)) {
					t.Fatalf("step %d: steps out of order: %+v", i, next)
				}
				r = next
			}
		}
	})
}
