package api

import (
	"net/http"
	"time"

	"accord/internal/accord"
	"accord/internal/products"
)

// --- products, versions and installations (docs/knowledge.md)

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request) {
	l, err := s.Products.ListProducts(r.Context())
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request) {
	var in products.NewProduct
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.Products.CreateProduct(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, p, err)
}

func (s *Server) getProduct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var p products.Product
	if err == nil {
		p, err = s.Products.GetProduct(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, p, err)
}

func (s *Server) updateProduct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in products.ProductPatch
	if err == nil {
		err = decode(w, r, &in)
	}
	var p products.Product
	if err == nil {
		p, err = s.Products.UpdateProduct(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, p, err)
}

func (s *Server) listProductVersions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []products.Version
	if err == nil {
		l, err = s.Products.ListVersions(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) createProductVersion(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in products.NewVersion
	if err == nil {
		err = decode(w, r, &in)
	}
	var v products.Version
	if err == nil {
		v, err = s.Products.CreateVersion(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusCreated, v, err)
}

// productVersion reads the version {vid} of the product {id}: a version
// named under another product is not found.
func (s *Server) productVersion(r *http.Request) (products.Version, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return products.Version{}, err
	}
	vid, err := pathID(r, "vid")
	if err != nil {
		return products.Version{}, err
	}
	v, err := s.Products.GetVersion(r.Context(), vid)
	if err == nil && v.ProductID != id {
		err = &accord.Error{Kind: accord.NotFound, Msg: "version not found"}
	}
	return v, err
}

func (s *Server) getProductVersion(w http.ResponseWriter, r *http.Request) {
	v, err := s.productVersion(r)
	s.respond(w, r, http.StatusOK, v, err)
}

func (s *Server) updateProductVersion(w http.ResponseWriter, r *http.Request) {
	v, err := s.productVersion(r)
	var in products.VersionPatch
	if err == nil {
		err = decode(w, r, &in)
	}
	if err == nil {
		v, err = s.Products.UpdateVersion(r.Context(), s.Now(), v.ID, in)
	}
	s.respond(w, r, http.StatusOK, v, err)
}

func (s *Server) publishProductVersion(w http.ResponseWriter, r *http.Request) {
	v, err := s.productVersion(r)
	if err == nil {
		err = decodeOptional(w, r, &struct{}{})
	}
	if err == nil {
		v, err = s.Products.Publish(r.Context(), s.Now(), v.ID)
	}
	s.respond(w, r, http.StatusOK, v, err)
}

func installationFilter(r *http.Request) (products.InstallationFilter, error) {
	var f products.InstallationFilter
	org, err := queryID(r, "org_id")
	if err != nil {
		return f, err
	}
	if org != nil {
		f.OrgID = *org
	}
	product, err := queryID(r, "product_id")
	if product != nil {
		f.ProductID = *product
	}
	return f, err
}

func (s *Server) listInstallations(w http.ResponseWriter, r *http.Request) {
	f, err := installationFilter(r)
	var l []products.Installation
	if err == nil {
		l, err = s.Products.ListInstallations(r.Context(), f)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) createInstallation(w http.ResponseWriter, r *http.Request) {
	var in products.NewInstallation
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	i, err := s.Products.CreateInstallation(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, i, err)
}

func (s *Server) getInstallation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var i products.Installation
	if err == nil {
		i, err = s.Products.GetInstallation(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, i, err)
}

func (s *Server) updateInstallation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in products.InstallationPatch
	if err == nil {
		err = decode(w, r, &in)
	}
	var i products.Installation
	if err == nil {
		i, err = s.Products.UpdateInstallation(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, i, err)
}

func (s *Server) deleteInstallation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Products.DeleteInstallation(r.Context(), s.Now(), id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// endOfSupportReport lists the installations the caller may read whose
// version's support ended before today (UTC).
func (s *Server) endOfSupportReport(w http.ResponseWriter, r *http.Request) {
	f, err := installationFilter(r)
	var l []products.Unsupported
	if err == nil {
		l, err = s.Products.EndOfSupport(r.Context(), s.Now().UTC().Format(time.DateOnly), f)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}
