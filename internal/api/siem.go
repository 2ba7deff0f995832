package api

import (
	"net/http"

	"accord/internal/siem"
)

// --- SIEM receivers (docs/integrations.md)

func (s *Server) listReceivers(w http.ResponseWriter, r *http.Request) {
	l, err := s.SIEM.List(r.Context())
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) createReceiver(w http.ResponseWriter, r *http.Request) {
	var in siem.Input
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	rc, err := s.SIEM.Create(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, rc, err)
}

func (s *Server) getReceiver(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var rc siem.Receiver
	if err == nil {
		rc, err = s.SIEM.Get(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, rc, err)
}

func (s *Server) updateReceiver(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in siem.Input
	if err == nil {
		err = decode(w, r, &in)
	}
	var rc siem.Receiver
	if err == nil {
		rc, err = s.SIEM.Update(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, rc, err)
}

func (s *Server) deleteReceiver(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.SIEM.Delete(r.Context(), s.Now(), id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// testReceiver sends a test event now and says whether it was accepted.
func (s *Server) testReceiver(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = decodeOptional(w, r, &struct{}{})
	}
	var res siem.TestResult
	if err == nil {
		res, err = s.SIEM.Test(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, res, err)
}
