package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserInstallations: Globex's contact, reading Spanish, finds the
// appliance on 3.21 and the product's published versions with their notes;
// the vendor's agent records that Acme still runs 3.20 on a test system
// and sees it listed past end of support; Acme's CTO sees the notice and
// removes the installation. The pages pass axe.
func TestBrowserInstallations(t *testing.T) {
	b := newBrowser(t)
	gina := b.person("globex")
	gina.signIn("it@globex.example")
	gina.open("/installations")
	gina.see("main h1", "Instalaciones")
	gina.see("main table", "Accord Identity", "3.21", "Appliance", "GX-APL-0042")
	gina.checkA11y("/installations")
	gina.follow(`main table a[href^="/products/"]`)
	gina.see("main", "Versión 3.22", "Versión 3.21", "Passkeys", "Fin del soporte")
	gina.checkA11y(gina.path())

	agent := b.person("agent")
	agent.signIn("agent@northwind.example")
	agent.open("/installations")
	agent.do("choose Acme Bank", chromedp.Evaluate[chromedp.Void](
		`(s => s.value = [...s.options].find(o => o.textContent === "Acme Bank").value)(document.querySelector("#f-org_id"))`))
	agent.fill("#f-version", "3.20", "#f-quantity", "1")
	agent.submit(`form[method="post"][action="/installations"]`)
	agent.see("main .notice", "Acme Bank", "Accord Identity 3.20")
	agent.checkA11y("/installations")
	agent.open("/products")
	agent.checkA11y("/products")
	agent.follow(`main a[href^="/products/"]`)
	agent.checkA11y(agent.path())

	cto := b.person("acme")
	cto.signIn("cto@acme.example")
	cto.open("/installations")
	cto.see("main .notice", "Accord Identity 3.20")
	cto.await("remove the installation on 3.20", chromedp.Evaluate[chromedp.Void](
		`[...document.querySelectorAll("main table tbody tr")].find(tr => tr.cells[1].textContent.trim() === "3.20").querySelector("button").click()`))
	cto.see("main table", "3.21")
	if got := get(cto, "count the notices", chromedp.Evaluate[int](`document.querySelectorAll("main .notice").length`)); got != 0 {
		t.Errorf("%d end-of-support notices after the removal", got)
	}
}
