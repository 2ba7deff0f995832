package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"accord/internal/accord"
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
