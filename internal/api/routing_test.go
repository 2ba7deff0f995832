package api

import (
	"net/http"
	"strings"
	"testing"

	"accord/internal/cases"
	"accord/internal/reports"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestRouting walks teams, seniority and the senior-engineer rule through
// the API: each answer's status and the rule's name in the refusal.
func TestRouting(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		admin, agent := string(f.users["admin"].ID), string(f.users["agent"].ID)
		want := func(what string, r response, status int, has ...string) {
			t.Helper()
			if r.status != status {
				t.Fatalf("%s: %d, want %d: %s", what, r.status, status, r.body)
			}
			for _, h := range has {
				if !strings.Contains(r.body, h) {
					t.Errorf("%s: the answer lacks %s: %s", what, h, r.body)
				}
			}
		}
		want("an agent makes a colleague senior", f.do("agent", "PATCH", "/api/v1/users/"+admin, `{"senior":true}`), http.StatusForbidden)
		want("the admin makes itself senior", f.do("admin", "PATCH", "/api/v1/users/"+admin, `{"senior":true}`), http.StatusOK, `"senior":true`)
		want("a customer is never senior", f.do("admin", "PATCH", "/api/v1/users/"+string(f.users["acme"].ID), `{"senior":true}`),
			http.StatusBadRequest, `"field":"senior"`)
		want("the agent marks itself away", f.do("agent", "PATCH", "/api/v1/me", `{"away":true}`), http.StatusOK, `"away":true`)
		want("and back", f.do("agent", "PATCH", "/api/v1/me", `{"away":false}`), http.StatusOK, `"away":false`)

		r := f.do("admin", "POST", "/api/v1/teams", `{"name":"Senior engineers","senior":true}`)
		want("create the senior team", r, http.StatusCreated)
		var team cases.Team
		r.json(t, &team)
		want("an agent creates a team", f.do("agent", "POST", "/api/v1/teams", `{"name":"Mine"}`), http.StatusForbidden)
		want("a team for a customer", f.do("admin", "POST", "/api/v1/teams", `{"name":"Acme","org_id":"`+string(f.orgs["acme"].ID)+`"}`),
			http.StatusBadRequest, `"field":"org_id"`)
		want("a second team of the same name", f.do("admin", "POST", "/api/v1/teams", `{"name":"Senior engineers"}`), http.StatusConflict)
		want("the admin joins", f.do("admin", "POST", "/api/v1/teams/"+string(team.ID)+"/members", `{"user_id":"`+admin+`"}`),
			http.StatusOK, `"user_id":"`+admin+`"`)
		want("a customer joins", f.do("admin", "POST", "/api/v1/teams/"+string(team.ID)+"/members", `{"user_id":"`+string(f.users["acme"].ID)+`"}`),
			http.StatusBadRequest, `"field":"user_id"`)
		want("a customer lists teams", f.do("acme", "GET", "/api/v1/teams", nil), http.StatusForbidden)
		want("the agent lists teams", f.do("agent", "GET", "/api/v1/teams", nil), http.StatusOK, "Senior engineers")

		c := f.openCase("acme", "urgent", incident("Nobody signs in", "C1"))
		if !c.SeniorRequired || c.TeamID != team.ID {
			t.Errorf("a Premium C1 opened: senior_required %v, team %q", c.SeniorRequired, c.TeamID)
		}
		path := "/api/v1/cases/" + f.ids["urgent"] + "/assign"
		want("to a non-senior", f.do("agent", "POST", path, `{"user_id":"`+agent+`"}`), http.StatusUnprocessableEntity,
			`"kind":"unprocessable"`, `"field":"user_id"`, "rule senior_routing")
		want("an agent overrides", f.do("agent", "POST", path, `{"user_id":"`+agent+`","override_reason":"Ana is out"}`), http.StatusForbidden)
		want("to the senior", f.do("agent", "POST", path, `{"user_id":"`+admin+`"}`), http.StatusOK, `"assignee_senior":true`)
		want("the admin overrides", f.do("admin", "POST", path, `{"user_id":"`+agent+`","override_reason":"Every senior is at the ransomware case"}`),
			http.StatusOK, `"assignee_id":"`+agent+`"`, `"assignee_senior":false`)
		overridden := false
		for _, e := range f.timeline("agent", "urgent") {
			overridden = overridden || e.Kind == cases.Assigned && e.Data.Override && e.Data.Reason == "Every senior is at the ransomware case"
		}
		if !overridden {
			t.Error("the timeline does not keep the override")
		}
		audit := f.do("admin", "GET", "/api/v1/audit?entity_id="+f.ids["urgent"], nil)
		want("the audit trail", audit, http.StatusOK, `"action":"case.senior_override"`)

		want("the team filter", f.do("agent", "GET", "/api/v1/cases?team_id="+string(team.ID), nil), http.StatusOK, f.ids["urgent"])
		want("a bad team filter", f.do("agent", "GET", "/api/v1/cases?team_id=x", nil), http.StatusBadRequest, `"field":"team_id"`)
		want("the team view of the agent, in no team", f.do("agent", "GET", "/api/v1/cases?view=team", nil), http.StatusOK, `"items":[]`)
		want("the team view of the admin", f.do("admin", "GET", "/api/v1/cases?view=team", nil), http.StatusOK, f.ids["urgent"])
		want("a bad period", f.do("agent", "GET", "/api/v1/cases?opened_from=yesterday", nil), http.StatusBadRequest, `"field":"opened_from"`)

		r = f.do("admin", "GET", "/api/v1/reports/dashboard?days=7", nil)
		want("the dashboard", r, http.StatusOK)
		var d reports.Dashboard
		r.json(t, &d)
		if len(d.Volume) != 7 || len(d.Load) != 1 || d.Load[0].Cases != 1 || d.Senior[len(d.Senior)-1].Required != 1 {
			t.Errorf("the dashboard: %d days, load %+v, senior %+v", len(d.Volume), d.Load, d.Senior)
		}
		want("the dashboard for a customer", f.do("acme", "GET", "/api/v1/reports/dashboard", nil), http.StatusForbidden)
		want("a bad window", f.do("admin", "GET", "/api/v1/reports/dashboard?days=400", nil), http.StatusBadRequest, `"field":"days"`)
	})
}
