package main

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAgentDay tells an agent's whole day on one server that keeps
// its mail (issue 17): Sam takes an unassigned case from the queue and
// answers it with a macro in the customer's Portuguese; the case is then
// his; the customer writes back and the case waits on us, with the wait
// shown; Sam asks Alice in an internal note and her bell counts it; Sam
// resolves three cases at once, one of them resolved already, and the
// page says which were done; a Spanish customer, who opened one of them on
// a form that defines the criticalities in Spanish, confirms it and rates
// it from the link in her mail, which records the rating. axe checks every
// page on the way.
func TestBrowserAgentDay(t *testing.T) {
	exe := chromium(t)
	base, box := mailedServe(t)
	b := browserAt(t, exe, base)

	// The morning's cases: two from Carla, who reads Portuguese, and one
	// from Gina, who reads Spanish, through the new-case form.
	carla := b.person("Carla, the Portuguese customer")
	carla.signIn("cto@acme.example")
	carla.setLocale("pt-BR", "Preferências salvas.")
	first := "/cases/" + carla.openQuestion("Porta do gravador de sessões")
	resolved := "/cases/" + carla.openQuestion("Porta do cofre de senhas")

	gina := b.person("Gina, the Spanish customer")
	gina.signIn("it@globex.example")
	gina.open("/cases/new")
	gina.see(`label[for="crit-C1"]`, "Urgente", "La producción está parada")
	gina.see(`label[for="crit-C4"]`, "Baja", "dudas y solicitudes de información")
	gina.checkA11y("/cases/new in es-ES")
	ginaTitle := "¿Dónde se guardan las grabaciones?"
	gina.fill(`#f-type`, "question", `#f-title`, ginaTitle,
		`[name="description"]`, "Necesitamos las grabaciones de la semana pasada.")
	gina.do("choose C4", chromedp.Click(chromedp.CSS(`#crit-C4`)))
	gina.submit(`form[action="/cases/new"]`)
	gina.see(`.flash`, "El caso está abierto.")
	gina.see(`main h1`, ginaTitle)
	ginaCase := gina.path()
	if !regexp.MustCompile(`^/cases/cas_[^/]+$`).MatchString(ginaCase) {
		t.Fatalf("after opening her case Gina is at %s", ginaCase)
	}

	// Sam, who reads Portuguese, writes the greeting macro first.
	sam := b.person("Sam, the agent")
	sam.signIn("agent@northwind.example")
	sam.open("/macros")
	sam.fill(`#f-name`, "ola",
		`[name="bodies.en-US"]`, "Hello {{contact}}, we received case {{case_number}}.",
		`[name="bodies.pt-BR"]`, "Olá {{contact}}, recebemos o chamado {{case_number}}.")
	sam.submit(`form[action="/macros"]`)
	sam.see(`.flash`, "Macro salva.")
	sam.see(`main table`, "::ola", "pt-BR")

	// He takes Carla's case from the unassigned view.
	sam.open("/queue?view=unassigned")
	sam.see(`nav.tabs [aria-current="page"]`, "Sem responsável")
	row := func(path string) string { return `#queue-table tr:has(a[href="` + path + `"])` }
	sam.see(row(first), "Porta do gravador de sessões")
	sam.checkA11y("/queue?view=unassigned")
	sam.follow(row(first) + ` a[href="` + first + `"]`)
	sam.submit(`#take-form`)
	sam.see(`.flash`, "O responsável foi salvo.")

	// He answers with the macro, typed as ::ola in the reply box.
	reply := `form[action$="/reply"] textarea[name="body"]`
	sam.do("type ::ola", chromedp.Click(chromedp.CSS(reply)), chromedp.SendKeys(chromedp.CSS(reply), "::ola "))
	get(sam, "wait for the macro", chromedp.Poll[bool](`document.querySelector('`+reply+`').value.startsWith("Olá Carla Chief, recebemos o chamado #")`))
	sam.see(`#macro-note`, "ola", "Português")
	sam.submit(`form[action$="/reply"]`)
	sam.see(`.flash`, "Sua mensagem foi enviada.")
	sam.see(`.timeline`, "Olá Carla Chief, recebemos o chamado #")
	sam.checkA11y("a case answered with a macro")

	sam.open("/queue?view=unassigned")
	if n := get(sam, "look for the taken case", chromedp.Evaluate[int](`document.querySelectorAll('#queue-table a[href="`+first+`"]').length`)); n != 0 {
		t.Error("the unassigned view still lists the case Sam took")
	}
	sam.open("/queue?view=mine")
	sam.see(`nav.tabs [aria-current="page"]`, "Meus")
	sam.see(row(first), "Porta do gravador de sessões", "Você")
	sam.checkA11y("/queue?view=mine")

	// Carla reads the answer in Portuguese and writes back.
	carla.open(first)
	carla.see(`.timeline`, "Olá Carla Chief, recebemos o chamado #")
	carla.fill(`form[action$="/reply"] [name="body"]`, "Obrigada. Qual porta o gravador usa?")
	carla.submit(`form[action$="/reply"]`)
	carla.see(`.flash`, "Sua mensagem foi enviada.")

	// The case now waits on us, and the row says for how long.
	sam.open("/queue?view=waiting")
	sam.see(`nav.tabs [aria-current="page"]`, "Esperando por nós")
	sam.see(row(first)+` .due.waiting`, "Esperando há")
	sam.see(row(first) + ` .due.waiting time[datetime]`)
	sam.checkA11y("/queue?view=waiting")

	// Sam asks Alice in an internal note; her bell counts it.
	alice := b.person("Alice, the administrator")
	alice.signIn("admin@northwind.example")
	alice.open("/notifications")
	before := bellCount(alice)

	sam.open(first)
	sam.fill(`form[action$="/reply"] [name="body"]`, "@admin@northwind.example, o gravador usa a porta 8443?")
	sam.do("make it internal", chromedp.Click(chromedp.CSS(`form[action$="/reply"] [name="internal"]`)))
	sam.submit(`form[action$="/reply"]`)
	sam.see(`.timeline li.entry-note`, "o gravador usa a porta 8443?")

	alice.open("/notifications")
	if got := bellCount(alice); got != before+1 {
		t.Fatalf("Alice's bell counts %d, want %d", got, before+1)
	}
	alice.see(`main .notifications li.unread`, "Sam Support mentioned you on")
	alice.checkA11y("/notifications")
	alice.follow(`main .notifications li.unread a[href^="` + first + `"]`)
	if alice.path() != first {
		t.Fatalf("the notification led Alice to %s, not %s", alice.path(), first)
	}

	// The note is internal: Carla does not see it.
	carla.open(first)
	if n := get(carla, "look for the internal note", chromedp.Evaluate[int](`document.querySelectorAll(".timeline li.entry-note").length`)); n != 0 {
		t.Errorf("Carla sees %d internal notes on her case", n)
	}

	// The vault case is resolved already: the bulk resolution refuses it
	// and does the other two.
	sam.open(resolved)
	sam.fill(`form[action$="/resolve"] [name="summary"]`, "A porta é a 8443.")
	sam.submit(`form[action$="/resolve"]`)
	sam.see(`.flash`, "O chamado foi resolvido.")

	sam.open("/queue?view=updated")
	bulk := []string{first, ginaCase, resolved}
	for _, path := range bulk {
		sam.do("tick "+path, chromedp.Click(chromedp.CSS(`input[name="case_id"][value="`+path[len("/cases/"):]+`"]`)))
	}
	sam.fill(`#bulk-action`, "resolve", `#bulk-text`, "Respondido: a porta é a 8443.")
	sam.submit(`#bulk`)
	sam.see(`#bulk-results`, "Feito", "Recusado:")
	sam.see(`main [role="status"]`, "2 de 3")
	sam.checkA11y("the bulk resolution's results")
	for i, want := range []string{"bulk-ok", "bulk-ok", "bulk-refused"} {
		sel := `#bulk-results tr:has(a[href="` + bulk[i] + `"])`
		if got := get(sam, "read the row of "+bulk[i], chromedp.Evaluate[string](`document.querySelector('`+sel+`').className`)); got != want {
			t.Errorf("bulk row of %s: %q, want %q", bulk[i], got, want)
		}
	}

	// Gina confirms the resolution, and her mail asks her to rate it.
	gina.open(ginaCase)
	gina.see(`.timeline`, "Respondido: a porta é a 8443.")
	gina.submit(`form[action$="/confirm"]`)
	gina.see(`.flash`, "el caso se ha cerrado")
	gina.see(`main h1 + .actions`, "Cerrado")
	gina.checkA11y("a closed case in es-ES")

	id := ginaCase[len("/cases/"):]
	link := "/rate/" + id + "/" + linkIn(t, awaitMail(t, box, "it@globex.example", "case.rating"), "/rate/"+id+"/")
	reader := b.person("Gina, from her mail")
	reader.open(link)
	reader.see(`main h1`, "Valore nuestro soporte")
	reader.see(`main`, ginaTitle, "Muy satisfecho")
	reader.checkA11y(link)
	reader.do("choose 5", chromedp.Click(chromedp.CSS(`#f-score-5`)))
	reader.fill(`#f-comment`, "Respuesta clara en el día.")
	reader.submit(`form[action="` + link + `"]`)
	reader.see(`main .flash`, "Gracias")
	reader.checkA11y("the rating's thanks")

	var rating struct {
		Score   int    `json:"score"`
		Comment string `json:"comment"`
		Via     string `json:"via"`
	}
	apiJSON(t, signedIn(t, base, "agent@northwind.example"), "GET", base+"/api/v1/cases/"+id+"/rating", "", http.StatusOK, &rating)
	if rating.Score != 5 || rating.Comment != "Respuesta clara en el día." || rating.Via != "link" {
		t.Errorf("the recorded rating is %+v", rating)
	}
}
