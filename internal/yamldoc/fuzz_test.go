package yamldoc

import (
	"cmp"
	"errors"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"
)

// same compares decoded documents.
var same = gocmp.Options{cmpopts.EquateEmpty(), gocmp.AllowUnexported(testDoc{})}

// FuzzDecode: no input panics; the error is nil or problems in document
// order, each with a message; whatever decodes, yaml.v3 reads strictly to
// the same value, and written back as YAML it decodes again to that value.
func FuzzDecode(f *testing.F) {
	f.Add("title: T\nitems:\n  a: {level: low, tags: [x]}\nlist: [{name: n, level: high}]\nlimits: {max: 3, size: 2, ratio: 0.5, strict: true}\n")
	f.Add("owner: me\ntitle: T\ncode: abc\nprice: 12\nnote: n\nextra: {a: [1, 2]}\n")
	f.Add("price: x\nitems:\n  a: {name: A}\nlist: [{name: B, level: [high]}, {}]\n")
	f.Add("title: [a]\nitems: x\nlist: {a: 1}\nlimits: [1]\n")
	f.Add("items: &i {}\nlist: *i\n")
	f.Add("title: T\ntitle: U\nitems: {a: {}, a: {}}\n")
	f.Add("a: [\n")
	f.Add("title: T\n---\ntitle: U\n")
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := decode(doc)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %#v is not a list of problems", err)
			}
			for i, p := range ps {
				if p.Msg == "" {
					t.Errorf("problem %d has no message: %+v", i, p)
				}
				if i > 0 && cmp.Or(cmp.Compare(ps[i-1].Line, p.Line), cmp.Compare(ps[i-1].Column, p.Column)) > 0 {
					t.Errorf("problems out of order: %v", ps)
				}
			}
			return
		}
		// What Decode accepts, yaml.v3 reads strictly to the same value.
		var plain testDoc
		dec := yaml.NewDecoder(strings.NewReader(doc))
		dec.KnownFields(true)
		if err := dec.Decode(&plain); err != nil {
			t.Fatalf("accepted, but yaml.v3 strictly says %v", err)
		}
		if diff := gocmp.Diff(d, &plain, same); diff != "" {
			t.Fatalf("accepted, but yaml.v3 reads another value (-yamldoc +yaml.v3):\n%s", diff)
		}

		// Written back as YAML, it is accepted again: unless yaml.v3 itself
		// does not read back what it writes (strings of spaces and line
		// breaks), or it grew past the limit.
		d.Extra = nil // any value: its Go types do not survive a round trip
		out, err := yaml.Marshal(d)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back testDoc
		if yaml.Unmarshal(out, &back) != nil || !gocmp.Equal(d, &back, same) || len(out) > 1<<10 {
			return
		}
		e, err := decode(string(out))
		if err != nil {
			t.Fatalf("written back does not decode: %v\n%s", err, out)
		}
		if diff := gocmp.Diff(d, e, same); diff != "" {
			t.Fatalf("round trip changed the value (-want +got):\n%s", diff)
		}
	})
}
