package notify

import (
	"strings"
	"testing"
	"time"

	"accord/internal/directory"
)

// TestSignalLettersRender renders the mail of a mention and of a rating
// request in every locale: each says its own words and carries its link.
func TestSignalLettersRender(t *testing.T) {
	facts := map[string]any{"number": int64(31), "title": "Nightly export fails", "author": "Ana Souza",
		"expires_at": time.Date(2027, 1, 6, 15, 0, 0, 0, time.UTC)}
	zone, _ := time.LoadLocation("Europe/Madrid")
	for _, kind := range []string{"case.mention", "case.rating"} {
		v := letterView{Name: "Nina", Link: "https://x.example/rate/cas_1/TOKEN", Facts: facts}
		subjects := map[string]bool{}
		for _, locale := range directory.Locales {
			subject, body, err := renderLetter(locale, zone, kind, v)
			if err != nil {
				t.Fatalf("%s in %s: %v", kind, locale, err)
			}
			if !strings.Contains(body, v.Link) || !strings.Contains(subject, "#31") || strings.Contains(subject+body, "<no value>") {
				t.Errorf("%s in %s:\n%s\n%s", kind, locale, subject, body)
			}
			subjects[subject] = true
		}
		if len(subjects) != len(directory.Locales) {
			t.Errorf("%s: subjects do not differ by language: %v", kind, subjects)
		}
	}
}
