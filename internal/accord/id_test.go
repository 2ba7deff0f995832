package accord

import (
	"testing"

	"pgregory.net/rapid"
)

// Ids made in a later millisecond sort after earlier ones, as text, which
// is the order the engines' indexes keep; within one millisecond they
// differ in their random bits.
func TestIDsSortByCreation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.Int64Range(0, 1<<48-2).Draw(t, "a")
		b := rapid.Int64Range(a+1, 1<<48-1).Draw(t, "b")
		x, y := newID("cas", a), newID("cas", b)
		if !(x < y) {
			t.Fatalf("%s (at %d) does not sort before %s (at %d)", x, a, y, b)
		}
		if !ValidID(string(x)) || !ValidID(string(y)) {
			t.Fatalf("invalid ids %s %s", x, y)
		}
	})
	seen := map[ID]bool{}
	for range 10_000 {
		id := newID("cas", 1_780_000_000_000)
		if seen[id] {
			t.Fatalf("%s made twice in one millisecond", id)
		}
		seen[id] = true
	}
}

// The first 48 bits of an id are its creation time in milliseconds.
func TestIDCarriesItsTime(t *testing.T) {
	const ms = 1_780_000_000_123
	b, err := idEncoding.DecodeString(string(newID("cas", ms))[4:])
	if err != nil {
		t.Fatal(err)
	}
	var got int64
	for _, x := range b[:6] {
		got = got<<8 | int64(x)
	}
	if got != ms {
		t.Fatalf("the id's time is %d, want %d", got, ms)
	}
}
