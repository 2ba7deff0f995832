package products_test

import (
	"testing"

	"accord/internal/products"
)

// FuzzVersions: any two strings compare without panic, antisymmetrically,
// 0 only when equal; a valid version is never longer than the limit and
// starts with a digit.
func FuzzVersions(f *testing.F) {
	for _, s := range [][2]string{{"3.20", "3.21"}, {"3.21.1", "3.21"}, {"3.22-rc1", "3.22"}, {"", "."}, {"007", "7"}, {"é", "3..1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := products.CompareVersions(a, b), products.CompareVersions(b, a)
		if ab != -ba || (ab == 0) != (a == b) {
			t.Fatalf("CompareVersions(%q, %q) = %d, reverse %d", a, b, ab, ba)
		}
		if products.ValidVersion(a) == nil && (len(a) > products.MaxVersionLen || a[0] < '0' || a[0] > '9') {
			t.Fatalf("ValidVersion accepted %q", a)
		}
	})
}
