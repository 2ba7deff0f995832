package businesstime

import (
	"cmp"
	"slices"
)

// win is a window of a day in local civil time: [open, close) in ns since
// the local midnight of the day it starts on. close > open, and close passes
// dayNs when the window crosses midnight.
type win struct {
	open, close int64
	idx         int // position in the specification, for error messages
}

// week is the weekly template laid out on a local week that starts on Monday
// 00:00. While the zone's offset stays put and no holiday or override
// intervenes, working time is this pattern repeated, so any span of it is
// measured or inverted in O(log windows) whatever its length.
type week struct {
	// starts/ends: every window, attributed to its weekday, as
	// [weekday*day + open, weekday*day + close); sorted, ends may pass weekNs.
	starts, ends []int64
	// The same windows folded into [0, weekNs) and merged: working time
	// before open[k] in the week is cum[k], and cum[k]+close[k]-open[k] is cumEnd[k].
	open, close, cum, cumEnd []int64
	total                    int64 // working time per week
}

// weekStart is the local time of Monday 1969-12-29 00:00, origin of all weeks.
const weekStart = -mondayOffset * dayNs

func newWeek(tmpl [7][]win) week {
	var w week
	type iv struct{ a, b int64 }
	var folded []iv
	for d, ws := range tmpl {
		for _, x := range ws {
			a, b := int64(d)*dayNs+x.open, int64(d)*dayNs+x.close
			w.starts = append(w.starts, a)
			w.ends = append(w.ends, b)
			if b > weekNs { // Sunday's window crossing into Monday
				folded = append(folded, iv{a, weekNs}, iv{0, b - weekNs})
			} else {
				folded = append(folded, iv{a, b})
			}
		}
	}
	slices.SortFunc(folded, func(x, y iv) int { return cmp.Compare(x.a, y.a) })
	for _, f := range folded {
		if n := len(w.open); n > 0 && f.a <= w.close[n-1] { // touching windows merge
			w.close[n-1] = max(w.close[n-1], f.b)
			continue
		}
		w.open = append(w.open, f.a)
		w.close = append(w.close, f.b)
	}
	for k := range w.open {
		w.cum = append(w.cum, w.total)
		w.total += w.close[k] - w.open[k]
		w.cumEnd = append(w.cumEnd, w.total)
	}
	return w
}

// split returns the start of the week containing local time x and x's offset in it.
func split(x int64) (base, phase int64) {
	phase = floorMod(x-weekStart, weekNs)
	return x - phase, phase
}

// worked returns the pattern's working time from the origin of weeks to
// local time x: worked(b) - worked(a) is the working time in [a, b).
func (w *week) worked(x int64) int64 {
	base, p := split(x)
	n := (base - weekStart) / weekNs
	k, found := slices.BinarySearch(w.open, p)
	if !found {
		k--
	}
	var in int64
	if k >= 0 {
		in = w.cum[k] + min(p, w.close[k]) - w.open[k]
	}
	return n*w.total + in
}

// at inverts worked: the first local time x inside a window with worked(x) == v,
// that is the instant working time resumes once v has been used. The week
// must have working time.
func (w *week) at(v int64) int64 {
	n := floorDiv(v, w.total)
	r := v - n*w.total
	k, found := slices.BinarySearch(w.cumEnd, r)
	if found {
		k++ // r is exactly a window's end: move to the next window's opening
	}
	return weekStart + n*weekNs + w.open[k] + r - w.cum[k]
}

// nextStart returns the opening of the first window starting at or after local time x.
func (w *week) nextStart(x int64) int64 {
	base, p := split(x)
	k, _ := slices.BinarySearch(w.starts, p)
	if k == len(w.starts) {
		return base + weekNs + w.starts[0]
	}
	return base + w.starts[k]
}

// lastEnd returns the close of the last window starting before local time x.
func (w *week) lastEnd(x int64) int64 {
	base, p := split(x)
	k, _ := slices.BinarySearch(w.starts, p)
	if k == 0 {
		return base - weekNs + w.ends[len(w.ends)-1]
	}
	return base + w.ends[k-1]
}
