package businesstime

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// The instants a calendar knows about. Outside them a calendar has no working
// time: the bounds keep every instant and every sum of working time inside
// int64 nanoseconds (260 years < 292), and nobody promises a case reply
// before 1900 or after 2160.
var (
	minInstant = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxInstant = time.Date(2160, 1, 1, 0, 0, 0, 0, time.UTC)
)

// zone is a time zone flattened into the list of its UTC offsets over the
// supported range. time.Location lookups cost ~80 ns each and do not
// answer "which instant is this local time", so the engine resolves local
// times itself from this table.
type zone struct {
	loc *time.Location
	// Period i starts at instant starts[i] (ns) and has UTC offset offs[i] (ns);
	// starts[0] is math.MinInt64. Consecutive periods have different offsets.
	starts, offs []int64
	// localStarts[i] = starts[i] + offs[i]: the local time at which period i begins.
	localStarts []int64
	// Local times in [cleanLo[i], cleanHi[i]) occur once, in period i.
	cleanLo, cleanHi []int64
	// fastLo[i], fastHi[i]: the local days of period i far enough from its
	// transitions (see margin) that every window starting on them resolves
	// with offs[i] alone. Empty ranges have fastLo >= fastHi.
	fastLo, fastHi []int64
	// byYear[k] is the period in force at the start of year yearBase+k (UTC,
	// years of 365.2425 days): period lookups scan forward from there.
	byYear []int32
	maxOff int64 // largest offset, bounding how early a local time can resolve
	// margin (days) between a transition and the first day treated as plain:
	// one day for the window that crosses midnight plus the largest offset
	// change in days.
	margin int64
}

// zones memoizes loaded zones by name: a zone is immutable once built, loading
// one reads tzdata and walks 260 years of transitions (~0.5 ms), and the CLI's
// eval loop and the server parse the same few zones over and over.
var zones sync.Map // string -> *zone

func loadZone(name string) (*zone, error) {
	if z, ok := zones.Load(name); ok {
		return z.(*zone), nil
	}
	// "" and "Local" would make a calendar depend on the machine it runs on.
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not an IANA time zone", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	z := buildZone(loc)
	zones.Store(name, z)
	return z, nil
}

func buildZone(loc *time.Location) *zone {
	// Cover the supported range plus a margin for the days around its ends.
	from := minInstant.AddDate(0, 0, -10)
	to := maxInstant.AddDate(0, 0, 10)
	t := from.In(loc)
	z := &zone{loc: loc, starts: []int64{math.MinInt64}, offs: []int64{offsetAt(t)}}
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() {
			break
		}
		if !end.After(t) {
			// Past its last explicit transition Go computes periods from the
			// zone's rule one year at a time and can report a stale end at the
			// close of a leap year; step over it and find the change exactly.
			end = t.Add(time.Hour)
			if offsetAt(end) != offsetAt(t) {
				end = firstChange(t, end)
			}
		}
		if end.After(to) {
			break
		}
		if off := offsetAt(end); off != z.offs[len(z.offs)-1] {
			z.starts = append(z.starts, end.UnixNano())
			z.offs = append(z.offs, off)
		}
		t = end
	}
	z.finish()
	return z
}

func offsetAt(t time.Time) int64 {
	_, off := t.Zone()
	return int64(off) * second
}

// firstChange returns the first second in (lo, hi] whose offset differs from lo's.
func firstChange(lo, hi time.Time) time.Time {
	want := offsetAt(lo)
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if offsetAt(mid) == want {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func (z *zone) finish() {
	n := len(z.starts)
	z.localStarts = make([]int64, n)
	z.cleanLo = make([]int64, n)
	z.cleanHi = make([]int64, n)
	z.fastLo = make([]int64, n)
	z.fastHi = make([]int64, n)
	var maxDelta int64
	z.maxOff = z.offs[0]
	for i := range n {
		z.maxOff = max(z.maxOff, z.offs[i])
		if i > 0 {
			maxDelta = max(maxDelta, z.offs[i]-z.offs[i-1], z.offs[i-1]-z.offs[i])
		}
	}
	z.margin = 2 + (maxDelta+dayNs-1)/dayNs
	z.byYear = make([]int32, years)
	i := 0
	for k := range z.byYear {
		for t := (int64(k) + yearBase) * yearNs; i+1 < n && z.starts[i+1] <= t; {
			i++
		}
		z.byYear[k] = int32(i)
	}
	for i := range n {
		z.localStarts[i], z.cleanLo[i] = math.MinInt64, math.MinInt64
		z.cleanHi[i] = math.MaxInt64
		z.fastLo[i] = -noDay
		z.fastHi[i] = noDay
		if i > 0 {
			z.localStarts[i] = z.starts[i] + z.offs[i]
			z.cleanLo[i] = z.starts[i] + max(z.offs[i-1], z.offs[i])
			z.fastLo[i] = floorDiv(z.localStarts[i], dayNs) + z.margin + 1
		}
		if i+1 < n {
			z.cleanHi[i] = z.starts[i+1] + min(z.offs[i], z.offs[i+1])
			z.fastHi[i] = floorDiv(z.starts[i+1]+z.offs[i], dayNs) - z.margin - 1
		}
	}
}

// Years of 365.2425 days from yearBase index zone.byYear.
const (
	yearNs   = 365*dayNs + dayNs*2425/10000
	yearBase = -80 // 1890
	years    = 290 // to 2180
)

// period returns the index of the period containing instant t.
func (z *zone) period(t int64) int {
	k := floorDiv(t, yearNs) - yearBase
	if k < 0 || k >= years {
		i, found := slices.BinarySearch(z.starts, t)
		if !found {
			i--
		}
		return i
	}
	i := int(z.byYear[k])
	for i+1 < len(z.starts) && z.starts[i+1] <= t {
		i++
	}
	return i
}

// local converts an instant to local time (ns since the local epoch).
func (z *zone) local(t int64) int64 { return t + z.offs[z.period(t)] }

// resolve converts local time x to an instant. A local time skipped by a
// transition (spring forward) moves forward by the gap, which is x read with
// the offset before the transition; a repeated one (fall back) takes its first
// occurrence, which is also x read with the offset before the transition.
//
// hint is the index of a period x is likely to fall in, cheaper to check
// than searching; it is updated to the period used.
func (z *zone) resolve(x int64, hint *int) int64 {
	if h := *hint; z.cleanLo[h] <= x && x < z.cleanHi[h] {
		return x - z.offs[h]
	}
	i, found := slices.BinarySearch(z.localStarts, x)
	if !found {
		i--
	}
	switch {
	case i+1 < len(z.starts) && x >= z.starts[i+1]+z.offs[i]:
		// in the gap before period i+1
	case i > 0 && x < z.starts[i]+z.offs[i-1]:
		i-- // also valid in period i-1, which came first
	default:
		*hint = i
	}
	return x - z.offs[i]
}

// fastRun reports whether local day d is plain as far as the zone goes, and
// if so the offset of its period and the first day after d that is not.
// hint is as for resolve.
func (z *zone) fastRun(d int64, hint *int) (off, end int64, ok bool) {
	i := *hint
	if d < z.fastLo[i] || (i+1 < len(z.fastLo) && d >= z.fastLo[i+1]) {
		var found bool
		if i, found = slices.BinarySearch(z.fastLo, d); !found {
			i--
		}
		*hint = i
	}
	if d >= z.fastHi[i] {
		return 0, 0, false
	}
	return z.offs[i], z.fastHi[i], true
}
