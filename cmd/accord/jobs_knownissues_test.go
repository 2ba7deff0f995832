package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/knownissues"
	"accord/internal/lang"
	"accord/internal/products"
	"accord/internal/store/dbtest"
)

// Two job runners on one PostgreSQL database, with the same jobs also run
// again by hand, mail a known issue's three notices (published, workaround,
// fixed): each authorized contact of the customers it affects (Acme on
// 3.21, Globex through a linked case although it runs 3.23) gets each
// notice once, in their language; a contact not authorized and a customer
// on another version get none; the linked open case gets one note for the
// workaround and one for the fix; only Acme's Premium fix notice offers
// the assisted upgrade.
func TestKnownIssueNoticesOnceWithTwoRunners(t *testing.T) {
	db, _ := dbtest.PostgresDatabase(t)
	ctx := context.Background()
	sys := accord.WithActor(ctx, accord.SystemActor("test"))
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	svc := mailingServices(t, db, now)

	if _, err := svc.engagements.EnsureDefaultCatalog(sys, now); err != nil {
		t.Fatal(err)
	}
	orgs := map[string]accord.ID{}
	for _, o := range []struct {
		name string
		kind directory.Kind
	}{{"Northwind", directory.KindVendor}, {"Acme Bank", directory.KindCustomer}, {"Globex Health", directory.KindCustomer},
		{"Initech", directory.KindCustomer}} {
		org, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: o.kind, Name: o.name})
		if err != nil {
			t.Fatal(err)
		}
		orgs[o.name] = org.ID
	}
	users := map[string]accord.ID{}
	for _, u := range []struct {
		key, org, locale string
		role             accord.Role
		authorized       bool
	}{
		{"ana", "Acme Bank", "pt-BR", accord.RoleCustomerContact, true}, {"bob", "Acme Bank", "en-US", accord.RoleCustomerContact, true},
		{"carl", "Acme Bank", "en-US", accord.RoleCustomerContact, false}, {"gina", "Globex Health", "es-ES", accord.RoleCustomerContact, true},
		{"ivan", "Initech", "en-US", accord.RoleCustomerContact, true}, {"sam", "Northwind", "en-US", accord.RoleAgent, false},
	} {
		usr, err := svc.directory.CreateUser(sys, now, directory.NewUser{OrgID: orgs[u.org], Email: u.key + "@example.com", Name: u.key,
			Locale: u.locale, Role: u.role, AuthorizedContact: u.authorized, WithoutPassword: true})
		if err != nil {
			t.Fatal(err)
		}
		users[u.key] = usr.ID
	}
	for org, plan := range map[string]string{"Acme Bank": "premium", "Globex Health": "advanced", "Initech": "premium"} {
		if _, err := svc.contracts.Create(sys, now, contracts.NewContract{OrgID: orgs[org], Plan: plan, SignedOn: "2026-01-01", Years: 2,
			Licences: []contracts.Licence{{Module: "core", Quantity: 10}}}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := svc.products.CreateProduct(sys, now, products.NewProduct{OrgID: orgs["Northwind"], Key: "identity", Name: "Accord Identity"})
	if err != nil {
		t.Fatal(err)
	}
	for org, version := range map[string]string{"Acme Bank": "3.21", "Globex Health": "3.23", "Initech": "3.19"} {
		if _, err := svc.products.CreateInstallation(sys, now, products.NewInstallation{OrgID: orgs[org], ProductID: p.ID, Version: version,
			Deployment: products.OnPremises}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := svc.products.CreateVersion(sys, now, p.ID, products.NewVersion{Number: "3.23"})
	if err == nil {
		_, err = svc.products.Publish(sys, now, v.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	agent := accord.WithActor(ctx, accord.Actor{UserID: users["sam"], OrgID: orgs["Northwind"], Role: accord.RoleAgent, Name: "sam"})
	kase, err := svc.cases.Open(agent, now, cases.NewCase{OrgID: orgs["Globex Health"], Type: cases.Question, Title: "Sign-in loops", Description: "It reloads"})
	if err != nil {
		t.Fatal(err)
	}
	from, to := "3.20", "3.22"
	k, err := svc.knownIssues.Create(agent, now, knownissues.Input{ProductID: &p.ID, From: &from, To: &to,
		Title:    lang.Text{"en-US": "Sign-in loops", "pt-BR": "Login em loop", "es-ES": "Inicio de sesión en bucle"},
		Symptoms: lang.Plain("The page reloads")})
	if err == nil {
		_, err = svc.knownIssues.LinkCase(agent, now, kase.ID, k.ID)
	}
	if err == nil {
		_, err = svc.knownIssues.Publish(agent, now, k.ID)
	}
	if err == nil {
		_, err = svc.knownIssues.SetWorkaround(agent, now, k.ID, lang.Plain("Clear the cookies"))
	}
	if err == nil {
		_, err = svc.knownIssues.Fix(agent, now, k.ID, "3.23")
	}
	if err != nil {
		t.Fatal(err)
	}
	notices, err := svc.knownIssues.Notices(agent, k.ID)
	if err != nil || len(notices) != 3 {
		t.Fatalf("notices = %+v, %v", notices, err)
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
	for range 2 {
		for _, n := range notices {
			wg.Go(func() {
				if err := handlers[knownissues.NoticeJob](sys, clock(), jobs.Job{SubjectID: n.ID, Kind: knownissues.NoticeJob}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if n := count(`SELECT count(*) FROM jobs WHERE last_error <> ''`); n != 0 {
		t.Errorf("%d jobs failed", n)
	}
	if n := count(`SELECT count(*) FROM mail_messages WHERE topic LIKE 'knownissue:%'`); n != 3*3 {
		t.Errorf("%d known-issue letters, want 9 (three notices to ana, bob and gina)", n)
	}
	subjects := map[knownissues.NoticeKind]map[string]string{
		knownissues.PublishedNotice:  {"ana": "Problema conhecido: Login em loop", "bob": "Known issue: Sign-in loops", "gina": "Problema conocido: Inicio de sesión en bucle"},
		knownissues.WorkaroundNotice: {"ana": "Solução de contorno disponível", "bob": "Workaround available", "gina": "Solución provisional disponible"},
		knownissues.FixedNotice:      {"ana": "Corrigido na versão 3.23", "bob": "Fixed in 3.23", "gina": "Corregido en la versión 3.23"},
	}
	for _, n := range notices {
		for who, want := range subjects[n.Kind] {
			var subject, body string
			if err := db.SQL().QueryRowContext(ctx, `SELECT subject, body FROM mail_messages WHERE topic = $1 AND user_id = $2`,
				"knownissue:"+string(n.ID), users[who]).Scan(&subject, &body); err != nil {
				t.Fatalf("%s's %s notice: %v", who, n.Kind, err)
			}
			if !strings.HasPrefix(subject, want) {
				t.Errorf("%s's subject %q, want %q…", who, subject, want)
			}
			upgrade := strings.Contains(body, "assisted upgrade") || strings.Contains(body, "atualização assistida") || strings.Contains(body, "actualización asistida")
			if wantUpgrade := n.Kind == knownissues.FixedNotice && who != "gina"; upgrade != wantUpgrade {
				t.Errorf("%s's %s notice offers the upgrade: %v, want %v", who, n.Kind, upgrade, wantUpgrade)
			}
		}
	}
	if n := count(`SELECT count(*) FROM case_entries WHERE case_id = $1 AND internal AND body LIKE 'Known issue %'`, kase.ID); n != 2 {
		t.Errorf("%d notes on the linked case, want 2 (the workaround and the fix)", n)
	}
	if rep, err := svc.audit.Verify(sys); err != nil || rep.Break != nil {
		t.Fatalf("audit chain: %+v, %v", rep.Break, err)
	}
}
