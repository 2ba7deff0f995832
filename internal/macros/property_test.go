package macros

import (
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestRenderFillsEveryPlaceholder: whatever text surrounds them, every
// placeholder a valid body names comes out as its value, the text around
// it untouched, in every language.
func TestRenderFillsEveryPlaceholder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.StringMatching(`[^{}]{0,20}`)
		v := Values{Customer: rapid.StringMatching(`[A-Za-z ]{1,10}`).Draw(t, "customer"), Contact: rapid.StringMatching(`[A-Za-zÀ-ú ]{1,10}`).Draw(t, "contact"),
			CaseNumber: rapid.Int64Range(1, 1e6).Draw(t, "number"), Agent: rapid.StringMatching(`[A-Za-z ]{1,10}`).Draw(t, "agent")}
		locale := rapid.SampledFrom(Locales).Draw(t, "locale")
		value := map[string]string{"customer": v.Customer, "contact": v.Contact, "case_number": "#" + strconv.FormatInt(v.CaseNumber, 10),
			"agent": v.Agent, "due_time": FormatDue(nil, nil, locale)}
		var body, want strings.Builder
		for i := range rapid.IntRange(0, 6).Draw(t, "parts") {
			s := text.Draw(t, "text")
			p := rapid.SampledFrom(Placeholders).Draw(t, "placeholder")
			pad := strings.Repeat(" ", i%2)
			body.WriteString(s + "{{" + pad + p + pad + "}}")
			want.WriteString(s + value[p])
		}
		if _, err := parse(body.String()); err != nil {
			t.Fatalf("a body of known placeholders refused: %v", err)
		}
		if got := Render(body.String(), locale, v); got != want.String() {
			t.Fatalf("Render(%q) = %q, want %q", body.String(), got, want.String())
		}
	})
}
