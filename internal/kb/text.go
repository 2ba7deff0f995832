package kb

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold lowercases s and removes its diacritics ("Configuração" becomes
// "configuracao"), as both engines' indexes and queries read text: FTS5's
// unicode61 tokenizer folds too, PostgreSQL's 'unaccent' is an extension
// that is not always installed, so the text is folded here on both.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}

// MaxTerms bounds the terms of a query; the rest are ignored.
const MaxTerms = 8

// Terms reads a query as people type it: the folded words of letters and
// digits, without any syntax (quotes, operators and punctuation separate
// words), each cut to its stem, without duplicates, at most MaxTerms. Each
// term matches any word that starts with it.
func Terms(q string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(Fold(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		s := Stem(w)
		if len([]rune(s)) < 2 || contains(out, s) {
			continue
		}
		out = append(out, s)
		if len(out) == MaxTerms {
			break
		}
	}
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Stem cuts a folded word to a root that its plural and its other gender
// start with, in the three languages: "senhas" and "senha" to "senh",
// "configuracoes" and "configuracao" to "configurac", "passwords" to
// "password", "servidores" to "servidor", "expirada" to "expirad". It is
// deliberately small: the root is matched as a prefix, so an over-long
// root only loses recall on irregular forms, and PostgreSQL adds its
// language's Snowball stemmer on top.
func Stem(w string) string {
	r := []rune(w)
	n := len(r)
	if n <= 4 {
		return w
	}
	cut := func(suffix string, keep string) (string, bool) {
		if !strings.HasSuffix(w, suffix) || n-len([]rune(suffix)) < 3 {
			return "", false
		}
		return strings.TrimSuffix(w, suffix) + keep, true
	}
	for _, c := range []struct{ suffix, keep string }{
		{"coes", "c"}, {"cao", "c"}, {"sses", "ss"}, {"oes", ""}, {"aes", ""}, {"ao", ""}, {"ies", ""},
	} {
		if s, ok := cut(c.suffix, c.keep); ok {
			return s
		}
	}
	if strings.HasSuffix(w, "es") && strings.ContainsRune("rzldn", r[n-3]) {
		return string(r[:n-2])
	}
	if r[n-1] == 's' && r[n-2] != 's' {
		r, n = r[:n-1], n-1
	}
	if n >= 5 && strings.ContainsRune("aoey", r[n-1]) {
		r = r[:n-1]
	}
	return string(r)
}

// Segment is a piece of a snippet; Mark is set on the words the query
// matched, which pages highlight.
type Segment struct {
	Text string `json:"text"`
	Mark bool   `json:"mark,omitempty"`
}

// snippetWords is how many words a snippet shows.
const snippetWords = 24

// Snippet is the part of text around the first word a term matches, with
// the matched words marked, at most snippetWords words; without a match,
// the text's start. It is computed in Go so that both engines show the
// same snippet and no HTML is made from the article's text.
func Snippet(text string, terms []string) []Segment {
	words := strings.Fields(plain(text))
	match := func(w string) bool {
		for _, part := range strings.FieldsFunc(Fold(w), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			for _, t := range terms {
				if strings.HasPrefix(part, t) {
					return true
				}
			}
		}
		return false
	}
	start := 0
	for i, w := range words {
		if match(w) {
			start = max(0, i-snippetWords/3)
			break
		}
	}
	end := min(len(words), start+snippetWords)
	var out []Segment
	add := func(s string, mark bool) {
		if len(out) > 0 && out[len(out)-1].Mark == mark {
			out[len(out)-1].Text += s
			return
		}
		out = append(out, Segment{Text: s, Mark: mark})
	}
	if start > 0 {
		add("… ", false)
	}
	for i := start; i < end; i++ {
		if i > start {
			add(" ", false)
		}
		add(words[i], match(words[i]))
	}
	if end < len(words) {
		add(" …", false)
	}
	return out
}

// plain removes Markdown's punctuation from text, for snippets and the
// search index.
func plain(text string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("#*_`>|[](){}<~", r) {
			return ' '
		}
		return r
	}, text)
}

// Document is the folded text an article is indexed by.
func Document(title, body string) (string, string) {
	return Fold(title), Fold(plain(body))
}
