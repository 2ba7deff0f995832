package api

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// jsonText is s as a JSON string, control characters escaped.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// refused checks that an answer is 400 naming field.
func refused(t *testing.T, what string, resp response, field string) {
	t.Helper()
	var body errorBody
	if resp.status != http.StatusBadRequest || json.Unmarshal([]byte(resp.body), &body) != nil || body.Error.Field != field {
		t.Errorf("%s: %d %s, want 400 naming %q", what, resp.status, short(resp.body), field)
	}
}

// TestControlCharactersAreRefused: text with NUL, another C0 control or
// DEL, and text that is not UTF-8, is refused with 400 naming the field on
// every input path (JSON bodies at any depth, query parameters, path
// values, multipart fields and file names, cursors), the same on both
// engines. PostgreSQL used to answer 500 where SQLite stored the NUL.
func TestControlCharactersAreRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "case", incident("Vault down", "C3"))
		for _, bad := range []string{"\x00", "\x01", "\x1b", "\x7f"} {
			text := "a" + bad + "b"
			q := url.QueryEscape(text)
			badCursor := accord.Cursor{Key: text, ID: accord.NewID("usr")}.Encode()
			for _, tc := range []struct {
				name, as, method, path string
				body                   string
				field                  string
			}{
				{"sign-in e-mail", "", "POST", "/api/v1/login", `{"email":` + jsonText("ana"+bad+"@acme.example") + `,"password":"x"}`, "email"},
				{"sign-in password", "", "POST", "/api/v1/login", `{"email":"acme@acme.example","password":` + jsonText(testPassword+bad) + `}`, "password"},
				{"case title", "acme", "POST", "/api/v1/cases", `{"type":"question","title":` + jsonText(text) + `,"description":"d"}`, "title"},
				{"case details", "acme", "POST", "/api/v1/cases", strings.Replace(incident("Vault down", "C3"), `"4.2.1"`, jsonText(text), 1), "details.version"},
				{"reply", "acme", "POST", "/api/v1/cases/{id:case}/replies", `{"body":` + jsonText(text) + `}`, "body"},
				{"reply reference", "agent", "POST", "/api/v1/cases/{id:case}/replies",
					`{"body":"See the article","references":[{"kind":"kb_article","value":` + jsonText(text) + `}]}`, "references[0].value"},
				{"contact request", "acme-admin", "POST", "/api/v1/contact-requests", `{"name":` + jsonText(text) + `,"email":"new@acme.example","reason":"r"}`, "name"},
				{"engagement scope", "acme", "POST", "/api/v1/engagements", `{"service":"health_check","scope":` + jsonText(text) + `}`, "scope"},
				{"my name", "acme", "PATCH", "/api/v1/me", `{"name":` + jsonText(text) + `}`, "name"},
				{"case search", "agent", "GET", "/api/v1/cases?q=" + q, "", "q"},
				{"user role filter", "admin", "GET", "/api/v1/users?role=" + q, "", "role"},
				{"engagement service filter", "agent", "GET", "/api/v1/engagements?service=" + q, "", "service"},
				{"audit entity type", "admin", "GET", "/api/v1/audit?entity_type=" + q, "", "entity_type"},
				{"contact request status", "admin", "GET", "/api/v1/contact-requests?status=" + q, "", "status"},
				{"catalog note", "admin", "POST", "/api/v1/catalog/versions?note=" + q, `{"document":"x"}`, "note"},
				{"cursor parameter", "admin", "GET", "/api/v1/users?cursor=" + q, "", "cursor"},
				{"cursor's key", "admin", "GET", "/api/v1/users?cursor=" + badCursor, "", "cursor"},
				{"cursor of cases", "agent", "GET", "/api/v1/cases?cursor=" + badCursor, "", "cursor"},
				{"path id", "agent", "GET", "/api/v1/cases/" + url.PathEscape(text), "", "id"},
				{"path kind", "admin", "GET", "/api/v1/exports/" + url.PathEscape(text), "", "kind"},
			} {
				resp := f.do(tc.as, tc.method, f.expand(tc.path), f.expand(tc.body))
				refused(t, tc.name+" with "+q, resp, tc.field)
			}

			// Multipart: a file's name (RFC 2231 lets it carry any byte)
			// and a text field.
			body, ctype := rawUpload(t, `form-data; name="file"; filename*=UTF-8''log`+url.PathEscape(bad)+`.txt`, "hello")
			refused(t, "file name with "+q, f.do("acme", "POST", f.expand("/api/v1/cases/{id:case}/files"), body, "Content-Type", ctype), "file")
			body, ctype = upload(t, "log.txt", []byte("hello"), "internal", "true"+bad)
			refused(t, "internal with "+q, f.do("agent", "POST", f.expand("/api/v1/cases/{id:case}/files"), body, "Content-Type", ctype), "internal")
		}

		// Text that is not UTF-8, raw in the body or escaped in the query.
		refused(t, "raw invalid UTF-8", f.do("acme", "POST", "/api/v1/cases", "{\"type\":\"question\",\"title\":\"a\xffb\",\"description\":\"d\"}"), "title")
		refused(t, "query invalid UTF-8", f.do("agent", "GET", "/api/v1/cases?q=a%FFb", nil), "q")
		refused(t, "a member name", f.do("acme", "PATCH", "/api/v1/me", `{"name":"A","x`+"\\u0000"+`":1}`), "body")

		// Tab, line feed and carriage return are text.
		resp := f.do("acme", "POST", "/api/v1/cases", `{"type":"question","title":"Two\tcolumns","description":"line 1\r\nline 2"}`)
		if resp.status != http.StatusCreated {
			t.Errorf("tab and CRLF: %d %s", resp.status, short(resp.body))
		}
	})
}

// rawUpload is a multipart body with one part whose Content-Disposition
// is disposition, as a client may write it.
func rawUpload(t *testing.T, disposition, content string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {disposition}})
	if err == nil {
		_, err = io.WriteString(w, content)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), mw.FormDataContentType()
}

// TestSearchTextIsNeverSyntax: whatever a person types in the search box
// is words to look for, never full-text query syntax: FTS5's quotes,
// prefixes, NEAR, column filters and parentheses, and tsquery's operators,
// answer 200 on both engines, and a quoted word still finds its case.
func TestSearchTextIsNeverSyntax(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "vault", `{"type":"question","title":"Vault sessions time out","description":"Since the 4.2 update"}`)
		for _, q := range []string{`"`, `""`, `"vault`, `vault"`, `va"ult`, `*`, `vault*`, `*vault`, `NEAR`, `NEAR(vault sessions)`,
			`NEAR(vault, 2)`, `vault NEAR sessions`, `-vault`, `vault -`, `^vault`, `^`, `(`, `)`, `(vault`, `vault)`, `((vault))`,
			`vault AND`, `OR vault`, `NOT`, `AND OR NOT`, `title:vault`, `body:vault`, `{body}:vault`, `'`, `vault's`, `\`, `+`, `:`,
			`&`, `|`, `!`, `<->`, `vault:*`, `vault & !x`, `a:b:c`, `4.2`, `%`, `_`, `é`, "\t", `'; DROP TABLE cases; --`} {
			resp := f.do("agent", "GET", "/api/v1/cases?q="+url.QueryEscape(q), nil)
			if resp.status != http.StatusOK {
				t.Errorf("q=%q: %d %s", q, resp.status, short(resp.body))
			}
		}
		for _, q := range []string{`"vault"`, `vault*`, `(vault)`, `^vault`, `-vault`, `VAULT sessions`} {
			resp := f.do("agent", "GET", "/api/v1/cases?q="+url.QueryEscape(q), nil)
			if !strings.Contains(resp.body, f.ids["vault"]) {
				t.Errorf("q=%q does not find the case: %d %s", q, resp.status, short(resp.body))
			}
		}
	})
}

// TestInstantsAreBounded: an instant outside years 1900 to 9999 in UTC is
// refused with 400 naming it, wherever it is given: the probe's session in
// 9999 at -14:00 (year 10000 in UTC) used to answer 500. A remote session
// may be proposed up to a year ahead.
func TestInstantsAreBounded(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "case", incident("Vault down", "C3"))
		e := engagementOf(t, f.do("acme", "POST", "/api/v1/engagements", `{"service":"health_check","scope":"Yearly review"}`))
		f.ids["eng"] = string(e.ID)
		// 10000-01-01T00:00:00Z and 2026-02-30 do not even parse: the
		// answer still names the field, not the body.
		for _, at := range []string{"9999-12-31T23:59:59-14:00", "1899-12-31T23:59:59Z", "1900-01-01T00:30:00+01:00",
			"10000-01-01T00:00:00Z", "2026-02-30T12:00:00Z"} {
			for _, tc := range []struct {
				name, as, method, path, body, field string
			}{
				{"session", "agent", "POST", "/api/v1/cases/{id:case}/sessions", `{"starts_at":"` + at + `"}`, "starts_at"},
				{"call of a new case", "agent", "POST", "/api/v1/cases",
					`{"org_id":"{org:acme}","type":"question","title":"Called","description":"d","channel":"phone","call":{"caller":"Ana","number":"1","at":"` + at + `"}}`, "call.at"},
				{"call", "agent", "POST", "/api/v1/cases/{id:case}/calls", `{"caller":"Ana","number":"1","at":"` + at + `"}`, "at"},
				{"what-if", "agent", "POST", "/api/v1/policy/due", `{"plan":"premium","criticality":"C1","channel":"portal","received":"` + at + `"}`, "received"},
				{"what-if phone", "agent", "POST", "/api/v1/policy/due",
					`{"plan":"premium","criticality":"C1","channel":"portal","received":"2026-11-20T15:00:00Z","phone_at":"` + at + `"}`, "phone_at"},
				{"engagement session", "agent", "POST", "/api/v1/engagements/{id:eng}/schedule",
					`{"sessions":[{"engineer_id":"{user:agent}","start":"2026-12-01T12:00:00Z","end":"2026-12-01T16:00:00Z"},{"engineer_id":"{user:agent}","start":"` + at + `","end":"2026-12-01T16:00:00Z"}]}`, "sessions[1].start"},
				{"outcome", "agent", "PUT", "/api/v1/engagements/{id:eng}/outcome", `{"failure_at":"` + at + `"}`, "failure_at"},
				{"queue filter", "agent", "GET", "/api/v1/cases?due_before=" + url.QueryEscape(at), "", "due_before"},
			} {
				refused(t, tc.name+" at "+at, f.do(tc.as, tc.method, f.expand(tc.path), f.expand(tc.body)), tc.field)
			}
		}
		// Sessions: up to a year ahead of the fixture's clock.
		year := f.now.AddDate(1, 0, 0)
		refused(t, "a session a year and a minute ahead", f.do("agent", "POST", f.expand("/api/v1/cases/{id:case}/sessions"),
			`{"starts_at":"`+year.Add(time.Minute).Format(time.RFC3339)+`"}`), "starts_at")
		if resp := f.do("agent", "POST", f.expand("/api/v1/cases/{id:case}/sessions"), `{"starts_at":"`+year.Format(time.RFC3339)+`"}`); resp.status != http.StatusOK {
			t.Errorf("a session a year ahead: %d %s", resp.status, short(resp.body))
		}
		// The case's timeline still reads.
		f.timeline("acme", "case")
	})
}
