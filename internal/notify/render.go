package notify

import (
	"bytes"
	"embed"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"text/template"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
)

// The templates: one file per locale, with a "<event>.subject" and a
// "<event>.body" template for every event.
//
//go:embed templates/*.tmpl
var templateFiles embed.FS

// DefaultLocale is used for users whose locale Accord does not speak.
const DefaultLocale = "en-US"

var templates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	// day and when are bound to the recipient's locale and zone when a
	// letter is rendered.
	unbound := func(any) (string, error) { return "", fmt.Errorf("notify: day and when are for letters") }
	for _, l := range directory.Locales {
		out[l] = template.Must(template.New(l).Funcs(template.FuncMap{"indent": indent, "day": unbound, "when": unbound}).ParseFS(templateFiles, "templates/"+l+".tmpl"))
	}
	return out
}()

func localeOf(u directory.User) string {
	if slices.Contains(directory.Locales, u.Locale) {
		return u.Locale
	}
	return DefaultLocale
}

// view is what the templates show about an event, for one recipient.
type view struct {
	Name        string // the recipient
	Vendor      bool   // the recipient works cases (vendor or partner)
	Number      int64
	Title       string
	Customer    string
	Type        string
	Criticality string
	State       string
	Author      string // who wrote the entry
	System      bool   // Accord itself wrote the entry: it signs in the reader's language
	Body        string
	From, To    string // a reclassification's criticalities
	Reason      string
	Days        int // the business days after which an automatic closing's rule closed the case
	Target      string
	Warn        int // the share of the target at which agents are warned, in percent
	Guaranteed  bool
	DueAt       *time.Time
	References  []string
	CaseURL     string
	Replies     bool // answering the mail adds a reply to the case
	// Feasibility and Repair: the step of an integration's evaluation or
	// of an appliance's repair the entry records.
	Feasibility *cases.FeasibilityNote
	Repair      *cases.RepairNote

	locale string
	zone   *time.Location
}

// Due is the due instant in the recipient's zone, with the zone named.
func (v view) Due() string {
	if v.DueAt == nil {
		return ""
	}
	t := v.DueAt.In(v.zone)
	layout := "Jan 2, 2006 3:04 PM"
	if v.locale != "en-US" {
		layout = "02/01/2006 15:04"
	}
	return fmt.Sprintf("%s %s (%s)", t.Format(layout), t.Format("MST"), v.zone)
}

// indent prefixes every line of s with two spaces, for quoted text.
func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ")
}

// render gives the subject and the plain-text body of event for locale.
func render(locale string, event cases.Event, v view) (subject, body string, err error) {
	t, ok := templates[locale]
	if !ok {
		t = templates[DefaultLocale]
	}
	var sb, bb bytes.Buffer
	if err := t.ExecuteTemplate(&sb, string(event)+".subject", v); err != nil {
		return "", "", fmt.Errorf("notify: subject of %s in %s: %w", event, locale, err)
	}
	if err := t.ExecuteTemplate(&bb, string(event)+".body", v); err != nil {
		return "", "", fmt.Errorf("notify: body of %s in %s: %w", event, locale, err)
	}
	subject = strings.Join(strings.Fields(sb.String()), " ")
	return fmt.Sprintf("[#%d] %s", v.Number, subject), tidy(bb.String()), nil
}

// tidy trims trailing spaces and runs of blank lines that template actions
// leave behind.
func tidy(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	out := lines[:0]
	blank := false
	for _, l := range lines {
		if l != "-- " { // the signature separator keeps its space
			l = strings.TrimRight(l, " \t")
		}
		if l == "" && blank {
			continue
		}
		blank = l == ""
		out = append(out, l)
	}
	return strings.Join(out, "\n") + "\n"
}

// parseAddress checks one configured address and returns its bare form.
func parseAddress(field, s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", &accord.Error{Kind: accord.Invalid, Field: field, Msg: fmt.Sprintf("%q is not an e-mail address: %v", s, err)}
	}
	return a.Address, nil
}
