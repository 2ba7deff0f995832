package notify_test

import (
	"strings"
	"testing"

	"accord/internal/notify"
	"accord/internal/store/dbtest"
)

// TestEnvironmentLetters renders the managed service's letters in each
// reader's language: a notice to a customer's contacts (pt-BR, es-ES) and
// an operations alert to vendor staff (en-US, es-ES).
func TestEnvironmentLetters(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	notice := map[string]any{"kind": "maintenance_shutdown", "title": "Vault 4.3", "body": "The vault stops for the upgrade.",
		"starts_at": at("2024-10-05 22:00"), "ends_at": at("2024-10-06 02:00"), "environments": "PAM production"}
	alert := map[string]any{"environment": "PAM production", "kind": "missing_snapshot", "raised_at": at("2024-10-02 05:00"),
		"detail": "the newest scheduled snapshot was taken on 2024-10-01T02:00:00Z"}
	var letters []notify.Letter
	for _, who := range []string{"acme", "globex"} {
		letters = append(letters, notify.Letter{Kind: "environment.notice", Topic: "notice:ntc_1", OrgID: f.users[who].OrgID, UserID: f.users[who].ID,
			Facts: notice, Link: "/notices"})
	}
	for _, who := range []string{"agent", "agent2"} {
		letters = append(letters, notify.Letter{Kind: "environment.alert", Topic: "environment-alert:env_1:missing_snapshot:none",
			OrgID: f.orgs["acme"].ID, UserID: f.users[who].ID, Facts: alert, Link: "/environments/env_1"})
	}
	if err := f.notify.Post(sys, f.now, letters...); err != nil {
		t.Fatal(err)
	}
	// Posted again by the next hourly check: nothing more is mailed.
	if err := f.notify.Post(sys, f.now, letters...); err != nil {
		t.Fatal(err)
	}
	f.run(t, f.now)
	got := f.box.take()
	if len(got) != 4 {
		t.Fatalf("%d messages, want 4", len(got))
	}
	want := map[string][]string{
		"acme@acme.example":     {"Parada para manutenção: Vault 4.3", "Ambientes: PAM production", "05/10/2024 23:00 -03 (America/Sao_Paulo)", "/notices"},
		"globex@globex.example": {"Parada por mantenimiento: Vault 4.3", "Entornos: PAM production", "06/10/2024 04:00"},
		"agent@vendor.example":  {"Backup missed: PAM production", "its scheduled snapshot is late", "/environments/env_1"},
		"agent2@vendor.example": {"Copia de seguridad no realizada: PAM production", "programada se retrasa"},
	}
	for _, m := range got {
		to, _ := header(m.Data, "To")
		subject, _ := header(m.Data, "Subject")
		text := subject + "\n" + body(t, m.Data)
		var ws []string
		for addr, w := range want {
			if strings.Contains(to, addr) {
				ws = w
			}
		}
		if ws == nil {
			t.Errorf("a letter to %s", to)
		}
		for _, w := range ws {
			if !strings.Contains(text, w) {
				t.Errorf("the letter to %s lacks %q:\n%s", to, w, text)
			}
		}
	}
}
