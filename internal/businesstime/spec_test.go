package businesstime

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestSpecErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"missing zone", `{"always_open": true}`, `zone: required`},
		{"unknown zone", `{"zone": "Mars/Olympus_Mons", "always_open": true}`, `zone: unknown time zone "Mars/Olympus_Mons"`},
		{"machine-dependent zone", `{"zone": "Local", "always_open": true}`, `zone: "Local" is not an IANA time zone`},
		{"bad time", `{"zone": "UTC", "hours": {"mon": [["25:00", "26:00"]]}}`, `hours.mon[0]: "25:00" is not a time of day`},
		{"bad close", `{"zone": "UTC", "hours": {"mon": [["08:00", "8pm"]]}}`, `hours.mon[0]: "8pm" is not a time of day`},
		{"24:00 opens", `{"zone": "UTC", "hours": {"mon": [["24:00", "02:00"]]}}`, `hours.mon[0]: "24:00" can only close a window`},
		{"24:00:01", `{"zone": "UTC", "hours": {"mon": [["08:00", "24:00:01"]]}}`, `hours.mon[0]: "24:00:01" is not a time of day`},
		{"empty window", `{"zone": "UTC", "hours": {"tue": [["08:00", "08:00"]]}}`, `hours.tue[0]: window "08:00"-"08:00" is empty`},
		{"one value", `{"zone": "UTC", "hours": {"tue": [["08:00"]]}}`, `hours.tue[0]: want [open, close], got 1 values`},
		{"overlap", `{"zone": "UTC", "hours": {"wed": [["12:00", "18:00"], ["08:00", "12:30"]]}}`, `hours.wed[1]: overlaps hours.wed[0]`},
		{"overlap through midnight on the same day", `{"zone": "UTC", "hours": {"wed": [["22:00", "06:00"], ["23:00", "23:30"]]}}`, `hours.wed[1]: overlaps hours.wed[0]`},
		{"crossing into the next day", `{"zone": "UTC", "hours": {"sun": [["22:00", "06:00"]], "mon": [["05:00", "12:00"]]}}`, `hours.sun[0]: crosses midnight into hours.mon[0]`},
		{"unknown weekday", `{"zone": "UTC", "hours": {"funday": [["08:00", "12:00"]]}}`, `hours.funday: unknown weekday (want mon, tue, wed, thu, fri, sat or sun)`},
		{"always open and hours", `{"zone": "UTC", "always_open": true, "hours": {"mon": [["08:00", "12:00"]]}}`, `always_open: cannot be combined with hours`},
		{"no working time", `{"zone": "UTC", "hours": {"mon": []}, "overrides": {"2024-01-01": []}}`, `hours: no working time: give hours, always_open, or overrides with windows`},
		{"bad holiday", `{"zone": "UTC", "always_open": true, "holidays": ["2024-07-04", "12-25", "2024-02-30"]}`, `holidays[2]: "2024-02-30" is not a date (want YYYY-MM-DD, or MM-DD for every year)`},
		{"bad yearly holiday", `{"zone": "UTC", "always_open": true, "holidays": ["13-01"]}`, `holidays[0]: "13-01" is not a date (want YYYY-MM-DD, or MM-DD for every year)`},
		{"bad override date", `{"zone": "UTC", "always_open": true, "overrides": {"12-24": []}}`, `overrides.12-24: "12-24" is not a date (want YYYY-MM-DD)`},
		{"bad override window", `{"zone": "UTC", "always_open": true, "overrides": {"2024-12-24": [["08:00", "07:60"]]}}`, `overrides.2024-12-24[0]: "07:60" is not a time of day`},
		{"override under the previous night's shift", `{"zone": "UTC", "hours": {"mon": [["22:00", "06:00"]]}, "overrides": {"2024-06-04": [["05:00", "09:00"]]}}`,
			`overrides.2024-06-04[0]: overlaps a window of 2024-06-03 that crosses midnight`},
		{"override crossing into the next day", `{"zone": "UTC", "hours": {"tue": [["08:00", "12:00"]]}, "overrides": {"2024-06-03": [["20:00", "09:00"]]}}`,
			`overrides.2024-06-03[0]: crosses midnight into a window of 2024-06-04`},
		{"unknown field", `{"zone": "UTC", "always_open": true, "hourz": {}}`, `hourz: unknown field`},
		{"wrong type", `{"zone": "UTC", "hours": {"mon": [[8, 12]]}}`, `hours: cannot be a JSON number (want a string)`},
		{"not JSON", `{"zone": `, `invalid JSON: unexpected EOF`},
		{"trailing data", `{"zone": "UTC", "always_open": true} {}`, `invalid JSON: data after the calendar object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.json))
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error = %v (%T), want a *SpecError", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestSpecAccepts(t *testing.T) {
	for _, js := range []string{
		`{"zone": "UTC", "always_open": true, "holidays": ["02-29"], "overrides": {"2024-12-24": [["08:00", "12:00"]], "2024-12-31": []}}`,
		`{"zone": "America/New_York", "hours": {"mon": [["08:00", "12:00"], ["12:00", "20:00"]], "fri": [["22:00", "00:00"]], "sat": [["00:00", "24:00"]]}}`,
		`{"zone": "Europe/Paris", "hours": {"sun": [["22:00:30", "06:00:15"]], "mon": [["06:00:15", "12:00"]]}}`,
		`{"zone": "UTC", "hours": {"mon": [["08:00", "12:00"]]}, "overrides": {"2024-06-01": [["20:00", "08:00"]], "2024-06-02": [["08:00", "09:00"]]}}`,
	} {
		c, err := Parse([]byte(js))
		if err != nil {
			t.Errorf("Parse(%s): %v", js, err)
			continue
		}
		// Spec gives back what was parsed, as a copy.
		var want Spec
		if err := json.Unmarshal([]byte(js), &want); err != nil {
			t.Fatal(err)
		}
		got := c.Spec()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Spec() = %+v, want %+v", got, want)
		}
		for k := range got.Hours {
			got.Hours[k][0][0] = "mutated"
		}
		if !reflect.DeepEqual(c.Spec(), want) {
			t.Error("Spec() shares its maps with the calendar")
		}
	}
}

func TestCivilDays(t *testing.T) {
	for d := daysFromCivil(1890, 1, 1); d < daysFromCivil(2170, 1, 1); d += 17 {
		want := time.Unix(d*86400, 0).UTC()
		y, m, dd := civilFromDays(d)
		if y != int64(want.Year()) || m != int(want.Month()) || dd != want.Day() || weekday(d) != (int(want.Weekday())+6)%7 {
			t.Fatalf("day %d = %d-%d-%d weekday %d, want %s", d, y, m, dd, weekday(d), want.Format("2006-01-02 Mon"))
		}
		if back := daysFromCivil(y, m, dd); back != d {
			t.Fatalf("daysFromCivil(civilFromDays(%d)) = %d", d, back)
		}
	}
}

// TestZoneTable checks the flattened offset table against time.Location,
// exactly at every transition and every few hours over the supported range.
func TestZoneTable(t *testing.T) {
	for _, name := range append(propertyZones, "Europe/London", "Africa/Casablanca", "Asia/Kolkata") {
		z, err := loadZone(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(z.starts); i++ {
			at := time.Unix(0, z.starts[i]).In(z.loc)
			if offsetAt(at) != z.offs[i] || offsetAt(at.Add(-time.Second)) != z.offs[i-1] {
				t.Fatalf("%s: transition %d at %s does not match time.Location", name, i, at.UTC())
			}
		}
		for u := minInstant; u.Before(maxInstant); u = u.Add(7*time.Hour + 13*time.Minute) {
			if got, want := z.offs[z.period(u.UnixNano())], offsetAt(u.In(z.loc)); got != want {
				t.Fatalf("%s at %s: offset %v, time.Location says %v", name, u, time.Duration(got), time.Duration(want))
			}
		}
	}
}
