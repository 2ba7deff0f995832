package businesstime

import (
	"math/bits"
	"slices"
)

// Which days differ from the weekly template, looked up by binary search or
// bit mask so that no operation scans days one by one across years.

// windows returns the windows starting on local day d.
func (c *Calendar) windows(d int64) []win {
	if ws, ok := c.overrides[d]; ok {
		return ws // an override is the last word on its date, holiday or not
	}
	if c.holiday(d) {
		return nil
	}
	return c.tmpl[weekday(d)]
}

func (c *Calendar) holiday(d int64) bool {
	if _, found := slices.BinarySearch(c.holidays, d); found {
		return true
	}
	if c.hasYearly {
		_, m, dd := civilFromDays(d)
		return c.yearly[m]&(1<<dd) != 0
	}
	return false
}

// nextException returns the first day >= d that is a holiday or has an
// override, or noDay.
func (c *Calendar) nextException(d int64) int64 {
	next := noDay
	if k, _ := slices.BinarySearch(c.exceptions, d); k < len(c.exceptions) {
		next = c.exceptions[k]
	}
	if c.hasYearly {
		next = min(next, c.nextYearly(d))
	}
	return next
}

// nextYearly returns the first day >= d that falls on a yearly holiday.
func (c *Calendar) nextYearly(d int64) int64 {
	y, m, dd := civilFromDays(d)
	// A yearly 02-29 alone recurs within 8 years (1900 and 2100 are not leap
	// years); any other date within one.
	for range 9 {
		for ; m <= 12; m++ {
			mask := c.yearly[m] &^ (1<<dd - 1) // days >= dd
			if mask != 0 {
				if day := bits.TrailingZeros32(mask); day <= daysIn(y, m) {
					return daysFromCivil(y, m, day)
				}
			}
			dd = 0
		}
		y, m = y+1, 1
	}
	return noDay
}
