package macros

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Placeholders are the names a body may use, written {{name}}.
var Placeholders = []string{"customer", "contact", "case_number", "due_time", "agent"}

// Locales are the languages a macro's body may be written in; the first is
// the one every macro has.
var Locales = []string{"en-US", "pt-BR", "es-ES"}

// Fallback is the language read when a customer's own has no text.
const Fallback = "en-US"

// Values are what the placeholders stand for on one case.
type Values struct {
	Customer   string // the customer's organization
	Contact    string // the contact who opened the case
	CaseNumber int64
	// Due is the first response's due instant, nil when the clock is not
	// running; it is written in Zone, in the language the body is in.
	Due   *time.Time
	Zone  *time.Location
	Agent string // the agent applying the macro
}

// segment is a part of a body: literal text, or a placeholder's name.
type segment struct {
	text        string
	placeholder bool
}

// parse splits body into text and placeholders. "{{ name }}" may have
// spaces inside the braces; a "{{" without its "}}" and an unknown name are
// errors that quote what was written.
func parse(body string) ([]segment, error) {
	var out []segment
	for rest := body; rest != ""; {
		before, after, found := strings.Cut(rest, "{{")
		if before != "" {
			out = append(out, segment{text: before})
		}
		if !found {
			break
		}
		name, tail, closed := strings.Cut(after, "}}")
		if !closed {
			return nil, fmt.Errorf("the placeholder %q is not closed with }}", "{{"+clip(after))
		}
		name = strings.TrimSpace(name)
		if !slices.Contains(Placeholders, name) {
			return nil, fmt.Errorf("unknown placeholder {{%s}}; use %s", clip(name), placeholderList())
		}
		out = append(out, segment{text: name, placeholder: true})
		rest = tail
	}
	return out, nil
}

// clip shortens what an error quotes.
func clip(s string) string {
	if r := []rune(s); len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return s
}

func placeholderList() string {
	l := make([]string, len(Placeholders))
	for i, p := range Placeholders {
		l[i] = "{{" + p + "}}"
	}
	return strings.Join(l, ", ")
}

// Render fills body's placeholders with v, written for a reader of locale.
// A body that does not parse is returned as it is: saved bodies always
// parse.
func Render(body, locale string, v Values) string {
	segs, err := parse(body)
	if err != nil {
		return body
	}
	var b strings.Builder
	for _, s := range segs {
		if !s.placeholder {
			b.WriteString(s.text)
			continue
		}
		switch s.text {
		case "customer":
			b.WriteString(v.Customer)
		case "contact":
			b.WriteString(v.Contact)
		case "case_number":
			fmt.Fprintf(&b, "#%d", v.CaseNumber)
		case "due_time":
			b.WriteString(FormatDue(v.Due, v.Zone, locale))
		case "agent":
			b.WriteString(v.Agent)
		}
	}
	return b.String()
}

// dueLayouts write an instant as readers of each language expect it, with
// the zone's abbreviation.
var dueLayouts = map[string]string{
	"en-US": "01/02/2006 3:04 PM MST",
	"pt-BR": "02/01/2006 15:04 MST",
	"es-ES": "02/01/2006 15:04 MST",
}

// noDue is what {{due_time}} says when no response is due (the clock is
// paused, or the case was answered).
var noDue = map[string]string{
	"en-US": "no due time (the clock is not running)",
	"pt-BR": "sem prazo (o relógio não está correndo)",
	"es-ES": "sin plazo (el reloj no está corriendo)",
}

// FormatDue writes due in zone for a reader of locale.
func FormatDue(due *time.Time, zone *time.Location, locale string) string {
	layout, ok := dueLayouts[locale]
	if !ok {
		locale, layout = Fallback, dueLayouts[Fallback]
	}
	if due == nil {
		return noDue[locale]
	}
	if zone == nil {
		zone = time.UTC
	}
	return due.In(zone).Format(layout)
}

// Pick returns the body of m for a reader of locale: theirs when m has it,
// else the en-US one, with the language used.
func (m Macro) Pick(locale string) (body, used string) {
	if b := m.Bodies[locale]; b != "" {
		return b, locale
	}
	return m.Bodies[Fallback], Fallback
}
