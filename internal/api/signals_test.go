package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"accord/internal/cases"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestNotificationsAPI: a user lists and marks only their own
// notifications; a closed case is rated once through the API, and the
// satisfaction report counts it, as JSON and CSV, for the vendor's staff.
func TestNotificationsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		kase, err := f.cases.Open(f.actor("acme"), f.now, cases.NewCase{Type: cases.Question, Title: "Rotate keys", Description: "How?"})
		if err != nil {
			t.Fatal(err)
		}
		if r := f.do("admin", "POST", "/api/v1/cases/"+string(kase.ID)+"/assign", `{"user_id":"`+string(f.users["agent"].ID)+`"}`); r.status != http.StatusOK {
			t.Fatalf("assign: %d %s", r.status, r.body)
		}
		var l struct {
			Items []struct {
				ID, Kind, CaseID string
				CaseNumber       int64 `json:"case_number"`
			}
			Unread int
		}
		r := f.do("agent", "GET", "/api/v1/notifications?unread=true", nil)
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &l) != nil || len(l.Items) != 1 || l.Unread != 1 ||
			l.Items[0].Kind != "assigned" || l.Items[0].CaseNumber != kase.Number {
			t.Fatalf("the agent's notifications: %d %s", r.status, r.body)
		}
		id := l.Items[0].ID
		if r := f.do("admin", "GET", "/api/v1/notifications", nil); r.status != http.StatusOK || strings.Contains(r.body, id) {
			t.Fatalf("the admin reads the agent's notification: %d %s", r.status, r.body)
		}
		if r := f.do("admin", "POST", "/api/v1/notifications/"+id+"/read", nil); r.status != http.StatusNotFound {
			t.Fatalf("the admin marks the agent's notification: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "GET", "/api/v1/notifications?unread=maybe", nil); r.status != http.StatusBadRequest || !strings.Contains(r.body, "unread") {
			t.Fatalf("unread=maybe: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", "/api/v1/notifications/"+id+"/read", nil); r.status != http.StatusNoContent {
			t.Fatalf("mark read: %d %s", r.status, r.body)
		}
		if r := f.do("agent", "POST", "/api/v1/notifications/read", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"marked":0`) {
			t.Fatalf("mark all read: %d %s", r.status, r.body)
		}

		// Presence is for agents.
		if r := f.do("agent", "POST", "/api/v1/cases/"+string(kase.ID)+"/presence", `{"writing":true}`); r.status != http.StatusOK {
			t.Fatalf("presence: %d %s", r.status, r.body)
		}
		if r := f.do("admin", "GET", "/api/v1/cases/"+string(kase.ID)+"/presence", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"writing":true`) {
			t.Fatalf("the admin's view of presence: %d %s", r.status, r.body)
		}
		if r := f.do("acme", "GET", "/api/v1/cases/"+string(kase.ID)+"/presence", nil); r.status != http.StatusForbidden {
			t.Fatalf("a customer reads presence: %d %s", r.status, r.body)
		}

		// Closed, rated once.
		path := "/api/v1/cases/" + string(kase.ID)
		for _, step := range []struct{ as, verb, body string }{
			{"agent", "/replies", `{"body":"Use the guide."}`}, {"agent", "/resolve", `{"summary":"Guide sent."}`}, {"acme", "/confirm", `{}`},
		} {
			if r := f.do(step.as, "POST", path+step.verb, step.body); r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", step.verb, r.status, r.body)
			}
		}
		if r := f.do("acme", "POST", path+"/rating", `{"score":0}`); r.status != http.StatusBadRequest || !strings.Contains(r.body, "score") {
			t.Fatalf("score 0: %d %s", r.status, r.body)
		}
		if r := f.do("acme", "POST", path+"/rating", `{"score":4,"comment":"Clear"}`); r.status != http.StatusCreated {
			t.Fatalf("rate: %d %s", r.status, r.body)
		}
		if r := f.do("acme-admin", "POST", path+"/rating", `{"score":1}`); r.status != http.StatusConflict {
			t.Fatalf("rated twice: %d %s", r.status, r.body)
		}
		month := f.now.Format("2006-01")
		if r := f.do("auditor", "GET", "/api/v1/reports/csat?month="+month, nil); r.status != http.StatusOK ||
			!strings.Contains(r.body, `"total":{"group":"all","key":"","name":"","ratings":1,"scores":[0,0,0,1,0],"satisfied":1,"average":4,"csat_percent":100}`) {
			t.Fatalf("csat report: %d %s", r.status, r.body)
		}
		r = f.do("admin", "GET", "/api/v1/reports/csat?month="+month+"&format=csv", nil)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.body, month+",customer,"+string(f.orgs["acme"].ID)+",Acme Bank,1,0,0,0,1,0,1,4.00,100.0") {
			t.Fatalf("csat csv: %d %s", r.status, r.body)
		}
		if r := f.do("acme", "GET", "/api/v1/reports/csat?month="+month, nil); r.status != http.StatusForbidden {
			t.Fatalf("a customer reads the csat report: %d %s", r.status, r.body)
		}
	})
}
