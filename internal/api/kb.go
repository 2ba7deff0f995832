package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"accord/internal/accord"

	"accord/internal/kb"
)

// --- knowledge base: articles, their search and revisions (docs/knowledge.md)

// kbQuery reads the query of a search: q, lang, category, state, limit.
func kbQuery(r *http.Request) (kb.Query, error) {
	v := r.URL.Query()
	q := kb.Query{Text: v.Get("q"), Lang: v.Get("lang"), Category: v.Get("category"), State: kb.State(v.Get("state"))}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > kb.MaxResults {
			return q, accord.FieldError("limit", "must be a whole number from 1 to 50")
		}
		q.Limit = n
	}
	return q, nil
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) {
	q, err := kbQuery(r)
	var hits []kb.Hit
	if err == nil {
		hits, err = s.KB.Search(r.Context(), q)
	}
	s.respond(w, r, http.StatusOK, list(hits, ""), err)
}

func (s *Server) suggestArticles(w http.ResponseWriter, r *http.Request) {
	hits, err := s.KB.Suggest(r.Context(), r.URL.Query().Get("q"), r.URL.Query().Get("lang"))
	s.respond(w, r, http.StatusOK, list(hits, ""), err)
}

func (s *Server) createArticle(w http.ResponseWriter, r *http.Request) {
	var in kb.NewArticle
	err := decode(w, r, &in)
	var a kb.Article
	if err == nil {
		a, err = s.KB.Create(r.Context(), s.Now(), in)
	}
	s.respond(w, r, http.StatusCreated, a, err)
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var a kb.Article
	if err == nil {
		a, err = s.KB.Get(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, a, err)
}

func (s *Server) updateArticle(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in kb.Update
	if err == nil {
		err = decode(w, r, &in)
	}
	var a kb.Article
	if err == nil {
		a, err = s.KB.Update(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, a, err)
}

// articleAction answers publish, archive and solved: no input, the
// article back.
func (s *Server) articleAction(do func(ctx context.Context, now time.Time, id accord.ID) (kb.Article, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		var a kb.Article
		if err == nil {
			a, err = do(r.Context(), s.Now(), id)
		}
		s.respond(w, r, http.StatusOK, a, err)
	}
}

func (s *Server) articleRevisions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var revs []kb.Revision
	if err == nil {
		revs, err = s.KB.Revisions(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, list(revs, ""), err)
}
