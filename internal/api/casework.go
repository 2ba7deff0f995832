package api

import (
	"context"
	"net/http"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
)

// The workflows attached to a case: the evaluation of an integration with
// an unsupported platform (an enhancement request's) and an appliance's
// repair. Each step answers the case afterwards.

func (s *Server) getFeasibility(w http.ResponseWriter, r *http.Request) {
	s.caseWork(w, r, func(c cases.Case) (any, bool) { return c.Feasibility, c.Feasibility != nil }, "the case is not an integration request")
}

func (s *Server) getRepair(w http.ResponseWriter, r *http.Request) {
	s.caseWork(w, r, func(c cases.Case) (any, bool) { return c.Repair, c.Repair != nil }, "the case requests no repair")
}

// caseWork answers the part of a case pick reads, or NotFound with msg
// when the case has none.
func (s *Server) caseWork(w http.ResponseWriter, r *http.Request, pick func(cases.Case) (any, bool), msg string) {
	id, err := pathID(r, "id")
	var c cases.Case
	if err == nil {
		c, err = s.Cases.Get(r.Context(), s.Now(), id)
	}
	v, ok := pick(c)
	if err == nil && !ok {
		err = &accord.Error{Kind: accord.NotFound, Msg: msg}
	}
	s.respond(w, r, http.StatusOK, v, err)
}

// feasibilityStep records step; starting the analysis needs no body.
func (s *Server) feasibilityStep(step cases.FeasibilityStep) http.HandlerFunc {
	return caseChange(s, step == cases.FeasibilityStart, func(ctx context.Context, now time.Time, id accord.ID, in cases.FeasibilityInput) (cases.Case, error) {
		in.Step = step
		return s.Cases.Feasibility(ctx, now, id, in)
	})
}

func (s *Server) requestRepair(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, s.Cases.RequestRepair)(w, r)
}

func (s *Server) recordRepair(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, s.Cases.RecordRepair)(w, r)
}
