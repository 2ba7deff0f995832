package web

import (
	"net/http"
	"slices"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
)

// routingRoutes are the administration of teams and the agent's away
// switch (docs/web.md).
func (s *Server) routingRoutes() []route {
	rs := []route{
		{"GET", "/admin/teams", s.adminTeams, false},
		{"POST", "/admin/teams", s.adminCreateTeam, false},
		{"GET", "/admin/teams/{id}", s.adminTeam, false},
		{"POST", "/admin/teams/{id}", s.adminUpdateTeam, false},
		{"POST", "/admin/teams/{id}/members", s.adminAddMember, false},
		{"POST", "/admin/teams/{id}/members/{user_id}/remove", s.adminRemoveMember, false},
	}
	for i := range rs {
		rs[i].handler = s.staffOnly(rs[i].handler)
	}
	return append(rs, route{"POST", "/settings/away", s.saveAway, false})
}

type adminTeamsData struct {
	Teams []cases.Team
	// Orgs are the organizations a team may belong to: the vendor and
	// its partners.
	Orgs  []directory.Organization
	Names map[accord.ID]string // organizations by id
}

type adminTeamData struct {
	Team cases.Team
	Org  string
	// Agents are the active agents of the team's organization who are not
	// members yet.
	Agents []directory.User
}

func (s *Server) adminTeamsPage(r *http.Request) (*page, error) {
	ctx, now := r.Context(), s.Now()
	teams, err := s.Cases.Teams(ctx, now, cases.TeamFilter{})
	if err != nil {
		return nil, err
	}
	d := adminTeamsData{Teams: teams, Names: map[accord.ID]string{}}
	for _, k := range []directory.Kind{directory.KindVendor, directory.KindPartner} {
		l, _, err := s.Directory.ListOrganizations(ctx, now, directory.OrgFilter{Kind: &k}, accord.Page{Limit: accord.MaxLimit})
		if err != nil {
			return nil, err
		}
		d.Orgs = append(d.Orgs, l...)
	}
	for _, o := range d.Orgs {
		d.Names[o.ID] = o.Name
	}
	return s.newPage(r, "routing.teams.title", d), nil
}

func (s *Server) adminTeams(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminTeamsPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_teams", p)
}

// teamFlags reads the team form's routing switches.
func teamFlags(r *http.Request) (senior, intake, roundRobin bool) {
	f := r.PostForm
	return f.Has("senior"), f.Has("intake"), f.Has("round_robin")
}

func (s *Server) adminCreateTeam(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminTeamsPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "admin_teams", p)
		return
	}
	senior, intake, rr := teamFlags(r)
	t, err := s.Cases.CreateTeam(r.Context(), s.Now(), cases.NewTeam{OrgID: accord.ID(r.PostForm.Get("org_id")), Name: r.PostForm.Get("name"),
		Senior: senior, Intake: intake, RoundRobin: rr})
	if err != nil {
		s.failForm(w, r, err, "admin_teams", p)
		return
	}
	s.done(w, r, "/admin/teams/"+string(t.ID), "routing.team.created")
}

func (s *Server) adminTeamPage(r *http.Request) (*page, error) {
	ctx, now := r.Context(), s.Now()
	id, err := adminPathID(r, "id")
	if err != nil {
		return nil, err
	}
	t, err := s.Cases.Team(ctx, now, id)
	if err != nil {
		return nil, err
	}
	org, err := s.Directory.GetOrganization(ctx, now, t.OrgID)
	if err != nil {
		return nil, err
	}
	active := true
	users, _, err := s.Directory.ListUsers(ctx, now, directory.UserFilter{OrgID: &t.OrgID, Active: &active}, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		return nil, err
	}
	agents := slices.DeleteFunc(users, func(u directory.User) bool {
		return t.HasMember(u.ID) || (u.Role != accord.RoleAdmin && u.Role != accord.RoleAgent && u.Role != accord.RolePartnerAgent)
	})
	return s.newPage(r, "routing.team.title", adminTeamData{Team: t, Org: org.Name, Agents: agents}), nil
}

func (s *Server) adminTeam(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminTeamPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_team", p)
}

// adminTeamAction runs act on the team of the path with the posted form,
// and shows the team page again with the problem when it is refused.
func (s *Server) adminTeamAction(w http.ResponseWriter, r *http.Request, act func(id accord.ID) error, flash string) {
	p, err := s.adminTeamPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := p.Data.(adminTeamData).Team.ID
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "admin_team", p)
		return
	}
	if err := act(id); err != nil {
		s.failForm(w, r, err, "admin_team", p)
		return
	}
	s.done(w, r, "/admin/teams/"+string(id), flash)
}

func (s *Server) adminUpdateTeam(w http.ResponseWriter, r *http.Request) {
	s.adminTeamAction(w, r, func(id accord.ID) error {
		name := r.PostForm.Get("name")
		senior, intake, rr := teamFlags(r)
		_, err := s.Cases.UpdateTeam(r.Context(), s.Now(), id, cases.TeamUpdate{Name: &name, Senior: &senior, Intake: &intake, RoundRobin: &rr})
		return err
	}, "routing.team.saved")
}

func (s *Server) adminAddMember(w http.ResponseWriter, r *http.Request) {
	s.adminTeamAction(w, r, func(id accord.ID) error {
		_, err := s.Cases.AddMember(r.Context(), s.Now(), id, accord.ID(r.PostForm.Get("user_id")))
		return err
	}, "routing.team.member_added")
}

func (s *Server) adminRemoveMember(w http.ResponseWriter, r *http.Request) {
	s.adminTeamAction(w, r, func(id accord.ID) error {
		_, err := s.Cases.RemoveMember(r.Context(), s.Now(), id, accord.ID(r.PathValue("user_id")))
		return err
	}, "routing.team.member_removed")
}

// saveAway marks the reader away, or back: round-robin routing passes
// agents who are away by.
func (s *Server) saveAway(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	away := r.PostForm.Get("away") == "true"
	if _, err := s.Directory.UpdateUser(r.Context(), s.Now(), readerOf(r.Context()).Actor.UserID, directory.UserUpdate{Away: &away}); err != nil {
		s.fail(w, r, err)
		return
	}
	flash := "routing.away.back"
	if away {
		flash = "routing.away.set"
	}
	s.done(w, r, "/settings", flash)
}
