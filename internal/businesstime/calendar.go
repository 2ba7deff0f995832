package businesstime

import (
	"errors"
	"fmt"
	"time"
)

// Calendar is a validated calendar. It is immutable and safe for concurrent use.
type Calendar struct {
	spec Spec
	zone *zone
	tmpl [7][]win // weekly windows, Monday first, sorted by opening
	week week
	// overrides replace the windows of their local day (days since 1970-01-01).
	overrides       map[int64][]win
	overrideHasWork bool
	holidays        []int64    // explicit holiday days, sorted
	yearly          [13]uint32 // bit d of yearly[m] is set when m-d is a holiday every year
	hasYearly       bool
	exceptions      []int64 // days with an explicit holiday or an override, sorted
}

var (
	// ErrHorizon reports that a deadline would fall more than 10 years after
	// its start (or after 2160), which only a calendar with (almost) no
	// working time produces.
	ErrHorizon = errors.New("no working time within 10 years")
	// ErrRange reports an instant before 1900 or from 2160 on.
	ErrRange = errors.New("instant outside 1900-01-01 .. 2160-01-01")
)

// AlwaysOpen returns a 24x7 calendar in the given IANA zone.
func AlwaysOpen(zone string) (*Calendar, error) {
	return New(Spec{Zone: zone, AlwaysOpen: true})
}

// Interval is a pause [From, To): time in it is never working time.
type Interval struct{ From, To time.Time }

// Due returns the instant at which work of working time has elapsed since
// start, not counting pauses; if that is where working time stops (a window
// closes, a holiday or a pause begins) it is the instant working time
// resumes. Zero work gives the first working moment at or after start.
func (c *Calendar) Due(start time.Time, work time.Duration, pauses []Interval) (time.Time, error) {
	if work < 0 {
		return time.Time{}, fmt.Errorf("businesstime: negative work %v", work)
	}
	s, err := instant(start)
	if err != nil {
		return time.Time{}, err
	}
	var buf [8]span
	t, err := c.due(s, int64(work), union(appendPauses(buf[:0], pauses)), horizon(start))
	if err != nil {
		return time.Time{}, fmt.Errorf("businesstime: due %v after %s: %w", work, start.UTC().Format(time.RFC3339), err)
	}
	return toTime(t), nil
}

// NextOpen returns the first working moment at or after t.
func (c *Calendar) NextOpen(t time.Time) (time.Time, error) {
	s, err := instant(t)
	if err != nil {
		return time.Time{}, err
	}
	n, err := c.due(s, 0, nil, horizon(t))
	if err != nil {
		return time.Time{}, fmt.Errorf("businesstime: next opening after %s: %w", t.UTC().Format(time.RFC3339), err)
	}
	return toTime(n), nil
}

// IsOpen reports whether t is working time.
func (c *Calendar) IsOpen(t time.Time) bool {
	s, err := instant(t)
	if err != nil {
		return false
	}
	var w walker
	w.start(c, s)
	last := c.lastDay(s)
	for {
		seg, ok := w.next(last)
		switch {
		case !ok || seg.from > s:
			return false
		case seg.to > s:
			n, _ := seg.locate(&c.week, s, seg.to, 0)
			return n == s
		}
	}
}

// Elapsed returns the working time in [from, to), not counting pauses; 0
// when to <= from. Only the working time between 1900 and 2160 counts.
func (c *Calendar) Elapsed(from, to time.Time, pauses []Interval) time.Duration {
	a, b := clamp(from), clamp(to)
	if b <= a {
		return 0
	}
	var buf [8]span
	ps := union(appendPauses(buf[:0], pauses))
	var w walker
	w.start(c, a)
	last := c.lastDay(b)
	var sum int64
	for {
		seg, ok := w.next(last)
		if !ok || seg.from >= b {
			return time.Duration(sum)
		}
		lo, hi := max(seg.from, a), min(seg.to, b)
		for r := range free(&ps, lo, hi) {
			sum += seg.worked(&c.week, r.from, r.to)
		}
	}
}

// due finds the first working instant at which work has elapsed since s.
func (c *Calendar) due(s, work int64, pauses []span, limit int64) (int64, error) {
	if work > limit-s {
		return 0, ErrHorizon // more working time than there is time; also keeps sums from overflowing
	}
	var w walker
	w.start(c, s)
	last := c.lastDay(limit)
	for {
		seg, ok := w.next(last)
		if !ok || seg.from > limit {
			return 0, ErrHorizon
		}
		if seg.to <= s {
			continue
		}
		for r := range free(&pauses, max(seg.from, s), seg.to) {
			if t, ok := seg.locate(&c.week, r.from, r.to, work); ok {
				if t > limit {
					return 0, ErrHorizon
				}
				return t, nil
			}
			work -= seg.worked(&c.week, r.from, r.to)
		}
	}
}

// free yields the parts of [a, b) outside the pauses, which are sorted and
// disjoint; pauses that end by b are dropped from *ps as they are passed.
func free(ps *[]span, a, b int64) func(func(span) bool) {
	return func(yield func(span) bool) {
		for a < b {
			for len(*ps) > 0 && (*ps)[0].to <= a {
				*ps = (*ps)[1:]
			}
			end := b
			if len(*ps) > 0 {
				p := (*ps)[0]
				if p.from <= a {
					a = p.to
					continue
				}
				end = min(end, p.from)
			}
			if !yield(span{a, end}) {
				return
			}
			a = end
		}
	}
}

// appendPauses appends the non-empty pauses to buf as spans.
func appendPauses(buf []span, pauses []Interval) []span {
	for _, p := range pauses {
		if a, b := clamp(p.From), clamp(p.To); a < b {
			buf = append(buf, span{a, b})
		}
	}
	return buf
}

// AddWorkdays returns the same local clock time as t on the n-th working day
// after t's local date (a day with at least one window, not removed by a
// holiday), or the first working moment after that if it is not working time.
// n == 0 gives the first working moment at or after t.
func (c *Calendar) AddWorkdays(t time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("businesstime: negative number of working days %d", n)
	}
	s, err := instant(t)
	if err != nil {
		return time.Time{}, err
	}
	limit := horizon(t)
	x := c.zone.local(s)
	d := dayOf(x)
	d, ok := c.workdayAfter(d, int64(n), dayOf(c.zone.local(limit)))
	if !ok {
		return time.Time{}, fmt.Errorf("businesstime: %d working days after %s: %w", n, t.UTC().Format(time.RFC3339), ErrHorizon)
	}
	hint := 0
	at := c.zone.resolve(x+(d-dayOf(x))*dayNs, &hint)
	r, err := c.due(max(at, s), 0, nil, limit)
	if err != nil {
		return time.Time{}, fmt.Errorf("businesstime: %d working days after %s: %w", n, t.UTC().Format(time.RFC3339), err)
	}
	return toTime(r), nil
}

// workdayAfter returns the n-th working day after day d, if it is not after last.
func (c *Calendar) workdayAfter(d, n, last int64) (int64, bool) {
	perWeek := int64(0)
	for _, ws := range c.tmpl {
		if len(ws) > 0 {
			perWeek++
		}
	}
	for n > 0 && d <= last {
		// Skip whole weeks that no holiday or override touches.
		if perWeek > 0 && n > perWeek {
			if weeks := min((n-1)/perWeek, (c.nextException(d+1)-d-1)/7); weeks > 0 {
				d += 7 * weeks
				n -= perWeek * weeks
				continue
			}
		}
		d++
		if len(c.windows(d)) > 0 {
			n--
		}
	}
	return d, d <= last
}

// lastDay returns a local day after which no window can reach instant t.
func (c *Calendar) lastDay(t int64) int64 {
	return dayOf(t+c.zone.maxOff) + c.zone.margin
}

func instant(t time.Time) (int64, error) {
	if t.Before(minInstant) || !t.Before(maxInstant) {
		return 0, fmt.Errorf("businesstime: %s: %w", t.UTC().Format(time.RFC3339), ErrRange)
	}
	return t.UnixNano(), nil
}

func clamp(t time.Time) int64 {
	switch {
	case t.Before(minInstant):
		return minInstant.UnixNano()
	case t.After(maxInstant):
		return maxInstant.UnixNano()
	}
	return t.UnixNano()
}

// horizon is the latest instant an answer about t may be: 10 years after it.
func horizon(t time.Time) int64 {
	if h := t.AddDate(10, 0, 0); h.Before(maxInstant) {
		return h.UnixNano()
	}
	return maxInstant.UnixNano()
}

func toTime(t int64) time.Time { return time.Unix(0, t).UTC() }
