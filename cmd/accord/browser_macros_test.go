package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// openQuestion opens a question case as the signed-in customer, through
// the API from the customer's own page, and returns its id.
func (p *person) openQuestion(title string) string {
	p.t.Helper()
	id := get(p, "open "+title, chromedp.Evaluate[string](`fetch("/api/v1/cases", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({type: "question", title: "`+jsString(title)+`", description: "Which port does the agent use?"})})
		.then(r => r.json()).then(j => j.id || JSON.stringify(j))`, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(id, "cas_") {
		p.t.Fatalf("open %s: %s", title, id)
	}
	return id
}

// TestBrowserMacrosAndBulk is an agent's morning with macros: a Portuguese
// customer's cases are answered with a macro typed as ::ola and with the
// reply box's picker, both in Portuguese; then three cases are resolved in
// bulk from the queue, one of them already resolved, and the page says
// which were done and why the other refused. axe checks the new pages.
func TestBrowserMacrosAndBulk(t *testing.T) {
	b := newBrowser(t)
	customer := b.person("customer")
	customer.signIn("cto@acme.example")
	customer.setLocale("pt-BR", "Preferências salvas.")
	var ids []string
	for _, title := range []string{"Porta do agente", "Porta do proxy", "Porta do cofre"} {
		ids = append(ids, customer.openQuestion(title))
	}

	agent := b.person("agent") // the demo agent reads Portuguese
	agent.signIn("agent@northwind.example")
	agent.open("/macros")
	agent.checkA11y("/macros")
	agent.fill(`#f-name`, "ola",
		`[name="bodies.en-US"]`, "Hello {{contact}}, we received case {{case_number}}.",
		`[name="bodies.pt-BR"]`, "Olá {{contact}}, recebemos o chamado {{case_number}}.")
	agent.submit(`form[action="/macros"]`)
	agent.see(`.flash`, "Macro salva.")
	agent.see(`main table`, "::ola", "pt-BR")

	// ::ola and a space, typed in the reply box.
	reply := `form[action$="/reply"] textarea[name="body"]`
	agent.open("/cases/" + ids[0])
	agent.do("type ::ola", chromedp.Click(chromedp.CSS(reply)), chromedp.SendKeys(chromedp.CSS(reply), "::ola "))
	get(agent, "wait for the macro", chromedp.Poll[bool](`document.querySelector('`+reply+`').value.startsWith("Olá Carla Chief, recebemos o chamado #")`))
	agent.see(`#macro-note`, "ola", "Português")
	agent.submit(`form[action$="/reply"]`)
	agent.see(`.flash`, "Sua mensagem foi enviada.")
	agent.see(`.timeline`, "Olá Carla Chief, recebemos o chamado #")

	// The picker: choose, insert (the page comes back with the text).
	agent.open("/cases/" + ids[1])
	agent.await("insert with the picker", chromedp.Click(chromedp.CSS(`form[action$="/reply"] button[formaction$="/macros/insert"]`)))
	if got := get(agent, "read the reply box", chromedp.Value(chromedp.CSS(reply))); !strings.HasPrefix(got, "Olá Carla Chief, recebemos o chamado #") {
		t.Fatalf("the picker inserted %q", got)
	}
	agent.see(`#macro-note`, "Português")
	agent.checkA11y("case page with a macro inserted")
	agent.submit(`form[action$="/reply"]`)
	agent.see(`.flash`, "Sua mensagem foi enviada.")

	// The third case is resolved already: the bulk resolution refuses it.
	agent.open("/cases/" + ids[2])
	agent.fill(`form[action$="/resolve"] [name="summary"]`, "A porta é a 8443.")
	agent.submit(`form[action$="/resolve"]`)
	agent.see(`.flash`, "O chamado foi resolvido.")

	agent.open("/queue?view=updated")
	agent.checkA11y("/queue?view=updated")
	for _, id := range ids {
		agent.do("tick "+id, chromedp.Click(chromedp.CSS(`input[name="case_id"][value="`+id+`"]`)))
	}
	agent.fill(`#bulk-action`, "resolve", `#bulk-text`, "Respondido: a porta é a 8443.")
	agent.submit(`#bulk`)
	agent.see(`#bulk-results`, "Feito", "Recusado:", "already resolved")
	agent.see(`main [role="status"]`, "2 de 3")
	agent.checkA11y("bulk results")
	for i, want := range []string{"bulk-ok", "bulk-ok", "bulk-refused"} {
		row := `#bulk-results tr:has(a[href="/cases/` + ids[i] + `"])`
		if got := get(agent, "read the row of "+ids[i], chromedp.Evaluate[string](`document.querySelector('`+row+`').className`)); got != want {
			t.Errorf("case %d: row %q, want %q", i, got, want)
		}
	}
}

// TestBrowserShortcuts: on the queue, ? shows the list and j moves to the
// first case; typing in the search field types the letter; turned off on
// the shortcuts page, the keys do nothing.
func TestBrowserShortcuts(t *testing.T) {
	b := newBrowser(t)
	agent := b.person("agent")
	agent.signIn("agent@northwind.example")
	agent.open("/queue")
	agent.do("press ?", chromedp.KeyEvent("?"))
	get(agent, "wait for the list", chromedp.Poll[bool](`document.getElementById("shortcuts-help").open`))
	agent.checkA11y("the shortcuts overlay")
	agent.do("close the list", chromedp.Click(chromedp.CSS(`#shortcuts-help button`)))
	agent.do("press j", chromedp.KeyEvent("j"))
	if got := get(agent, "read the focus", chromedp.Evaluate[string](`document.activeElement.getAttribute("href") || ""`)); !strings.HasPrefix(got, "/cases/") {
		t.Fatalf("j focused %q, want the first case", got)
	}
	agent.do("type j in the search field", chromedp.Click(chromedp.CSS(`#f-q`)), chromedp.KeyEvent("j"))
	if got := get(agent, "read the search field", chromedp.Value(chromedp.CSS(`#f-q`))); got != "j" {
		t.Errorf("typing j in the search field left %q", got)
	}
	if got := get(agent, "read the focus", chromedp.Evaluate[string](`document.activeElement.id`)); got != "f-q" {
		t.Errorf("typing j in the search field moved the focus to %q", got)
	}

	agent.open("/shortcuts")
	agent.checkA11y("/shortcuts")
	agent.do("turn the shortcuts off", chromedp.Click(chromedp.CSS(`#f-shortcuts`)))
	agent.submit(`form[action="/shortcuts"]`)
	agent.see(`.flash`)
	agent.open("/queue")
	agent.do("press ? and j", chromedp.KeyEvent("?"), chromedp.KeyEvent("j"))
	if got := get(agent, "look for the list", chromedp.Evaluate[bool](`!!document.querySelector("dialog[open]") || document.activeElement.tagName === "A"`)); got {
		t.Error("turned off, the shortcuts still answer")
	}
}
