package macros

import (
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
)

func TestRenderInThreeLanguages(t *testing.T) {
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	ny, _ := time.LoadLocation("America/New_York")
	madrid, _ := time.LoadLocation("Europe/Madrid")
	due := time.Date(2026, 11, 20, 18, 30, 0, 0, time.UTC)
	const body = "{{customer}} / {{ contact }} / {{case_number}} / {{due_time}} / {{agent}}"
	for _, tc := range []struct {
		locale string
		zone   *time.Location
		due    *time.Time
		want   string
	}{
		{"en-US", ny, &due, "Acme / Ana / #1042 / 11/20/2026 1:30 PM EST / Bruno"},
		{"pt-BR", sp, &due, "Acme / Ana / #1042 / 20/11/2026 15:30 -03 / Bruno"},
		{"es-ES", madrid, &due, "Acme / Ana / #1042 / 20/11/2026 19:30 CET / Bruno"},
		{"en-US", nil, &due, "Acme / Ana / #1042 / 11/20/2026 6:30 PM UTC / Bruno"},
		{"en-US", ny, nil, "Acme / Ana / #1042 / no due time (the clock is not running) / Bruno"},
		{"pt-BR", sp, nil, "Acme / Ana / #1042 / sem prazo (o relógio não está correndo) / Bruno"},
		{"es-ES", madrid, nil, "Acme / Ana / #1042 / sin plazo (el reloj no está corriendo) / Bruno"},
		{"fr-FR", madrid, &due, "Acme / Ana / #1042 / 11/20/2026 7:30 PM CET / Bruno"},
	} {
		v := Values{Customer: "Acme", Contact: "Ana", CaseNumber: 1042, Due: tc.due, Zone: tc.zone, Agent: "Bruno"}
		if got := Render(body, tc.locale, v); got != tc.want {
			t.Errorf("Render in %s = %q, want %q", tc.locale, got, tc.want)
		}
	}
}

func TestPickTheCustomersLanguage(t *testing.T) {
	m := Macro{Bodies: map[string]string{"en-US": "Hello", "pt-BR": "Olá"}}
	for _, tc := range []struct{ wanted, body, used string }{
		{"pt-BR", "Olá", "pt-BR"},
		{"en-US", "Hello", "en-US"},
		{"es-ES", "Hello", "en-US"}, // no Spanish text: English, and the caller shows it
		{"", "Hello", "en-US"},
	} {
		if body, used := m.Pick(tc.wanted); body != tc.body || used != tc.used {
			t.Errorf("Pick(%q) = %q in %s, want %q in %s", tc.wanted, body, used, tc.body, tc.used)
		}
	}
}

func TestValidateNamesFieldAndPlaceholder(t *testing.T) {
	ok := map[string]string{"en-US": "Hi {{contact}}"}
	for _, tc := range []struct {
		in    NewMacro
		field string
		msg   string
	}{
		{NewMacro{Name: "Thanks", Bodies: ok}, "name", "lowercase"},
		{NewMacro{Name: "a b", Bodies: ok}, "name", "lowercase"},
		{NewMacro{Name: "x", Bodies: map[string]string{"pt-BR": "Olá"}}, "bodies.en-US", "required"},
		{NewMacro{Name: "x", Bodies: map[string]string{"en-US": "Hi", "pt-BR": "Olá {{cliente}}"}}, "bodies.pt-BR", "{{cliente}}"},
		{NewMacro{Name: "x", Bodies: map[string]string{"en-US": "Hi {{contact"}}, "bodies.en-US", "not closed"},
		{NewMacro{Name: "x", Bodies: map[string]string{"en-US": "Hi", "fr-FR": "Salut"}}, "bodies.fr-FR", "one of"},
		{NewMacro{Name: "x", Bodies: map[string]string{"en-US": "Hi\x00"}}, "bodies.en-US", "control character"},
		{NewMacro{Name: "x", Bodies: ok, Actions: Actions{State: "closed"}}, "actions.state", "resolved"},
		{NewMacro{Name: "x", Bodies: ok, Actions: Actions{State: StateResolved, HoldReason: "wait"}}, "actions.hold_reason", "no other state"},
		{NewMacro{Name: "x", Bodies: ok, Actions: Actions{KBURL: "javascript:alert(1)"}}, "actions.kb_url", "http"},
		{NewMacro{Name: "x", Bodies: ok, Actions: Actions{State: StateResolved, KBURL: "https://kb.example/1"}}, "actions.kb_url", "no references"},
		{NewMacro{Name: "x", Bodies: ok, Actions: Actions{Assign: "usr\x01"}}, "actions.assign", "user id"},
	} {
		_, err := tc.in.validate("t")
		e := accord.Public(err)
		found := false
		for _, p := range e.Problems {
			found = found || (p.Field == tc.field && strings.Contains(p.Msg, tc.msg))
		}
		if e.Kind != accord.Invalid || !found {
			t.Errorf("validate(%+v) = %+v, want Invalid on %s saying %q", tc.in, e.Problems, tc.field, tc.msg)
		}
	}
	m, err := NewMacro{Name: " logs ", Bodies: map[string]string{"en-US": " Send logs, {{contact}}. ", "es-ES": ""},
		Actions: Actions{State: StateAwaiting, KBURL: " https://kb.example/7 ", Assign: AssignMe}}.validate("t")
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "logs" || m.Bodies["en-US"] != "Send logs, {{contact}}." || len(m.Bodies) != 1 || m.Actions.KBURL != "https://kb.example/7" {
		t.Errorf("validated %+v: want trimmed, empty languages dropped", m)
	}
}

// FuzzParse: parse never panics, and a body it accepts renders with
// every placeholder filled: no "{{" is left when the values have no brace.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "Hi {{contact}}", "{{", "}}{{", "{{ agent }}{{due_time}}", "{{x}}", "{{{{agent}}}}", "a{{{agent}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if _, err := parse(body); err != nil {
			return
		}
		out := Render(body, "pt-BR", Values{Customer: "Acme", Contact: "Ana", CaseNumber: 7, Agent: "Bruno"})
		if strings.Contains(out, "{{") {
			t.Fatalf("Render(%q) = %q still holds a placeholder", body, out)
		}
	})
}
