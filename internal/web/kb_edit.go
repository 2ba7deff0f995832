package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"accord/internal/accord"
	"accord/internal/kb"
)

// kbEditRoutes are vendor staff's pages to write articles: a new article
// or translation, an article's form, and its publication and archiving.
func (s *Server) kbEditRoutes() []route {
	return []route{
		{"GET", "/kb-edit/new", s.kbNewPage, false},
		{"POST", "/kb-edit/new", s.kbCreate, false},
		{"GET", "/kb-edit/{id}", s.kbEditPage, false},
		{"POST", "/kb-edit/{id}", s.kbUpdate, false},
		{"POST", "/kb-edit/{id}/publish", s.kbPublish, false},
		{"POST", "/kb-edit/{id}/archive", s.kbArchive, false},
	}
}

type kbEditData struct {
	Article      *kb.Article // nil for a new one
	Languages    []string
	Visibilities []kb.Visibility
}

func (s *Server) kbEditPageOf(r *http.Request, a *kb.Article) *page {
	p := s.newPage(r, "kb.edit.title", &kbEditData{Article: a, Languages: kb.Languages, Visibilities: kb.Visibilities})
	p.Path = "/kb"
	return p
}

func (s *Server) kbNewPage(w http.ResponseWriter, r *http.Request) {
	if !readerOf(r.Context()).vendor() {
		s.fail(w, r, &accord.Error{Kind: accord.Forbidden, Msg: "vendor staff write the knowledge base"})
		return
	}
	p := s.kbEditPageOf(r, nil)
	p.Form = url.Values{"translation_of": {r.URL.Query().Get("translation_of")}, "visibility": {string(kb.Internal)}, "lang": {p.Reader.Locale}}
	s.render(w, r, http.StatusOK, "kb_edit", p)
}

func (s *Server) kbCreate(w http.ResponseWriter, r *http.Request) {
	err := parseForm(w, r, 0)
	var a kb.Article
	if err == nil {
		f := r.PostForm
		a, err = s.KB.Create(r.Context(), s.Now(), kb.NewArticle{TranslationOf: accord.ID(f.Get("translation_of")), Lang: f.Get("lang"),
			Slug: f.Get("slug"), Title: f.Get("title"), Body: f.Get("body"), Category: f.Get("category"), Product: f.Get("product"),
			Versions: f.Get("versions"), Visibility: kb.Visibility(f.Get("visibility"))})
	}
	if err != nil {
		s.failForm(w, r, err, "kb_edit", s.kbEditPageOf(r, nil))
		return
	}
	s.done(w, r, "/kb-edit/"+string(a.ID), "kb.flash.saved")
}

func (s *Server) kbEditPage(w http.ResponseWriter, r *http.Request) {
	a, err := s.KB.Get(r.Context(), accord.ID(r.PathValue("id")))
	if err == nil && !readerOf(r.Context()).vendor() {
		err = &accord.Error{Kind: accord.Forbidden, Msg: "vendor staff write the knowledge base"}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.kbEditPageOf(r, &a)
	p.Form = url.Values{"slug": {a.Slug}, "title": {a.Title}, "body": {a.Body}, "category": {a.Category}, "product": {a.Product},
		"versions": {a.Versions}, "visibility": {string(a.Visibility)}, "lang": {a.Lang}}
	s.render(w, r, http.StatusOK, "kb_edit", p)
}

func (s *Server) kbUpdate(w http.ResponseWriter, r *http.Request) {
	a, err := s.KB.Get(r.Context(), accord.ID(r.PathValue("id")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err = parseForm(w, r, 0); err == nil {
		f := r.PostForm
		field := func(k string) *string { v := f.Get(k); return &v }
		vis := kb.Visibility(f.Get("visibility"))
		_, err = s.KB.Update(r.Context(), s.Now(), a.ID, kb.Update{Slug: field("slug"), Title: field("title"), Body: field("body"),
			Category: field("category"), Product: field("product"), Versions: field("versions"), Visibility: &vis})
	}
	if err != nil {
		s.failForm(w, r, err, "kb_edit", s.kbEditPageOf(r, &a))
		return
	}
	s.done(w, r, "/kb-edit/"+string(a.ID), "kb.flash.saved")
}

func (s *Server) kbPublish(w http.ResponseWriter, r *http.Request) { s.kbMove(w, r, s.KB.Publish) }

func (s *Server) kbArchive(w http.ResponseWriter, r *http.Request) { s.kbMove(w, r, s.KB.Archive) }

// kbMove answers the publish and archive buttons.
func (s *Server) kbMove(w http.ResponseWriter, r *http.Request, do func(context.Context, time.Time, accord.ID) (kb.Article, error)) {
	if _, err := do(r.Context(), s.Now(), accord.ID(r.PathValue("id"))); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/kb-edit/"+r.PathValue("id"), "kb.flash.saved")
}
