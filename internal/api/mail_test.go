package api

import (
	"net/http"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/notify"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// mailLog is the notification service without an SMTP server: the mail log
// can be read, nothing is sent.
func mailLog(db *store.DB, cs *cases.Service, dir *directory.Service) *notify.Service {
	n, err := notify.NewService(store.NewMail(db), cs, dir, nil, notify.Config{})
	if err != nil {
		panic(err)
	}
	return n
}

func TestMailLog(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		c, err := f.cases.Open(f.actor("agent"), f.now, cases.NewCase{OrgID: f.orgs["acme"].ID, Type: cases.Question, Title: "Vault question", Description: "How?"})
		if err != nil {
			t.Fatal(err)
		}
		kase := c.ID
		timeline, err := f.cases.Timeline(f.system(), f.now, kase)
		if err != nil {
			t.Fatal(err)
		}
		msg := notify.Message{ID: accord.NewID("msg"), OrgID: f.orgs["acme"].ID, CaseID: kase, EntryID: timeline[0].ID, Event: string(cases.EventOpened),
			UserID: f.users["acme"].ID, To: "acme@acme.example", Locale: "en-US", Subject: "[#1] We received your case",
			Body: "Hello", MessageID: "m1@test", ReplyToken: "tok1", CreatedAt: f.now}
		if err := store.NewMail(f.db).Queue(f.system(), f.now, []notify.Message{msg}); err != nil {
			t.Fatal(err)
		}
		var l struct {
			Items []notify.Message `json:"items"`
		}
		expect(t, f.do("admin", "GET", "/api/v1/mail?status=queued", nil), http.StatusOK).json(t, &l)
		if len(l.Items) != 1 || l.Items[0].ID != msg.ID || l.Items[0].Delivery.Status != notify.Queued {
			t.Fatalf("queued mail: %+v", l.Items)
		}
		expect(t, f.do("admin", "GET", "/api/v1/mail?status=failed", nil), http.StatusOK).json(t, &l)
		if len(l.Items) != 0 {
			t.Fatalf("failed mail: %+v", l.Items)
		}
		r := expect(t, f.do("admin", "GET", "/api/v1/mail?status=lost", nil), http.StatusBadRequest)
		if !strings.Contains(r.body, `"status"`) {
			t.Errorf("the error names no field: %s", r.body)
		}
		for _, role := range []string{"agent", "auditor", "acme", "partner"} {
			expect(t, f.do(role, "GET", "/api/v1/mail", nil), http.StatusForbidden)
			expect(t, f.do(role, "GET", "/api/v1/mail/"+string(msg.ID), nil), http.StatusForbidden)
		}
		var got notify.Message
		expect(t, f.do("admin", "POST", "/api/v1/mail/"+string(msg.ID)+"/resend", `{}`), http.StatusOK).json(t, &got)
		if got.Delivery.Status != notify.Queued || got.Body != "Hello" {
			t.Errorf("resent: %+v", got)
		}
		expect(t, f.do("admin", "GET", "/api/v1/mail/inbound", nil), http.StatusOK)
	})
}

// expect fails the test unless r has the status.
func expect(t *testing.T, r response, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}
