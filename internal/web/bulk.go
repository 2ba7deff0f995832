package web

import (
	"net/http"
	"net/url"

	"accord/internal/accord"
	"accord/internal/cases"
)

type bulkData struct {
	Action  string
	Results []cases.Outcome
	// Back is the view the action was taken from, to return to.
	Back string
	OK   int
}

// bulkCases applies the queue form's action to the cases ticked, each on
// its own, and shows how each answered.
func (s *Server) bulkCases(w http.ResponseWriter, r *http.Request) {
	if !readerOf(r.Context()).agent() {
		s.home(w, r)
		return
	}
	if err := parseForm(w, r, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	in := cases.BulkAction{Action: f.Get("action"), UserID: accord.ID(f.Get("user_id"))}
	if in.Action == cases.BulkAssign && f.Get("user_id") == "me" {
		in.UserID = readerOf(r.Context()).Actor.UserID
	}
	switch text := f.Get("text"); in.Action {
	case cases.BulkHold:
		in.Reason = text
	case cases.BulkResolve:
		in.Summary = text
	case cases.BulkNote:
		in.Body = text
	}
	for _, id := range f["case_id"] {
		in.CaseIDs = append(in.CaseIDs, accord.ID(id))
	}
	back := "/queue"
	if q, err := url.ParseQuery(f.Get("back")); err == nil && len(q) > 0 {
		back = string(queueURL(queueFilterOf(q).values().Encode()))
	}
	out, err := s.Cases.Bulk(r.Context(), s.Now(), in)
	if err != nil && accord.KindOf(err) != accord.Invalid {
		s.fail(w, r, err)
		return
	}
	d := &bulkData{Action: in.Action, Results: out, Back: back}
	for _, o := range out {
		if o.OK {
			d.OK++
		}
	}
	p := s.newPage(r, "bulk.title", d)
	if err != nil {
		pub := accord.Public(err)
		p.Error = pub.Field + ": " + pub.Msg
		s.render(w, r, http.StatusUnprocessableEntity, "queue_bulk", p)
		return
	}
	s.render(w, r, http.StatusOK, "queue_bulk", p)
}
