package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"strings"
	"time"

	"accord/internal/businesstime"
)

// runCalendar answers business-time questions from the command line: one at
// a time (due, elapsed) or as a stream of JSON lines (eval), for scripts and
// for checking Accord's arithmetic against another system's.
func runCalendar(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "calendar", []subcommand{
		{"due", "when a piece of working time ends", func(_ context.Context, e *env, args []string) error { return calendarDue(e, args) }},
		{"elapsed", "the working time between two instants, in seconds", func(_ context.Context, e *env, args []string) error { return calendarElapsed(e, args) }},
		{"eval", "answer JSON questions from standard input, one a line", calendarEval},
	}, args)
}

func calendarDue(e *env, args []string) error {
	fs := newFlags(e, "calendar due", "calendar due --calendar cal.json --start 2024-03-08T19:00:00-05:00 --work 2h [--pause FROM/TO ...]")
	file := fs.String("calendar", "", "calendar JSON file, - for stdin (required)")
	start := fs.String("start", "", "start instant, RFC 3339 (required)")
	work := fs.Duration("work", 0, "working time to add, e.g. 2h or 90m")
	var pauses pauseFlag
	fs.Var(&pauses, "pause", "a pause FROM/TO (RFC 3339 instants, TO excluded); repeatable")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *file == "" || *start == "" {
		return usageError{"--calendar and --start are required"}
	}
	from, err := parseInstant(*start)
	if err != nil {
		return usageError{"--start: " + err.Error()}
	}
	if *work < 0 {
		return usageError{"--work: must not be negative"}
	}
	c, err := loadCalendar(e, *file)
	if err != nil {
		return err
	}
	due, err := c.Due(from, *work, pauses)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, due.Format(time.RFC3339Nano))
	return nil
}

func calendarElapsed(e *env, args []string) error {
	fs := newFlags(e, "calendar elapsed", "calendar elapsed --calendar cal.json --from T1 --to T2 [--pause FROM/TO ...]")
	file := fs.String("calendar", "", "calendar JSON file, - for stdin (required)")
	fromS := fs.String("from", "", "start instant, RFC 3339 (required)")
	toS := fs.String("to", "", "end instant, RFC 3339, excluded (required)")
	var pauses pauseFlag
	fs.Var(&pauses, "pause", "a pause FROM/TO (RFC 3339 instants, TO excluded); repeatable")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *file == "" || *fromS == "" || *toS == "" {
		return usageError{"--calendar, --from and --to are required"}
	}
	from, err := parseInstant(*fromS)
	if err != nil {
		return usageError{"--from: " + err.Error()}
	}
	to, err := parseInstant(*toS)
	if err != nil {
		return usageError{"--to: " + err.Error()}
	}
	c, err := loadCalendar(e, *file)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, seconds(c.Elapsed(from, to, pauses)))
	return nil
}

func loadCalendar(e *env, file string) (*businesstime.Calendar, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	c, err := businesstime.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return c, nil
}

// pauseFlag collects --pause FROM/TO values.
type pauseFlag []businesstime.Interval

func (p *pauseFlag) String() string { return "" }

func (p *pauseFlag) Set(v string) error {
	a, b, ok := strings.Cut(v, "/")
	if !ok {
		return errors.New("want FROM/TO")
	}
	from, err := parseInstant(a)
	if err != nil {
		return err
	}
	to, err := parseInstant(b)
	if err != nil {
		return err
	}
	*p = append(*p, businesstime.Interval{From: from, To: to})
	return nil
}

func parseInstant(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	return t, nil
}

// seconds formats a duration as a number of seconds: an integer when it is
// whole (always, for whole-second inputs), else exact to the nanosecond.
func seconds(d time.Duration) string {
	s := strconv.FormatInt(int64(d/time.Second), 10)
	if frac := d % time.Second; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%09d", frac), "0")
	}
	return s
}

// evalLine is one question on accord calendar eval's input.
type evalLine struct {
	Calendar    json.RawMessage   `json:"calendar"`
	Op          string            `json:"op"`
	Start       *string           `json:"start"`
	End         *string           `json:"end"`
	WorkSeconds *json.Number      `json:"work_seconds"`
	Pauses      []json.RawMessage `json:"pauses"`
}

const (
	maxEvalLine      = 16 << 20 // a line holds one calendar; 16 MiB is more than any real one
	maxEvalCalendars = 1024     // parsed calendars kept for reuse
)

// calendarEval answers one JSON line per input line, in order. A bad line
// gets an error line and the rest still run; the exit status is then 1.
func calendarEval(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "calendar eval", "calendar eval < questions.jsonl")
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q; eval reads its questions from stdin and takes no arguments", pos[0])}
	}
	in := bufio.NewReaderSize(e.stdin, 64<<10)
	out := bufio.NewWriter(e.stdout)
	ev := evaluator{calendars: map[string]calendarOrError{}}
	failed := false
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			out.Flush() // keep the answers given so far; the cancellation is the error to report
			return err
		}
		line, err := readLine(in)
		var answer any
		switch {
		case errors.Is(err, io.EOF):
			return finishEval(out, failed)
		case errors.Is(err, errLineTooLong):
			answer = evalError{fmt.Sprintf("line %d: %v", n, err)}
		case err != nil:
			return fmt.Errorf("reading line %d: %w", n, err)
		default:
			answer = ev.answer(n, line)
		}
		if _, bad := answer.(evalError); bad {
			failed = true
		}
		if err := writeJSONLine(out, answer); err != nil {
			return err
		}
		if in.Buffered() == 0 { // the producer may be waiting for this answer
			if err := out.Flush(); err != nil {
				return err
			}
		}
	}
}

func finishEval(out *bufio.Writer, failed bool) error {
	if err := out.Flush(); err != nil {
		return err
	}
	if failed {
		return exitError{1}
	}
	return nil
}

var errLineTooLong = fmt.Errorf("longer than %d bytes", maxEvalLine)

// readLine returns the next line without its end-of-line characters, or
// io.EOF after the last. A line too long to hold is skipped with errLineTooLong.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			line = append(line, chunk...)
			tooLong = len(line) > maxEvalLine
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) == 0 && !tooLong:
			return nil, io.EOF
		case err != nil && !errors.Is(err, io.EOF):
			return nil, err
		}
		if tooLong {
			return nil, errLineTooLong
		}
		return bytes.TrimRight(line, "\r\n"), nil
	}
}

type (
	evalDue struct {
		Due string `json:"due"`
	}
	evalElapsed struct {
		Seconds json.Number `json:"elapsed_seconds"`
	}
	evalError struct {
		Error string `json:"error"`
	}
)

type calendarOrError struct {
	c   *businesstime.Calendar
	err error
}

// evaluator answers eval lines, parsing each distinct calendar once.
type evaluator struct {
	calendars map[string]calendarOrError // by the calendar's raw JSON
}

func (ev *evaluator) answer(n int, line []byte) any {
	a, err := ev.eval(line)
	if err != nil {
		return evalError{fmt.Sprintf("line %d: %v", n, err)}
	}
	return a
}

func (ev *evaluator) eval(line []byte) (any, error) {
	if len(bytes.TrimSpace(line)) == 0 {
		return nil, errors.New("empty line")
	}
	var q evalLine
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return nil, lineJSONError(err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: more than one value on the line")
	}
	c, err := ev.calendar(q.Calendar)
	if err != nil {
		return nil, err
	}
	start, err := field("start", q.Start)
	if err != nil {
		return nil, err
	}
	pauses, err := parsePauses(q.Pauses)
	if err != nil {
		return nil, err
	}
	switch q.Op {
	case "due":
		work, err := workSeconds(q.WorkSeconds)
		if err != nil {
			return nil, err
		}
		due, err := c.Due(start, work, pauses)
		switch {
		case errors.Is(err, businesstime.ErrRange):
			return nil, fmt.Errorf("start: %w", businesstime.ErrRange)
		case err != nil:
			return nil, errors.New(strings.TrimPrefix(err.Error(), "businesstime: "))
		}
		return evalDue{due.Format(time.RFC3339Nano)}, nil
	case "elapsed":
		end, err := field("end", q.End)
		if err != nil {
			return nil, err
		}
		return evalElapsed{json.Number(seconds(c.Elapsed(start, end, pauses)))}, nil
	case "":
		return nil, errors.New("op: required (due or elapsed)")
	}
	return nil, fmt.Errorf("op: unknown op %q", q.Op)
}

// lineJSONError names the field a decoding error is about, where encoding/json says.
func lineJSONError(err error) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return fmt.Errorf("want a JSON object, got a JSON %s", te.Value)
	case errors.As(err, &te):
		return fmt.Errorf("%s: cannot be a JSON %s", te.Field, te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("%s: unknown field", strings.Trim(name, `"`))
	}
	return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func (ev *evaluator) calendar(raw json.RawMessage) (*businesstime.Calendar, error) {
	if len(raw) == 0 {
		return nil, errors.New("calendar: required")
	}
	key := string(raw)
	got, ok := ev.calendars[key]
	if !ok {
		got.c, got.err = businesstime.Parse(raw)
		if len(ev.calendars) >= maxEvalCalendars {
			clear(ev.calendars) // a stream of ever-new calendars must not grow memory without end
		}
		ev.calendars[key] = got
	}
	var se *businesstime.SpecError
	switch {
	case errors.As(got.err, &se) && se.Path != "":
		return nil, fmt.Errorf("calendar.%s: %s", se.Path, se.Msg)
	case got.err != nil:
		return nil, fmt.Errorf("calendar: %w", got.err)
	}
	return got.c, nil
}

func field(name string, v *string) (time.Time, error) {
	if v == nil {
		return time.Time{}, fmt.Errorf("%s: required", name)
	}
	t, err := parseInstant(*v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// workSeconds reads a number of seconds exactly, to the nanosecond.
func workSeconds(v *json.Number) (time.Duration, error) {
	if v == nil {
		return 0, errors.New("work_seconds: required")
	}
	r, ok := new(big.Rat).SetString(v.String())
	if !ok {
		return 0, fmt.Errorf("work_seconds: %q is not a number", v.String())
	}
	if r.Sign() < 0 {
		return 0, errors.New("work_seconds: must not be negative")
	}
	ns := r.Mul(r, big.NewRat(int64(time.Second), 1))
	if !ns.IsInt() || !ns.Num().IsInt64() {
		return 0, fmt.Errorf("work_seconds: %s is not a whole number of nanoseconds within 292 years", v.String())
	}
	return time.Duration(ns.Num().Int64()), nil
}

func parsePauses(raw []json.RawMessage) ([]businesstime.Interval, error) {
	var out []businesstime.Interval
	for i, r := range raw {
		var pair []string
		if err := json.Unmarshal(r, &pair); err != nil || len(pair) != 2 {
			return nil, fmt.Errorf("pauses[%d]: want [from, to] as two RFC 3339 strings", i)
		}
		var iv [2]time.Time
		for k, s := range pair {
			t, err := parseInstant(s)
			if err != nil {
				return nil, fmt.Errorf("pauses[%d][%d]: %w", i, k, err)
			}
			iv[k] = t
		}
		out = append(out, businesstime.Interval{From: iv[0], To: iv[1]})
	}
	return out, nil
}

func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w) // Encode ends the value with a newline
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
