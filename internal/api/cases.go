package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
)

// caseView is a case as the API shows it: the stored case and where its
// first-response clock stands at the moment of the answer.
type caseView struct {
	cases.Case
	// SLAStatus is cases.StatusAt at the answer's instant.
	SLAStatus cases.Status `json:"sla_status"`
	// SLAMargin is the time to spare (met, positive) or the lateness
	// (breached, negative); zero while the clock is undecided.
	SLAMargin sla.Duration `json:"sla_margin"`
}

func viewOf(c cases.Case, now time.Time) caseView {
	st, margin := cases.StatusAt(c, now)
	return caseView{Case: c, SLAStatus: st, SLAMargin: sla.Duration(margin)}
}

// respondCase answers with the case as viewed at now, or the error.
func (s *Server) respondCase(w http.ResponseWriter, r *http.Request, status int, now time.Time, c cases.Case, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, viewOf(c, now))
}

// --- reading

// caseFilter reads the list's query parameters; a value it cannot read is
// refused naming the parameter. Parameters it does not know are ignored.
func caseFilter(r *http.Request) (cases.Filter, error) {
	q := r.URL.Query()
	var f cases.Filter
	if id, err := queryID(r, "org_id"); err != nil {
		return f, err
	} else if id != nil {
		f.OrgID = *id
	}
	for _, v := range q["state"] {
		for st := range strings.SplitSeq(v, ",") {
			if st = strings.TrimSpace(st); st != "" {
				f.States = append(f.States, cases.State(st))
			}
		}
	}
	f.Type = cases.Type(q.Get("type"))
	f.Criticality = sla.Criticality(q.Get("criticality"))
	switch v := q.Get("assignee_id"); {
	case v == "none":
		f.Unassigned = true
	case v != "":
		if !accord.ValidID(v) {
			return f, accord.FieldError("assignee_id", `is not an id (or "none" for unassigned cases)`)
		}
		f.AssigneeID = accord.ID(v)
	}
	if id, err := queryID(r, "team_id"); err != nil {
		return f, err
	} else if id != nil {
		f.Teams = []accord.ID{*id}
	}
	if v := q.Get("senior_required"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, accord.FieldError("senior_required", "must be true or false")
		}
		f.SeniorRequired = b
	}
	for _, sp := range []struct {
		name string
		dst  *cases.Span
	}{{"opened", &f.Opened}, {"resolved", &f.Resolved}, {"closed", &f.Closed}} {
		v, err := spanOf(r, sp.name)
		if err != nil {
			return f, err
		}
		*sp.dst = v
	}
	if v := q.Get("due_before"); v != "" {
		at, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return f, accord.FieldError("due_before", "must be an RFC 3339 instant such as 2024-03-11T20:00:00Z")
		}
		if err := accord.CheckInstant("due_before", at); err != nil {
			return f, err
		}
		f.DueBefore = &at
	}
	if v := q.Get("breached"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, accord.FieldError("breached", "must be true or false")
		}
		f.Breached = &b
	}
	f.Text = strings.TrimSpace(q.Get("q"))
	f.View = cases.View(q.Get("view"))
	// "created" and "due" keep the meaning they had before lists sorted
	// by any column: newest first, and the first-response queue.
	switch v := q.Get("sort"); v {
	case "", "created":
	case "due":
		f.ByDue = true
	default:
		by, err := cases.ParseSort(v)
		if err != nil {
			return f, err
		}
		f.Sort = by
	}
	return f, nil
}

// caseList is a page of cases; NumberMatch says that the search was a case
// number ("31" or "#31") and the first item is that case.
type caseList struct {
	listBody[caseView]
	NumberMatch bool `json:"number_match"`
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	var f cases.Filter
	if err == nil {
		f, err = caseFilter(r)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.Now()
	l, next, err := s.Cases.List(r.Context(), now, f, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var out caseList
	// The case a number names comes first on the first page, whatever
	// the other filters say: the reader asked for that case.
	if n, ok := cases.Number(f.Text); ok && p.Cursor == "" {
		c, err := s.Cases.ByNumber(r.Context(), now, n)
		switch {
		case err == nil:
			out.NumberMatch = true
			l = append([]cases.Case{c}, slices.DeleteFunc(l, func(x cases.Case) bool { return x.ID == c.ID })...)
		case !accord.IsKind(err, accord.NotFound):
			s.writeError(w, r, err)
			return
		}
	}
	views := make([]caseView, len(l))
	for i, c := range l {
		views[i] = viewOf(c, now)
	}
	out.listBody = list(views, next)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	id, err := pathID(r, "id")
	var c cases.Case
	if err == nil {
		c, err = s.Cases.Get(r.Context(), now, id)
	}
	s.respondCase(w, r, http.StatusOK, now, c, err)
}

func (s *Server) caseTimeline(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []cases.Entry
	if err == nil {
		l, err = s.Cases.Timeline(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) explainCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var x cases.Explanation
	if err == nil {
		x, err = s.Cases.ExplainIn(r.Context(), s.Now(), id, readerLocale(r))
	}
	s.respond(w, r, http.StatusOK, x, err)
}

// --- opening and working

func (s *Server) openCase(w http.ResponseWriter, r *http.Request) {
	var in cases.NewCase
	files, err := decodeWithFiles(w, r, &in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in.Files = files
	now := s.Now()
	c, err := s.Cases.Open(r.Context(), now, in)
	s.respondCase(w, r, http.StatusCreated, now, c, err)
}

// caseChange answers a write to the case in the path: it decodes the body
// into in (an empty body too when optional), calls do, and answers 200
// with the case.
func caseChange[T any](s *Server, optional bool, do func(ctx context.Context, now time.Time, id accord.ID, in T) (cases.Case, error)) http.HandlerFunc {
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
		var c cases.Case
		if err == nil {
			c, err = do(r.Context(), now, id, in)
		}
		s.respondCase(w, r, http.StatusOK, now, c, err)
	}
}

// decodeOptional is decode for bodies that may be left out: an empty or
// blank body leaves v as it is.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return accord.FieldError("body", "must be at most %d bytes", tooBig.Limit)
	case err != nil:
		return accord.FieldError("body", "could not be read")
	case len(bytes.TrimSpace(b)) == 0:
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return decode(w, r, v)
}

type caseReason struct {
	Reason string `json:"reason"`
}

type caseSummary struct {
	Summary string `json:"summary"`
}

type caseConfirmation struct{}

func (s *Server) replyToCase(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	id, err := pathID(r, "id")
	var in cases.NewReply
	if err == nil {
		in.Files, err = decodeWithFiles(w, r, &in)
	}
	var c cases.Case
	if err == nil {
		c, err = s.Cases.Reply(r.Context(), now, id, in)
	}
	s.respondCase(w, r, http.StatusOK, now, c, err)
}

// maxFilesBody bounds a multipart body of several files: the files and the
// JSON document together.
const maxFilesBody = 64 << 20

// decodeWithFiles reads a JSON body into v, or a multipart/form-data body
// whose part "json" is that document and whose parts "files" are files
// that go with it (cases.MaxFiles at most). A file too large to read is
// refused naming it, before anything is written.
func decodeWithFiles(w http.ResponseWriter, r *http.Request, v any) ([]cases.NewFile, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, decode(w, r, v)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFilesBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, accord.FieldError("Content-Type", "must be multipart/form-data with a boundary")
	}
	var doc []byte
	var files []cases.NewFile
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			if doc == nil {
				return nil, accord.FieldError("json", "is required: the JSON document, in the multipart field \"json\"")
			}
			return files, decodeBytes(doc, v)
		case errors.As(err, &mbe):
			return nil, accord.FieldError("body", "must be at most %d bytes", maxFilesBody)
		case err != nil:
			return nil, accord.FieldError("body", "is not valid multipart/form-data")
		}
		switch part.FormName() {
		case "json":
			if doc != nil {
				return nil, accord.FieldError("json", "is sent twice")
			}
			doc, err = io.ReadAll(io.LimitReader(part, maxBody+1))
			switch {
			case errors.As(err, &mbe):
				return nil, accord.FieldError("body", "must be at most %d bytes", maxFilesBody)
			case err != nil:
				return nil, accord.FieldError("json", "could not be read")
			case len(doc) > maxBody:
				return nil, accord.FieldError("json", "must be at most %d bytes", maxBody)
			}
		case "files":
			field := fmt.Sprintf("files[%d]", len(files))
			if len(files) == cases.MaxFiles {
				return nil, accord.FieldError(field, "at most %d files at once", cases.MaxFiles)
			}
			name := part.FileName()
			if p := accord.TextProblem(name); p != "" {
				return nil, accord.FieldError(field, "its name %s", p)
			}
			content, err := io.ReadAll(io.LimitReader(part, maxAttachment+1))
			switch {
			case errors.As(err, &mbe):
				return nil, accord.FieldError("body", "must be at most %d bytes", maxFilesBody)
			case err != nil:
				return nil, accord.FieldError(field, "could not be read")
			case len(content) > maxAttachment:
				return nil, accord.FieldError(field, "%s: must be at most %d bytes", name, maxAttachment)
			}
			files = append(files, cases.NewFile{Name: name, Content: content})
		default:
			return nil, accord.FieldError(part.FormName(), "is not a known field: send \"json\" and \"files\"")
		}
	}
}

func (s *Server) recordCaseCall(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, s.Cases.RecordCall)(w, r)
}

func (s *Server) reclassifyCase(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, s.Cases.Reclassify)(w, r)
}

func (s *Server) assignCase(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, func(ctx context.Context, now time.Time, id accord.ID, in cases.Assignment) (cases.Case, error) {
		if in.UserID != "" && !accord.ValidID(string(in.UserID)) {
			return cases.Case{}, accord.FieldError("user_id", `is not an id ("" unassigns the case)`)
		}
		if in.TeamID != nil && *in.TeamID != "" && !accord.ValidID(string(*in.TeamID)) {
			return cases.Case{}, accord.FieldError("team_id", `is not an id ("" takes the case out of any team)`)
		}
		return s.Cases.Assign(ctx, now, id, in)
	})(w, r)
}

func (s *Server) awaitCustomer(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, func(ctx context.Context, now time.Time, id accord.ID, in caseReason) (cases.Case, error) {
		return s.Cases.AwaitCustomer(ctx, now, id, in.Reason)
	})(w, r)
}

func (s *Server) resolveCase(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, func(ctx context.Context, now time.Time, id accord.ID, in caseSummary) (cases.Case, error) {
		return s.Cases.Resolve(ctx, now, id, in.Summary)
	})(w, r)
}

func (s *Server) confirmCase(w http.ResponseWriter, r *http.Request) {
	caseChange(s, true, func(ctx context.Context, now time.Time, id accord.ID, _ caseConfirmation) (cases.Case, error) {
		return s.Cases.Confirm(ctx, now, id)
	})(w, r)
}

func (s *Server) reopenCase(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, func(ctx context.Context, now time.Time, id accord.ID, in caseReason) (cases.Case, error) {
		return s.Cases.Reopen(ctx, now, id, in.Reason)
	})(w, r)
}

func (s *Server) proposeSession(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, s.Cases.ProposeSession)(w, r)
}

func (s *Server) decideSession(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, func(ctx context.Context, now time.Time, id accord.ID, in cases.SessionDecision) (cases.Case, error) {
		entry, err := pathID(r, "entry_id")
		if err != nil {
			return cases.Case{}, err
		}
		return s.Cases.DecideSession(ctx, now, id, entry, in)
	})(w, r)
}

func (s *Server) markOutOfScope(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, s.Cases.MarkOutOfScope)(w, r)
}

func (s *Server) updateEnhancement(w http.ResponseWriter, r *http.Request) {
	caseChange(s, false, s.Cases.UpdateEnhancement)(w, r)
}

// --- attachments

// maxAttachment bounds an uploaded file as the API reads it, so that a
// request holds at most this much in memory. The cases service's MaxFile
// (20 MiB as cmd/accord wires it) is the limit people meet; the service
// does not expose it, so this ceiling sits above it.
const maxAttachment = 32 << 20

// attachmentSlack is room for the multipart framing and the small fields.
const attachmentSlack = 64 << 10

// formFile is the file a multipart/form-data body carried.
type formFile struct {
	Name    string
	Content []byte
}

// form is what readForm read: the file, if one was sent, and the text
// fields by name.
type form struct {
	File   *formFile
	Values map[string]string
}

// readForm reads a multipart/form-data body with at most one file, in the
// part "file" (at most maxAttachment bytes), and the text fields named in
// fields, each at most its limit in bytes. Any other part is refused
// naming it, and so are text fields and file names that are not text
// (accord.TextProblem). Every problem is Invalid naming its field.
func readForm(w http.ResponseWriter, r *http.Request, fields map[string]int64) (form, error) {
	fm := form{Values: map[string]string{}}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return fm, accord.FieldError("Content-Type", "must be multipart/form-data, with the file in the field \"file\"")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAttachment+attachmentSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return fm, accord.FieldError("Content-Type", "must be multipart/form-data with a boundary")
	}
	tooBig := accord.FieldError("file", "must be at most %d bytes", maxAttachment)
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			return fm, nil
		case errors.As(err, &mbe):
			return fm, tooBig
		case err != nil:
			return fm, accord.FieldError("body", "is not valid multipart/form-data")
		}
		name := part.FormName()
		if name == "file" {
			if fm.File != nil {
				return fm, accord.FieldError("file", "one file per request")
			}
			f := &formFile{Name: part.FileName()}
			if p := accord.TextProblem(f.Name); p != "" {
				return fm, accord.FieldError("file", "its name %s", p)
			}
			f.Content, err = io.ReadAll(io.LimitReader(part, maxAttachment+1))
			switch {
			case errors.As(err, &mbe) || len(f.Content) > maxAttachment:
				return fm, tooBig
			case err != nil:
				return fm, accord.FieldError("file", "could not be read")
			}
			fm.File = f
			continue
		}
		limit, ok := fields[name]
		if !ok {
			return fm, accord.FieldError(name, "is not a known field")
		}
		if _, seen := fm.Values[name]; seen {
			return fm, accord.FieldError(name, "is sent twice")
		}
		v, err := io.ReadAll(io.LimitReader(part, limit+1))
		switch {
		case errors.As(err, &mbe):
			return fm, accord.FieldError("body", "must be at most %d bytes", maxAttachment+attachmentSlack)
		case err != nil:
			return fm, accord.FieldError(name, "could not be read")
		case int64(len(v)) > limit:
			return fm, accord.FieldError(name, "must be at most %d bytes", limit)
		}
		if err := accord.CheckText(name, string(v)); err != nil {
			return fm, err
		}
		fm.Values[name] = string(v)
	}
}

// readUpload reads a multipart/form-data body with one "file" part and an
// optional "internal" field. Every problem is Invalid naming its field.
func readUpload(w http.ResponseWriter, r *http.Request) (cases.NewFile, error) {
	var in cases.NewFile
	fm, err := readForm(w, r, map[string]int64{"internal": 16})
	if err != nil {
		return in, err
	}
	if fm.File == nil {
		return in, accord.FieldError("file", "is required: send the file in the multipart field \"file\"")
	}
	in.Name, in.Content = fm.File.Name, fm.File.Content
	if v, ok := fm.Values["internal"]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return in, accord.FieldError("internal", "must be true or false")
		}
		in.Internal = b
	}
	return in, nil
}

func (s *Server) attachFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in cases.NewFile
	if err == nil {
		in, err = readUpload(w, r)
	}
	var e cases.Entry
	if err == nil {
		_, e, err = s.Cases.Attach(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusCreated, e, err)
}

// servedType is the Content-Type a stored file is served with: the
// sniffed type, except that anything a browser could run or render as a
// document of this origin goes out as opaque bytes.
func servedType(sniffed string) string {
	t := strings.ToLower(sniffed)
	if t == "" || strings.HasPrefix(t, "text/html") || strings.Contains(t, "script") || strings.Contains(t, "svg") || strings.Contains(t, "xml") {
		return "application/octet-stream"
	}
	return sniffed
}

// filePath reads the {id} and {file_id} of a file download.
func filePath(r *http.Request) (id, fileID accord.ID, err error) {
	if id, err = pathID(r, "id"); err != nil {
		return "", "", err
	}
	fileID, err = pathID(r, "file_id")
	return id, fileID, err
}

func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request) {
	id, fileID, err := filePath(r)
	var f cases.File
	var content []byte
	if err == nil {
		f, content, err = s.Cases.File(r.Context(), s.Now(), id, fileID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serveFile(w, f.Name, f.ContentType, content)
}

// serveFile answers with a stored file as a download of its name, typed
// by servedType, and sandboxed should a browser open it anyway. A raster
// image (cases.InlineImages, by its sniffed type) is served inline, so
// that pages show it from this origin under their img-src 'self'.
func serveFile(w http.ResponseWriter, name, sniffed string, content []byte) {
	kind := "attachment"
	if (cases.File{ContentType: sniffed}).Inline() {
		kind = "inline"
	}
	disposition := mime.FormatMediaType(kind, map[string]string{"filename": name})
	if disposition == "" {
		disposition = kind
	}
	h := w.Header()
	h.Set("Content-Type", servedType(sniffed))
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Length", strconv.Itoa(len(content)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(content)
}
