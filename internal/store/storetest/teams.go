package storetest

import (
	"fmt"
	"sync"
	"testing"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/store"
)

// testTeams: teams are scoped by their organization, names are unique per
// organization, members come in rotation order with their directory flags,
// and the case list narrows to teams' queues.
func testTeams(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "Teams")
	d := store.NewDirectory(db)
	v := mkOrg(t, d, directory.KindVendor, "Teams V")
	ana := mkUser(t, d, v.ID, "ana@teams.example", accord.RoleAgent)
	ana.Away = true
	if err := d.UpdateUser(ctx, ana, false, ev(v.ID, "user.update")); err != nil {
		t.Fatal(err)
	}
	desk := cases.Team{ID: accord.NewID("team"), OrgID: v.ID, Name: "Desk", Intake: true, RoundRobin: true, CreatedAt: t0, UpdatedAt: t0}
	if err := w.s.CreateTeam(ctx, desk, ev(v.ID, "team.create")); err != nil {
		t.Fatal(err)
	}
	dup := desk
	dup.ID = accord.NewID("team")
	wantKind(t, w.s.CreateTeam(ctx, dup, ev(v.ID, "team.create")), accord.Conflict)
	ptm := cases.Team{ID: accord.NewID("team"), OrgID: w.agent.OrgID, Name: "Desk", CreatedAt: t0, UpdatedAt: t0}
	if err := w.s.CreateTeam(ctx, ptm, ev(w.agent.OrgID, "team.create")); err != nil {
		t.Fatalf("the same name in another organization: %v", err)
	}
	for _, m := range []struct {
		t cases.Team
		u accord.ID
	}{{desk, ana.ID}, {desk, ana.ID}, {ptm, w.agent.ID}} {
		if err := w.s.AddMember(ctx, m.t, m.u, t0, ev(m.t.OrgID, "team.member_add")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.s.GetTeam(ctx, accord.OnlyOrg(v.ID), desk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Members) != 1 || got.Members[0].UserID != ana.ID || !got.Members[0].Away || !got.Members[0].Active || !got.Intake || !got.RoundRobin {
		t.Errorf("the desk as stored: %+v", got)
	}
	_, err = w.s.GetTeam(ctx, accord.OnlyOrg(w.agent.OrgID), desk.ID)
	wantKind(t, err, accord.NotFound)
	for _, tc := range []struct {
		scope accord.Scope
		f     cases.TeamFilter
		want  string
	}{
		{accord.Scope{All: true}, cases.TeamFilter{}, "[Desk Desk]"},
		{accord.OnlyOrg(w.agent.OrgID), cases.TeamFilter{}, "[Desk]"},
		{accord.Scope{All: true}, cases.TeamFilter{Intake: true}, "[Desk]"},
		{accord.Scope{All: true}, cases.TeamFilter{Senior: true}, "[]"},
		{accord.Scope{All: true}, cases.TeamFilter{MemberID: w.agent.ID}, "[Desk]"},
		{accord.OnlyOrg(w.agent.OrgID), cases.TeamFilter{MemberID: ana.ID}, "[]"},
	} {
		l, err := w.s.ListTeams(ctx, tc.scope, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, x := range l {
			names = append(names, x.Name)
		}
		if fmt.Sprint(names) != tc.want && !(len(names) == 0 && tc.want == "[]") {
			t.Errorf("teams of %+v in %+v: %v, want %s", tc.f, tc.scope, names, tc.want)
		}
	}
	if err := w.s.RemoveMember(ctx, desk, ana.ID, ev(v.ID, "team.member_remove")); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.s.GetTeam(ctx, accord.Scope{All: true}, desk.ID); len(got.Members) != 0 {
		t.Errorf("members after the removal: %+v", got.Members)
	}

	// The case's team, and the list narrowed to teams' queues.
	c := sampleCase(w.a.ID, t0, "In the desk's queue")
	c.TeamID, c.SeniorRequired = desk.ID, true
	c = mustOpen(t, w.s, c)
	mustOpen(t, w.s, sampleCase(w.a.ID, t0, "In no queue"))
	if c.TeamID != desk.ID || !c.SeniorRequired || c.AssigneeSenior {
		t.Errorf("the case as stored: team %q, senior required %v, assignee senior %v", c.TeamID, c.SeniorRequired, c.AssigneeSenior)
	}
	for _, tc := range []struct {
		f    cases.Filter
		want int
	}{
		{cases.Filter{Teams: []accord.ID{desk.ID}}, 1},
		{cases.Filter{Teams: []accord.ID{}}, 0},
		{cases.Filter{SeniorRequired: true}, 1},
		{cases.Filter{}, 2},
	} {
		l, _, err := w.s.List(ctx, accord.OnlyOrg(w.a.ID), tc.f, accord.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(l) != tc.want {
			t.Errorf("list %+v: %d cases, want %d", tc.f, len(l), tc.want)
		}
	}
}

// testTeamsConcurrentRotation: concurrent openings routed to one
// round-robin team each see the member the previous one was given, under
// the team's row lock.
func testTeamsConcurrentRotation(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "Rotation")
	d := store.NewDirectory(db)
	v := mkOrg(t, d, directory.KindVendor, "Rotation V")
	team := cases.Team{ID: accord.NewID("team"), OrgID: v.ID, Name: "Desk", RoundRobin: true, CreatedAt: t0, UpdatedAt: t0}
	if err := w.s.CreateTeam(ctx, team, ev(v.ID, "team.create")); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		u := mkUser(t, d, v.ID, fmt.Sprintf("r%d@rotation.example", i), accord.RoleAgent)
		if err := w.s.AddMember(ctx, team, u.ID, t0, ev(v.ID, "team.member_add")); err != nil {
			t.Fatal(err)
		}
	}
	const n = 9
	var wg sync.WaitGroup
	got := make([]cases.Case, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			c := sampleCase(w.a.ID, t0, fmt.Sprintf("Case %d", i))
			c.TeamID = team.ID
			o := caseOpening(c)
			o.Rotate = func(tm cases.Team) (cases.Opening, error) {
				m, ok := tm.Next(false)
				if ok {
					o.Case.AssigneeID = m.UserID
				}
				return o, nil
			}
			got[i], errs[i] = w.s.Open(ctx, o)
		})
	}
	wg.Wait()
	count := map[accord.ID]int{}
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		count[got[i].AssigneeID]++
	}
	if len(count) != 3 {
		t.Fatalf("assignees: %v", count)
	}
	for id, k := range count {
		if k != n/3 {
			t.Errorf("%s got %d cases, want %d", id, k, n/3)
		}
	}
}
