package businesstime

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Spec is the JSON/YAML form of a calendar.
type Spec struct {
	Zone       string                `json:"zone" yaml:"zone"`
	AlwaysOpen bool                  `json:"always_open,omitempty" yaml:"always_open,omitempty"`
	Hours      map[string][][]string `json:"hours,omitempty" yaml:"hours,omitempty"`         // keys "mon".."sun"; each window ["08:00","20:00"]
	Holidays   []string              `json:"holidays,omitempty" yaml:"holidays,omitempty"`   // "2024-07-04" or yearly "12-25"
	Overrides  map[string][][]string `json:"overrides,omitempty" yaml:"overrides,omitempty"` // "2024-12-24": [["08:00","12:00"]]; an empty list makes the date non-working
}

// SpecError is a mistake in a calendar, located by the path of the field
// that holds it, e.g. `hours.mon[0]: "25:00" is not a time of day`.
type SpecError struct {
	Path string // "zone", "hours.mon[0]", "holidays[2]", "overrides.2024-12-24[0]"; empty when the document itself is unreadable
	Msg  string
}

func (e *SpecError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func specErr(path, format string, args ...any) *SpecError {
	return &SpecError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Parse reads a calendar from strict JSON (unknown fields and trailing data
// are rejected) and validates it with New. Errors are *SpecError.
func Parse(data []byte) (*Calendar, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &SpecError{Msg: "invalid JSON: data after the calendar object"}
	}
	return New(s)
}

// jsonError names the field a decoding error is about, where encoding/json says.
func jsonError(err error) *SpecError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return &SpecError{Msg: "want a calendar object, got a JSON " + te.Value}
		}
		return specErr(te.Field, "cannot be a JSON %s (want %s)", te.Value, jsonKind(te.Type.String()))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, err := strconv.Unquote(name); err == nil {
			return specErr(n, "unknown field")
		}
	}
	return &SpecError{Msg: "invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
}

func jsonKind(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "map["):
		return "an object"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return goType
}

// Spec returns a copy of the specification the calendar was made from.
func (c *Calendar) Spec() Spec {
	s := c.spec
	s.Hours = copyWindows(s.Hours)
	s.Overrides = copyWindows(s.Overrides)
	s.Holidays = slices.Clone(s.Holidays)
	return s
}

func copyWindows(m map[string][][]string) map[string][][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][][]string, len(m))
	for k, ws := range m {
		cp := make([][]string, len(ws))
		for i, w := range ws {
			cp[i] = slices.Clone(w)
		}
		out[k] = cp
	}
	return out
}

var dayKeys = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// New validates a specification and prepares a calendar from it.
// Errors are *SpecError naming the offending field.
func New(s Spec) (*Calendar, error) {
	c := &Calendar{spec: s}
	z, err := loadZone(s.Zone)
	if err != nil {
		if s.Zone == "" {
			return nil, specErr("zone", "required")
		}
		return nil, specErr("zone", "%v", err)
	}
	c.zone = z
	if err := c.setHours(s); err != nil {
		return nil, err
	}
	if err := c.setHolidays(s.Holidays); err != nil {
		return nil, err
	}
	if err := c.setOverrides(s.Overrides); err != nil {
		return nil, err
	}
	if c.week.total == 0 && !c.overrideHasWork {
		return nil, specErr("hours", "no working time: give hours, always_open, or overrides with windows")
	}
	return c, nil
}

func (c *Calendar) setHours(s Spec) *SpecError {
	if s.AlwaysOpen {
		if len(s.Hours) > 0 {
			return specErr("always_open", "cannot be combined with hours")
		}
		for d := range c.tmpl {
			c.tmpl[d] = []win{{open: 0, close: dayNs}}
		}
		c.week = newWeek(c.tmpl)
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(s.Hours)) {
		if !slices.Contains(dayKeys[:], k) {
			return specErr("hours."+k, "unknown weekday (want mon, tue, wed, thu, fri, sat or sun)")
		}
	}
	for d, k := range dayKeys {
		ws, err := parseWindows("hours."+k, s.Hours[k])
		if err != nil {
			return err
		}
		c.tmpl[d] = ws
	}
	// A window that crosses midnight must end before the next day's first window.
	for d, k := range dayKeys {
		next := (d + 1) % 7
		if a, b, bad := crossing(c.tmpl[d], c.tmpl[next]); bad {
			return specErr(fmt.Sprintf("hours.%s[%d]", k, a.idx), "crosses midnight into hours.%s[%d]", dayKeys[next], b.idx)
		}
	}
	c.week = newWeek(c.tmpl)
	return nil
}

// crossing reports a window of ws (one day's windows) that crosses midnight
// into the first window of next (the following day's windows).
func crossing(ws, next []win) (a, b win, bad bool) {
	if len(ws) == 0 || len(next) == 0 {
		return win{}, win{}, false
	}
	a, b = ws[len(ws)-1], next[0] // windows are sorted and disjoint: only the last can cross midnight
	return a, b, a.close > dayNs+b.open
}

func (c *Calendar) setHolidays(hs []string) *SpecError {
	for i, h := range hs {
		path := fmt.Sprintf("holidays[%d]", i)
		if y, m, d, ok := parseDate(h); ok {
			c.holidays = append(c.holidays, daysFromCivil(y, m, d))
			continue
		}
		m, d, ok := parseMonthDay(h)
		if !ok {
			return specErr(path, "%q is not a date (want YYYY-MM-DD, or MM-DD for every year)", h)
		}
		c.yearly[m] |= 1 << d
		c.hasYearly = true
	}
	slices.Sort(c.holidays)
	c.holidays = slices.Compact(c.holidays)
	return nil
}

func (c *Calendar) setOverrides(os map[string][][]string) *SpecError {
	c.overrides = make(map[int64][]win, len(os))
	keys := slices.Sorted(maps.Keys(os))
	for _, k := range keys {
		y, m, d, ok := parseDate(k)
		if !ok {
			return specErr("overrides."+k, "%q is not a date (want YYYY-MM-DD)", k)
		}
		ws, err := parseWindows("overrides."+k, os[k])
		if err != nil {
			return err
		}
		c.overrides[daysFromCivil(y, m, d)] = ws
		c.overrideHasWork = c.overrideHasWork || len(ws) > 0
	}
	// Overrides must not overlap the windows of the days next to them, as
	// those days really are (weekly hours, a holiday, or another override).
	for _, k := range keys {
		y, m, d, _ := parseDate(k)
		day := daysFromCivil(y, m, d)
		if _, b, bad := crossing(c.windows(day-1), c.windows(day)); bad {
			return specErr(fmt.Sprintf("overrides.%s[%d]", k, b.idx), "overlaps a window of %s that crosses midnight", formatDate(day-1))
		}
		if a, _, bad := crossing(c.windows(day), c.windows(day+1)); bad {
			return specErr(fmt.Sprintf("overrides.%s[%d]", k, a.idx), "crosses midnight into a window of %s", formatDate(day+1))
		}
	}
	c.exceptions = slices.Sorted(maps.Keys(c.overrides))
	c.exceptions = append(c.exceptions, c.holidays...)
	slices.Sort(c.exceptions)
	c.exceptions = slices.Compact(c.exceptions)
	return nil
}

// parseWindows validates one day's windows and returns them sorted by opening.
func parseWindows(path string, raw [][]string) ([]win, *SpecError) {
	ws := make([]win, 0, len(raw))
	for i, r := range raw {
		p := fmt.Sprintf("%s[%d]", path, i)
		if len(r) != 2 {
			return nil, specErr(p, "want [open, close], got %d values", len(r))
		}
		open, ok := parseClock(r[0])
		if !ok {
			return nil, specErr(p, "%q is not a time of day", r[0])
		}
		if open == dayNs {
			return nil, specErr(p, "%q can only close a window", r[0])
		}
		closing, ok := parseClock(r[1])
		if !ok {
			return nil, specErr(p, "%q is not a time of day", r[1])
		}
		switch {
		case closing == open:
			return nil, specErr(p, "window %q-%q is empty", r[0], r[1])
		case closing < open:
			closing += dayNs // crosses midnight: it belongs to the day it starts on
		}
		ws = append(ws, win{open: open, close: closing, idx: i})
	}
	slices.SortFunc(ws, func(a, b win) int { return cmp.Compare(a.open, b.open) })
	for k := 1; k < len(ws); k++ {
		if ws[k].open < ws[k-1].close {
			a, b := min(ws[k-1].idx, ws[k].idx), max(ws[k-1].idx, ws[k].idx)
			return nil, specErr(fmt.Sprintf("%s[%d]", path, b), "overlaps %s[%d]", path, a)
		}
	}
	return ws, nil
}

// parseClock reads "HH:MM" or "HH:MM:SS" (00:00 to 24:00) as nanoseconds since midnight.
func parseClock(s string) (int64, bool) {
	if len(s) != 5 && len(s) != 8 {
		return 0, false
	}
	h, ok1 := twoDigits(s, 0)
	m, ok2 := twoDigits(s, 3)
	sec, ok3 := 0, true
	if len(s) == 8 {
		sec, ok3 = twoDigits(s, 6)
		ok3 = ok3 && s[5] == ':'
	}
	if !ok1 || !ok2 || !ok3 || s[2] != ':' || m > 59 || sec > 59 || h > 24 || (h == 24 && m+sec > 0) {
		return 0, false
	}
	return int64(h*3600+m*60+sec) * second, true
}

func twoDigits(s string, i int) (int, bool) {
	a, b := s[i], s[i+1]
	if a < '0' || a > '9' || b < '0' || b > '9' {
		return 0, false
	}
	return int(a-'0')*10 + int(b-'0'), true
}

// parseDate reads "YYYY-MM-DD".
func parseDate(s string) (y int64, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' {
		return 0, 0, 0, false
	}
	y1, ok1 := twoDigits(s, 0)
	y2, ok2 := twoDigits(s, 2)
	m, d, ok = parseMonthDay(s[5:])
	y = int64(y1*100 + y2)
	if !ok1 || !ok2 || !ok || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func formatDate(day int64) string {
	y, m, d := civilFromDays(day)
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// parseMonthDay reads "MM-DD"; 02-29 is a valid yearly date.
func parseMonthDay(s string) (m, d int, ok bool) {
	if len(s) != 5 || s[2] != '-' {
		return 0, 0, false
	}
	m, ok1 := twoDigits(s, 0)
	d, ok2 := twoDigits(s, 3)
	if !ok1 || !ok2 || m < 1 || m > 12 || d < 1 || d > daysIn(2000, m) {
		return 0, 0, false
	}
	return m, d, true
}
