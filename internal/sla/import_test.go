package sla

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/lang"
)

// TestStrictImportLocatesMissingTexts: in strict mode a document lacking a
// language is refused with every gap as a problem of its own, each at its
// line and column (as the warnings of warn mode are), and an invalid
// document's problems are located the same way, so an administrator finds
// them in the file.
func TestStrictImportLocatesMissingTexts(t *testing.T) {
	s := NewService(nil) // a refused import never reaches the store
	s.SetLanguages(lang.Strict)
	ctx := accord.WithActor(context.Background(), accord.Actor{UserID: "usr_admin", Role: accord.RoleAdmin, Name: "Alice"})
	now := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	untranslated := strings.Replace(strings.Replace(DefaultDocument(), "      es-ES: Soporte Premium 24x7\n", "", 1),
		"      pt-BR: Advanced 24x7\n", "", 1)
	bad := strings.Replace(DefaultDocument(), "auto_close:\n", "auto_close:\n  bogus: 1\n", 1)
	for _, tc := range []struct {
		name, doc string
		want      []accord.Problem
	}{
		{"missing translations", untranslated, []accord.Problem{
			{Field: "plans.advanced.name", Msg: "line " + lineOf(t, untranslated, "  advanced:", 2) + ", column 7: has no pt-BR text: its readers read the en-US text instead"},
			{Field: "plans.premium.name", Msg: "line " + lineOf(t, untranslated, "  premium:", 2) + ", column 7: has no es-ES text: its readers read the en-US text instead"},
		}},
		{"a syntax error", "calendars:\n  a: b: c\n", []accord.Problem{
			{Field: "document", Msg: "line 2: mapping values are not allowed"},
		}},
		{"an unknown field", bad, []accord.Problem{
			{Field: "auto_close.bogus", Msg: "line " + lineOf(t, bad, "  bogus: 1", 0) + ", column 3: "},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.Import(ctx, now, tc.doc)
			var e *accord.Error
			if !errors.As(err, &e) || e.Kind != accord.Invalid {
				t.Fatalf("import = %v, want Invalid", err)
			}
			if len(e.Problems) != len(tc.want) {
				t.Fatalf("problems = %+v, want %+v", e.Problems, tc.want)
			}
			for i, p := range tc.want {
				if e.Problems[i].Field != p.Field || !strings.HasPrefix(e.Problems[i].Msg, p.Msg) {
					t.Errorf("problem %d = %+v, want %+v", i, e.Problems[i], p)
				}
			}
			if e.Field != tc.want[0].Field {
				t.Errorf("field = %q, want %q", e.Field, tc.want[0].Field)
			}
		})
	}
}

// lineOf is the 1-based number of the line below by lines the one that
// reads line in doc (a plan's name mapping starts two lines below its key).
func lineOf(t *testing.T, doc, line string, below int) string {
	t.Helper()
	for i, l := range strings.Split(doc, "\n") {
		if l == line {
			return strconv.Itoa(i + 1 + below)
		}
	}
	t.Fatalf("no line %q", line)
	return ""
}
