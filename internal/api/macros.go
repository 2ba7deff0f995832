package api

import (
	"net/http"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/macros"
	"accord/internal/views"
)

// --- macros: the agents' canned replies, and bulk actions on cases

// queryOrg is the optional org_id of a query: the partner organization a
// vendor administrator keeps shared macros for.
func queryOrg(r *http.Request) (accord.ID, error) {
	v := r.URL.Query().Get("org_id")
	if v != "" && !accord.ValidID(v) {
		return "", accord.FieldError("org_id", "is not an id")
	}
	return accord.ID(v), nil
}

func (s *Server) listMacros(w http.ResponseWriter, r *http.Request) {
	org, err := queryOrg(r)
	var l []macros.Macro
	if err == nil {
		l, err = s.Macros.List(r.Context(), s.Now(), org)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) createMacro(w http.ResponseWriter, r *http.Request) {
	var in macros.NewMacro
	err := decode(w, r, &in)
	var m macros.Macro
	if err == nil {
		m, err = s.Macros.Create(r.Context(), s.Now(), in)
	}
	s.respond(w, r, http.StatusCreated, m, err)
}

func (s *Server) getMacro(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var m macros.Macro
	if err == nil {
		m, err = s.Macros.Get(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, m, err)
}

func (s *Server) updateMacro(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in macros.NewMacro
	if err == nil {
		err = decode(w, r, &in)
	}
	var m macros.Macro
	if err == nil {
		m, err = s.Macros.Update(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, m, err)
}

func (s *Server) deleteMacro(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var org accord.ID
	if err == nil {
		org, err = queryOrg(r)
	}
	if err == nil {
		err = s.Macros.Delete(r.Context(), s.Now(), org, id)
	}
	s.respond(w, r, 0, nil, err)
}

func (s *Server) previewMacro(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var mid accord.ID
	if err == nil {
		mid, err = pathID(r, "macro_id")
	}
	var out macros.Rendered
	if err == nil {
		out, err = s.Macros.Preview(r.Context(), s.Now(), id, mid)
	}
	s.respond(w, r, http.StatusOK, out, err)
}

// appliedView is an application as the API shows it: the case with its
// SLA status, like every case the API answers.
type appliedView struct {
	Rendered macros.Rendered `json:"rendered"`
	Case     caseView        `json:"case"`
	Steps    []macros.Step   `json:"steps"`
}

func (s *Server) applyMacro(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	id, err := pathID(r, "id")
	var mid accord.ID
	if err == nil {
		mid, err = pathID(r, "macro_id")
	}
	var in macros.Application
	if err == nil {
		err = decodeOptional(w, r, &in)
	}
	var out macros.Applied
	if err == nil {
		out, err = s.Macros.Apply(r.Context(), now, id, mid, in)
	}
	s.respond(w, r, http.StatusOK, appliedView{Rendered: out.Rendered, Case: viewOf(out.Case, now), Steps: out.Steps}, err)
}

// bulkResult answers a bulk action: one outcome per case, in the order
// given, whatever each answered.
type bulkResult struct {
	Results []cases.Outcome `json:"results"`
}

func (s *Server) bulkCases(w http.ResponseWriter, r *http.Request) {
	var in cases.BulkAction
	err := decode(w, r, &in)
	var out []cases.Outcome
	if err == nil {
		out, err = s.Cases.Bulk(r.Context(), s.Now(), in)
	}
	s.respond(w, r, http.StatusOK, bulkResult{Results: out}, err)
}

// --- the signed-in user's console preferences (keyboard shortcuts)

func (s *Server) getPreferences(w http.ResponseWriter, r *http.Request) {
	p, err := s.Views.Preferences(r.Context())
	s.respond(w, r, http.StatusOK, p, err)
}

func (s *Server) setPreferences(w http.ResponseWriter, r *http.Request) {
	var in views.Preferences
	err := decode(w, r, &in)
	if err == nil {
		err = s.Views.SetPreferences(r.Context(), in)
	}
	s.respond(w, r, http.StatusOK, in, err)
}
