package cases_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// agent adds a vendor (or partner) agent to the fixture, senior or away
// as asked.
func (f *fixture) agent(t *testing.T, key, org string, role accord.Role, senior, away bool) directory.User {
	t.Helper()
	admin := accord.WithActor(context.Background(), accord.SystemActor("fixture"))
	now := at("2024-03-01 09:00")
	u, err := f.dir.CreateUser(admin, now, directory.NewUser{OrgID: f.orgs[org].ID, Email: key + "@" + org + ".example",
		Name: "User " + key, Role: role, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if u, err = f.dir.UpdateUser(admin, now, u.ID, directory.UserUpdate{Senior: &senior, Away: &away}); err != nil {
		t.Fatal(err)
	}
	f.users[key] = u
	return u
}

func (f *fixture) team(t *testing.T, in cases.NewTeam, members ...string) cases.Team {
	t.Helper()
	now := at("2024-03-01 09:00")
	tm, err := f.svc.CreateTeam(f.as("admin"), now, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if tm, err = f.svc.AddMember(f.as("admin"), now, tm.ID, f.users[m].ID); err != nil {
			t.Fatal(err)
		}
	}
	return tm
}

// TestSeniorRouting: Premium's senior engineer for C1 and C2 (policy
// section 5.1, the default policy's senior_routing inclusion).
func TestSeniorRouting(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.agent(t, "senior", "vendor", accord.RoleAgent, true, false)
		seniors := f.team(t, cases.NewTeam{Name: "Senior engineers", Senior: true}, "senior")
		now := at("2024-03-12 10:00")
		type row struct {
			name     string
			customer string
			crit     sla.Criticality
			actor    string
			user     string
			reason   string
			want     accord.Kind // "" for success
		}
		rows := []row{
			{"premium C1 to a non-senior is refused", "acme", sla.C1, "agent", "agent", "", accord.Unprocessable},
			{"premium C2 to a non-senior is refused", "acme", sla.C2, "agent", "agent", "", accord.Unprocessable},
			{"premium C1 to a senior is accepted", "acme", sla.C1, "agent", "senior", "", ""},
			{"an administrator without a reason is refused too", "acme", sla.C1, "admin", "admin", "", accord.Unprocessable},
			{"an agent may not override", "acme", sla.C2, "agent", "agent", "customer asked for Ana", accord.Forbidden},
			{"an administrator overrides with a reason", "acme", sla.C1, "admin", "admin", "every senior is at the ransomware case", ""},
			{"advanced C1 is unaffected", "globex", sla.C1, "agent", "agent", "", ""},
			{"premium C3 is unaffected", "acme", sla.C3, "agent", "agent", "", ""},
			{"an override where no rule refuses is refused", "acme", sla.C3, "admin", "admin", "just because", accord.Invalid},
		}
		for i, r := range rows {
			c := f.openPortal(t, r.customer, now, incident(r.crit, fmt.Sprintf("Case %d", i)))
			wantSenior := r.customer == "acme" && (r.crit == sla.C1 || r.crit == sla.C2)
			if c.SeniorRequired != wantSenior || (c.TeamID == seniors.ID) != wantSenior {
				t.Fatalf("%s: opened with senior_required %v in team %q, want %v in the senior queue", r.name, c.SeniorRequired, c.TeamID, wantSenior)
			}
			got, err := f.svc.Assign(f.as(r.actor), now, c.ID, cases.Assignment{UserID: f.users[r.user].ID, OverrideReason: r.reason})
			if r.want != "" {
				if !accord.IsKind(err, r.want) {
					t.Fatalf("%s: got %v, want %s", r.name, err, r.want)
				}
				if r.want == accord.Unprocessable && !strings.Contains(err.Error(), "rule senior_routing") {
					t.Errorf("%s: the refusal %q does not name the rule", r.name, err)
				}
				if still := f.get(t, "agent", now, c.ID); still.AssigneeID != "" {
					t.Errorf("%s: refused, yet assigned to %s", r.name, still.AssigneeID)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", r.name, err)
			}
			if got.AssigneeID != f.users[r.user].ID || got.AssigneeSenior != (r.user == "senior") {
				t.Errorf("%s: assigned to %s (senior %v)", r.name, got.AssigneeID, got.AssigneeSenior)
			}
			entries, err := f.svc.Timeline(f.as("agent"), now, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			last := entries[len(entries)-1]
			for _, e := range entries {
				if e.Kind == cases.Assigned && e.Data.UserID == f.users[r.user].ID {
					last = e
				}
			}
			if last.Data.Override != (r.reason != "") || last.Data.Reason != r.reason && r.reason != "" || !last.Internal {
				t.Errorf("%s: assignment entry %+v", r.name, last)
			}
			events, _, err := f.audit.List(sys, audit.Filter{EntityID: &c.ID}, accord.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			overrides := 0
			for _, ev := range events {
				if ev.Action == "case.senior_override" {
					overrides++
				}
			}
			if want := map[bool]int{true: 1}[r.reason != ""]; overrides != want {
				t.Errorf("%s: %d override events, want %d", r.name, overrides, want)
			}
		}

		// Reclassified to C1, a Premium case moves to the senior queue and
		// leaves its non-senior assignee; back to C3 it stays where it is.
		c := f.openPortal(t, "acme", now, incident(sla.C3, "Slow reports"))
		if _, err := f.svc.Assign(f.as("agent"), now, c.ID, cases.Assignment{UserID: f.users["agent"].ID}); err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.Reclassify(f.as("agent"), now, c.ID, cases.Reclassification{Criticality: sla.C1, Reason: "production is down"})
		if err != nil {
			t.Fatal(err)
		}
		if !c.SeniorRequired || c.TeamID != seniors.ID || c.AssigneeID != "" {
			t.Errorf("reclassified to C1: senior_required %v, team %q, assignee %q", c.SeniorRequired, c.TeamID, c.AssigneeID)
		}
		if c, err = f.svc.Reclassify(f.as("agent"), now, c.ID, cases.Reclassification{Criticality: sla.C3, Reason: "a workaround exists"}); err != nil {
			t.Fatal(err)
		}
		if c.SeniorRequired || c.TeamID != seniors.ID {
			t.Errorf("back to C3: senior_required %v, team %q", c.SeniorRequired, c.TeamID)
		}
		if _, err := f.svc.Assign(f.as("agent"), now, c.ID, cases.Assignment{UserID: f.users["agent"].ID}); err != nil {
			t.Errorf("C3 again, to a non-senior: %v", err)
		}

		// With round-robin on, the senior queue gives a case reclassified
		// into it to its senior member at once.
		yes := true
		if _, err := f.svc.UpdateTeam(f.as("admin"), now, seniors.ID, cases.TeamUpdate{RoundRobin: &yes}); err != nil {
			t.Fatal(err)
		}
		if c, err = f.svc.Reclassify(f.as("agent"), now, c.ID, cases.Reclassification{Criticality: sla.C2, Reason: "the workaround failed"}); err != nil {
			t.Fatal(err)
		}
		if c.TeamID != seniors.ID || c.AssigneeID != f.users["senior"].ID || !c.AssigneeSenior {
			t.Errorf("reclassified into a round-robin senior queue: team %q, assignee %q", c.TeamID, c.AssigneeID)
		}
		if tm, _ := f.svc.Team(f.as("admin"), now, seniors.ID); tm.Last != f.users["senior"].ID {
			t.Errorf("the rotation's last member is %q", tm.Last)
		}
	})
}

// TestRoundRobin: concurrent openings routed to a round-robin team share
// the cases equally among the members who are in, and never give one to
// an agent marked away.
func TestRoundRobin(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.agent(t, "ana", "vendor", accord.RoleAgent, false, false)
		f.agent(t, "bruno", "vendor", accord.RoleAgent, false, false)
		f.agent(t, "carla", "vendor", accord.RoleAgent, false, true)
		desk := f.team(t, cases.NewTeam{Name: "Front desk", Intake: true, RoundRobin: true}, "ana", "bruno", "carla")
		now := at("2024-03-12 10:00")
		const n = 8
		var wg sync.WaitGroup
		got := make([]cases.Case, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				got[i], errs[i] = f.svc.Open(f.as("acme"), now, incident(sla.C3, fmt.Sprintf("Report %d fails", i)))
			})
		}
		wg.Wait()
		count := map[accord.ID]int{}
		for i, c := range got {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if c.TeamID != desk.ID || c.State != cases.New {
				t.Errorf("case %d: team %q, state %s", c.Number, c.TeamID, c.State)
			}
			count[c.AssigneeID]++
		}
		if count[f.users["ana"].ID] != n/2 || count[f.users["bruno"].ID] != n/2 || count[f.users["carla"].ID] != 0 {
			t.Errorf("shares: ana %d, bruno %d, carla (away) %d; want %d, %d, 0",
				count[f.users["ana"].ID], count[f.users["bruno"].ID], count[f.users["carla"].ID], n/2, n/2)
		}

		// Without a senior team, a Premium C1 case goes to the intake team,
		// whose rotation gives it to no member who is not senior.
		if c := f.openPortal(t, "acme", now, incident(sla.C1, "Vault down")); c.TeamID != desk.ID || c.AssigneeID != "" {
			t.Errorf("a C1 in a desk without seniors: team %q, assignee %q", c.TeamID, c.AssigneeID)
		}

		// With everybody away, the case waits in the team's queue.
		yes := true
		for _, k := range []string{"ana", "bruno"} {
			if _, err := f.dir.UpdateUser(f.as(k), now, f.users[k].ID, directory.UserUpdate{Away: &yes}); err != nil {
				t.Fatal(err)
			}
		}
		c := f.openPortal(t, "acme", now, incident(sla.C3, "Nobody in"))
		if c.TeamID != desk.ID || c.AssigneeID != "" {
			t.Errorf("everybody away: team %q, assignee %q", c.TeamID, c.AssigneeID)
		}
	})
}

// TestTeamView: the team view lists the active cases of the reader's
// teams, and a partner's team never shows a case of a customer the
// partner does not serve, even one put in its queue.
func TestTeamView(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		now := at("2024-03-12 10:00")
		vendorTeam := f.team(t, cases.NewTeam{Name: "Platform"}, "agent")
		partnerTeam := f.team(t, cases.NewTeam{Name: "Southwind desk", OrgID: f.orgs["partner"].ID}, "partner")
		acme := f.openPortal(t, "acme", now, incident(sla.C3, "Acme report"))
		globex := f.openPortal(t, "globex", now, incident(sla.C3, "Globex report"))
		other := f.openPortal(t, "acme", now, incident(sla.C4, "Not in a team"))
		move := func(who string, c cases.Case, team accord.ID) {
			t.Helper()
			if _, err := f.svc.Assign(f.as(who), now, c.ID, cases.Assignment{TeamID: &team}); err != nil {
				t.Fatal(err)
			}
		}
		move("agent", acme, vendorTeam.ID)
		move("partner", globex, partnerTeam.ID)
		// The vendor puts an Acme case in the partner's queue by mistake.
		move("admin", other, partnerTeam.ID)
		if _, err := f.svc.Assign(f.as("partner"), now, acme.ID, cases.Assignment{TeamID: &vendorTeam.ID}); !accord.IsKind(err, accord.NotFound) {
			t.Errorf("the partner moves an Acme case: %v, want not found", err)
		}
		if _, err := f.svc.Assign(f.as("partner"), now, globex.ID, cases.Assignment{TeamID: &vendorTeam.ID}); !accord.IsKind(err, accord.Invalid) {
			t.Errorf("the partner moves a case to the vendor's team: %v, want invalid team_id", err)
		}
		list := func(who string) []string {
			t.Helper()
			l, _, err := f.svc.List(f.as(who), now, cases.Filter{View: cases.ViewTeam}, accord.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, c := range l {
				titles = append(titles, c.Title)
			}
			return titles
		}
		if got := fmt.Sprint(list("agent")); got != "[Acme report]" {
			t.Errorf("the vendor agent's team view: %s", got)
		}
		if got := fmt.Sprint(list("partner")); got != "[Globex report]" {
			t.Errorf("the partner agent's team view: %s", got)
		}
		if got := list("admin"); len(got) != 0 {
			t.Errorf("the admin, in no team, sees %v", got)
		}
		if _, err := f.svc.Teams(f.as("acme"), now, cases.TeamFilter{}); !accord.IsKind(err, accord.Forbidden) {
			t.Errorf("a customer lists teams: %v", err)
		}
		if l, err := f.svc.Teams(f.as("partner"), now, cases.TeamFilter{}); err != nil || len(l) != 1 || l[0].ID != partnerTeam.ID {
			t.Errorf("the partner lists teams: %v %v", l, err)
		}
		if _, err := f.svc.CreateTeam(f.as("admin"), now, cases.NewTeam{Name: "Partner seniors", OrgID: f.orgs["partner"].ID, Senior: true}); !accord.IsKind(err, accord.Invalid) {
			t.Errorf("a senior partner team: %v", err)
		}
		if _, err := f.svc.AddMember(f.as("admin"), now, partnerTeam.ID, f.users["agent"].ID); !accord.IsKind(err, accord.Invalid) {
			t.Errorf("a vendor agent in a partner team: %v", err)
		}
	})
}
