package knownissues

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"accord/internal/accord"
	"accord/internal/lang"
	"accord/internal/products"
)

// The issue's Done-when: an issue affecting 3.20-3.22; the two customers
// running 3.21 are affected, the one on 3.23 and the one on 3.2 are not,
// and a customer with a linked case is, whatever it runs.
func TestAffected(t *testing.T) {
	r := products.Range{From: "3.20", To: "3.22"}
	const prod, other accord.ID = "prd_a", "prd_b"
	for _, tc := range []struct {
		name     string
		linked   []accord.ID
		installs []Installation
		want     []accord.ID
	}{
		{"nobody", nil, nil, []accord.ID{}},
		{"the two on 3.21", nil, []Installation{
			{"acme", prod, "3.21"}, {"globex", prod, "3.21"}, {"initech", prod, "3.23"}, {"umbrella", prod, "3.2"},
		}, []accord.ID{"acme", "globex"}},
		{"ends of the range count", nil, []Installation{{"a", prod, "3.20"}, {"b", prod, "3.22"}, {"c", prod, "3.19.9"}, {"d", prod, "3.22.1"}},
			[]accord.ID{"a", "b"}},
		{"another product's installation does not", nil, []Installation{{"a", other, "3.21"}}, []accord.ID{}},
		{"a linked case does, whatever it runs", []accord.ID{"initech"}, []Installation{{"initech", prod, "3.23"}}, []accord.ID{"initech"}},
		{"once each", []accord.ID{"acme", "acme"}, []Installation{{"acme", prod, "3.21"}, {"acme", prod, "3.20"}}, []accord.ID{"acme"}},
		{"a version that does not parse is not placed", nil, []Installation{{"a", prod, "latest"}}, []accord.ID{}},
		{"numeric, not lexical order", nil, []Installation{{"a", prod, "3.100"}, {"b", prod, "3.9"}}, []accord.ID{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, Affected(prod, r, tc.linked, tc.installs)); d != "" {
				t.Errorf("Affected (-want +got):\n%s", d)
			}
		})
	}
}

// Affected agrees with a brute-force reading of its definition: for each
// customer, linked, or some installation of the product whose version
// compares within both ends.
func TestAffectedProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		version := rapid.Custom(func(t *rapid.T) string {
			return fmt.Sprintf("%d.%d", rapid.IntRange(1, 4).Draw(t, "major"), rapid.IntRange(0, 30).Draw(t, "minor"))
		})
		orgs := []accord.ID{"a", "b", "c", "d", "e"}
		prods := []accord.ID{"p", "q"}
		from, to := version.Draw(t, "from"), version.Draw(t, "to")
		if products.CompareVersions(from, to) > 0 {
			from, to = to, from
		}
		r := products.Range{From: from, To: to}
		linked := rapid.SliceOfN(rapid.SampledFrom(orgs), 0, 3).Draw(t, "linked")
		installs := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Installation {
			return Installation{rapid.SampledFrom(orgs).Draw(t, "org"), rapid.SampledFrom(prods).Draw(t, "product"), version.Draw(t, "version")}
		}), 0, 12).Draw(t, "installs")

		got := Affected("p", r, linked, installs)
		var want []accord.ID
		for _, o := range orgs {
			hit := slices.Contains(linked, o)
			for _, in := range installs {
				if in.OrgID == o && in.ProductID == "p" && products.CompareVersions(in.Version, from) >= 0 && products.CompareVersions(in.Version, to) <= 0 {
					hit = true
				}
			}
			if hit {
				want = append(want, o)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Affected = %v, brute force %v (range %s-%s, linked %v, installs %v)", got, want, from, to, linked, installs)
		}
	})
}

func issue() KnownIssue {
	return KnownIssue{ProductID: "prd_a", Range: products.Range{From: "3.20", To: "3.22"}, Title: lang.Plain("Login loops"),
		Symptoms: lang.Plain("The login page reloads"), Status: Investigating, State: Draft}
}

func TestStatusMachine(t *testing.T) {
	k := issue()
	fixed := Fixed
	if err := (Input{Status: &fixed}).apply(&k); !accord.IsKind(err, accord.Invalid) {
		t.Errorf("setting fixed without a version: %v", err)
	}
	wa := WorkaroundAvailable
	if err := (Input{Status: &wa}).apply(&k); !accord.IsKind(err, accord.Invalid) {
		t.Errorf("workaround_available without a workaround: %v", err)
	}
	if err := SetWorkaround(&k, lang.Text{"en-US": "Clear the cookies", "pt-BR": "Limpe os cookies"}); err != nil || k.Status != WorkaroundAvailable {
		t.Fatalf("SetWorkaround: %v, status %s", err, k.Status)
	}
	if err := SetWorkaround(&k, lang.Text{"en-US": "Clear the cookies", "pt-BR": "Limpe os cookies"}); !accord.IsKind(err, accord.Invalid) {
		t.Errorf("the same workaround again: %v", err)
	}
	if err := SetWorkaround(&k, lang.Text{"pt-BR": "Só em português"}); !accord.IsKind(err, accord.Invalid) {
		t.Errorf("a workaround without its en-US text: %v", err)
	}
	for _, v := range []string{"", "3.21", "3.22", "3.1", "x"} {
		if err := Fix(&k, v); !accord.IsKind(err, accord.Invalid) {
			t.Errorf("Fix(%q) = %v, want Invalid", v, err)
		}
	}
	if err := Fix(&k, "3.23"); err != nil || k.Status != Fixed || k.FixedIn != "3.23" {
		t.Fatalf("Fix(3.23): %v, %s %s", err, k.Status, k.FixedIn)
	}
	if err := Fix(&k, "3.24"); !accord.IsKind(err, accord.Invalid) {
		t.Errorf("a second fix: %v", err)
	}
	if err := SetWorkaround(&k, lang.Plain("Something else")); !accord.IsKind(err, accord.Invalid) {
		t.Errorf("a workaround after the fix: %v", err)
	}
	inv := Investigating
	if err := (Input{Status: &inv}).apply(&k); !accord.IsKind(err, accord.Invalid) {
		t.Errorf("back from fixed: %v", err)
	}
}

func TestInputChecks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    Input
		field string
	}{
		{"no product", Input{ProductID: ptr[accord.ID]("")}, "product_id"},
		{"no end", Input{To: ptr("")}, "to"},
		{"reversed range", Input{From: ptr("3.22"), To: ptr("3.20")}, "to"},
		{"bad version", Input{From: ptr("three")}, "from"},
		{"title without en-US", Input{Title: lang.Text{"pt-BR": "Só"}}, "title"},
		{"unknown locale", Input{Title: lang.Text{"en-US": "T", "fr-FR": "T"}}, "title.fr-FR"},
		{"two-line title", Input{Title: lang.Plain("a\nb")}, "title.en-US"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := issue()
			err := tc.in.apply(&k)
			var e *accord.Error
			if !errors.As(err, &e) || !slices.ContainsFunc(e.Problems, func(p accord.Problem) bool { return p.Field == tc.field }) {
				t.Errorf("apply = %v, want a problem at %s", err, tc.field)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// Language fallback: a reader of a locale the text lacks reads en-US, and
// the author's view lists what is missing.
func TestTextsFallBackAndMissing(t *testing.T) {
	k := issue()
	k.Title = lang.Text{"en-US": "Login loops", "pt-BR": "Login em loop"}
	k.InternalNotes = "customer X found it"
	es := k.For("es-ES", false)
	if es.Title.String() != "Login loops" || es.InternalNotes != "" {
		t.Errorf("es-ES reads %q, notes %q", es.Title.String(), es.InternalNotes)
	}
	if pt := k.For("pt-BR", true); pt.Title.String() != "Login em loop" || pt.InternalNotes == "" {
		t.Errorf("pt-BR vendor reads %q, notes %q", pt.Title.String(), pt.InternalNotes)
	}
	want := []lang.Gap{{Path: "title", Lacks: []string{"es-ES"}}, {Path: "symptoms", Lacks: []string{"pt-BR", "es-ES"}}}
	if d := cmp.Diff(want, k.Missing()); d != "" {
		t.Errorf("Missing (-want +got):\n%s", d)
	}
}
