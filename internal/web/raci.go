package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"accord/internal/accord"
	"accord/internal/environments"
	"accord/internal/raci"
)

// raciRoutes are the responsibility matrices' pages: the vendor's
// administration of the default (import, diff, rollback), and "who does
// what" for an environment, on screen and printable.
func (s *Server) raciRoutes() []route {
	return []route{
		{"GET", "/raci", s.raciDefault, false},
		{"GET", "/environments/{id}/raci", s.raciEnvironment, false},
		{"POST", "/environments/{id}/raci", s.raciSetOverride, false},
		{"GET", "/environments/{id}/raci/print", s.raciPrint, false},
		{"GET", "/admin/raci", s.adminRaci, false},
		{"POST", "/admin/raci", s.adminImportRaci, false},
		{"GET", "/admin/raci/versions/{n}", s.adminRaciVersion, false},
		{"GET", "/admin/raci/versions/{n}/yaml", s.adminRaciYAML, false},
		{"POST", "/admin/raci/versions/{n}/rollback", s.adminRollbackRaci, false},
		{"GET", "/admin/raci/diff", s.adminRaciDiff, false},
	}
}

// raciTable is a matrix as the reader reads it: names and texts in the
// reader's language, a column per party.
type raciTable struct {
	Processes []raciProcess
	// Reseller is whether the reseller column shows: when a reseller
	// delivers the environment, or holds letters somewhere.
	Reseller bool
}

type raciProcess struct {
	Key, Name string
	Rows      []raciRow
}

type raciRow struct {
	Key, Text                  string
	Vendor, Customer, Reseller raci.Letters
}

func raciTableOf(m *raci.Matrix, locale string, reseller bool) raciTable {
	t := raciTable{Reseller: reseller}
	for _, p := range m.Processes {
		tp := raciProcess{Key: p.Key, Name: raci.In(p.Name, locale)}
		for _, a := range p.Activities {
			row := raciRow{Key: a.Key, Text: raci.In(a.Text, locale), Vendor: a.Parties[raci.Vendor],
				Customer: a.Parties[raci.Customer], Reseller: a.Parties[raci.Reseller]}
			t.Reseller = t.Reseller || len(row.Reseller) > 0
			tp.Rows = append(tp.Rows, row)
		}
		t.Processes = append(t.Processes, tp)
	}
	return t
}

// raciLetters lists the letters for the legend, in R, A, S, C, I order.
var raciLetters = []string{"R", "A", "S", "C", "I"}

type raciData struct {
	Table   raciTable
	Letters []string
	Default raci.Version
	// Environment is the environment whose matrix is shown; nil on the
	// default's page.
	Environment *environments.Environment
	Override    *raci.Override
	// Agreed is what the environment's own version changes from the
	// default, with the activity's text in the reader's language.
	Agreed []raciAgreed
	// Environments are the reader's environments, on the default's page.
	Environments []environments.Environment
	Problems     []adminProblem
}

// raciAgreed is one agreed difference, named for a reader.
type raciAgreed struct {
	Process, Activity, Party string
	Before, After            string
	Path                     string // when the change is not a cell
}

func raciAgreedOf(m *raci.Matrix, changes []raci.Change, locale string) []raciAgreed {
	var out []raciAgreed
	for _, c := range changes {
		a := raciAgreed{Path: c.Path}
		if c.Before != nil {
			a.Before = *c.Before
		}
		if c.After != nil {
			a.After = *c.After
		}
		parts := strings.Split(c.Path, ".")
		if len(parts) == 4 && parts[2] == "letters" {
			if p, ok := m.Process(parts[0]); ok {
				a.Process = raci.In(p.Name, locale)
			}
			if act, ok := m.Activity(parts[0], parts[1]); ok {
				a.Activity = raci.In(act.Text, locale)
			}
			a.Party, a.Path = parts[3], ""
		}
		out = append(out, a)
	}
	return out
}

// raciDefault is the vendor's default split of duties, with links to the
// reader's environments' own matrices.
func (s *Server) raciDefault(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, m, err := s.Raci.Current(ctx)
	var envs []environments.Environment
	if err == nil {
		envs, err = s.Environments.List(ctx, environments.Filter{})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loc := readerOf(ctx).Locale
	d := &raciData{Table: raciTableOf(m, loc, false), Letters: raciLetters, Default: v, Environments: envs}
	s.render(w, r, http.StatusOK, "raci", s.newPage(r, "raci.title", d))
}

// raciEnvironmentData loads an environment and its matrix in force; an
// environment of another tenant is NotFound.
func (s *Server) raciEnvironmentData(r *http.Request) (*raciData, error) {
	ctx := r.Context()
	id := accord.ID(r.PathValue("id"))
	env, err := s.Environments.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	eff, err := s.Raci.ForEnvironment(ctx, id)
	if err != nil {
		return nil, err
	}
	loc := readerOf(ctx).Locale
	return &raciData{Table: raciTableOf(eff.Matrix, loc, env.ResellerID != ""), Letters: raciLetters, Default: eff.Default,
		Environment: &env, Override: eff.Override, Agreed: raciAgreedOf(eff.Matrix, eff.Agreed, loc)}, nil
}

func (s *Server) raciEnvironment(w http.ResponseWriter, r *http.Request) {
	d, err := s.raciEnvironmentData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "raci", s.newPage(r, "raci.environment_title", d))
}

// raciPrint is the environment's matrix on its own, for paper or PDF: no
// navigation, every process on the page.
func (s *Server) raciPrint(w http.ResponseWriter, r *http.Request) {
	d, err := s.raciEnvironmentData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "raci_print", s.newPage(r, "raci.environment_title", d))
}

// raciSetOverride gives the environment its own version (vendor
// administrators); problems come back at their line and column.
func (s *Server) raciSetOverride(w http.ResponseWriter, r *http.Request) {
	d, err := s.raciEnvironmentData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "raci.environment_title", d)
	doc := ""
	if err = parseForm(w, r, raci.MaxDocument); err == nil {
		doc, err = adminDocument(r)
	}
	if err == nil {
		_, _, err = s.Raci.SetOverride(r.Context(), s.Now(), d.Environment.ID, doc, r.PostForm.Get("note"))
	}
	if err != nil {
		d.Problems, err = s.adminProblems(r, err)
		s.failForm(w, r, err, "raci", p)
		return
	}
	s.done(w, r, "/environments/"+string(d.Environment.ID)+"/raci", "raci.override_set")
}

type adminRaciData struct {
	Version  raci.Version
	Current  bool
	Table    raciTable
	Letters  []string
	Versions []raci.Version
	More     bool
	Problems []adminProblem
}

// adminRaciPage loads default version n (0: the current one) with the
// list of versions.
func (s *Server) adminRaciPage(r *http.Request, n int) (*page, error) {
	ctx := r.Context()
	d := adminRaciData{Letters: raciLetters}
	var m *raci.Matrix
	var err error
	if n == 0 {
		d.Version, m, err = s.Raci.Current(ctx)
	} else {
		d.Version, m, err = s.Raci.Get(ctx, n)
	}
	if err != nil {
		return nil, err
	}
	versions, next, err := s.Raci.List(ctx, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		return nil, err
	}
	d.Versions, d.More = versions, next != ""
	d.Current = len(versions) > 0 && versions[0].Number == d.Version.Number
	d.Table = raciTableOf(m, readerOf(ctx).Locale, false)
	return s.newPage(r, "raci.admin_title", d), nil
}

func (s *Server) adminRaci(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminRaciPage(r, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_raci", p)
}

func (s *Server) adminRaciVersion(w http.ResponseWriter, r *http.Request) {
	n, err := adminVersion(r)
	var p *page
	if err == nil {
		p, err = s.adminRaciPage(r, n)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_raci", p)
}

func (s *Server) adminRaciYAML(w http.ResponseWriter, r *http.Request) {
	n, err := adminVersion(r)
	var v raci.Version
	if err == nil {
		v, _, err = s.Raci.Get(r.Context(), n)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	adminSendYAML(w, fmt.Sprintf("raci-v%d.yaml", v.Number), v.Document)
}

// adminImportRaci stores the document sent as the next default version and
// shows what it changed; a document with problems comes back as sent, with
// each problem at its line and column.
func (s *Server) adminImportRaci(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminRaciPage(r, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	doc := ""
	if err = parseForm(w, r, raci.MaxDocument); err == nil {
		doc, err = adminDocument(r)
	}
	var v raci.Version
	if err == nil {
		v, _, err = s.Raci.Import(r.Context(), s.Now(), doc, r.PostForm.Get("note"))
	}
	if err != nil {
		d := p.Data.(adminRaciData)
		d.Problems, err = s.adminProblems(r, err)
		p.Data = d
		s.failForm(w, r, err, "admin_raci", p)
		return
	}
	s.done(w, r, fmt.Sprintf("/admin/raci/diff?to=%d", v.Number), "raci.imported")
}

func (s *Server) adminRollbackRaci(w http.ResponseWriter, r *http.Request) {
	n, err := adminVersion(r)
	var v raci.Version
	if err == nil {
		v, _, err = s.Raci.Rollback(r.Context(), s.Now(), n)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, fmt.Sprintf("/admin/raci/diff?to=%d", v.Number), "raci.rolled_back")
}

type adminRaciDiffData struct {
	From, To int
	Changes  []raci.Change
	Asked    bool
}

// adminRaciDiff lists what changes from one default version to another;
// without a first version, from the one before the second.
func (s *Server) adminRaciDiff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &adminRaciDiffData{}
	p := s.newPage(r, "raci.diff_title", d)
	if !q.Has("to") {
		s.render(w, r, http.StatusOK, "admin_raci_diff", p)
		return
	}
	d.To, _ = strconv.Atoi(q.Get("to"))
	d.From = d.To - 1
	if v := q.Get("from"); v != "" {
		d.From, _ = strconv.Atoi(v)
	}
	var err error
	switch bad := s.msgs.text(p.Reader.Locale, "admin.diff.bad_version"); {
	case d.To < 1:
		err = accord.FieldError("to", "%s", bad)
	case d.From < 1:
		err = accord.FieldError("from", "%s", bad)
	default:
		d.Changes, err = s.Raci.Diff(r.Context(), d.From, d.To)
	}
	if err != nil {
		s.adminFailQuery(w, r, err, "admin_raci_diff", p)
		return
	}
	d.Asked = true
	s.render(w, r, http.StatusOK, "admin_raci_diff", p)
}
