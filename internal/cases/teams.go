package cases

import (
	"context"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// Team is a group of agents of one organization (the vendor or a partner)
// with a queue: the cases whose TeamID is its id.
type Team struct {
	ID    accord.ID `json:"id"`
	OrgID accord.ID `json:"org_id"`
	Name  string    `json:"name"`
	// Senior: the senior engineers' queue, where cases under the policy's
	// senior-engineer rule go at opening and on reclassification.
	Senior bool `json:"senior"`
	// Intake: new cases that no other rule routes go to this queue.
	Intake bool `json:"intake"`
	// RoundRobin gives each new case routed to the team to the next
	// member after Last who is active, not away and, in a senior team,
	// senior.
	RoundRobin bool      `json:"round_robin"`
	Last       accord.ID `json:"last_user_id,omitempty"`
	// Members in rotation order (by user id, which never changes).
	Members   []Member  `json:"members"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Member is an agent of a team, as the directory has them now.
type Member struct {
	UserID accord.ID   `json:"user_id"`
	Name   string      `json:"name"`
	Email  string      `json:"email"`
	Role   accord.Role `json:"role"`
	Active bool        `json:"active"`
	Senior bool        `json:"senior"`
	Away   bool        `json:"away"`
}

// Next is the member the rotation gives the next case to: the first after
// Last, in Members' order and wrapping around, who can take it. Nobody
// can when every member is away, inactive or, in a senior team or for a
// case that needs a senior engineer (senior), not senior.
func (t Team) Next(senior bool) (Member, bool) {
	start := 0
	if i := slices.IndexFunc(t.Members, func(m Member) bool { return m.UserID == t.Last }); i >= 0 {
		start = i + 1
	}
	for k := range t.Members {
		m := t.Members[(start+k)%len(t.Members)]
		if m.Active && !m.Away && (m.Senior || !t.Senior && !senior) {
			return m, true
		}
	}
	return Member{}, false
}

// HasMember reports whether the user is in the team.
func (t Team) HasMember(id accord.ID) bool {
	return slices.ContainsFunc(t.Members, func(m Member) bool { return m.UserID == id })
}

// TeamFilter narrows a list of teams; zero values do not filter.
type TeamFilter struct {
	OrgID    accord.ID
	MemberID accord.ID // the teams this user belongs to
	Senior   bool      // only senior teams
	Intake   bool      // only intake teams
}

// NewTeam is the input to CreateTeam.
type NewTeam struct {
	OrgID      accord.ID `json:"org_id"` // the vendor or a partner; the administrator's own by default
	Name       string    `json:"name"`
	Senior     bool      `json:"senior"`
	Intake     bool      `json:"intake"`
	RoundRobin bool      `json:"round_robin"`
}

// TeamUpdate changes a team; nil fields stay.
type TeamUpdate struct {
	Name       *string `json:"name"`
	Senior     *bool   `json:"senior"`
	Intake     *bool   `json:"intake"`
	RoundRobin *bool   `json:"round_robin"`
}

// Teams manage teams: vendor administrators, for the vendor and for any
// partner (Accord has no partner administrator role; partners' teams are
// kept by the vendor's administrators for them).
func canManageTeams(a accord.Actor) bool { return a.System || a.Role == accord.RoleAdmin }

func isAgentRole(r accord.Role) bool {
	return r == accord.RoleAdmin || r == accord.RoleAgent || r == accord.RolePartnerAgent
}

// checkTeam checks a team's name and routing flags against its
// organization's kind: only the vendor's teams receive routed cases.
func checkTeam(t Team, kind directory.Kind) error {
	var ps []accord.Problem
	t.Name = checkText(&ps, "name", t.Name, true, 100)
	if kind != directory.KindVendor {
		if t.Senior {
			ps = append(ps, accord.Problem{Field: "senior", Msg: "only the vendor's teams are senior engineers' queues"})
		}
		if t.Intake {
			ps = append(ps, accord.Problem{Field: "intake", Msg: "only the vendor's teams receive new cases"})
		}
	}
	return accord.InvalidFields("cases.Team", ps)
}

func teamChanges(before, after Team) audit.Changes {
	var ch audit.Changes
	ch.Add("name", before.Name, after.Name)
	ch.Add("senior", before.Senior, after.Senior)
	ch.Add("intake", before.Intake, after.Intake)
	ch.Add("round_robin", before.RoundRobin, after.RoundRobin)
	return ch
}

// CreateTeam creates a team of the vendor or of a partner.
func (s *Service) CreateTeam(ctx context.Context, now time.Time, in NewTeam) (Team, error) {
	const op = "cases.CreateTeam"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Team{}, err
	}
	if !canManageTeams(a) {
		return Team{}, forbidden(op, "only vendor administrators manage teams")
	}
	if in.OrgID == "" {
		in.OrgID = a.OrgID
	}
	org, err := s.dir.GetOrganization(ctx, now, in.OrgID)
	if accord.IsKind(err, accord.NotFound) || err == nil && org.Kind == directory.KindCustomer {
		return Team{}, accord.FieldError("org_id", "must be the vendor or a partner: teams are of agents")
	}
	if err != nil {
		return Team{}, accord.Wrap(op, err)
	}
	now = now.UTC().Truncate(time.Microsecond)
	var ps []accord.Problem
	t := Team{ID: accord.NewID("team"), OrgID: org.ID, Name: checkText(&ps, "name", in.Name, true, 100), Senior: in.Senior,
		Intake: in.Intake, RoundRobin: in.RoundRobin, CreatedAt: now, UpdatedAt: now}
	if err := accord.InvalidFields(op, ps); err != nil {
		return Team{}, err
	}
	if err := checkTeam(t, org.Kind); err != nil {
		return Team{}, err
	}
	ev := audit.New(a, now, t.OrgID, "team.create", "team", t.ID, teamChanges(Team{}, t))
	if err := s.store.CreateTeam(ctx, t, ev); err != nil {
		return Team{}, accord.Wrap(op, err)
	}
	return t, nil
}

// UpdateTeam renames a team or changes its routing.
func (s *Service) UpdateTeam(ctx context.Context, now time.Time, id accord.ID, up TeamUpdate) (Team, error) {
	const op = "cases.UpdateTeam"
	a, t, err := s.teamToManage(ctx, now, op, id)
	if err != nil {
		return Team{}, err
	}
	before := t
	var ps []accord.Problem
	if up.Name != nil {
		t.Name = checkText(&ps, "name", *up.Name, true, 100)
	}
	if err := accord.InvalidFields(op, ps); err != nil {
		return Team{}, err
	}
	for _, f := range []struct {
		dst *bool
		src *bool
	}{{&t.Senior, up.Senior}, {&t.Intake, up.Intake}, {&t.RoundRobin, up.RoundRobin}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	org, err := s.dir.GetOrganization(ctx, now, t.OrgID)
	if err != nil {
		return Team{}, accord.Wrap(op, err)
	}
	if err := checkTeam(t, org.Kind); err != nil {
		return Team{}, err
	}
	ch := teamChanges(before, t)
	if len(ch) == 0 {
		return t, nil
	}
	t.UpdatedAt = now.UTC().Truncate(time.Microsecond)
	if err := s.store.UpdateTeam(ctx, t, audit.New(a, now, t.OrgID, "team.update", "team", t.ID, ch)); err != nil {
		return Team{}, accord.Wrap(op, err)
	}
	return t, nil
}

func (s *Service) teamToManage(ctx context.Context, now time.Time, op string, id accord.ID) (accord.Actor, Team, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, Team{}, err
	}
	if !canManageTeams(a) {
		return a, Team{}, forbidden(op, "only vendor administrators manage teams")
	}
	t, err := s.Team(ctx, now, id)
	return a, t, err
}

// Team returns a team the actor may read: vendor staff read every team,
// a partner agent its own organization's.
func (s *Service) Team(ctx context.Context, now time.Time, id accord.ID) (Team, error) {
	scope, err := s.teamScope(ctx, now)
	if err != nil {
		return Team{}, err
	}
	return s.store.GetTeam(ctx, scope, id)
}

// Teams lists the teams the actor may read, by name.
func (s *Service) Teams(ctx context.Context, now time.Time, f TeamFilter) ([]Team, error) {
	scope, err := s.teamScope(ctx, now)
	if err != nil {
		return nil, err
	}
	return s.store.ListTeams(ctx, scope, f)
}

// teamScope: teams are of agents; customers' contacts read none.
func (s *Service) teamScope(ctx context.Context, now time.Time) (accord.Scope, error) {
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return scope, err
	}
	if !isAgent(a) && !a.IsVendor() {
		return scope, forbidden("cases.Teams", "teams are the agents'")
	}
	return scope, nil
}

// AddMember puts an active agent of the team's organization in the team.
func (s *Service) AddMember(ctx context.Context, now time.Time, teamID, userID accord.ID) (Team, error) {
	const op = "cases.AddMember"
	a, t, err := s.teamToManage(ctx, now, op, teamID)
	if err != nil {
		return Team{}, err
	}
	u, err := s.dir.GetUser(ctx, now, userID)
	if accord.IsKind(err, accord.NotFound) || err == nil && (!u.Active || !isAgentRole(u.Role) || u.OrgID != t.OrgID) {
		return Team{}, accord.FieldError("user_id", "must be an active agent of the team's organization")
	}
	if err != nil {
		return Team{}, accord.Wrap(op, err)
	}
	if t.HasMember(userID) {
		return t, nil
	}
	var ch audit.Changes
	ch.Add("member", nil, userID)
	if err := s.store.AddMember(ctx, t, userID, now.UTC(), audit.New(a, now, t.OrgID, "team.member_add", "team", t.ID, ch)); err != nil {
		return Team{}, accord.Wrap(op, err)
	}
	return s.Team(ctx, now, teamID)
}

// RemoveMember takes a user out of a team; the cases the user has stay
// theirs.
func (s *Service) RemoveMember(ctx context.Context, now time.Time, teamID, userID accord.ID) (Team, error) {
	const op = "cases.RemoveMember"
	a, t, err := s.teamToManage(ctx, now, op, teamID)
	if err != nil {
		return Team{}, err
	}
	if !t.HasMember(userID) {
		return Team{}, &accord.Error{Kind: accord.NotFound, Op: op, Field: "user_id", Msg: "is not a member of the team"}
	}
	var ch audit.Changes
	ch.Add("member", userID, nil)
	if err := s.store.RemoveMember(ctx, t, userID, audit.New(a, now, t.OrgID, "team.member_remove", "team", t.ID, ch)); err != nil {
		return Team{}, accord.Wrap(op, err)
	}
	return s.Team(ctx, now, teamID)
}

// firstTeam returns the first team, by name, that f selects among all.
func (s *Service) firstTeam(ctx context.Context, f TeamFilter) (Team, bool, error) {
	l, err := s.store.ListTeams(ctx, accord.Scope{All: true}, f)
	if err != nil || len(l) == 0 {
		return Team{}, false, err
	}
	return l[0], true, nil
}
