package reports

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
)

func (f *fakeStore) ReceivedAfter(ctx context.Context, scope accord.Scope, from, to, at time.Time, id accord.ID, limit int) ([]cases.Case, error) {
	all, _ := f.Received(ctx, scope, from, to, "")
	slices.SortFunc(all, func(a, b cases.Case) int {
		return cmp.Or(a.Clock.ReceivedAt.Compare(b.Clock.ReceivedAt), cmp.Compare(a.ID, b.ID))
	})
	if id != "" {
		all = slices.DeleteFunc(all, func(c cases.Case) bool {
			return cmp.Or(c.Clock.ReceivedAt.Compare(at), cmp.Compare(c.ID, id)) <= 0
		})
	}
	return all[:min(limit, len(all))], nil
}

// A replay of October under version 2 (support hours cut to 09:00-17:00):
// read in batches, for the vendor's administrators only, counting flips
// per plan, criticality and customer with the customers' names.
func TestReplayService(t *testing.T) {
	pols := testPolicies(t)
	st := &fakeStore{}
	// Advanced C3 portal, Tuesday 10:00: 8h, due 18:00 under version 1 and
	// Wednesday 10:00 under version 2. Answered at 19:00: breached, then met.
	flip := settle(t, pols, kase{name: "flip", org: acme, plan: "advanced", crit: sla.C3, channel: sla.Portal,
		received: "2026-10-13 10:00", answered: "2026-10-13 19:00"}.facts())
	st.cases = append(st.cases, flip)
	// Premium C1 by phone on the 24x7 clock: the hours do not matter.
	for i := range ReplayBatch + 3 {
		st.cases = append(st.cases, settle(t, pols, kase{name: fmt.Sprint(i), org: globex, plan: "premium", crit: sla.C1, channel: sla.Phone,
			received: "2026-10-14 03:00", answered: "2026-10-14 03:10"}.facts()))
	}
	svc := NewService(st, pols, testOrgs, DefaultConfig())
	q := ReplayQuery{Version: 2, From: local("2026-10-01 00:00"), To: local("2026-11-01 00:00")}
	var reads []int
	rep, err := svc.Replay(actor(accord.RoleAdmin, "org_vendor"), reportAt, q, func(n int) { reads = append(reads, n) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(reads, []int{ReplayBatch, ReplayBatch + 4}) {
		t.Errorf("progress %v, want two batches", reads)
	}
	if rep.Draft != "version 2" || rep.Total.Cases != ReplayBatch+4 || rep.Total.Flipped != 1 || rep.Drift != 0 {
		t.Fatalf("report %+v", rep.Total)
	}
	if len(rep.Flips) != 1 || rep.Flips[0].CaseID != flip.ID || rep.Flips[0].Customer != "Acme Bank" ||
		rep.Flips[0].Actual != cases.VerdictBreached || rep.Flips[0].Draft != cases.VerdictMet {
		t.Fatalf("flips %+v", rep.Flips)
	}
	if len(rep.Customers) != 2 || rep.Customers[0].Name != "Acme Bank" || rep.Customers[0].Flipped != 1 || rep.Customers[1].Flipped != 0 {
		t.Fatalf("customers %+v", rep.Customers)
	}
	if rep.Explained == nil || rep.Explained.CaseID != flip.ID {
		t.Fatalf("explained %+v", rep.Explained)
	}

	for _, tc := range []struct {
		name string
		ctx  context.Context
		q    ReplayQuery
		kind accord.Kind
	}{
		{"an agent", actor(accord.RoleAgent, "org_vendor"), q, accord.Forbidden},
		{"an auditor", actor(accord.RoleAuditor, "org_vendor"), q, accord.Forbidden},
		{"a customer contact", actor(accord.RoleCustomerContact, acme), q, accord.Forbidden},
		{"both a version and a draft", actor(accord.RoleAdmin, "org_vendor"), ReplayQuery{Version: 2, Document: []byte("x: 1"), From: q.From, To: q.To}, accord.Invalid},
		{"a range backwards", actor(accord.RoleAdmin, "org_vendor"), ReplayQuery{Version: 2, From: q.To, To: q.From}, accord.Invalid},
		{"a version that does not exist", actor(accord.RoleAdmin, "org_vendor"), ReplayQuery{Version: 9, From: q.From, To: q.To}, accord.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Replay(tc.ctx, reportAt, tc.q, nil)
			var e *accord.Error
			if !errors.As(err, &e) || e.Kind != tc.kind {
				t.Fatalf("error %v, want %s", err, tc.kind)
			}
		})
	}
	_, err = svc.Replay(actor(accord.RoleAdmin, "org_vendor"), reportAt, ReplayQuery{Document: []byte("plans:\n  x: 1\n"), From: q.From, To: q.To}, nil)
	var ps sla.Problems
	if !errors.As(err, &ps) || ps[0].Line == 0 {
		t.Fatalf("a bad draft: %v, want problems at their lines", err)
	}
}
