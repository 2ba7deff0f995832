package api

import (
	"net/http"

	"accord/internal/accord"
	"accord/internal/notify"
)

// The mail log: what notifications were sent, which failed, and which
// replies came back. Administrators only.

func (s *Server) listMail(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	f := notify.Filter{Status: notify.Status(r.URL.Query().Get("status"))}
	if err == nil {
		var id *accord.ID
		if id, err = queryID(r, "case_id"); id != nil {
			f.CaseID = *id
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Notify.Messages(r.Context(), f, p)
	s.respond(w, r, http.StatusOK, list(l, next), err)
}

func (s *Server) getMail(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var m notify.Message
	if err == nil {
		m, err = s.Notify.Message(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, m, err)
}

func (s *Server) resendMail(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var m notify.Message
	if err == nil {
		m, err = s.Notify.Resend(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, m, err)
}

func (s *Server) listInboundMail(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Notify.Inbound(r.Context(), p)
	s.respond(w, r, http.StatusOK, list(l, next), err)
}
