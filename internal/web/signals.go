package web

import (
	"net/http"
	"strconv"
	"strings"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/signals"
)

// signalRoutes are the notifications page, the presence and rating forms
// of the case page, and the page a rating link opens without signing in.
func (s *Server) signalRoutes() []route {
	return []route{
		{"GET", "/notifications", s.notificationsPage, false},
		{"POST", "/notifications/read", s.readAllNotifications, false},
		{"POST", "/notifications/{id}/read", s.readNotification, false},
		{"POST", "/cases/{id}/presence", s.touchPresence, false},
		{"POST", "/cases/{id}/rating", s.caseAction("rating", "rate.flash.rated", 0, s.caseRate), false},
		{"GET", "/rate/{id}/{token}", s.ratePage, true},
		{"POST", "/rate/{id}/{token}", s.rate, true},
	}
}

type notificationsData struct {
	Items    []signals.Notification
	NextPage string
}

// notificationsPage lists the reader's own notifications, newest first.
func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) {
	p := accord.Page{Cursor: r.URL.Query().Get("cursor")}
	l, next, err := s.Signals.Notifications(r.Context(), s.Now(), false, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := &notificationsData{Items: l}
	if next != "" {
		data.NextPage = "/notifications?cursor=" + next
	}
	s.render(w, r, http.StatusOK, "notifications", s.newPage(r, "notifications.title", data))
}

func (s *Server) readNotification(w http.ResponseWriter, r *http.Request) {
	if err := s.Signals.MarkRead(r.Context(), s.Now(), accord.ID(r.PathValue("id"))); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/notifications", "")
}

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Signals.MarkAllRead(r.Context(), s.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/notifications", "notifications.flash.all_read")
}

// touchPresence records that the agent has the case open, writing when the
// reply box it sends is not empty, and answers the case page, from which
// the poll keeps the presence line: one template says who is there.
func (s *Server) touchPresence(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, accord.FieldError("body", "is not a form"))
		return
	}
	id := accord.ID(r.PathValue("id"))
	l, err := s.Signals.Touch(r.Context(), s.Now(), id, strings.TrimSpace(r.PostForm.Get("body")) != "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.casePageOf(r, id, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Data.(*casePageData).Present = l
	s.render(w, r, http.StatusOK, "case", p)
}

// caseSignals adds presence and the rating to the case page: an agent
// opening it is on it; a closed case shows its rating, or to its
// customer's contacts the form to give one.
func (s *Server) caseSignals(r *http.Request, d *casePageData) error {
	ctx, now, rd := r.Context(), s.Now(), readerOf(r.Context())
	if rd.agent() {
		l, err := s.Signals.Touch(ctx, now, d.Case.ID, false)
		if err != nil {
			return err
		}
		d.Present, d.Presence = l, true
	}
	if !cases.Rateable(d.Case) {
		return nil
	}
	rt, err := s.Signals.Rating(ctx, now, d.Case.ID)
	switch {
	case err == nil:
		d.Rating = &rt
	case accord.IsKind(err, accord.NotFound):
		d.Can.Rate = rd.is(accord.RoleCustomerContact) && rd.Actor.OrgID == d.Case.OrgID
	default:
		return err
	}
	return nil
}

func ratingOf(r *http.Request) signals.NewRating {
	score, err := strconv.Atoi(r.PostForm.Get("score"))
	if err != nil {
		score = 0 // refused by the service, naming the field
	}
	return signals.NewRating{Score: score, Comment: r.PostForm.Get("comment")}
}

func (s *Server) caseRate(r *http.Request, id accord.ID) error {
	_, err := s.Signals.Rate(r.Context(), s.Now(), id, ratingOf(r))
	return err
}

// rateData is the page a rating link opens: the case, the form, or why the
// link does not work, or the thanks.
type rateData struct {
	Case   cases.Case
	Action string
	Bad    string // the message key of why the link does not work
	Done   bool
}

// ratePage opens the rating form of a mailed link, without signing in, in
// the language of the contact it was mailed to.
func (s *Server) ratePage(w http.ResponseWriter, r *http.Request) {
	s.rateForm(w, r, false)
}

func (s *Server) rate(w http.ResponseWriter, r *http.Request) {
	s.rateForm(w, r, true)
}

func (s *Server) rateForm(w http.ResponseWriter, r *http.Request, post bool) {
	ctx, now := r.Context(), s.Now()
	id, token := accord.ID(r.PathValue("id")), r.PathValue("token")
	data := &rateData{Action: r.URL.Path}
	p := s.newPage(r, "rate.title", data)
	inv, err := s.Signals.LinkCase(ctx, now, id, token)
	data.Case = inv.Case
	if l := supported(inv.Locale); l != "" {
		p.Reader.Locale = l
	}
	if err == nil {
		if post {
			if err = r.ParseForm(); err == nil {
				_, err = s.Signals.RateByLink(ctx, now, id, token, ratingOf(r))
			}
			if kind := accord.KindOf(err); kind == accord.Invalid {
				s.failForm(w, r, err, "rate", p)
				return
			}
			data.Done = err == nil
		}
	}
	if err != nil {
		kind := accord.KindOf(err)
		if kind == accord.Internal {
			s.fail(w, r, err)
			return
		}
		data.Bad = "rate.bad_link"
		if kind == accord.Conflict {
			data.Bad = "rate.already"
		}
		s.render(w, r, kind.Status(), "rate", p)
		return
	}
	s.render(w, r, http.StatusOK, "rate", p)
}
