package web

import (
	"errors"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/changes"
)

// A refused schedule or start reaches the reader in their language and on
// their clock, with the instants the service named in the error's details.
func TestChangeRefusalInReadersLanguage(t *testing.T) {
	msgs, err := loadCatalogs(catalogFiles)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{msgs: msgs}
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	madrid, _ := time.LoadLocation("Europe/Madrid")
	window := &accord.Error{Kind: accord.Invalid, Field: "planned_start", Msg: "does not fit",
		Details: map[string]string{"next_allowed_start": "2026-12-14T07:00:00Z"}}
	slot := &accord.Error{Kind: accord.Unprocessable, Field: "planned_start", Msg: "outside the slot",
		Details: map[string]string{"planned_start": "2026-12-14T07:00:00Z", "planned_end": "2026-12-14T08:00:00Z"}}
	for _, tc := range []struct {
		rd   reader
		err  error
		want string
	}{
		{reader{Locale: "pt-BR", Zone: sp}, window, "Este horário não cabe na janela da mudança. O próximo início permitido é 14/12/2026 04:00 -03."},
		{reader{Locale: "en-US", Zone: time.UTC}, window, "This schedule does not fit the change's window. The next allowed start is Dec 14, 2026, 7:00 AM UTC."},
		{reader{Locale: "es-ES", Zone: madrid}, slot, "El cambio empieza dentro del horario aprobado, de 14/12/2026 08:00 CET a 14/12/2026 09:00 CET. Espere a ese horario o programe el cambio de nuevo."},
	} {
		var e *accord.Error
		if !errors.As(s.localRefusal(tc.rd, tc.err), &e) || e.Msg != tc.want || e.Field != "planned_start" {
			t.Errorf("%s: %v", tc.rd.Locale, e)
		}
	}
	// Other refusals keep the service's words.
	other := &accord.Error{Kind: accord.Invalid, Field: "title", Msg: "is required"}
	if got := s.localRefusal(reader{Locale: "pt-BR", Zone: sp}, other); got != error(other) {
		t.Errorf("rewrote %v", got)
	}
}

// Why a type is suggested reads in the reader's language, with the weight.
func TestSuggestedTypeWhyInReadersLanguage(t *testing.T) {
	msgs, err := loadCatalogs(catalogFiles)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{msgs: msgs}
	light := changes.Assessment{Complexity: changes.Low, Importance: changes.Low, Impact: changes.Low, Reversibility: changes.Easy}
	heavy := changes.Assessment{Complexity: changes.High, Importance: changes.High, Impact: changes.Moderate, Reversibility: changes.Easy}
	for _, tc := range []struct {
		loc  string
		a    changes.Assessment
		want string
	}{
		{"pt-BR", light, "as respostas pesam 0 (no máximo 1) e o impacto é baixo"},
		{"es-ES", heavy, "las respuestas pesan 5 (5 o más)"},
		{"en-US", light, "the answers weigh 0 (at most 1) and the impact is low"},
	} {
		if got := s.why(tc.loc, tc.a); got != tc.want {
			t.Errorf("%s: %q", tc.loc, got)
		}
	}
	for _, loc := range Locales {
		for _, rule := range []string{changes.RuleIrreversible, changes.RuleHighImpact, changes.RuleHeavy, changes.RuleLight, changes.RuleMedium} {
			if _, ok := msgs[loc]["change.why."+rule]; !ok {
				t.Errorf("%s lacks change.why.%s", loc, rule)
			}
		}
	}
}
