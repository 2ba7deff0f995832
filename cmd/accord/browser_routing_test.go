package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"github.com/chromedp/chromedp"
)

// apiAs signs in to the demo's API as email and returns a client that
// sends its session, for setting up what a browser test looks at.
func apiAs(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	apiCall(t, c, base, "POST", "/api/v1/login", map[string]string{"email": email, "password": demoPassword}, nil)
	return c
}

// apiCall sends body as JSON and decodes the answer into out, or ends the
// test when the answer is not a success.
func apiCall(t *testing.T, c *http.Client, base, method, path string, body, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, base+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e bytes.Buffer
		_, _ = e.ReadFrom(resp.Body)
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, e.String())
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserRouting: in the demo, Premium's C2 incidents go to the senior
// engineers' queue and other cases to the support desk. Sam, at the desk
// and not senior, sees the desk's case in "My teams" and not the senior
// one, and is refused the senior one with the rule named; Alice, the
// administrator, overrides the rule with a reason the timeline keeps.
func TestBrowserRouting(t *testing.T) {
	b := newBrowser(t)
	customer := apiAs(t, b.base, "cto@acme.example")
	open := func(title, crit string) string {
		var c struct{ ID string }
		apiCall(t, customer, b.base, "POST", "/api/v1/cases", map[string]any{"type": "incident", "title": title,
			"details": map[string]string{"customer_criticality": crit, "procedure": "Vault > Sign in", "version": "4.3.0",
				"observed": "Error 500", "expected": "The dashboard", "discovery": "Users called"}}, &c)
		return "/cases/" + c.ID
	}
	senior := open("Vault down for every user", "C2")
	desk := open("Report export is slow", "C3")

	agent := b.person("agent")
	agent.signIn("agent@northwind.example")
	agent.setLocale("en-US", "Your settings are saved.")
	agent.open("/queue?view=team")
	agent.see(`nav.tabs [aria-current="page"]`, "My teams")
	agent.see(`#queue-table`, "Report export is slow")
	if n := get(agent, "look for the senior case", chromedp.Evaluate[int](
		`document.querySelectorAll('#queue-table a[href="`+senior+`"]').length`)); n != 0 {
		t.Errorf("the desk's team view lists the senior engineers' case")
	}
	agent.shot("queue-team")
	agent.checkA11y("/queue?view=team")
	agent.open("/settings")
	agent.checkA11y("/settings (away)")

	agent.open(senior)
	agent.see(`#senior-rule`, "senior engineer")
	agent.fill(`form[action$="/assign"] [name="user_id"]`, agentID(t, agent))
	agent.submit(`form[action$="/assign"]`)
	agent.see(`#assign-error`, "rule senior_routing", "Sam Support is not one")

	admin := b.person("admin")
	admin.signIn("admin@northwind.example")
	admin.open(senior)
	admin.fill(`form[action$="/assign"] [name="user_id"]`, agentID(t, agent),
		`form[action$="/assign"] [name="override_reason"]`, "Alice is on the ransomware response all day.")
	admin.submit(`form[action$="/assign"]`)
	admin.see(`.flash`)
	admin.see(`.timeline`, "Senior-engineer rule overridden by an administrator.", "Alice is on the ransomware response all day.")
	admin.open(desk)
	admin.see(`.timeline`, "Moved to the queue of Support desk.")

	// The teams' administration, and the dashboard's drill-down from the
	// senior share to the cases it counts.
	admin.open("/admin/teams")
	admin.checkA11y("/admin/teams")
	admin.follow(`main table a[href^="/admin/teams/"]`)
	admin.checkA11y("/admin/teams/{id}")
	admin.open("/dashboard")
	admin.checkA11y("/dashboard")
	admin.follow(`#senior-share tbody tr:last-child a`)
	admin.see(`#queue-table`, "Vault down for every user")
}

// agentID is the signed-in person's own user id, as the page's "Assign to
// me" form or the assign form's options carry it.
func agentID(t *testing.T, p *person) string {
	t.Helper()
	return get(p, "read the demo agent's id", chromedp.Evaluate[string](
		`[...document.querySelectorAll('form[action$="/assign"] option')].find(o => o.textContent.startsWith("Sam Support")).value`))
}
