package contracts

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

func date(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestEndsOn: a term is active through the day before the anniversary that
// ends it (reference policy 5.2).
func TestEndsOn(t *testing.T) {
	for _, c := range []struct {
		signed string
		years  int
		want   string
	}{
		{"2025-03-15", 1, "2026-03-14"}, // the example
		{"2025-03-15", 3, "2028-03-14"},
		{"2025-01-01", 1, "2025-12-31"},
		{"2024-12-31", 1, "2025-12-30"},
		{"2025-03-01", 1, "2026-02-28"},
		{"2023-03-01", 1, "2024-02-29"}, // ends on a leap day
		// 29 February: the anniversary in a common year is 1 March, so the
		// customer gets at least a full year.
		{"2024-02-29", 1, "2025-02-28"},
		{"2024-02-29", 3, "2027-02-28"},
		{"2024-02-29", 4, "2028-02-28"}, // the anniversary is 29 February again
		{"2024-02-28", 1, "2025-02-27"},
		// Month ends carry no surprise for whole years.
		{"2024-01-31", 1, "2025-01-30"},
		{"2024-04-30", 2, "2026-04-29"},
		{"2023-12-31", 10, "2033-12-30"},
	} {
		if got := EndsOn(date(t, c.signed), c.years).Format(time.DateOnly); got != c.want {
			t.Errorf("signed %s for %d years: ends %s, want %s", c.signed, c.years, got, c.want)
		}
	}
}

func TestYears(t *testing.T) {
	for _, c := range []struct {
		signed string
		years  int
		want   []Year
	}{
		{"2025-03-15", 3, []Year{{1, "2025-03-15", "2026-03-14"}, {2, "2026-03-15", "2027-03-14"}, {3, "2027-03-15", "2028-03-14"}}},
		{"2024-02-29", 5, []Year{{1, "2024-02-29", "2025-02-28"}, {2, "2025-03-01", "2026-02-28"}, {3, "2026-03-01", "2027-02-28"},
			{4, "2027-03-01", "2028-02-28"}, {5, "2028-02-29", "2029-02-28"}}},
		{"2024-01-31", 2, []Year{{1, "2024-01-31", "2025-01-30"}, {2, "2025-01-31", "2026-01-30"}}},
	} {
		got := Years(date(t, c.signed), c.years)
		if len(got) != len(c.want) {
			t.Fatalf("%s: %+v", c.signed, got)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s year %d = %+v, want %+v", c.signed, i+1, got[i], c.want[i])
			}
		}
	}
}

func TestStatusOn(t *testing.T) {
	c := Contract{SignedOn: "2025-03-15", EndsOn: "2026-03-14"}
	renewed := c
	renewed.NextID = "ctr_next"
	cancelled := c
	cancelled.CancelledOn = "2025-10-01"
	for _, x := range []struct {
		c     Contract
		today string
		want  Status
	}{
		{c, "2025-03-14", Pending}, {c, "2025-03-15", Active}, {c, "2026-03-14", Active}, {c, "2026-03-15", Expired},
		{renewed, "2026-03-14", Active}, {renewed, "2026-03-15", Renewed},
		{cancelled, "2025-09-30", Active}, {cancelled, "2025-10-01", Cancelled}, {cancelled, "2027-01-01", Cancelled},
	} {
		if got := x.c.StatusOn(x.today); got != x.want {
			t.Errorf("%+v on %s: %s, want %s", x.c, x.today, got, x.want)
		}
	}
}

// TestToday: contract dates are read in the vendor's zone, so 02:00 UTC on
// 15 March is still 14 March in New York.
func TestToday(t *testing.T) {
	s := NewService(nil, nil, nil, DefaultConfig())
	c := Contract{SignedOn: "2025-03-15", EndsOn: "2026-03-14"}
	if got := c.StatusOn(s.today(time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC))); got != Active {
		t.Errorf("evening of the last day in New York: %s, want active", got)
	}
	if got := c.StatusOn(s.today(time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC))); got != Expired {
		t.Errorf("after midnight in New York: %s, want expired", got)
	}
}

// TestYearsProperty: the contract years of any term tile it: the first
// starts on the signing date, each starts the day after the one before
// ends, the last ends on the term's end, and each is 365 or 366 days long.
func TestYearsProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		signed := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rapid.IntRange(0, 40000).Draw(t, "day"))
		n := rapid.IntRange(1, 10).Draw(t, "years")
		ys := Years(signed, n)
		if ys[0].StartsOn != formatDate(signed) || ys[n-1].EndsOn != formatDate(EndsOn(signed, n)) {
			t.Fatalf("%v for %d: %+v", signed, n, ys)
		}
		for i, y := range ys {
			start, _ := time.Parse(time.DateOnly, y.StartsOn)
			end, _ := time.Parse(time.DateOnly, y.EndsOn)
			if days := int(end.Sub(start).Hours()/24) + 1; days != 365 && days != 366 {
				t.Fatalf("year %d %+v is %d days", i+1, y, days)
			}
			if i > 0 && formatDate(start.AddDate(0, 0, -1)) != ys[i-1].EndsOn {
				t.Fatalf("year %d %+v does not follow %+v", i+1, y, ys[i-1])
			}
		}
	})
}
