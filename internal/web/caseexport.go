package web

import (
	"html/template"
	"net/url"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
)

// exportPath is the API's case export, which the pages link to with the
// filters they show: it streams every case they select, not one page.
const exportPath = "/api/v1/exports/cases"

// exportURL is the export of the cases the list's query selects. The
// list's sort is left out: an export is newest first.
func exportURL(q url.Values) template.URL {
	v := url.Values{}
	for _, k := range []string{"q", "state", "type", "criticality", "org_id"} {
		if x := strings.TrimSpace(q.Get(k)); x != "" {
			v.Set(k, x)
		}
	}
	return exportLink(v)
}

// exportURL is the export of the cases the queue's filter selects for the
// reader me at now, in the API's terms: the first-response queue is
// sort=due, "within" a due_before instant from now. A column sort is left
// out (an export is in the view's own order).
func (qf queueFilter) exportURL(me accord.ID, now time.Time) template.URL {
	v := url.Values{}
	if qf.View == "" {
		v.Set("sort", "due")
	} else {
		v.Set("view", qf.View)
	}
	for k, x := range map[string]string{"criticality": qf.Criticality, "team_id": qf.Team, "org_id": qf.OrgID, "q": qf.Q} {
		if x != "" {
			v.Set(k, x)
		}
	}
	switch qf.State {
	case "":
	case "active":
		states := make([]string, len(cases.ActiveStates))
		for i, st := range cases.ActiveStates {
			states[i] = string(st)
		}
		v.Set("state", strings.Join(states, ","))
	default:
		v.Set("state", qf.State)
	}
	switch qf.Assigned {
	case "":
	case "me":
		v.Set("assignee_id", string(me))
	default:
		v.Set("assignee_id", qf.Assigned)
	}
	if qf.Breached {
		v.Set("breached", "true")
	}
	if qf.Senior {
		v.Set("senior_required", "true")
	}
	if d, ok := dueWithin[qf.Within]; ok {
		v.Set("due_before", now.Add(d).UTC().Format(time.RFC3339))
	}
	for k, x := range qf.Spans {
		v.Set(k, x)
	}
	return exportLink(v)
}

func exportLink(v url.Values) template.URL {
	if len(v) == 0 {
		return exportPath
	}
	return template.URL(exportPath + "?" + v.Encode()) //nolint:gosec // encoded by url.Values.Encode
}
