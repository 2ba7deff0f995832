package cases

import (
	"errors"
	"testing"

	"accord/internal/accord"
)

// A reply's knowledge-base reference is an article id or a URL under the
// allowed prefixes; a refusal names the reference's field and the rule.
func TestKBReferences(t *testing.T) {
	agent := accord.Actor{UserID: "usr_a", OrgID: "org_v", Role: accord.RoleAgent}
	id := string(accord.NewID("kba"))
	s := &Service{cfg: Config{KBPrefixes: []string{"https://support.example/kb/"}}}
	open := &Service{}
	for _, tc := range []struct {
		value     string
		ok, okAny bool
	}{
		{id, true, true},
		{"https://support.example/kb/senha-expirada", true, true},
		{"https://evil.example/kb/senha-expirada", false, true},
		{"https://support.example/cases/1", false, true},
		{"kba_short", false, false},
		{"javascript:alert(1)", false, false},
	} {
		in, err := NewReply{Body: "see", References: []Reference{{Kind: KnowledgeBase, Value: tc.value}}}.validate(agent)
		errAny := err
		if err == nil {
			errAny = open.allowedKB(in.References)
			err = s.allowedKB(in.References)
		}
		if (errAny == nil) != tc.okAny {
			t.Errorf("%q without prefixes: %v", tc.value, errAny)
		}
		if (err == nil) != tc.ok {
			t.Errorf("%q: %v", tc.value, err)
		}
		var e *accord.Error
		if err != nil && (!errors.As(err, &e) || e.Field != "references[0].value" || e.Kind != accord.Invalid) {
			t.Errorf("%q: refusal %v names %q", tc.value, err, e.Field)
		}
	}
}
