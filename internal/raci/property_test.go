package raci_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"accord/internal/raci"
)

// cellGen draws a cell: distinct letters in any order, possibly none.
func cellGen() *rapid.Generator[raci.Letters] {
	return rapid.Custom(func(t *rapid.T) raci.Letters {
		perm := rapid.Permutation([]raci.Letter{'R', 'A', 'S', 'C', 'I'}).Draw(t, "order")
		return raci.Letters(perm[:rapid.IntRange(0, 3).Draw(t, "n")])
	})
}

// matrixGen draws a valid matrix: the default's processes and keys, with
// letters drawn so that each row has an R and at most one A.
func matrixGen() *rapid.Generator[*raci.Matrix] {
	return rapid.Custom(func(t *rapid.T) *raci.Matrix {
		def := raci.Default()
		m := &raci.Matrix{}
		for _, p := range def.Processes {
			q := p
			q.Activities = nil
			for _, a := range p.Activities {
				if !rapid.Bool().Draw(t, "keep") {
					continue
				}
				b := a
				b.Parties = map[raci.Party]raci.Letters{}
				holder := rapid.SampledFrom(raci.Parties).Draw(t, "responsible")
				accountable := false
				for _, party := range raci.Parties {
					cell := cellGen().Draw(t, "cell")
					if accountable {
						cell = without(cell, raci.Accountable)
					}
					accountable = accountable || cell.Has(raci.Accountable)
					if party == holder && !cell.Has(raci.Responsible) {
						cell = append(cell, raci.Responsible)
					}
					if len(cell) > 0 {
						b.Parties[party] = cell
					}
				}
				q.Activities = append(q.Activities, b)
			}
			if len(q.Activities) > 0 {
				m.Processes = append(m.Processes, q)
			}
		}
		if len(m.Processes) == 0 {
			m.Processes = def.Processes[:1]
		}
		return m
	})
}

func without(l raci.Letters, x raci.Letter) raci.Letters {
	var out raci.Letters
	for _, y := range l {
		if y != x {
			out = append(out, y)
		}
	}
	return out
}

// TestMatrixProperties: a valid matrix written out parses back equal and
// differs from itself in nothing; the diff of two matrices is empty exactly
// when every cell holds the same letters, whatever their order.
func TestMatrixProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := matrixGen().Draw(t, "a"), matrixGen().Draw(t, "b")
		back, ps, err := raci.Parse(a.Export())
		if err != nil {
			t.Fatalf("a valid matrix does not parse back: %v", ps)
		}
		if d := cmp.Diff(a, back); d != "" {
			t.Fatalf("round trip (-want +got):\n%s", d)
		}
		if ch := raci.Diff(a, back); len(ch) != 0 {
			t.Fatalf("a matrix differs from itself: %v", ch)
		}
		same := true
		for _, key := range raci.Processes {
			pa, ina := a.Process(key)
			pb, inb := b.Process(key)
			if ina != inb {
				same = false
				continue
			}
			if len(pa.Activities) != len(pb.Activities) {
				same = false
			}
			for _, x := range pa.Activities {
				y, ok := b.Activity(key, x.Key)
				if !ok {
					same = false
					continue
				}
				for _, party := range raci.Parties {
					if !sameLetters(x.Parties[party], y.Parties[party]) {
						same = false
					}
				}
			}
		}
		if got := len(raci.Diff(a, b)) == 0; got != same {
			t.Fatalf("diff empty = %v, cells equal = %v: %v", got, same, raci.Diff(a, b))
		}
	})
}

func sameLetters(a, b raci.Letters) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !b.Has(x) {
			return false
		}
	}
	return true
}
