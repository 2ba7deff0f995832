package businesstime

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary documents to the parser: it must never panic,
// must fail only with a *SpecError, and whatever it accepts must survive a
// round trip through Spec and answer a small Due consistently with Elapsed.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{"zone": "America/New_York", "hours": {"mon": [["08:00", "20:00"]], "tue": [["08:00", "20:00"]]}, "holidays": ["2024-07-04", "12-25"], "overrides": {"2024-12-24": [["08:00", "12:00"]]}}`,
		`{"zone": "UTC", "always_open": true, "holidays": ["02-29"]}`,
		`{"zone": "Europe/Paris", "hours": {"fri": [["22:00", "06:00"]], "sat": [["06:00", "24:00"]]}}`,
		`{"zone": "America/Santiago", "hours": {"sun": [["00:00:30", "23:59:59"]]}, "overrides": {"2024-09-08": []}}`,
		`{"zone": "Pacific/Chatham", "hours": {"mon": [["25:00", "08:00"]]}}`,
		`{"zone": "", "hourz": 1}`,
		`{"zone": "Asia/Tehran", "overrides": {"2024-03-21": [["02:00", "03:00"]]}}`,
		`[]`, `null`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	start := time.Date(2024, 3, 8, 19, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error %v is a %T, not a *SpecError", err, err)
			}
			return
		}
		js, err := json.Marshal(c.Spec())
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(js)
		if err != nil {
			t.Fatalf("Parse(json.Marshal(Spec())) = %v for %s", err, js)
		}
		if js2, _ := json.Marshal(again.Spec()); !bytes.Equal(js, js2) {
			t.Fatalf("round trip changed the calendar:\n%s\n%s", js, js2)
		}
		if due, err := c.Due(start, 90*time.Minute, nil); err == nil {
			if got := c.Elapsed(start, due, nil); got != 90*time.Minute {
				t.Fatalf("Elapsed(start, Due(start, 90m) = %s) = %v", due, got)
			}
		} else if !errors.Is(err, ErrHorizon) {
			t.Fatalf("Due: %v", err)
		}
	})
}
