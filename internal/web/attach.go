package web

import (
	"io"
	"net/http"
	"strings"

	"accord/internal/accord"
	"accord/internal/cases"
)

// maxCaseFiles bounds the files a reply, a note or a new case carries
// together, as the page reads them; each is bounded by the service.
const maxCaseFiles = 64 << 20

// caseFileRef is a stored file of a case, as the "case_file" part shows it.
type caseFileRef struct {
	Case accord.ID
	File cases.File
}

// formFiles reads the files of the form's "files" field. A file field left
// empty still sends a part without a name or content, which is no file.
func formFiles(r *http.Request) ([]cases.NewFile, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []cases.NewFile
	for _, h := range r.MultipartForm.File["files"] {
		if h.Filename == "" && h.Size == 0 {
			continue
		}
		f, err := h.Open()
		if err != nil {
			return nil, formError(err)
		}
		content, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, formError(err)
		}
		out = append(out, cases.NewFile{Name: h.Filename, Content: content})
	}
	return out, nil
}

// filesProblems gathers the service's problems with each file (files[0],
// files[1], ...) under the form's one "files" field, each naming its file.
func filesProblems(err error) error {
	if accord.KindOf(err) != accord.Invalid {
		return err
	}
	pub := accord.Public(err)
	all := pub.Problems
	if len(all) == 0 {
		all = []accord.Problem{{Field: pub.Field, Msg: pub.Msg}}
	}
	var ps []accord.Problem
	var files []string
	for _, p := range all {
		if strings.HasPrefix(p.Field, "files[") {
			files = append(files, p.Msg)
			continue
		}
		ps = append(ps, p)
	}
	if len(files) == 0 {
		return err
	}
	ps = append(ps, accord.Problem{Field: "files", Msg: strings.Join(files, "; ")})
	return accord.InvalidFields("web.files", ps)
}

// caseByNumber is the page of the case a search names by its number ("31"
// or "#31"), when the reader may read that case; "" otherwise.
func (s *Server) caseByNumber(r *http.Request, q string) (string, error) {
	n, ok := cases.Number(q)
	if !ok {
		return "", nil
	}
	c, err := s.Cases.ByNumber(r.Context(), s.Now(), n)
	if accord.IsKind(err, accord.NotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return casePath(c.ID), nil
}
