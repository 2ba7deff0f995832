package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/products"
	"accord/internal/store/dbtest"
)

// Two job runners on one PostgreSQL database mail the release notices of
// three versions published at once, while the same jobs also run again by
// hand: each authorized contact of a customer with an active contract and
// an installation of the product gets each notice once, in their language;
// a contact not authorized, a customer without a contract and one without
// the product get none.
func TestReleaseNoticeOnceWithTwoRunners(t *testing.T) {
	db, _ := dbtest.PostgresDatabase(t)
	ctx := context.Background()
	sys := accord.WithActor(ctx, accord.SystemActor("test"))
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	svc := mailingServices(t, db, now)

	orgs := map[string]accord.ID{}
	for _, o := range []struct {
		name string
		kind directory.Kind
	}{{"Northwind", directory.KindVendor}, {"Acme Bank", directory.KindCustomer}, {"Globex Health", directory.KindCustomer},
		{"Initech", directory.KindCustomer}, {"Umbrella", directory.KindCustomer}} {
		org, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: o.kind, Name: o.name})
		if err != nil {
			t.Fatal(err)
		}
		orgs[o.name] = org.ID
	}
	users := map[string]accord.ID{}
	for _, u := range []struct {
		key, org, locale string
		authorized       bool
	}{
		{"ana", "Acme Bank", "pt-BR", true}, {"bob", "Acme Bank", "en-US", true}, {"carl", "Acme Bank", "en-US", false},
		{"gina", "Globex Health", "es-ES", true}, {"ivan", "Initech", "en-US", true}, {"uma", "Umbrella", "en-US", true},
	} {
		usr, err := svc.directory.CreateUser(sys, now, directory.NewUser{OrgID: orgs[u.org], Email: u.key + "@example.com", Name: u.key,
			Locale: u.locale, Role: accord.RoleCustomerContact, AuthorizedContact: u.authorized, WithoutPassword: true})
		if err != nil {
			t.Fatal(err)
		}
		users[u.key] = usr.ID
	}
	// Initech has no contract; Umbrella has one but no installation.
	for _, org := range []string{"Acme Bank", "Globex Health", "Umbrella"} {
		if _, err := svc.contracts.Create(sys, now, contracts.NewContract{OrgID: orgs[org], Plan: "premium", SignedOn: "2026-01-01", Years: 2,
			Licences: []contracts.Licence{{Module: "core", Quantity: 10}}}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := svc.products.CreateProduct(sys, now, products.NewProduct{OrgID: orgs["Northwind"], Key: "identity", Name: "Accord Identity"})
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range []string{"Acme Bank", "Globex Health", "Initech"} {
		if _, err := svc.products.CreateInstallation(sys, now, products.NewInstallation{OrgID: orgs[org], ProductID: p.ID, Version: "3.21",
			Deployment: products.OnPremises}); err != nil {
			t.Fatal(err)
		}
	}
	var versions []accord.ID
	for _, n := range []string{"3.22", "3.23", "4.0"} {
		v, err := svc.products.CreateVersion(sys, now, p.ID, products.NewVersion{Number: n, Notes: "- Fixes *expired passwords*"})
		if err == nil {
			v, err = svc.products.Publish(sys, now, v.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v.ID)
	}

	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.SQL().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	clock := func() time.Time { return now.Add(time.Minute) }
	handlers := svc.jobHandlers()
	var wg sync.WaitGroup
	for _, worker := range []string{"one", "two"} {
		r := jobs.NewRunner(svc.jobs, handlers, jobs.Config{Worker: worker, Now: clock})
		wg.Go(func() {
			for {
				n, err := r.RunDue(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 && count(`SELECT count(*) FROM jobs WHERE failed_at IS NULL AND run_at <= $1`, clock()) == 0 {
					return
				}
				if n == 0 {
					time.Sleep(5 * time.Millisecond)
				}
			}
		})
	}
	for range 3 {
		for _, id := range versions {
			wg.Go(func() {
				if err := handlers[products.ReleaseJob](sys, clock(), jobs.Job{SubjectID: id, Kind: products.ReleaseJob}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if n := count(`SELECT count(*) FROM jobs WHERE last_error <> ''`); n != 0 {
		t.Errorf("%d jobs failed", n)
	}
	if n := count(`SELECT count(*) FROM mail_messages WHERE topic LIKE 'release:%'`); n != 3*3 {
		t.Errorf("%d release letters, want 9 (three versions to ana, bob and gina)", n)
	}
	subjects := map[string]string{"ana": "Nova versão", "bob": "New version", "gina": "Nueva versión"}
	for _, id := range versions {
		for who, want := range subjects {
			var subject string
			if err := db.SQL().QueryRowContext(ctx, `SELECT subject FROM mail_messages WHERE topic = $1 AND user_id = $2`,
				"release:"+string(id), users[who]).Scan(&subject); err != nil {
				t.Fatalf("%s's notice of %s: %v", who, id, err)
			}
			if !strings.HasPrefix(subject, want) {
				t.Errorf("%s's subject %q, want %q…", who, subject, want)
			}
		}
	}
	if n := count(`SELECT count(*) FROM product_versions WHERE product_id = $1 AND state = 'published'`, p.ID); n != 3 {
		t.Errorf("%d versions published", n)
	}
	if rep, err := svc.audit.Verify(sys); err != nil || rep.Break != nil {
		t.Fatalf("audit chain: %+v, %v", rep.Break, err)
	}
}
