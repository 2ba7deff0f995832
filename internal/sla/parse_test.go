package sla

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"accord/internal/lang"
	"accord/internal/yamldoc"
)

func TestDefaultPolicy(t *testing.T) {
	p := mustParse(t, defaultDocument)
	if p.SupportCalendar != "support-hours" || p.PortalStart != NextWorkingMoment {
		t.Fatalf("support calendar %q, portal rule %q", p.SupportCalendar, p.PortalStart)
	}
	want := map[string]map[Criticality]string{
		"advanced": {C1: "1h 24x7 phone", C2: "2h support-hours phone", C3: "8h support-hours", C4: "18h support-hours"},
		"premium":  {C1: "30m 24x7 phone", C2: "1h 24x7 phone", C3: "8h support-hours", C4: "12h support-hours"},
	}
	for plan, targets := range want {
		for c, w := range targets {
			tg := p.Plans[plan].Targets[c]
			got := tg.Work.String() + " " + tg.Clock
			if tg.PhoneRequired {
				got += " phone"
			}
			if got != w {
				t.Errorf("%s %s = %q, want %q", plan, c, got, w)
			}
		}
	}
	inc := p.Plans["premium"].Inclusions
	if inc["assisted_upgrade"].Quantity != 1 || inc["assisted_upgrade"].Unit != "upgrade" ||
		inc["ransomware_response"].Quantity != 32 || inc["ransomware_response"].Unit != "engineer-hours" ||
		inc["senior_routing"].Counted() || fmt.Sprint(inc["senior_routing"].Criticalities) != "[C1 C2]" {
		t.Errorf("premium inclusions = %+v", inc)
	}
	if len(p.Plans["advanced"].Inclusions) != 0 {
		t.Errorf("advanced includes %+v", p.Plans["advanced"].Inclusions)
	}
	if ac := p.AutoClose; ac != (AutoClose{Calendar: "support-hours", ResolvedDays: 10, AwaitingCustomerDays: 15}) {
		t.Errorf("auto-close = %+v", ac)
	}
	for name, zone := range map[string]string{"support-hours": "America/New_York", "services": "America/Sao_Paulo", "change-window": "Europe/Paris"} {
		if p.Calendars[name].Zone != zone {
			t.Errorf("calendar %s zone %q, want %q", name, p.Calendars[name].Zone, zone)
		}
	}
	for _, c := range Criticalities {
		if p.Criticalities[c].Name.String() == "" || p.Criticalities[c].Definition.String() == "" {
			t.Errorf("criticality %s undefined", c)
		}
	}
}

// TestParseProblems: each broken document yields exactly these problems,
// with path and position.
func TestParseProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want []string // "line:col: path: message" (prefix of the message)
	}{
		{"the issue's example", withEdit(t, "C2: {work: 1h, clock: 24x7, phone_required: true}", "C2: {work: 1h, clock: suport-hours, phone_required: true}"),
			[]string{`202:29: plans.premium.targets.C2.clock: unknown calendar "suport-hours"`}},
		{"unknown fields everywhere", withEdit(t, "  resolved_days: 10", "  resolved_days: 10\n  closed_days: 3") + "extra: 1\n",
			[]string{"232:3: auto_close.closed_days: unknown field", "234:1: extra: unknown field"}},
		{"wrong shapes", withEdit(t, "C3: {work: 8h, clock: support-hours}\n      C4: {work: 18h", "C3: {work: 8, clock: [a]}\n      C4: {work: 18h"),
			[]string{`193:18: plans.advanced.targets.C3.work: "8" is not a duration`, "193:28: plans.advanced.targets.C3.clock: must be a single value"}},
		{"semantic problems", withEdit(t, "      C4: {work: 12h, clock: support-hours}\n", "      C4: {work: 0s, clock: support-hours}\n      C5: {work: 1h, clock: 24x7}\n"),
			[]string{"204:18: plans.premium.targets.C4.work: must be more than zero", "205:11: plans.premium.targets.C5: unknown criticality"}},
		{"shape and rule problems in one pass", withEdit(t, "C2: {work: 1h, clock: 24x7, phone_required: true}", "C2: {work: 1h, clock: suport-hours, phone_required: true, pager: true}"),
			[]string{`202:29: plans.premium.targets.C2.clock: unknown calendar "suport-hours"`, "202:65: plans.premium.targets.C2.pager: unknown field"}},
		{"missing target is reported at its parent", withEdit(t, "      C4: {work: 18h, clock: support-hours}\n", ""),
			[]string{"191:7: plans.advanced.targets.C4: is required"}},
		{"calendar problems carry the calendar's path", withEdit(t, `mon: [["08:00", "20:00"]]`, `mon: [["08:00", "25:00"]]`),
			[]string{`17:13: calendars.support-hours.hours.mon[0]: "25:00" is not a time of day`}},
		{"reserved and unknown names", withEdit(t, "support_calendar: support-hours", "support_calendar: office"),
			[]string{`5:19: support_calendar: unknown calendar "office" (known: change-window, services, support-hours)`}},
		{"inclusion rules", withEdit(t, "        quantity: 1\n        unit: upgrade\n", "        quantity: 1\n"),
			[]string{"208:9: plans.premium.inclusions.assisted_upgrade.unit: is required with a quantity"}},
		{"aliases refused", "plans: &p {}\nsupport_calendar: *p\n", []string{"1:8: plans: anchors and aliases are not supported", "2:19: support_calendar: anchors and aliases"}},
		{"yaml syntax", "plans: [\n", []string{"1:0: did not find expected node content"}},
		{"empty", "", []string{"0:0: the document is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error %v is not Problems", err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, fmt.Sprintf("%d:%d: %s", p.Line, p.Column, p))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("problem %d = %q, want prefix %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestParseMissingEverything(t *testing.T) {
	_, err := Parse([]byte("portal_start: sometimes\n"))
	var ps Problems
	errors.As(err, &ps)
	var paths []string
	for _, p := range ps {
		paths = append(paths, p.Path)
	}
	// Missing fields are reported at the document's start, before portal_start.
	want := "[support_calendar calendars criticalities.C1 criticalities.C2 criticalities.C3 criticalities.C4 plans auto_close.calendar auto_close.resolved_days auto_close.awaiting_customer_days portal_start]"
	if fmt.Sprint(paths) != want {
		t.Fatalf("paths %v\nwant  %s", paths, want)
	}
}

// equalPolicies compares what a document says, not how it was spelled.
var equalPolicies = cmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(Policy{})}

func TestExportRoundTrip(t *testing.T) {
	p := mustParse(t, defaultDocument)
	q := mustParse(t, string(p.Export()))
	if d := cmp.Diff(p, q, equalPolicies); d != "" {
		t.Fatalf("export does not parse back equal (-want +got):\n%s", d)
	}
	if ch := Diff(p, q); len(ch) != 0 {
		t.Fatalf("diff of equal policies: %v", ch)
	}
}

// FuzzParse: no input panics; whatever parses, exported, parses back equal.
func FuzzParse(f *testing.F) {
	f.Add(defaultDocument)
	f.Add(withEdit(f, "portal_start: next_working_moment", "portal_start: next_business_day_start"))
	f.Add("plans: {a: {name: A, targets: {C1: {work: 1h, clock: 24x7}}}}")
	f.Add("calendars:\n  x: {zone: UTC, always_open: true}\nsupport_calendar: x\n")
	f.Add("a: [\n")
	f.Add("criticalities:\n  C1: {name: {en-US: Urgent, es-ES: Urgente}, definition: [x]}\n")
	f.Add(strings.Replace(defaultDocument, "      C4: {work: 12h, clock: support-hours}\n",
		"      C4: {work: 12h, clock: support-hours}\n    internal_targets:\n      C1: {next_reply: {work: 1h, clock: 24x7}, resolution: {work: 8h, clock: services}}\n", 1))
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := Parse([]byte(doc))
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %v is not a list of problems", err)
			}
			return
		}
		q, err := Parse(p.Export())
		if err != nil {
			t.Fatalf("exported document does not parse: %v\n%s", err, p.Export())
		}
		if d := cmp.Diff(p, q, equalPolicies); d != "" {
			t.Fatalf("round trip changed the policy (-want +got):\n%s", d)
		}
	})
}

// TestDefaultTranslated: the default policy speaks every language Accord
// serves, so that an instance in strict mode can load it.
func TestDefaultTranslated(t *testing.T) {
	p := mustParse(t, defaultDocument)
	if gaps := yamldoc.Untranslated([]byte(defaultDocument), p, lang.Locales); len(gaps) != 0 {
		t.Fatalf("untranslated: %v", gaps)
	}
	if got := p.Criticalities[C1].Definition.In("es-ES"); !strings.HasPrefix(got, "La producción está parada") {
		t.Errorf("C1 definition in es-ES = %q", got)
	}
	if got := p.In("pt-BR").Plans["premium"].Name; got.String() != "Suporte Premium 24x7" {
		t.Errorf("premium in pt-BR = %v", got)
	}
}

// TestTextProblems: the texts' own problems, each at its line and column;
// and the missing languages an import warns about, or refuses in strict
// mode, located the same way.
func TestTextProblems(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           []string // "line:col: path: message" prefixes
	}{
		{"unknown locale", "      es-ES: Urgente\n", "      es-ES: Urgente\n      fr-FR: Urgent\n",
			[]string{`71:14: criticalities.C1.name.fr-FR: unknown locale "fr-FR" (known: en-US, pt-BR, es-ES)`}},
		{"a list is the wrong shape", "    name:\n      en-US: High\n      pt-BR: Alta\n      es-ES: Alta\n", "    name: [High, Alta]\n",
			[]string{"95:11: criticalities.C2.name: must be a text, or a mapping of texts by locale"}},
		{"a nested mapping is the wrong shape", "      en-US: Low\n", "      en-US: {text: Low}\n",
			[]string{"157:14: criticalities.C4.name.en-US: must be a single value, not a mapping"}},
		{"translations without the en-US text", "      en-US: Medium\n", "",
			[]string{"123:7: criticalities.C3.name: needs its en-US text"}},
		{"an empty translation", "      pt-BR: Baixa\n", "      pt-BR: \"\"\n",
			[]string{`158:14: criticalities.C4.name.pt-BR: is empty; leave the locale out`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(defaultDocument, tc.from) {
				t.Fatalf("the default policy lacks %q", tc.from)
			}
			_, err := Parse([]byte(strings.Replace(defaultDocument, tc.from, tc.to, 1)))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error %v is not Problems", err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, fmt.Sprintf("%d:%d: %s", p.Line, p.Column, p))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("problem %d = %q, want prefix %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestUntranslated: a plain string lacks every language but en-US; a
// mapping lacks those it leaves out; each is located at its value.
func TestUntranslated(t *testing.T) {
	doc := strings.Replace(strings.Replace(defaultDocument, "      pt-BR: Baixa\n", "", 1),
		"    name:\n      en-US: High\n      pt-BR: Alta\n      es-ES: Alta\n", "    name: High\n", 1)
	p := mustParse(t, doc)
	var got []string
	for _, g := range yamldoc.Untranslated([]byte(doc), p, lang.Locales) {
		got = append(got, fmt.Sprintf("%d:%d: %s", g.Line, g.Column, g))
	}
	want := []string{
		"95:11: criticalities.C2.name: has no pt-BR, es-ES text: its readers read the en-US text instead",
		"154:7: criticalities.C4.name: has no pt-BR text: its readers read the en-US text instead",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("untranslated:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
