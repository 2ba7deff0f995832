package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"accord/internal/accord"
	"accord/internal/sheets"
	"accord/internal/store"
)

// maxUpload bounds an import file; it is larger than maxBody because a
// spreadsheet of a few thousand customers is, and only this route takes it.
const maxUpload = 20 << 20

const (
	csvType  = "text/csv"
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

func (s *Server) sheets() *sheets.Service {
	return sheets.NewService(s.Directory, s.Contracts, store.NewImports(s.DB))
}

// importProblems is the answer to an import with problems: the usual error
// object, and every problem with its sheet, row and column.
type importProblems struct {
	Error    errorDetail     `json:"error"`
	Counts   sheets.Counts   `json:"counts"`
	Problems sheets.Problems `json:"problems"`
}

func (s *Server) importSheets(w http.ResponseWriter, r *http.Request) {
	if err := sheets.RequireImporter(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	kind := r.PathValue("kind")
	if _, err := sheets.SheetsFor(kind); err != nil {
		s.writeError(w, r, &accord.Error{Kind: accord.NotFound, Msg: err.Error()})
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != csvType && ct != xlsxType {
		s.writeError(w, r, accord.FieldError("Content-Type", "must be %s or %s", csvType, xlsxType))
		return
	}
	dryRun := false
	if q := r.URL.Query(); q.Has("dry_run") {
		var err error
		// "?dry_run" alone is refused too: guessing either way is unsafe.
		if dryRun, err = strconv.ParseBool(q.Get("dry_run")); err != nil {
			// Guessing would turn a mistyped dry run into a real import.
			s.writeError(w, r, accord.FieldError("dry_run", "must be true or false"))
			return
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpload))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.writeError(w, r, accord.FieldError("body", "the file is larger than %d MiB; split it", maxUpload>>20))
		return
	} else if err != nil {
		s.writeError(w, r, accord.FieldError("body", "could not be read"))
		return
	}
	if (ct == xlsxType) != sheets.IsXLSX(data) {
		s.writeError(w, r, accord.FieldError("Content-Type", "does not match the file, which is %s", map[bool]string{true: "an XLSX workbook", false: "not an XLSX workbook"}[sheets.IsXLSX(data)]))
		return
	}
	tables, err := sheets.Read(data, kind)
	var ps sheets.Problems
	if errors.As(err, &ps) {
		s.writeProblems(w, sheets.Report{DryRun: dryRun, Problems: ps})
		return
	} else if err != nil {
		s.writeError(w, r, accord.FieldError("body", "%v", err))
		return
	}
	rep, err := s.sheets().Import(r.Context(), s.Now(), tables, dryRun, nil)
	switch {
	case err != nil:
		s.writeError(w, r, err)
	case len(rep.Problems) > 0:
		s.writeProblems(w, rep)
	case dryRun:
		writeJSON(w, http.StatusOK, rep)
	default:
		writeJSON(w, http.StatusCreated, rep)
	}
}

func (s *Server) writeProblems(w http.ResponseWriter, rep sheets.Report) {
	writeJSON(w, http.StatusBadRequest, importProblems{
		Error:  errorDetail{Kind: accord.Invalid, Message: strconv.Itoa(len(rep.Problems)) + " problem(s) in the file; nothing was imported"},
		Counts: rep.Counts, Problems: rep.Problems,
	})
}

func (s *Server) exportSheets(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	want, err := sheets.SheetsFor(kind)
	if err != nil {
		s.writeError(w, r, &accord.Error{Kind: accord.NotFound, Msg: err.Error()})
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = map[bool]string{true: "xlsx", false: "csv"}[len(want) > 1]
	}
	if format != "csv" && format != "xlsx" || format == "csv" && len(want) > 1 {
		s.writeError(w, r, accord.FieldError("format", "must be csv or xlsx (all: xlsx)"))
		return
	}
	tables := make([][][]string, len(want))
	for i, sh := range want {
		if tables[i], err = s.sheets().Export(r.Context(), s.Now(), sh); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if err := s.Audit.Exported(r.Context(), s.Now(), kind, r.URL.RawQuery); err != nil {
		s.writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	ctype := csvType + "; charset=utf-8"
	if format == "xlsx" {
		err, ctype = sheets.WriteXLSX(&buf, want, tables), xlsxType
	} else {
		err = sheets.WriteCSV(&buf, tables[0])
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+want[0].Name+"."+format+`"`)
	if len(want) > 1 {
		w.Header().Set("Content-Disposition", `attachment; filename="accord.xlsx"`)
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}
