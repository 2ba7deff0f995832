package cases

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/sla"
)

// transition moves c to state `to` at now, keeping the pause and the
// auto-close instant in step, and returns the pause it opened or closed.
func transition(pol *sla.Policy, c *Case, to State, now time.Time) (*Pause, error) {
	var p *Pause
	from := c.State
	if from == AwaitingCustomer && to != AwaitingCustomer {
		end := now
		if n := len(c.Pauses); n > 0 && c.Pauses[n-1].To == nil {
			c.Pauses[n-1].To = &end
			p = &c.Pauses[n-1]
		}
		c.Clock.PausedSince, c.AutoCloseAt = nil, nil
	}
	if from == Resolved && to != Resolved {
		c.AutoCloseAt = nil
		if to != Closed {
			c.ResolvedAt = nil
		}
	}
	switch to {
	case AwaitingCustomer:
		// Only a request for information closes the case by itself if
		// nothing comes (awaitInformation); a hold waits for the customer.
		if from != AwaitingCustomer {
			start := now
			c.Pauses = append(c.Pauses, Pause{From: start})
			p = &c.Pauses[len(c.Pauses)-1]
			c.Clock.PausedSince = &start
		}
	case Resolved:
		at, err := pol.AutoCloseAt(sla.Resolved, now)
		if err != nil {
			return nil, err
		}
		resolved := now
		c.ResolvedAt, c.AutoCloseAt = &resolved, &at
	case Closed:
		closed := now
		c.ClosedAt, c.AutoCloseAt = &closed, nil
	}
	c.State = to
	return p, nil
}

// awaitInformation starts the count to the auto-close of section 7.8 for
// a case awaiting details or logs the vendor asked for at now, unless an
// earlier request already started it: the policy's business days after
// the request, if the information never comes.
func awaitInformation(pol *sla.Policy, c *Case, now time.Time) error {
	if c.AutoCloseAt != nil {
		return nil
	}
	at, err := pol.AutoCloseAt(sla.AwaitingCustomer, now)
	if err != nil {
		return err
	}
	c.AutoCloseAt = &at
	return nil
}

// respond records the first public answer by an agent: it stops the clock.
func respond(c *Case, a accord.Actor, now time.Time) {
	if isAgent(a) && c.Clock.Kind != "" && c.Clock.RespondedAt == nil {
		at := now
		c.Clock.RespondedAt = &at
	}
}

// supportCase refuses enhancement requests and closed cases for the
// support workflow's actions.
func supportCase(op string, c Case) error {
	switch {
	case c.Type == Enhancement:
		return conflict(op, "enhancement requests follow their own states")
	case c.State == Closed:
		return conflict(op, "the case is closed; open a new case and mention this one")
	}
	return nil
}

// stateChange records a move of state in the timeline.
func stateChange(a accord.Actor, now time.Time, c Case, from State, body, reason string, internal bool) Entry {
	e := entry(a, now, c, StateChanged)
	e.Data.From, e.Data.To, e.Data.Reason, e.Body, e.Internal = string(from), string(c.State), reason, body, internal
	return e
}

// clockChanges adds the clock's moving parts to an audit record.
func clockChanges(ch *audit.Changes, before, after Case) {
	ch.Add("state", before.State, after.State)
	ch.Add("criticality", before.Criticality, after.Criticality)
	ch.Add("responded_at", before.Clock.RespondedAt, after.Clock.RespondedAt)
	ch.Add("due_at", before.Clock.DueAt, after.Clock.DueAt)
	ch.Add("guaranteed", before.Clock.Guaranteed, after.Clock.Guaranteed)
	ch.Add("paused_since", before.Clock.PausedSince, after.Clock.PausedSince)
	ch.Add("auto_close_at", before.AutoCloseAt, after.AutoCloseAt)
	ch.Add("warned_at", before.Clock.WarnedAt, after.Clock.WarnedAt)
	ch.Add("breached_at", before.Clock.BreachedAt, after.Clock.BreachedAt)
	ch.Add("breach_criticality", before.Clock.BreachCriticality, after.Clock.BreachCriticality)
	ch.Add("breach_due_at", before.Clock.BreachDueAt, after.Clock.BreachDueAt)
}

// finish recomputes the clock of after and makes the change with its entries.
func finish(pol *sla.Policy, a accord.Actor, now time.Time, before, after Case, action string, p *Pause, entries ...Entry) (Change, error) {
	if err := settle(pol, &after); err != nil {
		return Change{}, err
	}
	if e, ok := recordBreach(now, before, &after); ok {
		entries = append(entries, e)
	}
	rearm(&after, now)
	var ch audit.Changes
	clockChanges(&ch, before, after)
	for _, e := range entries {
		ch.Add("entry", nil, map[string]any{"id": e.ID, "kind": e.Kind, "internal": e.Internal})
	}
	return Change{Case: after, Entries: entries, Pause: p, Events: []audit.Event{event(a, now, after, action, ch)}}, nil
}

// NewReply is the input to Reply.
type NewReply struct {
	Body string `json:"body"`
	// Internal makes an internal note, which customers do not see and which
	// does not answer the customer.
	Internal bool `json:"internal"`
	// RequestInformation asks the customer for details or logs: the case
	// then awaits the customer, and closes by itself if no answer comes.
	RequestInformation bool        `json:"request_information"`
	References         []Reference `json:"references"`
	// Files go with the reply or the note, listed under its entry and
	// visible to whoever may read it; the API reads them from multipart
	// parts, never from JSON.
	Files []NewFile `json:"-"`
}

func (in NewReply) validate(a accord.Actor) (NewReply, error) {
	var ps []accord.Problem
	in.Body = checkText(&ps, "body", in.Body, true, maxText)
	if !isAgent(a) {
		if in.Internal {
			ps = append(ps, accord.Problem{Field: "internal", Msg: "internal notes are for agents"})
		}
		if in.RequestInformation {
			ps = append(ps, accord.Problem{Field: "request_information", Msg: "only agents request information"})
		}
		if len(in.References) > 0 {
			ps = append(ps, accord.Problem{Field: "references", Msg: "only agents add references"})
		}
	}
	if in.Internal && in.RequestInformation {
		ps = append(ps, accord.Problem{Field: "request_information", Msg: "a request for information must be public"})
	}
	if len(in.References) > 20 {
		ps = append(ps, accord.Problem{Field: "references", Msg: "at most 20"})
	}
	for i, r := range in.References {
		field := fmt.Sprintf("references[%d]", i)
		in.References[i].Value = checkText(&ps, field+".value", r.Value, true, 2000)
		switch r.Kind {
		case KnowledgeBase:
			if KBArticleID(r.Value) {
				break
			}
			if u, err := url.Parse(r.Value); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				ps = append(ps, accord.Problem{Field: field + ".value", Msg: "a knowledge-base article is an article id or an http or https URL"})
			}
		case KnownIssue, LogRequest:
		default:
			ps = append(ps, accord.Problem{Field: field + ".kind", Msg: "must be kb_article, known_issue or log_request"})
		}
	}
	return in, accord.InvalidFields("cases.Reply", ps)
}

// KBArticleID reports whether a knowledge-base reference names an article
// by its id (kb.Article.ID) rather than by URL.
func KBArticleID(v string) bool { return strings.HasPrefix(v, "kba_") && accord.ValidID(v) }

// allowedKB refuses a knowledge-base reference by URL outside the
// configured prefixes (Config.KBPrefixes), naming the reference's field
// and the prefixes.
func (s *Service) allowedKB(refs []Reference) error {
	if len(s.cfg.KBPrefixes) == 0 {
		return nil
	}
	var ps []accord.Problem
	for i, r := range refs {
		if r.Kind != KnowledgeBase || KBArticleID(r.Value) {
			continue
		}
		if !slices.ContainsFunc(s.cfg.KBPrefixes, func(p string) bool { return strings.HasPrefix(r.Value, p) }) {
			ps = append(ps, accord.Problem{Field: fmt.Sprintf("references[%d].value", i),
				Msg: "a knowledge-base article is an article id or a URL starting with " + strings.Join(s.cfg.KBPrefixes, " or ")})
		}
	}
	return accord.InvalidFields("cases.Reply", ps)
}

// referable looks up the articles a reply names by id, before the case is
// locked: each must be published, and one the customer may read unless
// the reply is an internal note.
func (s *Service) referable(ctx context.Context, in NewReply) error {
	if s.cfg.KBArticle == nil {
		return nil
	}
	var ps []accord.Problem
	for i, r := range in.References {
		if r.Kind != KnowledgeBase || !KBArticleID(r.Value) {
			continue
		}
		err := s.cfg.KBArticle(ctx, accord.ID(r.Value), !in.Internal)
		switch {
		case accord.IsKind(err, accord.NotFound) && in.Internal:
			ps = append(ps, accord.Problem{Field: fmt.Sprintf("references[%d].value", i), Msg: "no published article has this id"})
		case accord.IsKind(err, accord.NotFound):
			ps = append(ps, accord.Problem{Field: fmt.Sprintf("references[%d].value", i),
				Msg: "no published article the customer may read has this id; name an internal or partners' article in an internal note only"})
		case err != nil:
			return err
		}
	}
	return accord.InvalidFields("cases.Reply", ps)
}

// Reply adds a reply or an internal note. An agent's first public reply
// meets the first-response target; a customer's reply resumes a case
// awaiting the customer and reopens a resolved one.
func (s *Service) Reply(ctx context.Context, now time.Time, id accord.ID, in NewReply) (Case, error) {
	const op = "cases.Reply"
	// The colleagues a note mentions are looked up before the case is
	// locked: decide must not use the database.
	var mentioned []accord.ID
	var unknown []string
	if a, err := accord.ActorFrom(ctx); err == nil && in.Internal && isAgent(a) && !a.System && len(Mentions(in.Body)) > 0 {
		if _, err := s.Get(ctx, now, id); err != nil {
			return Case{}, err
		}
		people, err := s.colleagues(ctx, now, a)
		if err != nil {
			return Case{}, accord.Wrap(op, err)
		}
		mentioned, unknown = ResolveMentions(a, in.Body, people)
	}
	if err := s.referable(ctx, in); err != nil {
		return Case{}, err
	}
	files, uploads, err := s.prepare("files", in.Files)
	if err != nil {
		return Case{}, err
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		ch, err := s.reply(op, a, pol, now, c, in)
		if err == nil && in.Internal {
			ch.Entries[0].Data.Mentions, ch.Entries[0].Data.Unmentioned = mentioned, unknown
			if len(mentioned) > 0 {
				ch.Events[0].Changes = append(ch.Events[0].Changes, audit.Change{Field: "mentions", After: mentioned})
			}
		}
		if len(files) > 0 && err == nil {
			ch.Entries[0].Data.Files, ch.Uploads = files, uploads
			ch.Events[0].Changes = append(ch.Events[0].Changes, filesChange(files))
		}
		return ch, err
	})
}

// reply decides a reply or a note; its entry is the change's first.
func (s *Service) reply(op string, a accord.Actor, pol *sla.Policy, now time.Time, c Case, in NewReply) (Change, error) {
	in, err := in.validate(a)
	if err == nil {
		err = s.allowedKB(in.References)
	}
	if err != nil {
		return Change{}, err
	}
	if c.State == Closed {
		return Change{}, conflict(op, "the case is closed; open a new case and mention this one")
	}
	if !isAgent(a) && !isCustomer(a, c) {
		return Change{}, forbidden(op, "only the customer's contacts and agents reply")
	}
	if in.RequestInformation && c.Type == Enhancement {
		return Change{}, conflict(op, "enhancement requests follow their own states")
	}
	before, after := c, c
	after.Pauses = slices.Clone(c.Pauses)
	e := entry(a, now, c, Reply)
	e.Body, e.Internal, e.Data.References, e.Data.RequestInformation = in.Body, in.Internal, in.References, in.RequestInformation
	if in.Internal {
		e.Kind = Note
		return finish(pol, a, now, before, after, "case.note", nil, e)
	}
	var p *Pause
	entries := []Entry{e}
	switch {
	case isAgent(a):
		respond(&after, a, now)
		next := after.State
		if next == New {
			next = Open
		}
		if in.RequestInformation {
			next = AwaitingCustomer
		}
		if next != after.State {
			if p, err = transition(pol, &after, next, now); err != nil {
				return Change{}, err
			}
			entries = append(entries, stateChange(a, now, after, before.State, "", "", false))
		}
		if in.RequestInformation {
			if err := awaitInformation(pol, &after, now); err != nil {
				return Change{}, err
			}
		}
	case c.State == AwaitingCustomer || c.State == Resolved:
		if p, err = transition(pol, &after, Open, now); err != nil {
			return Change{}, err
		}
		reason := "the customer answered"
		if c.State == Resolved {
			reason = ReasonRepliedToResolution
		}
		entries = append(entries, stateChange(a, now, after, before.State, "", reason, false))
	}
	return finish(pol, a, now, before, after, "case.reply", p, entries...)
}

// The reasons Accord itself gives for a change of state, as codes that the
// pages and the mail show in the reader's language; people's own reasons
// are text.
const (
	ReasonRepliedToResolution = "replied_to_resolution"  // a customer's reply reopens a resolved case
	ReasonConfirmed           = "confirmed"              // the customer confirmed the resolution
	ReasonAssigned            = "assigned"               // a new case is taken on
	ReasonAutoResolved        = "auto_resolved"          // closed: the resolution went unconfirmed
	ReasonAutoAwaiting        = "auto_awaiting_customer" // closed: the information asked for never came
	ReasonSeniorRule          = "senior_rule"            // routed to the senior engineers' queue
	ReasonIntake              = "intake"                 // routed to the team that receives new cases
	ReasonRoundRobin          = "round_robin"            // given to the next member of the team
	ReasonNotSenior           = "not_senior"             // unassigned: the senior-engineer rule now applies
)

// AwaitCustomer puts a case on hold for the customer without a reply (the
// customer asked by phone to wait for a maintenance window): the clock
// pauses until the customer writes. The hold and its reason are public and
// mailed to the customer (case.on_hold); unlike a request for information,
// a hold does not close the case by itself (section 7.8).
func (s *Service) AwaitCustomer(ctx context.Context, now time.Time, id accord.ID, reason string) (Case, error) {
	const op = "cases.AwaitCustomer"
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if !isAgent(a) {
			return Change{}, forbidden(op, "only agents put a case on hold")
		}
		var ps []accord.Problem
		reason := checkText(&ps, "reason", reason, true, maxShort)
		if err := accord.InvalidFields(op, ps); err != nil {
			return Change{}, err
		}
		if err := supportCase(op, c); err != nil {
			return Change{}, err
		}
		if c.State != New && c.State != Open {
			return Change{}, conflict(op, fmt.Sprintf("a case that is %s cannot start waiting for the customer", c.State))
		}
		before, after := c, c
		after.Pauses = slices.Clone(c.Pauses)
		p, err := transition(pol, &after, AwaitingCustomer, now)
		if err != nil {
			return Change{}, err
		}
		e := stateChange(a, now, after, before.State, "", reason, false)
		e.Data.Hold = true
		return finish(pol, a, now, before, after, "case.await_customer", p, e)
	})
}

// RecordCall records a phone notification the vendor received about a
// case. The first call of a portal case whose target needs one starts the
// guaranteed clock from the call.
func (s *Service) RecordCall(ctx context.Context, now time.Time, id accord.ID, call Call) (Case, error) {
	const op = "cases.RecordCall"
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		// Who may comes first: nobody else learns from the answer what a
		// call needs.
		if !isVendorAgent(a) {
			return Change{}, forbidden(op, "calls are recorded by the vendor's agents who took them")
		}
		var ps []accord.Problem
		call := call.clean(&ps, "")
		if err := accord.InvalidFields(op, ps); err != nil {
			return Change{}, err
		}
		if call.At.After(now) {
			return Change{}, accord.FieldError("at", "is in the future")
		}
		if err := supportCase(op, c); err != nil {
			return Change{}, err
		}
		before, after := c, c
		if after.Clock.PhoneAt == nil || call.At.Before(*after.Clock.PhoneAt) {
			at := call.At
			after.Clock.PhoneAt = &at
		}
		return finish(pol, a, now, before, after, "case.call", nil, callEntry(a, now, c, call))
	})
}

// Reclassification is the input to Reclassify.
type Reclassification struct {
	Criticality sla.Criticality `json:"criticality"`
	Reason      string          `json:"reason"`
}

// Reclassify changes a case's criticality (vendor agents, with a reason).
// The clock is recomputed from its original start with the new target;
// the customer sees the change and its reason in the timeline. A case the
// senior-engineer rule now covers moves to the senior engineers' queue,
// and leaves an assignee who is not senior.
func (s *Service) Reclassify(ctx context.Context, now time.Time, id accord.ID, in Reclassification) (Case, error) {
	const op = "cases.Reclassify"
	senior, hasSenior, err := s.firstTeam(ctx, TeamFilter{Senior: true})
	if err != nil {
		return Case{}, accord.Wrap(op, err)
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if !isVendorAgent(a) {
			return Change{}, forbidden(op, "only the vendor's agents change a case's criticality")
		}
		var ps []accord.Problem
		if !validCriticality(in.Criticality) {
			ps = append(ps, accord.Problem{Field: "criticality", Msg: "must be C1, C2, C3 or C4"})
		}
		reason := checkText(&ps, "reason", in.Reason, true, maxShort)
		if err := accord.InvalidFields(op, ps); err != nil {
			return Change{}, err
		}
		if err := supportCase(op, c); err != nil {
			return Change{}, err
		}
		if in.Criticality == c.Criticality {
			return Change{}, conflict(op, "the case is already "+string(c.Criticality))
		}
		before, after := c, c
		after.Criticality = in.Criticality
		after.Reclassifications = append(slices.Clone(c.Reclassifications), CriticalityChange{From: c.Criticality, To: in.Criticality, At: now})
		e := entry(a, now, c, Reclassified)
		e.Data.From, e.Data.To, e.Data.Reason = string(c.Criticality), string(in.Criticality), reason
		entries := []Entry{e}
		after.SeniorRequired = c.Type != Enhancement && pol.SeniorRequired(c.Clock.Plan, in.Criticality)
		if after.SeniorRequired {
			r := entry(a, now, c, Assigned)
			r.Internal, r.Data.UserID, r.Data.Reason = true, c.AssigneeID, ReasonSeniorRule
			if hasSenior && c.TeamID != senior.ID {
				after.TeamID = senior.ID
				r.Data.TeamID, r.Data.Team = senior.ID, senior.Name
			}
			if c.AssigneeID != "" && !c.AssigneeSenior {
				after.AssigneeID, r.Data.UserID, r.Data.Reason = "", "", ReasonNotSenior
			}
			if after.TeamID != c.TeamID || after.AssigneeID != c.AssigneeID {
				entries = append(entries, r)
			}
		}
		ch, err := finish(pol, a, now, before, after, "case.reclassify", nil, entries...)
		if err != nil {
			return ch, err
		}
		if after.TeamID == senior.ID && senior.RoundRobin && after.AssigneeID == "" {
			ch.Rotate = func(t Team, ch Change) Change {
				if e, ev, ok := giveInTurn(t, &ch.Case, now); ok {
					ch.Entries, ch.Events = append(slices.Clone(ch.Entries), e), append(slices.Clone(ch.Events), ev)
				}
				return ch
			}
		}
		var rc audit.Changes
		rc.Add("senior_required", before.SeniorRequired, after.SeniorRequired)
		rc.Add("team_id", before.TeamID, after.TeamID)
		rc.Add("assignee_id", before.AssigneeID, after.AssigneeID)
		ch.Events[0].Changes = append(ch.Events[0].Changes, rc...)
		return ch, nil
	})
}

// Assignment is the input to Assign.
type Assignment struct {
	// UserID is the agent given the case; empty unassigns it.
	UserID accord.ID `json:"user_id"`
	// TeamID moves the case to a team's queue ("" takes it out of any);
	// nil leaves the team as it is.
	TeamID *accord.ID `json:"team_id,omitempty"`
	// OverrideReason sets the senior-engineer rule aside, for a vendor
	// administrator, who must say why.
	OverrideReason string `json:"override_reason,omitempty"`
}

// seniorRule names the rule a refused assignment breaks.
const seniorRule = "senior_routing"

// Assign gives a case to a vendor agent or a partner agent, or moves it to
// a team's queue; an empty user unassigns it. Assigning a new case opens
// it. A case under the senior-engineer rule goes only to a senior
// engineer, unless a vendor administrator overrides the rule with a
// reason, which the timeline and the audit trail keep.
func (s *Service) Assign(ctx context.Context, now time.Time, id accord.ID, in Assignment) (Case, error) {
	const op = "cases.Assign"
	userID := in.UserID
	// The case and the actor's right come first, so that nobody learns
	// whether a user id exists elsewhere.
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Case{}, err
	}
	if !isAgent(a) {
		return Case{}, forbidden(op, "only agents assign cases")
	}
	if _, err := s.Get(ctx, now, id); err != nil {
		return Case{}, err
	}
	var ps []accord.Problem
	reason := checkText(&ps, "override_reason", in.OverrideReason, false, maxShort)
	if err := accord.InvalidFields(op, ps); err != nil {
		return Case{}, err
	}
	var u directory.User
	if userID != "" {
		// The user is looked up in the actor's own scope, and every user
		// who cannot take the case (missing, out of scope, inactive, not
		// an agent, of another organization) gets the same answer, so that
		// nobody learns who exists beyond what they may read.
		notAssignable := accord.FieldError("user_id", "must be an active agent of your own organization")
		u, err = s.dir.GetUser(ctx, now, userID)
		if accord.IsKind(err, accord.NotFound) {
			return Case{}, notAssignable
		}
		if err != nil {
			return Case{}, accord.Wrap(op, err)
		}
		// Vendor staff assign to vendor staff; a partner to its own agents,
		// whom its scope already lets reach the case.
		if !u.Active || !isAgentRole(u.Role) || (!a.System && u.OrgID != a.OrgID) {
			return Case{}, notAssignable
		}
	}
	var team Team
	if in.TeamID != nil && *in.TeamID != "" {
		team, err = s.Team(ctx, now, *in.TeamID)
		if accord.IsKind(err, accord.NotFound) {
			return Case{}, accord.FieldError("team_id", "must be a team you can see")
		}
		if err != nil {
			return Case{}, accord.Wrap(op, err)
		}
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if !isAgent(a) {
			return Change{}, forbidden(op, "only agents assign cases")
		}
		if c.State == Closed {
			return Change{}, conflict(op, "the case is closed")
		}
		override := false
		if userID != "" && c.SeniorRequired && !u.Senior {
			if reason == "" {
				return Change{}, &accord.Error{Kind: accord.Unprocessable, Op: op, Field: "user_id", Msg: fmt.Sprintf(
					"rule %s: a %s case of plan %s goes to a senior engineer, and %s is not one; a vendor administrator may override the rule with a reason",
					seniorRule, c.Criticality, c.Clock.Plan, u.Name)}
			}
			if !a.System && a.Role != accord.RoleAdmin {
				return Change{}, forbidden(op, "only vendor administrators override the senior-engineer rule")
			}
			override = true
		}
		if reason != "" && !override {
			return Change{}, accord.FieldError("override_reason", "only when rule "+seniorRule+" refuses the assignment")
		}
		before, after := c, c
		after.AssigneeID, after.AssigneeSenior = userID, userID != "" && u.Senior
		if in.TeamID != nil {
			after.TeamID = team.ID
		}
		if after.AssigneeID == c.AssigneeID && after.TeamID == c.TeamID {
			return Change{}, errUnchanged
		}
		e := entry(a, now, c, Assigned)
		e.Internal, e.Data.UserID = true, userID
		if after.TeamID != c.TeamID {
			e.Data.TeamID, e.Data.Team = team.ID, team.Name
		}
		if override {
			e.Data.Override, e.Data.Reason = true, reason
		}
		entries := []Entry{e}
		var p *Pause
		if after.State == New && userID != "" && userID != c.AssigneeID {
			var err error
			if p, err = transition(pol, &after, Open, now); err != nil {
				return Change{}, err
			}
			entries = append(entries, stateChange(a, now, after, New, "", ReasonAssigned, true))
		}
		ch, err := finish(pol, a, now, before, after, "case.assign", p, entries...)
		if err != nil {
			return ch, err
		}
		var ac audit.Changes
		ac.Add("assignee_id", before.AssigneeID, after.AssigneeID)
		ac.Add("team_id", before.TeamID, after.TeamID)
		ch.Events[0].Changes = append(ch.Events[0].Changes, ac...)
		if override {
			var oc audit.Changes
			oc.Add("rule", nil, seniorRule)
			oc.Add("assignee_id", before.AssigneeID, userID)
			oc.Add("reason", nil, reason)
			ch.Events = append(ch.Events, event(a, now, after, "case.senior_override", oc))
		}
		return ch, nil
	})
}
