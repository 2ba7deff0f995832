package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"accord/internal/cases"
	"accord/internal/sla"
)

// TestTeamPages: an administrator makes a team and puts the agent in it;
// new cases go to its queue, which the agent's "My teams" tab and the team
// filter list; the dashboard's numbers link to the same cases.
func TestTeamPages(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		page := f.page("admin", "/admin/teams")
		for _, want := range []string{`action="/admin/teams"`, `name="round_robin"`, ">Southwind (", "No team yet."} {
			if !strings.Contains(page, want) {
				t.Errorf("the teams page lacks %s", want)
			}
		}
		r := f.post("admin", "/admin/teams", url.Values{"name": {"Partner seniors"}, "org_id": {string(f.orgs["partner"].ID)}, "senior": {"true"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "only the vendor&#39;s teams are senior engineers&#39; queues") {
			t.Errorf("a senior partner team: %d", r.status)
		}
		r = f.post("admin", "/admin/teams", url.Values{"name": {"Support desk"}, "org_id": {string(f.orgs["vendor"].ID)}, "intake": {"true"}, "round_robin": {"true"}})
		mustPost(t, r, "create the desk")
		teamPath := r.location
		if !strings.HasPrefix(teamPath, "/admin/teams/team_") {
			t.Fatalf("created, then sent to %s", teamPath)
		}
		mustPost(t, f.post("admin", teamPath+"/members", url.Values{"user_id": {string(f.users["agent"].ID)}}), "add the agent")
		page = f.page("admin", teamPath)
		if !strings.Contains(page, "User agent") || !strings.Contains(page, teamPath+"/members/"+string(f.users["agent"].ID)+"/remove") {
			t.Error("the team page does not list its member")
		}
		if r := f.get("acme", "/admin/teams"); r.status != http.StatusForbidden {
			t.Errorf("a customer opens the teams page: %d", r.status)
		}
		if r := f.post("agent", teamPath, url.Values{"name": {"Mine now"}}); r.status != http.StatusForbidden {
			t.Errorf("an agent renames the team: %d", r.status)
		}

		// A Premium C3 case is routed to the desk and, by round-robin, to the
		// agent; the C2 fixture incident needs a senior engineer: with no
		// senior team it waits in the desk's queue, given to nobody, since
		// the desk has no senior engineer.
		c, err := f.cases.Open(f.as("acme"), f.now, cases.NewCase{Type: cases.Question, Title: "Where are the recordings kept?",
			Description: "We cannot find last week's.", Details: cases.Details{Criticality: sla.C3}})
		if err != nil {
			t.Fatal(err)
		}
		senior := f.openIncident("Vault refuses sign-in")
		team := strings.TrimPrefix(teamPath, "/admin/teams/")
		if c.AssigneeID != f.users["agent"].ID || string(senior.TeamID) != team || senior.AssigneeID != "" {
			t.Fatalf("routing: the question went to %q, the incident to %q in team %q", c.AssigneeID, senior.AssigneeID, senior.TeamID)
		}
		for path, both := range map[string]bool{"/queue?view=team": true, "/queue?view=updated&team=" + team: true,
			"/queue?view=updated&assigned=" + string(f.users["agent"].ID): false} {
			page := f.page("agent", path)
			if !strings.Contains(page, `href="/cases/`+string(c.ID)+`"`) || strings.Contains(page, `href="/cases/`+string(senior.ID)+`"`) != both {
				t.Errorf("%s lists the wrong cases", path)
			}
		}
		if page := f.page("admin", "/queue?view=team"); strings.Contains(page, `href="/cases/`+string(c.ID)+`"`) {
			t.Error("the admin, in no team, sees the desk's case in My teams")
		}

		// The dashboard's backlog cell of the new C3 cases links to them.
		page = f.page("admin", "/dashboard")
		drill := `/queue?criticality=C3&amp;state=new&amp;view=updated`
		if !strings.Contains(page, `<a href="`+drill+`">1</a>`) {
			t.Fatalf("the dashboard lacks the backlog's drill-down %s", drill)
		}
		if page := f.page("admin", strings.ReplaceAll(drill, "&amp;", "&")); !strings.Contains(page, `href="/cases/`+string(c.ID)+`"`) {
			t.Error("the drill-down does not list the case it counts")
		}
		if !strings.Contains(page, "?assigned="+string(f.users["agent"].ID)+"&amp;state=active&amp;view=updated") {
			t.Error("the load of the agent does not link to the agent's open cases")
		}
	})
}

// TestAwaySwitch: an agent marks itself away on the settings page, and
// back.
func TestAwaySwitch(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		if page := f.page("agent", "/settings"); !strings.Contains(page, "Mark me away") {
			t.Fatal("the settings page offers no away switch")
		}
		if page := f.page("acme", "/settings"); strings.Contains(page, "Mark me away") {
			t.Error("a customer's contact is offered the away switch")
		}
		for _, away := range []bool{true, false} {
			mustPost(t, f.post("agent", "/settings/away", url.Values{"away": {map[bool]string{true: "true", false: "false"}[away]}}), "switch")
			u, err := f.dir.GetUser(f.as("agent"), f.now, f.users["agent"].ID)
			if err != nil {
				t.Fatal(err)
			}
			if u.Away != away {
				t.Errorf("after the switch away is %v, want %v", u.Away, away)
			}
		}
		if r := f.post("acme", "/settings/away", url.Values{"away": {"true"}}); r.status != http.StatusBadRequest {
			t.Errorf("a customer's contact marks itself away: %d", r.status)
		}
	})
}
