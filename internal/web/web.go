package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/changes"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/environments"
	"accord/internal/kb"
	"accord/internal/knownissues"
	"accord/internal/lang"
	"accord/internal/macros"
	"accord/internal/oidc"
	"accord/internal/products"
	"accord/internal/raci"
	"accord/internal/reports"
	"accord/internal/siem"
	"accord/internal/signals"
	"accord/internal/sla"
	"accord/internal/views"
	"accord/internal/webhooks"
)

// Deps is what the pages need; cmd/accord wires it.
type Deps struct {
	Directory   *directory.Service
	Audit       *audit.Service
	Policy      *sla.Service
	Contracts   *contracts.Service
	Cases       *cases.Service
	Engagements *engagements.Service
	Reports     *reports.Service
	Views       *views.Service
	Raci        *raci.Service // the responsibility matrices' pages
	// Environments are the managed service (docs/operations.md).
	Environments *environments.Service
	// Changes are change requests on managed environments.
	Changes *changes.Service
	Signals *signals.Service
	Macros  *macros.Service
	// KB is the knowledge base (kb.go).
	KB  *kb.Service
	Log *slog.Logger
	// Now is the clock; tests stand it at any instant.
	Now func() time.Time
	// SecureCookies marks cookies Secure even on plain HTTP, behind a
	// TLS-terminating proxy.
	SecureCookies bool
	// Products are the catalog and customers' installations.
	Products *products.Service

	// KnownIssues are the vendor's known issues (docs/knowledge.md).
	KnownIssues *knownissues.Service

	// SSO signs in through organizations' identity providers; nil: not offered.
	SSO *oidc.Client
	// PublicURL is the server's address as browsers reach it, which
	// identity providers send them back to; empty: the request's host.
	PublicURL string
	// Webhooks are the administrators' subscriptions (webhooks.go).
	Webhooks *webhooks.Service
	// SIEM manages the receivers of security events (siem.go).
	SIEM *siem.Service
}

//go:embed templates static
var files embed.FS

// Server answers the pages. Mount it under the API server (api.Deps.UI),
// which gives it request ids, logs, metrics and cross-origin protection.
type Server struct {
	Deps
	msgs  catalogs
	md    *markdown
	pages map[string]*sync.Pool
	mux   *http.ServeMux
}

// New parses the templates and catalogs and builds the routes.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	msgs, err := loadCatalogs(catalogFiles)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, msgs: msgs, md: newMarkdown(), mux: http.NewServeMux()}
	// The templates are parsed with functions bound to no page; only the
	// pooled clones, bound to theirs, are ever executed.
	parsed, err := parsePages(files, s.funcs(&bound{}))
	if err != nil {
		return nil, err
	}
	s.pages = map[string]*sync.Pool{}
	for name, t := range parsed {
		s.pages[name] = &sync.Pool{New: func() any {
			c, err := t.Clone()
			if err != nil {
				return nil
			}
			b := &bound{t: c}
			c.Funcs(s.funcs(b))
			return b
		}}
	}
	static, _ := fs.Sub(files, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	for _, rt := range s.routes() {
		h := s.textOnly(rt.path, rt.handler)
		if !rt.public {
			h = s.signedIn(h)
		}
		s.mux.Handle(rt.method+" "+rt.path, h)
	}
	s.mux.Handle("/", s.signedIn(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &accord.Error{Kind: accord.NotFound, Msg: "not found"})
	})))
	return s, nil
}

// contentSecurityPolicy allows scripts, styles and images from Accord itself
// only: no inline script or style, no plugins, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	s.mux.ServeHTTP(w, r)
}

// textOnly refuses, before the page reads them, query parameters and the
// path's values that are not text (accord.TextProblem), naming the
// parameter, as the API does.
func (s *Server) textOnly(pattern string, next http.Handler) http.Handler {
	names := accord.Wildcards(pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := checkValues("query", r.URL.Query())
		for _, name := range names {
			if err == nil {
				err = accord.CheckText(name, r.PathValue(name))
			}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// parsePages parses each page file in templates/ with the layout and the
// partials in templates/shared/; a page defines "content".
func parsePages(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	shared, err := fs.Glob(fsys, "templates/shared/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		t, err := template.New(base).Funcs(funcs).ParseFS(fsys, append(slices.Clone(shared), n)...)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// --- the signed-in reader

type ctxKey int

const readerKey ctxKey = iota

// reader is who a page is for: the actor, their user record, and how they
// read (locale and zone).
type reader struct {
	Actor  accord.Actor
	User   directory.User
	Locale string
	Zone   *time.Location
}

func (rd reader) is(roles ...accord.Role) bool {
	for _, r := range roles {
		if rd.Actor.Role == r {
			return true
		}
	}
	return false
}

// vendor reports whether the reader is the vendor's own staff.
func (rd reader) vendor() bool {
	return rd.is(accord.RoleAdmin, accord.RoleAgent, accord.RoleAuditor)
}

// agent reports whether the reader works cases (vendor or partner agent).
func (rd reader) agent() bool {
	return rd.is(accord.RoleAdmin, accord.RoleAgent, accord.RolePartnerAgent)
}

func withReader(ctx context.Context, rd reader) context.Context {
	return context.WithValue(ctx, readerKey, rd)
}

func readerOf(ctx context.Context) reader {
	rd, _ := ctx.Value(readerKey).(reader)
	if rd.Zone == nil {
		rd.Zone = time.UTC
	}
	if rd.Locale == "" {
		rd.Locale = Locales[0]
	}
	return rd
}

// localeCookie keeps the language chosen on the sign-in page, before anyone
// is signed in.
const localeCookie = "accord_locale"

// anonymousLocale is the locale for someone not signed in: the one they
// chose, else their browser's.
func anonymousLocale(r *http.Request) string {
	if c, err := r.Cookie(localeCookie); err == nil && supported(c.Value) != "" {
		return c.Value
	}
	return negotiate(r.Header.Get("Accept-Language"))
}

// signedIn resolves the session cookie to a reader, or sends the browser
// to the sign-in page and back here afterwards.
func (s *Server) signedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		now := s.Now()
		value := ""
		if c, err := r.Cookie(directory.SessionCookie); err == nil {
			value = c.Value
		}
		a, sess, err := s.Directory.Authenticate(ctx, now, value)
		if err != nil {
			if accord.IsKind(err, accord.Unauthenticated) {
				s.toLogin(w, r)
				return
			}
			s.fail(w, r, err)
			return
		}
		// A session whose user must still enrol an authenticator goes
		// nowhere else.
		if sess.EnrolOnly && !enrolOnly(r.URL.Path) {
			http.Redirect(w, r, "/account/security", http.StatusSeeOther)
			return
		}
		ctx = directory.WithSession(ctx, sess)
		a.RequestID = accord.RequestID(ctx)
		ctx = accord.WithActor(ctx, a)
		u, err := s.Directory.Me(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rd := reader{Actor: a, User: u, Locale: supported(u.Locale), Zone: time.UTC}
		if rd.Locale == "" {
			rd.Locale = negotiate(r.Header.Get("Accept-Language"))
		}
		if z, err := time.LoadLocation(u.TimeZone); err == nil && u.TimeZone != "" {
			rd.Zone = z
		}
		next.ServeHTTP(w, r.WithContext(withReader(ctx, rd)))
	})
}

func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath returns next, cleaned as http.Redirect cleans it, if it is a
// path on this site as browsers read it; else "/": the sign-in page must
// not forward anyone elsewhere. Browsers read a backslash as a slash and
// drop tabs and line breaks, so "/\evil.example" and "/<tab>/evil.example"
// lead to another host: any backslash or control character is refused,
// and what cleaning leaves must not start with "//".
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') ||
		!utf8.ValidString(next) || strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "/"
	}
	p, query, hasQuery := strings.Cut(next, "?")
	cleaned := path.Clean(p)
	if strings.HasSuffix(p, "/") && cleaned != "/" {
		cleaned += "/"
	}
	if hasQuery {
		cleaned += "?" + query
	}
	u, err := url.Parse(cleaned)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(cleaned, "//") {
		return "/"
	}
	return cleaned
}

// --- rendering

// page is what every template gets: the reader, the form being shown again
// after a failure, and the page's own data.
type page struct {
	Title  string // message key of the page's title
	Reader reader
	Path   string
	Query  url.Values
	Flash  string // message key of a notice from the previous request
	// Form holds what was submitted, shown again after a failure; Errors
	// names each field's problem, and Error is a failure of the whole form.
	Form   url.Values
	Errors map[string]string
	Error  string
	Now    time.Time
	Data   any
	// Notices are the current notices to the reader's customer, shown
	// above every page of a customer's contact until they end.
	Notices []environments.Notice
	// KnownIssues are the open known issues affecting the reader's
	// customer, shown like Notices until they are fixed.
	KnownIssues []knownissues.KnownIssue
	// Unread counts the agent's unread notifications, for the bell; -1
	// when the page shows no bell.
	Unread int
	// Shortcuts: the reader is an agent whose keyboard shortcuts are on;
	// the layout then lists them and console.js answers them.
	Shortcuts bool
}

// Value is a submitted field shown again, or def when the form is fresh.
func (p *page) Value(field, def string) string {
	if p.Form != nil {
		if _, ok := p.Form[field]; ok {
			return p.Form.Get(field)
		}
	}
	return def
}

// Err is the problem with a field of the form shown again, if any.
func (p *page) Err(field string) string { return p.Errors[field] }

// ID is the id of a page form's field, which the problem list links to.
func (p *page) ID(field string) string { return "f-" + field }

// Me is the signed-in user's record.
func (p *page) Me() directory.User { return p.Reader.User }

// ZoneAbbr is the reader's zone as clocks show it now ("EST", "-03").
func (p *page) ZoneAbbr() string { return p.Now.In(p.Reader.Zone).Format("MST") }

// Role is the signed-in actor's role.
func (p *page) Role() accord.Role { return p.Reader.Actor.Role }

// Vendor, Agent and Customer tell templates which face of Accord to show.
func (p *page) Vendor() bool   { return p.Reader.vendor() }
func (p *page) Agent() bool    { return p.Reader.agent() }
func (p *page) Customer() bool { return p.Reader.is(accord.RoleCustomerContact) }
func (p *page) Partner() bool  { return p.Reader.is(accord.RolePartnerAgent) }
func (p *page) Admin() bool    { return p.Reader.is(accord.RoleAdmin) }

// newPage starts the data of a page titled by the message key title.
func (s *Server) newPage(r *http.Request, title string, data any) *page {
	p := &page{Title: title, Reader: readerOf(r.Context()), Path: r.URL.Path, Query: r.URL.Query(), Now: s.Now(), Data: data,
		Notices: s.currentNotices(r), KnownIssues: s.openKnownIssues(r)}
	if p.Reader.Actor.UserID == "" {
		p.Reader.Locale = anonymousLocale(r)
	}
	if c, err := r.Cookie(flashCookie); err == nil && s.msgs.has(Locales[0], c.Value) {
		p.Flash = c.Value
	}
	p.Unread = -1
	if p.Reader.agent() && s.Signals != nil {
		// The bell is a convenience: a page still shows when it cannot count.
		if n, err := s.Signals.Unread(r.Context(), p.Now); err == nil {
			p.Unread = n
		}
	}
	// A preference that cannot be read leaves the shortcuts off: the
	// page itself does not depend on them.
	if pref, err := s.preferences(r); err == nil {
		p.Shortcuts = pref.Shortcuts
	}
	return p
}

// bound is a clone of a parsed page whose functions read the page being
// rendered from p. A clone is used by one request at a time (it comes from
// a pool), so readers never share a locale or a zone, and the templates are
// escaped once per clone instead of once per request.
type bound struct {
	t *template.Template
	p *page
}

func (s *Server) funcs(b *bound) template.FuncMap {
	clock := func() clock { return clock{zone: b.p.Reader.Zone, msgs: s.msgs, loc: b.p.Reader.Locale} }
	return template.FuncMap{
		"t": func(key string, args ...any) string { return s.msgs.text(b.p.Reader.Locale, key, args...) },
		// tx is a text of the policy or the catalog in the reader's language.
		"tx":   func(t lang.Text) string { return t.In(b.p.Reader.Locale) },
		"when": func(t any) string { return clock().when(t) },
		"date": func(t any) string { return clock().date(t) },
		// day is a calendar day kept as YYYY-MM-DD (a contract's term), in
		// the reader's layout; no zone applies to it.
		"day": func(d string) string {
			t, err := time.Parse(time.DateOnly, d)
			if err != nil {
				return d
			}
			return t.Format(s.msgs.text(b.p.Reader.Locale, "format.date"))
		},
		"localInput": func(t any) string { return clock().inputValue(t) },
		"dur":        func(d time.Duration) string { return clock().duration(d) },
		"md":         s.md.render,
		// label is the message prefix+value when the catalogs have one,
		// else value itself: codes Accord writes are translated, text
		// people wrote is shown as written.
		"label": func(prefix, value string) string {
			if s.msgs.has(Locales[0], prefix+value) {
				return s.msgs.text(b.p.Reader.Locale, prefix+value)
			}
			return value
		},
		// until is the time left from the page's instant to t; negative when past.
		"until": func(t any) time.Duration {
			at, ok := instant(t)
			if !ok {
				return 0
			}
			return at.Sub(b.p.Now)
		},
		"iso": func(t any) string {
			at, ok := instant(t)
			if !ok {
				return ""
			}
			return at.UTC().Format(time.RFC3339)
		},
		// eq2 compares values of different string types (a State and a string).
		"eq2":  func(x, y any) bool { return fmt.Sprint(x) == fmt.Sprint(y) },
		"join": strings.Join,
		// caseFile pairs a file with its case for the "case_file" part.
		"caseFile": func(caseID accord.ID, f cases.File) caseFileRef { return caseFileRef{Case: caseID, File: f} },
		// scores are a rating's choices, best first.
		"scores": func() []int { return []int{5, 4, 3, 2, 1} },
		"kbHref": kbHref,
	}
}

// render writes page name with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	pool, ok := s.pages[name]
	if !ok {
		s.Log.ErrorContext(r.Context(), "no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	b, ok := pool.Get().(*bound)
	if !ok {
		s.Log.ErrorContext(r.Context(), "render", "page", name, "err", "cannot clone the template")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	b.p = p
	var buf bytes.Buffer
	err := b.t.ExecuteTemplate(&buf, "layout", p)
	b.p = nil
	pool.Put(b)
	if err != nil {
		s.Log.ErrorContext(r.Context(), "render", "page", name, "err", err, "request_id", accord.RequestID(r.Context()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if p.Flash != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// flashCookie carries the message key of a notice ("Reply sent") across the
// redirect that follows a successful form.
const flashCookie = "accord_flash"

// done answers a successful form: back to target (Post/Redirect/Get), with
// the notice flash shown there.
func (s *Server) done(w http.ResponseWriter, r *http.Request, target, flash string) {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: flash, Path: "/", MaxAge: 60, HttpOnly: true,
			SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies || r.TLS != nil})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// fail answers an error that is not a form's field problem: an error page
// with the status its kind maps to; a lapsed session goes to sign-in.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	kind := accord.KindOf(err)
	if kind == accord.Unauthenticated {
		s.toLogin(w, r)
		return
	}
	if kind == accord.Internal {
		s.Log.ErrorContext(r.Context(), "internal error", "err", err, "request_id", accord.RequestID(r.Context()), "route", r.Pattern)
	}
	p := s.newPage(r, "error.title."+string(kind), nil)
	if kind != accord.Internal && kind != accord.NotFound {
		pub := accord.Public(err)
		p.Error = pub.Msg
		if pub.Field != "" {
			p.Error = pub.Field + ": " + pub.Msg
		}
	}
	s.render(w, r, kind.Status(), "error", p)
}

// failForm shows a form again after err: field problems next to their
// fields and what was typed kept (422); refusals of the whole form (a state
// that does not allow it, a role that may not) above it with the status of
// their kind. Only a missing record or an internal error leaves the form.
func (s *Server) failForm(w http.ResponseWriter, r *http.Request, err error, name string, p *page) {
	kind := accord.KindOf(err)
	if kind == accord.Internal || kind == accord.NotFound || kind == accord.Unauthenticated {
		s.fail(w, r, err)
		return
	}
	pub := accord.Public(err)
	p.Form = r.PostForm
	p.Errors = map[string]string{}
	for _, pr := range pub.Problems {
		p.Errors[pr.Field] = pr.Msg
	}
	if pub.Field != "" && p.Errors[pub.Field] == "" {
		p.Errors[pub.Field] = pub.Msg
	}
	status := kind.Status()
	if len(p.Errors) == 0 {
		p.Error = pub.Msg
	} else {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, name, p)
}

// nextPage is the link to the page of a list after cursor, keeping the
// filters of query; "" when there is none.
func nextPage(path string, query url.Values, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := maps.Clone(query)
	if q == nil {
		q = url.Values{}
	}
	q.Set("cursor", cursor)
	return path + "?" + q.Encode()
}

// maxForm bounds a form without files; forms with files are bounded by the
// file limit of the service they go to.
const maxForm = 1 << 20

// parseForm reads a urlencoded or multipart form into r.PostForm, keeping
// a file of up to maxFile bytes in memory, and refuses a field or a file
// name that is not text (accord.TextProblem), naming it. It is where
// every form passes, so that no page reads such text.
func parseForm(w http.ResponseWriter, r *http.Request, maxFile int64) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, maxFile+maxForm)
		err = r.ParseMultipartForm(maxFile + maxForm)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) && maxFile > 0:
		// The body may hold maxForm more for the other fields; the limit
		// people meet is the file's.
		return accord.FieldError("file", "is larger than %s", byteSize(maxFile))
	case errors.As(err, &tooBig):
		return accord.Errorf(accord.Invalid, "the form is larger than %s", byteSize(maxForm))
	case err != nil:
		return formError(err)
	}
	return checkForm(r)
}

// checkForm is the Invalid error naming the first field of the parsed
// form whose name, value or file name is not text, or nil.
func checkForm(r *http.Request) error {
	if err := checkValues("form", r.PostForm); err != nil {
		return err
	}
	if r.MultipartForm == nil {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(r.MultipartForm.File)) {
		for _, fh := range r.MultipartForm.File[name] {
			if p := accord.TextProblem(fh.Filename); p != "" {
				return accord.FieldError(name, "its file name %s", p)
			}
		}
	}
	return nil
}

// checkValues is the Invalid error naming the first of vs whose name or
// value is not text, or nil; a bad name is blamed on what, the form or the
// query.
func checkValues(what string, vs url.Values) error {
	for _, name := range slices.Sorted(maps.Keys(vs)) {
		if p := accord.TextProblem(name); p != "" {
			return accord.FieldError(what, "a field name %s", p)
		}
		for _, v := range vs[name] {
			if err := accord.CheckText(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// byteSize is a size limit for people: "20 MiB", "256 KiB".
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// formError is a form, or a file in it, that could not be read.
func formError(err error) error {
	return &accord.Error{Kind: accord.Invalid, Op: "web.form", Msg: "the form could not be read", Err: err}
}
