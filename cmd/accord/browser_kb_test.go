package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserKnowledgeBase: a Portuguese-speaking customer typing "senha
// expirada" as a new case's title is offered the Portuguese article, opens
// it, says it solved the problem; anonymous readers reach it at /kb and in
// the sitemap, never the internal runbook. axe checks the new pages.
func TestBrowserKnowledgeBase(t *testing.T) {
	b := newBrowser(t)
	customer := b.person("customer")
	customer.signIn("cto@acme.example")
	customer.setLocale("pt-BR", "Preferências salvas.")
	customer.open("/cases/new")
	customer.do("type the title", chromedp.Click(chromedp.CSS(`#f-title`)), chromedp.SendKeys(chromedp.CSS(`#f-title`), "senha expirada"))
	customer.see(`#kb-suggestions a[href="/kb/senha-expirada"]`, "Senha expirada")
	links := get(customer, "read the suggestions", chromedp.Evaluate[string](
		`[...document.querySelectorAll("#kb-suggestions a")].map(a => a.getAttribute("href")).join(" ")`))
	if strings.Contains(links, "expired-password") || strings.Contains(links, "contrasena") || strings.Contains(links, "runbook") {
		t.Fatalf("suggestions outside Portuguese or visibility: %s", links)
	}
	customer.checkA11y("/cases/new")
	customer.open("/kb/senha-expirada")
	customer.checkA11y("/kb/senha-expirada")
	customer.submit(`form[action="/kb/senha-expirada/solved"]`)
	customer.see(`[role="status"]`, "Obrigado")

	reader := b.person("anonymous reader")
	reader.open("/kb?q=configura%C3%A7%C3%A3o+senhas&lang=all")
	reader.see(`#kb-results`, "Senha expirada")
	reader.checkA11y("/kb")
	reader.open("/kb/vault-unseal-runbook")
	if body := get(reader, "read the page", chromedp.Text(chromedp.CSS("main"))); strings.Contains(body, "escrow") {
		t.Fatalf("the internal runbook reached an anonymous reader: %s", body)
	}
}
