package changes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/sla"
)

// Text limits, in characters.
const (
	maxTitle = 200
	maxText  = 20_000
	// MaxMinutes bounds a change's duration: a week.
	MaxMinutes = 7 * 24 * 60
)

func text(ps *[]accord.Problem, field, v string, required bool, limit int) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		*ps = append(*ps, accord.Problem{Field: field, Msg: "is required"})
	case accord.TextProblem(v) != "":
		*ps = append(*ps, accord.Problem{Field: field, Msg: accord.TextProblem(v)})
	case utf8.RuneCountInString(v) > limit:
		*ps = append(*ps, accord.Problem{Field: field, Msg: fmt.Sprintf("must be at most %d characters", limit)})
	}
	return v
}

func stamp(now time.Time) time.Time { return now.UTC().Truncate(time.Microsecond) }

func ptr[T any](v T) *T { return &v }

func event(a accord.Actor, now time.Time, c Change, action string, ch audit.Changes) audit.Event {
	return audit.New(a, now, c.OrgID, action, "change", c.ID, ch)
}

func entry(a accord.Actor, now time.Time, c Change, k EntryKind, note string) Entry {
	return Entry{ID: accord.NewID("che"), ChangeID: c.ID, OrgID: c.OrgID, Kind: k, At: stamp(now), ActorID: a.UserID, ActorName: a.Name, Note: note}
}

// RequestInput raises a change request.
type RequestInput struct {
	EnvironmentID accord.ID  `json:"environment_id"`
	Title         string     `json:"title"`
	Reason        string     `json:"reason"`
	Description   string     `json:"description"`
	Plan          string     `json:"implementation_plan"`
	BackoutPlan   string     `json:"backout_plan"`
	NeedsShutdown bool       `json:"needs_shutdown"`
	Urgency       Urgency    `json:"urgency"` // normal by default
	PlannedStart  *time.Time `json:"planned_start"`
	Minutes       int        `json:"duration_minutes"`
	// Draft keeps the request as a draft; otherwise it is submitted.
	Draft bool `json:"draft"`
}

func (in *RequestInput) check() error {
	var ps []accord.Problem
	in.Title = text(&ps, "title", in.Title, true, maxTitle)
	in.Reason = text(&ps, "reason", in.Reason, true, maxText)
	in.Description = text(&ps, "description", in.Description, false, maxText)
	in.Plan = text(&ps, "implementation_plan", in.Plan, true, maxText)
	in.BackoutPlan = text(&ps, "backout_plan", in.BackoutPlan, true, maxText)
	if in.Urgency == "" {
		in.Urgency = Normal
	}
	if in.Urgency != Normal && in.Urgency != Urgent {
		ps = append(ps, accord.Problem{Field: "urgency", Msg: "must be normal or urgent"})
	}
	if in.Minutes < 1 || in.Minutes > MaxMinutes {
		ps = append(ps, accord.Problem{Field: "duration_minutes", Msg: fmt.Sprintf("must be 1 to %d minutes", MaxMinutes)})
	}
	if in.PlannedStart != nil {
		if err := checkSlot(*in.PlannedStart, in.Minutes); err != nil {
			ps = append(ps, accord.Problem{Field: "planned_start", Msg: accord.Public(err).Msg})
		}
		in.PlannedStart = ptr(in.PlannedStart.UTC().Truncate(time.Minute))
	}
	return accord.InvalidFields("changes.Request", ps)
}

// Request raises a change on an environment. The customer's authorized
// contacts request changes of their own environments; the vendor's staff
// of any.
func (s *Service) Request(ctx context.Context, now time.Time, in RequestInput) (Change, error) {
	const op = "changes.Request"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Change{}, err
	}
	if err := in.check(); err != nil {
		return Change{}, err
	}
	if in.EnvironmentID == "" {
		return Change{}, accord.FieldError("environment_id", "is required")
	}
	env, err := s.envs.Environment(ctx, now, in.EnvironmentID)
	if accord.IsKind(err, accord.NotFound) {
		return Change{}, &accord.Error{Kind: accord.NotFound, Op: op, Field: "environment_id", Msg: "environment not found"}
	}
	if err != nil {
		return Change{}, accord.Wrap(op, err)
	}
	switch {
	case vendorStaff(a):
	case a.Role == accord.RoleCustomerContact && a.OrgID == env.OrgID:
		u, err := s.dir.GetUser(ctx, now, a.UserID)
		if err != nil {
			return Change{}, accord.Wrap(op, err)
		}
		if !u.AuthorizedContact {
			return Change{}, forbidden(op, "only the customer's authorized contacts request changes")
		}
	default:
		return Change{}, forbidden(op, "changes are requested by the customer's authorized contacts or the vendor's staff")
	}
	now = stamp(now)
	c := Change{ID: accord.NewID("chg"), OrgID: env.OrgID, EnvironmentID: env.ID, EnvironmentName: env.Name, ResellerID: env.ResellerID,
		State: Draft, Title: in.Title, Reason: in.Reason, Description: in.Description, Plan: in.Plan, BackoutPlan: in.BackoutPlan,
		NeedsShutdown: in.NeedsShutdown, Urgency: in.Urgency, PlannedStart: in.PlannedStart, Minutes: in.Minutes,
		Approvals: []Approval{}, RequestedByID: a.UserID, RequestedByName: a.Name, CreatedAt: now, UpdatedAt: now}
	entries := []Entry{entry(a, now, c, Requested, "")}
	if !in.Draft {
		c.State, c.SubmittedAt = Submitted, &now
		entries = append(entries, entry(a, now, c, SubmittedEntry, ""))
	}
	var ch audit.Changes
	ch.Add("environment_id", nil, c.EnvironmentID)
	ch.Add("title", nil, c.Title)
	ch.Add("needs_shutdown", nil, c.NeedsShutdown)
	ch.Add("urgency", nil, c.Urgency)
	ch.Add("state", nil, c.State)
	if c.PlannedStart != nil {
		ch.Add("planned_start", nil, c.PlannedStart.Format(time.RFC3339))
	}
	ch.Add("duration_minutes", nil, c.Minutes)
	if err := s.store.Create(ctx, Write{Change: c, Entries: entries, Events: []audit.Event{event(a, now, c, "change.request", ch)}}); err != nil {
		return Change{}, accord.Wrap(op, err)
	}
	return c, nil
}

// change runs decide on change id under its lock.
func (s *Service) change(ctx context.Context, now time.Time, op string, id accord.ID, decide func(a accord.Actor, c Change, l Locked) (Write, error)) (Change, error) {
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Change{}, err
	}
	if !a.CanWrite() {
		return Change{}, forbidden(op, "auditors read changes; they do not change them")
	}
	c, err := s.store.Update(ctx, scope, id, func(c Change, l Locked) (Write, error) {
		w, err := decide(a, c, l)
		w.Change.UpdatedAt = stamp(now)
		return w, err
	})
	if err != nil {
		return Change{}, accord.Wrap(op, err)
	}
	return c, nil
}

// isRequesterSide reports whether a may edit c's request: its customer's
// contacts, and the vendor's staff.
func isRequesterSide(a accord.Actor, c Change) bool {
	return vendorStaff(a) || (a.Role == accord.RoleCustomerContact && a.OrgID == c.OrgID)
}

// void drops c's approvals after an edit of its plan, schedule or type,
// and says so on the timeline (a mailed entry).
func void(a accord.Actor, now time.Time, c *Change, what string, w *Write) {
	if len(c.Approvals) == 0 {
		return
	}
	c.Approvals = []Approval{}
	if c.State == Approved || c.State == Scheduled {
		c.State = Assessed
	}
	w.Entries = append(w.Entries, entry(a, now, *c, ApprovalsVoided, "the "+what+" changed after an approval; the change must be approved again"))
	var ch audit.Changes
	ch.Add("approvals", "given", "voided")
	ch.Add("because", nil, what)
	w.Events = append(w.Events, event(a, now, *c, "change.approvals_void", ch))
}

// EditInput changes a change's request; unset fields stay.
type EditInput struct {
	Title         *string    `json:"title"`
	Reason        *string    `json:"reason"`
	Description   *string    `json:"description"`
	Plan          *string    `json:"implementation_plan"`
	BackoutPlan   *string    `json:"backout_plan"`
	NeedsShutdown *bool      `json:"needs_shutdown"`
	Urgency       *Urgency   `json:"urgency"`
	PlannedStart  *time.Time `json:"planned_start"`
	Minutes       *int       `json:"duration_minutes"`
}

// Edit changes the request before the change starts. Editing the plans,
// the schedule or what decides the window after an approval voids the
// approvals, visibly. Once assessed, a new schedule must fit its window.
func (s *Service) Edit(ctx context.Context, now time.Time, id accord.ID, in EditInput) (Change, error) {
	const op = "changes.Edit"
	current, err := s.Get(ctx, now, id)
	if err != nil {
		return Change{}, err
	}
	win, err := s.Windows(ctx, current.EnvironmentID)
	if err != nil {
		return Change{}, accord.Wrap(op, err)
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, c Change, _ Locked) (Write, error) {
		switch {
		case !isRequesterSide(a, c):
			return Write{}, forbidden(op, "the customer's contacts and the vendor's staff edit a change")
		case c.State.Ended() || c.State == InProgress:
			return Write{}, conflict(op, "the change is %s; it can no longer be edited", c.State)
		}
		r := RequestInput{Title: c.Title, Reason: c.Reason, Description: c.Description, Plan: c.Plan, BackoutPlan: c.BackoutPlan,
			NeedsShutdown: c.NeedsShutdown, Urgency: c.Urgency, PlannedStart: c.PlannedStart, Minutes: c.Minutes}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&r.Title, in.Title)
		set(&r.Reason, in.Reason)
		set(&r.Description, in.Description)
		set(&r.Plan, in.Plan)
		set(&r.BackoutPlan, in.BackoutPlan)
		if in.NeedsShutdown != nil {
			r.NeedsShutdown = *in.NeedsShutdown
		}
		if in.Urgency != nil {
			r.Urgency = *in.Urgency
		}
		if in.PlannedStart != nil {
			r.PlannedStart = in.PlannedStart
		}
		if in.Minutes != nil {
			r.Minutes = *in.Minutes
		}
		if err := r.check(); err != nil {
			return Write{}, err
		}
		var ch audit.Changes
		plan := r.Plan != c.Plan || r.BackoutPlan != c.BackoutPlan
		window := !sameTime(r.PlannedStart, c.PlannedStart) || r.Minutes != c.Minutes || r.NeedsShutdown != c.NeedsShutdown || r.Urgency != c.Urgency
		for _, f := range []struct {
			name     string
			old, new any
		}{{"title", c.Title, r.Title}, {"reason", c.Reason, r.Reason}, {"description", c.Description, r.Description},
			{"implementation_plan", c.Plan, r.Plan}, {"backout_plan", c.BackoutPlan, r.BackoutPlan},
			{"needs_shutdown", c.NeedsShutdown, r.NeedsShutdown}, {"urgency", c.Urgency, r.Urgency},
			{"planned_start", timeText(c.PlannedStart), timeText(r.PlannedStart)}, {"duration_minutes", c.Minutes, r.Minutes}} {
			if f.old != f.new {
				ch.Add(f.name, f.old, f.new)
			}
		}
		if len(ch) == 0 {
			return Write{Change: c}, nil
		}
		c.Title, c.Reason, c.Description, c.Plan, c.BackoutPlan = r.Title, r.Reason, r.Description, r.Plan, r.BackoutPlan
		c.NeedsShutdown, c.Urgency, c.PlannedStart, c.Minutes = r.NeedsShutdown, r.Urgency, r.PlannedStart, r.Minutes
		if window && c.Type != "" && !c.Exceptional {
			if err := win.CheckSchedule(c); err != nil {
				return Write{}, err
			}
		}
		w := Write{Events: []audit.Event{event(a, now, c, "change.edit", ch)}}
		names := make([]string, len(ch))
		for i, f := range ch {
			names[i] = f.Field
		}
		w.Entries = append(w.Entries, entry(a, now, c, Edited, strings.Join(names, ", ")))
		switch {
		case plan && window:
			void(a, now, &c, "plan and schedule", &w)
		case plan:
			void(a, now, &c, "plan", &w)
		case window:
			void(a, now, &c, "schedule", &w)
		}
		w.Change = c
		return w, nil
	})
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Submit sends a draft to the vendor.
func (s *Service) Submit(ctx context.Context, now time.Time, id accord.ID) (Change, error) {
	const op = "changes.Submit"
	return s.change(ctx, now, op, id, func(a accord.Actor, c Change, _ Locked) (Write, error) {
		switch {
		case !isRequesterSide(a, c):
			return Write{}, forbidden(op, "the customer's contacts and the vendor's staff submit a change")
		case c.State != Draft:
			return Write{}, conflict(op, "the change is %s; only a draft is submitted", c.State)
		}
		var ch audit.Changes
		ch.Add("state", c.State, Submitted)
		c.State, c.SubmittedAt = Submitted, ptr(stamp(now))
		return Write{Change: c, Entries: []Entry{entry(a, now, c, SubmittedEntry, "")}, Events: []audit.Event{event(a, now, c, "change.submit", ch)}}, nil
	})
}

// AttachScript stores the customer's automation script or procedure with
// the change (004 assigns providing it to the customer); a new one
// replaces the old, and counts as an edit of the plan.
func (s *Service) AttachScript(ctx context.Context, now time.Time, id accord.ID, name string, content []byte) (Change, error) {
	const op = "changes.AttachScript"
	up, err := s.upload("script", name, content)
	if err != nil {
		return Change{}, err
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, c Change, _ Locked) (Write, error) {
		switch {
		case !isRequesterSide(a, c):
			return Write{}, forbidden(op, "the customer's contacts and the vendor's staff attach the script")
		case c.State.Ended() || c.State == InProgress:
			return Write{}, conflict(op, "the change is %s; its script can no longer change", c.State)
		}
		var ch audit.Changes
		old := ""
		if c.Script != nil {
			old = c.Script.Name
		}
		ch.Add("script", old, up.File.Name)
		ch.Add("sha256", nil, up.File.SHA256)
		c.Script = &up.File
		w := Write{Uploads: []Upload{up}, Events: []audit.Event{event(a, now, c, "change.script", ch)}}
		w.Entries = append(w.Entries, entry(a, now, c, Edited, "script "+up.File.Name))
		void(a, now, &c, "script", &w)
		w.Change = c
		return w, nil
	})
}

func (s *Service) upload(field, name string, content []byte) (Upload, error) {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	switch {
	case name == "" || name == "." || name == "/":
		return Upload{}, accord.FieldError(field, "needs a file name")
	case accord.TextProblem(name) != "" || utf8.RuneCountInString(name) > 255:
		return Upload{}, accord.FieldError(field, "the file name must be text of at most 255 characters")
	case len(content) == 0:
		return Upload{}, accord.FieldError(field, "the file is empty")
	case s.cfg.MaxFile > 0 && int64(len(content)) > s.cfg.MaxFile:
		return Upload{}, accord.FieldError(field, "the file is larger than %d bytes", s.cfg.MaxFile)
	}
	sum := sha256.Sum256(content)
	ct := "application/octet-stream"
	if s.cfg.Sniff != nil {
		ct = s.cfg.Sniff(content)
	}
	return Upload{File: File{ID: accord.NewID("fil"), Name: name, ContentType: ct, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])},
		Content: content}, nil
}

// AssessInput is the vendor's assessment of a change.
type AssessInput struct {
	Assessment Assessment `json:"assessment"`
	// Type is the type the assessor sets; the suggestion by default.
	Type Type `json:"type"`
	// Reason is required when Type differs from the suggestion.
	Reason        string    `json:"reason"`
	ImplementerID accord.ID `json:"implementer_id"`
	// Exceptional records that both sides agreed to run an urgent change
	// (not a major one) outside its windows; it is then handled as an
	// incident of Criticality, opened when the customer approves.
	Exceptional bool            `json:"exceptional"`
	Criticality sla.Criticality `json:"criticality"`
	// PlannedStart and Minutes, when set, replace the schedule.
	PlannedStart *time.Time `json:"planned_start"`
	Minutes      *int       `json:"duration_minutes"`
}

// Assess records the vendor's assessment: the four criteria, the type
// (with a reason when it differs from the one suggested) and who will
// implement the change, and may set the schedule. From then on the
// schedule must fit its window, unless the change is exceptional. A new
// type or schedule after an approval voids the approvals.
func (s *Service) Assess(ctx context.Context, now time.Time, id accord.ID, in AssessInput) (Change, error) {
	const op = "changes.Assess"
	current, err := s.Get(ctx, now, id)
	if err != nil {
		return Change{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	if !vendorStaff(a) {
		return Change{}, forbidden(op, "the vendor's staff assess changes")
	}
	if f, msg := in.Assessment.Check(); f != "" {
		return Change{}, accord.FieldError(f, "%s", msg)
	}
	suggested := in.Assessment.Suggest()
	if in.Type == "" {
		in.Type = suggested
	}
	var ps []accord.Problem
	if !in.Type.valid() {
		ps = append(ps, accord.Problem{Field: "type", Msg: "must be minor, medium or major"})
	}
	in.Reason = text(&ps, "reason", in.Reason, in.Type != suggested, maxText)
	if in.Type != suggested && len(ps) > 0 && ps[len(ps)-1].Field == "reason" && in.Reason == "" {
		ps[len(ps)-1].Msg = fmt.Sprintf("is required: the answers suggest %s (%s), not %s", suggested, in.Assessment.Why(), in.Type)
	}
	if err := accord.InvalidFields(op, ps); err != nil {
		return Change{}, err
	}
	var implementer string
	if in.ImplementerID != "" {
		u, err := s.dir.GetUser(ctx, now, in.ImplementerID)
		if accord.IsKind(err, accord.NotFound) || (err == nil && u.Role != accord.RoleAdmin && u.Role != accord.RoleAgent) {
			return Change{}, accord.FieldError("implementer_id", "must be one of the vendor's agents or administrators")
		}
		if err != nil {
			return Change{}, accord.Wrap(op, err)
		}
		implementer = u.Name
	}
	if in.Exceptional {
		switch {
		case current.Urgency != Urgent:
			return Change{}, accord.FieldError("exceptional", "only an urgent change is handled as an incident outside its windows")
		case in.Type == Major:
			return Change{}, accord.FieldError("exceptional", "a major change is never handled as an incident; it waits for its window")
		case !validCriticality(in.Criticality):
			return Change{}, accord.FieldError("criticality", "must be C1, C2, C3 or C4: the incident's criticality agreed with the customer")
		}
	} else if in.Criticality != "" {
		return Change{}, accord.FieldError("criticality", "is only given with exceptional")
	}
	win, err := s.Windows(ctx, current.EnvironmentID)
	if err != nil {
		return Change{}, accord.Wrap(op, err)
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, c Change, _ Locked) (Write, error) {
		if c.State != Submitted && c.State != Assessed && c.State != Approved && c.State != Scheduled {
			return Write{}, conflict(op, "the change is %s; a submitted change is assessed", c.State)
		}
		if in.ImplementerID != "" {
			for _, ap := range c.Approvals {
				if ap.UserID == in.ImplementerID {
					return Write{}, accord.FieldError("implementer_id", "%s approved this change; nobody implements a change they approved", ap.Name)
				}
			}
		}
		var ch audit.Changes
		typeChanged := c.Type != "" && c.Type != in.Type
		ch.Add("type", c.Type, in.Type)
		ch.Add("suggested", nil, suggested)
		if in.Reason != "" {
			ch.Add("reason", c.TypeReason, in.Reason)
		}
		if c.ImplementerID != in.ImplementerID {
			ch.Add("implementer_id", c.ImplementerID, in.ImplementerID)
		}
		if c.State != Approved && c.State != Scheduled {
			ch.Add("state", c.State, Assessed)
			c.State = Assessed
		}
		exceptionalChanged := c.Exceptional != in.Exceptional
		window := false
		if in.PlannedStart != nil {
			at := in.PlannedStart.UTC().Truncate(time.Minute)
			window = !sameTime(c.PlannedStart, &at)
			ch.Add("planned_start", timeText(c.PlannedStart), timeText(&at))
			c.PlannedStart = &at
		}
		if in.Minutes != nil {
			if *in.Minutes < 1 || *in.Minutes > MaxMinutes {
				return Write{}, accord.FieldError("duration_minutes", "must be 1 to %d minutes", MaxMinutes)
			}
			window = window || *in.Minutes != c.Minutes
			ch.Add("duration_minutes", c.Minutes, *in.Minutes)
			c.Minutes = *in.Minutes
		}
		if c.PlannedStart != nil {
			if err := checkSlot(*c.PlannedStart, c.Minutes); err != nil {
				return Write{}, err
			}
		}
		c.Assessment, c.Type, c.TypeReason = &in.Assessment, in.Type, in.Reason
		c.ImplementerID, c.ImplementerName, c.Exceptional = in.ImplementerID, implementer, in.Exceptional
		c.Criticality = in.Criticality
		if !c.Exceptional {
			if err := win.CheckSchedule(c); err != nil {
				return Write{}, err
			}
		}
		note := fmt.Sprintf("type %s (suggested %s: %s)", c.Type, suggested, in.Assessment.Why())
		if c.Exceptional {
			note += fmt.Sprintf("; urgent and outside its windows by agreement: handled as a %s incident", c.Criticality)
		}
		w := Write{Events: []audit.Event{event(a, now, c, "change.assess", ch)}}
		w.Entries = append(w.Entries, entry(a, now, c, AssessedEntry, note))
		switch {
		case typeChanged || exceptionalChanged:
			void(a, now, &c, "type", &w)
		case window:
			void(a, now, &c, "schedule", &w)
		}
		w.Change = c
		return w, nil
	})
}

func validCriticality(c sla.Criticality) bool {
	return c == sla.C1 || c == sla.C2 || c == sla.C3 || c == sla.C4
}

// Approve records the customer's approval: by a user of the party holding
// A for change/approve in the environment's matrix (the customer's
// authorized contacts where the customer holds it). Nobody approves a
// change they implement; a second approval by the same person counts
// once. When the validation is in too, the change is approved. An
// exceptional change becomes an incident case when the customer approves.
func (s *Service) Approve(ctx context.Context, now time.Time, id accord.ID) (Change, error) {
	const op = "changes.Approve"
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Change{}, err
	}
	current, err := s.store.Get(ctx, scope, id)
	if err != nil {
		return Change{}, err
	}
	parties, err := s.raci.Approvers(ctx, current.EnvironmentID)
	if err != nil {
		return Change{}, accord.Wrap(op, err)
	}
	party, ok := Party(""), false
	for _, p := range parties {
		switch {
		case p == Customer && a.Role == accord.RoleCustomerContact && a.OrgID == current.OrgID:
			u, err := s.dir.GetUser(ctx, now, a.UserID)
			if err != nil {
				return Change{}, accord.Wrap(op, err)
			}
			if !u.AuthorizedContact {
				return Change{}, forbidden(op, "only the customer's authorized contacts approve a change")
			}
			party, ok = p, true
		case p == Reseller && a.Role == accord.RolePartnerAgent && current.ResellerID != "" && a.OrgID == current.ResellerID,
			p == Vendor && vendorStaff(a):
			party, ok = p, true
		}
	}
	if !ok {
		names := make([]string, len(parties))
		for i, p := range parties {
			names[i] = string(p)
		}
		return Change{}, forbidden(op, "the change is approved by the %s, who holds A for change approval in the environment's responsibility matrix", strings.Join(names, " or the "))
	}
	c, err := s.change(ctx, now, op, id, func(a accord.Actor, c Change, _ Locked) (Write, error) {
		return approve(a, now, c, KindApproval, party)
	})
	if err != nil || !c.Exceptional || c.IncidentCaseID != "" {
		return c, err
	}
	return s.openIncident(ctx, now, c)
}

// Validate records the vendor's validation by a second person, who is not
// the implementer.
func (s *Service) Validate(ctx context.Context, now time.Time, id accord.ID) (Change, error) {
	const op = "changes.Validate"
	return s.change(ctx, now, op, id, func(a accord.Actor, c Change, _ Locked) (Write, error) {
		if !vendorStaff(a) {
			return Write{}, forbidden(op, "a second person of the vendor validates a change")
		}
		return approve(a, now, c, KindValidation, Vendor)
	})
}

func approve(a accord.Actor, now time.Time, c Change, kind string, party Party) (Write, error) {
	op := "changes.Approve"
	if kind == KindValidation {
		op = "changes.Validate"
	}
	switch {
	case c.State != Assessed && c.State != Approved:
		return Write{}, conflict(op, "the change is %s; an assessed change is approved", c.State)
	case a.UserID != "" && a.UserID == c.ImplementerID:
		return Write{}, forbidden(op, "%s implements this change; nobody approves a change they implement (four eyes)", a.Name)
	case kind == KindValidation && c.ImplementerID == "":
		return Write{}, refuse(op, "implementer_id", "name the implementer in the assessment first: the validator must be someone else")
	}
	for _, ap := range c.Approvals {
		if ap.Kind == kind && ap.UserID == a.UserID {
			return Write{Change: c}, nil // approving twice counts once
		}
	}
	c.Approvals = append(c.Approvals, Approval{Kind: kind, Party: party, UserID: a.UserID, Name: a.Name, At: stamp(now)})
	k := ApprovedEntry
	if kind == KindValidation {
		k = Validated
	}
	var ch audit.Changes
	ch.Add(kind, nil, a.Name)
	ch.Add("party", nil, party)
	w := Write{Entries: []Entry{entry(a, now, c, k, "")}}
	if has(c, KindApproval) && has(c, KindValidation) && c.State == Assessed {
		ch.Add("state", c.State, Approved)
		c.State = Approved
	}
	w.Change = c
	w.Events = []audit.Event{event(a, now, c, "change."+kind, ch)}
	return w, nil
}

func has(c Change, kind string) bool {
	for _, ap := range c.Approvals {
		if ap.Kind == kind {
			return true
		}
	}
	return false
}

// lastApproval is when the last valid approval was given.
func lastApproval(c Change) time.Time {
	var t time.Time
	for _, ap := range c.Approvals {
		if ap.At.After(t) {
			t = ap.At
		}
	}
	return t
}

// openIncident opens the incident case an exceptional change becomes, at
// the criticality agreed, as the customer who approved it; its
// first-response clock runs under the support policy like any case's.
func (s *Service) openIncident(ctx context.Context, now time.Time, c Change) (Change, error) {
	const op = "changes.openIncident"
	start := "as soon as possible"
	if c.PlannedStart != nil {
		start = c.PlannedStart.UTC().Format(time.RFC3339)
	}
	env, err := s.envs.Environment(system(ctx), now, c.EnvironmentID)
	if err != nil {
		return c, accord.Wrap(op, err)
	}
	version := env.Version
	if version == "" {
		version = "unknown"
	}
	cs, err := s.cases.Open(ctx, now, cases.NewCase{OrgID: c.OrgID, Type: cases.Incident,
		Title: "Urgent change: " + c.Title,
		Details: cases.Details{Procedure: c.Plan, Version: version, Observed: c.Reason,
			Expected:    "The change is carried out: " + c.Title,
			Discovery:   fmt.Sprintf("Urgent change %s on %s, agreed by both sides outside its windows (planned start %s)", c.ID, c.EnvironmentName, start),
			Criticality: c.Criticality}})
	if err != nil {
		return c, accord.Wrap(op, err)
	}
	return s.change(system(ctx), now, op, c.ID, func(a accord.Actor, c Change, _ Locked) (Write, error) {
		if c.IncidentCaseID != "" {
			return Write{Change: c}, nil
		}
		c.IncidentCaseID = cs.ID
		var ch audit.Changes
		ch.Add("incident_case_id", nil, cs.ID)
		ch.Add("criticality", nil, cs.Criticality)
		return Write{Change: c, Entries: []Entry{entry(a, now, c, IncidentOpened, fmt.Sprintf("case #%d at %s", cs.Number, cs.Criticality))},
			Events: []audit.Event{event(a, now, c, "change.incident", ch)}}, nil
	})
}

// Schedule confirms an approved change's slot: it must fit its window
// (unless exceptional) and overlap no other change of the environment.
// Major changes are announced to the customer now (004).
func (s *Service) Schedule(ctx context.Context, now time.Time, id accord.ID) (Change, error) {
	const op = "changes.Schedule"
	current, err := s.Get(ctx, now, id)
	if err != nil {
		return Change{}, err
	}
	win, err := s.Windows(ctx, current.EnvironmentID)
	if err != nil {
		return Change{}, accord.Wrap(op, err)
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, c Change, l Locked) (Write, error) {
		switch {
		case !vendorStaff(a):
			return Write{}, forbidden(op, "the vendor's staff schedule changes")
		case c.State != Approved:
			return Write{}, conflict(op, "the change is %s; an approved change is scheduled", c.State)
		case c.PlannedStart == nil:
			return Write{}, accord.FieldError("planned_start", "is required to schedule the change")
		}
		if !c.Exceptional {
			if err := win.CheckSchedule(c); err != nil {
				return Write{}, err
			}
		}
		if err := noOverlap(l, c); err != nil {
			return Write{}, err
		}
		var ch audit.Changes
		ch.Add("state", c.State, Scheduled)
		ch.Add("planned_start", nil, timeText(c.PlannedStart))
		c.State = Scheduled
		note := fmt.Sprintf("%s, %d minutes", Local(*c.PlannedStart, win.Zone), c.Minutes)
		if c.Type == Major {
			note += "; a major change, announced to the customer"
		}
		return Write{Change: c, Entries: []Entry{entry(a, now, c, ScheduledEntry, note)}, Events: []audit.Event{event(a, now, c, "change.schedule", ch)}}, nil
	})
}

func noOverlap(l Locked, c Change) error {
	others, err := l.Overlapping(c.EnvironmentID, c.ID, *c.PlannedStart, c.End())
	if err != nil {
		return err
	}
	if len(others) > 0 {
		o := others[0]
		return &accord.Error{Kind: accord.Conflict, Field: "planned_start",
			Msg: fmt.Sprintf("overlaps change %s %q (%s, %s to %s) on the same environment", o.ID, o.Title, o.State,
				timeText(o.PlannedStart), o.End().UTC().Format(time.RFC3339))}
	}
	return nil
}

// Start begins a scheduled change. The four eyes must be in (approval and
// validation, neither by the implementer, which the starter becomes), and
// where the environment's backup policy asks for it, a snapshot taken
// after the last approval and at most the policy's limit ago.
func (s *Service) Start(ctx context.Context, now time.Time, id accord.ID) (Change, error) {
	const op = "changes.Start"
	current, err := s.Get(ctx, now, id)
	if err != nil {
		return Change{}, err
	}
	env, err := s.envs.Environment(system(ctx), now, current.EnvironmentID)
	if err != nil {
		return Change{}, accord.Wrap(op, err)
	}
	var snaps []Snapshot
	if env.SnapshotBeforeChange {
		maxAge := env.SnapshotMaxAge
		if maxAge <= 0 {
			maxAge = DefaultSnapshotMaxAge
		}
		since := now.Add(-maxAge)
		if snaps, err = s.envs.Snapshots(system(ctx), now, env.ID, since); err != nil {
			return Change{}, accord.Wrap(op, err)
		}
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, c Change, l Locked) (Write, error) {
		switch {
		case !vendorStaff(a):
			return Write{}, forbidden(op, "the vendor's staff carry out changes")
		case c.State != Scheduled:
			return Write{}, conflict(op, "the change is %s; a scheduled change is started", c.State)
		case !has(c, KindApproval) || !has(c, KindValidation):
			return Write{}, refuse(op, "approvals", "the change needs the customer's approval and a second vendor person's validation")
		case c.ImplementerID != "" && c.ImplementerID != a.UserID:
			return Write{}, forbidden(op, "%s implements this change", c.ImplementerName)
		}
		if err := inSlot(op, c, now); err != nil {
			return Write{}, err
		}
		for _, ap := range c.Approvals {
			if ap.UserID == a.UserID {
				return Write{}, forbidden(op, "%s approved this change; nobody implements a change they approved (four eyes)", a.Name)
			}
		}
		if env.SnapshotBeforeChange {
			after := lastApproval(c)
			ok := false
			for _, sn := range snaps {
				ok = ok || sn.TakenAt.After(after) && !sn.TakenAt.After(now)
			}
			if !ok {
				maxAge := env.SnapshotMaxAge
				if maxAge <= 0 {
					maxAge = DefaultSnapshotMaxAge
				}
				return Write{}, refuse(op, "snapshot", "the backup policy of %s asks for a snapshot before each change: record one taken after the last approval (%s) and at most %v before the start",
					env.Name, after.UTC().Format(time.RFC3339), maxAge)
			}
		}
		if err := noOverlap(l, Change{ID: c.ID, EnvironmentID: c.EnvironmentID, PlannedStart: ptr(now), Minutes: c.Minutes}); err != nil {
			return Write{}, err
		}
		var ch audit.Changes
		ch.Add("state", c.State, InProgress)
		if c.ImplementerID == "" {
			ch.Add("implementer_id", nil, a.UserID)
			c.ImplementerID, c.ImplementerName = a.UserID, a.Name
		}
		c.State, c.StartedAt = InProgress, ptr(stamp(now))
		return Write{Change: c, Entries: []Entry{entry(a, now, c, Started, "")}, Events: []audit.Event{event(a, now, c, "change.start", ch)}}, nil
	})
}

// EvidenceInput is one evidence file of an activity report.
type EvidenceInput struct {
	Name    string
	Content []byte
}

// ReportInput is the activity report that completes a change.
type ReportInput struct {
	WhatWasDone string          `json:"what_was_done"`
	Result      string          `json:"result"`
	Evidence    []EvidenceInput `json:"-"`
}

// Finish ends a change in progress: completed (with the activity report),
// failed or rolled back (with what happened). Major changes are announced
// to the customer when done.
func (s *Service) Finish(ctx context.Context, now time.Time, id accord.ID, to State, in ReportInput) (Change, error) {
	const op = "changes.Finish"
	if to != Completed && to != Failed && to != RolledBack {
		return Change{}, accord.FieldError("state", "must be completed, failed or rolled_back")
	}
	var ps []accord.Problem
	in.WhatWasDone = text(&ps, "what_was_done", in.WhatWasDone, true, maxText)
	in.Result = text(&ps, "result", in.Result, to == Completed, maxText)
	if err := accord.InvalidFields(op, ps); err != nil {
		return Change{}, err
	}
	var ups []Upload
	for _, f := range in.Evidence {
		up, err := s.upload("evidence", f.Name, f.Content)
		if err != nil {
			return Change{}, err
		}
		ups = append(ups, up)
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, c Change, _ Locked) (Write, error) {
		switch {
		case !vendorStaff(a):
			return Write{}, forbidden(op, "the vendor's staff report on changes")
		case !CanMove(c.State, to):
			return Write{}, conflict(op, "the change is %s; a change in progress is completed, failed or rolled back", c.State)
		}
		r := Report{WhatWasDone: in.WhatWasDone, Result: in.Result, Evidence: []File{}, At: stamp(now), ByID: a.UserID, By: a.Name}
		for _, up := range ups {
			r.Evidence = append(r.Evidence, up.File)
		}
		var ch audit.Changes
		ch.Add("state", c.State, to)
		ch.Add("evidence", nil, len(r.Evidence))
		c.State, c.EndedAt, c.Report = to, ptr(stamp(now)), &r
		k := map[State]EntryKind{Completed: CompletedEntry, Failed: FailedEntry, RolledBack: RolledBackEntry}[to]
		note := in.Result
		if c.Type == Major {
			note = strings.TrimSpace(note + " (a major change, announced to the customer)")
		}
		return Write{Change: c, Uploads: ups, Entries: []Entry{entry(a, now, c, k, note)}, Events: []audit.Event{event(a, now, c, "change."+string(to), ch)}}, nil
	})
}

// Cancel withdraws a change that has not started.
func (s *Service) Cancel(ctx context.Context, now time.Time, id accord.ID, reason string) (Change, error) {
	const op = "changes.Cancel"
	var ps []accord.Problem
	reason = text(&ps, "reason", reason, true, maxText)
	if err := accord.InvalidFields(op, ps); err != nil {
		return Change{}, err
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, c Change, _ Locked) (Write, error) {
		switch {
		case !isRequesterSide(a, c):
			return Write{}, forbidden(op, "the customer's contacts and the vendor's staff cancel a change")
		case !CanMove(c.State, Cancelled):
			return Write{}, conflict(op, "the change is %s; it can no longer be cancelled", c.State)
		}
		var ch audit.Changes
		ch.Add("state", c.State, Cancelled)
		ch.Add("reason", nil, reason)
		c.State, c.EndedAt = Cancelled, ptr(stamp(now))
		return Write{Change: c, Entries: []Entry{entry(a, now, c, CancelledEntry, reason)}, Events: []audit.Event{event(a, now, c, "change.cancel", ch)}}, nil
	})
}

// inSlot refuses a start outside the slot the customer approved,
// [planned_start, planned_start+duration): the approvals and the window
// check were given for that slot, not for whenever the implementer is
// ready. An exceptional change (handled as an incident) and an urgent
// minor change run when needed, so they start at any time.
func inSlot(op string, c Change, now time.Time) error {
	if c.Exceptional || c.Urgency == Urgent && c.Type == Minor || c.PlannedStart == nil {
		return nil
	}
	if now.Before(*c.PlannedStart) || !now.Before(c.End()) {
		return &accord.Error{Kind: accord.Unprocessable, Op: op, Field: "planned_start",
			Msg: fmt.Sprintf("the change is scheduled from %s to %s; it starts within that slot (now %s), or is scheduled again",
				c.PlannedStart.UTC().Format(time.RFC3339), c.End().UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)),
			Details: map[string]string{"planned_start": c.PlannedStart.UTC().Format(time.RFC3339), "planned_end": c.End().UTC().Format(time.RFC3339)}}
	}
	return nil
}

// checkSlot refuses a schedule that starts or ends where an instant cannot
// be recorded: the end is stored too, and one past 9999 could not be read
// back, breaking every list of the tenant's changes.
func checkSlot(start time.Time, minutes int) error {
	if err := accord.CheckInstant("planned_start", start); err != nil {
		return err
	}
	if end := start.Add(time.Duration(minutes) * time.Minute); end.After(accord.LatestInstant) {
		return accord.FieldError("planned_start", "must leave the change (%d minutes) to end by %s", minutes, accord.LatestInstant.Format(time.RFC3339))
	}
	return nil
}
