package products

import (
	"errors"
	"strings"

	"accord/internal/accord"
)

// MaxVersionLen is the longest version number accepted.
const MaxVersionLen = 40

// ValidVersion reports whether s is a version number, with a message fit
// to show against the field when it is not. A version number starts with a
// digit and is made of parts of ASCII letters and digits separated by
// single dots or hyphens: 3.21, 3.21.1, 3.22-rc1, 2026.1b.
func ValidVersion(s string) error {
	switch {
	case s == "":
		return errors.New("is required")
	case len(s) > MaxVersionLen:
		return errors.New("must be at most 40 characters")
	case s[0] < '0' || s[0] > '9':
		return errors.New("must start with a digit, like 3.21")
	}
	prevSep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c) || isLetter(c):
			prevSep = false
		case c == '.' || c == '-':
			if prevSep {
				return errors.New("must not have two separators in a row")
			}
			prevSep = true
		default:
			return errors.New("may hold only letters, digits, dots and hyphens, like 3.21.1 or 3.22-rc1")
		}
	}
	if prevSep {
		return errors.New("must not end with a dot or a hyphen")
	}
	return nil
}

// CompareVersions orders version numbers, answering -1, 0 or +1.
//
// The rule: each version is read as a list of tokens, a token being a run
// of digits (a number) or a run of letters (a word); dots and hyphens only
// separate tokens, as does a change from digits to letters ("21rc1" is 21,
// rc, 1). The lists are compared token by token, where at one position
//
//	word < end of the version < number
//
// numbers compare by value (20 < 21 < 100, however many digits, leading
// zeros ignored) and words by their bytes. So 3.20 < 3.21 < 3.100,
// 3.21 < 3.21.1 (a further number is a later release) and 3.22-rc1 <
// 3.22 (a further word is a pre-release). Two different strings that read
// the same (3.21-1 and 3.21.1, 3.020 and 3.20) are then ordered by their
// bytes, so that CompareVersions is a total order: 0 only for equal
// strings. Strings that are not valid versions are still ordered by the
// same rule, never a panic.
func CompareVersions(a, b string) int {
	ta, tb := a, b
	for {
		xa, ra := nextToken(ta)
		xb, rb := nextToken(tb)
		if c := compareToken(xa, xb); c != 0 {
			return c
		}
		if xa == "" && xb == "" {
			return strings.Compare(a, b)
		}
		ta, tb = ra, rb
	}
}

// nextToken returns the first token of s ("" at the end) and the rest.
func nextToken(s string) (tok, rest string) {
	i := 0
	for i < len(s) && !isDigit(s[i]) && !isLetter(s[i]) {
		i++
	}
	s = s[i:]
	if s == "" {
		return "", ""
	}
	digits := isDigit(s[0])
	j := 1
	for j < len(s) && (isDigit(s[j]) == digits) && (isDigit(s[j]) || isLetter(s[j])) {
		j++
	}
	return s[:j], s[j:]
}

// rank places a token among the three kinds: word < end < number.
func rank(tok string) int {
	switch {
	case tok == "":
		return 1
	case isDigit(tok[0]):
		return 2
	}
	return 0
}

func compareToken(a, b string) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return cmpInt(ra, rb)
	}
	if ra != 2 {
		return strings.Compare(a, b)
	}
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return cmpInt(len(a), len(b))
	}
	return strings.Compare(a, b)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Range is a span of versions, both ends inclusive; an empty end is open
// (From "" is every version up to To, To "" every version from From on).
type Range struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Contains reports whether v falls in r by CompareVersions.
func (r Range) Contains(v string) bool {
	if r.From != "" && CompareVersions(v, r.From) < 0 {
		return false
	}
	return r.To == "" || CompareVersions(v, r.To) <= 0
}

// Validate checks both ends are versions and From is not after To; the
// error names the field at fault ("from" or "to").
func (r Range) Validate() error {
	var ps []accord.Problem
	if r.From != "" {
		if err := ValidVersion(r.From); err != nil {
			ps = append(ps, accord.Problem{Field: "from", Msg: err.Error()})
		}
	}
	if r.To != "" {
		if err := ValidVersion(r.To); err != nil {
			ps = append(ps, accord.Problem{Field: "to", Msg: err.Error()})
		}
	}
	if len(ps) == 0 && r.From != "" && r.To != "" && CompareVersions(r.From, r.To) > 0 {
		ps = append(ps, accord.Problem{Field: "to", Msg: "must not be before the first version of the range"})
	}
	return accord.InvalidFields("products.Range", ps)
}
