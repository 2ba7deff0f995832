package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/directory"
)

// contractRoutes are the contracts a reader may see, the requests that add
// a customer's authorized contacts, and the customers a partner serves.
func (s *Server) contractRoutes() []route {
	return []route{
		{"GET", "/contracts", s.contractList, false},
		{"GET", "/contracts/{id}", s.contractPage, false},
		{"POST", "/contracts/{id}/surveys", s.answerSurvey, false},
		{"GET", "/licence-surveys", s.surveyList, false},
		{"GET", "/contacts/new", s.newContactPage, false},
		{"POST", "/contacts/new", s.requestContact, false},
		{"GET", "/contact-requests", s.contactRequestList, false},
		{"POST", "/contact-requests/{id}/authorize", s.authorizeContact, false},
		{"POST", "/contact-requests/{id}/approve", s.approveContact, false},
		{"POST", "/contact-requests/{id}/reject", s.rejectContact, false},
		{"GET", "/customers", s.customerList, false},
	}
}

type contractListData struct {
	Contracts []contracts.Contract
	// Orgs names the customers, for readers who see more than their own
	// organization; Choices offers them in the filter.
	Orgs     map[accord.ID]string
	Choices  []directory.Organization
	Plans    planNames
	NextPage string
}

// planNames names the support policy's plans by key.
type planNames map[string]string

// Name is the plan's name, or its key when the current policy has no such
// plan any more.
func (p planNames) Name(key string) string {
	if n, ok := p[key]; ok {
		return n
	}
	return key
}

func (s *Server) planNames(r *http.Request) (planNames, error) {
	_, pol, err := s.Policy.Current(r.Context())
	if err != nil {
		return nil, err
	}
	names := planNames{}
	for key, pl := range pol.Plans {
		names[key] = pl.Name.In(readerOf(r.Context()).Locale)
	}
	return names, nil
}

// contractList lists the terms the reader may see, newest first: a
// customer's own, a partner's customers', every customer's for the vendor.
func (s *Server) contractList(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	q := r.URL.Query()
	data := contractListData{}
	var err error
	if data.Plans, err = s.planNames(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if !rd.is(accord.RoleCustomerContact) {
		if data.Choices, data.Orgs, err = s.customerOrgs(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	var f contracts.Filter
	if org := accord.ID(q.Get("org_id")); org != "" {
		f.OrgID = &org
	}
	list, next, err := s.Contracts.List(r.Context(), s.Now(), f, accord.Page{Cursor: q.Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Contracts = list
	data.NextPage = nextPage("/contracts", q, next)
	s.render(w, r, http.StatusOK, "contracts", s.newPage(r, "contract.list.title", &data))
}

type contractData struct {
	formSet
	Contract contracts.Contract
	Customer string
	Plan     string
	Terms    []contracts.Contract
	// Year is the contract year whose entitlements are shown: the one
	// today falls in, else the first or the last.
	Year         contracts.Year
	Entitlements []entitlementUse
	Surveys      []contracts.Survey
	// Notices are what Accord told about the term: renewal notices,
	// licence surveys and their reminders.
	Notices []contracts.Notice
	// Asked are the licence surveys asked and not answered yet; Answers
	// says whether the reader may answer them (the customer's authorized
	// contacts and vendor administrators; the service decides again).
	Asked   []surveyAsk
	Answers bool
}

// surveyAsk is a licence survey waiting for the customer's answer.
type surveyAsk struct {
	Year     contracts.Year
	AnswerBy string
	Overdue  bool
}

// entitlementUse is an entitlement with each recorded use of it.
type entitlementUse struct {
	contracts.Entitlement
	Uses []contracts.Consumption
}

// contractPage shows one term: its plan, dates and licences, the terms of
// its contract, what the plan includes this contract year and what of it
// was used, the licence surveys with a form to answer those asked, and the
// notices given.
func (s *Server) contractPage(w http.ResponseWriter, r *http.Request) {
	s.renderContract(w, r, "", nil)
}

// renderContract shows the contract page; after a refused answer to a
// survey, err is why and sent names the survey's form.
func (s *Server) renderContract(w http.ResponseWriter, r *http.Request, sent string, ferr error) {
	ctx, now, id := r.Context(), s.Now(), accord.ID(r.PathValue("id"))
	rd := readerOf(ctx)
	c, err := s.Contracts.Get(ctx, now, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := &contractData{Contract: c, Year: yearOn(c, now.In(rd.Zone))}
	p := s.newPage(r, "contract.title", data)
	data.page, data.sent = p, sent
	org, err := s.Directory.GetOrganization(ctx, now, c.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Customer = org.Name
	plans, err := s.planNames(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Plan = plans.Name(c.Plan)
	if data.Terms, err = s.Contracts.Terms(ctx, now, id); err != nil {
		s.fail(w, r, err)
		return
	}
	ents, err := s.Contracts.Entitlements(ctx, now, id, data.Year.Number)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, pol, err := s.Policy.Current(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, e := range ents {
		// An entitlement keeps the inclusion's en-US name; while the policy
		// still names it so, the reader reads its translation.
		if in, ok := pol.Plans[c.Plan].Inclusions[e.Key]; ok && in.Name.String() == e.Name {
			e.Name = in.Name.In(readerOf(ctx).Locale)
		}
		uses, err := s.Contracts.Consumptions(ctx, now, e.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data.Entitlements = append(data.Entitlements, entitlementUse{Entitlement: e, Uses: uses})
	}
	if data.Surveys, err = s.Contracts.Surveys(ctx, now, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if data.Notices, err = s.Contracts.Notices(ctx, now, id); err != nil {
		s.fail(w, r, err)
		return
	}
	data.Asked = asked(c, data.Notices, data.Surveys, now.In(rd.Zone).Format(time.DateOnly))
	data.Answers = rd.is(accord.RoleAdmin) || (rd.is(accord.RoleCustomerContact) && rd.User.AuthorizedContact && rd.Actor.OrgID == c.OrgID)
	if ferr != nil {
		s.failForm(w, r, ferr, "contract", p)
		return
	}
	s.render(w, r, http.StatusOK, "contract", p)
}

// asked lists the licence surveys of c asked in notices and not answered
// in surveys, the latest year first.
func asked(c contracts.Contract, notices []contracts.Notice, surveys []contracts.Survey, today string) []surveyAsk {
	signed, err := time.Parse(time.DateOnly, c.SignedOn)
	if err != nil {
		return nil
	}
	years := contracts.Years(signed, c.Years)
	var out []surveyAsk
	for _, n := range slices.Backward(notices) {
		answered := slices.ContainsFunc(surveys, func(v contracts.Survey) bool { return v.Year == n.Year })
		if n.Kind != contracts.NoticeSurvey || answered || n.Year < 1 || n.Year > len(years) {
			continue
		}
		out = append(out, surveyAsk{Year: years[n.Year-1], AnswerBy: n.AnswerBy, Overdue: n.AnswerBy <= today})
	}
	return out
}

// answerSurvey records the licence count the form gives for one contract
// year: measured[i].module and measured[i].quantity for each module.
func (s *Server) answerSurvey(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := parseForm(w, r, 0); err != nil {
		s.renderContract(w, r, "", err)
		return
	}
	f := r.PostForm
	sent := "survey-" + f.Get("year")
	in, err := surveyAnswer(f)
	if err == nil {
		_, err = s.Contracts.RecordSurvey(r.Context(), s.Now(), accord.ID(id), in)
	}
	if err != nil {
		s.renderContract(w, r, sent, err)
		return
	}
	s.done(w, r, "/contracts/"+id, "contract.survey_recorded")
}

// surveyAnswer reads the survey form.
func surveyAnswer(f url.Values) (contracts.SurveyInput, error) {
	var in contracts.SurveyInput
	var err error
	if in.Year, err = strconv.Atoi(f.Get("year")); err != nil {
		return in, accord.FieldError("year", "must be a contract year")
	}
	for i := 0; ; i++ {
		field := fmt.Sprintf("measured[%d]", i)
		if !f.Has(field + ".module") {
			return in, nil
		}
		q, err := strconv.Atoi(strings.TrimSpace(f.Get(field + ".quantity")))
		if err != nil {
			return in, accord.FieldError(field+".quantity", "must be a whole number, 0 or more")
		}
		in.Measured = append(in.Measured, contracts.Licence{Module: f.Get(field + ".module"), Quantity: q})
	}
}

type surveyListData struct {
	Requests []surveyRow
	// Orgs names the customers and Choices offers them in the filter, for
	// readers who see more than their own organization.
	Orgs     map[accord.ID]string
	Choices  []directory.Organization
	Statuses []contracts.SurveyStatus
	NextPage string
}

// surveyRow is a survey request with its true-up as a page shows it.
type surveyRow struct {
	contracts.SurveyRequest
	Lines []trueUpLine
}

// trueUpLine is a module's licensed and counted quantities; Counted is
// false when the answer left out a licensed module.
type trueUpLine struct {
	Module                         string
	Licensed, Measured, Difference int
	Counted                        bool
}

func rowOf(req contracts.SurveyRequest) surveyRow {
	row := surveyRow{SurveyRequest: req}
	for _, l := range req.Lines {
		line := trueUpLine{Module: l.Module, Licensed: l.Licensed, Counted: l.Measured != nil}
		if line.Counted {
			line.Measured, line.Difference = *l.Measured, *l.Difference
		}
		row.Lines = append(row.Lines, line)
	}
	return row
}

// surveyList shows the licence surveys asked of the customers the reader
// may see, latest first (?status= and ?org_id= narrow them): for the
// vendor, who is overdue and, once answered, the true-up of each.
func (s *Server) surveyList(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	q := r.URL.Query()
	data := &surveyListData{Statuses: []contracts.SurveyStatus{contracts.SurveyOverdue, contracts.SurveyOpen, contracts.SurveyAnswered}}
	var f contracts.SurveyFilter
	if st := contracts.SurveyStatus(q.Get("status")); slices.Contains(data.Statuses, st) {
		f.Status = &st
	}
	if org := accord.ID(q.Get("org_id")); org != "" {
		f.OrgID = &org
	}
	list, next, err := s.Contracts.SurveyRequests(r.Context(), s.Now(), f, accord.Page{Cursor: q.Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, req := range list {
		data.Requests = append(data.Requests, rowOf(req))
	}
	data.NextPage = nextPage("/licence-surveys", q, next)
	if !rd.is(accord.RoleCustomerContact) {
		if data.Choices, data.Orgs, err = s.customerOrgs(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "licence_surveys", s.newPage(r, "surveys.title", data))
}

// yearOn is the contract year of c that today falls in; before the term
// its first year, after it its last.
func yearOn(c contracts.Contract, today time.Time) contracts.Year {
	signed, err := time.Parse(time.DateOnly, c.SignedOn)
	if err != nil || c.Years < 1 {
		return contracts.Year{Number: 1}
	}
	years := contracts.Years(signed, c.Years)
	day := today.Format(time.DateOnly)
	for _, y := range years {
		if day <= y.EndsOn {
			return y
		}
	}
	return years[len(years)-1]
}

// --- authorized-contact requests

// The steps and closing reasons of access-request cases, which the case
// page names from their codes:
// i18n: "case.tl.access.authorized"
// i18n: "case.tl.access.approved"
// i18n: "case.tl.access.rejected"
// i18n: "case.reason.access_approved"
// i18n: "case.reason.access_rejected"

type contactFormData struct {
	// Choices are the customers a vendor administrator requests for;
	// customer contacts request for their own organization.
	Choices []directory.Organization
}

func (s *Server) newContactPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.contactFormData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "contact_request", s.newPage(r, "contacts.new.title", data))
}

func (s *Server) contactFormData(r *http.Request) (*contactFormData, error) {
	data := &contactFormData{}
	if readerOf(r.Context()).is(accord.RoleAdmin) {
		var err error
		if data.Choices, _, err = s.customerOrgs(r); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// requestContact asks that a person become an authorized contact of the
// customer, on an access-request case: its administrator contact
// authorizes, then a vendor administrator approves.
func (s *Server) requestContact(w http.ResponseWriter, r *http.Request) {
	data, err := s.contactFormData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "contacts.new.title", data)
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "contact_request", p)
		return
	}
	f := r.PostForm
	in := contracts.NewContactRequest{OrgID: accord.ID(f.Get("org_id")), Name: f.Get("name"), Email: f.Get("email"), Reason: f.Get("reason")}
	if _, err := s.Contracts.RequestContact(r.Context(), s.Now(), in); err != nil {
		s.failForm(w, r, err, "contact_request", p)
		return
	}
	s.done(w, r, "/contact-requests", "contacts.requested")
}

type contactRequestsData struct {
	formSet
	Requests []contracts.ContactRequest
	Orgs     map[accord.ID]string
	Statuses []contracts.RequestStatus
	NextPage string
}

// Authorizes, Approves and Rejects report whether the reader may take
// that step of req now: the customer's administrator contact authorizes a
// pending request, a vendor administrator approves an authorized one, and
// either rejects an open one. The service decides again when the form is
// sent.
func (d *contactRequestsData) Authorizes(req contracts.ContactRequest) bool {
	return req.Status == contracts.RequestPending && d.customerAdmin(req)
}

func (d *contactRequestsData) Approves(req contracts.ContactRequest) bool {
	return req.Status == contracts.RequestAuthorized && d.page.Reader.is(accord.RoleAdmin)
}

func (d *contactRequestsData) Rejects(req contracts.ContactRequest) bool {
	open := req.Status == contracts.RequestPending || req.Status == contracts.RequestAuthorized
	return open && (d.page.Reader.is(accord.RoleAdmin) || d.customerAdmin(req))
}

func (d *contactRequestsData) customerAdmin(req contracts.ContactRequest) bool {
	rd := d.page.Reader
	return rd.is(accord.RoleCustomerContact) && rd.Actor.CustomerAdmin && rd.Actor.OrgID == req.OrgID
}

// contactRequestList lists the requests the reader may see, newest first
// (?status= narrows them), with a form to decide each for those who may.
func (s *Server) contactRequestList(w http.ResponseWriter, r *http.Request) {
	s.renderContactRequests(w, r, "", nil)
}

// renderContactRequests shows the list; after a refused decision, err is
// why and sent names the request's form.
func (s *Server) renderContactRequests(w http.ResponseWriter, r *http.Request, sent string, err error) {
	rd := readerOf(r.Context())
	q := r.URL.Query()
	data := &contactRequestsData{Statuses: []contracts.RequestStatus{contracts.RequestPending, contracts.RequestAuthorized,
		contracts.RequestApproved, contracts.RequestRejected}}
	p := s.newPage(r, "contacts.list.title", data)
	data.page, data.sent = p, sent
	var f contracts.RequestFilter
	if st := contracts.RequestStatus(q.Get("status")); slices.Contains(data.Statuses, st) {
		f.Status = &st
	}
	if org := accord.ID(q.Get("org_id")); org != "" {
		f.OrgID = &org
	}
	list, next, lerr := s.Contracts.ContactRequests(r.Context(), s.Now(), f, accord.Page{Cursor: q.Get("cursor")})
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	data.Requests = list
	data.NextPage = nextPage("/contact-requests", q, next)
	if !rd.is(accord.RoleCustomerContact) {
		var oerr error
		if _, data.Orgs, oerr = s.customerOrgs(r); oerr != nil {
			s.fail(w, r, oerr)
			return
		}
	}
	if err != nil {
		s.failForm(w, r, err, "contact_requests", p)
		return
	}
	s.render(w, r, http.StatusOK, "contact_requests", p)
}

func (s *Server) authorizeContact(w http.ResponseWriter, r *http.Request) {
	s.decideContact(w, r, s.Contracts.Authorize, "contacts.authorized")
}

func (s *Server) approveContact(w http.ResponseWriter, r *http.Request) {
	s.decideContact(w, r, s.Contracts.Approve, "contacts.approved")
}

func (s *Server) rejectContact(w http.ResponseWriter, r *http.Request) {
	s.decideContact(w, r, s.Contracts.Reject, "contacts.rejected")
}

type contactDecision func(ctx context.Context, now time.Time, id accord.ID, in contracts.Decision) (contracts.ContactRequest, error)

func (s *Server) decideContact(w http.ResponseWriter, r *http.Request, decide contactDecision, flash string) {
	id := accord.ID(r.PathValue("id"))
	sent := "decide-" + string(id)
	if err := parseForm(w, r, 0); err != nil {
		s.renderContactRequests(w, r, sent, err)
		return
	}
	req, err := decide(r.Context(), s.Now(), id, contracts.Decision{Note: r.PostForm.Get("note")})
	if err != nil {
		s.renderContactRequests(w, r, sent, err)
		return
	}
	s.done(w, r, "/contact-requests?"+url.Values{"status": {string(req.Status)}}.Encode()+"#req-"+string(req.ID), flash)
}
