package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
)

// caseRoutes are the case list, the form that opens a case, and the case
// page with one form target per action on it.
func (s *Server) caseRoutes() []route {
	return append([]route{
		{"GET", "/cases", s.caseList, false},
		{"GET", "/cases/new", s.newCasePage, false},
		{"POST", "/cases/new", s.openCase, false},
		{"GET", "/cases/{id}", s.casePage, false},
	}, s.caseActions()...)
}

type caseListData struct {
	Cases []caseRow
	// Orgs names the customers of the cases, for readers who see more than
	// their own organization; nil for customer contacts.
	Orgs     map[accord.ID]string
	Choices  []directory.Organization
	States   []cases.State
	Types    []cases.Type
	Crits    []sla.Criticality
	NextPage string // the URL of the next page, if there is one
	CanOpen  bool
	// Export is the CSV export of every case the filters select.
	Export template.URL
	query  url.Values
}

// Col is the header of the column sorted by key: the list newest first
// unless the query sorts it.
func (d *caseListData) Col(key string) sortCol {
	current, err := cases.ParseSort(d.query.Get("sort"))
	if err != nil || current.Key == "" {
		current = cases.Sort{Key: cases.SortCreated, Desc: true}
	}
	q := url.Values{}
	for k, v := range d.query {
		if k != "cursor" && k != "sort" {
			q[k] = v
		}
	}
	q.Set("sort", current.Toggle(cases.SortKey(key)).String())
	col := sortCol{Href: template.URL("/cases?" + q.Encode())} //nolint:gosec // encoded by url.Values.Encode
	if current.Key == cases.SortKey(key) {
		col.Sort = "ascending"
		if current.Desc {
			col.Sort = "descending"
		}
	}
	return col
}

// caseList lists the cases the reader may see, newest first, filtered by
// the GET form above the table.
func (s *Server) caseList(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	q := r.URL.Query()
	data := caseListData{States: cases.States, Types: slices.Concat(cases.Types, []cases.Type{cases.RootCause}),
		Crits: sla.Criticalities, CanOpen: !rd.is(accord.RoleAuditor), Export: exportURL(q), query: q}
	p := s.newPage(r, "cases.title", &data)
	if !rd.is(accord.RoleCustomerContact) {
		orgs, err := s.caseOrgs(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data.Orgs, data.Choices = orgs.names, orgs.list
	}
	// A search for a case's number opens that case.
	if href, err := s.caseByNumber(r, q.Get("q")); err != nil || href != "" {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, href, http.StatusSeeOther)
		return
	}
	f := cases.Filter{OrgID: accord.ID(q.Get("org_id")), Type: cases.Type(q.Get("type")),
		Criticality: sla.Criticality(q.Get("criticality")), Text: strings.TrimSpace(q.Get("q"))}
	if st := q.Get("state"); st != "" {
		f.States = []cases.State{cases.State(st)}
	}
	by, err := cases.ParseSort(q.Get("sort"))
	if err != nil {
		s.failForm(w, r, err, "cases", p)
		return
	}
	f.Sort = by
	list, next, err := s.Cases.List(r.Context(), s.Now(), f, accord.Page{Cursor: q.Get("cursor")})
	if err != nil {
		s.failForm(w, r, err, "cases", p)
		return
	}
	// Agents and staff see who has each case and how long its customer
	// has waited, as in the queue's views.
	if data.Orgs == nil {
		data.Cases = make([]caseRow, len(list))
		for i, c := range list {
			data.Cases[i] = caseRow{Case: c}
		}
	} else {
		if data.Cases, err = s.caseRows(r, list, data.Orgs, s.Now()); err != nil {
			s.fail(w, r, err)
			return
		}
		waitedRows(data.Cases, false, s.Now())
	}
	data.NextPage = nextPage("/cases", q, next)
	s.render(w, r, http.StatusOK, "cases", p)
}

// caseOrgList is the customer organizations a reader may see, as a list
// for choosing one and by id for naming one.
type caseOrgList struct {
	list  []directory.Organization
	names map[accord.ID]string
}

func (s *Server) caseOrgs(r *http.Request) (caseOrgList, error) {
	kind := directory.KindCustomer
	list, _, err := s.Directory.ListOrganizations(r.Context(), s.Now(), directory.OrgFilter{Kind: &kind}, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		return caseOrgList{}, err
	}
	names := make(map[accord.ID]string, len(list))
	for _, o := range list {
		names[o.ID] = o.Name
	}
	return caseOrgList{list: list, names: names}, nil
}

// casePath is the page of case id, where every action on it returns.
func casePath(id accord.ID) string { return "/cases/" + url.PathEscape(string(id)) }
