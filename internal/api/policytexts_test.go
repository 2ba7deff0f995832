package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"accord/internal/reports"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// withInternalTargets is the default policy with internal targets for
// Premium C3 and C4 (questions): a next reply within 4 business hours and
// a resolution within 16.
func withInternalTargets() string {
	return strings.Replace(sla.DefaultDocument(), "      C4: {work: 12h, clock: support-hours}\n",
		"      C4: {work: 12h, clock: support-hours}\n    internal_targets:\n"+
			"      C3: {next_reply: {work: 4h, clock: support-hours}, resolution: {work: 16h, clock: support-hours}}\n"+
			"      C4: {next_reply: {work: 4h, clock: support-hours}, resolution: {work: 16h, clock: support-hours}}\n", 1)
}

func TestPolicyTextsInTheReadersLanguage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		plain := "calendars:\n  h: {zone: UTC, always_open: true}\nsupport_calendar: h\n" +
			"criticalities:\n  C1: {name: Urgent, definition: Down}\n  C2: {name: High, definition: Hurt}\n  C3: {name: Medium, definition: Slow}\n  C4: {name: {en-US: Low, es-ES: Baja}, definition: Question}\n" +
			"plans:\n  premium:\n    name: Premium\n    targets:\n      C1: {work: 1h, clock: 24x7}\n      C2: {work: 1h, clock: 24x7}\n      C3: {work: 1h, clock: 24x7}\n      C4: {work: 1h, clock: 24x7}\n" +
			"auto_close: {calendar: h, resolved_days: 10, awaiting_customer_days: 15}\n"
		runScenarios(t, f, []scenario{
			{name: "in en-US by default", as: "globex", method: "GET", path: "/api/v1/policy", status: 200,
				has: []string{`"name":"Urgent"`, "Production is down", `"region":"North America"`}, hasNot: []string{`"es-ES"`}},
			{name: "lang chooses", as: "globex", method: "GET", path: "/api/v1/policy?lang=es-ES", status: 200,
				has: []string{`"name":"Urgente"`, "La producción está parada", `"region":"Norteamérica"`, `"name":"Soporte Premium 24x7"`}},
			{name: "an unknown lang is ignored", as: "globex", method: "GET", path: "/api/v1/policy?lang=fr-FR", status: 200, has: []string{`"name":"Urgent"`}},
			{name: "the catalog in pt-BR", as: "acme", method: "GET", path: "/api/v1/catalog?lang=pt-BR", status: 200,
				has: []string{`"name":"Teste de HA/DR"`, `"title":"Combinar a data do teste"`}},
			{name: "a version for staff in es-ES", as: "auditor", method: "GET", path: "/api/v1/policy/versions/1?lang=es-ES", status: 200, has: []string{`"name":"Baja"`}},
			{name: "an English-only document is imported with warnings", as: "admin", method: "POST", path: "/api/v1/policy/versions", body: importBody(t, plain), status: 201,
				has: []string{`"warnings":[{"path":"criticalities.C1.name","line":5,"column":14,"message":"has no pt-BR, es-ES text`,
					`{"path":"criticalities.C4.name","line":8,"column":14,"message":"has no pt-BR text`},
				actions: []string{"policy.import"}},
			{name: "its missing Spanish reads in English", as: "globex", method: "GET", path: "/api/v1/policy?lang=es-ES", status: 200,
				has: []string{`"name":"Urgent"`, `"name":"Baja"`}},
		})
		// Accept-Language chooses when there is no lang.
		resp := f.do("acme", "GET", "/api/v1/catalog", nil, "Accept-Language", "es;q=0.9, en;q=0.5")
		if resp.status != http.StatusOK || !strings.Contains(resp.body, `"name":"Prueba de HA/DR"`) {
			t.Fatalf("Accept-Language es: %d %.300s", resp.status, resp.body)
		}
	})
}

// TestInternalTargetsStaffOnly: the internal targets show to agents, never
// to the customer, in the clock's explanation and in the policy.
func TestInternalTargetsStaffOnly(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		if r := f.do("admin", "POST", "/api/v1/policy/versions", importBody(t, withInternalTargets())); r.status != http.StatusCreated {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		r := f.do("acme", "POST", "/api/v1/cases", `{"type":"question","title":"Where is the audit log?","description":"We cannot find it."}`)
		if r.status != http.StatusCreated {
			t.Fatalf("open: %d %s", r.status, r.body)
		}
		var c struct{ ID string }
		r.json(t, &c)
		f.ids["case"] = c.ID
		runScenarios(t, f, []scenario{
			{name: "the agent reads the internal targets", as: "agent", method: "GET", path: "/api/v1/cases/{id:case}/sla", status: 200,
				has: []string{`"internal":[{"kind":"resolution"`, `"target":"16h"`, "never shown to the customer"}},
			{name: "the customer does not", as: "acme", method: "GET", path: "/api/v1/cases/{id:case}/sla", status: 200,
				hasNot: []string{`"internal"`, "internal resolution target"}},
			{name: "nor in the policy", as: "acme", method: "GET", path: "/api/v1/policy", status: 200,
				hasNot: []string{"internal_targets", `"document"`, "next_reply"}},
			{name: "the partner neither", as: "partner", method: "GET", path: "/api/v1/policy", status: 200, hasNot: []string{"internal_targets"}},
			{name: "staff read them in the document", as: "agent", method: "GET", path: "/api/v1/policy", status: 200, has: []string{"internal_targets"}},
		})
		// The agent answers, the customer writes again: the next reply runs.
		f.later(time.Hour)
		if r := f.do("agent", "POST", f.expand("/api/v1/cases/{id:case}/replies"), `{"body":"It is under Reports."}`); r.status != http.StatusCreated && r.status != http.StatusOK {
			t.Fatalf("reply: %d %s", r.status, r.body)
		}
		f.later(time.Hour)
		if r := f.do("acme", "POST", f.expand("/api/v1/cases/{id:case}/replies"), `{"body":"Not for us."}`); r.status != http.StatusCreated && r.status != http.StatusOK {
			t.Fatalf("customer reply: %d %s", r.status, r.body)
		}
		runScenarios(t, f, []scenario{
			{name: "next reply for the agent", as: "agent", method: "GET", path: "/api/v1/cases/{id:case}/sla", status: 200,
				has: []string{`"kind":"next_reply"`, `"status":"running"`}},
			{name: "not for the customer", as: "acme", method: "GET", path: "/api/v1/cases/{id:case}/sla", status: 200, hasNot: []string{"next_reply"}},
		})
	})
}

// later moves the fixture's clock on, signed in again.
func (f *fixture) later(d time.Duration) { f.at(f.now.Add(d)) }

// TestSLAReportIgnoresInternalTargets: the same cases at the same
// instants give the same report whether the policy has internal targets
// or not.
func TestSLAReportIgnoresInternalTargets(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		report := func(doc string) string {
			f := newFixture(t, open)
			if doc != "" {
				if r := f.do("admin", "POST", "/api/v1/policy/versions", importBody(t, doc)); r.status != http.StatusCreated {
					t.Fatalf("import: %d %s", r.status, r.body)
				}
			}
			for i := range 3 {
				r := f.do("acme", "POST", "/api/v1/cases", fmt.Sprintf(`{"type":"question","title":"Question %d","description":"Why?"}`, i))
				if r.status != http.StatusCreated {
					t.Fatalf("open: %d %s", r.status, r.body)
				}
				var c struct{ ID string }
				r.json(t, &c)
				f.later(time.Duration(i+1) * 3 * time.Hour)
				if i < 2 {
					if r := f.do("agent", "POST", "/api/v1/cases/"+c.ID+"/replies", `{"body":"Answered."}`); r.status >= 300 {
						t.Fatalf("reply: %d %s", r.status, r.body)
					}
				}
			}
			resp := f.do("admin", "GET", "/api/v1/reports/sla?month=2026-11", nil)
			if resp.status != http.StatusOK {
				t.Fatalf("report: %d %s", resp.status, resp.body)
			}
			var rep reports.SLAReport
			resp.json(t, &rep)
			for i := range rep.Rows {
				rep.Rows[i].OrgID = ""
			}
			b, _ := json.Marshal(append(rep.Rows, rep.Total))
			return string(b)
		}
		without, with := report(""), report(withInternalTargets())
		if without != with {
			t.Fatalf("the report changed with internal targets:\nwithout %s\nwith    %s", without, with)
		}
		if !strings.Contains(without, `"cases":3`) {
			t.Fatalf("the report counts no cases: %s", without)
		}
	})
}
