package web

import (
	"cmp"
	"net/http"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/engagements"
)

type calendarData struct {
	Title    string // the month and year, in the reader's language
	Prev     string // the months before and after, as ?month= takes them
	Next     string
	Weekdays []string // Monday first
	Days     []calendarDay
	// HasFeed says whether the reader has a calendar feed, made at
	// FeedSince; FeedURL is a new feed's address, shown only once.
	HasFeed   bool
	FeedSince time.Time
	FeedURL   string
}

// calendarDay is one cell of the month grid, from the Monday on or before
// the month's first day to the Sunday on or after its last.
type calendarDay struct {
	Date     time.Time
	Weekday  string
	Other    bool // the day belongs to the month before or after
	Today    bool
	Bookings []booking
}

// booking is a session as the calendar shows it.
type booking struct {
	engagements.Booking
	Time     string // the start's time of day, in the reader's zone
	Customer string // the customer's name, not shown to its own contacts
}

// calendarPage shows a month of the sessions the reader may see, in their
// zone (?month=2026-11), and their calendar feed.
func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) {
	s.showCalendar(w, r, "")
}

// rotateFeed makes a new secret address for the reader's calendar feed;
// the old one stops working. The address is shown on this answer only,
// since only its hash is kept.
func (s *Server) rotateFeed(w http.ResponseWriter, r *http.Request) {
	_, secret, err := s.Engagements.RotateFeed(r.Context(), s.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	scheme := "http"
	if r.TLS != nil || s.SecureCookies {
		scheme = "https" // SecureCookies: behind a TLS-terminating proxy
	}
	s.showCalendar(w, r, scheme+"://"+r.Host+"/feeds/"+secret+".ics")
}

func (s *Server) showCalendar(w http.ResponseWriter, r *http.Request, feedURL string) {
	ctx, now, rd := r.Context(), s.Now(), readerOf(r.Context())
	first := now.In(rd.Zone)
	first = time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, rd.Zone)
	if m := r.URL.Query().Get("month"); m != "" {
		t, err := time.ParseInLocation("2006-01", m, rd.Zone)
		if err == nil {
			// The whole month is read: its last instant must be one too.
			err = cmp.Or(accord.CheckInstant("month", t), accord.CheckInstant("month", t.AddDate(0, 1, 0).Add(-time.Nanosecond)))
		}
		if err != nil {
			s.fail(w, r, accord.FieldError("month", "must be a month as YYYY-MM"))
			return
		}
		first = t
	}
	// Twelve names and seven, as TestCalendarNames checks in every locale.
	months := strings.Split(s.msgs.text(rd.Locale, "engagement.calendar.months"), "|")
	weekdays := strings.Split(s.msgs.text(rd.Locale, "engagement.calendar.weekdays"), "|")
	data := calendarData{Title: months[first.Month()-1] + " " + first.Format("2006"), Weekdays: weekdays,
		Prev: first.AddDate(0, -1, 0).Format("2006-01"), Next: first.AddDate(0, 1, 0).Format("2006-01"), FeedURL: feedURL}
	from := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	last := first.AddDate(0, 1, -1)
	to := last.AddDate(0, 0, 7-(int(last.Weekday())+6)%7)
	bookings, err := s.bookings(r, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	layout := s.msgs.text(rd.Locale, "engagement.calendar.time")
	today := now.In(rd.Zone).Format(time.DateOnly)
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		day := calendarDay{Date: d, Weekday: weekdays[(d.Weekday()+6)%7], Other: d.Month() != first.Month(),
			Today: d.Format(time.DateOnly) == today}
		for _, b := range bookings {
			if b.Start.In(rd.Zone).Format(time.DateOnly) == d.Format(time.DateOnly) {
				b.Time = b.Start.In(rd.Zone).Format(layout)
				day.Bookings = append(day.Bookings, b)
			}
		}
		data.Days = append(data.Days, day)
	}
	feed, err := s.Engagements.Feed(ctx)
	switch {
	case err == nil:
		data.HasFeed, data.FeedSince = true, feed.CreatedAt
	case !accord.IsKind(err, accord.NotFound):
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "calendar", s.newPage(r, "engagement.calendar.title", &data))
}

// bookings are the sessions the reader may see that start in [from, to),
// by start, without those of cancelled engagements.
func (s *Server) bookings(r *http.Request, from, to time.Time) ([]booking, error) {
	list, err := s.Engagements.Sessions(r.Context(), s.Now(), from, to)
	if err != nil {
		return nil, err
	}
	own := readerOf(r.Context()).is(accord.RoleCustomerContact)
	var out []booking
	for _, b := range list {
		if b.State == engagements.Cancelled {
			continue
		}
		bk := booking{Booking: b}
		if !own {
			bk.Customer = b.OrgName
		}
		out = append(out, bk)
	}
	return out, nil
}
