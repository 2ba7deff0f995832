package storetest

import (
	"testing"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/webhooks"
)

var _ webhooks.Store = (*store.Webhooks)(nil)

// testWebhooks: subscriptions are read within scope (another
// organization's is NotFound); the fan-out reads an organization's chain
// after its cursor, gives the vendor's subscription every organization's
// events and a customer's its own only, writes each delivery once with its
// job, and moves the cursor so that a second run writes nothing; Record
// writes an attempt and the next job; Delete removes the deliveries, their
// log and their jobs.
func testWebhooks(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	vendor := mkOrg(t, d, directory.KindVendor, "Hooks vendor")
	acme := mkOrg(t, d, directory.KindCustomer, "Hooks Acme")
	globex := mkOrg(t, d, directory.KindCustomer, "Hooks Globex")
	s := store.NewWebhooks(db)
	mk := func(org accord.ID, all bool) webhooks.Subscription {
		t.Helper()
		sub := webhooks.Subscription{ID: accord.NewID("whk"), OrgID: org, AllOrgs: all, URL: "https://hooks.example/" + string(org),
			Types: []webhooks.Type{webhooks.CaseOpened}, OwnerID: "usr_x", Enabled: true, Secret: webhooks.NewSecret(), CreatedAt: t0, UpdatedAt: t0}
		if err := s.Create(ctx, sub, ev(org, "webhook.create")); err != nil {
			t.Fatal(err)
		}
		return sub
	}
	vsub, asub, gsub := mk(vendor.ID, true), mk(acme.ID, false), mk(globex.ID, false)
	if _, err := s.Get(ctx, accord.OnlyOrg(globex.ID), asub.ID); !accord.IsKind(err, accord.NotFound) {
		t.Fatalf("globex reads acme's subscription: %v", err)
	}
	if l, err := s.List(ctx, accord.OnlyOrg(acme.ID)); err != nil || len(l) != 1 || l[0].ID != asub.ID || l[0].Secret != asub.Secret {
		t.Fatalf("acme lists %+v %v", l, err)
	}
	m := store.NewMacros(db) // writes an audit event alone, as any store does with its change
	for range 3 {
		if err := m.Applied(ctx, audit.New(system, t0, acme.ID, "case.open", "case", accord.NewID("cas"), nil)); err != nil {
			t.Fatal(err)
		}
	}
	build := func(evs []audit.Event, subs []webhooks.Subscription) []webhooks.Delivery {
		var out []webhooks.Delivery
		for _, e := range evs {
			for _, sub := range subs {
				if sub.Wants(webhooks.CaseOpened, e.OrgID) && e.Action == "case.open" {
					out = append(out, webhooks.Delivery{ID: accord.NewID("msg"), SubscriptionID: sub.ID, OrgID: sub.OrgID, EventOrgID: e.OrgID,
						Type: webhooks.CaseOpened, AuditID: e.ID, Body: "{}", State: webhooks.Pending, CreatedAt: t0})
				}
			}
		}
		return out
	}
	// Acme's chain holds five events (its creation, its subscription,
	// three cases): three batches of two.
	for i, want := range []bool{true, true, false} {
		more, err := s.Fanout(ctx, acme.ID, 2, build)
		if err != nil || more != want {
			t.Fatalf("batch %d: more %v, %v", i+1, more, err)
		}
	}
	if more, err := s.Fanout(ctx, acme.ID, 2, build); err != nil || more {
		t.Fatalf("nothing new: more %v, %v", more, err)
	}
	count := func(sub accord.ID) int {
		l, _, err := s.Deliveries(ctx, accord.Scope{All: true}, sub, accord.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	if count(vsub.ID) != 3 || count(asub.ID) != 3 || count(gsub.ID) != 0 {
		t.Fatalf("deliveries: vendor %d, acme %d, globex %d", count(vsub.ID), count(asub.ID), count(gsub.ID))
	}
	l, _, err := s.Deliveries(ctx, accord.OnlyOrg(acme.ID), asub.ID, accord.Page{Limit: 2})
	if err != nil || len(l) != 2 {
		t.Fatalf("page: %d %v", len(l), err)
	}
	if _, err := s.Delivery(ctx, accord.OnlyOrg(globex.ID), l[0].ID); !accord.IsKind(err, accord.NotFound) {
		t.Fatalf("globex reads acme's delivery: %v", err)
	}
	var jobs int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = $1 AND subject_id = $2`, webhooks.DeliverJob, l[0].ID).Scan(&jobs); err != nil || jobs != 1 {
		t.Fatalf("delivery jobs %d %v", jobs, err)
	}
	next := t0.Add(webhooks.Retry[0])
	err = s.Record(ctx, l[0].ID, func(d *webhooks.Delivery, sub *webhooks.Subscription) (webhooks.Outcome, error) {
		d.Tries, d.Attempts, d.NextAt = 1, 1, &next
		sub.FailingSince = &t0
		return webhooks.Outcome{Attempt: webhooks.Attempt{N: 1, At: t0, Status: 500, Error: "the receiver answered 500"}, Next: next}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Delivery(ctx, accord.OnlyOrg(acme.ID), l[0].ID)
	if err != nil || len(got.Log) != 1 || got.Log[0].Status != 500 || got.Attempts != 1 || got.NextAt == nil || !got.NextAt.Equal(next) {
		t.Fatalf("after an attempt: %+v %v", got, err)
	}
	if sub, _ := s.Get(ctx, accord.OnlyOrg(acme.ID), asub.ID); sub.FailingSince == nil {
		t.Error("failing_since not kept")
	}
	if err := s.Delete(ctx, asub, ev(acme.ID, "webhook.delete")); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = $1 AND subject_id = $2`, webhooks.DeliverJob, l[0].ID).Scan(&jobs); err != nil || jobs != 0 {
		t.Fatalf("jobs left after delete: %d %v", jobs, err)
	}
	if _, err := s.Delivery(ctx, accord.Scope{All: true}, l[0].ID); !accord.IsKind(err, accord.NotFound) {
		t.Fatalf("delivery after delete: %v", err)
	}
}
