package web

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/environments"
)

// engagementRoutes are the professional services: the list (a board by
// state for the vendor), the request form, the services calendar with its
// feed, and the engagement page with one form target per action on it.
func (s *Server) engagementRoutes() []route {
	return []route{
		{"GET", "/engagements", s.engagementList, false},
		{"GET", "/engagements/new", s.newEngagementPage, false},
		{"POST", "/engagements/new", s.requestEngagement, false},
		{"GET", "/engagements/calendar", s.calendarPage, false},
		{"POST", "/engagements/calendar/feed", s.rotateFeed, false},
		{"GET", "/engagements/{id}", s.engagementPage, false},
		{"POST", "/engagements/{id}/quote", s.quoteEngagement, false},
		{"POST", "/engagements/{id}/accept", s.acceptEngagement, false},
		{"POST", "/engagements/{id}/schedule", s.scheduleEngagement, false},
		{"POST", "/engagements/{id}/start", s.startEngagement, false},
		{"POST", "/engagements/{id}/steps/{position}/complete", s.completeStep, false},
		{"POST", "/engagements/{id}/outcome", s.recordOutcome, false},
		{"POST", "/engagements/{id}/complete", s.completeEngagement, false},
		{"POST", "/engagements/{id}/sign-off", s.signOffEngagement, false},
		{"POST", "/engagements/{id}/cancel", s.cancelEngagement, false},
	}
}

// engagementCard is an engagement as the list and the board show it.
type engagementCard struct {
	engagements.Engagement
	Customer string
	Owed     []owed
}

// owed is one thing an engagement waits for, and from whom.
type owed struct {
	Parties []engagements.Party
	Key     string // the message key that says what is owed, if one does
	Step    int
	What    string // the step's title, or the domain's words when no key says it
}

// owedKeys translate what engagements.Waiting says is owed; anything
// else is shown in the domain's words.
var owedKeys = map[string]string{
	"a quote":                   "engagement.owes.quote",    // i18n: "engagement.owes.quote"
	"accepting the quote":       "engagement.owes.accept",   // i18n: "engagement.owes.accept"
	"booking the sessions":      "engagement.owes.schedule", // i18n: "engagement.owes.schedule"
	"starting the work":         "engagement.owes.start",    // i18n: "engagement.owes.start"
	"completing the engagement": "engagement.owes.complete", // i18n: "engagement.owes.complete"
	"signing off the result":    "engagement.owes.sign_off", // i18n: "engagement.owes.sign_off"
}

// owedBy is what e waits for; a step is named by its title.
func owedBy(e engagements.Engagement) []owed {
	out := make([]owed, 0, len(e.Waiting))
	for _, w := range e.Waiting {
		o := owed{Parties: w.Parties, Key: owedKeys[w.What], Step: w.Step, What: w.What}
		if w.Step > 0 && w.Step <= len(e.Steps) {
			o.What = e.Steps[w.Step-1].Title
		}
		out = append(out, o)
	}
	return out
}

type engagementListData struct {
	Board    bool
	Columns  []engagementColumn // the board: one column per state
	Cards    []engagementCard   // the list
	Choices  []directory.Organization
	States   []engagements.State
	NextPage string
	// CanRequest is false for auditors, who only read.
	CanRequest bool
}

type engagementColumn struct {
	State engagements.State
	Cards []engagementCard
}

// engagementList lists the engagements the reader may see, newest first;
// the vendor's staff see them by default as a board with a column per
// state, everyone else as a list (?view=board|list switches).
func (s *Server) engagementList(w http.ResponseWriter, r *http.Request) {
	ctx, now, rd, q := r.Context(), s.Now(), readerOf(r.Context()), r.URL.Query()
	data := engagementListData{States: engagements.States, Board: rd.vendor(), CanRequest: !rd.is(accord.RoleAuditor)}
	switch q.Get("view") {
	case "board":
		data.Board = true
	case "list":
		data.Board = false
	}
	names := map[accord.ID]string{}
	if !rd.is(accord.RoleCustomerContact) {
		var err error
		if data.Choices, names, err = s.customerOrgs(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	f := engagements.Filter{OrgID: accord.ID(q.Get("org_id")), State: engagements.State(q.Get("state"))}
	p := accord.Page{Cursor: q.Get("cursor")}
	if data.Board {
		p.Limit = accord.MaxLimit
	}
	list, next, err := s.Engagements.List(ctx, now, f, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.NextPage = nextPage("/engagements", q, next)
	// The list leaves sessions out; the cards of booked work show theirs,
	// read in one query (work booked more than a year ago is long done).
	booked := map[accord.ID][]engagements.Session{}
	if slices.ContainsFunc(list, func(e engagements.Engagement) bool {
		return e.State == engagements.Scheduled || e.State == engagements.InProgress
	}) {
		sessions, err := s.Engagements.Sessions(ctx, now, now.AddDate(-1, 0, 0), time.Time{})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, b := range sessions {
			booked[b.EngagementID] = append(booked[b.EngagementID], b.Session)
		}
	}
	for _, e := range list {
		if e.State == engagements.Scheduled || e.State == engagements.InProgress {
			e.Sessions = booked[e.ID]
		}
		data.Cards = append(data.Cards, engagementCard{Engagement: e, Customer: names[e.OrgID], Owed: owedBy(e)})
	}
	if data.Board {
		for _, st := range engagements.States {
			if f.State != "" && st != f.State {
				continue
			}
			col := engagementColumn{State: st}
			for _, c := range data.Cards {
				if c.State == st {
					col.Cards = append(col.Cards, c)
				}
			}
			data.Columns = append(data.Columns, col)
		}
	}
	s.render(w, r, http.StatusOK, "engagements", s.newPage(r, "engagement.list.title", &data))
}

// --- the request form

type engagementNewData struct {
	Catalog   int // the catalog version offered
	Currency  string
	Offerings []offering
	// Choices are the customers a partner or the vendor requests for; a
	// customer's contact requests for its own organization.
	Choices []directory.Organization
	// Environments are the managed environments the reader may see, one
	// of which a restore test may be about; EnvOrgs names their customers.
	Environments []environments.Environment
	EnvOrgs      map[accord.ID]string
}

// offering is a service of the catalog with its formats in order.
type offering struct {
	Key string
	engagements.Offering
	Formats []offeringFormat
}

type offeringFormat struct {
	Key string
	engagements.Format
}

func (s *Server) engagementNewData(r *http.Request) (*engagementNewData, error) {
	v, cat, err := s.Engagements.CurrentCatalog(r.Context())
	if err != nil {
		return nil, err
	}
	data := &engagementNewData{Catalog: v.Number, Currency: cat.Rates.Currency}
	for _, key := range slices.Sorted(maps.Keys(cat.Services)) {
		o := offering{Key: key, Offering: cat.Services[key]}
		for _, fk := range o.FormatKeys() {
			o.Formats = append(o.Formats, offeringFormat{Key: fk, Format: o.Offering.Formats[fk]})
		}
		data.Offerings = append(data.Offerings, o)
	}
	slices.SortStableFunc(data.Offerings, func(a, b offering) int { return cmp.Compare(a.Name, b.Name) })
	if !readerOf(r.Context()).is(accord.RoleCustomerContact) {
		if data.Choices, data.EnvOrgs, err = s.customerOrgs(r); err != nil {
			return nil, err
		}
	}
	if s.Environments != nil {
		if data.Environments, err = s.Environments.List(r.Context(), environments.Filter{}); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// newEngagementPage offers the current catalog's services; ?case= comes
// from a case marked out of support's scope, and ?org_id= from a customer.
func (s *Server) newEngagementPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.engagementNewData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "engagement_new", s.newPage(r, "engagement.new.title", data))
}

func (s *Server) requestEngagement(w http.ResponseWriter, r *http.Request) {
	data, err := s.engagementNewData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "engagement.new.title", data)
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "engagement_new", p)
		return
	}
	f := r.PostForm
	in := engagements.RequestInput{OrgID: accord.ID(f.Get("org_id")), Service: f.Get("service"), Format: f.Get("format"),
		Scope: f.Get("scope"), CaseID: accord.ID(f.Get("case_id")), EnvironmentID: accord.ID(f.Get("environment_id"))}
	e, err := s.Engagements.Request(r.Context(), s.Now(), in)
	if err != nil {
		s.failForm(w, r, err, "engagement_new", p)
		return
	}
	s.done(w, r, engagementPath(e.ID), "engagement.requested")
}
