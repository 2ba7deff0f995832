package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"accord/internal/accord"
	"accord/internal/lang"
	"accord/internal/sla"
)

// policyBody is a version with its document and the policy it parses to.
type policyBody struct {
	sla.Version
	Policy *sla.Policy `json:"policy"`
}

// createdVersion is a new version and what it changed from the previous one.
type createdVersion struct {
	sla.Version
	Changes []sla.Change `json:"changes"`
}

func created(v sla.Version, changes []sla.Change) createdVersion {
	v.Document = "" // the client just sent it
	if changes == nil {
		changes = []sla.Change{}
	}
	return createdVersion{Version: v, Changes: changes}
}

// versionNumber reads a version number from the path; anything else is
// NotFound, like a version that does not exist.
func versionNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		return 0, &accord.Error{Kind: accord.NotFound, Msg: "version not found"}
	}
	return n, nil
}

func queryVersion(r *http.Request, name string) (int, error) {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || n < 1 {
		return 0, accord.FieldError(name, "must be a version number (1, 2, ...)")
	}
	return n, nil
}

// readerLocale is the language texts of the policy and the catalog are
// answered in: the lang parameter, else Accept-Language, else en-US (the
// document has them all).
func readerLocale(r *http.Request) string {
	if l := lang.Supported(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if l := lang.Negotiate(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return lang.Default
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	v, p, err := s.Policy.Current(r.Context())
	if err == nil {
		if a, _ := accord.ActorFrom(r.Context()); !a.IsVendor() && p.HasInternal() {
			// The document names the internal targets, which are the
			// vendor's own; the parsed policy leaves them out.
			v.Document = ""
		}
		p = p.In(readerLocale(r))
	}
	s.respond(w, r, http.StatusOK, policyBody{Version: v, Policy: p}, err)
}

func (s *Server) listPolicyVersions(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, next, err := s.Policy.List(r.Context(), p)
	s.respond(w, r, http.StatusOK, list(vs, next), err)
}

func (s *Server) getPolicyVersion(w http.ResponseWriter, r *http.Request) {
	n, err := versionNumber(r)
	var body policyBody
	if err == nil {
		body.Version, body.Policy, err = s.Policy.Get(r.Context(), n)
	}
	if err == nil {
		body.Policy = body.Policy.In(readerLocale(r))
	}
	s.respond(w, r, http.StatusOK, body, err)
}

type importRequest struct {
	Document string `json:"document"`
}

// importPolicy takes the document either as the raw body, with a YAML
// content type (curl --data-binary @policy.yaml), or as JSON
// {"document": "..."} for clients that speak only JSON.
func (s *Server) importPolicy(w http.ResponseWriter, r *http.Request) {
	var doc string
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/yaml", "application/x-yaml", "text/yaml":
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, sla.MaxDocument))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.writeError(w, r, accord.FieldError("body", "must be at most %d bytes", sla.MaxDocument))
			return
		}
		if err != nil {
			s.writeError(w, r, accord.FieldError("body", "could not be read: %v", err))
			return
		}
		doc = string(b)
	default:
		var in importRequest
		if err := decode(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		doc = in.Document
	}
	v, changes, err := s.Policy.Import(r.Context(), s.Now(), doc)
	s.respond(w, r, http.StatusCreated, created(v, changes), err)
}

func (s *Server) rollbackPolicy(w http.ResponseWriter, r *http.Request) {
	n, err := versionNumber(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, changes, err := s.Policy.Rollback(r.Context(), s.Now(), n)
	s.respond(w, r, http.StatusCreated, created(v, changes), err)
}

func (s *Server) diffPolicy(w http.ResponseWriter, r *http.Request) {
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
	changes, err := s.Policy.Diff(r.Context(), from, to)
	if changes == nil {
		changes = []sla.Change{}
	}
	s.respond(w, r, http.StatusOK, map[string]any{"from": from, "to": to, "changes": changes}, err)
}

// policyDue is the what-if tool: the same answer as `accord policy due`.
func (s *Server) policyDue(w http.ResponseWriter, r *http.Request) {
	var in sla.DueRequest
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.Policy.Due(r.Context(), in)
	s.respond(w, r, http.StatusOK, res, err)
}
