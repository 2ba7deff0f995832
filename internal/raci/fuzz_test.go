package raci_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"accord/internal/raci"
)

// FuzzParse: no input panics; Parse returns a matrix or problems, never
// both nor neither, and the problems are its error; a matrix it returns,
// exported, parses back equal; every activity of it has an R and at most
// one A.
func FuzzParse(f *testing.F) {
	f.Add(raci.DefaultDocument())
	f.Add(small)
	f.Add(`processes: [{key: backup, name: {en-US: a, pt-BR: b, es-ES: c}, activities: [{key: x, text: {en-US: a, pt-BR: b, es-ES: c}, letters: {vendor: "R , A", reseller: "I, S, C"}}]}]`)
	f.Add("processes:\n  - key: change\n    activities: &a []\n")
	f.Add("processes: [\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, doc string) {
		m, ps, err := raci.Parse([]byte(doc))
		if (m == nil) == (len(ps) == 0) || (err == nil) != (len(ps) == 0) {
			t.Fatalf("Parse = %v, %v, %v", m, ps, err)
		}
		if m == nil {
			return
		}
		for _, p := range m.Processes {
			for _, a := range p.Activities {
				if len(a.Holders(raci.Responsible)) == 0 || len(a.Holders(raci.Accountable)) > 1 {
					t.Fatalf("%s.%s breaks a rule: %v", p.Key, a.Key, a.Parties)
				}
			}
		}
		back, ps, err := raci.Parse(m.Export())
		if err != nil {
			t.Fatalf("exported matrix does not parse: %v\n%s", ps, m.Export())
		}
		if d := cmp.Diff(m, back); d != "" {
			t.Fatalf("round trip (-want +got):\n%s", d)
		}
	})
}
