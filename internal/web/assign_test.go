package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// colleague adds an active agent named name to the fixture's organization
// org, for the pages to offer.
func (f *fixture) colleague(org, name string, role accord.Role) directory.User {
	f.t.Helper()
	u, err := f.dir.CreateUser(f.system(), f.now, directory.NewUser{OrgID: f.orgs[org].ID, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@" + org + ".example",
		Name: name, Role: role, Password: testPassword, Locale: "en-US", TimeZone: "UTC"})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func TestCaseAssignment(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		carol := f.colleague("vendor", "Carol Vendor", accord.RoleAgent)
		// The fixture's incident is Premium C2: it goes to a senior engineer.
		carol = f.senior(carol.ID)
		dave := f.colleague("partner", "Dave Partner", accord.RolePartnerAgent)
		c := f.openIncident("Vault refuses sign-in")
		path := "/cases/" + string(c.ID)

		page := f.page("agent", path)
		for _, want := range []string{`action="` + path + `/assign"`, `name="user_id"`, ">Carol Vendor (senior)</option>", ">User admin</option>"} {
			if !strings.Contains(page, want) {
				t.Errorf("the agent's page lacks %s", want)
			}
		}
		for _, absent := range []string{"Dave Partner", "User partner", "User auditor", "User acme"} {
			if strings.Contains(page, ">"+absent+"</option>") {
				t.Errorf("the agent is offered %s", absent)
			}
		}

		f.later(time.Minute)
		mustPost(t, f.post("agent", path+"/assign", url.Values{"user_id": {string(carol.ID)}}), "assign to a colleague")
		if got, _ := f.cases.Get(f.as("agent"), f.now, c.ID); got.AssigneeID != carol.ID {
			t.Fatalf("the case is assigned to %q, not Carol", got.AssigneeID)
		}
		if page := f.page("agent", path); !strings.Contains(page, "Assigned the case to Carol Vendor.") {
			t.Error("the timeline does not name whom the case was given to")
		}
		foreign := f.post("agent", path+"/assign", url.Values{"user_id": {string(dave.ID)}})
		if foreign.status != 422 || !strings.Contains(foreign.body, "must be an active agent of your own organization") {
			t.Errorf("assign to a partner's agent: %d", foreign.status)
		}

		f.later(time.Minute)
		mustPost(t, f.post("agent", path+"/assign", url.Values{"user_id": {""}}), "unassign")
		if got, _ := f.cases.Get(f.as("agent"), f.now, c.ID); got.AssigneeID != "" {
			t.Fatalf("the case is still assigned to %q", got.AssigneeID)
		}
		if page := f.page("agent", path); !strings.Contains(page, "Unassigned the case.") {
			t.Error("the timeline does not show the unassignment")
		}
		if n := f.auditCount(c.ID, "case.assign"); n != 2 {
			t.Errorf("%d assignment events, want 2", n)
		}

		// A partner agent picks among its own organization's agents only.
		g, err := f.cases.Open(f.as("globex"), f.now, cases.NewCase{Type: cases.Question, Title: "Export rules",
			Description: "How do we export?", Details: cases.Details{Criticality: sla.C4}})
		if err != nil {
			t.Fatal(err)
		}
		gpath := "/cases/" + string(g.ID)
		partner := f.page("partner", gpath)
		if !strings.Contains(partner, ">Dave Partner</option>") {
			t.Error("the partner agent is not offered its colleague")
		}
		for _, absent := range []string{"Carol Vendor", "User agent", "User admin"} {
			if strings.Contains(partner, ">"+absent+"</option>") {
				t.Errorf("the partner agent is shown %s", absent)
			}
		}
		if r := f.post("partner", gpath+"/assign", url.Values{"user_id": {string(carol.ID)}}); r.status != 422 {
			t.Errorf("a partner agent assigns to a vendor agent: %d", r.status)
		}
		mustPost(t, f.post("partner", gpath+"/assign", url.Values{"user_id": {string(dave.ID)}}), "partner assigns its colleague")
	})
}

func TestReplyTakesTheCase(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		f.senior(f.users["agent"].ID)
		c := f.openIncident("Vault refuses sign-in")
		path := "/cases/" + string(c.ID)
		if page := f.page("agent", path); !strings.Contains(page, `name="take" value="true" checked`) {
			t.Fatal("the reply form does not offer to take the unassigned case")
		}
		f.later(time.Minute)
		mustPost(t, f.post("agent", path+"/reply", url.Values{"body": {"Looking into it."}, "take": {"true"}}), "reply and take")
		if got, _ := f.cases.Get(f.as("agent"), f.now, c.ID); got.AssigneeID != f.users["agent"].ID {
			t.Fatalf("the case is assigned to %q after reply and take", got.AssigneeID)
		}
		if page := f.page("agent", path); strings.Contains(page, `name="take"`) {
			t.Error("the reply form offers to take an assigned case")
		}

		// A form sent after a colleague took the case does not take it from them.
		e := f.openIncident("Taken meanwhile")
		carol := f.senior(f.colleague("vendor", "Carol Vendor", accord.RoleAgent).ID)
		if _, err := f.cases.Assign(f.as("admin"), f.now, e.ID, cases.Assignment{UserID: carol.ID}); err != nil {
			t.Fatal(err)
		}
		f.later(time.Minute)
		mustPost(t, f.post("agent", "/cases/"+string(e.ID)+"/reply", url.Values{"body": {"Me too."}, "take": {"true"}}), "reply on a taken case")
		if got, _ := f.cases.Get(f.as("agent"), f.now, e.ID); got.AssigneeID != carol.ID {
			t.Errorf("a stale offer took the case from Carol: assigned to %q", got.AssigneeID)
		}

		d := f.openIncident("Another one")
		f.later(time.Minute)
		mustPost(t, f.post("agent", "/cases/"+string(d.ID)+"/reply", url.Values{"body": {"Only a word."}}), "reply without taking")
		if got, _ := f.cases.Get(f.as("agent"), f.now, d.ID); got.AssigneeID != "" {
			t.Errorf("the case is assigned to %q without the box ticked", got.AssigneeID)
		}
	})
}

// auditCount counts the audit events of the case id with the action.
func (f *fixture) auditCount(id accord.ID, action string) int {
	f.t.Helper()
	events, _, err := audit.NewService(store.NewAudit(f.db)).List(f.as("auditor"), audit.Filter{EntityID: &id}, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Action == action {
			n++
		}
	}
	return n
}

// The system's own entries are signed "Accord" in the reader's language,
// whatever the process that made them called itself.
func TestSystemEntriesReadAsAccord(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	c := f.openIncident("Vault refuses sign-in")
	f.later(time.Minute)
	jobs := accord.WithActor(context.Background(), accord.SystemActor("jobs"))
	if _, err := f.cases.Reply(jobs, f.now, c.ID, cases.NewReply{Body: "Automatic follow-up."}); err != nil {
		t.Fatal(err)
	}
	page := f.page("acme-admin", "/cases/"+string(c.ID)) // reads in pt-BR
	if !strings.Contains(page, `lang="pt-BR"`) || !strings.Contains(page, "<strong>Accord</strong>") || strings.Contains(page, "<strong>jobs</strong>") {
		t.Error("the system's entry is not signed Accord on a pt-BR page")
	}
}

// senior makes the user a senior engineer, as an administrator does.
func (f *fixture) senior(id accord.ID) directory.User {
	f.t.Helper()
	yes := true
	u, err := f.dir.UpdateUser(f.system(), f.now, id, directory.UserUpdate{Senior: &yes})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}
