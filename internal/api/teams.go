package api

import (
	"net/http"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
)

// --- teams: groups of agents with a queue each (docs/cases.md)

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) {
	var f cases.TeamFilter
	id, err := queryID(r, "org_id")
	if id != nil {
		f.OrgID = *id
	}
	if err == nil {
		var m *accord.ID
		if m, err = queryID(r, "member_id"); m != nil {
			f.MemberID = *m
		}
	}
	var l []cases.Team
	if err == nil {
		l, err = s.Cases.Teams(r.Context(), s.Now(), f)
	}
	if l == nil {
		l = []cases.Team{}
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) {
	var in cases.NewTeam
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Cases.CreateTeam(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, t, err)
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var t cases.Team
	if err == nil {
		t, err = s.Cases.Team(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, t, err)
}

func (s *Server) updateTeam(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in cases.TeamUpdate
	if err == nil {
		err = decode(w, r, &in)
	}
	var t cases.Team
	if err == nil {
		t, err = s.Cases.UpdateTeam(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, t, err)
}

type teamMember struct {
	UserID accord.ID `json:"user_id"`
}

func (s *Server) addTeamMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in teamMember
	if err == nil {
		err = decode(w, r, &in)
	}
	if err == nil && !accord.ValidID(string(in.UserID)) {
		err = accord.FieldError("user_id", "is not an id")
	}
	var t cases.Team
	if err == nil {
		t, err = s.Cases.AddMember(r.Context(), s.Now(), id, in.UserID)
	}
	s.respond(w, r, http.StatusOK, t, err)
}

func (s *Server) removeTeamMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var user accord.ID
	if err == nil {
		user, err = pathID(r, "user_id")
	}
	var t cases.Team
	if err == nil {
		t, err = s.Cases.RemoveMember(r.Context(), s.Now(), id, user)
	}
	s.respond(w, r, http.StatusOK, t, err)
}

// dashboard answers the dashboard's numbers over ?days= (14 by default).
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	days := 0
	var err error
	if v := r.URL.Query().Get("days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil || days == 0 {
			err = accord.FieldError("days", "must be a whole number of days")
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.reports().Dashboard(r.Context(), s.Now(), days)
	s.respond(w, r, http.StatusOK, d, err)
}

// spanOf reads the instants name_from and name_to of the query.
func spanOf(r *http.Request, name string) (cases.Span, error) {
	var sp cases.Span
	for _, x := range []struct {
		field string
		dst   *time.Time
	}{{name + "_from", &sp.From}, {name + "_to", &sp.To}} {
		v := r.URL.Query().Get(x.field)
		if v == "" {
			continue
		}
		at, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return sp, accord.FieldError(x.field, "must be an RFC 3339 instant such as 2024-03-11T20:00:00Z")
		}
		if err := accord.CheckInstant(x.field, at); err != nil {
			return sp, err
		}
		*x.dst = at
	}
	return sp, nil
}
