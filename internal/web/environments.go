package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/environments"
)

// environmentRoutes are the managed environments, their backups, the
// operations alerts and the notices to customers (docs/operations.md).
func (s *Server) environmentRoutes() []route {
	return []route{
		{"GET", "/environments", s.environmentList, false},
		{"GET", "/environments/new", s.newEnvironmentPage, false},
		{"POST", "/environments/new", s.createEnvironment, false},
		{"GET", "/environments/{id}", s.environmentPage, false},
		{"GET", "/environments/{id}/edit", s.editEnvironmentPage, false},
		{"POST", "/environments/{id}/edit", s.updateEnvironment, false},
		{"POST", "/environments/{id}/agree", s.agreeBackup, false},
		{"GET", "/notices", s.noticeList, false},
		{"GET", "/notices/new", s.newNoticePage, false},
		{"POST", "/notices/new", s.publishNotice, false},
	}
}

// staff reports whether the reader manages environments.
func (rd reader) staff() bool { return rd.is(accord.RoleAdmin, accord.RoleAgent) }

// currentNotices are the notices a customer's contact sees above every
// page until they end; nil for anyone else.
func (s *Server) currentNotices(r *http.Request) []environments.Notice {
	rd := readerOf(r.Context())
	if s.Environments == nil || !rd.is(accord.RoleCustomerContact) {
		return nil
	}
	l, err := s.Environments.Notices(r.Context(), environments.NoticeFilter{EndsAfter: s.Now()})
	if err != nil {
		s.Log.WarnContext(r.Context(), "current notices", "err", err)
		return nil
	}
	return l
}

type environmentListData struct {
	Environments []environments.Environment
	Orgs         map[accord.ID]string
	Alerts       []environments.Alert // open ones, for vendor staff
	Staff        bool
	Statuses     []environments.Status
}

// environmentList lists the environments the reader may see, with the
// open operations alerts for vendor staff.
func (s *Server) environmentList(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	q := r.URL.Query()
	data := environmentListData{Staff: rd.staff(), Statuses: environments.Statuses}
	f := environments.Filter{Status: environments.Status(q.Get("status"))}
	list, err := s.Environments.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Environments = list
	if data.Orgs, err = s.orgNames(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if rd.vendor() {
		if data.Alerts, err = s.Environments.Alerts(r.Context(), environments.AlertFilter{Open: true}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "environments", s.newPage(r, "env.list.title", &data))
}

// orgNames names the organizations the reader may see.
func (s *Server) orgNames(r *http.Request) (map[accord.ID]string, error) {
	list, _, err := s.Directory.ListOrganizations(r.Context(), s.Now(), directory.OrgFilter{}, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		return nil, err
	}
	names := make(map[accord.ID]string, len(list))
	for _, o := range list {
		names[o.ID] = o.Name
	}
	return names, nil
}

type environmentData struct {
	Env       environments.Environment
	Customer  string
	Reseller  string
	Snapshots []environments.Snapshot
	Alerts    []environments.Alert
	Restore   *environments.RestoreTest
	Notices   []environments.Notice
	Staff     bool
	// Agrees says whether the reader may record the customer's agreement
	// to the backup policy: an administrator contact of the customer.
	Agrees bool
	// RestoreDue is when the next restore test is due; zero when none are.
	RestoreDue time.Time
}

// MaxAgeHours is the pre-change snapshot's age limit in whole hours.
func (d *environmentData) MaxAgeHours() int { return int(d.Env.Backup.SnapshotMaxAge / time.Hour) }

// Verdict is "met" or "missed" for an objective's verdict, "" without one.
func (d *environmentData) Verdict(met *bool) string {
	switch {
	case met == nil:
		return ""
	case *met:
		return "met"
	}
	return "missed"
}

// Size is a snapshot's size for people, in binary units.
func (d *environmentData) Size(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[i]
}

// environmentPage shows an environment: its backup policy and agreement,
// snapshots not expired, last restore test, alerts (vendor staff) and
// notices.
func (s *Server) environmentPage(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	id := accord.ID(r.PathValue("id"))
	e, err := s.Environments.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := environmentData{Env: e, Staff: rd.staff(),
		Agrees: rd.is(accord.RoleCustomerContact) && rd.Actor.CustomerAdmin && rd.Actor.OrgID == e.OrgID}
	names, err := s.orgNames(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Customer, data.Reseller = names[e.OrgID], names[e.ResellerID]
	if data.Snapshots, err = s.Environments.Snapshots(r.Context(), id, time.Time{}); err != nil {
		s.fail(w, r, err)
		return
	}
	if data.Restore, err = s.Environments.LastRestoreTest(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	if m := e.Backup.RestoreTestMonths; m > 0 {
		since := e.CreatedAt
		if data.Restore != nil {
			since = data.Restore.CompletedAt
		}
		data.RestoreDue = since.AddDate(0, m, 0)
	}
	if rd.vendor() {
		if data.Alerts, err = s.Environments.Alerts(r.Context(), environments.AlertFilter{EnvironmentID: id}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if data.Notices, err = s.Environments.Notices(r.Context(), environments.NoticeFilter{EnvironmentID: id}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "environment", s.newPage(r, "env.page.title", &data))
}

type environmentFormData struct {
	Env       *environments.Environment // nil for a new one
	Customers []directory.Organization
	Partners  []directory.Organization
	Statuses  []environments.Status
	// Frequencies of scheduled backups.
	Frequencies []string
}

// MaxAgeHours is the environment's pre-change snapshot age limit in hours.
func (d *environmentFormData) MaxAgeHours() int {
	if d.Env == nil {
		return 0
	}
	return int(d.Env.Backup.SnapshotMaxAge / time.Hour)
}

func (s *Server) environmentFormData(r *http.Request, e *environments.Environment) (*environmentFormData, error) {
	d := &environmentFormData{Env: e, Statuses: environments.Statuses, Frequencies: []string{environments.Daily, environments.Weekly}}
	for _, k := range []directory.Kind{directory.KindCustomer, directory.KindPartner} {
		list, _, err := s.Directory.ListOrganizations(r.Context(), s.Now(), directory.OrgFilter{Kind: &k}, accord.Page{Limit: accord.MaxLimit})
		if err != nil {
			return nil, err
		}
		if k == directory.KindCustomer {
			d.Customers = list
		} else {
			d.Partners = list
		}
	}
	return d, nil
}

func (s *Server) newEnvironmentPage(w http.ResponseWriter, r *http.Request) {
	if !readerOf(r.Context()).staff() {
		s.fail(w, r, &accord.Error{Kind: accord.Forbidden, Msg: "only the vendor's administrators and agents manage environments"})
		return
	}
	data, err := s.environmentFormData(r, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "environment_form", s.newPage(r, "env.new.title", data))
}

// policyInput reads the backup policy's fields of the form; an empty
// number keeps the current value.
func policyInput(f url.Values) (*environments.PolicyInput, error) {
	in := &environments.PolicyInput{}
	freq, covers := f.Get("backup.frequency"), f.Get("backup.covers")
	in.Frequency, in.Covers = &freq, &covers
	before := f.Get("backup.snapshot_before_change") != ""
	in.SnapshotBeforeChange = &before
	for field, dst := range map[string]**int{"backup.retention_days": &in.RetentionDays,
		"backup.snapshot_max_age_hours": &in.SnapshotMaxAgeHours, "backup.restore_test_months": &in.RestoreTestMonths} {
		v := f.Get(field)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, accord.FieldError(field, "must be a whole number")
		}
		*dst = &n
	}
	return in, nil
}

func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request) {
	data, err := s.environmentFormData(r, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "env.new.title", data)
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "environment_form", p)
		return
	}
	f := r.PostForm
	backup, err := policyInput(f)
	if err != nil {
		s.failForm(w, r, err, "environment_form", p)
		return
	}
	e, err := s.Environments.Create(r.Context(), s.Now(), environments.NewEnvironment{
		OrgID: accord.ID(f.Get("org_id")), ResellerID: accord.ID(f.Get("reseller_id")), Name: f.Get("name"), Product: f.Get("product"),
		Version: f.Get("version"), Region: f.Get("region"), Status: environments.Status(f.Get("status")), Backup: backup,
	})
	if err != nil {
		s.failForm(w, r, err, "environment_form", p)
		return
	}
	s.done(w, r, "/environments/"+string(e.ID), "env.created")
}

func (s *Server) editEnvironmentPage(w http.ResponseWriter, r *http.Request) {
	if !readerOf(r.Context()).staff() {
		s.fail(w, r, &accord.Error{Kind: accord.Forbidden, Msg: "only the vendor's administrators and agents manage environments"})
		return
	}
	e, err := s.Environments.Get(r.Context(), accord.ID(r.PathValue("id")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := s.environmentFormData(r, &e)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "environment_form", s.newPage(r, "env.edit.title", data))
}

func (s *Server) updateEnvironment(w http.ResponseWriter, r *http.Request) {
	e, err := s.Environments.Get(r.Context(), accord.ID(r.PathValue("id")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := s.environmentFormData(r, &e)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "env.edit.title", data)
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "environment_form", p)
		return
	}
	f := r.PostForm
	backup, err := policyInput(f)
	if err != nil {
		s.failForm(w, r, err, "environment_form", p)
		return
	}
	name, product, version, region := f.Get("name"), f.Get("product"), f.Get("version"), f.Get("region")
	status, reseller := environments.Status(f.Get("status")), accord.ID(f.Get("reseller_id"))
	_, err = s.Environments.Update(r.Context(), s.Now(), e.ID, environments.EnvironmentUpdate{ResellerID: &reseller, Name: &name,
		Product: &product, Version: &version, Region: &region, Status: &status, Backup: backup})
	if err != nil {
		s.failForm(w, r, err, "environment_form", p)
		return
	}
	s.done(w, r, "/environments/"+string(e.ID), "env.updated")
}

func (s *Server) agreeBackup(w http.ResponseWriter, r *http.Request) {
	id := accord.ID(r.PathValue("id"))
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.Environments.AgreeBackup(r.Context(), s.Now(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/environments/"+string(id), "env.agreed")
}

type noticeListData struct {
	Notices []environments.Notice
	Orgs    map[accord.ID]string
	Envs    map[accord.ID]string
	Staff   bool
	All     bool // ended ones too
}

// noticeList lists the notices the reader may see: those not ended, or
// all with ?all=1.
func (s *Server) noticeList(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	data := noticeListData{Staff: rd.staff(), All: r.URL.Query().Get("all") != ""}
	f := environments.NoticeFilter{}
	if !data.All {
		f.EndsAfter = s.Now()
	}
	var err error
	if data.Notices, err = s.Environments.Notices(r.Context(), f); err != nil {
		s.fail(w, r, err)
		return
	}
	if data.Orgs, err = s.orgNames(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if data.Envs, err = s.envNames(r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notices", s.newPage(r, "notice.list.title", &data))
}

// envNames names the environments the reader may see.
func (s *Server) envNames(r *http.Request) (map[accord.ID]string, error) {
	l, err := s.Environments.List(r.Context(), environments.Filter{})
	if err != nil {
		return nil, err
	}
	names := make(map[accord.ID]string, len(l))
	for _, e := range l {
		names[e.ID] = e.Name
	}
	return names, nil
}

type noticeFormData struct {
	Environments []environments.Environment
	Orgs         map[accord.ID]string
	Kinds        []environments.NoticeKind
}

func (s *Server) noticeFormData(r *http.Request) (*noticeFormData, error) {
	d := &noticeFormData{Kinds: environments.NoticeKinds}
	var err error
	if d.Environments, err = s.Environments.List(r.Context(), environments.Filter{}); err != nil {
		return nil, err
	}
	d.Orgs, err = s.orgNames(r)
	return d, err
}

// Chosen reports whether the environment was ticked in the form sent.
func (d *noticeFormData) Chosen(p *page, id accord.ID) bool {
	if p.Form == nil {
		return false
	}
	for _, v := range p.Form["environments"] {
		if v == string(id) {
			return true
		}
	}
	return false
}

func (s *Server) newNoticePage(w http.ResponseWriter, r *http.Request) {
	if !readerOf(r.Context()).staff() {
		s.fail(w, r, &accord.Error{Kind: accord.Forbidden, Msg: "only the vendor's administrators and agents publish notices"})
		return
	}
	data, err := s.noticeFormData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notice_new", s.newPage(r, "notice.new.title", data))
}

func (s *Server) publishNotice(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	data, err := s.noticeFormData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "notice.new.title", data)
	if err := parseForm(w, r, 0); err != nil {
		s.failForm(w, r, err, "notice_new", p)
		return
	}
	f := r.PostForm
	in := environments.NewNotice{Kind: environments.NoticeKind(f.Get("kind")), Title: f.Get("title"), Body: f.Get("body")}
	c := clock{zone: rd.Zone, msgs: s.msgs, loc: rd.Locale}
	for field, dst := range map[string]*time.Time{"starts_at": &in.StartsAt, "ends_at": &in.EndsAt} {
		if v := f.Get(field); v != "" {
			t, err := c.parseLocal(v)
			if err != nil {
				s.failForm(w, r, accord.FieldError(field, "is not a date and time"), "notice_new", p)
				return
			}
			*dst = t
		}
	}
	for _, v := range f["environments"] {
		in.Environments = append(in.Environments, accord.ID(v))
	}
	if _, err := s.Environments.Publish(r.Context(), s.Now(), in); err != nil {
		s.failForm(w, r, err, "notice_new", p)
		return
	}
	s.done(w, r, "/notices", "notice.published")
}
