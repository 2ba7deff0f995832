package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCaseworkFeasibility: a customer asks for an integration with
// a platform the vendor does not support; the vendor's agent (who reads
// Portuguese) starts the analysis, records it and decides it is relevant
// with a date, through the case page's forms; the customer sees the
// decision, its reasons and the date on the case page. axe checks it.
func TestBrowserCaseworkFeasibility(t *testing.T) {
	b := newBrowser(t)
	customer := b.person("customer")
	customer.signIn("cto@acme.example")
	id := get(customer, "open an enhancement request", chromedp.Evaluate[string](`fetch("/api/v1/cases", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({type: "enhancement", title: "Integrate with IBM RACF", description: "Our mainframe keeps its accounts in RACF."})})
		.then(r => r.json()).then(j => j.id || JSON.stringify(j))`, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(id, "cas_") {
		t.Fatalf("open the request: %s", id)
	}
	path := "/cases/" + id
	customer.open(path)
	customer.fill(`form[action$="/feasibility/flagged"] [name="platform"]`, "IBM RACF")
	customer.submit(`form[action$="/feasibility/flagged"]`)
	customer.see(`#feasibility`, "IBM RACF")

	agent := b.person("agent")
	agent.signIn("agent@northwind.example")
	agent.open(path)
	agent.submit(`form[action$="/feasibility/analysis_started"]`)
	agent.fill(`form[action$="/feasibility/analysis_recorded"] [name="analysis"]`, "RACF exposes an LDAP bridge that the connector can use.")
	agent.submit(`form[action$="/feasibility/analysis_recorded"]`)
	agent.do("choose relevant", chromedp.Click(chromedp.CSS(`form[action$="/feasibility/decided"] input[name="relevant"][value="yes"]`)))
	agent.fill(`form[action$="/feasibility/decided"] [name="reasons"]`, "Banks on z/OS ask for it.",
		`form[action$="/feasibility/decided"] [name="target_date"]`, "2027-06-30")
	agent.submit(`form[action$="/feasibility/decided"]`)
	agent.see(`#feasibility`, "Relevante para o produto", "2027-06-30")

	customer.open(path)
	customer.see(`#feasibility`, "IBM RACF", "LDAP bridge", "Banks on z/OS ask for it.", "2027-06-30")
	customer.see(`.timeline`, "Banks on z/OS ask for it.")
	if strings.Contains(get(customer, "read the page", chromedp.Evaluate[string](`document.body.innerHTML`)), "/feasibility/date_set") {
		t.Error("the customer is offered the vendor's date form")
	}
	customer.checkA11y("case page with an integration's evaluation")
}
