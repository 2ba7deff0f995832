package businesstime

import (
	"cmp"
	"slices"
)

// span is a half-open interval of instants, in ns since the Unix epoch.
type span struct{ from, to int64 }

// segment is a piece of the calendar's working time, in instant order. A
// plain segment is working throughout; a block covers whole plain days (no
// holiday, no override, steady UTC offset) where an instant t is working
// exactly when its local time t+off lies in the weekly pattern.
type segment struct {
	span
	off   int64
	block bool
}

// worked returns the working time in [a, b), a sub-range of the segment.
func (s segment) worked(w *week, a, b int64) int64 {
	if !s.block {
		return b - a
	}
	return w.worked(b+s.off) - w.worked(a+s.off)
}

// locate returns the instant at which work more working time has elapsed
// since a, if it falls in [a, b): the first working instant after it, so
// that a deadline never lands where working time stops.
func (s segment) locate(w *week, a, b, work int64) (int64, bool) {
	t := a + work
	if s.block {
		t = w.at(w.worked(a+s.off)+work) - s.off
	}
	return t, t < b
}

// walker yields the working time of a calendar as segments in instant
// order, from the local days around a starting instant onwards.
//
// Days away from holidays, overrides and offset changes come out as blocks
// computed from the weekly pattern: that is how whole weeks are skipped in
// O(1). The other days are resolved window by window, with the DST rules,
// into plain segments; those can overlap near a transition (a window end in
// a spring-forward gap moves forward by the gap), so they wait in pend,
// merged, until no later day can reach back before them.
type walker struct {
	c    *Calendar
	day  int64 // next local day whose windows have not been produced
	pend spans // from days before day
	hint int   // the zone period last used, for zone.resolve and zone.fastRun
}

// start places the walker on the days whose windows can reach instant from.
func (w *walker) start(c *Calendar, from int64) {
	w.c = c
	w.hint = c.zone.period(from)
	w.day = dayOf(from+c.zone.offs[w.hint]) - c.zone.margin
}

// next returns the next segment, or false once the windows of every day up
// to lastDay have been produced.
func (w *walker) next(lastDay int64) (segment, bool) {
	for {
		// Windows from days >= w.day start no earlier than this.
		floor := w.day*dayNs - w.c.zone.maxOff
		pend := w.pend.list()
		switch {
		case len(pend) > 0 && pend[0].to <= floor:
			return w.pop(), true
		case w.day > lastDay:
			if len(pend) > 0 {
				return w.pop(), true
			}
			return segment{}, false
		}
		if seg, end, ok := w.c.block(w.day, lastDay+1, &w.hint); ok {
			if len(pend) > 0 {
				// Everything pending comes before the block: the block starts
				// margin days after any offset change.
				return w.pop(), true
			}
			w.day = end
			if seg.from < seg.to {
				return seg, true
			}
			continue
		}
		w.add(w.day)
		w.day++
	}
}

func (w *walker) pop() segment {
	l := w.pend.list()
	first := l[0]
	w.pend.set(l[1:])
	return segment{span: first}
}

// add resolves the windows of local day d into instants and merges them into
// the pending spans.
func (w *walker) add(d int64) {
	z := w.c.zone
	l := w.pend.list()
	for _, x := range w.c.windows(d) {
		a, b := z.resolve(d*dayNs+x.open, &w.hint), z.resolve(d*dayNs+x.close, &w.hint)
		if a < b { // else DST made the window empty
			l = append(l, span{a, b})
		}
	}
	w.pend.set(union(l))
}

// union sorts spans and merges those that overlap or touch, in place.
func union(l []span) []span {
	slices.SortFunc(l, func(x, y span) int { return cmp.Compare(x.from, y.from) })
	out := l[:0]
	for _, s := range l {
		if n := len(out); n > 0 && s.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, s.to)
			continue
		}
		out = append(out, s)
	}
	return out
}

// spans holds a few spans without allocating: in arr[:n], or in heap once
// they outgrow arr (a day with many windows).
type spans struct {
	arr  [12]span
	n    int
	heap []span
}

func (s *spans) list() []span {
	if s.heap != nil {
		return s.heap
	}
	return s.arr[:s.n]
}

func (s *spans) set(l []span) {
	if len(l) <= len(s.arr) {
		s.n = copy(s.arr[:], l)
		s.heap = nil
		return
	}
	// Copy rather than keep l, which may point into arr: a walker that
	// pointed into itself would have to live on the heap.
	s.heap = append([]span(nil), l...)
}

// block returns the block of plain days starting at local day d and ending
// before the first day that is not plain, or before limit, if d is plain.
func (c *Calendar) block(d, limit int64, hint *int) (segment, int64, bool) {
	off, end, ok := c.zone.fastRun(d, hint)
	if !ok {
		return segment{}, 0, false
	}
	end = min(end, c.nextException(d), limit)
	if end <= d {
		return segment{}, 0, false
	}
	if c.week.total == 0 {
		return segment{}, end, true // nothing to do on these days
	}
	first := c.week.nextStart(d * dayNs)
	if first >= end*dayNs {
		return segment{}, end, true // no window starts on these days
	}
	last := c.week.lastEnd(end * dayNs)
	return segment{span: span{first - off, last - off}, off: off, block: true}, end, true
}
