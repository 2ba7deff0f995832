package api

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/reports"
	"accord/internal/store"
)

// reports is the report service over the server's database and services,
// as sheets() is; months are read in the vendor's zone.
func (s *Server) reports() *reports.Service {
	return reports.NewService(store.NewReports(s.DB), s.Policy, s.Directory, reports.DefaultConfig())
}

// wantsCSV reads ?format= (json or csv), or else the Accept header: CSV
// when the client accepts text/csv and not JSON before it.
func wantsCSV(r *http.Request) (bool, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		return false, accord.FieldError("format", "must be json or csv")
	}
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		switch {
		case err != nil:
		case mt == csvType:
			return true, nil
		case mt == "application/json", mt == "*/*", mt == "application/*":
			return false, nil
		}
	}
	return false, nil
}

func (s *Server) slaReport(w http.ResponseWriter, r *http.Request) {
	monthReport(s, w, r, "sla", s.reports().SLA, func(rep reports.SLAReport) string { return rep.Month }, reports.WriteCSV)
}

// monthReport answers a month's report: JSON, or CSV named
// <name>-<month>.csv when the request asks for it (format=csv or Accept).
func monthReport[R any](s *Server, w http.ResponseWriter, r *http.Request, name string,
	compute func(context.Context, time.Time, reports.Query) (R, error), month func(R) string, writeCSV func(io.Writer, R) error) {
	q := reports.Query{Month: r.URL.Query().Get("month")}
	id, err := queryID(r, "org_id")
	if id != nil {
		q.OrgID = *id
	}
	asCSV := false
	if err == nil {
		asCSV, err = wantsCSV(r)
	}
	var rep R
	if err == nil {
		rep, err = compute(r.Context(), s.Now(), q)
	}
	if err != nil || !asCSV {
		s.respond(w, r, http.StatusOK, rep, err)
		return
	}
	var buf bytes.Buffer
	if err := writeCSV(&buf, rep); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", csvType+"; charset=utf-8")
	// The month is validated ("2026-10"): safe in a header.
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`-`+month(rep)+`.csv"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(buf.Bytes())
}
