package notify

import "fmt"

// DefineLetter adds a letter kind's templates to every locale, for tests
// of the letter machinery that must not depend on the kinds the domains use.
func DefineLetter(kind, subject, body string) {
	for _, l := range templates {
		src := fmt.Sprintf(`{{define "%s.subject"}}%s{{end}}{{define "%s.body"}}%s{{end}}`, kind, subject, kind, body)
		if _, err := l.New(kind).Parse(src); err != nil {
			panic(err)
		}
	}
}
