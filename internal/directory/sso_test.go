package directory

import (
	"strings"
	"testing"

	"accord/internal/accord"
)

func TestCheckDomain(t *testing.T) {
	for in, want := range map[string]string{
		"Acme.Example": "acme.example", " acme.com.br ": "acme.com.br", "xn--bcher-kva.example": "xn--bcher-kva.example",
		"acme": "", ".acme.example": "", "acme.example.": "", "acme..example": "", "acme_x.example": "", "ac me.example": "",
		"acme.example/x": "", "": "", "@acme.example": "",
	} {
		got, err := CheckDomain("domains", in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("CheckDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
		if err != nil && !accord.IsKind(err, accord.Invalid) {
			t.Errorf("CheckDomain(%q): %v is not Invalid", in, err)
		}
	}
}

// FuzzCheckDomain: whatever comes in, an accepted domain is its own
// normal form and holds nothing but what a domain name may.
func FuzzCheckDomain(f *testing.F) {
	for _, s := range []string{"acme.example", "ACME.example ", "a..b", "\u00e9.example", ".x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := CheckDomain("domains", s)
		if err != nil {
			return
		}
		again, err := CheckDomain("domains", d)
		if err != nil || again != d {
			t.Fatalf("%q normalized to %q, which checks as %q, %v", s, d, again, err)
		}
		if strings.Trim(d, "abcdefghijklmnopqrstuvwxyz0123456789-.") != "" || !strings.Contains(d, ".") {
			t.Fatalf("%q accepted as %q", s, d)
		}
	})
}

func TestEmailDomain(t *testing.T) {
	for in, want := range map[string]string{"ana@Acme.Example": "acme.example", "a@b@c.example": "c.example", "nobody": ""} {
		if got := emailDomain(in); got != want {
			t.Errorf("emailDomain(%q) = %q, want %q", in, got, want)
		}
	}
}
