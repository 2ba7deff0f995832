package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/reports"
	"accord/internal/sla"
)

// replayRoutes are the what-if replay of the policy over past cases: the
// vendor's administrators only, as the service decides; the page says so
// to other staff before they fill the form in.
func (s *Server) replayRoutes() []route {
	return []route{
		{"GET", "/admin/policy/replay", s.adminOnly(s.replayPage), false},
		{"POST", "/admin/policy/replay", s.adminOnly(s.runReplay), false},
	}
}

// adminOnly refuses every reader but the vendor's administrators.
func (s *Server) adminOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rd := readerOf(r.Context())
		if !rd.is(accord.RoleAdmin) {
			s.fail(w, r, &accord.Error{Kind: accord.Forbidden, Op: "web.replay", Msg: s.msgs.text(rd.Locale, "replay.admins_only")})
			return
		}
		next(w, r)
	}
}

type replayData struct {
	Versions []sla.Version
	// From and To are the form's defaults: last year, in the vendor's zone.
	From, To string
	Report   *cases.ReplayReport
	Elapsed  time.Duration
	// Tables are the report's groups, each titled by a message key; Sides
	// the explained case as it happened and under the replayed policy.
	Tables []replayTable
	Sides  []replaySide
	// Problems are a refused draft's, at their lines and columns.
	Problems []adminProblem
}

type replayTable struct {
	Caption, Head string
	Rows          []cases.ReplayRow
}

type replaySide struct {
	Actual bool
	X      cases.Explanation
}

func (s *Server) replayForm(r *http.Request) (*page, error) {
	versions, _, err := s.Policy.List(r.Context(), accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		return nil, err
	}
	cfg := reports.DefaultConfig()
	y := s.Now().In(cfg.Zone).Year()
	d := &replayData{Versions: versions, From: strconv.Itoa(y-1) + "-01-01", To: strconv.Itoa(y) + "-01-01"}
	return s.newPage(r, "replay.title", d), nil
}

func (s *Server) replayPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.replayForm(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_policy_replay", p)
}

// runReplay replays the range under the version or the draft sent and
// shows the report on the same page, under the form as sent. A replay
// writes nothing, but a draft may be long: it is a POST.
func (s *Server) runReplay(w http.ResponseWriter, r *http.Request) {
	p, err := s.replayForm(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := p.Data.(*replayData)
	var q reports.ReplayQuery
	if err = parseForm(w, r, sla.MaxDocument); err == nil {
		q, err = s.replayQuery(r)
	}
	start := time.Now()
	var rep cases.ReplayReport
	if err == nil {
		rep, err = s.Reports.Replay(r.Context(), s.Now(), q, nil)
	}
	if err != nil {
		d.Problems, err = s.adminProblems(r, err)
		s.failForm(w, r, err, "admin_policy_replay", p)
		return
	}
	d.Report, d.Elapsed = &rep, time.Since(start).Round(time.Millisecond)
	d.Tables = []replayTable{{"replay.total", "", []cases.ReplayRow{rep.Total}}, {"replay.by_plan", "admin.policy.plan", rep.Plans},
		{"replay.by_criticality", "admin.due.criticality", rep.Criticalities}, {"replay.by_customer", "replay.customer", rep.Customers}}
	if x := rep.Explained; x != nil {
		d.Sides = []replaySide{{Actual: true, X: x.Actual}, {X: x.Draft}}
	}
	p.Form = r.PostForm
	s.render(w, r, http.StatusOK, "admin_policy_replay", p)
}

// replayQuery reads the form: a stored version, or "draft" with the
// document pasted or uploaded; days in the vendor's zone.
func (s *Server) replayQuery(r *http.Request) (reports.ReplayQuery, error) {
	f := r.PostForm
	cfg := reports.DefaultConfig()
	var q reports.ReplayQuery
	var err error
	if q.From, err = cfg.Day("from", f.Get("from")); err != nil {
		return q, err
	}
	if q.To, err = cfg.Day("to", f.Get("to")); err != nil {
		return q, err
	}
	if v := strings.TrimPrefix(strings.TrimSpace(f.Get("case")), "#"); v != "" {
		if q.Explain, err = strconv.ParseInt(v, 10, 64); err != nil || q.Explain < 1 {
			return q, accord.FieldError("case", "%s", s.msgs.text(readerOf(r.Context()).Locale, "replay.bad_case"))
		}
	}
	q.Lang = readerOf(r.Context()).Locale
	if v := f.Get("version"); v != "draft" {
		if q.Version, err = strconv.Atoi(v); err != nil || q.Version < 1 {
			return q, accord.FieldError("version", "%s", s.msgs.text(q.Lang, "replay.bad_version"))
		}
		return q, nil
	}
	doc, err := adminDocument(r)
	if err != nil {
		return q, err
	}
	if strings.TrimSpace(doc) == "" {
		return q, accord.FieldError("doc", "%s", s.msgs.text(q.Lang, "replay.no_draft"))
	}
	q.Document, q.Name = []byte(doc), s.msgs.text(q.Lang, "replay.the_draft")
	return q, nil
}
