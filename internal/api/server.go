package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

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
	"accord/internal/macros"
	"accord/internal/metrics"
	"accord/internal/notify"
	"accord/internal/products"
	"accord/internal/raci"
	"accord/internal/siem"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/views"
	"accord/internal/webhooks"
)

// Deps is what the server needs; cmd/accord wires it.
type Deps struct {
	DB        *store.DB
	Directory *directory.Service
	Audit     *audit.Service
	Policy    *sla.Service
	Contracts *contracts.Service
	Cases     *cases.Service
	// Engagements are professional services: the catalog, bookings and
	// calendar feeds.
	Engagements *engagements.Service
	// Environments are the managed service: environments, snapshots,
	// operations alerts and notices to customers.
	Environments *environments.Service
	// Changes are change requests on managed environments and their
	// maintenance windows.
	Changes *changes.Service
	Notify  *notify.Service
	Raci    *raci.Service // responsibility matrices
	// Macros are the agents' canned replies.
	Macros *macros.Service
	// Views keeps users' console preferences (keyboard shortcuts).
	Views *views.Service
	Log   *slog.Logger
	// Now is the clock; tests stand it at any instant.
	Now func() time.Time
	// SecureCookies marks session cookies Secure even on plain HTTP, for
	// deployments behind a TLS-terminating proxy.
	SecureCookies bool
	// BaseURL is the public address of this Accord (https://accord.example)
	// that calendar feed URLs are given under; empty, each request's own
	// scheme and host.
	BaseURL string
	// UI answers every path the API does not: the web pages. It gets the
	// same request ids, logs, metrics and cross-origin protection.
	UI http.Handler
	// TrustRequestID takes X-Request-Id from the request, for deployments
	// whose proxy sets it; otherwise every id is made here, so that a client
	// cannot choose what the audit trail records.
	TrustRequestID bool
	// TrustedProxies are the addresses of the reverse proxies in front of
	// Accord, whose X-Forwarded-For names the client; without them the
	// client is the connection's peer and the header is ignored.
	TrustedProxies []netip.Prefix
	// Metrics counts requests and serves GET /metrics; nil, the server
	// makes its own over DB.
	Metrics *metrics.Metrics
	// MetricsToken, when set, is the bearer token GET /metrics asks for.
	MetricsToken string
	// NoMetrics leaves GET /metrics out of this server (it answers 404):
	// they are served on their own address, or not at all.
	NoMetrics bool

	// KnownIssues are the vendor's known issues and their notices.
	KnownIssues *knownissues.Service
	// Products are the vendor's catalog and customers' installations.
	Products *products.Service
	// KB is the knowledge base: articles and their search.
	KB *kb.Service
	// Webhooks are subscriptions of endpoints to events and their
	// deliveries.
	Webhooks *webhooks.Service
	// SIEM manages the receivers of security events.
	SIEM *siem.Service
}

// Server is the HTTP face of Accord.
type Server struct {
	Deps
	log     *slog.Logger
	handler http.Handler
}

// New builds the server and its routes.
func New(d Deps) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Metrics == nil {
		d.Metrics = metrics.New(d.DB, metrics.Config{Log: d.Log})
	}
	s := &Server{Deps: d, log: d.Log}

	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		h := s.textOnly(rt.path, rt.handler)
		if !rt.public {
			h = s.authenticated(h)
		}
		mux.Handle(rt.method+" "+rt.path, h)
	}
	if d.NoMetrics {
		// Answered here, not by the UI, which would send a browser to sign in.
		mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
			s.writeError(w, r, &accord.Error{Kind: accord.NotFound, Msg: "metrics are not served on this address"})
		})
	} else {
		mux.Handle("GET /metrics", d.Metrics.Handler(d.MetricsToken))
	}
	if d.UI != nil {
		mux.Handle("/", d.UI)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &accord.Error{Kind: accord.NotFound, Msg: "no such endpoint: " + r.Method + " " + r.URL.Path})
	})
	// Browsers' cross-site form posts are refused; API clients that send no
	// Origin or Sec-Fetch-Site (curl, scripts with tokens) pass.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &accord.Error{Kind: accord.Forbidden, Msg: "cross-origin request refused"})
	}))
	s.handler = s.withClient(s.withRequestID(s.observe(s.recoverPanics(cop.Handler(mux)))))
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// withRequestID gives every request an id, echoed in the response and
// recorded in audit events; a sane X-Request-Id is used only when the
// operator trusts the proxy that sets it.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := ""
		if s.TrustRequestID {
			id = r.Header.Get("X-Request-Id")
		}
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(accord.WithRequestID(r.Context(), id)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs each request and counts it by route pattern and status. The
// mux records the matched pattern on the request it is given, which is this
// one, so it can be read after the handler ran.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		path := r.URL.Path
		switch {
		case route == "GET /feeds/{file}":
			path = "/feeds/(secret).ics" // the secret is the feed's credential: never logged
		case strings.HasPrefix(path, "/reset/"), strings.HasPrefix(path, "/invite/"):
			path = path[:strings.Index(path[1:], "/")+2] + "(secret)" // the pages of mailed links
		}
		elapsed := time.Since(start)
		s.Metrics.HTTP(route, sw.status, elapsed)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", path),
			slog.String("route", route), slog.Int("status", sw.status), slog.Duration("elapsed", elapsed),
			slog.String("request_id", accord.RequestID(r.Context())))
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "value", v, "request_id", accord.RequestID(r.Context()))
				s.writeError(w, r, &accord.Error{Kind: accord.Internal, Msg: "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// textOnly refuses, before the handler reads them, query parameters and
// the path's values that are not text (accord.TextProblem), naming the
// parameter: every handler then reads only text the engines store alike.
func (s *Server) textOnly(pattern string, next http.Handler) http.Handler {
	names := accord.Wildcards(pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := checkQuery(r.URL.Query())
		for _, name := range names {
			if err == nil {
				err = accord.CheckText(name, r.PathValue(name))
			}
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkQuery is the Invalid error naming the first parameter of q whose
// name or value is not text, or nil.
func checkQuery(q url.Values) error {
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if p := accord.TextProblem(name); p != "" {
			return accord.FieldError("query", "a parameter name %s", p)
		}
		for _, v := range q[name] {
			if err := accord.CheckText(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

type sessionKey struct{}

// authenticated resolves the caller from a bearer token or the session
// cookie and puts the actor in the context; without one, 401.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		now := s.Now()
		var a accord.Actor
		var err error
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.writeError(w, r, &accord.Error{Kind: accord.Unauthenticated, Field: "Authorization", Msg: "must be 'Bearer <token>'"})
				return
			}
			a, err = s.Directory.AuthenticateToken(ctx, now, strings.TrimSpace(tok))
		} else {
			c, _ := r.Cookie(directory.SessionCookie)
			var sess directory.Session
			value := ""
			if c != nil {
				value = c.Value
			}
			a, sess, err = s.Directory.Authenticate(ctx, now, value)
			ctx = directory.WithSession(context.WithValue(ctx, sessionKey{}, sess.ID), sess)
			if err == nil && sess.EnrolOnly && !enrolPath(r) {
				err = s.Directory.EnrolmentRefusal(ctx, directory.User{ID: a.UserID, Role: a.Role, CustomerAdmin: a.CustomerAdmin})
			}
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		a.RequestID = accord.RequestID(ctx)
		next.ServeHTTP(w, r.WithContext(accord.WithActor(ctx, a)))
	})
}
