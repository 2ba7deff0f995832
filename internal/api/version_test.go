package api

import (
	"net/http/httptest"
	"testing"

	"accord/internal/accord"
)

// The version in a path is shared by policies, engagement plans and
// responsibility matrices: a bad one is not found, without naming the
// wrong kind of document.
func TestVersionNumberNamesNoDocument(t *testing.T) {
	for _, v := range []string{"abc", "0", "-1", "99999999999999999999"} {
		r := httptest.NewRequest("GET", "/api/v1/raci/versions/"+v, nil)
		r.SetPathValue("version", v)
		_, err := versionNumber(r)
		if e := accord.Public(err); accord.KindOf(err) != accord.NotFound || e.Msg != "version not found" {
			t.Errorf("%s: %v", v, err)
		}
	}
}
