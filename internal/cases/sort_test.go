package cases

import (
	"strconv"
	"strings"
	"testing"

	"accord/internal/accord"
)

func TestParseSort(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Sort
		ok   bool
	}{
		{"", Sort{}, true},
		{"updated_at", Sort{Key: SortUpdated}, true},
		{"-updated_at", Sort{Key: SortUpdated, Desc: true}, true},
		{"criticality", Sort{Key: SortCriticality}, true},
		{"-waited", Sort{Key: SortWaited, Desc: true}, true},
		{"due", Sort{Key: SortDue}, true},
		{"--due", Sort{}, false},
		{"+due", Sort{}, false},
		{"Due", Sort{}, false},
		{"due ", Sort{}, false},
		{"-", Sort{}, false},
		{"colour", Sort{}, false},
	} {
		got, err := ParseSort(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseSort(%q) = %+v, %v", c.in, got, err)
		}
		if err != nil {
			if e := accord.Public(err); e.Kind != accord.Invalid || e.Field != "sort" {
				t.Errorf("ParseSort(%q): %+v, want Invalid naming sort", c.in, e)
			}
		}
	}
	if got := (Sort{Key: SortDue}).Toggle(SortDue); got != (Sort{Key: SortDue, Desc: true}) {
		t.Errorf("toggle of the sort in force: %+v", got)
	}
	if got := (Sort{Key: SortDue, Desc: true}).Toggle(SortState); got != (Sort{Key: SortState}) {
		t.Errorf("toggle to another column: %+v", got)
	}
}

func TestNumber(t *testing.T) {
	for in, want := range map[string]int64{"31": 31, "#31": 31, " #31 ": 31, "0031": 31, "#": 0, "": 0, "0": 0, "-3": 0, "3.1": 0,
		"##31": 0, "31a": 0, "# 31": 0, "99999999999999999999": 0} {
		n, ok := Number(in)
		if n != want || ok != (want > 0) {
			t.Errorf("Number(%q) = %d, %v; want %d", in, n, ok, want)
		}
	}
}

// FuzzParseSort: ParseSort never panics; what it accepts prints back as
// it was written; what it refuses is Invalid naming "sort", with a
// message of printable ASCII whatever was sent.
func FuzzParseSort(f *testing.F) {
	for _, seed := range []string{"", "due", "-due", "-updated_at", "--due", "assignee\x00", "é", strings.Repeat("x", 100)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSort(in)
		if err == nil {
			if s.String() != in {
				t.Fatalf("ParseSort(%q) prints as %q", in, s.String())
			}
			return
		}
		e := accord.Public(err)
		if e.Kind != accord.Invalid || e.Field != "sort" {
			t.Fatalf("ParseSort(%q): %+v", in, e)
		}
		for _, r := range e.Msg {
			if r < 0x20 || r > 0x7e {
				t.Fatalf("ParseSort(%q): message %q is not printable ASCII", in, e.Msg)
			}
		}
	})
}

// FuzzNumber: Number never panics, and a number it reads prints back as
// the digits of the search.
func FuzzNumber(f *testing.F) {
	for _, seed := range []string{"31", "#31", " #0031 ", "#", "-1", "1e3"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, ok := Number(in)
		if !ok {
			return
		}
		digits := strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(in), "#"), "0")
		if n <= 0 || strconv.FormatInt(n, 10) != digits {
			t.Fatalf("Number(%q) = %d", in, n)
		}
	})
}
