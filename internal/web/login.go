package web

import (
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
)

type loginData struct {
	Next    string
	Locales []string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if loc := supported(r.URL.Query().Get("lang")); loc != "" {
		http.SetCookie(w, &http.Cookie{Name: localeCookie, Value: loc, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies || r.TLS != nil})
		r.AddCookie(&http.Cookie{Name: localeCookie, Value: loc})
	}
	s.render(w, r, http.StatusOK, "login", s.newPage(r, "login.title",
		loginData{Next: localPath(r.URL.Query().Get("next")), Locales: Locales}))
}

// login signs in with e-mail and password. A session the browser held
// before is ended first, so the new one never reuses its value.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	err := parseForm(w, r, 0)
	p := s.newPage(r, "login.title", loginData{Next: localPath(r.PostForm.Get("next")), Locales: Locales})
	if err != nil {
		r.PostForm.Del("password")
		s.failForm(w, r, err, "login", p)
		return
	}
	ctx, now := r.Context(), s.Now()
	if c, err := r.Cookie(directory.SessionCookie); err == nil {
		if a, old, err := s.Directory.Authenticate(ctx, now, c.Value); err == nil {
			_ = s.Directory.Logout(accord.WithActor(ctx, a), now, old.ID)
		}
	}
	sess, secret, _, err := s.Directory.Login(ctx, now, r.PostForm.Get("email"), r.PostForm.Get("password"), clientAddress(r), r.UserAgent())
	if sf, ok := directory.NeedsSecondFactor(err); ok {
		s.secondStep(w, r, sf, localPath(r.PostForm.Get("next")), nil)
		return
	}
	if err != nil {
		switch accord.KindOf(err) {
		case accord.Unauthenticated:
			// The same words whether the address or the password was wrong.
			err = &accord.Error{Kind: accord.Invalid, Field: "password", Msg: s.msgs.text(p.Reader.Locale, "login.wrong")}
		case accord.TooManyRequests:
			wait, _ := directory.RetryAfter(err)
			secs := int(wait / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			err = &accord.Error{Kind: accord.TooManyRequests, Msg: s.msgs.text(p.Reader.Locale, "login.throttled", secs)}
		}
		r.PostForm.Del("password")
		s.failForm(w, r, err, "login", p)
		return
	}
	s.setSession(w, r, sess, secret)
	if sess.EnrolOnly {
		http.Redirect(w, r, "/account/security", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, localPath(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(directory.SessionCookie); err == nil {
		if _, sess, err := s.Directory.Authenticate(r.Context(), s.Now(), c.Value); err == nil {
			if err := s.Directory.Logout(r.Context(), s.Now(), sess.ID); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: directory.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// home sends each role where its work is.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	target := "/cases"
	switch rd.Actor.Role {
	case accord.RoleAgent:
		target = "/queue"
	case accord.RoleAdmin, accord.RoleAuditor:
		target = "/dashboard"
	case accord.RolePartnerAgent:
		target = "/customers"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// zones are offered in the time zone field; any IANA name is accepted.
var zones = []string{
	"America/Sao_Paulo", "America/Manaus", "America/Recife", "America/Argentina/Buenos_Aires", "America/Santiago",
	"America/Bogota", "America/Mexico_City", "America/New_York", "America/Chicago", "America/Denver",
	"America/Los_Angeles", "Europe/Lisbon", "Europe/London", "Europe/Madrid", "Europe/Berlin", "Africa/Luanda",
	"Asia/Tokyo", "Australia/Sydney", "UTC",
}

type settingsData struct {
	Locales []string
	Zones   []string
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	zs := zones
	if !slices.Contains(zs, rd.User.TimeZone) && rd.User.TimeZone != "" {
		zs = append([]string{rd.User.TimeZone}, zs...)
	}
	s.render(w, r, http.StatusOK, "settings", s.newPage(r, "settings.title", settingsData{Locales: Locales, Zones: zs}))
}

// saveSettings changes the reader's name, language and time zone, and
// their password when the current one is given.
func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "settings.title", settingsData{Locales: Locales, Zones: zones})
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "settings", p)
		return
	}
	f := r.PostForm
	rd := readerOf(r.Context())
	if _, err := time.LoadLocation(f.Get("time_zone")); err != nil || f.Get("time_zone") == "" {
		s.failForm(w, r, accord.FieldError("time_zone", "must be a time zone such as America/Sao_Paulo"), "settings", p)
		return
	}
	up := directory.UserUpdate{}
	for field, dst := range map[string]**string{"name": &up.Name, "locale": &up.Locale, "time_zone": &up.TimeZone} {
		if v := f.Get(field); v != "" {
			*dst = &v
		}
	}
	if _, err := s.Directory.UpdateUser(r.Context(), s.Now(), rd.Actor.UserID, up); err != nil {
		s.failForm(w, r, err, "settings", p)
		return
	}
	if f.Get("password") != "" {
		if err := s.Directory.SetPassword(r.Context(), s.Now(), rd.Actor.UserID, f.Get("current_password"), f.Get("password")); err != nil {
			f.Del("password")
			f.Del("current_password")
			s.failForm(w, r, err, "settings", p)
			return
		}
	}
	s.done(w, r, "/settings", "settings.saved")
}
