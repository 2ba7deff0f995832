package web

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/sla"
)

type adminPolicyData struct {
	Version sla.Version
	// Current is whether Version is the newest: the import form shows
	// there, and a rollback button on older versions.
	Current  bool
	Crits    []adminCrit
	Plans    []adminPlanRow
	Versions []sla.Version
	More     bool // older versions than those listed exist
	// Problems are the last import's, shown above its text.
	Problems []adminProblem
	// Untranslated are the version's texts that lack a language Accord
	// serves: their readers read the en-US text.
	Untranslated []adminProblem
}

type adminCrit struct {
	Key  sla.Criticality
	Name string
}

// adminPlanRow is a plan's first-response targets, worst criticality first.
type adminPlanRow struct {
	Key, Name string
	Targets   []sla.Target
}

// adminPolicyTable is the policy's targets as a table: a column per
// criticality, a row per plan.
func adminPolicyTable(p *sla.Policy) ([]adminCrit, []adminPlanRow) {
	var crits []adminCrit
	for _, c := range sla.Criticalities {
		crits = append(crits, adminCrit{Key: c, Name: p.Criticalities[c].Name.String()})
	}
	var plans []adminPlanRow
	for _, key := range slices.Sorted(maps.Keys(p.Plans)) {
		row := adminPlanRow{Key: key, Name: p.Plans[key].Name.String()}
		for _, c := range sla.Criticalities {
			row.Targets = append(row.Targets, p.Plans[key].Targets[c])
		}
		plans = append(plans, row)
	}
	return crits, plans
}

// adminPolicyPage loads version n of the policy (0: the current one) with the
// list of versions.
func (s *Server) adminPolicyPage(r *http.Request, n int) (*page, error) {
	ctx := r.Context()
	var d adminPolicyData
	var pol *sla.Policy
	var err error
	if n == 0 {
		d.Version, pol, err = s.Policy.Current(ctx)
	} else {
		d.Version, pol, err = s.Policy.Get(ctx, n)
	}
	if err != nil {
		return nil, err
	}
	versions, next, err := s.Policy.List(ctx, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		return nil, err
	}
	d.Versions, d.More = versions, next != ""
	d.Current = len(versions) > 0 && versions[0].Number == d.Version.Number
	d.Crits, d.Plans = adminPolicyTable(pol.In(readerOf(r.Context()).Locale))
	d.Untranslated = adminUntranslated(d.Version.Document, pol)
	title := "admin.policy.title"
	if !d.Current {
		title = "admin.policy.version_title"
	}
	return s.newPage(r, title, d), nil
}

func (s *Server) adminPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminPolicyPage(r, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_policy", p)
}

func (s *Server) adminPolicyVersion(w http.ResponseWriter, r *http.Request) {
	n, err := adminVersion(r)
	var p *page
	if err == nil {
		p, err = s.adminPolicyPage(r, n)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_policy", p)
}

func (s *Server) adminPolicyYAML(w http.ResponseWriter, r *http.Request) {
	n, err := adminVersion(r)
	var v sla.Version
	if err == nil {
		v, _, err = s.Policy.Get(r.Context(), n)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	adminSendYAML(w, fmt.Sprintf("policy-v%d.yaml", v.Number), v.Document)
}

// adminImportPolicy stores the document sent as the next version and shows
// what it changed. A document with problems comes back as sent, with each
// problem at its line and column.
func (s *Server) adminImportPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminPolicyPage(r, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	doc := ""
	if err = parseForm(w, r, sla.MaxDocument); err == nil {
		doc, err = adminDocument(r)
	}
	var v sla.Version
	if err == nil {
		v, _, err = s.Policy.Import(r.Context(), s.Now(), doc)
	}
	if err != nil {
		d := p.Data.(adminPolicyData)
		d.Problems, err = s.adminProblems(r, err)
		p.Data = d
		s.failForm(w, r, err, "admin_policy", p)
		return
	}
	s.done(w, r, adminDiffPath(v.Number), "admin.policy.imported")
}

// adminDiffPath shows what version n changed from the one before it.
func adminDiffPath(n int) string { return fmt.Sprintf("/admin/policy/diff?to=%d", n) }

func (s *Server) adminRollbackPolicy(w http.ResponseWriter, r *http.Request) {
	n, err := adminVersion(r)
	var v sla.Version
	if err == nil {
		v, _, err = s.Policy.Rollback(r.Context(), s.Now(), n)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, adminDiffPath(v.Number), "admin.policy.rolled_back")
}

type adminDiffData struct {
	From, To int
	Changes  []sla.Change
	// Asked is whether versions were given; the page shows only the form
	// until they are.
	Asked bool
}

// adminPolicyDiff lists what changes from one version to another; without
// a first version, from the one before the second.
func (s *Server) adminPolicyDiff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &adminDiffData{}
	p := s.newPage(r, "admin.diff.title", d)
	if !q.Has("to") {
		s.render(w, r, http.StatusOK, "admin_policy_diff", p)
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
		d.Changes, err = s.Policy.Diff(r.Context(), d.From, d.To)
	}
	if err != nil {
		s.adminFailQuery(w, r, err, "admin_policy_diff", p)
		return
	}
	d.Asked = true
	s.render(w, r, http.StatusOK, "admin_policy_diff", p)
}

// adminFailQuery is failForm for a form sent by GET: its values are the query.
func (s *Server) adminFailQuery(w http.ResponseWriter, r *http.Request, err error, name string, p *page) {
	r.PostForm = r.URL.Query()
	s.failForm(w, r, err, name, p)
}

type adminDueData struct {
	Plans    []adminPlanRow
	Crits    []adminCrit
	Channels []sla.Channel
	Received time.Time // the form's default: now
	Result   *sla.DueResult
}

// adminPolicyDue is the what-if tool: when a first response is due under
// the current policy. It is a GET form, so that an answer can be
// bookmarked and sent to a colleague; instants are read and shown in the
// reader's zone.
func (s *Server) adminPolicyDue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	_, pol, err := s.Policy.Current(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &adminDueData{Channels: []sla.Channel{sla.Portal, sla.Phone}, Received: s.Now()}
	d.Crits, d.Plans = adminPolicyTable(pol.In(readerOf(r.Context()).Locale))
	p := s.newPage(r, "admin.due.title", d)
	q := r.URL.Query()
	if !q.Has("plan") {
		s.render(w, r, http.StatusOK, "admin_policy_due", p)
		return
	}
	in, err := s.adminDueInput(r)
	var res sla.DueResult
	if err == nil {
		res, err = s.Policy.Due(ctx, sla.DueRequest{DueInput: in})
	}
	if err != nil {
		s.adminFailQuery(w, r, err, "admin_policy_due", p)
		return
	}
	d.Result = &res
	s.render(w, r, http.StatusOK, "admin_policy_due", p)
}

// adminDueInput reads the what-if form; its instants are in the reader's zone.
func (s *Server) adminDueInput(r *http.Request) (sla.DueInput, error) {
	q, rd := r.URL.Query(), readerOf(r.Context())
	c := clock{zone: rd.Zone}
	in := sla.DueInput{Plan: q.Get("plan"), Criticality: sla.Criticality(q.Get("criticality")), Channel: sla.Channel(q.Get("channel"))}
	bad := func(field string) error {
		return accord.FieldError(field, "%s", s.msgs.text(rd.Locale, "admin.bad_instant"))
	}
	var err error
	if in.Received, err = c.parseLocal(q.Get("received")); err != nil {
		return in, bad("received")
	}
	if v := q.Get("phone_at"); v != "" {
		at, err := c.parseLocal(v)
		if err != nil {
			return in, bad("phone_at")
		}
		in.PhoneAt = &at
	}
	return in, nil
}
