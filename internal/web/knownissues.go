package web

import (
	"net/http"
	"net/url"
	"slices"

	"accord/internal/accord"
	"accord/internal/knownissues"
	"accord/internal/lang"
)

// knownIssueRoutes are the vendor's known issues, their notices and the
// portal's list (docs/knowledge.md).
func (s *Server) knownIssueRoutes() []route {
	return []route{
		{"GET", "/known-issues", s.knownIssueList, false},
		{"GET", "/known-issues/new", s.newKnownIssuePage, false},
		{"POST", "/known-issues/new", s.createKnownIssue, false},
		{"GET", "/known-issues/{id}", s.knownIssuePage, false},
		{"POST", "/known-issues/{id}/edit", s.updateKnownIssue, false},
		{"POST", "/known-issues/{id}/publish", s.publishKnownIssue, false},
		{"POST", "/known-issues/{id}/workaround", s.knownIssueWorkaround, false},
		{"POST", "/known-issues/{id}/fix", s.fixKnownIssue, false},
		{"POST", "/known-issues/{id}/upgrade", s.requestKnownIssueUpgrade, false},
		{"GET", "/cases/{id}/known-issues", s.caseKnownIssuesPage, false},
		{"POST", "/cases/{id}/known-issues", s.linkCaseKnownIssue, false},
		{"POST", "/cases/{id}/known-issues/{issue_id}/unlink", s.unlinkCaseKnownIssue, false},
	}
}

// openKnownIssues are the published issues not fixed yet that affect the
// reader's customer, in the reader's language, shown above every page of
// a customer's contact until fixed; nil for anyone else.
func (s *Server) openKnownIssues(r *http.Request) []knownissues.KnownIssue {
	rd := readerOf(r.Context())
	if s.KnownIssues == nil || !rd.is(accord.RoleCustomerContact) {
		return nil
	}
	l, err := s.KnownIssues.List(r.Context(), s.Now(), knownissues.Filter{Open: true})
	if err != nil {
		s.Log.WarnContext(r.Context(), "open known issues", "err", err)
		return nil
	}
	for i := range l {
		l[i] = l[i].For(rd.Locale, false)
	}
	return l
}

type knownIssueListData struct {
	Issues   []knownissues.KnownIssue
	Products map[accord.ID]string
	Staff    bool
}

func (s *Server) knownIssueList(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	list, err := s.KnownIssues.List(r.Context(), s.Now(), knownissues.Filter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := knownIssueListData{Staff: rd.staff(), Products: map[accord.ID]string{}}
	for _, k := range list {
		data.Issues = append(data.Issues, k.For(rd.Locale, rd.vendor()))
	}
	if data.Staff {
		if data.Products, err = s.productNames(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "knownissues", s.newPage(r, "ki.list.title", &data))
}

func (s *Server) productNames(r *http.Request) (map[accord.ID]string, error) {
	ps, err := s.KnownIssues.Products(r.Context())
	if err != nil {
		return nil, err
	}
	out := make(map[accord.ID]string, len(ps))
	for _, p := range ps {
		out[p.ID] = p.Name
	}
	return out, nil
}

// knownIssueFormData is the form of a new issue or of an issue's edit.
type knownIssueFormData struct {
	Products []knownissues.Product
	Locales  []string
	Issue    *knownissues.KnownIssue
}

// Text is the value an issue's text field shows in loc.
func (d *knownIssueFormData) Text(field, loc string) string {
	if d.Issue == nil {
		return ""
	}
	return d.Issue.Texts()[field][loc]
}

// TextFields are the issue's customer-facing texts the form edits (the
// workaround has its own form, which tells the customers).
func (d *knownIssueFormData) TextFields() []string {
	return []string{"title", "symptoms", "root_cause"}
}

// Field is the value the issue's field shows in the form.
func (d *knownIssueFormData) Field(name string) string {
	if d.Issue == nil {
		return ""
	}
	switch name {
	case "product_id":
		return string(d.Issue.ProductID)
	case "from":
		return d.Issue.Range.From
	case "to":
		return d.Issue.Range.To
	case "internal_notes":
		return d.Issue.InternalNotes
	}
	return ""
}

func (s *Server) newKnownIssuePage(w http.ResponseWriter, r *http.Request) {
	ps, err := s.KnownIssues.Products(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "knownissue_new", s.newPage(r, "ki.new.title", &knownIssueFormData{Products: ps, Locales: lang.Locales}))
}

// localized reads the text fields name.<locale> of a form; nil when none
// is there, so that an edit leaves the text.
func localized(f url.Values, name string) lang.Text {
	var t lang.Text
	for _, loc := range lang.Locales {
		if vs, ok := f[name+"."+loc]; ok {
			if t == nil {
				t = lang.Text{}
			}
			if len(vs) > 0 && vs[0] != "" {
				t[loc] = vs[0]
			}
		}
	}
	return t
}

func knownIssueInput(f url.Values) knownissues.Input {
	in := knownissues.Input{Title: localized(f, "title"), Symptoms: localized(f, "symptoms"), RootCause: localized(f, "root_cause")}
	str := func(name string) *string {
		if _, ok := f[name]; !ok {
			return nil
		}
		v := f.Get(name)
		return &v
	}
	if v := str("product_id"); v != nil {
		id := accord.ID(*v)
		in.ProductID = &id
	}
	in.From, in.To, in.InternalNotes = str("from"), str("to"), str("internal_notes")
	if v := str("status"); v != nil {
		st := knownissues.Status(*v)
		in.Status = &st
	}
	return in
}

func (s *Server) createKnownIssue(w http.ResponseWriter, r *http.Request) {
	ps, err := s.KnownIssues.Products(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "ki.new.title", &knownIssueFormData{Products: ps, Locales: lang.Locales})
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "knownissue_new", p)
		return
	}
	k, err := s.KnownIssues.Create(r.Context(), s.Now(), knownIssueInput(r.PostForm))
	if err != nil {
		s.failForm(w, r, err, "knownissue_new", p)
		return
	}
	s.done(w, r, "/known-issues/"+string(k.ID), "ki.created")
}

type knownIssueData struct {
	knownIssueFormData
	K         knownissues.KnownIssue
	Product   string
	Staff     bool
	Customers []knownissues.Customer
	Orgs      map[accord.ID]string
	Links     []knownissues.Link
	Notices   []knownissues.Notice
	Missing   []lang.Gap
	Statuses  []knownissues.Status
	// Upgrade: the reader is a customer's contact whose contract includes
	// the assisted upgrade, for a fixed issue.
	Upgrade bool
}

func (s *Server) knownIssueData(r *http.Request) (*knownIssueData, error) {
	rd := readerOf(r.Context())
	id := accord.ID(r.PathValue("id"))
	k, err := s.KnownIssues.Get(r.Context(), s.Now(), id)
	if err != nil {
		return nil, err
	}
	d := &knownIssueData{K: k.For(rd.Locale, rd.vendor()), Staff: rd.staff(), Statuses: knownissues.Statuses[:3]}
	if d.Customers, err = s.KnownIssues.Customers(r.Context(), s.Now(), id); err != nil {
		return nil, err
	}
	if d.Links, err = s.KnownIssues.IssueLinks(r.Context(), s.Now(), id); err != nil {
		return nil, err
	}
	if d.Orgs, err = s.orgNames(r); err != nil {
		return nil, err
	}
	if rd.vendor() {
		d.K, d.Issue, d.Locales, d.Missing = k, &k, lang.Locales, k.Missing()
		if d.Notices, err = s.KnownIssues.Notices(r.Context(), id); err != nil {
			return nil, err
		}
	}
	if d.Staff {
		if d.Products, err = s.KnownIssues.Products(r.Context()); err != nil {
			return nil, err
		}
		for _, p := range d.Products {
			if p.ID == k.ProductID {
				d.Product = p.Name
			}
		}
	}
	d.Upgrade = rd.is(accord.RoleCustomerContact) && k.Status == knownissues.Fixed && s.KnownIssues.UpgradeIncluded(r.Context(), s.Now())
	return d, nil
}

// Lacks lists the locales the issue's text field lacks, for the author.
func (d *knownIssueData) Lacks(field string) []string {
	i := slices.IndexFunc(d.Missing, func(g lang.Gap) bool { return g.Path == field })
	if i < 0 {
		return nil
	}
	return d.Missing[i].Lacks
}

func (s *Server) knownIssuePage(w http.ResponseWriter, r *http.Request) {
	d, err := s.knownIssueData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "knownissue", s.newPage(r, "ki.page.title", d))
}

// knownIssueForm runs do with the parsed form of the issue's page; its
// refusal shows the page again with the problems.
func (s *Server) knownIssueForm(w http.ResponseWriter, r *http.Request, flash string, do func(id accord.ID, f url.Values) error) {
	id := accord.ID(r.PathValue("id"))
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := do(id, r.PostForm); err != nil {
		d, derr := s.knownIssueData(r)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		s.failForm(w, r, err, "knownissue", s.newPage(r, "ki.page.title", d))
		return
	}
	s.done(w, r, "/known-issues/"+string(id), flash)
}

func (s *Server) updateKnownIssue(w http.ResponseWriter, r *http.Request) {
	s.knownIssueForm(w, r, "ki.saved", func(id accord.ID, f url.Values) error {
		_, err := s.KnownIssues.Update(r.Context(), s.Now(), id, knownIssueInput(f))
		return err
	})
}

func (s *Server) publishKnownIssue(w http.ResponseWriter, r *http.Request) {
	s.knownIssueForm(w, r, "ki.published", func(id accord.ID, _ url.Values) error {
		_, err := s.KnownIssues.Publish(r.Context(), s.Now(), id)
		return err
	})
}

func (s *Server) knownIssueWorkaround(w http.ResponseWriter, r *http.Request) {
	s.knownIssueForm(w, r, "ki.workaround_saved", func(id accord.ID, f url.Values) error {
		_, err := s.KnownIssues.SetWorkaround(r.Context(), s.Now(), id, localized(f, "workaround"))
		return err
	})
}

func (s *Server) fixKnownIssue(w http.ResponseWriter, r *http.Request) {
	s.knownIssueForm(w, r, "ki.fixed", func(id accord.ID, f url.Values) error {
		_, err := s.KnownIssues.Fix(r.Context(), s.Now(), id, f.Get("version"))
		return err
	})
}

// requestKnownIssueUpgrade is the fix notice's one click.
func (s *Server) requestKnownIssueUpgrade(w http.ResponseWriter, r *http.Request) {
	id := accord.ID(r.PathValue("id"))
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	eng, err := s.KnownIssues.RequestUpgrade(r.Context(), s.Now(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/engagements/"+string(eng), "ki.upgrade_requested")
}

type caseKnownIssuesData struct {
	CaseID accord.ID
	Number int64
	Title  string
	Links  []knownissues.Link
	Issues []knownissues.KnownIssue // those the case may be linked to
	Titles map[accord.ID]string     // of the linked issues, in the reader's language
	Staff  bool
}

// Linked reports whether the case is linked to the issue.
func (d *caseKnownIssuesData) Linked(id accord.ID) bool {
	return slices.ContainsFunc(d.Links, func(l knownissues.Link) bool { return l.IssueID == id })
}

func (s *Server) caseKnownIssuesData(r *http.Request) (*caseKnownIssuesData, error) {
	rd := readerOf(r.Context())
	c, err := s.Cases.Get(r.Context(), s.Now(), accord.ID(r.PathValue("id")))
	if err != nil {
		return nil, err
	}
	d := &caseKnownIssuesData{CaseID: c.ID, Number: c.Number, Title: c.Title, Staff: rd.staff()}
	if d.Links, err = s.KnownIssues.CaseLinks(r.Context(), s.Now(), c.ID); err != nil {
		return nil, err
	}
	d.Titles = map[accord.ID]string{}
	for _, l := range d.Links {
		if k, err := s.KnownIssues.Get(r.Context(), s.Now(), l.IssueID); err == nil {
			d.Titles[l.IssueID] = k.Title.In(rd.Locale)
		} else if !accord.IsKind(err, accord.NotFound) {
			return nil, err
		}
	}
	if d.Staff {
		all, err := s.KnownIssues.List(r.Context(), s.Now(), knownissues.Filter{})
		if err != nil {
			return nil, err
		}
		for _, k := range all {
			if k.Status != knownissues.Fixed && !d.Linked(k.ID) {
				d.Issues = append(d.Issues, k.For(rd.Locale, true))
			}
		}
	}
	return d, nil
}

func (s *Server) caseKnownIssuesPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.caseKnownIssuesData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "case_knownissues", s.newPage(r, "ki.case.title", d))
}

func (s *Server) linkCaseKnownIssue(w http.ResponseWriter, r *http.Request) {
	caseID := accord.ID(r.PathValue("id"))
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.KnownIssues.LinkCase(r.Context(), s.Now(), caseID, accord.ID(r.PostForm.Get("known_issue_id"))); err != nil {
		d, derr := s.caseKnownIssuesData(r)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		s.failForm(w, r, err, "case_knownissues", s.newPage(r, "ki.case.title", d))
		return
	}
	s.done(w, r, "/cases/"+string(caseID)+"/known-issues", "ki.linked")
}

func (s *Server) unlinkCaseKnownIssue(w http.ResponseWriter, r *http.Request) {
	caseID := accord.ID(r.PathValue("id"))
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.KnownIssues.UnlinkCase(r.Context(), s.Now(), caseID, accord.ID(r.PathValue("issue_id"))); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/cases/"+string(caseID)+"/known-issues", "ki.unlinked")
}
