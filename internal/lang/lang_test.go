package lang

import (
	"encoding/json"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	"pgregory.net/rapid"
)

func TestTextIn(t *testing.T) {
	tx := Text{"en-US": "Urgent", "es-ES": "Urgente", "pt-BR": " "}
	for loc, want := range map[string]string{"en-US": "Urgent", "es-ES": "Urgente", "pt-BR": "Urgent", "fr-FR": "Urgent", "": "Urgent"} {
		if got := tx.In(loc); got != want {
			t.Errorf("In(%q) = %q, want %q", loc, got, want)
		}
	}
	if got := tx.Pick("es-ES").String(); got != "Urgente" {
		t.Errorf("Pick(es-ES).String() = %q", got)
	}
	b, _ := json.Marshal(struct{ Name Text }{tx.Pick("pt-BR")})
	if string(b) != `{"Name":"Urgent"}` {
		t.Errorf("a picked text's JSON = %s", b)
	}
}

func TestTextYAML(t *testing.T) {
	var v struct{ A, B Text }
	if err := yaml.Unmarshal([]byte("a: Low\nb: {en-US: Low, es-ES: Baja}\n"), &v); err != nil {
		t.Fatal(err)
	}
	if v.A.String() != "Low" || len(v.A) != 1 || v.B.In("es-ES") != "Baja" {
		t.Fatalf("decoded %+v", v)
	}
	out, _ := yaml.Marshal(v)
	if string(out) != "a: Low\nb:\n    en-US: Low\n    es-ES: Baja\n" {
		t.Fatalf("encoded:\n%s", out)
	}
}

func TestNegotiate(t *testing.T) {
	for h, want := range map[string]string{"es;q=0.9, en;q=0.5": "es-ES", "pt": "pt-BR", "fr-FR": "", "": "", "en-GB,pt-BR;q=0.8": "en-US"} {
		if got := Negotiate(h); got != want {
			t.Errorf("Negotiate(%q) = %q, want %q", h, got, want)
		}
	}
}

// A reader never reads an empty text when the en-US one is not empty, and
// reads their own language's text when it has one.
func TestTextInProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tx := rapid.MapOf(rapid.SampledFrom(append(Locales, "fr-FR")), rapid.StringMatching(`[a-z ]{0,5}`)).Draw(t, "text")
		tx[Default] = rapid.StringMatching(`[a-z]{1,5}`).Draw(t, "en")
		loc := rapid.SampledFrom(append(Locales, "fr-FR", "")).Draw(t, "loc")
		got := Text(tx).In(loc)
		if strings.TrimSpace(got) == "" {
			t.Fatalf("In(%q) of %v is empty", loc, tx)
		}
		if own := tx[loc]; strings.TrimSpace(own) != "" && got != own {
			t.Fatalf("In(%q) = %q, not the reader's own %q", loc, got, own)
		}
	})
}
