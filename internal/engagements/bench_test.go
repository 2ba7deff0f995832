package engagements_test

import (
	"fmt"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/engagements"
)

func BenchmarkEarliestStart(b *testing.B) {
	h := services(b)
	from := sp("2026-12-23 09:00")
	for b.Loop() {
		if _, err := h.EarliestStart(from, 5); err != nil {
			b.Fatal(err)
		}
	}
}

// A deployment's plan: five 8-hour days with two engineers, checked
// against 200 bookings of the same engineers elsewhere.
func BenchmarkCheckPlan(b *testing.B) {
	h := services(b)
	var plan engagements.Plan
	day := sp("2026-11-30 09:00")
	for d := range 5 {
		for _, eng := range []string{"u1", "u2"} {
			start := day.AddDate(0, 0, d)
			plan.Sessions = append(plan.Sessions, engagements.Session{ID: accord.ID(fmt.Sprint(d, eng)), EngineerID: accord.ID(eng), EngineerName: eng,
				Start: start, End: start.Add(8 * time.Hour)})
		}
	}
	plan.Earliest = day
	for i := range 200 {
		start := sp("2026-12-07 09:00").AddDate(0, 0, i)
		plan.Busy = append(plan.Busy, engagements.Booking{Session: engagements.Session{EngineerID: "u1", Start: start, End: start.Add(2 * time.Hour)}})
	}
	for b.Loop() {
		if err := h.Check(plan); err != nil {
			b.Fatal(err)
		}
	}
}
