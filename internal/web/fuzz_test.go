package web

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzNegotiate: any Accept-Language header gives one of the locales.
func FuzzNegotiate(f *testing.F) {
	for _, seed := range []string{"", "pt-BR,pt;q=0.9,en;q=0.8", "es;q=0.1, *;q=0.5", "q=,;;", "en;q=NaN", "pt;q=1e999"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		if got := negotiate(header); !slices.Contains(Locales, got) {
			t.Fatalf("negotiate(%q) = %q", header, got)
		}
	})
}

// FuzzLocalPath: whatever ?next= holds, the sign-in page forwards to a
// path on this site, never to another host.
func FuzzLocalPath(f *testing.F) {
	for _, seed := range []string{"/cases?state=open", "//evil.example", "/\\evil.example", "https://evil.example/", "/%2F%2Fevil", " /x", "/x#//y"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := localPath(next)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("localPath(%q) = %q", next, got)
		}
		// Resolved against this site, as a browser would, it stays here.
		base, _ := url.Parse("https://accord.example/login")
		ref, err := url.Parse(got)
		if err != nil {
			t.Fatalf("localPath(%q) = %q, which is not a URL: %v", next, got, err)
		}
		if u := base.ResolveReference(ref); u.Host != "accord.example" {
			t.Fatalf("localPath(%q) = %q leads to %s", next, got, u.Host)
		}
	})
}
