package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"accord/internal/raci"
)

// vendorAPI signs in to the demo's API as its administrator, for setting up
// what the demo does not have: a managed environment with an agreed matrix.
type vendorAPI struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newVendorAPI(t *testing.T, base string) *vendorAPI {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	v := &vendorAPI{t: t, base: base, client: &http.Client{Jar: jar}}
	v.call("POST", "/api/v1/login", map[string]string{"email": "admin@northwind.example", "password": demoPassword}, nil)
	return v
}

// call sends body as JSON and decodes the answer into out; anything but a
// 2xx ends the test.
func (v *vendorAPI) call(method, path string, body, out any) {
	v.t.Helper()
	js, err := json.Marshal(body)
	if err != nil {
		v.t.Fatal(err)
	}
	req, err := http.NewRequest(method, v.base+path, bytes.NewReader(js))
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode/100 != 2 {
		v.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			v.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// TestBrowserRaciPortuguese: a customer contact who reads Portuguese finds
// who does what in its environment, sees what was agreed for it, prints
// it, and every page passes axe.
func TestBrowserRaciPortuguese(t *testing.T) {
	b := newBrowser(t)
	vendor := newVendorAPI(t, b.base)
	var orgs struct {
		Items []struct{ ID, Name string }
	}
	vendor.call("GET", "/api/v1/organizations?limit=100", nil, &orgs)
	var acme string
	for _, o := range orgs.Items {
		if o.Name == "Acme Bank" {
			acme = o.ID
		}
	}
	var env struct{ ID string }
	vendor.call("POST", "/api/v1/environments", map[string]string{"org_id": acme, "name": "Acme production", "product": "Vault"}, &env)
	agreed := strings.Replace(raci.DefaultDocument(), `letters: {vendor: R, customer: "I, A"}`, `letters: {vendor: "R, A", customer: I}`, 1)
	vendor.call("PUT", "/api/v1/environments/"+env.ID+"/raci", map[string]string{"document": agreed, "note": "assinado em 20/11/2026"}, nil)

	customer := b.person("customer")
	customer.signIn("cto@acme.example")
	customer.setLocale("pt-BR", "Preferências salvas.")
	customer.follow(`nav a[href="/raci"]`)
	customer.see("main", "Quem faz o quê", "Seus ambientes", "Gestão de mudanças", "Aprovar a mudança antes do início")
	customer.checkA11y("/raci")

	customer.follow(`main a[href="/environments/` + env.ID + `/raci"]`)
	customer.see("main h1", "Quem faz o quê: Acme production")
	customer.see("main", "Versão 1 acordada para este ambiente", "O que foi acordado para este ambiente",
		"Promover as mudanças nos bancos de dados do cliente para o ambiente de produção", "assinado em 20/11/2026")
	customer.see(`#activity-approve td[data-label="Cliente"]`, "R, A")
	customer.checkA11y("/environments/{id}/raci")
	customer.scrollTo(`#process-change`)
	customer.shot("raci-pt-BR")

	customer.open("/environments/" + env.ID + "/raci/print")
	customer.see("main", "Gestão de backups", "Aprovador — aprova o trabalho")
	if n := get(customer, "count navigation", chromedp.Evaluate[int](`document.querySelectorAll("nav, header.top").length`)); n != 0 {
		t.Errorf("the printable page has %d navigation elements", n)
	}
	customer.checkA11y("/environments/{id}/raci/print")

	// Another customer's contact does not find it.
	other := b.person("globex")
	other.signIn("it@globex.example")
	other.open("/environments/" + env.ID + "/raci")
	if got := get(other, "read the title", chromedp.Evaluate[string](`document.querySelector("main").innerText`)); strings.Contains(got, "Acme") {
		t.Errorf("Globex's contact sees Acme's matrix: %s", got)
	}
}
