package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
)

// exportStall is how long an export may go without writing a page before
// the connection is given up; each page written pushes the server's write
// deadline this far ahead, so that a long export is not cut while it moves.
const exportStall = time.Minute

// exportCases streams, as CSV, the cases GET /api/v1/cases lists for the
// same query, every page of them, a page of rows at a time (see
// cases.Service.Export). Nothing is written until the filter has been
// checked and the first page read, so that a bad filter is a 400 naming
// it. Once rows have gone out a failure cannot change the status: the
// response is cut (the client sees the body end without its last chunk,
// not a complete file) and the error is logged.
func (s *Server) exportCases(w http.ResponseWriter, r *http.Request) {
	f, err := caseFilter(r)
	if err == nil {
		if v := r.URL.Query().Get("format"); v != "" && v != "csv" {
			err = accord.FieldError("format", "must be csv")
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, now := r.Context(), s.Now()
	teams, err := s.Cases.Teams(ctx, now, cases.TeamFilter{})
	if err != nil && !accord.IsKind(err, accord.Forbidden) {
		s.writeError(w, r, err)
		return
	}
	names := make(map[accord.ID]string, len(teams))
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	rc := http.NewResponseController(w)
	sheet := s.reports().CaseSheet(w, now, names)
	started := false
	start := func() error {
		started = true
		if err := s.Audit.Exported(ctx, now, "cases", r.URL.RawQuery); err != nil {
			return err
		}
		w.Header().Set("Content-Type", csvType+"; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="cases.csv"`)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "private, no-store")
		w.WriteHeader(http.StatusOK)
		return sheet.Header()
	}
	err = s.Cases.Export(ctx, now, f, func(l []cases.Case) error {
		if !started {
			if err := start(); err != nil {
				return err
			}
		}
		_ = rc.SetWriteDeadline(time.Now().Add(exportStall)) // not every writer has one
		if err := sheet.Write(ctx, l); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		return nil
	})
	if err == nil && !started {
		err = start()
	}
	switch {
	case err == nil:
	case !started:
		s.writeError(w, r, err)
	default:
		level := slog.LevelError
		if errors.Is(ctx.Err(), context.Canceled) {
			level = slog.LevelInfo // the client went away
		}
		s.log.Log(ctx, level, "case export cut", "err", err, "request_id", accord.RequestID(ctx))
		// The only way net/http offers to end a response without its
		// closing chunk: a truncated file must not read as a whole one.
		panic(http.ErrAbortHandler)
	}
}
