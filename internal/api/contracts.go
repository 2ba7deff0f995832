package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/directory"
)

// --- contracts

func (s *Server) listContracts(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	var f contracts.Filter
	if err == nil {
		f.OrgID, err = queryID(r, "org_id")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Contracts.List(r.Context(), s.Now(), f, p)
	s.respond(w, r, http.StatusOK, list(l, next), err)
}

func (s *Server) createContract(w http.ResponseWriter, r *http.Request) {
	var in contracts.NewContract
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Contracts.Create(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, c, err)
}

func (s *Server) getContract(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var c contracts.Contract
	if err == nil {
		c, err = s.Contracts.Get(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, c, err)
}

func (s *Server) updateContract(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in contracts.ContractUpdate
	if err == nil {
		err = decode(w, r, &in)
	}
	var c contracts.Contract
	if err == nil {
		c, err = s.Contracts.Update(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, c, err)
}

func (s *Server) listNotices(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []contracts.Notice
	if err == nil {
		l, err = s.Contracts.Notices(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) renewContract(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in contracts.Renewal
	if err == nil {
		err = decode(w, r, &in)
	}
	var c contracts.Contract
	if err == nil {
		c, err = s.Contracts.Renew(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusCreated, c, err)
}

func (s *Server) cancelContract(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in contracts.Cancellation
	if err == nil {
		err = decode(w, r, &in)
	}
	var c contracts.Contract
	if err == nil {
		c, err = s.Contracts.Cancel(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, c, err)
}

func (s *Server) listTerms(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []contracts.Contract
	if err == nil {
		l, err = s.Contracts.Terms(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

// --- entitlements

func (s *Server) listEntitlements(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	year := 0
	if v := r.URL.Query().Get("year"); v != "" && err == nil {
		if year, err = strconv.Atoi(v); err != nil || year < 1 {
			err = accord.FieldError("year", "must be a contract year, 1 or more")
		}
	}
	var l []contracts.Entitlement
	if err == nil {
		l, err = s.Contracts.Entitlements(r.Context(), s.Now(), id, year)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

type consumed struct {
	Consumption contracts.Consumption `json:"consumption"`
	Entitlement contracts.Entitlement `json:"entitlement"`
}

func (s *Server) consumeEntitlement(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in contracts.Use
	if err == nil {
		err = decode(w, r, &in)
	}
	var out consumed
	if err == nil {
		out.Consumption, out.Entitlement, err = s.Contracts.Consume(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusCreated, out, err)
}

func (s *Server) listConsumptions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []contracts.Consumption
	if err == nil {
		l, err = s.Contracts.Consumptions(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

// --- licence surveys

func (s *Server) listSurveys(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []contracts.Survey
	if err == nil {
		l, err = s.Contracts.Surveys(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) recordSurvey(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in contracts.SurveyInput
	if err == nil {
		err = decode(w, r, &in)
	}
	var l []contracts.Survey
	if err == nil {
		l, err = s.Contracts.RecordSurvey(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusCreated, list(l, ""), err)
}

func (s *Server) trueUp(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	year := 0
	if v := r.URL.Query().Get("year"); v != "" && err == nil {
		if year, err = strconv.Atoi(v); err != nil || year < 1 {
			err = accord.FieldError("year", "must be a contract year, 1 or more")
		}
	}
	var t contracts.TrueUp
	if err == nil {
		t, err = s.Contracts.TrueUp(r.Context(), s.Now(), id, year)
	}
	s.respond(w, r, http.StatusOK, t, err)
}

func (s *Server) listSurveyRequests(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	var f contracts.SurveyFilter
	if err == nil {
		f.OrgID, err = queryID(r, "org_id")
	}
	if st := contracts.SurveyStatus(r.URL.Query().Get("status")); st != "" {
		f.Status = &st
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Contracts.SurveyRequests(r.Context(), s.Now(), f, p)
	s.respond(w, r, http.StatusOK, list(l, next), err)
}

// --- authorized-contact requests

func (s *Server) listContactRequests(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	var f contracts.RequestFilter
	if err == nil {
		f.OrgID, err = queryID(r, "org_id")
	}
	if st := contracts.RequestStatus(r.URL.Query().Get("status")); st != "" {
		f.Status = &st
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Contracts.ContactRequests(r.Context(), s.Now(), f, p)
	s.respond(w, r, http.StatusOK, list(l, next), err)
}

func (s *Server) createContactRequest(w http.ResponseWriter, r *http.Request) {
	var in contracts.NewContactRequest
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Contracts.RequestContact(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, c, err)
}

func (s *Server) getContactRequest(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var c contracts.ContactRequest
	if err == nil {
		c, err = s.Contracts.GetContactRequest(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, c, err)
}

func (s *Server) authorizeContactRequest(w http.ResponseWriter, r *http.Request) {
	s.decideContactRequest(w, r, s.Contracts.Authorize)
}

func (s *Server) approveContactRequest(w http.ResponseWriter, r *http.Request) {
	s.decideContactRequest(w, r, s.Contracts.Approve)
}

func (s *Server) rejectContactRequest(w http.ResponseWriter, r *http.Request) {
	s.decideContactRequest(w, r, s.Contracts.Reject)
}

func (s *Server) decideContactRequest(w http.ResponseWriter, r *http.Request, decide func(ctx context.Context, now time.Time, id accord.ID, in contracts.Decision) (contracts.ContactRequest, error)) {
	id, err := pathID(r, "id")
	var in contracts.Decision
	if err == nil {
		err = decode(w, r, &in)
	}
	var c contracts.ContactRequest
	if err == nil {
		c, err = decide(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, c, err)
}

func (s *Server) deauthorizeContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var u directory.User
	if err == nil {
		u, err = s.Contracts.Deauthorize(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, u, err)
}
