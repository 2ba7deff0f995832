package kb

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"pgregory.net/rapid"

	"accord/internal/accord"
)

func TestFoldAndTerms(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"senha", []string{"senh"}},
		{"Senhas", []string{"senh"}},
		{"SENHA EXPIRADA", []string{"senh", "expirad"}},
		{"configuração", []string{"configurac"}},
		{"configuracao", []string{"configurac"}},
		{"Configurações", []string{"configurac"}},
		{"contraseñas caducadas", []string{"contrasen", "caducad"}},
		{"servidores", []string{"servidor"}},
		{"passwords", []string{"password"}},
		{"policies policy", []string{"polic"}},
		{`"senha" OR NEAR(x) title:vpn -a*`, []string{"senh", "or", "near", "titl", "vpn"}},
		{"a 1 é", nil},
		{"", nil},
	} {
		if got := Terms(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("Terms(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestSnippetMarksMatches(t *testing.T) {
	got := Snippet("Quando as **senhas** expiram, o usuário não entra.", Terms("senha"))
	want := []Segment{{Text: "Quando as "}, {Text: "senhas", Mark: true}, {Text: " expiram, o usuário não entra."}}
	if !slices.Equal(got, want) {
		t.Fatalf("Snippet = %+v", got)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Senha expirada no cofre":      "senha-expirada-no-cofre",
		"  Configuração: do proxy!  ":  "configuracao-do-proxy",
		"Contraseña caducada (v3.21)":  "contrasena-caducada-v3-21",
		strings.Repeat("palavra ", 20): strings.TrimSuffix(strings.Repeat("palavra-", 10), "-"),
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every word's stem is a prefix of the word, so that a stem found in the
// query matches the word it came from in the index.
func TestStemIsPrefixProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := rapid.StringMatching(`[a-z]{1,14}`).Draw(t, "word")
		s := Stem(w)
		if s == "" {
			t.Fatalf("Stem(%q) is empty", w)
		}
		if !strings.HasPrefix(w, s) {
			t.Fatalf("Stem(%q) = %q is not a prefix", w, s)
		}
	})
}

func TestReadable(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    *accord.Actor
		want []Visibility
	}{
		{"anonymous", nil, []Visibility{Public}},
		{"customer contact", &accord.Actor{Role: accord.RoleCustomerContact}, []Visibility{Public, Customers}},
		{"partner agent", &accord.Actor{Role: accord.RolePartnerAgent}, []Visibility{Public, Customers, Partners}},
		{"agent", &accord.Actor{Role: accord.RoleAgent}, Visibilities},
		{"admin", &accord.Actor{Role: accord.RoleAdmin}, Visibilities},
		{"auditor", &accord.Actor{Role: accord.RoleAuditor}, Visibilities},
	} {
		if got, _ := Readable(tc.a); !slices.Equal(got, tc.want) {
			t.Errorf("%s reads %v, want %v", tc.name, got, tc.want)
		}
	}
}

// FuzzTerms: whatever is typed, terms are folded letters and digits only
// (nothing either engine reads as query syntax), at most MaxTerms, and
// the snippet is a run of the text's words.
func FuzzTerms(f *testing.F) {
	for _, s := range []string{"senha expirada", "Configurações", `"a" OR b*`, "NEAR(x y)", "\x00\xff", "ǅ ﬁ İ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		terms := Terms(q)
		if len(terms) > MaxTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			if strings.IndexFunc(term, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) >= 0 {
				t.Fatalf("term %q of %q has syntax", term, q)
			}
		}
		var b strings.Builder
		for _, s := range Snippet(q, terms) {
			b.WriteString(s.Text)
		}
		got := strings.TrimSuffix(strings.TrimPrefix(b.String(), "… "), " …")
		if !strings.Contains(strings.Join(strings.Fields(plain(q)), " "), got) {
			t.Fatalf("snippet %q of %q", b.String(), q)
		}
	})
}
