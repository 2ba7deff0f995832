package web

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/kb"
)

// kbRoutes are the knowledge base's pages: the index with its search, an
// article at /kb/<slug>, "this solved my problem", the sitemap and the new
// case page's suggestions. They are public: a signed-in reader sees what
// their role may read, anyone else the public articles only.
func (s *Server) kbRoutes() []route {
	return []route{
		{"GET", "/kb", s.reading(s.kbIndex), true},
		{"GET", "/kb/suggest", s.reading(s.kbSuggest), true},
		{"GET", "/kb/{slug}", s.reading(s.kbArticle), true},
		{"GET", "/kb/id/{id}", s.reading(s.kbByID), true},
		{"POST", "/kb/{slug}/solved", s.reading(s.kbSolved), true},
		{"GET", "/sitemap.xml", s.sitemap, true},
		{"POST", "/cases/{id}/kb/insert", s.insertKBLink, false},
	}
}

// reading serves next as the signed-in reader when the session cookie is
// valid, and to an anonymous reader otherwise: public pages never send
// anyone to sign in.
func (s *Server) reading(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(directory.SessionCookie); err == nil {
			if _, _, err := s.Directory.Authenticate(r.Context(), s.Now(), c.Value); err == nil {
				s.signedIn(next).ServeHTTP(w, r)
				return
			}
		}
		next(w, r)
	}
}

type kbData struct {
	Query      string
	Lang       string
	Category   string
	Categories []string
	Hits       []kb.Hit
	Languages  []string
	// Staff is set for vendor staff, who see every state and visibility.
	Staff bool
}

// kbLang is the language the reader searches in: the one asked for, else
// the reader's own.
func kbLang(r *http.Request, p *page) string {
	if l := r.URL.Query().Get("lang"); l == "all" {
		return ""
	} else if supported(l) != "" {
		return l
	}
	return p.Reader.Locale
}

func (s *Server) kbIndex(w http.ResponseWriter, r *http.Request) {
	d := &kbData{Query: r.URL.Query().Get("q"), Category: r.URL.Query().Get("category"), Languages: kb.Languages}
	p := s.newPage(r, "kb.title", d)
	d.Lang = kbLang(r, p)
	d.Staff = p.Reader.vendor()
	var err error
	if d.Categories, err = s.KB.Categories(r.Context(), d.Lang); err == nil {
		d.Hits, err = s.KB.Search(r.Context(), kb.Query{Text: d.Query, Lang: d.Lang, Category: d.Category})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "kb", p)
}

// kbSuggest answers the new case page while its title is typed: up to five
// published articles in the reader's language (htmx swaps the list in).
func (s *Server) kbSuggest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("title")
	if q == "" {
		q = r.URL.Query().Get("q")
	}
	d := &kbData{Query: q}
	p := s.newPage(r, "kb.suggest.title", d)
	d.Lang = kbLang(r, p)
	hits, err := s.KB.Suggest(r.Context(), q, d.Lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Hits = hits
	s.render(w, r, http.StatusOK, "kb_suggest", p)
}

type kbArticleData struct {
	Article      kb.Article
	Translations []kb.Article
	Revisions    []kb.Revision
	Staff        bool
	Solved       bool
}

func (s *Server) kbArticlePage(w http.ResponseWriter, r *http.Request, solved bool) {
	a, err := s.KB.BySlug(r.Context(), r.PathValue("slug"))
	d := &kbArticleData{Article: a, Solved: solved}
	p := s.newPage(r, "kb.title", d)
	d.Staff = p.Reader.vendor()
	if err == nil {
		d.Translations, err = s.KB.Translations(r.Context(), a)
	}
	if err == nil && d.Staff {
		d.Revisions, err = s.KB.Revisions(r.Context(), a.ID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "kb_article", p)
}

func (s *Server) kbArticle(w http.ResponseWriter, r *http.Request) { s.kbArticlePage(w, r, false) }

// kbByID sends a reader to the article a reply's reference names by id,
// at its current slug.
func (s *Server) kbByID(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !accord.ValidID(id) {
		s.fail(w, r, &accord.Error{Kind: accord.NotFound, Msg: "not found"})
		return
	}
	a, err := s.KB.Get(r.Context(), accord.ID(id))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/kb/"+a.Slug, http.StatusSeeOther)
}

// kbHref is where a reply's knowledge-base reference links: an article id
// to its page, a URL to itself.
func kbHref(v string) string {
	if cases.KBArticleID(v) {
		return "/kb/id/" + v
	}
	return v
}

// kbSolvedCookie keeps, in the reader's browser, the articles it said
// solved its problem, so that clicking again or reloading the answer does
// not count twice; at most kbSolvedMax, the latest.
const (
	kbSolvedCookie = "accord_kb_solved"
	kbSolvedMax    = 50
)

func (s *Server) kbSolved(w http.ResponseWriter, r *http.Request) {
	a, err := s.KB.BySlug(r.Context(), r.PathValue("slug"))
	var seen []string
	if c, cerr := r.Cookie(kbSolvedCookie); cerr == nil {
		seen = slices.DeleteFunc(strings.Split(c.Value, "."), func(id string) bool { return !accord.ValidID(id) })
	}
	if err == nil && !slices.Contains(seen, string(a.ID)) {
		if _, err = s.KB.Solved(r.Context(), s.Now(), a.ID); err == nil {
			seen = append(seen, string(a.ID))
			if len(seen) > kbSolvedMax {
				seen = seen[len(seen)-kbSolvedMax:]
			}
			http.SetCookie(w, &http.Cookie{Name: kbSolvedCookie, Value: strings.Join(seen, "."), Path: "/kb", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies || r.TLS != nil})
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.kbArticlePage(w, r, true)
}

// sitemap lists the published public articles, for search engines.
func (s *Server) sitemap(w http.ResponseWriter, r *http.Request) {
	arts, err := s.KB.Sitemap(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type loc struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	}
	set := struct {
		XMLName xml.Name `xml:"urlset"`
		NS      string   `xml:"xmlns,attr"`
		URLs    []loc    `xml:"url"`
	}{NS: "http://www.sitemaps.org/schemas/sitemap/0.9"}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	for _, a := range arts {
		set.URLs = append(set.URLs, loc{Loc: scheme + "://" + r.Host + "/kb/" + a.Slug, LastMod: a.UpdatedAt.Format("2006-01-02")})
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(set)
}

// insertKBLink appends a link to the article picked in the reply form's
// knowledge-base search to the reply's body, and names it as the reply's
// knowledge-base reference, in the first empty reference row. Without a
// pick, it shows the search's results to pick from.
func (s *Server) insertKBLink(w http.ResponseWriter, r *http.Request) {
	id := accord.ID(r.PathValue("id"))
	err := parseForm(w, r, 0)
	p, perr := s.casePageOf(r, id, "reply")
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	if err != nil {
		s.failForm(w, r, err, "case", p)
		return
	}
	f := r.PostForm
	d := p.Data.(*casePageData)
	if pick := f.Get("kb_pick"); f.Get("kb_action") == "insert" && accord.ValidID(pick) {
		a, err := s.KB.Get(r.Context(), accord.ID(pick))
		if err == nil && a.Visibility == kb.Internal && f.Get("internal") == "" {
			// Its title and link would reach the customer, who may not
			// read it.
			err = accord.FieldError("kb_pick", "an internal article is linked from internal notes only")
		}
		if err != nil {
			s.failForm(w, r, err, "case", p)
			return
		}
		body := strings.TrimRight(f.Get("body"), " \n\r\t")
		if body != "" {
			body += "\n\n"
		}
		f.Set("body", body+"["+a.Title+"](/kb/"+a.Slug+")")
		for _, i := range d.RefRows {
			k, v := refField(i, "kind"), refField(i, "value")
			if f.Get(v) == "" {
				f.Set(k, "kb_article")
				f.Set(v, string(a.ID))
				break
			}
		}
		f.Del("kb_pick")
		f.Del("kb_q")
	} else {
		d.KBHits, err = s.KB.Search(r.Context(), kb.Query{Text: f.Get("kb_q"), State: kb.Published, Limit: 10})
		if err != nil {
			s.failForm(w, r, err, "case", p)
			return
		}
	}
	p.Form = f
	s.render(w, r, http.StatusOK, "case", p)
}

func refField(i int, name string) string {
	return "references[" + strconv.Itoa(i) + "]." + name
}
