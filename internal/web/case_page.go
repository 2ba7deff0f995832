package web

import (
	"net/http"
	"slices"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/changes"
	"accord/internal/directory"
	"accord/internal/kb"
	"accord/internal/macros"
	"accord/internal/products"
	"accord/internal/signals"
	"accord/internal/sla"
)

type casePageData struct {
	Case     cases.Case
	Org      string
	Assignee string // for agents: who has the case, "" when nobody
	Explain  cases.Explanation
	Entries  []caseEntry
	Can      caseCan
	// What the action forms offer.
	Crits    []caseCrit
	RefKinds []cases.ReferenceKind
	RefRows  []int
	// KBHits are the articles the reply form's knowledge-base search found,
	// to insert a link to one.
	KBHits       []kb.Hit
	Scopes       []string
	Enhancements []cases.State
	MaxMinutes   int
	// Assignable are the people an agent may give the case to: the active
	// agents of the reader's own organization.
	Assignable []directory.User
	// Presence: the reader is an agent, shown the colleagues on the case
	// (Present) and polling for them.
	Presence bool
	Present  []signals.Presence
	// Rating is the customer's rating of the closed case, if given.
	Rating *signals.Rating
	// Teams are the teams whose queue the case may move to; Team names the
	// case's own, when the reader can see it.
	Teams []cases.Team
	Team  string
	// Override: the reader may set the senior-engineer rule aside.
	Override bool
	// Macros are those the reader may insert into the reply; MacroNote
	// says which language the one the picker just put there is in.
	Macros    []macros.Macro
	MacroNote string
	// Change is the change request an incident case was opened for: an
	// urgent change run outside its window by agreement.
	Change *changes.Change
	// Upgrade is the customer's installation the case's version detail
	// would update, suggested to vendor staff (products.Service.Suggest).
	Upgrade *products.Suggestion

	page   *page
	failed string // the action whose form is shown again
}

// caseEntry is a timeline entry with what the page needs to say about it.
type caseEntry struct {
	cases.Entry
	// Decision marks the customer's answer to a remote session, as
	// opposed to the agent's proposal (which the answer also updates).
	Decision bool
	// CanDecide: the reader may accept or decline this proposal now.
	CanDecide bool
	// Assignee names whom an assignment gave the case to.
	Assignee string
}

// caseCan says which actions the page offers the reader on the case in its
// state. It only spares people forms that would be refused: the service
// decides again on every post.
type caseCan struct {
	Write      bool // reply and attach files
	Work       bool // agents: internal notes, references, requests for information
	Support    bool // the support workflow applies: not an enhancement, not closed
	Call       bool
	Reclassify bool
	Session    bool
	Resolve    bool
	Hold       bool // put on hold for the customer, with a reason
	OutOfScope bool
	Assign     bool // agents: give the case to a colleague, or to nobody
	Take       bool // agents: the case is not theirs, offer to take it
	Confirm    bool
	Reopen     bool
	Enhance    bool
	Rate       bool // the customer's contacts: rate the closed case
}

// caseRefRows is how many reference rows the reply form offers without
// scripts; rows left blank are not sent.
const caseRefRows = 3

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	p, err := s.casePageOf(r, accord.ID(r.PathValue("id")), "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "case", p)
}

// casePageOf reads the case, its clock's explanation and its timeline as
// the reader may see them; failed names the action whose form is to be
// shown again.
func (s *Server) casePageOf(r *http.Request, id accord.ID, failed string) (*page, error) {
	ctx, now, rd := r.Context(), s.Now(), readerOf(r.Context())
	x, err := s.Cases.ExplainIn(ctx, now, id, rd.Locale)
	if err != nil {
		return nil, err
	}
	c, err := s.Cases.Get(ctx, now, id)
	if err != nil {
		return nil, err
	}
	timeline, err := s.Cases.Timeline(ctx, now, id)
	if err != nil {
		return nil, err
	}
	org, err := s.Directory.GetOrganization(ctx, now, c.OrgID)
	if err != nil {
		return nil, err
	}
	// The criticalities are defined as the policy the case was opened under
	// defined them.
	pol, err := s.Policy.Version(ctx, c.Clock.PolicyVersion)
	if err != nil {
		return nil, err
	}
	pol = pol.In(rd.Locale)
	d := &casePageData{
		Case: c, Org: org.Name, Explain: x, Can: caseCanOn(rd, c), Crits: caseCrits(pol),
		RefKinds: []cases.ReferenceKind{cases.KnowledgeBase, cases.KnownIssue, cases.LogRequest},
		RefRows:  make([]int, caseRefRows), Scopes: cases.ScopeCategories(), MaxMinutes: int(cases.MaxSession.Minutes()),
		Enhancements: []cases.State{cases.UnderAnalysis, cases.Accepted, cases.Declined, cases.Delivered},
		failed:       failed,
	}
	for i := range d.RefRows {
		d.RefRows[i] = i
	}
	if d.Can.Assign {
		if d.Assignable, err = s.agentsOf(r); err != nil {
			return nil, err
		}
		if d.Teams, err = s.Cases.Teams(ctx, now, cases.TeamFilter{}); err != nil {
			return nil, err
		}
		for _, t := range d.Teams {
			if t.ID == c.TeamID {
				d.Team = t.Name
			}
		}
		d.Override = c.SeniorRequired && rd.is(accord.RoleAdmin)
	}
	if d.Can.Work {
		if d.Macros, err = s.Macros.List(ctx, now, ""); err != nil {
			return nil, err
		}
	}
	d.Entries, d.Assignee = caseEntriesOf(rd, c, timeline, d.Assignable)
	if err := s.caseSignals(r, d); err != nil {
		return nil, err
	}
	if s.Changes != nil && c.Type == cases.Incident {
		switch ch, err := s.Changes.ForCase(ctx, now, c.ID); {
		case err == nil:
			d.Change = &ch
		case !accord.IsKind(err, accord.NotFound):
			return nil, err
		}
	}
	if s.Products != nil && rd.is(accord.RoleAdmin, accord.RoleAgent) && c.Details.Version != "" {
		switch sg, ok, err := s.Products.Suggest(ctx, c.OrgID, c.Details.Version); {
		case err != nil:
			return nil, err
		case ok:
			d.Upgrade = &sg
		}
	}
	d.page = s.newPage(r, "case.title", d)
	return d.page, nil
}

func caseCanOn(rd reader, c cases.Case) caseCan {
	customer := rd.is(accord.RoleCustomerContact)
	vendorAgent := rd.is(accord.RoleAdmin, accord.RoleAgent)
	support := c.Type != cases.Enhancement && c.State != cases.Closed
	can := caseCan{
		Write:   c.State != cases.Closed && (customer || rd.agent()),
		Support: support,
		Confirm: c.State == cases.Resolved && (customer || rd.is(accord.RolePartnerAgent)),
		Reopen:  c.State == cases.Resolved && (customer || rd.agent()),
		Enhance: vendorAgent && c.Type == cases.Enhancement && c.ClosedAt == nil,
	}
	if rd.agent() {
		can.Work = can.Write
		can.Call, can.Reclassify = support && vendorAgent, support && vendorAgent
		can.Session, can.OutOfScope = support, support && c.OutOfScope == ""
		can.Resolve = support && c.State != cases.Resolved
		can.Hold = support && (c.State == cases.New || c.State == cases.Open)
		can.Assign = c.State != cases.Closed
		can.Take = can.Assign && c.AssigneeID != rd.Actor.UserID && mayTake(rd, c)
	}
	return can
}

// mayTake: the senior-engineer rule lets the reader take the case.
func mayTake(rd reader, c cases.Case) bool { return !c.SeniorRequired || rd.User.Senior }

// caseEntriesOf prepares the timeline for rd, and names the case's assignee
// from it and from the people rd may assign to: the people who wrote on a
// case are the ones it is given to, and rd's colleagues may not have yet.
func caseEntriesOf(rd reader, c cases.Case, timeline []cases.Entry, people []directory.User) ([]caseEntry, string) {
	names := map[accord.ID]string{rd.Actor.UserID: rd.User.Name}
	for _, u := range people {
		names[u.ID] = u.Name
	}
	for _, e := range timeline {
		if e.AuthorID != "" {
			names[e.AuthorID] = e.Author
		}
	}
	out := make([]caseEntry, len(timeline))
	for i, e := range timeline {
		ce := caseEntry{Entry: e, Assignee: names[e.Data.UserID]}
		if sess := e.Data.Session; sess != nil {
			ce.Decision = e.AuthorOrg == c.OrgID
			ce.CanDecide = !ce.Decision && sess.Status == cases.SessionProposed && c.State != cases.Closed &&
				rd.is(accord.RoleCustomerContact)
		}
		out[i] = ce
	}
	assignee := ""
	if c.AssigneeID != "" {
		assignee = names[c.AssigneeID]
	}
	return out, assignee
}

// agentsOf lists the people the reader may give a case to: the active
// agents of the reader's own organization, as the directory lets the reader
// see them (cases.Assign refuses anyone else the same way).
func (s *Server) agentsOf(r *http.Request) ([]directory.User, error) {
	rd := readerOf(r.Context())
	active := true
	users, _, err := s.Directory.ListUsers(r.Context(), s.Now(), directory.UserFilter{OrgID: &rd.Actor.OrgID, Active: &active}, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(users, func(u directory.User) bool {
		return u.Role != accord.RoleAdmin && u.Role != accord.RoleAgent && u.Role != accord.RolePartnerAgent
	}), nil
}

// Form is the action form named verb: the one that failed shows what was
// typed, its problems, and stays open; the others start afresh.
func (d *casePageData) Form(verb string) caseForm {
	if verb == d.failed {
		return caseForm{verb: verb, p: d.page}
	}
	return caseForm{verb: verb}
}

// Crit is the policy's definition of criticality c.
func (d *casePageData) Crit(c sla.Criticality) caseCrit {
	for _, x := range d.Crits {
		if x.Level == c {
			return x
		}
	}
	return caseCrit{Level: c}
}

// caseForm is one action form of the case page. Fields are named as the
// service names them; their ids are "f-<field>" in the form that failed,
// which the problem list above the page links to, and "<verb>-<field>"
// elsewhere, so that ids stay unique on a page of many forms.
type caseForm struct {
	verb string
	p    *page
}

// Open reports whether this form failed and is shown again.
func (f caseForm) Open() bool { return f.p != nil }

func (f caseForm) ID(field string) string {
	if f.p != nil {
		return "f-" + field
	}
	return f.verb + "-" + field
}

func (f caseForm) Value(field, def string) string {
	if f.p == nil {
		return def
	}
	return f.p.Value(field, def)
}

func (f caseForm) Err(field string) string {
	if f.p == nil {
		return ""
	}
	return f.p.Err(field)
}
