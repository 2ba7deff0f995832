package web

import (
	"net/http"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
)

// The pages of single-use links: asking for a password reset, and choosing
// a password with a reset link or an invitation. Nobody is signed in on
// them.

type resetAskData struct {
	// Sent is set once a request was made: the page then says the same
	// thing whatever the address.
	Sent bool
}

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "reset", s.newPage(r, "reset.title", resetAskData{}))
}

func (s *Server) askReset(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "reset.title", resetAskData{})
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "reset", p)
		return
	}
	err := s.Directory.RequestReset(r.Context(), s.Now(), r.PostForm.Get("email"), clientAddress(r))
	if accord.IsKind(err, accord.TooManyRequests) {
		wait, _ := directory.RetryAfter(err)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
		err = &accord.Error{Kind: accord.TooManyRequests, Msg: s.msgs.text(p.Reader.Locale, "reset.throttled", int(wait/time.Second))}
	}
	if err != nil {
		s.failForm(w, r, err, "reset", p)
		return
	}
	p.Data = resetAskData{Sent: true}
	s.render(w, r, http.StatusOK, "reset", p)
}

// The words of each purpose, named from its value:
// i18n: "link.title.invitation"
// i18n: "link.title.password_reset"
// i18n: "link.done.invitation"
// i18n: "link.done.password_reset"

// linkData is the page of a mailed link: its purpose names the page's words
// and where the form goes; Gone says the link does not work.
type linkData struct {
	Purpose directory.Purpose
	Action  string
	Gone    bool
}

func linkPage(p directory.Purpose, token string) linkData {
	if p == directory.Invitation {
		return linkData{Purpose: p, Action: "/invite/" + token}
	}
	return linkData{Purpose: p, Action: "/reset/" + token}
}

func (s *Server) resetLinkPage(w http.ResponseWriter, r *http.Request) {
	s.showLink(w, r, directory.PasswordReset)
}

func (s *Server) inviteLinkPage(w http.ResponseWriter, r *http.Request) {
	s.showLink(w, r, directory.Invitation)
}

func (s *Server) useResetLink(w http.ResponseWriter, r *http.Request) {
	s.useLink(w, r, directory.PasswordReset)
}

func (s *Server) useInviteLink(w http.ResponseWriter, r *http.Request) {
	s.useLink(w, r, directory.Invitation)
}

// showLink asks for the new password, or says at once that the link no
// longer works.
func (s *Server) showLink(w http.ResponseWriter, r *http.Request, purpose directory.Purpose) {
	token := r.PathValue("token")
	if err := s.Directory.CheckLink(r.Context(), s.Now(), purpose, token); err != nil {
		s.badLink(w, r, purpose, err)
		return
	}
	s.render(w, r, http.StatusOK, "password_link", s.newPage(r, "link.title."+string(purpose), linkPage(purpose, token)))
}

func (s *Server) useLink(w http.ResponseWriter, r *http.Request, purpose directory.Purpose) {
	token := r.PathValue("token")
	p := s.newPage(r, "link.title."+string(purpose), linkPage(purpose, token))
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "password_link", p)
		return
	}
	pw := r.PostForm.Get("password")
	if pw != r.PostForm.Get("password_again") {
		r.PostForm.Del("password")
		r.PostForm.Del("password_again")
		s.failForm(w, r, accord.FieldError("password_again", "%s", s.msgs.text(p.Reader.Locale, "link.mismatch")), "password_link", p)
		return
	}
	_, err := s.Directory.UseLink(r.Context(), s.Now(), purpose, token, pw)
	r.PostForm.Del("password")
	r.PostForm.Del("password_again")
	if accord.IsKind(err, accord.NotFound) {
		s.badLink(w, r, purpose, err)
		return
	}
	if err != nil {
		s.failForm(w, r, err, "password_link", p)
		return
	}
	s.done(w, r, "/login", "link.done."+string(purpose))
}

// badLink says a link does not work (unknown, used, replaced or expired),
// in the same words for each, with the way to a new one.
func (s *Server) badLink(w http.ResponseWriter, r *http.Request, purpose directory.Purpose, err error) {
	if !accord.IsKind(err, accord.NotFound) {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusNotFound, "password_link", s.newPage(r, "link.title."+string(purpose), linkData{Purpose: purpose, Gone: true}))
}
