package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
)

// totpRoutes are two-factor sign-in's pages (docs/identity.md): the second
// step of a sign-in, the reader's own enrolment, and the vendor's per-role
// rule.
func (s *Server) totpRoutes() []route {
	return []route{
		{"POST", "/login/totp", s.loginTOTP, true},
		{"GET", "/account/security", s.securityPage, false},
		{"POST", "/account/security/begin", s.beginTOTP, false},
		{"POST", "/account/security/confirm", s.confirmTOTP, false},
		{"POST", "/account/security/recovery-codes", s.regenerateCodes, false},
		{"POST", "/account/security/disable", s.disableTOTP, false},
		{"GET", "/admin/security", s.staffOnly(s.adminSecurity), false},
		{"POST", "/admin/security", s.staffOnly(s.saveAdminSecurity), false},
		{"POST", "/admin/users/{id}/totp/reset", s.staffOnly(s.adminResetTOTP), false},
	}
}

// enrolOnly lists what a session that may only enrol reaches.
func enrolOnly(path string) bool {
	return strings.HasPrefix(path, "/account/security") || path == "/logout"
}

type loginTOTPData struct {
	Next      string
	Challenge string
}

// secondStep shows the code form of a sign-in whose password was right.
func (s *Server) secondStep(w http.ResponseWriter, r *http.Request, sf *directory.SecondFactor, next string, err error) {
	p := s.newPage(r, "totp.login.title", loginTOTPData{Next: next, Challenge: sf.Challenge})
	if err != nil {
		s.failForm(w, r, err, "login_totp", p)
		return
	}
	s.render(w, r, http.StatusOK, "login_totp", p)
}

func (s *Server) loginTOTP(w http.ResponseWriter, r *http.Request) {
	err := parseForm(w, r, 0)
	f := r.PostForm
	next := localPath(f.Get("next"))
	sf := &directory.SecondFactor{Challenge: f.Get("challenge")}
	if err != nil {
		s.secondStep(w, r, sf, next, err)
		return
	}
	sess, secret, _, err := s.Directory.LoginTOTP(r.Context(), s.Now(), sf.Challenge, f.Get("code"), clientAddress(r), r.UserAgent())
	if err != nil {
		loc := s.newPage(r, "", nil).Reader.Locale
		switch {
		case accord.IsKind(err, accord.TooManyRequests):
			wait, _ := directory.RetryAfter(err)
			secs := int(wait / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			err = &accord.Error{Kind: accord.TooManyRequests, Msg: s.msgs.text(loc, "login.throttled", secs)}
		case accord.IsKind(err, accord.Unauthenticated) && accord.Public(err).Field == "challenge":
			// The sign-in lapsed: start it again.
			s.done(w, r, "/login?next="+next, "totp.login.expired")
			return
		case accord.IsKind(err, accord.Unauthenticated):
			err = &accord.Error{Kind: accord.Invalid, Field: "code", Msg: s.msgs.text(loc, "totp.login.wrong")}
		}
		r.PostForm.Del("code")
		s.secondStep(w, r, sf, next, err)
		return
	}
	s.setSession(w, r, sess, secret)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, sess directory.Session, secret string) {
	http.SetCookie(w, &http.Cookie{
		Name: directory.SessionCookie, Value: secret, Path: "/", Expires: sess.ExpiresAt, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies || r.TLS != nil,
	})
}

type securityData struct {
	Status directory.TOTPStatus
	// Secret, URI and QR are shown while enrolling: QR is the URI as a
	// PNG data: URL (the pages' img-src allows data:).
	Secret string
	URI    string
	QR     template.URL
	// Codes are recovery codes, shown once after they are made.
	Codes []string
}

func (s *Server) securityPageData(r *http.Request) (*page, *securityData, error) {
	st, err := s.Directory.MyTOTP(r.Context())
	if err != nil {
		return nil, nil, err
	}
	d := &securityData{Status: st}
	return s.newPage(r, "totp.security.title", d), d, nil
}

func (s *Server) securityPage(w http.ResponseWriter, r *http.Request) {
	p, _, err := s.securityPageData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account_security", p)
}

func (s *Server) beginTOTP(w http.ResponseWriter, r *http.Request) {
	e, err := s.Directory.BeginTOTP(r.Context(), s.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, d, err := s.securityPageData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Secret, d.URI = e.Secret, e.URI
	d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QR))
	s.render(w, r, http.StatusOK, "account_security", p)
}

// codeAction runs act with the posted code and shows the security page
// with the recovery codes it returns, or with its refusal.
func (s *Server) codeAction(w http.ResponseWriter, r *http.Request, act func(code string) ([]string, error), flash string) {
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	codes, err := act(r.PostForm.Get("code"))
	r.PostForm.Del("code")
	p, d, perr := s.securityPageData(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	if err != nil {
		if accord.IsKind(err, accord.Unauthenticated) {
			err = &accord.Error{Kind: accord.Invalid, Field: "code", Msg: s.msgs.text(p.Reader.Locale, "totp.login.wrong")}
		}
		s.failForm(w, r, err, "account_security", p)
		return
	}
	if codes == nil {
		s.done(w, r, "/account/security", flash)
		return
	}
	d.Codes = codes
	p.Flash = flash
	s.render(w, r, http.StatusOK, "account_security", p)
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	s.codeAction(w, r, func(code string) ([]string, error) { return s.Directory.ConfirmTOTP(r.Context(), s.Now(), code) }, "totp.security.enabled")
}

func (s *Server) regenerateCodes(w http.ResponseWriter, r *http.Request) {
	s.codeAction(w, r, func(code string) ([]string, error) {
		return s.Directory.RegenerateRecoveryCodes(r.Context(), s.Now(), code)
	}, "totp.security.regenerated")
}

func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request) {
	s.codeAction(w, r, func(code string) ([]string, error) { return nil, s.Directory.DisableTOTP(r.Context(), s.Now(), code) }, "totp.security.disabled")
}

type adminSecurityData struct {
	Rules   []directory.TOTPRule
	CanEdit bool
}

func (s *Server) adminSecurityPage(r *http.Request) (*page, []directory.TOTPRule, error) {
	rules, err := s.Directory.TOTPPolicy(r.Context())
	if err != nil {
		return nil, nil, err
	}
	rd := readerOf(r.Context())
	return s.newPage(r, "totp.admin.title", adminSecurityData{Rules: rules, CanEdit: rd.Actor.Role == accord.RoleAdmin}), rules, nil
}

func (s *Server) adminSecurity(w http.ResponseWriter, r *http.Request) {
	p, _, err := s.adminSecurityPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_security", p)
}

// saveAdminSecurity stores the rules whose box changed.
func (s *Server) saveAdminSecurity(w http.ResponseWriter, r *http.Request) {
	p, rules, err := s.adminSecurityPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "admin_security", p)
		return
	}
	on := r.PostForm["required"]
	for _, rule := range rules {
		want := slices.Contains(on, rule.Rule)
		if want == rule.Required {
			continue
		}
		if err := s.Directory.SetTOTPPolicy(r.Context(), s.Now(), rule.Rule, want); err != nil {
			s.failForm(w, r, err, "admin_security", p)
			return
		}
	}
	s.done(w, r, "/admin/security", "totp.admin.saved")
}

// adminResetTOTP turns off the two-factor sign-in of a user who lost the
// authenticator and the recovery codes.
func (s *Server) adminResetTOTP(w http.ResponseWriter, r *http.Request) {
	s.adminUserAction(w, r, func(id accord.ID) error {
		return s.Directory.ResetTOTP(r.Context(), s.Now(), id)
	}, "totp.admin.reset")
}
