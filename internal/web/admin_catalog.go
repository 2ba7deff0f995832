package web

import (
	"fmt"
	"maps"
	"net/http"
	"slices"

	"accord/internal/accord"
	"accord/internal/engagements"
)

type adminCatalogData struct {
	Version  engagements.Version
	Catalog  *engagements.Catalog
	Services []adminOffering
	Versions []engagements.Version
	More     bool
	Problems []adminProblem
	// Untranslated are the version's texts that lack a language Accord
	// serves: their readers read the en-US text.
	Untranslated []adminProblem
}

// adminOffering is a service of the catalog with its hourly rate and, for
// each of its plans (one per format), who takes part in how many steps.
type adminOffering struct {
	Key string
	engagements.Offering
	Rate  engagements.Money
	Plans []adminPlan
}

type adminPlan struct {
	Name    string // the format's; empty for a service without formats
	Steps   []engagements.StepDef
	ByParty []adminPartySteps
}

type adminPartySteps struct {
	Party engagements.Party
	Steps int
}

func adminPlanOf(name string, steps []engagements.StepDef) adminPlan {
	pl := adminPlan{Name: name, Steps: steps}
	for _, party := range []engagements.Party{engagements.Customer, engagements.Reseller, engagements.Vendor} {
		n := 0
		for _, st := range steps {
			if slices.Contains(st.Parties, party) {
				n++
			}
		}
		if n > 0 {
			pl.ByParty = append(pl.ByParty, adminPartySteps{Party: party, Steps: n})
		}
	}
	return pl
}

func (s *Server) adminCatalogPage(r *http.Request) (*page, error) {
	ctx := r.Context()
	var d adminCatalogData
	var err error
	if d.Version, d.Catalog, err = s.Engagements.CurrentCatalog(ctx); err != nil {
		return nil, err
	}
	versions, next, err := s.Engagements.CatalogVersions(ctx, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		return nil, err
	}
	d.Versions, d.More = versions, next != ""
	d.Untranslated = adminUntranslated(d.Version.Document, d.Catalog)
	for _, key := range slices.Sorted(maps.Keys(d.Catalog.Services)) {
		svc := d.Catalog.Services[key].In(readerOf(ctx).Locale)
		o := adminOffering{Key: key, Offering: svc, Rate: d.Catalog.Rate(svc)}
		if len(svc.Formats) == 0 {
			o.Plans = []adminPlan{adminPlanOf("", svc.Plan)}
		}
		for _, f := range svc.FormatKeys() {
			o.Plans = append(o.Plans, adminPlanOf(svc.Formats[f].Name.String(), svc.Formats[f].Plan))
		}
		d.Services = append(d.Services, o)
	}
	return s.newPage(r, "admin.catalog.title", d), nil
}

func (s *Server) adminCatalog(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminCatalogPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_catalog", p)
}

func (s *Server) adminCatalogYAML(w http.ResponseWriter, r *http.Request) {
	n, err := adminVersion(r)
	var v engagements.Version
	if err == nil {
		v, _, err = s.Engagements.CatalogVersion(r.Context(), n)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	adminSendYAML(w, fmt.Sprintf("catalog-v%d.yaml", v.Number), v.Document)
}

// adminImportCatalog stores the document sent as the next catalog version.
// A document with problems comes back as sent, with each problem at its
// line and column.
func (s *Server) adminImportCatalog(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminCatalogPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	doc := ""
	if err = parseForm(w, r, engagements.MaxDocument); err == nil {
		doc, err = adminDocument(r)
	}
	if err == nil {
		_, err = s.Engagements.ImportCatalog(r.Context(), s.Now(), doc, r.PostForm.Get("note"))
	}
	if err != nil {
		d := p.Data.(adminCatalogData)
		d.Problems, err = s.adminProblems(r, err)
		p.Data = d
		s.failForm(w, r, err, "admin_catalog", p)
		return
	}
	s.done(w, r, "/admin/catalog", "admin.catalog.imported")
}
