package api

import (
	"net/http"

	"accord/internal/accord"
	"accord/internal/reports"
	"accord/internal/signals"
	"accord/internal/store"
)

// signals is the notifications, presence and ratings service over the
// server's database and services, as reports() is.
func (s *Server) signals() *signals.Service {
	return signals.NewService(store.NewSignals(s.DB), s.Cases, s.Directory)
}

type notificationList struct {
	Items      []signals.Notification `json:"items"`
	NextCursor string                 `json:"next_cursor,omitempty"`
	Unread     int                    `json:"unread"`
}

// listNotifications lists the caller's own notifications, newest first;
// ?unread=true keeps the unread ones.
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	unread := false
	switch v := r.URL.Query().Get("unread"); v {
	case "", "false":
	case "true":
		unread = true
	default:
		err = accord.FieldError("unread", "must be true or false")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now, sv := s.Now(), s.signals()
	l, next, err := sv.Notifications(r.Context(), now, unread, p)
	var n int
	if err == nil {
		n, err = sv.Unread(r.Context(), now)
	}
	if l == nil {
		l = []signals.Notification{}
	}
	s.respond(w, r, http.StatusOK, notificationList{Items: l, NextCursor: next, Unread: n}, err)
}

func (s *Server) readNotification(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.signals().MarkRead(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusNoContent, nil, err)
}

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	n, err := s.signals().MarkAllRead(r.Context(), s.Now())
	s.respond(w, r, http.StatusOK, map[string]int{"marked": n}, err)
}

type presenceBody struct {
	Writing bool `json:"writing"`
}

type presenceList struct {
	Items []signals.Presence `json:"items"`
}

func presence(l []signals.Presence) presenceList {
	if l == nil {
		l = []signals.Presence{}
	}
	return presenceList{Items: l}
}

// casePresence lists the colleagues on a case besides the caller.
func (s *Server) casePresence(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []signals.Presence
	if err == nil {
		l, err = s.signals().Present(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, presence(l), err)
}

// touchPresence records that the caller is on the case (writing or not)
// and lists the colleagues there besides them.
func (s *Server) touchPresence(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in presenceBody
	if err == nil {
		err = decodeOptional(w, r, &in)
	}
	var l []signals.Presence
	if err == nil {
		l, err = s.signals().Touch(r.Context(), s.Now(), id, in.Writing)
	}
	s.respond(w, r, http.StatusOK, presence(l), err)
}

func (s *Server) getRating(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var rt signals.Rating
	if err == nil {
		rt, err = s.signals().Rating(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, rt, err)
}

func (s *Server) rateCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in signals.NewRating
	if err == nil {
		err = decode(w, r, &in)
	}
	var rt signals.Rating
	if err == nil {
		rt, err = s.signals().Rate(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusCreated, rt, err)
}

func (s *Server) csatReport(w http.ResponseWriter, r *http.Request) {
	monthReport(s, w, r, "csat", s.reports().CSAT, func(rep reports.CSATReport) string { return rep.Month }, reports.WriteCSATCSV)
}
