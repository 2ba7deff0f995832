package notify

import (
	"strings"
	"testing"
	"time"
)

// The letters about a change read in each language, for every timeline
// entry that is mailed.
func TestChangeLetters(t *testing.T) {
	start := time.Date(2027, 1, 2, 21, 0, 0, 0, time.UTC)
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, ev := range []string{"submitted", "assessed", "approvals_voided", "scheduled", "started", "completed", "failed", "rolled_back"} {
		subjects := map[string]bool{}
		for _, locale := range []string{"en-US", "pt-BR", "es-ES"} {
			v := letterView{Name: "Ana", Link: "https://desk.example/changes/chg_1", Facts: map[string]any{"event": ev, "title": "Upgrade to 4.3",
				"environment": "Production", "type": "medium", "major": ev == "scheduled", "planned_start": start, "minutes": 120,
				"note": "plan", "actor": "Bo", "shutdown": true}}
			subject, body, err := renderLetter(locale, paris, "change", v)
			if err != nil {
				t.Fatalf("%s %s: %v", ev, locale, err)
			}
			if !strings.Contains(subject, "Upgrade to 4.3") || !strings.Contains(body, "https://desk.example/changes/chg_1") || !strings.Contains(body, "2027") {
				t.Errorf("%s %s:\n%s\n%s", ev, locale, subject, body)
			}
			subjects[subject] = true
		}
		if len(subjects) != 3 {
			t.Errorf("%s: subjects do not differ by language: %v", ev, subjects)
		}
	}
}
