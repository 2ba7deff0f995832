package lang

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Mode says what an import does with a document whose texts lack a
// language Accord serves.
type Mode string

const (
	// Warn imports the document and lists the missing texts: readers of
	// those languages read the en-US text until a translation comes.
	Warn Mode = "warn"
	// Strict refuses the document.
	Strict Mode = "strict"
)

// ParseMode reads "warn" or "strict"; "" is Warn.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", Warn:
		return Warn, nil
	case Strict:
		return Strict, nil
	}
	return "", fmt.Errorf("must be %s or %s, not %q", Warn, Strict, s)
}

// Negotiate picks the first of Locales an Accept-Language header asks for,
// by quality, matching "pt" to pt-BR and "es" to es-ES; "" when it asks
// for none of them.
func Negotiate(header string) string {
	type choice struct {
		tag string
		q   float64
	}
	var choices []choice
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if tag != "" && q > 0 {
			choices = append(choices, choice{strings.ToLower(tag), q})
		}
	}
	slices.SortStableFunc(choices, func(a, b choice) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	for _, ch := range choices {
		for _, loc := range Locales {
			l, _, _ := strings.Cut(strings.ToLower(loc), "-")
			if ch.tag == strings.ToLower(loc) || ch.tag == l || strings.HasPrefix(ch.tag, l+"-") {
				return loc
			}
		}
	}
	return ""
}
