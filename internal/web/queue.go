package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
	"accord/internal/views"
)

// queueRoutes are the agent console's queue with the reader's saved views,
// and the dashboard (dashboard.go).
func (s *Server) queueRoutes() []route {
	return []route{
		{"GET", "/queue", s.queuePage, false},
		{"POST", "/queue/views", s.saveView, false},
		{"POST", "/queue/views/{id}/delete", s.deleteView, false},
		{"GET", "/dashboard", s.dashboard, false},
	}
}

// queueFilter is the queue's filter form as the query names it. The
// canonical query of its fields is what a saved view keeps.
type queueFilter struct {
	View        string // a built-in view (cases.Views), or "" for the first-response queue
	Criticality string
	State       string
	Assigned    string // "me", "none", an agent's id, or "" for anyone
	Team        string // a team's id, or "" for any
	OrgID       string
	Q           string
	Breached    bool
	Within      string // a key of dueWithin, or ""
	Sort        string // a cases.ParseSort parameter, or "" for the view's own order
	// Senior keeps the cases under the senior-engineer rule, and Spans
	// (by spanKeys, RFC 3339 instants) the cases received, resolved or
	// closed in a period: the dashboard's drill-downs, kept as they came.
	Senior bool
	Spans  map[string]string
}

// spanKeys are the period parameters of the queue, as the API names them.
var spanKeys = []string{"opened_from", "opened_to", "resolved_from", "resolved_to", "closed_from", "closed_to"}

// dueWithin are the spans the "due within" filter offers.
var dueWithin = map[string]time.Duration{"1h": time.Hour, "4h": 4 * time.Hour, "24h": 24 * time.Hour}

// queueStates are the states a case awaiting its first response can be in
// with its clock running.
var queueStates = []cases.State{cases.New, cases.Open}

func queueFilterOf(q url.Values) queueFilter {
	qf := queueFilter{View: q.Get("view"), Criticality: q.Get("criticality"), State: q.Get("state"), Assigned: q.Get("assigned"),
		Team: q.Get("team"), OrgID: q.Get("org_id"), Q: strings.TrimSpace(q.Get("q")), Breached: q.Get("breached") == "1", Within: q.Get("within"),
		Senior: q.Get("senior") == "1", Spans: map[string]string{}, Sort: q.Get("sort")}
	for _, k := range spanKeys {
		if v := q.Get(k); v != "" {
			qf.Spans[k] = v
		}
	}
	return qf
}

// values is the filter as a query, without the fields left empty.
func (qf queueFilter) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"view": qf.View, "criticality": qf.Criticality, "state": qf.State, "assigned": qf.Assigned,
		"team": qf.Team, "org_id": qf.OrgID, "q": qf.Q, "within": qf.Within, "sort": qf.Sort} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if qf.Breached {
		v.Set("breached", "1")
	}
	if qf.Senior {
		v.Set("senior", "1")
	}
	for k, x := range qf.Spans {
		v.Set(k, x)
	}
	return v
}

// filter is the cases.Filter of the queue for the reader me at now: cases
// awaiting a first response, soonest due first, or the built-in view's
// cases. The service checks the view, the criticality, the state and the
// text; the rest is checked here.
func (qf queueFilter) filter(me accord.ID, now time.Time) (cases.Filter, error) {
	f := cases.Filter{ByDue: qf.View == "", View: cases.View(qf.View), Criticality: sla.Criticality(qf.Criticality), OrgID: accord.ID(qf.OrgID), Text: qf.Q}
	switch qf.State {
	case "":
	case "active":
		f.States = cases.ActiveStates
	default:
		f.States = []cases.State{cases.State(qf.State)}
	}
	by, err := cases.ParseSort(qf.Sort)
	if err != nil {
		return f, err
	}
	f.Sort = by
	switch qf.Assigned {
	case "":
	case "me":
		f.AssigneeID = me
	case "none":
		f.Unassigned = true
	default:
		if !accord.ValidID(qf.Assigned) {
			return f, accord.FieldError("assigned", `must be "me", "none" or an agent`)
		}
		f.AssigneeID = accord.ID(qf.Assigned)
	}
	if qf.Team != "" {
		if !accord.ValidID(qf.Team) {
			return f, accord.FieldError("team", "must be a team")
		}
		f.Teams = []accord.ID{accord.ID(qf.Team)}
	}
	f.SeniorRequired = qf.Senior
	for _, sp := range []struct {
		name string
		dst  *cases.Span
	}{{"opened", &f.Opened}, {"resolved", &f.Resolved}, {"closed", &f.Closed}} {
		for _, end := range []struct {
			key string
			dst *time.Time
		}{{sp.name + "_from", &sp.dst.From}, {sp.name + "_to", &sp.dst.To}} {
			v, ok := qf.Spans[end.key]
			if !ok {
				continue
			}
			at, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, accord.FieldError(end.key, "must be an instant such as 2026-12-01T05:00:00Z")
			}
			*end.dst = at
		}
	}
	if qf.Breached {
		yes := true
		f.Breached = &yes
	}
	if qf.Within != "" {
		d, ok := dueWithin[qf.Within]
		if !ok {
			return f, accord.FieldError("within", "must be 1h, 4h or 24h")
		}
		before := now.Add(d)
		f.DueBefore = &before
	}
	return f, nil
}

// queueURL is the queue with a canonical query (url.Values.Encode's, which
// escapes everything a URL could misread), safe as a link.
func queueURL(query string) template.URL {
	if query == "" {
		return "/queue"
	}
	return template.URL("/queue?" + query) //nolint:gosec // encoded by url.Values.Encode
}

// caseRow is a case of the queue or of the dashboard with what its row
// shows besides the case itself.
type caseRow struct {
	cases.Case
	Org      string
	Assignee string // a name, "" when unassigned
	// Urgency is the row's class at the page's instant, "breached" or
	// "warning"; app.js keeps it current afterwards.
	Urgency string
	// Waiting: the row shows Waited, how long the customer has waited on
	// the vendor at the page's instant, rather than the first response's
	// time left (see waitedRows).
	Waiting bool
	Waited  time.Duration
	// Internal are the case's internal targets (next reply, resolution)
	// still running or missed: the queue shows them as badges.
	Internal []cases.InternalClock
}

// queueTab is a link to the first-response queue or to a built-in view.
type queueTab struct {
	View    string // "" for the first-response queue
	Href    template.URL
	Current bool
}

// viewAbout is the catalog key describing the built-in view v.
func viewAbout(v string) string {
	if !slices.Contains(cases.Views, cases.View(v)) {
		return ""
	}
	return "queue.about_" + v
}

// queueTabs are the queue's tabs, the one of current marked.
func queueTabs(current string) []queueTab {
	tabs := []queueTab{{Href: queueURL(""), Current: current == ""}}
	for _, v := range cases.Views {
		q := url.Values{"view": {string(v)}}
		tabs = append(tabs, queueTab{View: string(v), Href: queueURL(q.Encode()), Current: current == string(v)})
	}
	return tabs
}

// savedView is one of the reader's views, with the link that applies it.
type savedView struct {
	views.View
	Href template.URL
}

type queueData struct {
	Tabs []queueTab
	// About is the catalog key of the built-in view's description, "" for
	// the first-response queue (or a view the service refuses).
	About  string
	Rows   []caseRow
	Filter queueFilter
	Crits  []sla.Criticality
	States []cases.State
	Orgs   []directory.Organization // for the organization filter
	Teams  []cases.Team             // for the team filter
	Agents []directory.User         // for the assignee filter: the reader's colleagues
	Plans  planNames
	Views  []savedView
	// Query is the filters as a canonical query, which "Save this view"
	// keeps; Refresh is the queue with them, which htmx reloads.
	Query    string
	Refresh  template.URL
	NextPage template.URL
	// Export is the CSV export of every case the filters select.
	Export template.URL
	// Internal: some row has internal targets, so the column shows.
	Internal bool
	// The bulk form: its actions (assigning to one of Agents), and
	// whether every row starts ticked ("select all" without scripts).
	BulkActions []string
	SelectAll   bool
}

// sortCol is a sortable column header: the link that sorts by it (again,
// reversed, when it is the sort in force) and its aria-sort value.
type sortCol struct {
	Href template.URL
	Sort string // "ascending", "descending", or "" when not sorted by it
}

// Col is the header of the column sorted by key.
func (d *queueData) Col(key string) sortCol {
	current, err := cases.ParseSort(d.Filter.Sort)
	if err != nil || current.Key == "" {
		// The view's own order, which its headers show too.
		switch d.Filter.View {
		case "":
			current = cases.Sort{Key: cases.SortDue}
		case string(cases.ViewUpdated):
			current = cases.Sort{Key: cases.SortUpdated, Desc: true}
		default:
			current = cases.Sort{Key: cases.SortCreated, Desc: true}
		}
	}
	qf := d.Filter
	qf.Sort = current.Toggle(cases.SortKey(key)).String()
	col := sortCol{Href: queueURL(qf.values().Encode())}
	if current.Key == cases.SortKey(key) {
		col.Sort = "ascending"
		if current.Desc {
			col.Sort = "descending"
		}
	}
	return col
}

// TimeKey is the sort key of the "time left or waited" column: the time
// waited in the waiting view, the first response's due instant elsewhere.
func (d *queueData) TimeKey() string {
	if d.Filter.View == string(cases.ViewWaiting) {
		return string(cases.SortWaited)
	}
	return string(cases.SortDue)
}

// queuePage shows the cases awaiting a first response to agents; anyone
// else is sent to their own start page.
func (s *Server) queuePage(w http.ResponseWriter, r *http.Request) {
	if !readerOf(r.Context()).agent() {
		s.home(w, r)
		return
	}
	// A search for a case's number opens that case.
	if href, err := s.caseByNumber(r, r.URL.Query().Get("q")); err != nil || href != "" {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, href, http.StatusSeeOther)
		return
	}
	p, err := s.queue(r, r.URL.Query())
	if err != nil {
		s.failForm(w, r, err, "queue", p)
		return
	}
	s.render(w, r, http.StatusOK, "queue", p)
}

// queue loads the queue filtered by q into a page. A filter the service
// refuses is returned as the error, with the rest of the page loaded, so
// that the form can be shown again with the problem.
func (s *Server) queue(r *http.Request, q url.Values) (*page, error) {
	ctx, rd := r.Context(), readerOf(r.Context())
	qf := queueFilterOf(q)
	data := &queueData{Tabs: queueTabs(qf.View), About: viewAbout(qf.View), Filter: qf, Crits: sla.Criticalities, States: queueStates, Query: qf.values().Encode()}
	data.Refresh = queueURL(data.Query)
	data.BulkActions, data.SelectAll = cases.BulkActions, q.Get("select") == "all"
	p := s.newPage(r, "queue.title", data)
	p.Path = "/queue" // also when a view's form shows the queue again
	orgs, err := s.caseOrgs(r)
	if err != nil {
		return p, err
	}
	data.Orgs = orgs.list
	if st := cases.State(qf.State); st != "" && qf.State != "active" && !slices.Contains(data.States, st) {
		// A drill-down of the dashboard names any state: the form keeps it.
		data.States = append(slices.Clone(data.States), st)
	}
	if data.Teams, err = s.Cases.Teams(ctx, p.Now, cases.TeamFilter{}); err != nil {
		return p, err
	}
	if data.Agents, err = s.agentsOf(r); err != nil {
		return p, err
	}
	if data.Plans, err = s.planNames(r); err != nil {
		return p, err
	}
	mine, err := s.Views.List(ctx, views.Queue)
	if err != nil {
		return p, err
	}
	for _, v := range mine {
		data.Views = append(data.Views, savedView{View: v, Href: queueURL(v.Query)})
	}
	f, err := qf.filter(rd.Actor.UserID, p.Now)
	if err != nil {
		return p, err
	}
	data.Export = qf.exportURL(rd.Actor.UserID, p.Now)
	list, next, err := s.Cases.List(ctx, p.Now, f, accord.Page{Cursor: q.Get("cursor")})
	if err != nil {
		return p, err
	}
	if data.Rows, err = s.caseRows(r, list, orgs.names, p.Now); err != nil {
		return p, err
	}
	waitedRows(data.Rows, qf.View == string(cases.ViewWaiting), p.Now)
	internal, err := s.Cases.InternalFor(ctx, p.Now, list)
	if err != nil {
		return p, err
	}
	for i := range data.Rows {
		for _, k := range internal[data.Rows[i].ID] {
			if k.Status != cases.InternalMet {
				data.Rows[i].Internal = append(data.Rows[i].Internal, k)
				data.Internal = true
			}
		}
	}
	if next != "" {
		more := qf.values()
		more.Set("cursor", next)
		data.NextPage = queueURL(more.Encode())
	}
	return p, nil
}

// caseRows names each case's organization (from orgs, which the caller
// read once for the page) and assignee, each assignee read once.
func (s *Server) caseRows(r *http.Request, list []cases.Case, orgs map[accord.ID]string, now time.Time) ([]caseRow, error) {
	rd := readerOf(r.Context())
	names := map[accord.ID]string{rd.Actor.UserID: s.msgs.text(rd.Locale, "queue.you")}
	rows := make([]caseRow, len(list))
	for i, c := range list {
		row := caseRow{Case: c, Org: orgs[c.OrgID], Urgency: urgency(c.Clock, now)}
		if id := c.AssigneeID; id != "" {
			name, ok := names[id]
			if !ok {
				u, err := s.Directory.GetUser(r.Context(), now, id)
				switch {
				case err == nil:
					name = u.Name
				case accord.IsKind(err, accord.NotFound):
					// A vendor engineer, whom a partner agent may not look up.
					name = s.msgs.text(rd.Locale, "queue.someone")
				default:
					return nil, err
				}
				names[id] = name
			}
			row.Assignee = name
		}
		rows[i] = row
	}
	return rows, nil
}

// waitedRows marks the rows that show how long the customer has waited:
// in the waiting view every row, elsewhere those without a first response
// still due, whose time left matters more.
func waitedRows(rows []caseRow, waitingView bool, now time.Time) {
	for i := range rows {
		row := &rows[i]
		due := row.Clock.Running() && row.Clock.DueAt != nil
		if row.WaitingSince != nil && (waitingView || !due) {
			row.Waiting, row.Waited = true, now.Sub(*row.WaitingSince)
		}
	}
}

// urgency is a row's class at now, as app.js computes it from the clock's
// instants; a breach the jobs recorded stays one.
func urgency(k cases.Clock, now time.Time) string {
	switch {
	case k.BreachedAt != nil || (k.DueAt != nil && !now.Before(*k.DueAt)):
		return "breached"
	case k.WarnAt != nil && k.DueAt != nil && !now.Before(*k.WarnAt):
		return "warning"
	}
	return ""
}

// saveView keeps the queue's current filters as one of the reader's
// views and shows the queue with them.
func (s *Server) saveView(w http.ResponseWriter, r *http.Request) {
	if !readerOf(r.Context()).agent() {
		s.home(w, r)
		return
	}
	var v views.View
	err := parseForm(w, r, 0)
	if err == nil {
		v, err = s.Views.Save(r.Context(), s.Now(), views.NewView{Page: views.Queue, Name: r.PostForm.Get("name"), Query: r.PostForm.Get("query")})
	}
	if err != nil {
		// The queue as it was, with the problem next to the form; a
		// query that is not text shows the queue without its filters.
		q, _ := url.ParseQuery(r.PostForm.Get("query"))
		if accord.TextProblem(r.PostForm.Get("query")) != "" {
			q = nil
		}
		p, qerr := s.queue(r, q)
		if qerr != nil {
			s.fail(w, r, qerr)
			return
		}
		s.failForm(w, r, err, "queue", p)
		return
	}
	s.done(w, r, string(queueURL(v.Query)), "queue.view_saved")
}

// deleteView removes one of the reader's views; anyone else's is a 404.
func (s *Server) deleteView(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !accord.ValidID(id) {
		s.fail(w, r, &accord.Error{Kind: accord.NotFound, Msg: "not found"})
		return
	}
	if err := s.Views.Delete(r.Context(), accord.ID(id)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/queue", "queue.view_deleted")
}
