package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/sla"
)

// NewCase is the input to Open.
type NewCase struct {
	OrgID       accord.ID       `json:"org_id"` // the customer; a customer contact's own by default
	Type        Type            `json:"type"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Details     Details         `json:"details"`
	Criticality sla.Criticality `json:"criticality"` // the vendor's classification; the customer's by default
	Channel     sla.Channel     `json:"channel"`     // portal by default; phone only for vendor agents
	// Call is the phone notification a vendor agent records with a case
	// opened by phone (required then) or in the portal after a call.
	Call *Call `json:"call,omitempty"`
	// Files go with the opening, listed under its entry; the API reads
	// them from multipart parts, never from JSON.
	Files []NewFile `json:"-"`
}

// Call is a phone notification the vendor received.
type Call struct {
	Caller string    `json:"caller"`
	Number string    `json:"number"`
	At     time.Time `json:"at"`
	Notes  string    `json:"notes"`
}

// Text limits, in characters.
const (
	maxTitle = 200
	maxText  = 50_000
	maxShort = 500
)

func checkText(ps *[]accord.Problem, field, v string, required bool, maxLen int) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		*ps = append(*ps, accord.Problem{Field: field, Msg: "is required"})
	case accord.TextProblem(v) != "":
		*ps = append(*ps, accord.Problem{Field: field, Msg: accord.TextProblem(v)})
	case utf8.RuneCountInString(v) > maxLen:
		*ps = append(*ps, accord.Problem{Field: field, Msg: fmt.Sprintf("at most %d characters", maxLen)})
	}
	return v
}

// needsDetails: the policy asks for section 7.6's details with incidents
// and defects.
func needsDetails(t Type) bool { return t == Incident || t == Defect }

// validate checks in and returns it cleaned; every problem is named.
func (in NewCase) validate(a accord.Actor) (NewCase, error) {
	var ps []accord.Problem
	if !validType(in.Type, false) {
		ps = append(ps, accord.Problem{Field: "type", Msg: "must be incident, defect, question, enhancement or access_request"})
	}
	in.Title = checkText(&ps, "title", in.Title, true, maxTitle)
	in.Description = checkText(&ps, "description", in.Description, !needsDetails(in.Type), maxText)
	d := &in.Details
	req := needsDetails(in.Type)
	d.Procedure = checkText(&ps, "details.procedure", d.Procedure, req, maxText)
	d.Version = checkText(&ps, "details.version", d.Version, req, 100)
	d.Observed = checkText(&ps, "details.observed", d.Observed, req, maxText)
	d.Expected = checkText(&ps, "details.expected", d.Expected, req, maxText)
	d.Discovery = checkText(&ps, "details.discovery", d.Discovery, req, maxText)
	switch {
	case d.Criticality == "" && req:
		ps = append(ps, accord.Problem{Field: "details.customer_criticality", Msg: "is required: C1, C2, C3 or C4 as you see it"})
	case d.Criticality != "" && !validCriticality(d.Criticality):
		ps = append(ps, accord.Problem{Field: "details.customer_criticality", Msg: "must be C1, C2, C3 or C4"})
	}
	if in.Criticality != "" && !validCriticality(in.Criticality) {
		ps = append(ps, accord.Problem{Field: "criticality", Msg: "must be C1, C2, C3 or C4"})
	}
	if in.Criticality != "" && in.Criticality != d.Criticality && !isVendorAgent(a) {
		ps = append(ps, accord.Problem{Field: "criticality", Msg: "only the vendor classifies a case; give your reading as details.customer_criticality"})
	}
	if in.Channel == "" {
		in.Channel = sla.Portal
	}
	switch {
	case in.Channel != sla.Portal && in.Channel != sla.Phone:
		ps = append(ps, accord.Problem{Field: "channel", Msg: "must be portal or phone"})
	case in.Channel == sla.Phone && !isVendorAgent(a):
		ps = append(ps, accord.Problem{Field: "channel", Msg: "phone cases are recorded by the vendor's agents who took the call"})
	case in.Channel == sla.Phone && in.Call == nil:
		ps = append(ps, accord.Problem{Field: "call", Msg: "is required for a phone case: caller, number and time"})
	case in.Call != nil && !isVendorAgent(a):
		ps = append(ps, accord.Problem{Field: "call", Msg: "calls are recorded by the vendor's agents who took them"})
	}
	if in.Call != nil {
		*in.Call = in.Call.clean(&ps, "call.")
	}
	return in, accord.InvalidFields("cases.Open", ps)
}

func (c Call) clean(ps *[]accord.Problem, prefix string) Call {
	c.Caller = checkText(ps, prefix+"caller", c.Caller, true, maxShort)
	c.Number = checkText(ps, prefix+"number", c.Number, true, 50)
	c.Notes = checkText(ps, prefix+"notes", c.Notes, false, maxText)
	if c.At.IsZero() {
		*ps = append(*ps, accord.Problem{Field: prefix + "at", Msg: "is required: when the call came in"})
	}
	c.At = c.At.UTC().Truncate(time.Second)
	return c
}

// Open opens a case for a customer with an active contract. Authorized
// contacts open cases for their organization, certified partner agents for
// the customers they serve, vendor agents for anyone; everybody else gets
// Forbidden with the reason. The clock is set under the current policy.
func (s *Service) Open(ctx context.Context, now time.Time, in NewCase) (Case, error) {
	const op = "cases.Open"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Case{}, err
	}
	if in.OrgID == "" && a.Role == accord.RoleCustomerContact {
		in.OrgID = a.OrgID
	}
	if in.OrgID == "" {
		return Case{}, accord.FieldError("org_id", "is required: the customer the case is for")
	}
	if in, err = in.validate(a); err != nil {
		return Case{}, err
	}
	files, uploads, err := s.prepare("files", in.Files)
	if err != nil {
		return Case{}, err
	}
	if a.System {
		return Case{}, forbidden(op, "cases are opened by people")
	}
	contract, err := s.contracts.CanOpenCases(ctx, now, a.UserID, in.OrgID)
	if err != nil {
		return Case{}, accord.Wrap(op, err)
	}
	version, pol, err := s.policies.Current(ctx)
	if err != nil {
		return Case{}, accord.Wrap(op, err)
	}
	if _, ok := pol.Plans[contract.Plan]; !ok {
		return Case{}, &accord.Error{Kind: accord.Unprocessable, Op: op, Msg: fmt.Sprintf("the contract's plan %q is not in the support policy (version %d)", contract.Plan, version.Number)}
	}
	now = now.UTC().Truncate(time.Microsecond)
	crit := in.Criticality
	if crit == "" {
		crit = in.Details.Criticality
	}
	if crit == "" {
		crit = sla.C4 // questions and requests for information (section 6)
	}
	c := Case{
		ID: accord.NewID("cas"), OrgID: in.OrgID, Type: in.Type, Title: in.Title, Description: in.Description,
		Details: in.Details, Criticality: crit, State: New, ContractID: contract.ID,
		OpenedByID: a.UserID, OpenedBy: a.Name, CreatedAt: now, UpdatedAt: now,
		Clock: Clock{PolicyVersion: version.Number, Plan: contract.Plan, Channel: in.Channel, ReceivedAt: now},
	}
	if c.Type == Enhancement {
		c.State = Received
	}
	var entries []Entry
	open := entry(a, now, c, Opened)
	open.Data.To, open.Data.Files = string(crit), files
	entries = append(entries, open)
	if in.Call != nil {
		if in.Call.At.After(now) {
			return Case{}, accord.FieldError("call.at", "is in the future")
		}
		at := in.Call.At
		c.Clock.PhoneAt = &at
		if in.Channel == sla.Phone {
			c.Clock.ReceivedAt = at
		}
		entries = append(entries, callEntry(a, now, c, *in.Call))
	}
	if err := settle(pol, &c); err != nil {
		return Case{}, accord.Wrap(op, err)
	}
	c.SeniorRequired = c.Type != Enhancement && pol.SeniorRequired(c.Clock.Plan, c.Criticality)
	team, routed, err := s.routeNew(ctx, c)
	if err != nil {
		return Case{}, accord.Wrap(op, err)
	}
	if routed {
		c.TeamID = team.ID
		reason := ReasonIntake
		if c.SeniorRequired && team.Senior {
			reason = ReasonSeniorRule
		}
		e := entry(accord.SystemActor("Accord"), now, c, Assigned)
		e.Internal, e.Data.TeamID, e.Data.Team, e.Data.Reason = true, team.ID, team.Name, reason
		entries = append(entries, e)
	}
	var ch audit.Changes
	ch.Add("type", nil, c.Type)
	ch.Add("title", nil, c.Title)
	ch.Add("criticality", nil, c.Criticality)
	ch.Add("channel", nil, c.Clock.Channel)
	ch.Add("state", nil, c.State)
	ch.Add("policy_version", nil, c.Clock.PolicyVersion)
	ch.Add("plan", nil, c.Clock.Plan)
	ch.Add("clock_starts_at", nil, c.Clock.StartsAt)
	ch.Add("due_at", nil, c.Clock.DueAt)
	ch.Add("guaranteed", nil, c.Clock.Guaranteed)
	if len(files) > 0 {
		ch = append(ch, filesChange(files))
	}
	if routed {
		ch.Add("team_id", nil, c.TeamID)
	}
	if c.SeniorRequired {
		ch.Add("senior_required", nil, true)
	}
	o := Opening{Case: c, Entries: entries, Uploads: uploads, Timers: append(timersFor(Case{}, c), internalTimers(pol, c, entries, now)...), Events: []audit.Event{event(a, now, c, "case.open", ch)}, Notify: notices(c, entries)}
	if routed && team.RoundRobin {
		o.Rotate = func(t Team) (Opening, error) { return rotate(o, t, now), nil }
	}
	out, err := s.store.Open(ctx, o)
	return out, accord.Wrap(op, err)
}

// routeNew picks the queue of a new case: the first senior team, by name,
// for a case under the senior-engineer rule, else the first intake team
// (whose rotation then gives it only to a senior member). A case with
// nowhere to go stays in no team's queue.
func (s *Service) routeNew(ctx context.Context, c Case) (Team, bool, error) {
	if c.SeniorRequired {
		if t, ok, err := s.firstTeam(ctx, TeamFilter{Senior: true}); ok || err != nil {
			return t, ok, err
		}
	}
	if c.Type == Enhancement {
		return Team{}, false, nil
	}
	return s.firstTeam(ctx, TeamFilter{Intake: true})
}

// rotate gives the case being opened to the member the team's rotation
// names, as Accord: the case stays new, since nobody has touched it yet.
// Without a member who can take it, the case waits in the team's queue.
func rotate(o Opening, t Team, now time.Time) Opening {
	if e, ev, ok := giveInTurn(t, &o.Case, now); ok {
		o.Entries, o.Events = append(slices.Clone(o.Entries), e), append(slices.Clone(o.Events), ev)
	}
	return o
}

// giveInTurn assigns c, as Accord, to the member of t whose turn it is,
// and returns the timeline entry and the audit event that record it;
// false when no member can take it.
func giveInTurn(t Team, c *Case, now time.Time) (Entry, audit.Event, bool) {
	m, ok := t.Next(c.SeniorRequired)
	if !ok {
		return Entry{}, audit.Event{}, false
	}
	a := accord.SystemActor("Accord")
	before := c.AssigneeID
	c.AssigneeID, c.AssigneeSenior = m.UserID, m.Senior
	e := entry(a, now, *c, Assigned)
	e.Internal, e.Data.UserID, e.Data.TeamID, e.Data.Team, e.Data.Reason = true, m.UserID, t.ID, t.Name, ReasonRoundRobin
	var ch audit.Changes
	ch.Add("assignee_id", before, m.UserID)
	ch.Add("reason", nil, ReasonRoundRobin)
	return e, event(a, now, *c, "case.assign", ch), true
}

func callEntry(a accord.Actor, now time.Time, c Case, call Call) Entry {
	e := entry(a, now, c, PhoneCall)
	at := call.At
	e.Body = call.Notes
	e.Data.Caller, e.Data.Number, e.Data.CalledAt = call.Caller, call.Number, &at
	return e
}

// rootCause is the analysis that follows a resolved C1 or C2 case
// (section 6): a linked case at C3 whose clock starts at the resolution.
func rootCause(pol *sla.Policy, parent Case, now time.Time) (Opening, error) {
	a := accord.SystemActor("Accord")
	c := Case{
		ID: accord.NewID("cas"), OrgID: parent.OrgID, Type: RootCause,
		Title:       "Root-cause analysis: " + parent.Title,
		Description: fmt.Sprintf("Root-cause analysis of case #%d, resolved at %s, opened automatically as the support policy requires after an Urgent or High case.", parent.Number, now.UTC().Format(time.RFC3339)),
		Details:     Details{Version: parent.Details.Version},
		Criticality: sla.C3, State: New, ContractID: parent.ContractID, ParentID: parent.ID,
		OpenedBy: "Accord", CreatedAt: now, UpdatedAt: now,
		Clock: Clock{PolicyVersion: parent.Clock.PolicyVersion, Plan: parent.Clock.Plan, Channel: sla.Portal, ReceivedAt: now},
	}
	if err := settle(pol, &c); err != nil {
		return Opening{}, err
	}
	e := entry(a, now, c, Opened)
	e.Data.To, e.Data.CaseID = string(sla.C3), parent.ID
	var ch audit.Changes
	ch.Add("type", nil, c.Type)
	ch.Add("parent_id", nil, parent.ID)
	ch.Add("criticality", nil, c.Criticality)
	ch.Add("due_at", nil, c.Clock.DueAt)
	return Opening{Case: c, Entries: []Entry{e}, Timers: timersFor(Case{}, c), Events: []audit.Event{event(a, now, c, "case.open", ch)}}, nil
}
