package accord

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// TextProblem says what is wrong with s as text people give, or "" when
// nothing is: it must be UTF-8 without control characters other than tab,
// line feed and carriage return. PostgreSQL refuses NUL in text where
// SQLite stores it, and the other controls are never typed on purpose; the
// API, the web pages and the imports refuse them at the edge, so that both
// engines hold the same data and answer the same errors.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "must be UTF-8 text"
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return fmt.Sprintf("must not contain the control character %U (only tab, line feed and carriage return are allowed)", r)
		}
	}
	return ""
}

// CheckText is the Invalid error naming field when s is not text (see
// TextProblem), or nil.
func CheckText(field, s string) error {
	if p := TextProblem(s); p != "" {
		return FieldError(field, "%s", p)
	}
	return nil
}

// Instants people give must lie from EarliestInstant to LatestInstant, in
// UTC: years 1900 to 9999. Later ones cannot be written as RFC 3339 (a
// time in 9999 with a negative offset is in 10000 in UTC), and nothing
// Accord records happened before 1900.
var (
	EarliestInstant = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	LatestInstant   = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// CheckInstant is the Invalid error naming field when t lies outside
// EarliestInstant..LatestInstant, or nil.
func CheckInstant(field string, t time.Time) error {
	if t.Before(EarliestInstant) || t.After(LatestInstant) {
		return FieldError(field, "must lie between 1900-01-01T00:00:00Z and 9999-12-31T23:59:59Z")
	}
	return nil
}

// Wildcards are the names of a route pattern's wildcards: id and entry_id in
// "/cases/{id}/sessions/{entry_id}/decision". The API and the pages check
// the values of each as text before a handler reads them.
func Wildcards(pattern string) []string {
	var names []string
	for rest := pattern; ; {
		_, after, ok := strings.Cut(rest, "{")
		if !ok {
			return names
		}
		name, tail, _ := strings.Cut(after, "}")
		if name = strings.TrimSuffix(name, "..."); name != "$" {
			names = append(names, name)
		}
		rest = tail
	}
}
