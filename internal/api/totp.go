package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
)

// Two-factor sign-in (docs/identity.md): the second step of a sign-in, the
// acting user's enrolment, and the vendor's per-role policy.

type totpLoginRequest struct {
	Challenge string `json:"challenge"`
	Code      string `json:"code"`
}

// loginTOTP is the second step of a sign-in: the challenge POST /login
// answered with and a code from the authenticator (or a recovery code).
func (s *Server) loginTOTP(w http.ResponseWriter, r *http.Request) {
	var in totpLoginRequest
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	sess, secret, u, err := s.Directory.LoginTOTP(r.Context(), s.Now(), in.Challenge, in.Code, clientAddress(r), r.UserAgent())
	if err != nil {
		s.writeLoginError(w, r, err)
		return
	}
	s.setSession(w, r, sess, secret)
	writeJSON(w, http.StatusOK, map[string]any{"user": u, "expires_at": sess.ExpiresAt})
}

// enrolPath lists what a session that may only enrol reaches in the API.
func enrolPath(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/api/v1/me/totp") || p == "/api/v1/logout" || (p == "/api/v1/me" && r.Method == http.MethodGet)
}

func (s *Server) myTOTP(w http.ResponseWriter, r *http.Request) {
	st, err := s.Directory.MyTOTP(r.Context())
	s.respond(w, r, http.StatusOK, st, err)
}

func (s *Server) beginTOTP(w http.ResponseWriter, r *http.Request) {
	e, err := s.Directory.BeginTOTP(r.Context(), s.Now())
	s.respond(w, r, http.StatusCreated, e, err)
}

type totpCode struct {
	Code string `json:"code"`
}

type recoveryCodes struct {
	Codes []string `json:"recovery_codes"`
}

// withCode decodes {"code": ...} and calls do with it.
func (s *Server) withCode(w http.ResponseWriter, r *http.Request, do func(code string) error) {
	var in totpCode
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := do(in.Code); err != nil {
		s.writeLoginError(w, r, err)
	}
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	s.withCode(w, r, func(code string) error {
		codes, err := s.Directory.ConfirmTOTP(r.Context(), s.Now(), code)
		if err == nil {
			writeJSON(w, http.StatusOK, recoveryCodes{codes})
		}
		return err
	})
}

func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request) {
	s.withCode(w, r, func(code string) error {
		err := s.Directory.DisableTOTP(r.Context(), s.Now(), code)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

func (s *Server) regenerateRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	s.withCode(w, r, func(code string) error {
		codes, err := s.Directory.RegenerateRecoveryCodes(r.Context(), s.Now(), code)
		if err == nil {
			writeJSON(w, http.StatusOK, recoveryCodes{codes})
		}
		return err
	})
}

func (s *Server) totpPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := s.Directory.TOTPPolicy(r.Context())
	s.respond(w, r, http.StatusOK, map[string]any{"rules": p}, err)
}

type totpRuleUpdate struct {
	Required *bool `json:"required"`
}

func (s *Server) setTOTPPolicy(w http.ResponseWriter, r *http.Request) {
	var in totpRuleUpdate
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Required == nil {
		s.writeError(w, r, accord.FieldError("required", "is required"))
		return
	}
	err := s.Directory.SetTOTPPolicy(r.Context(), s.Now(), r.PathValue("rule"), *in.Required)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.totpPolicy(w, r)
}

// writeLoginError answers a refused sign-in step, with Retry-After when it
// was throttled.
func (s *Server) writeLoginError(w http.ResponseWriter, r *http.Request, err error) {
	if wait, ok := directory.RetryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
	}
	s.writeError(w, r, err)
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, sess directory.Session, secret string) {
	http.SetCookie(w, &http.Cookie{
		Name: directory.SessionCookie, Value: secret, Path: "/", Expires: sess.ExpiresAt, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies || r.TLS != nil,
	})
}

func (s *Server) resetTOTP(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Directory.ResetTOTP(r.Context(), s.Now(), id)
	}
	s.respond(w, r, 0, nil, err)
}
