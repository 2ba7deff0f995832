package api

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"

	"pgregory.net/rapid"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
)

func TestDecodeNamesTheField(t *testing.T) {
	for _, tc := range []struct{ body, field, msg string }{
		{`{"email": 3}`, "email", "must be a JSON string"},
		{`{"bogus": 1}`, "bogus", "is not a known field"},
		{`{"email": "a"`, "body", "is not valid JSON"},
		{``, "body", "is empty"},
		{`{} {}`, "body", "trailing data"},
		{`[1]`, "body", "must be a JSON object"},
		{`{"org_id": "x", "name": "` + strings.Repeat("a", maxBody) + `"}`, "body", "at most 1048576 bytes"},
		{`{"name": "Ana\u0000"}`, "name", "control character U+0000"},
		{"{\"name\": \"Ana\x7f\"}", "name", "control character U+007F"},
		{"{\"name\": \"Ana\xff\"}", "name", "must be UTF-8 text"},
		{`{"name": "Ana", "x\u0001": 1}`, "body", "a member name must not contain"},
		{`{"name": 3, "email": "\u0000"}`, "email", "control character"},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		var v directory.NewUser
		err := decode(httptest.NewRecorder(), r, &v)
		e := accord.Public(err)
		if e.Kind != accord.Invalid || e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("decode(%.40q) = %+v, want field %q and %q", tc.body, e, tc.field, tc.msg)
		}
	}
}

// FuzzDecode: any body decodes or yields an Invalid error; never a panic or
// an internal error.
func FuzzDecode(f *testing.F) {
	f.Add(`{"email":"a@b.c","name":"A","role":"admin","password":"x"}`)
	f.Add(`{"email":`)
	f.Add(`{"authorized_contact":"yes"}`)
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		var v directory.NewUser
		if err := decode(httptest.NewRecorder(), r, &v); err != nil && accord.KindOf(err) != accord.Invalid {
			t.Fatalf("decode(%q) = %v, not invalid", body, err)
		}
	})
}

// BenchmarkDecode measures what the text and instant checks add to reading
// a body: decode (the checks and the strict decoder) against the standard
// decoder alone, on a case as a customer opens it and on one with a 64 KiB
// description pasted from a log.
func BenchmarkDecode(b *testing.B) {
	small := `{"type":"incident","title":"Vault sessions time out","description":"Since the upgrade nobody can open a session.",` +
		`"details":{"customer_criticality":"C2","procedure":"Open a session to srv-db-01","version":"8.2.1",` +
		`"observed":"Timeout after 30 s","expected":"A session","discovery":"Users called the help desk"},` +
		`"call":{"caller":"Ana Souza","number":"+55 11 5555-0100","at":"2024-03-12T10:00:00-03:00"}}`
	large := strings.Replace(small, "Since the upgrade nobody can open a session.", strings.Repeat("2024-03-12 10:00:00 ERROR session timeout\\n", 1560), 1)
	for _, body := range []struct{ name, text string }{{"small", small}, {"64KiB", large}} {
		b.Run(body.name+"/decode", func(b *testing.B) {
			b.SetBytes(int64(len(body.text)))
			for b.Loop() {
				var v cases.NewCase
				if err := decode(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(body.text)), &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(body.name+"/json-only", func(b *testing.B) {
			b.SetBytes(int64(len(body.text)))
			for b.Loop() {
				var v cases.NewCase
				r := httptest.NewRequest("POST", "/", strings.NewReader(body.text))
				if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
					b.Fatal(err)
				}
				_ = httptest.NewRecorder()
			}
		})
	}
}

// TestMayHoldControls: the shortcut never passes a body that holds a string
// the text rule refuses, however the string was written in JSON.
func TestMayHoldControls(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		low := rapid.RuneFrom(nil, &unicode.RangeTable{R16: []unicode.Range16{{Lo: 0, Hi: 0x80, Stride: 1}}})
		s := rapid.StringOf(rapid.OneOf(low, rapid.Rune())).Draw(t, "s")
		b, err := json.Marshal(map[string]string{"name": s})
		if err != nil {
			t.Fatal(err)
		}
		if accord.TextProblem(s) != "" && !mayHoldControls(b) {
			t.Fatalf("%q passed the shortcut, but its text %q is refused", b, s)
		}
	})
	for _, tc := range []struct {
		body    string
		suspect bool
	}{
		{`{"a":"\u0000"}`, true},
		{`{"a":"\u001F"}`, true},
		{`{"a":"\u007F"}`, true},
		{"{\"a\":\"\x7f\"}", true},
		{"{\"a\":\"\xff\"}", true},
		{`{"a":"\u00e9 \u0020 plain"}`, false},
		{`{"a":"\b"}`, true},
		{`{"a":"\f"}`, true},
		{`{"a":"\n\r\t\"\/"}`, false},
	} {
		if got := mayHoldControls([]byte(tc.body)); got != tc.suspect {
			t.Errorf("mayHoldControls(%q) = %v", tc.body, got)
		}
	}
}
