package businesstime

// Calendar arithmetic on local civil days, numbered from 1970-01-01 (day 0).
// Days are plain integers so that the engine never builds a time.Time in its
// inner loops; the conversions follow Howard Hinnant's "chrono-compatible
// low-level date algorithms" (proleptic Gregorian calendar).

const (
	second       int64 = 1e9
	dayNs              = 86400 * second
	weekNs             = 7 * dayNs
	noDay        int64 = 1 << 62 // "never": later than any day the engine reaches
	mondayOffset       = 3       // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// weekday returns 0 for Monday through 6 for Sunday.
func weekday(day int64) int { return int(floorMod(day+mondayOffset, 7)) }

// dayOf returns the civil day containing local time x (ns since the local epoch).
func dayOf(x int64) int64 { return floorDiv(x, dayNs) }

func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(day int64) (y int64, m, d int) {
	z := day + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int64, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
