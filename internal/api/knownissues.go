package api

import (
	"context"
	"net/http"
	"time"

	"accord/internal/accord"
	"accord/internal/knownissues"
	"accord/internal/lang"
)

// --- known issues (docs/knowledge.md, support policy section 9)

// knownIssueBody is an issue as the API answers it: to the vendor's staff
// with every translation and the ones missing; to others in the reader's
// language (lang, else Accept-Language), without internal notes.
type knownIssueBody struct {
	knownissues.KnownIssue
	Missing []lang.Gap `json:"missing,omitempty"`
}

func knownIssueFor(r *http.Request, k knownissues.KnownIssue) knownIssueBody {
	if a, _ := accord.ActorFrom(r.Context()); a.IsVendor() {
		return knownIssueBody{KnownIssue: k, Missing: k.Missing()}
	}
	return knownIssueBody{KnownIssue: k.For(readerLocale(r), false)}
}

func (s *Server) listKnownIssues(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := knownissues.Filter{State: knownissues.State(q.Get("state")), Open: q.Get("open") == "true"}
	prod, err := queryID(r, "product_id")
	if prod != nil {
		f.ProductID = *prod
	}
	var l []knownissues.KnownIssue
	if err == nil {
		l, err = s.KnownIssues.List(r.Context(), s.Now(), f)
	}
	out := make([]knownIssueBody, len(l))
	for i, k := range l {
		out[i] = knownIssueFor(r, k)
	}
	s.respond(w, r, http.StatusOK, list(out, ""), err)
}

func (s *Server) createKnownIssue(w http.ResponseWriter, r *http.Request) {
	var in knownissues.Input
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.KnownIssues.Create(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, knownIssueFor(r, k), err)
}

func (s *Server) getKnownIssue(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var k knownissues.KnownIssue
	if err == nil {
		k, err = s.KnownIssues.Get(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, knownIssueFor(r, k), err)
}

// knownIssueAction decodes T and runs do on the issue of the path.
func knownIssueAction[T any](s *Server, do func(ctx context.Context, now time.Time, id accord.ID, in T) (knownissues.KnownIssue, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		var in T
		if err == nil {
			err = decodeOptional(w, r, &in)
		}
		var k knownissues.KnownIssue
		if err == nil {
			k, err = do(r.Context(), s.Now(), id, in)
		}
		s.respond(w, r, http.StatusOK, knownIssueFor(r, k), err)
	}
}

type workaroundInput struct {
	Workaround lang.Text `json:"workaround"`
}

type fixInput struct {
	Version string `json:"version"`
}

func (s *Server) updateKnownIssue(w http.ResponseWriter, r *http.Request) {
	knownIssueAction(s, s.KnownIssues.Update)(w, r)
}

func (s *Server) publishKnownIssue(w http.ResponseWriter, r *http.Request) {
	knownIssueAction(s, func(ctx context.Context, now time.Time, id accord.ID, _ struct{}) (knownissues.KnownIssue, error) {
		return s.KnownIssues.Publish(ctx, now, id)
	})(w, r)
}

func (s *Server) setKnownIssueWorkaround(w http.ResponseWriter, r *http.Request) {
	knownIssueAction(s, func(ctx context.Context, now time.Time, id accord.ID, in workaroundInput) (knownissues.KnownIssue, error) {
		return s.KnownIssues.SetWorkaround(ctx, now, id, in.Workaround)
	})(w, r)
}

func (s *Server) fixKnownIssue(w http.ResponseWriter, r *http.Request) {
	knownIssueAction(s, func(ctx context.Context, now time.Time, id accord.ID, in fixInput) (knownissues.KnownIssue, error) {
		return s.KnownIssues.Fix(ctx, now, id, in.Version)
	})(w, r)
}

func (s *Server) knownIssueCustomers(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []knownissues.Customer
	if err == nil {
		l, err = s.KnownIssues.Customers(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) knownIssueCases(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []knownissues.Link
	if err == nil {
		l, err = s.KnownIssues.IssueLinks(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

// requestKnownIssueUpgrade is the fix notice's one click: it requests the
// assisted upgrade the customer's contract includes.
func (s *Server) requestKnownIssueUpgrade(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = decodeOptional(w, r, &struct{}{})
	}
	var eng accord.ID
	if err == nil {
		eng, err = s.KnownIssues.RequestUpgrade(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusCreated, map[string]accord.ID{"engagement_id": eng}, err)
}

func (s *Server) caseKnownIssues(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []knownissues.Link
	if err == nil {
		l, err = s.KnownIssues.CaseLinks(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

type linkInput struct {
	KnownIssueID accord.ID `json:"known_issue_id"`
}

func (s *Server) linkKnownIssue(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in linkInput
	if err == nil {
		err = decode(w, r, &in)
	}
	var l knownissues.Link
	if err == nil {
		l, err = s.KnownIssues.LinkCase(r.Context(), s.Now(), id, in.KnownIssueID)
	}
	s.respond(w, r, http.StatusCreated, l, err)
}

func (s *Server) unlinkKnownIssue(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var issue accord.ID
	if err == nil {
		issue, err = pathID(r, "issue_id")
	}
	if err == nil {
		err = s.KnownIssues.UnlinkCase(r.Context(), s.Now(), id, issue)
	}
	s.respond(w, r, 0, nil, err)
}
