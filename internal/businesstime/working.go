package businesstime

import (
	"slices"
	"time"
)

// Working returns the working time in [from, to) outside the pauses, as
// sorted, disjoint, non-adjacent intervals (adjacent pieces are merged). It
// is what explains a clock: each counted stretch of working time. Nil when
// to <= from or nothing is working. Only working time between 1900 and 2160 counts.
func (c *Calendar) Working(from, to time.Time, pauses []Interval) []Interval {
	a, b := clamp(from), clamp(to)
	if b <= a {
		return nil
	}
	var buf [8]span
	ps := union(appendPauses(buf[:0], pauses))
	var w walker
	w.start(c, a)
	last := c.lastDay(b)
	var m merger
	for {
		seg, ok := w.next(last)
		if !ok || seg.from >= b {
			return m.finish()
		}
		lo, hi := max(seg.from, a), min(seg.to, b)
		for r := range free(&ps, lo, hi) {
			if seg.block {
				c.week.addWindows(&m, r.from, r.to, seg.off)
			} else {
				m.add(r.from, r.to)
			}
		}
	}
}

// addWindows adds to m the working time in [a, b), instants in a block whose
// local times are the instants plus off: the parts of the weekly windows it
// overlaps.
func (w *week) addWindows(m *merger, a, b, off int64) {
	if len(w.open) == 0 {
		return
	}
	base, p := split(a + off)
	// The first folded window that ends after p: the one containing p, or the next.
	k, found := slices.BinarySearch(w.close, p)
	if found {
		k++
	}
	for end := b + off; ; k++ {
		if k == len(w.close) {
			k, base = 0, base+weekNs
		}
		lo := base + w.open[k]
		if lo >= end {
			return
		}
		m.add(max(lo-off, a), min(base+w.close[k]-off, b))
	}
}

// merger collects working time, added in instant order, into merged spans:
// in small[:n] without allocating, or in more once they outgrow small.
type merger struct {
	small [16]span
	n     int
	more  []span
}

func (m *merger) list() []span {
	if m.more != nil {
		return m.more
	}
	return m.small[:m.n]
}

// add appends [a, b), which must not start before the spans already added
// do; it merges with the last one when they touch or overlap.
func (m *merger) add(a, b int64) {
	if a >= b {
		return
	}
	if l := m.list(); len(l) > 0 && a <= l[len(l)-1].to {
		l[len(l)-1].to = max(l[len(l)-1].to, b)
		return
	}
	switch {
	case m.more != nil:
		m.more = append(m.more, span{a, b})
	case m.n < len(m.small):
		m.small[m.n] = span{a, b}
		m.n++
	default:
		m.more = append(append(make([]span, 0, 4*len(m.small)), m.small[:]...), span{a, b})
	}
}

// finish returns the merged spans as intervals in UTC, nil if there are none.
func (m *merger) finish() []Interval {
	l := m.list()
	if len(l) == 0 {
		return nil
	}
	out := make([]Interval, len(l))
	for i, s := range l {
		out[i] = Interval{From: toTime(s.from), To: toTime(s.to)}
	}
	return out
}
