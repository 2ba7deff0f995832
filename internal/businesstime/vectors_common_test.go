package businesstime

// Shared machinery for the ported test vectors (vectors_*_test.go).
//
// Each vector is one row: a calendar (Spec), one operation, its inputs and
// the expected result, plus `src`, which cites where the row comes from
// (repository, path, and the test's name or line). Rows whose source uses
// other semantics than Accord's are translated; the comment on the row says
// how and why, and where the source's own answer differs it is kept in
// sourceWant so the row still checks something about it (see runVectorRows).

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type vectorOp int

const (
	vecDue vectorOp = iota + 1
	vecElapsed
	vecNextOpen
	vecIsOpen
	vecAddWorkdays
)

func (op vectorOp) String() string {
	switch op {
	case vecDue:
		return "Due"
	case vecElapsed:
		return "Elapsed"
	case vecNextOpen:
		return "NextOpen"
	case vecIsOpen:
		return "IsOpen"
	case vecAddWorkdays:
		return "AddWorkdays"
	}
	return fmt.Sprintf("vectorOp(%d)", int(op))
}

type vectorRow struct {
	name string
	src  string // origin: repo + path + test name or line
	spec Spec
	op   vectorOp

	at     time.Time     // Due: start; Elapsed: from; NextOpen, IsOpen, AddWorkdays: t
	to     time.Time     // Elapsed: to
	work   time.Duration // Due
	days   int           // AddWorkdays
	pauses []Interval    // Due, Elapsed

	want     time.Time     // Due, NextOpen, AddWorkdays
	wantDur  time.Duration // Elapsed
	wantOpen bool          // IsOpen

	// sourceWant is the source suite's own answer for a Due row that we
	// translated because the source reports a deadline landing exactly on a
	// window's close as that close, where Accord reports the next opening.
	// The row then also checks Elapsed(at, sourceWant, pauses) == work: both
	// answers are the first instant at which `work` has been used.
	sourceWant time.Time
}

// runVectorRows runs each row as its own subtest.
func runVectorRows(t *testing.T, rows []vectorRow) {
	t.Helper()
	seen := make(map[string]bool, len(rows))
	for _, r := range rows {
		if seen[r.name] {
			t.Fatalf("duplicate vector name %q", r.name)
		}
		seen[r.name] = true
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			cal, err := New(r.spec)
			if err != nil {
				t.Fatalf("New(%+v): %v\nsrc: %s", r.spec, err, r.src)
			}
			loc, _ := time.LoadLocation(r.spec.Zone) // for messages only
			switch r.op {
			case vecDue:
				got, err := cal.Due(r.at, r.work, r.pauses)
				if err != nil {
					t.Fatalf("Due(%s, %v, %s): %v\nsrc: %s", vecFmt(r.at, loc), r.work, vecFmtPauses(r.pauses), err, r.src)
				}
				if !got.Equal(r.want) {
					t.Errorf("Due(%s, %v, %s)\n  got  %s\n  want %s\nsrc: %s",
						vecFmt(r.at, loc), r.work, vecFmtPauses(r.pauses), vecFmt(got, loc), vecFmt(r.want, loc), r.src)
				}
				if got.Location() != time.UTC {
					t.Errorf("Due returned location %v, want UTC", got.Location())
				}
				// "now >= due" means exactly "working time used >= target".
				if e := cal.Elapsed(r.at, r.want, r.pauses); e != r.work {
					t.Errorf("consistency: Elapsed(start, want %s) = %v, want %v\nsrc: %s", vecFmt(r.want, loc), e, r.work, r.src)
				}
				if !r.sourceWant.IsZero() {
					if e := cal.Elapsed(r.at, r.sourceWant, r.pauses); e != r.work {
						t.Errorf("source's own answer: Elapsed(start, %s) = %v, want %v\nsrc: %s", vecFmt(r.sourceWant, loc), e, r.work, r.src)
					}
				}
			case vecElapsed:
				got := cal.Elapsed(r.at, r.to, r.pauses)
				if got != r.wantDur {
					t.Errorf("Elapsed(%s, %s, %s) = %v (%ds), want %v (%ds)\nsrc: %s",
						vecFmt(r.at, loc), vecFmt(r.to, loc), vecFmtPauses(r.pauses), got, int64(got/time.Second), r.wantDur, int64(r.wantDur/time.Second), r.src)
				}
			case vecNextOpen:
				got, err := cal.NextOpen(r.at)
				if err != nil {
					t.Fatalf("NextOpen(%s): %v\nsrc: %s", vecFmt(r.at, loc), err, r.src)
				}
				if !got.Equal(r.want) {
					t.Errorf("NextOpen(%s)\n  got  %s\n  want %s\nsrc: %s", vecFmt(r.at, loc), vecFmt(got, loc), vecFmt(r.want, loc), r.src)
				}
			case vecIsOpen:
				if got := cal.IsOpen(r.at); got != r.wantOpen {
					t.Errorf("IsOpen(%s) = %v, want %v\nsrc: %s", vecFmt(r.at, loc), got, r.wantOpen, r.src)
				}
			case vecAddWorkdays:
				got, err := cal.AddWorkdays(r.at, r.days)
				if err != nil {
					t.Fatalf("AddWorkdays(%s, %d): %v\nsrc: %s", vecFmt(r.at, loc), r.days, err, r.src)
				}
				if !got.Equal(r.want) {
					t.Errorf("AddWorkdays(%s, %d)\n  got  %s\n  want %s\nsrc: %s", vecFmt(r.at, loc), r.days, vecFmt(got, loc), vecFmt(r.want, loc), r.src)
				}
			default:
				t.Fatalf("row has no operation")
			}
		})
	}
}

// vecPeriodRows translates a biz-style "periods after origin" expectation
// (the working segments, in order, starting at origin) into rows:
// NextOpen(origin) is the first segment's start, each segment holds exactly
// its length of working time, and NextOpen at each segment's end is the next
// segment's start.
func vecPeriodRows(name, src string, spec Spec, origin time.Time, segs []Interval) []vectorRow {
	rows := []vectorRow{{
		name: name + "/first", src: src, spec: spec, op: vecNextOpen,
		at: origin, want: segs[0].From,
	}}
	for i, s := range segs {
		rows = append(rows, vectorRow{
			name: fmt.Sprintf("%s/segment%02d", name, i+1), src: src, spec: spec, op: vecElapsed,
			at: s.From, to: s.To, wantDur: s.To.Sub(s.From),
		})
		if i+1 < len(segs) {
			rows = append(rows, vectorRow{
				name: fmt.Sprintf("%s/after%02d", name, i+1), src: src, spec: spec, op: vecNextOpen,
				at: s.To, want: segs[i+1].From,
			})
		}
	}
	return rows
}

// vecDays gives each listed day ("mon,tue") the same windows ("08:00-20:00").
func vecDays(days string, windows ...string) map[string][][]string {
	h := make(map[string][][]string)
	for _, d := range strings.Split(days, ",") {
		h[strings.TrimSpace(d)] = vecWins(windows...)
	}
	return h
}

// vecMerge merges weekly hours maps (later maps win per day).
func vecMerge(ms ...map[string][][]string) map[string][][]string {
	out := make(map[string][][]string)
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// vecWins turns "08:00-12:00" strings into windows. No argument gives an
// empty, non-nil list (an override that closes the day).
func vecWins(windows ...string) [][]string {
	out := [][]string{}
	for _, w := range windows {
		a, b, ok := strings.Cut(w, "-")
		if !ok {
			panic("bad window " + w)
		}
		out = append(out, []string{a, b})
	}
	return out
}

const vecWeekdays = "mon,tue,wed,thu,fri"
const vecAllDays = "mon,tue,wed,thu,fri,sat,sun"

func vecLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	vecUTCZone  = time.UTC
	vecNewYork  = vecLoc("America/New_York")
	vecSaoPaulo = vecLoc("America/Sao_Paulo")
	vecParis    = vecLoc("Europe/Paris")
	vecBerlin   = vecLoc("Europe/Berlin")
	vecTehran   = vecLoc("Asia/Tehran")
	vecSydney   = vecLoc("Australia/Sydney")
)

// vecAt is a civil time in loc. Only used for times that exist exactly once
// in loc; gap and overlap instants are written in UTC.
func vecAt(loc *time.Location, y int, mo time.Month, d, h, mi, s int) time.Time {
	t := time.Date(y, mo, d, h, mi, s, 0, loc)
	if t.Hour() != h || t.Minute() != mi || t.Day() != d {
		panic(fmt.Sprintf("vecAt: %04d-%02d-%02d %02d:%02d:%02d does not exist in %s", y, mo, d, h, mi, s, loc))
	}
	return t
}

// vecZ is an instant written in UTC.
func vecZ(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

func vecFmt(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "<zero>"
	}
	s := t.UTC().Format(time.RFC3339)
	if loc != nil && loc != time.UTC {
		s += " (" + t.In(loc).Format("Mon 2006-01-02 15:04:05 -07:00") + ")"
	}
	return s
}

func vecFmtPauses(ps []Interval) string {
	if len(ps) == 0 {
		return "no pauses"
	}
	var b strings.Builder
	b.WriteString("pauses")
	for _, p := range ps {
		fmt.Fprintf(&b, " [%s, %s)", p.From.UTC().Format(time.RFC3339), p.To.UTC().Format(time.RFC3339))
	}
	return b.String()
}
