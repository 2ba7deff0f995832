package web

import (
	"net/http"
	"net/http/httptest"
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

// FuzzLocalPath: whatever next= holds, the sign-in page forwards to a
// path on this site as a browser reads the Location it gets: after
// http.Redirect has cleaned it, and after the browser has dropped tabs and
// line breaks, trimmed spaces and controls and read backslashes as slashes
// (the WHATWG URL parser's rules for http and https).
func FuzzLocalPath(f *testing.F) {
	for _, seed := range []string{"/cases?state=open", "//evil.example", "/\\evil.example", "https://evil.example/", "/%2F%2Fevil", " /x",
		"/x#//y", "/./\\evil.example/", "/.//evil.example", "/\t/evil.example", "/a/../\\evil", "/x?next=//evil", "/\x00/evil"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := localPath(next)
		w := httptest.NewRecorder()
		http.Redirect(w, httptest.NewRequest("POST", "https://accord.example/login", nil), got, http.StatusSeeOther)
		location := w.Header().Get("Location")
		read := strings.TrimFunc(location, func(r rune) bool { return r <= ' ' })
		read = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(read)
		if !strings.HasPrefix(read, "/") || strings.HasPrefix(read, "//") {
			t.Fatalf("localPath(%q) = %q, sent as %q, which a browser reads as %q", next, got, location, read)
		}
		base, _ := url.Parse("https://accord.example/login")
		ref, err := url.Parse(read)
		if err != nil {
			t.Fatalf("localPath(%q) = %q, which is not a URL: %v", next, got, err)
		}
		if u := base.ResolveReference(ref); u.Scheme != "https" || u.Host != "accord.example" {
			t.Fatalf("localPath(%q) = %q leads to %s", next, got, u)
		}
	})
}
