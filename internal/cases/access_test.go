package cases_test

import (
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// An access request's case records each step of the request by the side
// whose step it is; the vendor's approval answers and closes it; the
// customer's withdrawal closes it without an answer, and no breach is left
// to fire on a closed case.
func TestAccessRequestCases(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		now := at("2024-03-12 10:00")
		request := func() contracts.ContactRequest {
			r := contracts.ContactRequest{ID: accord.NewID("req"), OrgID: f.orgs["acme"].ID, Name: "Nina Night", Email: "nina@acme.example",
				Reason: "night shift operator", RequestedByName: "User acme"}
			id, err := f.svc.OpenAccessCase(f.as("acme"), now, r)
			if err != nil {
				t.Fatal(err)
			}
			r.CaseID = id
			return r
		}
		r := request()
		c := f.get(t, "acme", now, r.CaseID)
		if c.Type != cases.AccessRequest || c.Title != "Access request: Nina Night" || c.Criticality != sla.C4 || c.State != cases.New || c.OpenedBy != "User acme" {
			t.Fatalf("the case: %+v", c)
		}
		if n := f.count(t, warnBreachJobs, c.ID); n != 2 {
			t.Fatalf("%d warning and breach jobs, want 2", n)
		}

		r.Status = contracts.RequestAuthorized
		if err := f.svc.RecordAccessStep(f.as("agent"), now, r, ""); !accord.IsKind(err, accord.Forbidden) {
			t.Errorf("the vendor records the customer's authorization: %v", err)
		}
		for range 2 {
			if err := f.svc.RecordAccessStep(f.as("acme"), now.Add(time.Hour), r, "our night operator"); err != nil {
				t.Fatal(err)
			}
		}
		l, _ := f.svc.Timeline(f.as("acme"), now, r.CaseID)
		if n := countKind(l, cases.AccessStep); n != 1 {
			t.Fatalf("%d access steps after recording one twice", n)
		}
		r.Status, r.UserID = contracts.RequestApproved, f.users["bystander"].ID
		if err := f.svc.RecordAccessStep(f.as("agent"), now, r, ""); !accord.IsKind(err, accord.Forbidden) {
			t.Errorf("an agent records the approval: %v", err)
		}
		answered := now.Add(2 * time.Hour)
		if err := f.svc.RecordAccessStep(f.as("admin"), answered, r, "welcome"); err != nil {
			t.Fatal(err)
		}
		c = f.get(t, "acme", answered, r.CaseID)
		if c.State != cases.Closed || c.CloseReason != cases.ReasonAccessApproved || !same(c.Clock.RespondedAt, answered) {
			t.Fatalf("after approval: state %s, reason %q, responded %s", c.State, c.CloseReason, nyString(c.Clock.RespondedAt))
		}
		l, _ = f.svc.Timeline(f.as("acme"), answered, r.CaseID)
		last := l[len(l)-2]
		if last.Kind != cases.AccessStep || last.Data.To != "approved" || last.Body != "welcome" || last.Data.UserID != r.UserID || last.Internal {
			t.Fatalf("the approval on the timeline: %+v", last)
		}

		w := request()
		w.Status = contracts.RequestRejected
		if err := f.svc.RecordAccessStep(f.as("acme"), now.Add(time.Hour), w, "not needed after all"); err != nil {
			t.Fatal(err)
		}
		c = f.get(t, "acme", now.Add(time.Hour), w.CaseID)
		if c.State != cases.Closed || c.CloseReason != cases.ReasonAccessRejected || c.Clock.RespondedAt != nil {
			t.Fatalf("after the customer's refusal: state %s, reason %q, responded %s", c.State, c.CloseReason, nyString(c.Clock.RespondedAt))
		}
		if n := f.count(t, warnBreachJobs, c.ID); n != 0 {
			t.Errorf("%d warning and breach jobs left on the closed case", n)
		}

		other := f.openPortal(t, "acme", now, cases.NewCase{Type: cases.Question, Title: "Vault", Description: "How?"})
		w.CaseID = other.ID
		if err := f.svc.RecordAccessStep(f.as("acme"), now, w, "x"); !accord.IsKind(err, accord.Conflict) {
			t.Errorf("a step on a question: %v", err)
		}
	})
}
