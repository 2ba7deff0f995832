package engagements_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"

	"accord/internal/engagements"
	"accord/internal/yamldoc"
)

// FuzzParseCatalog: no input panics; ParseCatalog returns a catalog or a
// non-empty yamldoc.Problems, never both nor neither; a catalog it returns,
// written out again, parses back valid and unchanged.
func FuzzParseCatalog(f *testing.F) {
	f.Add(engagements.DefaultDocument())
	f.Add(smallCatalog)
	f.Add(editSmall(f, "lead_from: acceptance", "lead_from: prerequisites"))
	f.Add(editSmall(f, "    minimum_hours: 4\n", "    fixed_price: \"1500.5\"\n"))
	f.Add(editSmall(f, "    outcome:", "    measures: [rto, rpo]\n    entitlement: assisted_upgrade\n    hourly: \"600\"\n    outcome:"))
	f.Add("calendar: services\nservices: {a: {formats: {x: {name: X, plan: [{title: T, parties: [vendor], before_scheduling: true}]}}}}\n")
	f.Add("rates: {hourly: \"4,50\", currency: brl}\nservices: &s {}\n")
	f.Add("services: [\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, doc string) {
		c, err := engagements.ParseCatalog([]byte(doc))
		if err != nil {
			var ps yamldoc.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %v is not a list of problems", err)
			}
			if c != nil {
				t.Fatalf("both a catalog and problems: %v", err)
			}
			return
		}
		if c == nil {
			t.Fatal("neither a catalog nor problems")
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("the catalog cannot be written out: %v", err)
		}
		d, err := engagements.ParseCatalog(out)
		if err != nil {
			t.Fatalf("the catalog written out does not validate again: %v\n%s", err, out)
		}
		if diff := cmp.Diff(c, d, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("the catalog changed on the way round (-first +again):\n%s", diff)
		}
	})
}
