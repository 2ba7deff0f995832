package web

import (
	"net/http"
	"slices"
	"strings"

	"accord/internal/accord"
	"accord/internal/directory"
)

var adminOrgKinds = []directory.Kind{directory.KindVendor, directory.KindPartner, directory.KindCustomer}

type adminOrgList struct {
	Orgs  []directory.Organization
	Kinds []directory.Kind
	Next  string
}

// adminOrgs lists organizations by name, of one kind if asked. The
// directory has no search by name, so a search looks through up to the
// largest page at once.
func (s *Server) adminOrgs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f directory.OrgFilter
	if k := directory.Kind(q.Get("kind")); k != "" {
		f.Kind = &k
	}
	search := strings.TrimSpace(q.Get("q"))
	p := accord.Page{Cursor: q.Get("cursor")}
	if search != "" {
		p.Limit = accord.MaxLimit
	}
	orgs, next, err := s.Directory.ListOrganizations(r.Context(), s.Now(), f, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if search != "" {
		orgs = slices.DeleteFunc(orgs, func(o directory.Organization) bool {
			return !strings.Contains(strings.ToLower(o.Name), strings.ToLower(search))
		})
	}
	s.render(w, r, http.StatusOK, "admin_orgs", s.newPage(r, "admin.orgs.title",
		adminOrgList{Orgs: orgs, Kinds: adminOrgKinds, Next: nextPage(r.URL.Path, q, next)}))
}

func (s *Server) adminNewOrg(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "admin_org_new", s.newPage(r, "admin.orgs.new", adminOrgList{Kinds: adminOrgKinds}))
}

func (s *Server) adminCreateOrg(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "admin.orgs.new", adminOrgList{Kinds: adminOrgKinds})
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "admin_org_new", p)
		return
	}
	in := directory.NewOrganization{Kind: directory.Kind(r.PostForm.Get("kind")), Name: r.PostForm.Get("name")}
	o, err := s.Directory.CreateOrganization(r.Context(), s.Now(), in)
	if err != nil {
		s.failForm(w, r, err, "admin_org_new", p)
		return
	}
	s.done(w, r, "/admin/organizations/"+string(o.ID), "admin.orgs.created")
}

type adminOrgData struct {
	Org directory.Organization
	// Customers are those a partner serves; Linkable those it could serve
	// besides.
	Customers []directory.Organization
	Linkable  []directory.Organization
	Users     []directory.User
	MoreUsers bool
}

// adminOrgPage loads an organization's page: the organization, for a partner
// its customers, and its users.
func (s *Server) adminOrgPage(r *http.Request) (*page, error) {
	id, err := adminPathID(r, "id")
	if err != nil {
		return nil, err
	}
	ctx, now, all := r.Context(), s.Now(), accord.Page{Limit: accord.MaxLimit}
	var d adminOrgData
	if d.Org, err = s.Directory.GetOrganization(ctx, now, id); err != nil {
		return nil, err
	}
	if d.Org.Kind == directory.KindPartner {
		if d.Customers, _, err = s.Directory.ListOrganizations(ctx, now, directory.OrgFilter{PartnerID: &id}, all); err != nil {
			return nil, err
		}
		customer := directory.KindCustomer
		if d.Linkable, _, err = s.Directory.ListOrganizations(ctx, now, directory.OrgFilter{Kind: &customer}, all); err != nil {
			return nil, err
		}
		d.Linkable = slices.DeleteFunc(d.Linkable, func(o directory.Organization) bool {
			return slices.ContainsFunc(d.Customers, func(c directory.Organization) bool { return c.ID == o.ID })
		})
	}
	users, next, err := s.Directory.ListUsers(ctx, now, directory.UserFilter{OrgID: &id}, all)
	if err != nil {
		return nil, err
	}
	d.Users, d.MoreUsers = users, next != ""
	return s.newPage(r, "admin.org.title", d), nil
}

func (s *Server) adminOrg(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminOrgPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_org", p)
}

// adminOrgAction runs one of the forms of an organization's page, and shows the
// page again with the form's problem when the service refuses.
func (s *Server) adminOrgAction(w http.ResponseWriter, r *http.Request, act func(id accord.ID) error, flash string) {
	p, err := s.adminOrgPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := p.Data.(adminOrgData).Org.ID
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "admin_org", p)
		return
	}
	if err := act(id); err != nil {
		s.failForm(w, r, err, "admin_org", p)
		return
	}
	s.done(w, r, "/admin/organizations/"+string(id), flash)
}

func (s *Server) adminUpdateOrg(w http.ResponseWriter, r *http.Request) {
	s.adminOrgAction(w, r, func(id accord.ID) error {
		name := r.PostForm.Get("name")
		_, err := s.Directory.UpdateOrganization(r.Context(), s.Now(), id, directory.OrgUpdate{Name: &name})
		return err
	}, "admin.org.saved")
}

func (s *Server) adminLinkCustomer(w http.ResponseWriter, r *http.Request) {
	s.adminOrgAction(w, r, func(id accord.ID) error {
		customer := r.PostForm.Get("customer_id")
		if !accord.ValidID(customer) {
			return accord.FieldError("customer_id", "%s", s.msgs.text(readerOf(r.Context()).Locale, "admin.org.choose_customer"))
		}
		return s.Directory.LinkPartner(r.Context(), s.Now(), id, accord.ID(customer))
	}, "admin.org.linked")
}

func (s *Server) adminUnlinkCustomer(w http.ResponseWriter, r *http.Request) {
	s.adminOrgAction(w, r, func(id accord.ID) error {
		customer, err := adminPathID(r, "customer_id")
		if err != nil {
			return err
		}
		return s.Directory.UnlinkPartner(r.Context(), s.Now(), id, customer)
	}, "admin.org.unlinked")
}
