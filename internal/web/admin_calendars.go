package web

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/businesstime"
	"accord/internal/sla"
)

// adminWeekdays are the keys of a calendar's working hours, Monday first.
var adminWeekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

type adminCalendar struct {
	Name string
	businesstime.Spec
	Week []adminHours
	// OtherDays are the dates whose hours differ from their weekday's, by date.
	OtherDays []adminHours
}

// adminHours is a day's working windows, written "08:00–20:00".
type adminHours struct {
	Day     string // a weekday key, or a date for an override
	Windows []string
}

func adminWindows(ws [][]string) []string {
	var out []string
	for _, w := range ws {
		out = append(out, strings.Join(w, "–"))
	}
	return out
}

type adminCalendarsData struct {
	Version   sla.Version
	Calendars []adminCalendar
	Start     time.Time // the checker's default start: now
	// Due is the checker's answer; DueLocal writes it in the calendar's zone.
	Due      *time.Time
	DueLocal string
}

// adminCalendars shows every calendar of the current policy, and answers
// when a number of working hours from a start ends on one of them.
func (s *Server) adminCalendars(w http.ResponseWriter, r *http.Request) {
	v, pol, err := s.Policy.Current(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &adminCalendarsData{Version: v, Start: s.Now()}
	for _, name := range slices.Sorted(maps.Keys(pol.Calendars)) {
		spec := pol.Calendars[name]
		cv := adminCalendar{Name: name, Spec: spec}
		for _, day := range adminWeekdays {
			cv.Week = append(cv.Week, adminHours{Day: day, Windows: adminWindows(spec.Hours[day])})
		}
		for _, date := range slices.Sorted(maps.Keys(spec.Overrides)) {
			cv.OtherDays = append(cv.OtherDays, adminHours{Day: date, Windows: adminWindows(spec.Overrides[date])})
		}
		d.Calendars = append(d.Calendars, cv)
	}
	p := s.newPage(r, "admin.calendars.title", d)
	q := r.URL.Query()
	if !q.Has("calendar") {
		s.render(w, r, http.StatusOK, "admin_calendars", p)
		return
	}
	due, err := s.adminWorkingDue(r, pol)
	if err != nil {
		s.adminFailQuery(w, r, err, "admin_calendars", p)
		return
	}
	d.Due, d.DueLocal = &due, pol.Local(q.Get("calendar"), due)
	s.render(w, r, http.StatusOK, "admin_calendars", p)
}

// adminMaxHours bounds the checker's hours to a year of working time, as
// the policy bounds its targets.
const adminMaxHours = 8760

// adminWorkingDue answers the checker: the instant at which the hours asked
// have elapsed on the calendar asked, from the start asked (in the
// reader's zone).
func (s *Server) adminWorkingDue(r *http.Request, pol *sla.Policy) (time.Time, error) {
	q, rd := r.URL.Query(), readerOf(r.Context())
	say := func(field, key string) error { return accord.FieldError(field, "%s", s.msgs.text(rd.Locale, key)) }
	cal, ok := pol.Calendar(q.Get("calendar"))
	if !ok || q.Get("calendar") == sla.Clock24x7 {
		return time.Time{}, say("calendar", "admin.calendars.unknown")
	}
	start, err := clock{zone: rd.Zone}.parseLocal(q.Get("start"))
	if err != nil {
		return time.Time{}, say("start", "admin.bad_instant")
	}
	hours, err := strconv.ParseFloat(q.Get("hours"), 64)
	if err != nil || hours < 0 || hours > adminMaxHours {
		return time.Time{}, say("hours", "admin.calendars.bad_hours")
	}
	due, err := cal.Due(start, time.Duration(hours*float64(time.Hour)), nil)
	if err != nil {
		return time.Time{}, say("start", "admin.calendars.no_time")
	}
	return due, nil
}
