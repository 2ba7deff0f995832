package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const newYorkCalendar = `{"zone": "America/New_York",
 "hours": {"mon": [["08:00", "20:00"]], "tue": [["08:00", "20:00"]], "wed": [["08:00", "20:00"]], "thu": [["08:00", "20:00"]], "fri": [["08:00", "20:00"]]},
 "holidays": ["2024-07-04", "12-25"], "overrides": {"2024-12-24": [["08:00", "12:00"]]}}`

func writeCalendar(t *testing.T, js string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cal.json")
	if err := os.WriteFile(p, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCalendarDueAndElapsed(t *testing.T) {
	cal := writeCalendar(t, newYorkCalendar)
	tests := []struct {
		name string
		args []string
		code int
		out  string
		err  string
	}{
		{"due prints RFC 3339 UTC", []string{"calendar", "due", "--calendar", cal, "--start", "2024-03-08T19:00:00-05:00", "--work", "2h"}, 0, "2024-03-11T13:00:00Z\n", ""},
		{"due with a pause", []string{"calendar", "due", "--calendar", cal, "--start", "2024-06-03T08:00:00-04:00", "--work", "2h",
			"--pause", "2024-06-03T10:00:00-04:00/2024-06-03T11:00:00-04:00"}, 0, "2024-06-03T15:00:00Z\n", ""},
		{"zero work out of hours", []string{"calendar", "due", "--calendar", cal, "--start", "2024-07-03T21:00:00-04:00"}, 0, "2024-07-05T12:00:00Z\n", ""},
		{"elapsed prints whole seconds", []string{"calendar", "elapsed", "--calendar", cal, "--from", "2024-03-08T19:00:00-05:00", "--to", "2024-03-11T13:00:00Z"}, 0, "7200\n", ""},
		{"elapsed backwards is zero", []string{"calendar", "elapsed", "--calendar", cal, "--from", "2024-03-11T13:00:00Z", "--to", "2024-03-08T19:00:00-05:00"}, 0, "0\n", ""},
		{"a bad calendar names the field", []string{"calendar", "due", "--calendar", writeCalendar(t, `{"zone": "UTC", "hours": {"mon": [["08:00", "08:00"]]}}`), "--start", "2024-01-01T00:00:00Z"},
			1, "", `hours.mon[0]: window "08:00"-"08:00" is empty`},
		{"a missing calendar file", []string{"calendar", "due", "--calendar", filepath.Join(t.TempDir(), "none.json"), "--start", "2024-01-01T00:00:00Z"}, 1, "", "no such file"},
		{"a bad start", []string{"calendar", "due", "--calendar", cal, "--start", "tomorrow"}, 2, "", `--start: "tomorrow" is not an RFC 3339 time`},
		{"a bad pause", []string{"calendar", "due", "--calendar", cal, "--start", "2024-01-01T00:00:00Z", "--pause", "2024-01-01T00:00:00Z"}, 2, "", "want FROM/TO"},
		{"negative work", []string{"calendar", "due", "--calendar", cal, "--start", "2024-01-01T00:00:00Z", "--work", "-1h"}, 2, "", "must not be negative"},
		{"missing flags", []string{"calendar", "elapsed", "--calendar", cal}, 2, "", "--calendar, --from and --to are required"},
		{"no subcommand", []string{"calendar"}, 2, "", "usage: accord calendar due|elapsed|eval"},
		{"unknown subcommand", []string{"calendar", "add"}, 2, "", `unknown calendar command "add"`},
		{"help", []string{"calendar", "due", "-h"}, 0, "usage: accord calendar due", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tt.args...)
			// A bad flag also prints the command's flags on stdout.
			if code != tt.code || !strings.Contains(out, tt.out) || (tt.code == 1 && out != "") || !strings.Contains(errOut, tt.err) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q", code, out, errOut, tt.code, tt.out, tt.err)
			}
		})
	}
}

func TestCalendarDueReadsStdin(t *testing.T) {
	code, out, errOut := runCLI(t, newYorkCalendar, "calendar", "due", "--calendar", "-", "--start", "2024-12-24T11:00:00-05:00", "--work", "2h")
	if code != 0 || out != "2024-12-26T14:00:00Z\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestCalendarEval(t *testing.T) {
	q := func(rest string) string {
		return `{"calendar": ` + strings.ReplaceAll(newYorkCalendar, "\n", "") + `, ` + rest + `}`
	}
	in := strings.Join([]string{
		q(`"op": "due", "start": "2024-03-08T19:00:00-05:00", "work_seconds": 7200`),
		q(`"op": "elapsed", "start": "2024-03-08T19:00:00-05:00", "end": "2024-03-11T13:00:00Z", "pauses": [["2024-03-11T12:30:00Z", "2024-03-11T13:30:00Z"]]`),
		`{"calendar": {"zone": "UTC", "hours": {"mon": [["25:00", "26:00"]]}}, "op": "due", "start": "2024-01-01T00:00:00Z", "work_seconds": 1}`,
		q(`"op": "x", "start": "2024-01-01T00:00:00Z"`),
		q(`"op": "due", "start": "2024-06-03T08:00:00-04:00", "work_seconds": 0.5, "pauses": [["2024-06-03T07:00:00-04:00", "2024-06-03T09:00:00-04:00"]]`) + "\r",
		q(`"op": "elapsed", "start": "2024-06-03T08:00:00-04:00", "end": "2024-06-03T08:00:01.25-04:00"`),
		q(`"op": "due", "start": "2024-03-08", "work_seconds": 1`),
		q(`"op": "due", "start": "2024-03-08T19:00:00Z", "work_seconds": -1`),
		q(`"op": "due", "start": "2024-03-08T19:00:00Z"`),
		q(`"op": "elapsed", "start": "2024-03-08T19:00:00Z", "end": 5`),
		q(`"op": "due", "start": "2024-03-08T19:00:00Z", "work_seconds": 1, "extra": true`),
		`{"calendar": {"zone": "UTC", "overrides": {"2024-01-01": [["09:00", "10:00"]]}}, "op": "due", "start": "2024-01-01T00:00:00Z", "work_seconds": 3600}`,
		`not json`,
		``,
		q(`"op": "due", "start": "2024-03-08T19:00:00-05:00", "work_seconds": 7200`),
	}, "\n")
	want := []string{
		`{"due":"2024-03-11T13:00:00Z"}`,
		`{"elapsed_seconds":5400}`,
		`{"error":"line 3: calendar.hours.mon[0]: \"25:00\" is not a time of day"}`,
		`{"error":"line 4: op: unknown op \"x\""}`,
		`{"due":"2024-06-03T13:00:00.5Z"}`,
		`{"elapsed_seconds":1.25}`,
		`{"error":"line 7: start: \"2024-03-08\" is not an RFC 3339 time"}`,
		`{"error":"line 8: work_seconds: must not be negative"}`,
		`{"error":"line 9: work_seconds: required"}`,
		`{"error":"line 10: end: cannot be a JSON number"}`,
		`{"error":"line 11: extra: unknown field"}`,
		`{"error":"line 12: due 1h0m0s after 2024-01-01T00:00:00Z: no working time within 10 years"}`,
		`{"error":"line 13: invalid JSON: invalid character 'o' in literal null (expecting 'u')"}`,
		`{"error":"line 14: empty line"}`,
		`{"due":"2024-03-11T13:00:00Z"}`,
	}
	code, out, errOut := runCLI(t, in, "calendar", "eval")
	if code != 1 || errOut != "" {
		t.Errorf("exit %d, stderr %q; want 1 and nothing", code, errOut)
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
		}
	}
}

func TestCalendarEvalSucceeds(t *testing.T) {
	line := `{"calendar": {"zone": "Europe/Paris", "always_open": true}, "op": "elapsed", "start": "2024-03-31T00:00:00+01:00", "end": "2024-04-01T00:00:00+02:00"}`
	code, out, errOut := runCLI(t, line+"\n"+line+"\n", "calendar", "eval")
	if code != 0 || out != "{\"elapsed_seconds\":82800}\n{\"elapsed_seconds\":82800}\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestCalendarEvalSkipsHugeLines(t *testing.T) {
	ok := `{"calendar": {"zone": "UTC", "always_open": true}, "op": "due", "start": "2024-01-01T00:00:00Z", "work_seconds": 60}`
	huge := `{"calendar": "` + strings.Repeat("x", maxEvalLine) + `"}`
	code, out, _ := runCLI(t, ok+"\n"+huge+"\n"+ok, "calendar", "eval")
	want := "{\"due\":\"2024-01-01T00:01:00Z\"}\n{\"error\":\"line 2: longer than 16777216 bytes\"}\n{\"due\":\"2024-01-01T00:01:00Z\"}\n"
	if code != 1 || out != want {
		t.Errorf("exit %d, stdout %q", code, out)
	}
}

// FuzzCalendarEval runs arbitrary input through accord calendar eval: it
// must never panic and must answer each input line with exactly one JSON
// object holding due, elapsed_seconds or error.
func FuzzCalendarEval(f *testing.F) {
	for _, seed := range []string{
		`{"calendar": {"zone": "UTC", "always_open": true}, "op": "due", "start": "2024-01-01T00:00:00Z", "work_seconds": 60}`,
		`{"calendar": {"zone": "America/New_York", "hours": {"fri": [["22:00", "06:00"]]}, "holidays": ["12-25"]}, "op": "elapsed", "start": "2024-01-01T00:00:00Z", "end": "2024-02-01T00:00:00Z", "pauses": [["2024-01-05T23:00:00Z", "2024-01-06T01:00:00Z"]]}`,
		`{"calendar": {"zone": "UTC", "hours": {"mon": [["25:00", "26:00"]]}}, "op": "due"}`,
		`{"calendar": {"zone": "UTC", "always_open": true}, "op": "due", "start": "2024-01-01T00:00:00Z", "work_seconds": 1e-9}` + "\n\n[]\n{}",
		`{"op": "x"}`, "\r\n", `{"calendar": null, "op": "elapsed", "start": "0001-01-01T00:00:00Z", "end": "9999-12-31T23:59:59Z"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		_, out, _ := runCLI(t, in, "calendar", "eval")
		lines := strings.Count(in, "\n")
		if in != "" && !strings.HasSuffix(in, "\n") {
			lines++
		}
		answers := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if out == "" {
			answers = nil
		}
		if len(answers) != lines {
			t.Fatalf("%d input lines, %d answers:\n%s", lines, len(answers), out)
		}
		for _, a := range answers {
			var m map[string]json.RawMessage
			if err := json.Unmarshal([]byte(a), &m); err != nil || len(m) != 1 || (m["due"] == nil && m["elapsed_seconds"] == nil && m["error"] == nil) {
				t.Fatalf("answer %s is not one of due, elapsed_seconds, error", a)
			}
		}
	})
}
