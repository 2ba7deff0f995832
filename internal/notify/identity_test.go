package notify

import (
	"strings"
	"testing"
	"time"

	"accord/internal/directory"
)

// TestIdentityLettersRender renders the letters of invitations, password
// resets and access requests in every locale: each has its templates and
// says its own words in each language.
func TestIdentityLettersRender(t *testing.T) {
	expires := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	cases := map[string]letterView{
		"user.invitation":     {Name: "Nina", Link: "https://x.example/invite/TOKEN", Facts: map[string]any{"organization": "Acme Bank", "expires_at": expires}},
		"user.password_reset": {Name: "Nina", Link: "https://x.example/reset/TOKEN", Facts: map[string]any{"expires_at": expires}},
	}
	for _, st := range []string{"pending", "authorized", "approved", "rejected"} {
		cases["contact.access_request/"+st] = letterView{Name: "Carla", Link: "https://x.example/contact-requests?status=" + st,
			Facts: map[string]any{"status": st, "customer": "Acme Bank", "name": "Nina Night", "email": "nina@acme.example",
				"reason": "night shift operator", "requested_by": "Omar", "authorized_by": "Carla", "decided_by": "Alice", "note": "no such employee"}}
	}
	zone, _ := time.LoadLocation("America/Sao_Paulo")
	for name, v := range cases {
		kind, _, _ := strings.Cut(name, "/")
		subjects := map[string]bool{}
		for _, locale := range directory.Locales {
			subject, body, err := renderLetter(locale, zone, kind, v)
			if err != nil {
				t.Fatalf("%s in %s: %v", name, locale, err)
			}
			if !strings.Contains(body, v.Link) || strings.Contains(subject+body, "<no value>") {
				t.Errorf("%s in %s:\n%s\n%s", name, locale, subject, body)
			}
			subjects[subject] = true
		}
		if len(subjects) != len(directory.Locales) {
			t.Errorf("%s: subjects do not differ by language: %v", name, subjects)
		}
	}
}
