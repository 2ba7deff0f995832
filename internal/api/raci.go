package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"accord/internal/accord"
	"accord/internal/raci"
)

// raciBody is a default version with the matrix it parses to.
type raciBody struct {
	raci.Version
	Matrix *raci.Matrix `json:"matrix"`
}

// raciCreated is a new version and what it changed from the one before.
type raciCreated struct {
	raci.Version
	Changes []raci.Change `json:"changes"`
}

func raciChanges(changes []raci.Change) []raci.Change {
	if changes == nil {
		return []raci.Change{}
	}
	return changes
}

func (s *Server) getRaci(w http.ResponseWriter, r *http.Request) {
	v, m, err := s.Raci.Current(r.Context())
	s.respond(w, r, http.StatusOK, raciBody{Version: v, Matrix: m}, err)
}

func (s *Server) listRaciVersions(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, next, err := s.Raci.List(r.Context(), p)
	s.respond(w, r, http.StatusOK, list(vs, next), err)
}

func (s *Server) getRaciVersion(w http.ResponseWriter, r *http.Request) {
	n, err := versionNumber(r)
	var body raciBody
	if err == nil {
		body.Version, body.Matrix, err = s.Raci.Get(r.Context(), n)
	}
	s.respond(w, r, http.StatusOK, body, err)
}

type raciDocument struct {
	Document string `json:"document"`
	Note     string `json:"note"`
}

// raciDocumentOf reads a matrix document either as the raw body, with a
// YAML content type (curl --data-binary @matrix.yaml; the note in the
// query), or as JSON {"document": "...", "note": "..."}.
func (s *Server) raciDocumentOf(w http.ResponseWriter, r *http.Request) (raciDocument, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/yaml", "application/x-yaml", "text/yaml":
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, raci.MaxDocument))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return raciDocument{}, accord.FieldError("body", "must be at most %d bytes", raci.MaxDocument)
		}
		if err != nil {
			return raciDocument{}, accord.FieldError("body", "could not be read: %v", err)
		}
		return raciDocument{Document: string(b), Note: r.URL.Query().Get("note")}, nil
	}
	var in raciDocument
	err := decode(w, r, &in)
	return in, err
}

func (s *Server) importRaci(w http.ResponseWriter, r *http.Request) {
	in, err := s.raciDocumentOf(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, changes, err := s.Raci.Import(r.Context(), s.Now(), in.Document, in.Note)
	v.Document = "" // the client just sent it
	s.respond(w, r, http.StatusCreated, raciCreated{Version: v, Changes: raciChanges(changes)}, err)
}

func (s *Server) rollbackRaci(w http.ResponseWriter, r *http.Request) {
	n, err := versionNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, changes, err := s.Raci.Rollback(r.Context(), s.Now(), n)
	v.Document = ""
	s.respond(w, r, http.StatusCreated, raciCreated{Version: v, Changes: raciChanges(changes)}, err)
}

func (s *Server) diffRaci(w http.ResponseWriter, r *http.Request) {
	from, err := queryVersion(r, "from")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := queryVersion(r, "to")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	changes, err := s.Raci.Diff(r.Context(), from, to)
	s.respond(w, r, http.StatusOK, map[string]any{"from": from, "to": to, "changes": raciChanges(changes)}, err)
}

// getEnvironmentRaci is the matrix in force for an environment, with
// what its own version changes from the default.
func (s *Server) getEnvironmentRaci(w http.ResponseWriter, r *http.Request) {
	eff, err := s.Raci.ForEnvironment(r.Context(), accord.ID(r.PathValue("id")))
	if eff.Override != nil {
		eff.Override.Document = ""
	}
	s.respond(w, r, http.StatusOK, eff, err)
}

// raciOverrideCreated is an environment's new version and what it changed
// from the matrix in force before.
type raciOverrideCreated struct {
	raci.Override
	Changes []raci.Change `json:"changes"`
}

func (s *Server) putEnvironmentRaci(w http.ResponseWriter, r *http.Request) {
	in, err := s.raciDocumentOf(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, changes, err := s.Raci.SetOverride(r.Context(), s.Now(), accord.ID(r.PathValue("id")), in.Document, in.Note)
	o.Document = ""
	s.respond(w, r, http.StatusCreated, raciOverrideCreated{Override: o, Changes: raciChanges(changes)}, err)
}
