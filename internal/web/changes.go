package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/changes"
	"accord/internal/directory"
	"accord/internal/environments"
	"accord/internal/sla"
)

// changeRoutes are the change requests on managed environments: the list,
// the request form, and the change page with one form target per action.
func (s *Server) changeRoutes() []route {
	if s.Changes == nil {
		return nil
	}
	return []route{
		{"GET", "/changes", s.changeList, false},
		{"GET", "/changes/new", s.newChangePage, false},
		{"POST", "/changes/new", s.requestChange, false},
		{"GET", "/changes/{id}", s.changePage, false},
		{"POST", "/changes/{id}/submit", s.changeMove("submit", "change.submitted_flash", s.Changes.Submit), false},
		{"POST", "/changes/{id}/assess", s.assessChange, false},
		{"POST", "/changes/{id}/reschedule", s.rescheduleChange, false},
		{"POST", "/changes/{id}/approve", s.changeMove("approve", "change.approved_flash", s.Changes.Approve), false},
		{"POST", "/changes/{id}/validate", s.changeMove("validate", "change.validated_flash", s.Changes.Validate), false},
		{"POST", "/changes/{id}/schedule", s.changeMove("schedule", "change.scheduled_flash", s.Changes.Schedule), false},
		{"POST", "/changes/{id}/start", s.changeMove("start", "change.started_flash", s.Changes.Start), false},
		{"POST", "/changes/{id}/finish", s.finishChange, false},
		{"POST", "/changes/{id}/cancel", s.cancelChange, false},
	}
}

func changePath(id accord.ID) string { return "/changes/" + string(id) }

type changeListData struct {
	Changes  []changes.Change
	States   []changes.State
	NextPage string
	// CanRequest: customers' contacts and the vendor's agents request changes.
	CanRequest bool
}

func (s *Server) changeList(w http.ResponseWriter, r *http.Request) {
	ctx, now, rd, q := r.Context(), s.Now(), readerOf(r.Context()), r.URL.Query()
	f := changes.Filter{EnvironmentID: accord.ID(q.Get("environment_id")), State: changes.State(q.Get("state"))}
	list, next, err := s.Changes.List(ctx, now, f, accord.Page{Cursor: q.Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := &changeListData{Changes: list, States: changes.States, NextPage: nextPage("/changes", q, next),
		CanRequest: rd.is(accord.RoleCustomerContact, accord.RoleAdmin, accord.RoleAgent)}
	s.render(w, r, http.StatusOK, "changes", s.newPage(r, "change.list.title", data))
}

type changeNewData struct {
	Environments []environments.Environment
}

func (s *Server) changeNewData(r *http.Request) (*changeNewData, error) {
	envs, err := s.Environments.List(r.Context(), environments.Filter{})
	return &changeNewData{Environments: envs}, err
}

func (s *Server) newChangePage(w http.ResponseWriter, r *http.Request) {
	data, err := s.changeNewData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "change_new", s.newPage(r, "change.new.title", data))
}

func (s *Server) requestChange(w http.ResponseWriter, r *http.Request) {
	data, err := s.changeNewData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "change.new.title", data)
	if err := parseForm(w, r, maxChangeFile); err != nil {
		s.failForm(w, r, err, "change_new", p)
		return
	}
	f := r.PostForm
	in := changes.RequestInput{EnvironmentID: accord.ID(f.Get("environment_id")), Title: f.Get("title"), Reason: f.Get("reason"),
		Description: f.Get("description"), Plan: f.Get("implementation_plan"), BackoutPlan: f.Get("backout_plan"),
		NeedsShutdown: f.Get("needs_shutdown") == "on", Urgency: changes.Urgency(f.Get("urgency"))}
	in.Minutes, err = formMinutes(f.Get("duration_minutes"))
	if err == nil && f.Get("planned_start") != "" {
		var at time.Time
		at, err = s.caseLocalTime(r, "planned_start", f.Get("planned_start"))
		in.PlannedStart = &at
	}
	var c changes.Change
	if err == nil {
		c, err = s.Changes.Request(r.Context(), s.Now(), in)
	}
	if err == nil {
		if file, head, ferr := r.FormFile("script"); ferr == nil {
			content, rerr := io.ReadAll(file)
			_ = file.Close()
			if err = rerr; err == nil {
				_, err = s.Changes.AttachScript(r.Context(), s.Now(), c.ID, head.Filename, content)
			}
		}
	}
	if err != nil {
		s.failForm(w, r, err, "change_new", p)
		return
	}
	s.done(w, r, changePath(c.ID), "change.requested_flash")
}

// maxChangeFile bounds a script or evidence file sent from a page.
const maxChangeFile = 20 << 20

func formMinutes(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, accord.FieldError("duration_minutes", "must be a whole number of minutes")
	}
	return n, nil
}

// changeData is what the change page shows and which of its forms the
// reader may use.
type changeData struct {
	changes.Change
	page     *page
	sent     string
	Timeline []changes.Entry
	// Suggested is the type the assessment's answers point to, and Why.
	Suggested changes.Type
	Why       string
	Need      changes.Need
	// NextStart is the next allowed start when the schedule does not fit.
	NextStart *time.Time
	Windows   changes.WindowList
	// Snapshot says where the backup policy's gate stands.
	SnapshotRequired bool
	SnapshotMaxAge   time.Duration
	SnapshotAt       *time.Time // the newest snapshot after the last approval
	Implementers     []directory.User
	Criticalities    []sla.Criticality
	Approval         bool // the customer's approval is in
	Validation       bool // the vendor's validation is in

	// The choices of the forms, and the schedule as its input shows it.
	Criteria, Levels, Reversibilities, Types, Outcomes []string
	StartInput                                         string

	// Buttons: the form sent was a button without fields, whose refusal
	// is shown at the top whatever field it names.
	Buttons bool

	CanEdit, CanAssess, CanApprove, CanValidate, CanSchedule, CanStart, CanFinish, CanCancel, CanSubmit bool
}

// Form is the form a field belongs to when the page is shown again after
// a refusal: the one sent keeps what was typed.
func (d *changeData) Form(name string) *page {
	if d.sent == name {
		return d.page
	}
	return &page{Reader: d.page.Reader, Now: d.page.Now}
}

func (s *Server) changePage(w http.ResponseWriter, r *http.Request) {
	s.showChange(w, r, accord.ID(r.PathValue("id")), "", nil)
}

func (s *Server) showChange(w http.ResponseWriter, r *http.Request, id accord.ID, sent string, err error) {
	ctx, now, rd := r.Context(), s.Now(), readerOf(r.Context())
	c, gerr := s.Changes.Get(ctx, now, id)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	data := &changeData{Change: c, Need: changes.NeedOf(c), Criticalities: []sla.Criticality{sla.C1, sla.C2, sla.C3, sla.C4}}
	data.Criteria, data.Levels = []string{"complexity", "importance", "impact"}, []string{"low", "medium", "high"}
	data.Reversibilities, data.Types = []string{"easy", "hard", "impossible"}, []string{"minor", "medium", "major"}
	data.Outcomes = []string{string(changes.Completed), string(changes.Failed), string(changes.RolledBack)}
	if c.PlannedStart != nil {
		data.StartInput = c.PlannedStart.In(rd.Zone).Format("2006-01-02T15:04")
	}
	p := s.newPage(r, "change.title", data)
	data.page, data.sent = p, sent
	switch sent {
	case "submit", "approve", "validate", "schedule", "start":
		data.Buttons = true
	}
	if data.Timeline, gerr = s.Changes.Timeline(ctx, now, id); gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	if c.Assessment != nil {
		data.Suggested, data.Why = c.Assessment.Suggest(), s.why(rd.Locale, *c.Assessment)
	}
	if data.Windows, gerr = s.Changes.ListWindows(ctx, now, c.EnvironmentID); gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	if win, werr := s.Changes.Windows(ctx, c.EnvironmentID); werr == nil && c.PlannedStart != nil {
		d := time.Duration(c.Minutes) * time.Minute
		if !win.Fits(data.Need, *c.PlannedStart, d) {
			if next, ok := win.Next(data.Need, *c.PlannedStart, d); ok {
				data.NextStart = &next
			}
		}
	}
	env, gerr := s.Environments.Get(ctx, c.EnvironmentID)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	data.SnapshotRequired, data.SnapshotMaxAge = env.Backup.SnapshotBeforeChange, env.Backup.SnapshotMaxAge
	var last time.Time
	for _, ap := range c.Approvals {
		data.Approval = data.Approval || ap.Kind == changes.KindApproval
		data.Validation = data.Validation || ap.Kind == changes.KindValidation
		if ap.At.After(last) {
			last = ap.At
		}
	}
	if data.SnapshotRequired && len(c.Approvals) > 0 {
		snaps, serr := s.Environments.Snapshots(ctx, c.EnvironmentID, last)
		if serr != nil {
			s.fail(w, r, serr)
			return
		}
		for _, sn := range snaps {
			if sn.TakenAt.After(last) {
				at := sn.TakenAt
				data.SnapshotAt = &at
				break
			}
		}
	}
	staff := rd.is(accord.RoleAdmin, accord.RoleAgent)
	customer := rd.is(accord.RoleCustomerContact)
	live := !c.State.Ended() && c.State != changes.InProgress
	data.CanEdit = (staff || customer) && live
	data.CanSubmit = (staff || customer) && c.State == changes.Draft
	data.CanCancel = (staff || customer) && changes.CanMove(c.State, changes.Cancelled)
	data.CanAssess = staff && (c.State == changes.Submitted || c.State == changes.Assessed || c.State == changes.Approved || c.State == changes.Scheduled)
	data.CanApprove = customer && (c.State == changes.Assessed || c.State == changes.Approved) && !data.Approval
	data.CanValidate = staff && (c.State == changes.Assessed || c.State == changes.Approved) && !data.Validation && rd.Actor.UserID != c.ImplementerID
	data.CanSchedule = staff && c.State == changes.Approved
	data.CanStart = staff && c.State == changes.Scheduled
	data.CanFinish = staff && c.State == changes.InProgress
	if data.CanAssess {
		if data.Implementers, gerr = s.agentsOf(r); gerr != nil {
			s.fail(w, r, gerr)
			return
		}
	}
	if err != nil {
		s.failForm(w, r, s.localRefusal(rd, err), "change", p)
		return
	}
	s.render(w, r, http.StatusOK, "change", p)
}

// localRefusal says a refused schedule or start in the reader's language
// and clock: the service's message is English and in UTC, for the API.
// The facts come from the error's details, so nothing is parsed from text.
func (s *Server) localRefusal(rd reader, err error) error {
	var e *accord.Error
	if !errors.As(err, &e) || e.Field != "planned_start" {
		return err
	}
	c := clock{zone: rd.Zone, msgs: s.msgs, loc: rd.Locale}
	at := func(key string) (string, bool) {
		t, perr := time.Parse(time.RFC3339, e.Details[key])
		return c.when(t), perr == nil
	}
	local := *e
	if next, ok := at("next_allowed_start"); ok {
		local.Msg = s.msgs.text(rd.Locale, "change.schedule_refused", next)
	} else if from, ok := at("planned_start"); ok && e.Kind == accord.Unprocessable {
		to, _ := at("planned_end")
		local.Msg = s.msgs.text(rd.Locale, "change.start_outside_slot", from, to)
	} else {
		return err
	}
	return &local
}

// onChange answers a form of the change page: act makes the move; success
// returns to the page with the flash, a refusal shows the page again.
func (s *Server) onChange(w http.ResponseWriter, r *http.Request, form, flash string, maxFile int64, act func(id accord.ID) error) {
	id := accord.ID(r.PathValue("id"))
	err := parseForm(w, r, maxFile)
	if err == nil {
		err = act(id)
	}
	if err != nil {
		s.showChange(w, r, id, form, err)
		return
	}
	s.done(w, r, changePath(id), flash)
}

func (s *Server) changeMove(form, flash string, move func(ctx context.Context, now time.Time, id accord.ID) (changes.Change, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.onChange(w, r, form, flash, 0, func(id accord.ID) error {
			_, err := move(r.Context(), s.Now(), id)
			return err
		})
	}
}

func (s *Server) assessChange(w http.ResponseWriter, r *http.Request) {
	s.onChange(w, r, "assess", "change.assessed_flash", 0, func(id accord.ID) error {
		f := r.PostForm
		in := changes.AssessInput{Assessment: changes.Assessment{Complexity: changes.Level(f.Get("complexity")),
			Importance: changes.Level(f.Get("importance")), Impact: changes.Level(f.Get("impact")),
			Reversibility: changes.Reversibility(f.Get("reversibility"))},
			Type: changes.Type(f.Get("type")), Reason: f.Get("reason"), ImplementerID: accord.ID(f.Get("implementer_id")),
			Exceptional: f.Get("exceptional") == "on", Criticality: sla.Criticality(f.Get("criticality"))}
		if v := f.Get("planned_start"); v != "" {
			at, err := s.caseLocalTime(r, "planned_start", v)
			if err != nil {
				return err
			}
			in.PlannedStart = &at
		}
		if v := f.Get("duration_minutes"); v != "" {
			n, err := formMinutes(v)
			if err != nil {
				return err
			}
			in.Minutes = &n
		}
		_, err := s.Changes.Assess(r.Context(), s.Now(), id, in)
		return err
	})
}

func (s *Server) rescheduleChange(w http.ResponseWriter, r *http.Request) {
	s.onChange(w, r, "reschedule", "change.rescheduled_flash", 0, func(id accord.ID) error {
		f := r.PostForm
		var in changes.EditInput
		at, err := s.caseLocalTime(r, "planned_start", f.Get("planned_start"))
		if err != nil {
			return err
		}
		in.PlannedStart = &at
		n, err := formMinutes(f.Get("duration_minutes"))
		if err != nil {
			return err
		}
		in.Minutes = &n
		_, err = s.Changes.Edit(r.Context(), s.Now(), id, in)
		return err
	})
}

func (s *Server) finishChange(w http.ResponseWriter, r *http.Request) {
	s.onChange(w, r, "finish", "change.finished_flash", maxChangeFile, func(id accord.ID) error {
		f := r.PostForm
		in := changes.ReportInput{WhatWasDone: f.Get("what_was_done"), Result: f.Get("result")}
		if file, head, err := r.FormFile("file"); err == nil {
			content, err := io.ReadAll(file)
			_ = file.Close()
			if err != nil {
				return err
			}
			in.Evidence = []changes.EvidenceInput{{Name: head.Filename, Content: content}}
		}
		_, err := s.Changes.Finish(r.Context(), s.Now(), id, changes.State(f.Get("outcome")), in)
		return err
	})
}

func (s *Server) cancelChange(w http.ResponseWriter, r *http.Request) {
	s.onChange(w, r, "cancel", "change.cancelled_flash", 0, func(id accord.ID) error {
		_, err := s.Changes.Cancel(r.Context(), s.Now(), id, r.PostForm.Get("reason"))
		return err
	})
}

// why says in the reader's language why the answers suggest their type.
func (s *Server) why(locale string, a changes.Assessment) string {
	rule, sum := a.Rule()
	if rule == changes.RuleIrreversible || rule == changes.RuleHighImpact {
		return s.msgs.text(locale, "change.why."+rule)
	}
	return s.msgs.text(locale, "change.why."+rule, sum)
}
