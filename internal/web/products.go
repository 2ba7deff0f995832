package web

import (
	"net/http"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/products"
)

// productRoutes are the vendor's products, their versions and release
// notes, and customers' installations (docs/knowledge.md).
func (s *Server) productRoutes() []route {
	return []route{
		{"GET", "/products", s.productList, false},
		{"POST", "/products", s.createProduct, false},
		{"GET", "/products/{id}", s.productPage, false},
		{"POST", "/products/{id}/versions", s.createProductVersion, false},
		{"POST", "/products/{id}/versions/{vid}/publish", s.publishProductVersion, false},
		{"GET", "/installations", s.installationList, false},
		{"POST", "/installations", s.createInstallation, false},
		{"POST", "/installations/{id}/version", s.updateInstallationVersion, false},
		{"POST", "/installations/{id}/delete", s.deleteInstallation, false},
	}
}

type productListData struct {
	Products []products.Product
	Admin    bool // the reader manages the catalog
}

func (s *Server) productListData(r *http.Request) (*productListData, error) {
	l, err := s.Products.ListProducts(r.Context())
	if err != nil {
		return nil, err
	}
	return &productListData{Products: l, Admin: readerOf(r.Context()).is(accord.RoleAdmin)}, nil
}

func (s *Server) productList(w http.ResponseWriter, r *http.Request) {
	data, err := s.productListData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "products", s.newPage(r, "product.list.title", data))
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request) {
	data, err := s.productListData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "product.list.title", data)
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "products", p)
		return
	}
	prod, err := s.Products.CreateProduct(r.Context(), s.Now(), products.NewProduct{Key: r.PostForm.Get("key"), Name: r.PostForm.Get("name")})
	if err != nil {
		s.failForm(w, r, err, "products", p)
		return
	}
	s.done(w, r, "/products/"+string(prod.ID), "product.created")
}

type productData struct {
	Product  products.Product
	Versions []products.Version
	Admin    bool
	Today    string
}

func (s *Server) productPageData(r *http.Request) (*productData, error) {
	id := accord.ID(r.PathValue("id"))
	p, err := s.Products.GetProduct(r.Context(), id)
	if err != nil {
		return nil, err
	}
	vs, err := s.Products.ListVersions(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &productData{Product: p, Versions: vs, Admin: readerOf(r.Context()).is(accord.RoleAdmin),
		Today: s.Now().UTC().Format(time.DateOnly)}, nil
}

// productPage shows a product's versions, highest first, with their
// release notes rendered sanitized; drafts and the forms to the vendor's
// administrators.
func (s *Server) productPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.productPageData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "product", s.newPage(r, "product.page.title", data))
}

func (s *Server) createProductVersion(w http.ResponseWriter, r *http.Request) {
	data, err := s.productPageData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "product.page.title", data)
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "product", p)
		return
	}
	f := r.PostForm
	if _, err := s.Products.CreateVersion(r.Context(), s.Now(), data.Product.ID, products.NewVersion{Number: f.Get("number"),
		ReleasedOn: f.Get("released_on"), EndOfSupport: f.Get("end_of_support"), Notes: f.Get("notes")}); err != nil {
		s.failForm(w, r, err, "product", p)
		return
	}
	s.done(w, r, "/products/"+string(data.Product.ID), "product.version_created")
}

func (s *Server) publishProductVersion(w http.ResponseWriter, r *http.Request) {
	id, vid := accord.ID(r.PathValue("id")), accord.ID(r.PathValue("vid"))
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.Products.GetVersion(r.Context(), vid)
	if err == nil && v.ProductID != id {
		err = &accord.Error{Kind: accord.NotFound, Msg: "version not found"}
	}
	if err == nil {
		_, err = s.Products.Publish(r.Context(), s.Now(), vid)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/products/"+string(id), "product.published")
}

type installationListData struct {
	Installations []products.Installation
	Unsupported   []products.Unsupported
	Products      []products.Product
	Names         map[accord.ID]string // products' names
	Orgs          map[accord.ID]string
	Customers     []directory.Organization // for the vendor's filter and form
	OrgID         accord.ID                // the filter
	Vendor        bool
	Edits         bool // the reader may record installations
	Deployments   []products.Deployment
}

func (s *Server) installationListData(r *http.Request) (*installationListData, error) {
	rd := readerOf(r.Context())
	data := &installationListData{Vendor: rd.vendor(), Deployments: products.Deployments, OrgID: accord.ID(r.URL.Query().Get("org_id")),
		Edits: rd.is(accord.RoleAdmin, accord.RoleAgent) || rd.is(accord.RoleCustomerContact) && rd.Actor.CustomerAdmin}
	f := products.InstallationFilter{OrgID: data.OrgID}
	var err error
	if data.Installations, err = s.Products.ListInstallations(r.Context(), f); err != nil {
		return nil, err
	}
	if data.Unsupported, err = s.Products.EndOfSupport(r.Context(), s.Now().UTC().Format(time.DateOnly), f); err != nil {
		return nil, err
	}
	if data.Products, err = s.Products.ListProducts(r.Context()); err != nil {
		return nil, err
	}
	data.Names = map[accord.ID]string{}
	for _, p := range data.Products {
		data.Names[p.ID] = p.Name
	}
	if data.Orgs, err = s.orgNames(r); err != nil {
		return nil, err
	}
	if data.Vendor {
		kind := directory.KindCustomer
		if data.Customers, _, err = s.Directory.ListOrganizations(r.Context(), s.Now(), directory.OrgFilter{Kind: &kind}, accord.Page{Limit: accord.MaxLimit}); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// installationList shows the installations the reader may see: a
// customer's own with a notice of those past end of support, or for vendor
// staff every customer's (filtered by ?org_id=) with the end-of-support
// list.
func (s *Server) installationList(w http.ResponseWriter, r *http.Request) {
	data, err := s.installationListData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "installations", s.newPage(r, "installation.list.title", data))
}

func (s *Server) createInstallation(w http.ResponseWriter, r *http.Request) {
	data, err := s.installationListData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "installation.list.title", data)
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "installations", p)
		return
	}
	f := r.PostForm
	qty := 1
	if v := f.Get("quantity"); v != "" {
		if qty, err = strconv.Atoi(v); err != nil {
			s.failForm(w, r, accord.FieldError("quantity", "must be a whole number"), "installations", p)
			return
		}
	}
	if _, err := s.Products.CreateInstallation(r.Context(), s.Now(), products.NewInstallation{OrgID: accord.ID(f.Get("org_id")),
		ProductID: accord.ID(f.Get("product_id")), Version: f.Get("version"), Deployment: products.Deployment(f.Get("deployment")),
		Serial: f.Get("serial"), Quantity: qty}); err != nil {
		s.failForm(w, r, err, "installations", p)
		return
	}
	s.done(w, r, "/installations", "installation.created")
}

// updateInstallationVersion sets an installation's version: the one-click
// action of the case page's suggestion, back to the page it came from.
func (s *Server) updateInstallationVersion(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	v := r.PostForm.Get("version")
	if _, err := s.Products.UpdateInstallation(r.Context(), s.Now(), accord.ID(r.PathValue("id")), products.InstallationPatch{Version: &v}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, localPath(r.PostForm.Get("back")), "installation.updated")
}

func (s *Server) deleteInstallation(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Products.DeleteInstallation(r.Context(), s.Now(), accord.ID(r.PathValue("id"))); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/installations", "installation.deleted")
}
