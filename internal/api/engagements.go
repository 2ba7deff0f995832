package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/engagements"
)

// --- the catalog

// catalogBody is a catalog version with the catalog it parses to.
type catalogBody struct {
	engagements.Version
	Catalog *engagements.Catalog `json:"catalog"`
}

func catalogVersionNumber(r *http.Request) (int, error) {
	n, err := versionNumber(r)
	if err != nil {
		return 0, &accord.Error{Kind: accord.NotFound, Msg: "catalog version not found"}
	}
	return n, nil
}

// getCatalog answers the current catalog, without its YAML document.
func (s *Server) getCatalog(w http.ResponseWriter, r *http.Request) {
	v, c, err := s.Engagements.CurrentCatalog(r.Context())
	v.Document = ""
	if err == nil {
		c = c.In(readerLocale(r))
	}
	s.respond(w, r, http.StatusOK, catalogBody{Version: v, Catalog: c}, err)
}

func (s *Server) listCatalogVersions(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, next, err := s.Engagements.CatalogVersions(r.Context(), p)
	s.respond(w, r, http.StatusOK, list(vs, next), err)
}

// getCatalogVersion answers a version with its document, like a policy
// version.
func (s *Server) getCatalogVersion(w http.ResponseWriter, r *http.Request) {
	n, err := catalogVersionNumber(r)
	var body catalogBody
	if err == nil {
		body.Version, body.Catalog, err = s.Engagements.CatalogVersion(r.Context(), n)
	}
	if err == nil {
		body.Catalog = body.Catalog.In(readerLocale(r))
	}
	s.respond(w, r, http.StatusOK, body, err)
}

type catalogImport struct {
	Document string `json:"document"`
	Note     string `json:"note"`
}

// importCatalog takes the document as the raw body with a YAML content
// type, or as JSON {"document": "...", "note": "..."}, like a policy
// import; ?note= says why, for either form.
func (s *Server) importCatalog(w http.ResponseWriter, r *http.Request) {
	in := catalogImport{Note: r.URL.Query().Get("note")}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/yaml", "application/x-yaml", "text/yaml":
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, engagements.MaxDocument))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.writeError(w, r, accord.FieldError("body", "must be at most %d bytes", engagements.MaxDocument))
			return
		}
		if err != nil {
			s.writeError(w, r, accord.FieldError("body", "could not be read: %v", err))
			return
		}
		in.Document = string(b)
	default:
		note := in.Note
		if err := decode(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		if in.Note == "" {
			in.Note = note
		}
	}
	v, err := s.Engagements.ImportCatalog(r.Context(), s.Now(), in.Document, in.Note)
	v.Document = "" // the client just sent it
	s.respond(w, r, http.StatusCreated, v, err)
}

// --- engagements

// engagementFilter reads the list's query parameters; a value it cannot
// read is refused naming the parameter.
func engagementFilter(r *http.Request) (engagements.Filter, error) {
	q := r.URL.Query()
	f := engagements.Filter{State: engagements.State(q.Get("state")), Service: strings.TrimSpace(q.Get("service"))}
	for _, p := range []struct {
		name string
		dst  *accord.ID
	}{{"org_id", &f.OrgID}, {"reseller_id", &f.ResellerID}, {"engineer_id", &f.EngineerID}} {
		id, err := queryID(r, p.name)
		if err != nil {
			return f, err
		}
		if id != nil {
			*p.dst = *id
		}
	}
	return f, nil
}

func (s *Server) listEngagements(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	var f engagements.Filter
	if err == nil {
		f, err = engagementFilter(r)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Engagements.List(r.Context(), s.Now(), f, p)
	for i := range l {
		l[i] = s.Engagements.Localize(r.Context(), l[i], readerLocale(r))
	}
	s.respond(w, r, http.StatusOK, list(l, next), err)
}

func (s *Server) requestEngagement(w http.ResponseWriter, r *http.Request) {
	var in engagements.RequestInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.Engagements.Request(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, e, err)
}

func (s *Server) getEngagement(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var e engagements.Engagement
	if err == nil {
		e, err = s.Engagements.Get(r.Context(), s.Now(), id)
	}
	if err == nil {
		e = s.Engagements.Localize(r.Context(), e, readerLocale(r))
	}
	s.respond(w, r, http.StatusOK, e, err)
}

// engagementChange answers a write to the engagement in the path: it
// decodes the body into in (an empty body too when optional), calls do,
// and answers 200 with the engagement.
func engagementChange[T any](s *Server, optional bool, do func(ctx context.Context, now time.Time, id accord.ID, in T) (engagements.Engagement, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := s.Now()
		id, err := pathID(r, "id")
		var in T
		if err == nil {
			if optional {
				err = decodeOptional(w, r, &in)
			} else {
				err = decode(w, r, &in)
			}
		}
		var e engagements.Engagement
		if err == nil {
			e, err = do(r.Context(), now, id, in)
		}
		s.respond(w, r, http.StatusOK, e, err)
	}
}

// noBody is the body of an action that takes none: nothing, or {}.
type noBody struct{}

func (s *Server) quoteEngagement(w http.ResponseWriter, r *http.Request) {
	engagementChange(s, false, s.Engagements.Quote)(w, r)
}

func (s *Server) acceptEngagement(w http.ResponseWriter, r *http.Request) {
	engagementChange(s, true, func(ctx context.Context, now time.Time, id accord.ID, _ noBody) (engagements.Engagement, error) {
		return s.Engagements.Accept(ctx, now, id)
	})(w, r)
}

func (s *Server) scheduleEngagement(w http.ResponseWriter, r *http.Request) {
	engagementChange(s, false, s.Engagements.Schedule)(w, r)
}

func (s *Server) startEngagement(w http.ResponseWriter, r *http.Request) {
	engagementChange(s, true, func(ctx context.Context, now time.Time, id accord.ID, _ noBody) (engagements.Engagement, error) {
		return s.Engagements.Start(ctx, now, id)
	})(w, r)
}

func (s *Server) completeEngagement(w http.ResponseWriter, r *http.Request) {
	engagementChange(s, true, func(ctx context.Context, now time.Time, id accord.ID, _ noBody) (engagements.Engagement, error) {
		return s.Engagements.Complete(ctx, now, id)
	})(w, r)
}

func (s *Server) signOffEngagement(w http.ResponseWriter, r *http.Request) {
	engagementChange(s, true, s.Engagements.SignOff)(w, r)
}

func (s *Server) cancelEngagement(w http.ResponseWriter, r *http.Request) {
	engagementChange(s, false, s.Engagements.Cancel)(w, r)
}

func (s *Server) recordOutcome(w http.ResponseWriter, r *http.Request) {
	engagementChange(s, false, s.Engagements.RecordOutcome)(w, r)
}

// maxStepNote bounds a step's note as the API reads it from a form: the
// service allows 4,000 characters, up to 4 bytes each.
const maxStepNote = 16 << 10

type stepNote struct {
	Note string `json:"note"`
}

// completeStep takes JSON {"note": "..."}, or multipart/form-data with a
// "note" field and an optional evidence file in the part "file".
func (s *Server) completeStep(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	id, err := pathID(r, "id")
	position, perr := strconv.Atoi(r.PathValue("position"))
	if err == nil && (perr != nil || position < 1) {
		err = &accord.Error{Kind: accord.NotFound, Field: "step", Msg: "no such step"}
	}
	var in engagements.StepInput
	if err == nil {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "multipart/form-data" {
			var fm form
			fm, err = readForm(w, r, map[string]int64{"note": maxStepNote})
			in.Note = fm.Values["note"]
			if fm.File != nil {
				in.File = &engagements.NewFile{Name: fm.File.Name, Content: fm.File.Content}
			}
		} else {
			var body stepNote
			err = decodeOptional(w, r, &body)
			in.Note = body.Note
		}
	}
	var e engagements.Engagement
	if err == nil {
		e, err = s.Engagements.CompleteStep(r.Context(), now, id, position, in)
	}
	s.respond(w, r, http.StatusOK, e, err)
}

func (s *Server) downloadEvidence(w http.ResponseWriter, r *http.Request) {
	id, fileID, err := filePath(r)
	var f engagements.File
	var content []byte
	if err == nil {
		f, content, err = s.Engagements.File(r.Context(), s.Now(), id, fileID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serveFile(w, f.Name, f.ContentType, content)
}

// --- the outcome report

func (s *Server) engagementReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var rep engagements.Report
	if err == nil {
		rep, err = s.Engagements.Report(r.Context(), s.Now(), id, readerLocale(r))
	}
	s.respond(w, r, http.StatusOK, rep, err)
}

// reportPolicy lets the report page use its own inline style sheet and
// nothing else: no scripts, images, fonts, frames or form posts.
const reportPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// engagementReportHTML answers the report as a page made for printing to
// PDF. It is rendered in full before the answer starts, so that an error
// still gets its status.
func (s *Server) engagementReportHTML(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var rep engagements.Report
	if err == nil {
		rep, err = s.Engagements.Report(r.Context(), s.Now(), id, readerLocale(r))
	}
	var page bytes.Buffer
	if err == nil {
		err = rep.WriteHTML(&page)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", reportPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(page.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(page.Bytes())
}

// --- calendar feeds

type feedBody struct {
	URL       string    `json:"url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// getCalendarFeed says whether the caller has a feed, and since when; its
// URL was shown once, when it was made.
func (s *Server) getCalendarFeed(w http.ResponseWriter, r *http.Request) {
	f, err := s.Engagements.Feed(r.Context())
	s.respond(w, r, http.StatusOK, feedBody{CreatedAt: f.CreatedAt}, err)
}

// rotateCalendarFeed makes a new secret feed URL; the old one stops
// working. The URL is shown only in this answer.
func (s *Server) rotateCalendarFeed(w http.ResponseWriter, r *http.Request) {
	f, secret, err := s.Engagements.RotateFeed(r.Context(), s.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, feedBody{URL: s.baseURL(r) + "/feeds/" + secret + ".ics", CreatedAt: f.CreatedAt})
}

// baseURL is the configured public address, or else the one the request
// came to.
func (s *Server) baseURL(r *http.Request) string {
	if s.BaseURL != "" {
		return strings.TrimRight(s.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || s.SecureCookies {
		scheme = "https" // SecureCookies: behind a TLS-terminating proxy
	}
	return scheme + "://" + r.Host
}

// calendarFeed serves a feed to a calendar application, which signs in
// with nothing but the secret in the URL.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) {
	secret, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		s.writeError(w, r, &accord.Error{Kind: accord.NotFound, Msg: "no such calendar feed"})
		return
	}
	var cal bytes.Buffer
	if err := s.Engagements.Calendar(r.Context(), s.Now(), secret, &cal); err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Length", strconv.Itoa(cal.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(cal.Bytes())
}
