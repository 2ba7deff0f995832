package notify

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accord/internal/cases"
	"accord/internal/directory"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// goldenView is one case seen by one recipient: a C2 incident of Acme due
// on the evening of Friday 2024-03-08 in New York.
func goldenView(locale string, vendor bool, zone string) view {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic(err)
	}
	due := time.Date(2024, 3, 8, 22, 30, 0, 0, time.UTC)
	return view{
		Name: "Ana Souza", Vendor: vendor, Number: 1042, Title: "Vault sessions time out", Customer: "Acme Bank",
		Type: "incident", Criticality: "C2", State: "open", Author: "Sam Agent",
		Body: "Please collect the vault logs.\nThen restart the session manager.", From: "C3", To: "C2",
		Reason: "Production is affected", Target: "4h", Guaranteed: true, DueAt: &due,
		References: []string{"https://kb.northwind.example/123"}, CaseURL: "https://support.northwind.example/cases/cas_1",
		Replies: true, Warn: 75, locale: locale, zone: loc,
	}
}

// TestGoldenMail renders every event in every locale and compares it with
// testdata/golden/<locale>/<event>.txt; -update rewrites them.
func TestGoldenMail(t *testing.T) {
	zones := map[string]string{"en-US": "America/New_York", "pt-BR": "America/Sao_Paulo", "es-ES": "Europe/Madrid"}
	for _, locale := range directory.Locales {
		for _, ev := range cases.Events {
			t.Run(locale+"/"+string(ev), func(t *testing.T) {
				v := goldenView(locale, !ev.Audience().Customer, zones[locale])
				if ev == cases.EventAutoClosed {
					v.Reason, v.Days = "auto_resolved", 10
				}
				switch ev {
				case cases.EventFeasibility:
					relevant := true
					v.Body = "Three customers run RACF; the LDAP bridge makes it feasible."
					v.Feasibility = &cases.FeasibilityNote{Step: cases.FeasibilityDecision, Platform: "Mainframe RACF", Relevant: &relevant, Date: "2027-06-30"}
				case cases.EventRepair:
					v.Body = ""
					v.Repair = &cases.RepairNote{Step: cases.DeviceShipped, Serial: "SGA-1200-0042", Carrier: "DHL", Tracking: "JD014600006281"}
				}
				subject, body, err := render(locale, ev, v)
				if err != nil {
					t.Fatal(err)
				}
				got := "Subject: " + subject + "\n\n" + body
				file := filepath.Join("testdata", "golden", locale, string(ev)+".txt")
				if *update {
					if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", file, got, want)
				}
			})
		}
	}
}

// TestTemplatesComplete fails when a locale lacks an event's subject or
// body, or when one falls back to another language's words.
func TestTemplatesComplete(t *testing.T) {
	for _, locale := range directory.Locales {
		for _, ev := range cases.Events {
			for _, part := range []string{".subject", ".body"} {
				if templates[locale].Lookup(string(ev)+part) == nil {
					t.Errorf("%s has no template %s%s", locale, ev, part)
				}
			}
		}
	}
	// The same view in two languages must not read the same.
	v := goldenView("pt-BR", false, "America/Sao_Paulo")
	for _, ev := range cases.Events {
		en, _, _ := render("en-US", ev, v)
		pt, _, _ := render("pt-BR", ev, v)
		es, _, _ := render("es-ES", ev, v)
		if en == pt || en == es || pt == es {
			t.Errorf("%s: subjects do not differ by language: %q %q %q", ev, en, pt, es)
		}
	}
}

func TestDueShowsTheRecipientsZone(t *testing.T) {
	for _, tc := range []struct{ locale, zone, want string }{
		{"en-US", "America/New_York", "Mar 8, 2024 5:30 PM EST (America/New_York)"},
		{"pt-BR", "America/Sao_Paulo", "08/03/2024 19:30 -03 (America/Sao_Paulo)"},
		{"es-ES", "Europe/Madrid", "08/03/2024 23:30 CET (Europe/Madrid)"},
	} {
		if got := goldenView(tc.locale, false, tc.zone).Due(); got != tc.want {
			t.Errorf("%s: Due() = %q, want %q", tc.locale, got, tc.want)
		}
	}
}

func TestTidy(t *testing.T) {
	in := "  Hello,  \n\n\n\nText\t\n-- \nSig\n\n"
	if got, want := tidy(in), "Hello,\n\nText\n-- \nSig\n"; got != want {
		t.Errorf("tidy = %q, want %q", got, want)
	}
	if strings.Contains(indent("a\nb"), "\n\n") {
		t.Error("indent adds blank lines")
	}
}

// The auto-close mail names the rule of section 7.8 that closed the case,
// with its number of business days, in every language.
func TestAutoClosedNamesTheRule(t *testing.T) {
	for _, tc := range []struct {
		reason string
		days   int
		want   map[string]string
	}{
		{"auto_resolved", 10, map[string]string{"en-US": "not confirmed within 10 business days", "pt-BR": "não foi confirmada em 10 dias úteis", "es-ES": "no se confirmó en 10 días hábiles"}},
		{"auto_awaiting_customer", 15, map[string]string{"en-US": "did not arrive within 15 business days", "pt-BR": "não chegaram em 15 dias úteis", "es-ES": "no llegaron en 15 días hábiles"}},
	} {
		for _, locale := range directory.Locales {
			v := goldenView(locale, false, "UTC")
			v.Reason, v.Days = tc.reason, tc.days
			_, body, err := render(locale, cases.EventAutoClosed, v)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(body, tc.want[locale]) || !strings.Contains(body, "7.8") {
				t.Errorf("%s %s: %q does not say %q under section 7.8", locale, tc.reason, body, tc.want[locale])
			}
		}
	}
}

// TestSystemAuthorReadsAccord: an entry Accord made itself is signed
// "Accord" in every language, not with the process's own name.
func TestSystemAuthorReadsAccord(t *testing.T) {
	for _, locale := range directory.Locales {
		v := goldenView(locale, false, "UTC")
		v.Author, v.System = "jobs", true
		subject, body, err := render(locale, cases.EventAgentReply, v)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(subject+body, "Accord") || strings.Contains(subject+body, "jobs") {
			t.Errorf("%s: the system's reply is not signed Accord:\n%s\n%s", locale, subject, body)
		}
	}
}
