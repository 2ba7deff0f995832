package contracts

import (
	"testing"
)

func TestShortfall(t *testing.T) {
	e := Entitlement{Quantity: 1, Used: 1, Unit: "assisted upgrade", StartsOn: "2026-03-15", EndsOn: "2027-03-14"}
	want := "only 0 of 1 assisted upgrade left in contract year 2026-03-15..2027-03-14 (asked for 1); a vendor administrator may override with a reason"
	if got := Shortfall(e, 1); got != want {
		t.Errorf("Shortfall = %q\nwant %q", got, want)
	}
	// After an override used passes quantity; what is left is never negative.
	e.Used = 3
	if got := e.withLeft().Left; got != 0 {
		t.Errorf("left after override = %d", got)
	}
	e = Entitlement{Quantity: 32, Used: 30}
	if got := e.withLeft().Left; got != 2 {
		t.Errorf("left = %d, want 2", got)
	}
}

func TestCompare(t *testing.T) {
	lines := Compare(
		[]Licence{{Module: "core", Quantity: 100}, {Module: "vault", Quantity: 5}, {Module: "rdp", Quantity: 10}},
		[]Survey{{Module: "core", Measured: 130}, {Module: "vault", Measured: 5}, {Module: "audit", Measured: 2}},
	)
	type row struct {
		module         string
		licensed       int
		measured, diff int // -1: not measured
	}
	want := []row{{"audit", 0, 2, 2}, {"core", 100, 130, 30}, {"rdp", 10, -1, -1}, {"vault", 5, 5, 0}}
	if len(lines) != len(want) {
		t.Fatalf("lines = %+v", lines)
	}
	for i, l := range lines {
		got := row{l.Module, l.Licensed, -1, -1}
		if l.Measured != nil {
			got.measured, got.diff = *l.Measured, *l.Difference
		}
		if got != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, got, want[i])
		}
	}
}
