package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/engagements"
)

// engagementPath is the page of engagement id, where every action on it
// returns.
func engagementPath(id accord.ID) string { return "/engagements/" + url.PathEscape(string(id)) }

type engagementData struct {
	formSet
	engagementCard
	// Offering is the service as the current catalog describes it; nil
	// when the catalog no longer has it.
	Offering *engagements.Offering
	Currency string
	// Party is the reader's side of the engagement, "" when they have none
	// (an auditor, a partner that is not on it); Provides says whether
	// they work for whoever delivers it.
	Party    engagements.Party
	Provides bool
	// Executing says the first session's day has come: the work may start
	// and the steps that are not preparation may be done.
	Executing bool
	// Engineers and Rows fill the scheduling form.
	Engineers []directory.User
	Rows      []sessionRow
}

// The Can methods say which forms the reader is shown. They follow the
// service's rules so that nobody is offered what will be refused; the
// service decides again when a form is sent.

func (d *engagementData) in(states ...engagements.State) bool {
	return slices.Contains(states, d.State)
}

func (d *engagementData) CanQuote() bool {
	return (d.Party == engagements.Vendor || d.Party == engagements.Reseller) && d.in(engagements.Requested, engagements.Quoted)
}

func (d *engagementData) CanAccept() bool {
	return d.Party == engagements.Customer && d.in(engagements.Quoted)
}

func (d *engagementData) CanSchedule() bool {
	return d.Provides && d.in(engagements.Accepted, engagements.Scheduled, engagements.InProgress)
}

func (d *engagementData) CanStart() bool {
	return d.Provides && d.in(engagements.Scheduled) && d.Executing
}

func (d *engagementData) CanStep(st engagements.Step) bool {
	return d.mayWorkOn(st) && (st.IsPreparation() || d.Executing)
}

// WaitsForTheDay says the reader's step is part of the execution, which
// waits for the first session's day.
func (d *engagementData) WaitsForTheDay(st engagements.Step) bool {
	return d.mayWorkOn(st) && !st.IsPreparation() && !d.Executing
}

func (d *engagementData) mayWorkOn(st engagements.Step) bool {
	return st.DoneAt == nil && d.Party != "" && slices.Contains(st.Parties, d.Party) &&
		d.in(engagements.Accepted, engagements.Scheduled, engagements.InProgress)
}

// Booked writes the minutes a shortfall's sessions add up to: "4h",
// "5h30m".
func (d *engagementData) Booked(minutes int) string {
	return strings.TrimSuffix(strings.TrimSuffix((time.Duration(minutes)*time.Minute).String(), "0s"), "0m")
}

func (d *engagementData) CanRecordOutcome() bool {
	measures := d.Outcome != nil || (d.Offering != nil && len(d.Offering.Measures) > 0)
	return measures && (d.Provides || d.Party == engagements.Customer) && d.in(engagements.InProgress, engagements.Completed)
}

func (d *engagementData) CanComplete() bool { return d.Provides && d.in(engagements.InProgress) }

func (d *engagementData) CanSignOff() bool {
	return d.Party == engagements.Customer && d.in(engagements.Completed)
}

func (d *engagementData) CanCancel() bool {
	return (d.Provides || d.Party == engagements.Customer) &&
		!d.in(engagements.Completed, engagements.SignedOff, engagements.Cancelled)
}

// Money writes an amount of the quote's currency.
func (d *engagementData) Money(cents int64) string {
	return engagements.Money(cents).String() + " " + d.Currency
}

// QuoteHours is what the quote form proposes: the hours quoted, else the
// service's minimum; nothing for a fixed-price service.
func (d *engagementData) QuoteHours() string {
	switch {
	case d.Quote != nil && d.Quote.Hours > 0:
		return strconv.Itoa(d.Quote.Hours)
	case d.Offering != nil && d.Offering.FixedPrice == nil:
		return strconv.Itoa(d.Offering.MinimumHours)
	}
	return ""
}

// FormatName is the name of the format the engagement was requested in.
func (d *engagementData) FormatName() string {
	if d.Offering != nil {
		if f, ok := d.Offering.Formats[d.Format]; ok {
			return f.Name.String()
		}
	}
	return d.Format
}

// QuoteHas reports whether the quote carries a surcharge or condition:
// on_site, outside_home_city or out_of_hours.
func (d *engagementData) QuoteHas(flag string) bool {
	if d.Quote == nil {
		return false
	}
	switch flag {
	case "on_site":
		return d.Quote.OnSite
	case "outside_home_city":
		return d.Quote.OutsideHomeCity
	case "out_of_hours":
		return d.Quote.OutOfHours
	}
	return false
}

// OutcomeInstants are the outcome form's instants, in the order a test
// meets them.
func (d *engagementData) OutcomeInstants() []string {
	return []string{"failure_at", "restored_at", "data_point_at"}
}

// OutcomeInstant is a recorded instant as the outcome form's input holds
// it, in the reader's zone.
func (d *engagementData) OutcomeInstant(field string) string {
	if d.Outcome == nil {
		return ""
	}
	c := clock{zone: d.page.Reader.Zone}
	switch field {
	case "failure_at":
		return c.inputValue(d.Outcome.FailureAt)
	case "restored_at":
		return c.inputValue(d.Outcome.RestoredAt)
	case "data_point_at":
		return c.inputValue(d.Outcome.DataPointAt)
	}
	return ""
}

// OutcomeObjective is the recorded objective of "rto" or "rpo", in minutes.
func (d *engagementData) OutcomeObjective(which string) string {
	if d.Outcome == nil {
		return ""
	}
	m := d.Outcome.RTOObjectiveMinutes
	if which == "rpo" {
		m = d.Outcome.RPOObjectiveMinutes
	}
	if m == nil {
		return ""
	}
	return strconv.Itoa(*m)
}

// OutcomeNotes and OutcomeActions are the recorded notes and actions, as
// the outcome form's text areas hold them.
func (d *engagementData) OutcomeNotes() string {
	if d.Outcome == nil {
		return ""
	}
	return d.Outcome.Notes
}

func (d *engagementData) OutcomeActions() string {
	if d.Outcome == nil {
		return ""
	}
	return strings.Join(d.Outcome.Actions, "\n")
}

// Verdict says whether a measure met its objective: "met", "missed", or
// "" without an objective.
func (d *engagementData) Verdict(m *engagements.Measure) string {
	switch {
	case m == nil || m.Met == nil:
		return ""
	case *m.Met:
		return "met"
	}
	return "missed"
}

// partyOf is the side of e the reader stands on, as the engagements
// service sees it: auditors and partners not on it have none.
func partyOf(rd reader, e engagements.Engagement) engagements.Party {
	switch {
	case rd.is(accord.RoleAdmin, accord.RoleAgent):
		return engagements.Vendor
	case rd.is(accord.RolePartnerAgent) && e.ResellerID != "" && rd.Actor.OrgID == e.ResellerID:
		return engagements.Reseller
	case rd.is(accord.RoleCustomerContact) && rd.Actor.OrgID == e.OrgID:
		return engagements.Customer
	}
	return ""
}

// engagementPage shows everything about an engagement, with the forms of
// the moves the reader may make.
func (s *Server) engagementPage(w http.ResponseWriter, r *http.Request) {
	s.showEngagement(w, r, accord.ID(r.PathValue("id")), "", nil)
}

// showEngagement renders the engagement page; after a refused form, sent
// names it and err says why.
func (s *Server) showEngagement(w http.ResponseWriter, r *http.Request, id accord.ID, sent string, err error) {
	ctx, now, rd := r.Context(), s.Now(), readerOf(r.Context())
	e, gerr := s.Engagements.Get(ctx, now, id)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	e = s.Engagements.Localize(ctx, e, rd.Locale)
	data := &engagementData{engagementCard: engagementCard{Engagement: e, Owed: owedBy(e)}, Party: partyOf(rd, e)}
	data.Provides = data.Party == engagements.Vendor || (data.Party == engagements.Reseller && e.Provider == engagements.Reseller)
	p := s.newPage(r, "engagement.title", data)
	data.page, data.sent = p, sent
	org, gerr := s.Directory.GetOrganization(ctx, now, e.OrgID)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	data.Customer = org.Name
	_, cat, gerr := s.Engagements.CurrentCatalog(ctx)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	data.Currency = cat.Rates.Currency
	if e.Quote != nil {
		data.Currency = e.Quote.Currency
	}
	if o, ok := cat.Services[e.Service]; ok {
		o = o.In(rd.Locale)
		data.Offering = &o
	}
	from, gerr := s.Engagements.ExecutionFrom(ctx, e)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	data.Executing = from != nil && !now.Before(*from)
	if data.CanSchedule() {
		if data.Engineers, gerr = s.engineers(r, e); gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		var typed url.Values
		if sent == "schedule" {
			typed = r.PostForm
		}
		data.Rows = scheduleRows(e, typed, rd.Zone, now)
	}
	if err != nil {
		s.failForm(w, r, err, "engagement", p)
		return
	}
	s.render(w, r, http.StatusOK, "engagement", p)
}

// engineers are the people the reader may book for e: the active staff of
// the reader's own organization, the vendor or the delivering reseller.
func (s *Server) engineers(r *http.Request, e engagements.Engagement) ([]directory.User, error) {
	return s.agentsOf(r)
}

// onEngagement answers a form on the engagement page: act reads the form
// and makes the move; success returns to the page with the notice flash,
// a refusal shows the page again with the form that was sent.
func (s *Server) onEngagement(w http.ResponseWriter, r *http.Request, form, flash string, maxFile int64, act func(id accord.ID) error) {
	id := accord.ID(r.PathValue("id"))
	err := parseForm(w, r, maxFile)
	if err == nil {
		err = act(id)
	}
	if err != nil {
		s.showEngagement(w, r, id, form, err)
		return
	}
	s.done(w, r, engagementPath(id), flash)
}

func (s *Server) acceptEngagement(w http.ResponseWriter, r *http.Request) {
	s.onEngagement(w, r, "accept", "engagement.accepted", 0, func(id accord.ID) error {
		_, err := s.Engagements.Accept(r.Context(), s.Now(), id)
		return err
	})
}

func (s *Server) startEngagement(w http.ResponseWriter, r *http.Request) {
	s.onEngagement(w, r, "start", "engagement.started", 0, func(id accord.ID) error {
		_, err := s.Engagements.Start(r.Context(), s.Now(), id)
		return err
	})
}

func (s *Server) completeEngagement(w http.ResponseWriter, r *http.Request) {
	s.onEngagement(w, r, "complete", "engagement.completed", 0, func(id accord.ID) error {
		_, err := s.Engagements.Complete(r.Context(), s.Now(), id)
		return err
	})
}

func (s *Server) signOffEngagement(w http.ResponseWriter, r *http.Request) {
	s.onEngagement(w, r, "sign_off", "engagement.signed_off", 0, func(id accord.ID) error {
		_, err := s.Engagements.SignOff(r.Context(), s.Now(), id, engagements.SignOffInput{Note: r.PostForm.Get("note")})
		return err
	})
}

func (s *Server) cancelEngagement(w http.ResponseWriter, r *http.Request) {
	s.onEngagement(w, r, "cancel", "engagement.cancelled", 0, func(id accord.ID) error {
		_, err := s.Engagements.Cancel(r.Context(), s.Now(), id, engagements.CancelInput{Reason: r.PostForm.Get("reason")})
		return err
	})
}
