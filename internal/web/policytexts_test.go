package web

import (
	"html"
	"strings"
	"testing"
	"time"

	"accord/internal/cases"
	"accord/internal/sla"
	"accord/internal/store/dbtest"
)

// A Spanish customer classifies a case with the policy's own words in
// Spanish: criticality names and definitions, examples, phone lines.
func TestNewCaseFormInSpanish(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	body := html.UnescapeString(f.page("globex", "/cases/new"))
	for _, want := range []string{"La producción está parada: no podéis trabajar en producción", "Urgente", "Alta", "Media", "Baja",
		"Norteamérica", "C1 Urgente, C2 Alta"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Spanish form lacks %q", want)
		}
	}
	for _, absent := range []string{"Production is down", "North America"} {
		if strings.Contains(body, absent) {
			t.Errorf("the Spanish form shows the English %q", absent)
		}
	}
	if pt := html.UnescapeString(f.page("acme-admin", "/cases/new")); !strings.Contains(pt, "A produção está parada") {
		t.Error("the Portuguese form lacks the Portuguese definition")
	}
}

// The catalog's services and their steps in the reader's language.
func TestCatalogInTheReadersLanguage(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	body := html.UnescapeString(f.page("globex", "/engagements/new"))
	for _, want := range []string{"Prueba de HA/DR", "Acordar la fecha de la prueba", "Formación para administradores"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Spanish services page lacks %q", want)
		}
	}
}

// withInternalTargets imports the default policy with internal targets
// for Premium questions (C4).
func (f *fixture) withInternalTargets() {
	f.t.Helper()
	doc := strings.Replace(sla.DefaultDocument(), "      C4: {work: 12h, clock: support-hours}\n",
		"      C4: {work: 12h, clock: support-hours}\n    internal_targets:\n"+
			"      C4: {next_reply: {work: 4h, clock: support-hours}, resolution: {work: 16h, clock: support-hours}}\n", 1)
	if _, _, err := f.policy.Import(f.as("admin"), f.now, doc); err != nil {
		f.t.Fatal(err)
	}
}

// The agent sees the internal targets on the case page and in the queue;
// the customer's page never names them.
func TestInternalTargetsOnPages(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	f.withInternalTargets()
	c, err := f.cases.Open(f.as("acme"), f.now, cases.NewCase{Type: cases.Question, Title: "Where is the audit log?", Description: "We cannot find it."})
	if err != nil {
		t.Fatal(err)
	}
	f.later(time.Hour)
	agent := html.UnescapeString(f.page("agent", "/cases/"+string(c.ID)))
	for _, want := range []string{"Internal targets", "Resolution: ", "left", "internal resolution target of 16 hours"} {
		if !strings.Contains(agent, want) {
			t.Errorf("the agent's case page lacks %q", want)
		}
	}
	customer := html.UnescapeString(f.page("acme", "/cases/"+string(c.ID)))
	for _, absent := range []string{"Internal targets", "internal resolution", "h-internal"} {
		if strings.Contains(customer, absent) {
			t.Errorf("the customer's case page shows %q", absent)
		}
	}
	queue := html.UnescapeString(f.page("agent", "/queue?view=unassigned"))
	if !strings.Contains(queue, `<th scope="col">Internal targets</th>`) || !strings.Contains(queue, "Resolution: ") {
		t.Error("the queue lacks the internal targets column")
	}
}
