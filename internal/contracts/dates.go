package contracts

import (
	"time"

	"accord/internal/accord"
)

// Dates are civil dates: time.Time values at midnight UTC, so that AddDate
// counts calendar days and years without any zone's DST in the way.

func parseDate(field, s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, accord.FieldError(field, "must be a date as YYYY-MM-DD")
	}
	return d, nil
}

func formatDate(d time.Time) string { return d.Format(time.DateOnly) }

// Anniversary returns the kth anniversary of signed: the same month and day
// k years later, or 1 March when that day is a 29 February the year lacks.
func Anniversary(signed time.Time, k int) time.Time {
	// AddDate normalizes 29 February of a common year to 1 March, which is
	// the reading chosen: the customer gets at least k full years.
	return signed.AddDate(k, 0, 0)
}

// EndsOn returns the last day (inclusive) of a term signed on signed for
// years years: the day before the anniversary that ends it.
func EndsOn(signed time.Time, years int) time.Time {
	return Anniversary(signed, years).AddDate(0, 0, -1)
}

// Year is one contract year of a term.
type Year struct {
	Number   int    `json:"year"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
}

// Years returns the contract years of a term, in order. Each is computed
// from the signing date, not from the year before, so that a term signed on
// 29 February starts its years on 29 February again in leap years.
func Years(signed time.Time, years int) []Year {
	out := make([]Year, years)
	for k := range years {
		out[k] = Year{Number: k + 1, StartsOn: formatDate(Anniversary(signed, k)), EndsOn: formatDate(EndsOn(signed, k+1))}
	}
	return out
}
