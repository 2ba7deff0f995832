package web

import (
	"net/http"
	"slices"

	"accord/internal/accord"
	"accord/internal/directory"
)

type adminUserList struct {
	Users []directory.User
	Orgs  []directory.Organization
	// OrgNames names each user's organization in the list.
	OrgNames map[accord.ID]string
	Roles    []accord.Role
	Next     string
}

// adminAllOrgs lists the organizations the reader may see, for choosing one and
// for naming them.
func (s *Server) adminAllOrgs(r *http.Request) ([]directory.Organization, map[accord.ID]string, error) {
	orgs, _, err := s.Directory.ListOrganizations(r.Context(), s.Now(), directory.OrgFilter{}, accord.Page{Limit: accord.MaxLimit})
	names := map[accord.ID]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	return orgs, names, err
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f directory.UserFilter
	if v := q.Get("org_id"); accord.ValidID(v) {
		id := accord.ID(v)
		f.OrgID = &id
	}
	if role := accord.Role(q.Get("role")); role.Valid() {
		f.Role = &role
	}
	users, next, err := s.Directory.ListUsers(r.Context(), s.Now(), f, accord.Page{Cursor: q.Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orgs, names, err := s.adminAllOrgs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_users", s.newPage(r, "admin.users.title", adminUserList{
		Users: users, Orgs: orgs, OrgNames: names, Roles: accord.Roles, Next: nextPage(r.URL.Path, q, next)}))
}

type adminUserForm struct {
	Orgs    []directory.Organization
	Roles   []accord.Role
	Locales []string
	Zones   []string
}

func (s *Server) adminNewUserPage(r *http.Request) (*page, error) {
	orgs, _, err := s.adminAllOrgs(r)
	return s.newPage(r, "admin.users.new", adminUserForm{Orgs: orgs, Roles: accord.Roles, Locales: Locales, Zones: zones}), err
}

func (s *Server) adminNewUser(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminNewUserPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_user_new", p)
}

func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminNewUserPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "admin_user_new", p)
		return
	}
	f := r.PostForm
	in := directory.NewUser{
		OrgID: accord.ID(f.Get("org_id")), Email: f.Get("email"), Name: f.Get("name"), Locale: f.Get("locale"),
		TimeZone: f.Get("time_zone"), Role: accord.Role(f.Get("role")), AuthorizedContact: f.Has("authorized_contact"),
		CustomerAdmin: f.Has("customer_admin"), Password: f.Get("password"), Invite: f.Has("invite"),
	}
	u, err := s.Directory.CreateUser(r.Context(), s.Now(), in)
	if err != nil {
		f.Del("password")
		s.failForm(w, r, err, "admin_user_new", p)
		return
	}
	s.done(w, r, "/admin/users/"+string(u.ID), "admin.users.created")
}

type adminUserData struct {
	User    directory.User
	Org     directory.Organization
	Certs   []directory.Certification
	Roles   []accord.Role
	Locales []string
	Zones   []string
	// Certified is whether the user's role holds certifications.
	Certified bool
}

func (s *Server) adminUserPage(r *http.Request) (*page, error) {
	id, err := adminPathID(r, "id")
	if err != nil {
		return nil, err
	}
	ctx, now := r.Context(), s.Now()
	d := adminUserData{Roles: accord.Roles, Locales: Locales}
	if d.User, err = s.Directory.GetUser(ctx, now, id); err != nil {
		return nil, err
	}
	if d.Org, err = s.Directory.GetOrganization(ctx, now, d.User.OrgID); err != nil {
		return nil, err
	}
	d.Zones = zones
	if !slices.Contains(zones, d.User.TimeZone) {
		d.Zones = append([]string{d.User.TimeZone}, zones...)
	}
	if d.Certified = d.User.Role == accord.RolePartnerAgent; d.Certified {
		if d.Certs, err = s.Directory.ListCertifications(ctx, now, id); err != nil {
			return nil, err
		}
	}
	return s.newPage(r, "admin.user.title", d), nil
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminUserPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_user", p)
}

// adminUserAction runs one of the forms of a user's page, and shows the page
// again with the form's problem when the service refuses.
func (s *Server) adminUserAction(w http.ResponseWriter, r *http.Request, act func(id accord.ID) error, flash string) {
	p, err := s.adminUserPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := p.Data.(adminUserData).User.ID
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "admin_user", p)
		return
	}
	if err := act(id); err != nil {
		r.PostForm.Del("password")
		s.failForm(w, r, err, "admin_user", p)
		return
	}
	s.done(w, r, "/admin/users/"+string(id), flash)
}

func (s *Server) adminUpdateUser(w http.ResponseWriter, r *http.Request) {
	s.adminUserAction(w, r, func(id accord.ID) error {
		f := r.PostForm
		name, locale, zone, role := f.Get("name"), f.Get("locale"), f.Get("time_zone"), accord.Role(f.Get("role"))
		active, authorized, admin, senior := f.Has("active"), f.Has("authorized_contact"), f.Has("customer_admin"), f.Has("senior")
		_, err := s.Directory.UpdateUser(r.Context(), s.Now(), id, directory.UserUpdate{
			Name: &name, Locale: &locale, TimeZone: &zone, Role: &role, Active: &active,
			AuthorizedContact: &authorized, CustomerAdmin: &admin, Senior: &senior,
		})
		return err
	}, "admin.user.saved")
}

func (s *Server) adminResetPassword(w http.ResponseWriter, r *http.Request) {
	s.adminUserAction(w, r, func(id accord.ID) error {
		return s.Directory.SetPassword(r.Context(), s.Now(), id, "", r.PostForm.Get("password"))
	}, "admin.user.password_set")
}

// adminInviteUser mails the user a new invitation to choose a first
// password.
func (s *Server) adminInviteUser(w http.ResponseWriter, r *http.Request) {
	s.adminUserAction(w, r, func(id accord.ID) error {
		return s.Directory.Invite(r.Context(), s.Now(), id)
	}, "admin.user.invited")
}

// adminUnlockUser forgets the user's failed sign-ins, from every address.
func (s *Server) adminUnlockUser(w http.ResponseWriter, r *http.Request) {
	s.adminUserAction(w, r, func(id accord.ID) error {
		_, err := s.Directory.Unlock(r.Context(), s.Now(), id)
		return err
	}, "admin.user.unlocked")
}

// adminCertField prefixes the fields of the certification form, which shares
// its page with the user's own "name".
const adminCertField = "cert_"

func (s *Server) adminAddCertification(w http.ResponseWriter, r *http.Request) {
	s.adminUserAction(w, r, func(id accord.ID) error {
		f := r.PostForm
		_, err := s.Directory.CreateCertification(r.Context(), s.Now(), id, directory.NewCertification{
			Name: f.Get(adminCertField + "name"), Number: f.Get(adminCertField + "number"),
			ValidFrom: f.Get(adminCertField + "valid_from"), ValidUntil: f.Get(adminCertField + "valid_until"),
		})
		return adminPrefixFields(err, adminCertField)
	}, "admin.user.cert_added")
}

func (s *Server) adminDeleteCertification(w http.ResponseWriter, r *http.Request) {
	s.adminUserAction(w, r, func(accord.ID) error {
		cert, err := adminPathID(r, "cert_id")
		if err != nil {
			return err
		}
		return s.Directory.DeleteCertification(r.Context(), s.Now(), cert)
	}, "admin.user.cert_deleted")
}

// adminPrefixFields names the fields of a refusal as the form's inputs, which
// carry prefix.
func adminPrefixFields(err error, prefix string) error {
	pub := accord.Public(err)
	if err == nil || pub.Field == "" || pub.Kind == accord.Internal {
		return err
	}
	e := *pub
	e.Field = prefix + e.Field
	e.Problems = nil
	for _, p := range pub.Problems {
		e.Problems = append(e.Problems, accord.Problem{Field: prefix + p.Field, Msg: p.Msg})
	}
	return &e
}
