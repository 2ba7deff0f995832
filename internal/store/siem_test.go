package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/siem"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// flaky is a receiver's network end that is up or down as the property
// says.
type flaky struct {
	up  bool
	got []audit.Event
}

func (f *flaky) Send(_ context.Context, _ siem.Receiver, events []audit.Event) error {
	if !f.up {
		return errors.New("connection refused")
	}
	f.got = append(f.got, events...)
	return nil
}

// TestSIEMDeliveryProperty: whatever the interleaving of new events in
// two organizations, outages and delivery attempts, a customer's receiver
// ends with exactly its organization's events from its creation on, each
// once, in chain order.
func TestSIEMDeliveryProperty(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	d := store.NewDirectory(db)
	sys := accord.SystemActor("property")
	t0 := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		var orgs [2]accord.ID
		for i := range orgs {
			o := directory.Organization{ID: accord.NewID("org"), Kind: directory.KindCustomer, Name: fmt.Sprintf("P%d-%d", n, i), CreatedAt: t0, UpdatedAt: t0}
			if err := d.CreateOrganization(ctx, o, audit.New(sys, t0, o.ID, "organization.create", "organization", o.ID, nil)); err != nil {
				rt.Fatal(err)
			}
			orgs[i] = o.ID
		}
		link := &flaky{}
		svc := siem.NewService(store.NewSIEM(db), link, siem.Config{Batch: rapid.IntRange(1, 5).Draw(rt, "batch")})
		admin := accord.WithActor(ctx, accord.Actor{UserID: "usr_p", OrgID: orgs[0], Role: accord.RoleCustomerContact, CustomerAdmin: true})
		proto, addr := siem.SyslogUDP, "192.0.2.1:514"
		r, err := svc.Create(admin, t0, siem.Input{Name: new("SOC"), Protocol: &proto, Address: &addr})
		if err != nil {
			rt.Fatal(err)
		}
		run := accord.WithActor(ctx, sys)
		steps := rapid.SliceOfN(rapid.IntRange(0, 3), 1, 30).Draw(rt, "steps")
		for _, s := range steps {
			switch s {
			case 0, 1: // an event in one of the organizations
				if err := d.RecordEvent(ctx, audit.New(sys, t0, orgs[s], "session.fail", "user", "usr_x", nil)); err != nil {
					rt.Fatal(err)
				}
			case 2:
				link.up = !link.up
			case 3:
				_ = svc.Deliver(run, t0, r.ID)
			}
		}
		link.up = true
		for range 100 {
			got, err := svc.Get(run, r.ID)
			if err != nil {
				rt.Fatal(err)
			}
			if got.Status.Lag == 0 {
				break
			}
			if err := svc.Deliver(run, t0, r.ID); err != nil {
				rt.Fatal(err)
			}
		}
		want := int64(2) // after organization.create: the receiver's creation
		for _, e := range link.got {
			if e.OrgID != orgs[0] || e.Seq != want {
				rt.Fatalf("got %s/%d, want %s/%d", e.OrgID, e.Seq, orgs[0], want)
			}
			want++
		}
		var head int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT seq FROM audit_heads WHERE org_id = $1`, orgs[0]).Scan(&head); err != nil {
			rt.Fatal(err)
		}
		if want-1 != head {
			rt.Fatalf("delivered up to %d of %d events", want-1, head)
		}
	})
}
