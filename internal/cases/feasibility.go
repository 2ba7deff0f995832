package cases

import (
	"context"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/sla"
)

// Section 10 of the support policy: "If integration with an unsupported
// system is required, Segura will evaluate the feasibility of integration
// and the relevance for the product. If the analysis concludes the
// relevance, a date of free choice by Segura for the integration can be
// set." An enhancement request flagged as such an integration carries a
// Feasibility through the steps below, each a public timeline entry that
// is mailed to the customer.

// FeasibilityState is where the evaluation of an integration stands.
type FeasibilityState string

const (
	FeasibilityRequested   FeasibilityState = "requested" // flagged; the vendor has not started
	FeasibilityAnalysing   FeasibilityState = "analysing"
	FeasibilityAnalysed    FeasibilityState = "analysed" // the analysis is recorded, the decision pending
	FeasibilityRelevant    FeasibilityState = "relevant"
	FeasibilityNotRelevant FeasibilityState = "not_relevant"
)

// FeasibilityStep is one step of the evaluation, as a request names it
// and as the timeline records it.
type FeasibilityStep string

const (
	FeasibilityFlag     FeasibilityStep = "flagged"           // an integration with an unsupported platform
	FeasibilityStart    FeasibilityStep = "analysis_started"  // the vendor evaluates it
	FeasibilityAnalysis FeasibilityStep = "analysis_recorded" // the feasibility analysis, as text
	FeasibilityDecision FeasibilityStep = "decided"           // relevant or not, with the reasons
	FeasibilityDate     FeasibilityStep = "date_set"          // the date the vendor chose, set or changed
)

// Feasibility is the evaluation of an integration with an unsupported
// platform that an enhancement request asks for.
type Feasibility struct {
	Platform  string           `json:"platform"`
	State     FeasibilityState `json:"state"`
	FlaggedAt time.Time        `json:"flagged_at"`
	StartedAt *time.Time       `json:"started_at,omitempty"`
	// Analysis is the latest analysis recorded; the timeline keeps each.
	Analysis   string     `json:"analysis,omitempty"`
	AnalysedAt *time.Time `json:"analysed_at,omitempty"`
	// Relevant is the decision, nil until it is made.
	Relevant  *bool      `json:"relevant,omitempty"`
	Reasons   string     `json:"reasons,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	// TargetDate is the date of the vendor's choice, YYYY-MM-DD, for a
	// relevant integration; "" until one is set.
	TargetDate string     `json:"target_date,omitempty"`
	DateSetAt  *time.Time `json:"date_set_at,omitempty"`
}

// FeasibilityInput is a step of the evaluation; the fields it needs are
// those its step names.
type FeasibilityInput struct {
	Step       FeasibilityStep `json:"-"`
	Platform   string          `json:"platform"`    // flagged
	Analysis   string          `json:"analysis"`    // analysis_recorded
	Relevant   *bool           `json:"relevant"`    // decided
	Reasons    string          `json:"reasons"`     // decided
	TargetDate string          `json:"target_date"` // decided (relevant only) and date_set
	Note       string          `json:"note"`        // optional words to the customer
}

// FeasibilityNote is what a feasibility entry of the timeline records;
// its Body holds the analysis, the reasons or the note.
type FeasibilityNote struct {
	Step     FeasibilityStep `json:"step"`
	Platform string          `json:"platform"`
	Relevant *bool           `json:"relevant,omitempty"`
	// Date is the target date set; Previous the one it replaced.
	Date     string `json:"date,omitempty"`
	Previous string `json:"previous,omitempty"`
}

// Found reports whether the decision is that the integration is relevant.
func (f Feasibility) Found() bool { return f.Relevant != nil && *f.Relevant }

// Found reports whether the note records a decision that the integration
// is relevant: templates cannot read through Relevant's pointer.
func (n FeasibilityNote) Found() bool { return n.Relevant != nil && *n.Relevant }

const maxPlatform = 200

// refuse is a refusal by the state of the evaluation, naming the field
// that the request cannot have yet.
func refuse(field, format string, args ...any) error {
	return &accord.Error{Kind: accord.Conflict, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// parseTargetDate reads a target date: YYYY-MM-DD, not before today (in
// UTC) and within ten years.
func parseTargetDate(ps *[]accord.Problem, v string, now time.Time) string {
	d, err := time.Parse(time.DateOnly, v)
	today := now.UTC().Format(time.DateOnly)
	switch {
	case err != nil:
		*ps = append(*ps, accord.Problem{Field: "target_date", Msg: "must be a date, YYYY-MM-DD"})
	case v < today:
		*ps = append(*ps, accord.Problem{Field: "target_date", Msg: "must not be in the past"})
	case d.After(now.AddDate(10, 0, 0)):
		*ps = append(*ps, accord.Problem{Field: "target_date", Msg: "must be within ten years"})
	}
	return v
}

// NextFeasibility applies a step to the evaluation f (nil before the flag)
// at now, and returns the evaluation afterwards with the timeline note and
// the text the entry shows. The steps go in order: flagged (again, to
// correct the platform, until the analysis starts), analysis started,
// analysis recorded (again, to revise it, until the decision), decided,
// and for a relevant integration the date set or changed.
func NextFeasibility(f *Feasibility, in FeasibilityInput, now time.Time) (Feasibility, FeasibilityNote, string, error) {
	const op = "cases.Feasibility"
	var ps []accord.Problem
	note := checkText(&ps, "note", in.Note, false, maxText)
	var out Feasibility
	if f != nil {
		out = *f
	}
	at := now
	rec := FeasibilityNote{Step: in.Step}
	body := note
	switch in.Step {
	case FeasibilityFlag:
		platform := checkText(&ps, "platform", in.Platform, true, maxPlatform)
		if err := accord.InvalidFields(op, ps); err != nil {
			return out, rec, "", err
		}
		if f != nil && f.State != FeasibilityRequested {
			return out, rec, "", refuse("platform", "the analysis has started; the platform is %s", f.Platform)
		}
		if f != nil && f.Platform == platform {
			return out, rec, "", refuse("platform", "the request is already flagged as an integration with %s", platform)
		}
		out = Feasibility{Platform: platform, State: FeasibilityRequested, FlaggedAt: at}
		if f != nil {
			out.FlaggedAt = f.FlaggedAt
		}
	case FeasibilityStart:
		if err := accord.InvalidFields(op, ps); err != nil {
			return out, rec, "", err
		}
		if f == nil {
			return out, rec, "", refuse("platform", "flag the request as an integration with an unsupported platform first")
		}
		if f.State != FeasibilityRequested {
			return out, rec, "", refuse("state", "the analysis already started (%s)", f.State)
		}
		out.State, out.StartedAt = FeasibilityAnalysing, &at
	case FeasibilityAnalysis:
		analysis := checkText(&ps, "analysis", in.Analysis, true, maxText)
		if err := accord.InvalidFields(op, ps); err != nil {
			return out, rec, "", err
		}
		switch {
		case f == nil:
			return out, rec, "", refuse("platform", "flag the request as an integration with an unsupported platform first")
		case f.State == FeasibilityRequested:
			return out, rec, "", refuse("state", "start the analysis before recording it")
		case f.State != FeasibilityAnalysing && f.State != FeasibilityAnalysed:
			return out, rec, "", refuse("state", "the decision is made (%s); the analysis is final", f.State)
		}
		out.State, out.Analysis, out.AnalysedAt, body = FeasibilityAnalysed, analysis, &at, analysis
	case FeasibilityDecision:
		reasons := checkText(&ps, "reasons", in.Reasons, true, maxText)
		if in.Relevant == nil {
			ps = append(ps, accord.Problem{Field: "relevant", Msg: "is required: true or false"})
		}
		if in.TargetDate != "" {
			if in.Relevant != nil && !*in.Relevant {
				ps = append(ps, accord.Problem{Field: "target_date", Msg: "only a relevant integration gets a date"})
			} else {
				parseTargetDate(&ps, in.TargetDate, now)
			}
		}
		if err := accord.InvalidFields(op, ps); err != nil {
			return out, rec, "", err
		}
		switch {
		case f == nil:
			return out, rec, "", refuse("platform", "flag the request as an integration with an unsupported platform first")
		case f.State == FeasibilityRequested || f.State == FeasibilityAnalysing:
			return out, rec, "", refuse("analysis", "record the feasibility analysis before the decision")
		case f.State != FeasibilityAnalysed:
			return out, rec, "", refuse("relevant", "the decision is already made (%s)", f.State)
		}
		relevant := *in.Relevant
		out.Relevant, out.Reasons, out.DecidedAt, out.State = &relevant, reasons, &at, FeasibilityNotRelevant
		rec.Relevant, body = &relevant, reasons
		if relevant {
			out.State = FeasibilityRelevant
			if in.TargetDate != "" {
				out.TargetDate, out.DateSetAt, rec.Date = in.TargetDate, &at, in.TargetDate
			}
		}
	case FeasibilityDate:
		if in.TargetDate == "" {
			ps = append(ps, accord.Problem{Field: "target_date", Msg: "is required"})
		} else {
			parseTargetDate(&ps, in.TargetDate, now)
		}
		if err := accord.InvalidFields(op, ps); err != nil {
			return out, rec, "", err
		}
		switch {
		case f == nil:
			return out, rec, "", refuse("platform", "flag the request as an integration with an unsupported platform first")
		case f.State == FeasibilityNotRelevant:
			return out, rec, "", refuse("target_date", "the integration was found not relevant; it gets no date")
		case f.State != FeasibilityRelevant:
			return out, rec, "", refuse("target_date", "a date is set once the analysis concludes the relevance")
		case f.TargetDate == in.TargetDate:
			return out, rec, "", refuse("target_date", "the date is already %s", in.TargetDate)
		}
		rec.Previous, rec.Date = f.TargetDate, in.TargetDate
		out.TargetDate, out.DateSetAt = in.TargetDate, &at
	default:
		return out, rec, "", accord.FieldError("step", "must be flagged, analysis_started, analysis_recorded, decided or date_set")
	}
	rec.Platform = out.Platform
	return out, rec, body, nil
}

// Feasibility records a step of the evaluation of an integration with an
// unsupported platform on an enhancement request. The customer's contacts
// and agents flag the request; vendor staff record the rest. Starting the
// analysis puts a received request under analysis; the decision accepts or
// declines it.
func (s *Service) Feasibility(ctx context.Context, now time.Time, id accord.ID, in FeasibilityInput) (Case, error) {
	const op = "cases.Feasibility"
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if in.Step == FeasibilityFlag {
			if !isAgent(a) && !isCustomer(a, c) {
				return Change{}, forbidden(op, "the customer's contacts and agents flag an integration request")
			}
		} else if !isVendorAgent(a) {
			return Change{}, forbidden(op, "the vendor evaluates integrations with unsupported platforms")
		}
		if c.Type != Enhancement {
			return Change{}, conflict(op, "only enhancement requests ask for an integration")
		}
		if c.State == Declined || c.State == Delivered || c.State == Closed {
			return Change{}, conflict(op, "the request is "+string(c.State))
		}
		f, rec, body, err := NextFeasibility(c.Feasibility, in, now)
		if err != nil {
			return Change{}, err
		}
		before, after := c, c
		after.Feasibility = &f
		e := entry(a, now, c, FeasibilityEntry)
		e.Body, e.Data.Feasibility = body, &rec
		entries := []Entry{e}
		next := c.State
		switch {
		case in.Step == FeasibilityStart && c.State == Received:
			next = UnderAnalysis
		case in.Step == FeasibilityDecision && f.State == FeasibilityRelevant && c.State != Accepted:
			next = Accepted
		case in.Step == FeasibilityDecision && f.State == FeasibilityNotRelevant:
			next = Declined
			closed := now
			after.ClosedAt = &closed
		}
		if next != c.State {
			after.State = next
			entries = append(entries, stateChange(a, now, after, c.State, "", "", false))
		}
		ch, err := finish(pol, a, now, before, after, "case.feasibility_"+string(in.Step), nil, entries...)
		if err != nil {
			return ch, err
		}
		var fc audit.Changes
		was := Feasibility{}
		if before.Feasibility != nil {
			was = *before.Feasibility
		}
		fc.Add("feasibility.platform", was.Platform, f.Platform)
		fc.Add("feasibility.state", was.State, f.State)
		fc.Add("feasibility.analysis", was.Analysis, f.Analysis)
		fc.Add("feasibility.relevant", was.Relevant, f.Relevant)
		fc.Add("feasibility.reasons", was.Reasons, f.Reasons)
		fc.Add("feasibility.target_date", was.TargetDate, f.TargetDate)
		ch.Events[0].Changes = append(ch.Events[0].Changes, fc...)
		return ch, nil
	})
}
