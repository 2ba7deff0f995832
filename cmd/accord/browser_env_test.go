package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserEnvironmentPortuguese: Acme's CTO, reading Portuguese, finds
// the managed environment in the portal and reads its backup policy, the
// agreement given, the snapshots kept and the restore test; the pages, and
// the vendor's forms for environments and notices, are axe-clean.
func TestBrowserEnvironmentPortuguese(t *testing.T) {
	b := newBrowser(t)
	customer := b.person("customer")
	customer.signIn("cto@acme.example")
	customer.setLocale("pt-BR", "Preferências salvas.")
	customer.open("/environments")
	customer.see("main h1", "Ambientes gerenciados")
	customer.see("main table", "PAM production", "Vault PAM 4.2.1", "Ativo")
	customer.checkA11y("/environments")
	customer.follow(`main table a[href^="/environments/"]`)
	customer.see("#h-backup + dl", "Diários", "30 dias", "A cada 12 meses", "Sim, feito no máximo 12 horas antes do início da mudança")
	customer.see("section[aria-labelledby=h-backup]", "Aprovada pelo cliente em")
	customer.see("section[aria-labelledby=h-snapshots]", "Snapshots", "Diário", "Antes de uma mudança", "gs://northwind-backups/acme/pam-prod/daily-")
	customer.see("section[aria-labelledby=h-restore]", "Último teste de restauração", "Próximo teste de restauração previsto até")
	path := customer.path()
	customer.checkA11y(path)
	customer.shot("environment-pt-BR")
	customer.follow(`a[href^="/engagements/new?environment="]`)
	customer.see(`label[for="f-environment_id"]`, "Ambiente gerenciado")
	if got := get(customer, "read the environment chosen", chromedp.Evaluate[string](
		`document.querySelector("#f-environment_id").selectedOptions[0].textContent`)); !strings.Contains(got, "PAM production") {
		t.Errorf("the request form chose %q, not the environment it came from", got)
	}
	customer.checkA11y("/engagements/new?environment=")

	agent := b.person("agent")
	agent.signIn("agent@northwind.example")
	for _, page := range []string{"/environments", path, path + "/edit", "/notices/new", "/notices"} {
		agent.open(page)
		agent.checkA11y(page)
	}
}
