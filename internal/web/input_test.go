package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/store/dbtest"
)

// names reports whether a refused page names field and the character.
func names(r response, field, char string) bool {
	return strings.Contains(r.body, ">"+field+"</a>: ") && strings.Contains(r.body, char) ||
		strings.Contains(r.body, field+": ") && strings.Contains(r.body, char)
}

// TestFormsRefuseControlCharacters: a form field, a file name, a query
// parameter, a path value or a cursor holding NUL, another C0 control or
// DEL is refused naming the field (422 on a form shown again, 400 on a
// page), the same on both engines; PostgreSQL used to answer 500.
func TestFormsRefuseControlCharacters(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		c := f.openIncident("Vault refuses sign-in")
		casePath := "/cases/" + string(c.ID)
		for _, bad := range []string{"\x00", "\x01", "\x7f"} {
			text := "a" + bad + "b"
			char := fmt.Sprintf("U&#43;%04X", []rune(bad)[0]) // as the page writes U+0000
			for _, tc := range []struct {
				name, as, path string
				form           url.Values
				field          string
			}{
				{"sign-in", "", "/login", url.Values{"email": {text}, "password": {"x"}}, "email"},
				{"new case title", "acme", "/cases/new", url.Values{"type": {"question"}, "title": {text}, "description": {"d"}}, "title"},
				{"new case details", "acme", "/cases/new", url.Values{"type": {"incident"}, "title": {"t"}, "details.version": {text}}, "details.version"},
				{"reply", "acme", casePath + "/reply", url.Values{"body": {text}}, "body"},
				{"reply reference", "agent", casePath + "/reply", url.Values{"body": {"See"}, "references[0].kind": {"kb_article"},
					"references[0].value": {text}}, "references[0].value"},
				{"contact request", "acme-admin", "/contacts/new", url.Values{"name": {text}, "email": {"new@acme.example"}, "reason": {"r"}}, "name"},
				{"engagement scope", "acme", "/engagements/new", url.Values{"service": {"health_check"}, "scope": {text}}, "scope"},
				{"settings", "acme", "/settings", url.Values{"name": {text}, "time_zone": {"UTC"}}, "name"},
				{"saved view", "agent", "/queue/views", url.Values{"name": {text}, "query": {"state=open"}}, "name"},
				{"saved view's query", "agent", "/queue/views", url.Values{"name": {"Mine"}, "query": {"q=" + text}}, "query"},
			} {
				r := f.post(tc.as, tc.path, tc.form)
				if r.status != http.StatusUnprocessableEntity || !names(r, tc.field, char) {
					t.Errorf("%s with %s: %d, want 422 naming %s and %s", tc.name, char, r.status, tc.field, char)
				}
			}
			q := url.QueryEscape(text)
			cursor := accord.Cursor{Key: text, ID: accord.NewID("cas")}.Encode()
			for _, tc := range []struct {
				name, as, path, field string
				status                int
			}{
				{"case search", "agent", "/cases?q=" + q, "q", 400},
				{"queue filter", "agent", "/queue?q=" + q, "q", 400},
				{"user role", "admin", "/admin/users?role=" + q, "role", 400},
				{"path id", "agent", "/cases/" + url.PathEscape(text), "id", 400},
				{"sign-in page", "", "/login?next=" + q, "next", 400},
				// A list shows its filters' problems above them.
				{"cursor", "agent", "/cases?cursor=" + cursor, "cursor", 422},
			} {
				r := f.get(tc.as, tc.path)
				if r.status != tc.status || !names(r, tc.field, "") {
					t.Errorf("%s with %s: %d, want %d naming %s", tc.name, char, r.status, tc.status, tc.field)
				}
			}
			// A file's name, as RFC 2231 lets a client send any byte.
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			w, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {`form-data; name="file"; filename*=UTF-8''log` + url.PathEscape(bad) + `.txt`}})
			_, _ = io.WriteString(w, "hello")
			_ = mw.Close()
			if r := f.do("acme", "POST", casePath+"/files", &body, mw.FormDataContentType()); r.status != http.StatusUnprocessableEntity || !names(r, "file", char) {
				t.Errorf("file name with %s: %d", char, r.status)
			}
		}
		if r := f.post("acme", casePath+"/reply", url.Values{"body": {"Line one\r\n\tline two"}}); r.status != http.StatusSeeOther {
			t.Errorf("tab and CRLF are text: %d", r.status)
		}
	})
}

// TestSignInNextStaysOnThisSite: the probe's next=/./\evil.example/ was
// cleaned by http.Redirect into /\evil.example/, which browsers read as
// //evil.example/. Whatever next holds, the sign-in goes to a path here.
func TestSignInNextStaysOnThisSite(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	for next, want := range map[string]string{
		`/./\evil.example/`:    "/",
		`/\evil.example`:       "/",
		"/.//evil.example/":    "/evil.example/",
		"/\t/evil.example":     "/",
		"/cases/../queue":      "/queue",
		"/cases?state=open":    "/cases?state=open",
		"https://evil.example": "/",
	} {
		r := f.post("", "/login", url.Values{"email": {"acme@acme.example"}, "password": {testPassword}, "next": {next}})
		if r.status != http.StatusSeeOther || r.location != want {
			t.Errorf("next=%q: %d to %q, want %q", next, r.status, r.location, want)
		}
	}
}

// TestUploadLimitMessage: the limit named is the file's, 20 MiB, not the
// 21 MiB the body may hold with the other fields.
func TestUploadLimitMessage(t *testing.T) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, _ := mw.CreateFormFile("file", "big.bin")
		_, _ = io.Copy(w, io.LimitReader(zeros{}, maxCaseFile+maxForm+1))
		_ = mw.Close()
		_ = pw.Close()
	}()
	r := httptest.NewRequest("POST", "/cases/x/files", pr)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	err := parseForm(httptest.NewRecorder(), r, maxCaseFile)
	_, _ = io.Copy(io.Discard, pr)
	if e := accord.Public(err); e.Field != "file" || e.Msg != "is larger than 20 MiB" {
		t.Errorf("too large: %+v", e)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestCustomerPhoneCallIsForbiddenFirst: a customer posting a phone call
// is refused for their role (403), whatever the form holds; it used to
// get the form's problems first.
func TestCustomerPhoneCallIsForbiddenFirst(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		path := "/cases/" + string(f.openIncident("Vault refuses sign-in").ID) + "/calls"
		for _, form := range []url.Values{{}, {"caller": {"Ana"}}, {"caller": {"Ana"}, "number": {"1"}, "at": {"yesterday"}},
			{"caller": {"Ana"}, "number": {"1"}, "at": {"2026-11-20T09:00"}}} {
			if r := f.post("acme", path, form); r.status != http.StatusForbidden {
				t.Errorf("customer's call %v: %d, want 403", form, r.status)
			}
		}
		if r := f.post("agent", path, url.Values{"caller": {"Ana"}, "number": {"1"}, "at": {"yesterday"}}); r.status != http.StatusUnprocessableEntity ||
			!names(r, "at", "") {
			t.Errorf("the agent's call at a time that is not one: %d", r.status)
		}
	})
}

// TestPageInstantsAreBounded: a time typed in a form or a month asked for
// in a page lies in years 1900 to 9999 in UTC; 9999-12-31 23:59 in New
// York is in 10000.
func TestPageInstantsAreBounded(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		path := "/cases/" + string(f.openIncident("Vault refuses sign-in").ID)
		for _, at := range []string{"9999-12-31T23:59", "1899-12-31T23:00"} {
			if r := f.post("agent", path+"/sessions", url.Values{"starts_at": {at}}); r.status != http.StatusUnprocessableEntity || !names(r, "starts_at", "") {
				t.Errorf("session at %s: %d", at, r.status)
			}
		}
		if r := f.get("agent", "/engagements/calendar?month=9999-12"); r.status != http.StatusBadRequest || !names(r, "month", "") {
			t.Errorf("calendar of 9999-12 in New York: %d", r.status)
		}
		f.page("agent", "/engagements/calendar?month=9999-11")
		f.page("agent", path)
	})
}
