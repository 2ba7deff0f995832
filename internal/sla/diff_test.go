package sla

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	a := mustParse(t, defaultDocument)
	edited := withEdit(t, "C2: {work: 1h, clock: 24x7, phone_required: true}", "C2: {work: 2h, clock: support-hours, phone_required: true}")
	edited = strings.Replace(edited, "  resolved_days: 10", "  resolved_days: 7", 1)
	edited = strings.Replace(edited, "        quantity: 32\n", "        quantity: 48\n", 1)
	edited = strings.Replace(edited, "    zone: America/New_York\n", "    zone: America/New_York\n    holidays: [\"2024-07-04\", \"12-25\"]\n", 1)
	edited = strings.Replace(edited, "      senior_routing:\n        name:\n          en-US: Direct routing to senior engineers\n          pt-BR: Encaminhamento direto a engenheiros seniores\n          es-ES: Derivación directa a ingenieros sénior\n        criticalities: [C1, C2]\n", "", 1)
	// A translation changed, and one taken out.
	edited = strings.Replace(edited, "      es-ES: Urgente\n", "      es-ES: Crítica\n", 1)
	edited = strings.Replace(edited, "      pt-BR: Baixa\n", "", 1)
	b := mustParse(t, edited)
	var got []string
	for _, c := range Diff(a, b) {
		got = append(got, c.String())
	}
	want := []string{
		"auto_close.resolved_days: 10 -> 7",
		"calendars.support-hours.holidays: (none) -> [2024-07-04, 12-25]",
		"criticalities.C1.name.es-ES: Urgente -> Crítica",
		"criticalities.C4.name.pt-BR: Baixa -> (none)",
		"plans.premium.inclusions.ransomware_response.quantity: 32 -> 48",
		"plans.premium.inclusions.senior_routing.criticalities: [C1, C2] -> (none)",
		"plans.premium.inclusions.senior_routing.name.en-US: Direct routing to senior engineers -> (none)",
		"plans.premium.inclusions.senior_routing.name.es-ES: Derivación directa a ingenieros sénior -> (none)",
		"plans.premium.inclusions.senior_routing.name.pt-BR: Encaminhamento direto a engenheiros seniores -> (none)",
		"plans.premium.targets.C2.clock: 24x7 -> support-hours",
		"plans.premium.targets.C2.work: 1h -> 2h",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	back := Diff(b, a)
	if len(back) != len(want) || back[0].String() != "auto_close.resolved_days: 7 -> 10" {
		t.Fatalf("reverse diff: %v", back)
	}
}

func TestDurationString(t *testing.T) {
	for in, want := range map[string]string{"30m": "30m", "8h": "8h", "1h30m": "1h30m", "90s": "1m30s", "2h0m5s": "2h0m5s", "500ms": "500ms"} {
		d, err := parseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("%s -> %q, %v; want %q", in, d, err, want)
		}
	}
}

// TestDiffTranslating: translating a document written in plain strings
// reads as the translations added, not as every text replaced.
func TestDiffTranslating(t *testing.T) {
	plain := "calendars:\n  h: {zone: UTC, always_open: true}\nsupport_calendar: h\n" +
		"criticalities:\n  C1: {name: Urgent, definition: Down}\n  C2: {name: High, definition: Hurt}\n  C3: {name: Medium, definition: Slow}\n  C4: {name: Low, definition: Question}\n" +
		"plans:\n  p:\n    name: Plan\n    targets:\n      C1: {work: 1h, clock: 24x7}\n      C2: {work: 1h, clock: 24x7}\n      C3: {work: 1h, clock: 24x7}\n      C4: {work: 1h, clock: 24x7}\n" +
		"auto_close: {calendar: h, resolved_days: 10, awaiting_customer_days: 15}\n"
	translated := strings.Replace(plain, "C1: {name: Urgent,", "C1: {name: {en-US: Urgent, es-ES: Urgente},", 1)
	var got []string
	for _, c := range Diff(mustParse(t, plain), mustParse(t, translated)) {
		got = append(got, c.String())
	}
	if want := "criticalities.C1.name.es-ES: (none) -> Urgente"; strings.Join(got, "\n") != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}
