package products_test

import (
	"testing"

	"pgregory.net/rapid"

	"accord/internal/products"
)

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"3.20", "3.21", -1},
		{"3.21", "3.100", -1},
		{"3.100", "3.21", 1},
		{"3.21", "3.21", 0},
		{"3.21.1", "3.21", 1},
		{"3.21", "3.21.0", -1},
		{"3.22-rc1", "3.22", -1},
		{"3.22-rc1", "3.22-rc2", -1},
		{"3.22-beta", "3.22-rc1", -1},
		{"3.22rc1", "3.21.9", 1},
		{"3.21.rc1", "3.21.1", -1},
		{"10.0", "9.99", 1},
		{"3.020", "3.20", -1}, // read the same; ordered by bytes
		{"3.21-1", "3.21.1", -1},
		{"123456789012345678901234567890", "99", 1},
	} {
		if got := products.CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := products.CompareVersions(c.b, c.a); got != -c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

func TestValidVersion(t *testing.T) {
	for _, s := range []string{"3", "3.21", "3.21.1", "3.22-rc1", "2026.1b", "0.0.1"} {
		if err := products.ValidVersion(s); err != nil {
			t.Errorf("ValidVersion(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "v3.21", ".3", "3.", "3..21", "3.-1", "3.21 ", "3,21", "3.21/1", "3.é", "1234567890.1234567890.1234567890.1234567890"} {
		if err := products.ValidVersion(s); err == nil {
			t.Errorf("ValidVersion(%q) accepted", s)
		}
	}
}

func TestRange(t *testing.T) {
	for _, c := range []struct {
		r    products.Range
		v    string
		want bool
	}{
		{products.Range{From: "3.20", To: "3.22"}, "3.20", true},
		{products.Range{From: "3.20", To: "3.22"}, "3.21", true},
		{products.Range{From: "3.20", To: "3.22"}, "3.22", true},
		{products.Range{From: "3.20", To: "3.22"}, "3.22.1", false},
		{products.Range{From: "3.20", To: "3.22"}, "3.19", false},
		{products.Range{From: "3.20", To: "3.22"}, "3.100", false},
		{products.Range{From: "3.20"}, "4.0", true},
		{products.Range{To: "3.22"}, "1.0", true},
		{products.Range{}, "anything", true},
	} {
		if got := c.r.Contains(c.v); got != c.want {
			t.Errorf("%+v.Contains(%q) = %v, want %v", c.r, c.v, got, c.want)
		}
	}
	for _, r := range []products.Range{{}, {From: "3.20"}, {To: "3.22"}, {From: "3.20", To: "3.22"}, {From: "3.21", To: "3.21"}} {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v", r, err)
		}
	}
	for _, r := range []products.Range{{From: "3.22", To: "3.20"}, {From: "x"}, {To: "3..1"}} {
		if err := r.Validate(); err == nil {
			t.Errorf("%+v.Validate() accepted", r)
		}
	}
}

// version draws strings that look like versions, with words, hyphens and
// leading zeros, to exercise every branch of the rule.
func version() *rapid.Generator[string] {
	return rapid.StringMatching(`[0-9]{1,3}([.-]([0-9]{1,3}|rc[0-9]?|beta|[A-Z]))*`)
}

// TestCompareVersionsTotalOrder: compare is antisymmetric, 0 exactly for
// equal strings, and transitive.
func TestCompareVersionsTotalOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := version().Draw(t, "a"), version().Draw(t, "b"), version().Draw(t, "c")
		ab, ba := products.CompareVersions(a, b), products.CompareVersions(b, a)
		if ab != -ba {
			t.Fatalf("not antisymmetric: %q vs %q: %d and %d", a, b, ab, ba)
		}
		if (ab == 0) != (a == b) {
			t.Fatalf("CompareVersions(%q, %q) = %d", a, b, ab)
		}
		if ab <= 0 && products.CompareVersions(b, c) <= 0 && products.CompareVersions(a, c) > 0 {
			t.Fatalf("not transitive: %q <= %q <= %q but %q > %q", a, b, c, a, c)
		}
		if r := (products.Range{From: a, To: b}); ab <= 0 && (!r.Contains(a) || !r.Contains(b)) {
			t.Fatalf("%+v leaves out an end", r)
		}
	})
}
