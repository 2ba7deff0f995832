package web

import (
	"net/http"
	"net/url"
	"strings"

	"accord/internal/accord"
	"accord/internal/directory"
)

// ssoCookie binds a single sign-on under way to the browser that began it:
// the callback must bring back the value whose hash the state row keeps.
const ssoCookie = "accord_sso"

// ssoRoutes are the sign-in through an organization's identity provider
// and the page where its administrators configure it.
func (s *Server) ssoRoutes() []route {
	return []route{
		{"GET", "/sso", s.ssoPage, true},
		{"GET", "/sso/start", s.ssoStart, true},
		{"POST", "/sso/start", s.ssoStart, true},
		{"GET", "/sso/callback", s.ssoCallback, true},
		{"GET", "/admin/organizations/{id}/sso", s.ssoAdminPage, false},
		{"POST", "/admin/organizations/{id}/sso", s.ssoAdminSave, false},
		{"POST", "/admin/organizations/{id}/sso/verify", s.ssoAdminVerify, false},
	}
}

type ssoData struct {
	Next string
}

func (s *Server) ssoPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "sso", s.newPage(r, "sso.title", ssoData{Next: localPath(r.URL.Query().Get("next"))}))
}

// ssoRefusal shows the sign-in page again with why single sign-on failed.
func (s *Server) ssoRefusal(w http.ResponseWriter, r *http.Request, err error) {
	if accord.KindOf(err) == accord.Internal {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "sso.title", ssoData{Next: "/"})
	p.Error = accord.Public(err).Msg
	status := http.StatusUnauthorized
	if accord.KindOf(err) == accord.TooManyRequests {
		status = http.StatusTooManyRequests
	}
	s.render(w, r, status, "sso", p)
}

// ssoRedirect is where providers send the browser back: the configured
// public address, else this server as the browser reached it.
func (s *Server) ssoRedirect(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/") + "/sso/callback"
	}
	scheme := "http"
	if s.SecureCookies || r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/sso/callback"
}

// ssoStart matches the e-mail's domain to a verified provider and sends
// the browser there.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	email, next := r.URL.Query().Get("email"), r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		if err := parseForm(w, r, 0); err != nil {
			s.ssoRefusal(w, r, err)
			return
		}
		email, next = r.PostForm.Get("email"), r.PostForm.Get("next")
	}
	if s.SSO == nil {
		s.ssoRefusal(w, r, accord.Errorf(accord.NotFound, "single sign-on is not available on this server"))
		return
	}
	st, err := s.Directory.StartSSO(r.Context(), s.Now(), email, localPath(next))
	if err != nil {
		s.ssoRefusal(w, r, err)
		return
	}
	target, err := s.SSO.AuthURL(r.Context(), st, s.ssoRedirect(r), email)
	if err != nil {
		s.Log.WarnContext(r.Context(), "sso discovery failed", "err", err, "issuer", st.Provider.Issuer)
		s.ssoRefusal(w, r, accord.Errorf(accord.Unprocessable, "your organization's identity provider does not answer; try again later"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: st.Browser, Path: "/sso", MaxAge: int(directory.SSOLife.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies || r.TLS != nil})
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// ssoCallback finishes a sign-in: the state once, the code exchanged, the
// ID token verified, then the directory's rules on who signs in.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	ctx, now, q, addr := r.Context(), s.Now(), r.URL.Query(), clientAddress(r)
	browser := ""
	if c, err := r.Cookie(ssoCookie); err == nil {
		browser = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: "/sso", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	cb, err := s.Directory.BeginCallback(ctx, now, q.Get("state"), browser, addr)
	if err != nil {
		s.ssoRefusal(w, r, err)
		return
	}
	if e := q.Get("error"); e != "" {
		s.ssoRefusal(w, r, s.Directory.FailCallback(ctx, now, addr, accord.Errorf(accord.Unauthenticated, "the provider answered %q", e)))
		return
	}
	if s.SSO == nil {
		s.ssoRefusal(w, r, accord.Errorf(accord.NotFound, "single sign-on is not available on this server"))
		return
	}
	id, err := s.SSO.Exchange(ctx, cb, s.ssoRedirect(r), q.Get("code"))
	if err != nil {
		s.Log.WarnContext(ctx, "sso callback refused", "err", err, "issuer", cb.Provider.Issuer)
		s.ssoRefusal(w, r, s.Directory.FailCallback(ctx, now, addr, err))
		return
	}
	if c, err := r.Cookie(directory.SessionCookie); err == nil {
		if a, old, err := s.Directory.Authenticate(ctx, now, c.Value); err == nil {
			_ = s.Directory.Logout(accord.WithActor(ctx, a), now, old.ID)
		}
	}
	sess, secret, _, err := s.Directory.FinishSSO(ctx, now, cb, id, addr, r.UserAgent())
	if err != nil {
		s.ssoRefusal(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: directory.SessionCookie, Value: secret, Path: "/", Expires: sess.ExpiresAt, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies || r.TLS != nil,
	})
	http.Redirect(w, r, localPath(cb.State.Next), http.StatusSeeOther)
}

type ssoAdminData struct {
	Org      directory.Organization
	Provider directory.IdentityProvider
	Exists   bool
	Admin    bool // a vendor administrator, who verifies domains
}

func (s *Server) ssoAdminData(r *http.Request) (ssoAdminData, error) {
	ctx, now := r.Context(), s.Now()
	org, err := s.Directory.GetOrganization(ctx, now, accord.ID(r.PathValue("id")))
	if err != nil {
		return ssoAdminData{}, err
	}
	d := ssoAdminData{Org: org, Admin: readerOf(ctx).is(accord.RoleAdmin)}
	p, err := s.Directory.GetIdentityProvider(ctx, now, org.ID)
	if err != nil && !accord.IsKind(err, accord.NotFound) {
		return d, err
	}
	d.Provider, d.Exists = p, err == nil
	return d, nil
}

func (s *Server) ssoAdminPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.ssoAdminData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "sso_admin", s.newPage(r, "sso.admin_title", d))
}

func (s *Server) ssoAdminSave(w http.ResponseWriter, r *http.Request) {
	d, err := s.ssoAdminData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "sso.admin_title", d)
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "sso_admin", p)
		return
	}
	f := r.PostForm
	in := directory.ProviderInput{Issuer: f.Get("issuer"), ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"),
		Scopes: strings.Fields(f.Get("scopes")), Domains: strings.Fields(strings.ReplaceAll(f.Get("domains"), ",", " ")),
		RequireSSO: f.Get("require_sso") == "on"}
	if _, err := s.Directory.PutIdentityProvider(r.Context(), s.Now(), d.Org.ID, in); err != nil {
		f.Del("client_secret")
		s.failForm(w, r, err, "sso_admin", p)
		return
	}
	s.done(w, r, "/admin/organizations/"+url.PathEscape(string(d.Org.ID))+"/sso", "sso.saved")
}

func (s *Server) ssoAdminVerify(w http.ResponseWriter, r *http.Request) {
	d, err := s.ssoAdminData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "sso.admin_title", d)
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "sso_admin", p)
		return
	}
	if _, err := s.Directory.VerifyDomain(r.Context(), s.Now(), d.Org.ID, r.PostForm.Get("domain")); err != nil {
		s.failForm(w, r, err, "sso_admin", p)
		return
	}
	s.done(w, r, "/admin/organizations/"+url.PathEscape(string(d.Org.ID))+"/sso", "sso.verified")
}
