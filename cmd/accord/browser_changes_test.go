package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"accord/internal/changes"
)

// apiUser is someone using the REST API of the demo server, as the
// vendor's automation does.
type apiUser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func apiSignIn(t *testing.T, base, email string) *apiUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &apiUser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	u.call("POST", "/api/v1/login", map[string]string{"email": email, "password": demoPassword}, nil)
	return u
}

// call sends body as JSON and decodes the answer into out; anything but
// 2xx ends the test.
func (u *apiUser) call(method, path string, body, out any) {
	u.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, u.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode/100 != 2 {
		u.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			u.t.Fatal(err)
		}
	}
}

// selectText picks the option of the select sel whose text is text.
func (p *person) selectText(sel, text string) {
	p.t.Helper()
	p.do("choose "+text+" in "+sel, chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.querySelector("`+jsString(sel)+`");
		for (const o of s.options) { if (o.text.startsWith("`+jsString(text)+`")) { s.value = o.value; } }
	})()`))
}

// TestBrowserChangeFlow is issue 16's "Done when" in the browser: a
// customer following it in Portuguese requests a medium change that needs
// a shutdown; the vendor assesses it and is refused a schedule outside the
// maintenance window, with the next allowed start; the customer approves
// and a second vendor person validates; the start waits for a snapshot
// and for the approved slot; a change whose slot has come runs and
// completes with its activity report.
func TestBrowserChangeFlow(t *testing.T) {
	b := newBrowser(t)
	admin := apiSignIn(t, b.base, "admin@northwind.example")
	var orgs struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	admin.call("GET", "/api/v1/organizations", nil, &orgs)
	var acme string
	for _, o := range orgs.Items {
		if o.Name == "Acme Bank" {
			acme = o.ID
		}
	}
	var env struct {
		ID string `json:"id"`
	}
	admin.call("POST", "/api/v1/environments", map[string]any{"org_id": acme, "name": "Cofre de produção", "product": "Vault",
		"version": "4.2", "region": "europe-west1", "status": "active"}, &env)
	const rule = "every saturday 22:00-02:00"
	admin.call("POST", "/api/v1/environments/"+env.ID+"/maintenance-windows", map[string]string{"rule": rule,
		"vendor_agreed_by": "Alice Admin", "customer_agreed_by": "Carla Chief"}, nil)

	// A second environment has a window around the present, and a change
	// in it agreed over the API for a slot that opens a minute or two from
	// now: the browser runs it to its activity report once the slot opens,
	// while the first change below is requested, refused and approved.
	paris, _ := time.LoadLocation("Europe/Paris")
	var env2 struct {
		ID string `json:"id"`
	}
	admin.call("POST", "/api/v1/environments", map[string]any{"org_id": acme, "name": "Cofre de homologação", "product": "Vault",
		"version": "4.2", "region": "europe-west1", "status": "active"}, &env2)
	from := time.Now().In(paris).Add(-time.Hour).Truncate(time.Hour)
	around := fmt.Sprintf("every %s %s-%s", strings.ToLower(from.Weekday().String()), from.Format("15:04"), from.Add(4*time.Hour).Format("15:04"))
	admin.call("POST", "/api/v1/environments/"+env2.ID+"/maintenance-windows", map[string]string{"rule": around,
		"vendor_agreed_by": "Alice Admin", "customer_agreed_by": "Carla Chief"}, nil)
	slot := time.Now().Truncate(time.Minute).Add(time.Minute)
	if time.Until(slot) < 20*time.Second {
		slot = slot.Add(time.Minute)
	}
	var users struct {
		Items []struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"items"`
	}
	admin.call("GET", "/api/v1/users?limit=200", nil, &users)
	var sam string
	for _, u := range users.Items {
		if u.Email == "agent@northwind.example" {
			sam = u.ID
		}
	}
	carla := apiSignIn(t, b.base, "cto@acme.example")
	var now2 struct {
		ID string `json:"id"`
	}
	carla.call("POST", "/api/v1/changes", map[string]any{"environment_id": env2.ID, "title": "Renovar o certificado TLS",
		"reason": "O certificado expira.", "implementation_plan": "Parar, trocar o certificado, iniciar.", "backout_plan": "Restaurar o snapshot",
		"needs_shutdown": true, "planned_start": slot.UTC().Format(time.RFC3339), "duration_minutes": 30}, &now2)
	admin.call("POST", "/api/v1/changes/"+now2.ID+"/assess", map[string]any{"implementer_id": sam, "planned_start": slot.UTC().Format(time.RFC3339),
		"assessment": map[string]string{"complexity": "medium", "importance": "medium", "impact": "low", "reversibility": "easy"}}, nil)
	carla.call("POST", "/api/v1/changes/"+now2.ID+"/approve", nil, nil)
	admin.call("POST", "/api/v1/changes/"+now2.ID+"/validate", nil, nil)
	admin.call("POST", "/api/v1/changes/"+now2.ID+"/schedule", nil, nil)
	admin.call("POST", "/api/v1/environments/"+env2.ID+"/snapshots", map[string]any{"taken_at": time.Now().UTC().Format(time.RFC3339Nano),
		"kind": "pre-change", "location": "gs://acme-backups/homolog", "checksum": "sha256:01", "size_bytes": 1}, nil)

	// The customer asks for Wednesday-like working hours three days on:
	// never a Saturday night in Paris.
	ny, _ := time.LoadLocation("America/New_York")
	asked := time.Now().In(ny).AddDate(0, 0, 3)
	asked = time.Date(asked.Year(), asked.Month(), asked.Day(), 10, 0, 0, 0, ny)
	customer := b.person("customer")
	customer.signIn("cto@acme.example")
	customer.setLocale("pt-BR", "Preferências salvas.")
	customer.open("/changes/new")
	customer.selectText("#f-environment_id", "Cofre de produção")
	customer.fill("#f-title", "Atualizar o cofre para 4.3", "#f-reason", "A versão 4.3 corrige o login.",
		"#f-implementation_plan", "1. Parar\n2. Atualizar\n3. Iniciar", "#f-backout_plan", "Restaurar o snapshot",
		"#f-planned_start", asked.Format("2006-01-02T15:04"), "#f-duration_minutes", "120")
	customer.do("tick the shutdown box", chromedp.Click(chromedp.CSS("#f-needs_shutdown")))
	customer.submit(`form[action="/changes/new"]`)
	customer.see(".flash", "A mudança foi solicitada.")
	customer.see("#change-state", "Enviada")
	page := customer.path()

	// The vendor's agent (in Portuguese, in São Paulo) assesses it and
	// keeps the customer's schedule: refused, with the next allowed start.
	agent := b.person("agent")
	agent.signIn("agent@northwind.example")
	agent.open(page)
	agent.fill("#f-complexity", "medium", "#f-importance", "medium", "#f-impact", "low", "#f-reversibility", "easy")
	agent.selectText("#f-implementer_id", "Sam Support")
	agent.submit(`form[action$="/assess"]`)
	r, err := changes.ParseRule(rule)
	if err != nil {
		t.Fatal(err)
	}
	next := r.Occurrences(paris, asked, asked.AddDate(0, 0, 8))[0].From
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	agent.see("#e-as-planned_start", "O próximo início permitido é "+next.In(sp).Format("02/01/2006 15:04"))
	agent.see("#next-start", "O próximo início permitido é")
	agent.fill("#f-as-planned_start", next.In(sp).Format("2006-01-02T15:04"))
	agent.submit(`form[action$="/assess"]`)
	agent.see(".flash", "A avaliação foi salva.")
	agent.see("#change-type", "Médio porte")

	// Four eyes: the customer approves, a second vendor person validates.
	customer.open(page)
	customer.submit(`form[action$="/approve"]`)
	customer.see(".flash", "Sua aprovação foi registrada.")
	validator := b.person("validator")
	validator.signIn("admin@northwind.example")
	validator.open(page)
	validator.submit(`form[action$="/validate"]`)
	validator.see("#change-state", "Approved")
	validator.submit(`form[action$="/schedule"]`)
	validator.see("#change-state", "Scheduled")

	// The approved slot is days away: the start is refused, in the
	// agent's language and clock. The snapshot gate shows none yet; the
	// automation records one (the service tests start a change in its
	// slot, through the snapshot gate, to the activity report).
	agent.open(page)
	agent.submit(`form[action$="/start"]`)
	agent.see("main .error", "A mudança começa dentro do horário aprovado, de "+next.In(sp).Format("02/01/2006 15:04"))
	agent.see("#snapshot-status", "Nenhum foi registrado ainda")
	admin.call("POST", "/api/v1/environments/"+env.ID+"/snapshots", map[string]any{"taken_at": time.Now().UTC().Format(time.RFC3339Nano),
		"kind": "pre-change", "location": "gs://acme-backups/pre-change", "checksum": "sha256:00", "size_bytes": 1}, nil)
	agent.open(page)
	agent.see("#snapshot-status", "Snapshot registrado")
	agent.see("#change-state", "Agendada")

	// The customer follows all of it in Portuguese.
	customer.open(page)
	customer.see("#change-state", "Agendada")
	customer.see("#timeline", "Solicitada", "Avaliada", "Aprovada pelo cliente", "Validada pelo fornecedor", "Agendada")
	customer.checkA11y("the change page")
	customer.open("/changes")
	customer.checkA11y("the list of changes")
	customer.open("/changes/new")
	customer.checkA11y("the change request form")
	agent.open(page)
	agent.checkA11y("the vendor's change page")

	// The second change's slot opens (the wall clock is the server's): the
	// implementer starts it and reports what was done; the customer
	// follows it to the end in Portuguese.
	time.Sleep(time.Until(slot))
	page2 := "/changes/" + now2.ID
	agent.open(page2)
	agent.see("#snapshot-status", "Snapshot registrado")
	agent.submit(`form[action$="/start"]`)
	agent.see("#change-state", "Em andamento")
	agent.fill("#f-what_was_done", "Parado, certificado trocado, iniciado.", "#f-result", "O cofre responde com o novo certificado.")
	agent.submit(`form[action$="/finish"]`)
	agent.see("#change-state", "Concluída")
	customer.open(page2)
	customer.see("#change-state", "Concluída")
	customer.see("#report-done", "certificado trocado")
	customer.see("#timeline", "Solicitada", "Avaliada", "Aprovada pelo cliente", "Validada pelo fornecedor", "Agendada", "Iniciada", "Concluída")
	customer.checkA11y("a completed change")
	customer.open(page)
	customer.scrollTo("#h-timeline")
	customer.shot("change-pt-BR")
	if !strings.HasPrefix(page, "/changes/chg_") {
		t.Fatalf("the change's page is %s", page)
	}
}
