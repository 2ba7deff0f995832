package sla

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/br"
)

// brazil is the list of Brazilian national holidays the services calendar
// must skip: github.com/rickar/cal/v2/br's, which has Carnival Tuesday
// ("Carnaval"), Good Friday and Corpus Christi, plus the two it lacks:
// Carnival Monday and Black Consciousness Day, national since 2024 (Lei
// 14.759/2023).
var brazil = append(slices.Clone(br.Holidays),
	&cal.Holiday{Name: "Carnaval (segunda-feira)", Type: cal.ObservancePublic, Offset: -48, Func: cal.CalcEasterOffset},
	&cal.Holiday{Name: "Dia Nacional de Zumbi e da Consciência Negra", Type: cal.ObservancePublic, StartYear: 2024,
		Month: time.November, Day: 20, Func: cal.CalcDayOfMonth},
)

// TestServicesHolidays: on every day of 2025 to 2035 (the years the default
// policy writes the movable holidays out for), the services calendar has no
// working time exactly when the day is a weekend or a Brazilian national
// holiday, and its whole ten hours otherwise.
func TestServicesHolidays(t *testing.T) {
	const first, last = 2025, 2035
	p := mustParse(t, defaultDocument)
	c, ok := p.Calendar("services")
	if !ok {
		t.Fatal("the default policy has no services calendar")
	}
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	holidays := map[string][]string{} // "2025-03-04": names
	for y := first; y <= last; y++ {
		for _, h := range brazil {
			if d, _ := h.Calc(y); !d.IsZero() {
				day := d.Format(time.DateOnly)
				holidays[day] = append(holidays[day], h.Name)
			}
		}
	}
	if n := len(holidays); n < 13*(last-first+1)-5 {
		t.Fatalf("only %d holidays computed for %d-%d", n, first, last)
	}
	for d := time.Date(first, 1, 1, 0, 0, 0, 0, sp); d.Year() <= last; d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		names, holiday := holidays[day]
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		worked := c.Elapsed(d, d.AddDate(0, 0, 1), nil)
		switch {
		case holiday && worked != 0:
			t.Errorf("%s (%s): %v of working time on %s", day, d.Weekday(), worked, strings.Join(names, ", "))
		case weekend && worked != 0:
			t.Errorf("%s (%s): %v of working time on a weekend", day, d.Weekday(), worked)
		case !holiday && !weekend && worked != 10*time.Hour:
			t.Errorf("%s (%s): %v of working time on a working day, want 10h", day, d.Weekday(), worked)
		}
	}
}
