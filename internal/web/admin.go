package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"accord/internal/accord"
	"accord/internal/lang"
	"accord/internal/yamldoc"
)

// adminRoutes are the vendor's administration pages: the directory, the
// support policy and its calendars, the services catalog and the audit
// trail. Auditors (and agents, where the services allow) read them; only
// administrators see the forms that change anything.
func (s *Server) adminRoutes() []route {
	rs := []route{
		{"GET", "/admin", s.adminIndex, false},

		{"GET", "/admin/organizations", s.adminOrgs, false},
		{"GET", "/admin/organizations/new", s.adminNewOrg, false},
		{"POST", "/admin/organizations", s.adminCreateOrg, false},
		{"GET", "/admin/organizations/{id}", s.adminOrg, false},
		{"POST", "/admin/organizations/{id}", s.adminUpdateOrg, false},
		{"POST", "/admin/organizations/{id}/customers", s.adminLinkCustomer, false},
		{"POST", "/admin/organizations/{id}/customers/{customer_id}/unlink", s.adminUnlinkCustomer, false},

		{"GET", "/admin/users", s.adminUsers, false},
		{"GET", "/admin/users/new", s.adminNewUser, false},
		{"POST", "/admin/users", s.adminCreateUser, false},
		{"GET", "/admin/users/{id}", s.adminUser, false},
		{"POST", "/admin/users/{id}", s.adminUpdateUser, false},
		{"POST", "/admin/users/{id}/password", s.adminResetPassword, false},
		{"POST", "/admin/users/{id}/unlock", s.adminUnlockUser, false},
		{"POST", "/admin/users/{id}/invitation", s.adminInviteUser, false},
		{"POST", "/admin/users/{id}/certifications", s.adminAddCertification, false},
		{"POST", "/admin/users/{id}/certifications/{cert_id}/delete", s.adminDeleteCertification, false},

		{"GET", "/admin/policy", s.adminPolicy, false},
		{"POST", "/admin/policy", s.adminImportPolicy, false},
		{"GET", "/admin/policy/versions/{n}", s.adminPolicyVersion, false},
		{"GET", "/admin/policy/versions/{n}/yaml", s.adminPolicyYAML, false},
		{"POST", "/admin/policy/versions/{n}/rollback", s.adminRollbackPolicy, false},
		{"GET", "/admin/policy/diff", s.adminPolicyDiff, false},
		{"GET", "/admin/policy/due", s.adminPolicyDue, false},
		{"GET", "/admin/calendars", s.adminCalendars, false},

		{"GET", "/admin/catalog", s.adminCatalog, false},
		{"POST", "/admin/catalog", s.adminImportCatalog, false},
		{"GET", "/admin/catalog/versions/{n}/yaml", s.adminCatalogYAML, false},

		{"GET", "/admin/audit", s.adminAudit, false},
		{"GET", "/admin/audit/verify", s.adminVerifyAudit, false},
	}
	for i := range rs {
		rs[i].handler = s.staffOnly(rs[i].handler)
	}
	return rs
}

// staffOnly keeps the administration pages to the vendor's staff. The
// services decide every read and write; this only spares customers and
// partners pages that are not meant for them, some of which the directory
// would fill with their own organization's records.
func (s *Server) staffOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rd := readerOf(r.Context())
		if !rd.vendor() {
			s.fail(w, r, &accord.Error{Kind: accord.Forbidden, Op: "web.admin", Msg: s.msgs.text(rd.Locale, "admin.staff_only")})
			return
		}
		next(w, r)
	}
}

type adminIndexData struct {
	// Audit is whether the reader's role reads the audit trail, so that the
	// index does not offer a section that would only refuse them.
	Audit bool
}

func (s *Server) adminIndex(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	s.render(w, r, http.StatusOK, "admin", s.newPage(r, "admin.title",
		adminIndexData{Audit: rd.is(accord.RoleAdmin, accord.RoleAuditor)}))
}

// --- helpers shared by the administration pages

// adminPathID reads an id from the path. A malformed id is NotFound without
// a query, like an id of another tenant.
func adminPathID(r *http.Request, name string) (accord.ID, error) {
	v := r.PathValue(name)
	if !accord.ValidID(v) {
		return "", &accord.Error{Kind: accord.NotFound, Msg: "not found"}
	}
	return accord.ID(v), nil
}

// adminVersion reads a version number from the path; anything else is
// NotFound, like a version that does not exist.
func adminVersion(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return 0, &accord.Error{Kind: accord.NotFound, Msg: "version not found"}
	}
	return n, nil
}

// adminProblem is one problem of an imported YAML document, at its line and
// column where the parser knows them.
type adminProblem struct {
	Line, Column int
	Path, Msg    string
}

// adminDocument is the YAML document of an import form: the uploaded file when
// one was chosen, else the text box. The file's text goes into the form's
// "doc" so that a failed import shows it again for correcting.
func adminDocument(r *http.Request) (string, error) {
	if r.MultipartForm != nil {
		if f, _, err := r.FormFile("file"); err == nil {
			defer f.Close()
			b, err := io.ReadAll(f)
			if err != nil {
				return "", accord.FieldError("file", "could not be read")
			}
			if len(b) > 0 {
				r.PostForm.Set("doc", string(b))
				return string(b), nil
			}
		}
	}
	return r.PostForm.Get("doc"), nil
}

// adminProblems takes the parser's problems, with line and column, out
// of a refused policy or catalog import. The error left names the text box, so that the form shows the document
// as sent, marked, with the problems above it.
func (s *Server) adminProblems(r *http.Request, err error) ([]adminProblem, error) {
	var out []adminProblem
	var ps yamldoc.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			out = append(out, adminProblem{Line: p.Line, Column: p.Column, Path: p.Path, Msg: p.Msg})
		}
	}
	if len(out) == 0 {
		return nil, err
	}
	loc := readerOf(r.Context()).Locale
	return out, &accord.Error{Kind: accord.Invalid, Field: "doc", Msg: s.msgs.text(loc, "admin.doc.problems", len(out))}
}

// adminUntranslated lists the texts of v (decoded from doc) that lack a
// language Accord serves, where they are in doc.
func adminUntranslated(doc string, v any) []adminProblem {
	var out []adminProblem
	for _, p := range yamldoc.Untranslated([]byte(doc), v, lang.Locales) {
		out = append(out, adminProblem{Line: p.Line, Column: p.Column, Path: p.Path, Msg: p.Msg})
	}
	return out
}

// adminSendYAML answers a stored document as a YAML download.
func adminSendYAML(w http.ResponseWriter, name, doc string) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, doc)
}
