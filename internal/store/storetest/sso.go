package storetest

import (
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/store"
)

// testSSOStore: providers with their domains, a domain claimed once, kept
// domains keep their verification, and sign-in states used once before
// they expire.
func testSSOStore(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	acme := mkOrg(t, d, directory.KindCustomer, "Acme")
	globex := mkOrg(t, d, directory.KindCustomer, "Globex")
	wantKind(t, func() error { _, err := d.IdentityProvider(ctx, acme.ID); return err }(), accord.NotFound)

	p := directory.IdentityProvider{OrgID: acme.ID, Issuer: "https://idp.acme.example", ClientID: "accord", ClientSecret: "s3cret",
		Scopes: []string{"openid", "email"}, Domains: []directory.Domain{{Name: "acme.example"}, {Name: "acme.test"}},
		CreatedAt: t0, UpdatedAt: t0}
	if err := d.PutIdentityProvider(ctx, p, ev(acme.ID, "sso.provider.put")); err != nil {
		t.Fatal(err)
	}
	if err := d.VerifyDomain(ctx, acme.ID, "acme.example", t0.Add(time.Minute), "usr_admin", ev(acme.ID, "sso.domain.verify")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, d.VerifyDomain(ctx, globex.ID, "acme.test", t0, "usr_admin", ev(globex.ID, "sso.domain.verify")), accord.NotFound)

	// Replacing the provider keeps acme.example verified and drops acme.test.
	p.Domains = []directory.Domain{{Name: "acme.example"}, {Name: "acme.org"}}
	p.RequireSSO, p.UpdatedAt = true, t0.Add(time.Hour)
	if err := d.PutIdentityProvider(ctx, p, ev(acme.ID, "sso.provider.put")); err != nil {
		t.Fatal(err)
	}
	got, err := d.ProviderByDomain(ctx, "acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if got.OrgID != acme.ID || got.ClientSecret != "s3cret" || !got.RequireSSO || len(got.Scopes) != 2 || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("provider: %+v", got)
	}
	if len(got.Domains) != 2 || got.Domains[0].Name != "acme.example" || !got.Domains[0].Verified() ||
		!got.Domains[0].VerifiedAt.Equal(t0.Add(time.Minute)) || got.Domains[0].VerifiedBy != "usr_admin" ||
		got.Domains[1].Name != "acme.org" || got.Domains[1].Verified() {
		t.Fatalf("domains: %+v", got.Domains)
	}
	_, err = d.ProviderByDomain(ctx, "acme.test")
	wantKind(t, err, accord.NotFound)

	// Another organization may not claim a domain Acme claims.
	gp := directory.IdentityProvider{OrgID: globex.ID, Issuer: "https://idp.globex.example", ClientID: "accord", ClientSecret: "x",
		Scopes: []string{"openid"}, Domains: []directory.Domain{{Name: "acme.org"}}, CreatedAt: t0, UpdatedAt: t0}
	wantKind(t, d.PutIdentityProvider(ctx, gp, ev(globex.ID, "sso.provider.put")), accord.Conflict)
	_, err = d.IdentityProvider(ctx, globex.ID)
	wantKind(t, err, accord.NotFound)

	// States: taken once; an expired one is gone.
	st := directory.SSOState{ID: "state-1", OrgID: acme.ID, Browser: "b", Nonce: "n", Verifier: "v", Next: "/cases", ExpiresAt: t0.Add(directory.SSOLife)}
	if err := d.CreateSSOState(ctx, st); err != nil {
		t.Fatal(err)
	}
	old := st
	old.ID, old.ExpiresAt = "state-2", t0.Add(time.Second)
	if err := d.CreateSSOState(ctx, old); err != nil {
		t.Fatal(err)
	}
	took, err := d.TakeSSOState(ctx, "state-1", t0.Add(time.Minute))
	if err != nil || took != st {
		t.Fatalf("take: %+v %v", took, err)
	}
	_, err = d.TakeSSOState(ctx, "state-1", t0.Add(time.Minute))
	wantKind(t, err, accord.NotFound)
	_, err = d.TakeSSOState(ctx, "state-2", t0.Add(time.Minute))
	wantKind(t, err, accord.NotFound)

	if err := d.DeleteIdentityProvider(ctx, acme.ID, ev(acme.ID, "sso.provider.delete")); err != nil {
		t.Fatal(err)
	}
	_, err = d.ProviderByDomain(ctx, "acme.example")
	wantKind(t, err, accord.NotFound)
	wantKind(t, d.DeleteIdentityProvider(ctx, acme.ID, ev(acme.ID, "sso.provider.delete")), accord.NotFound)
}

// testSSOStateOnce: callbacks racing with one state; exactly one takes it.
func testSSOStateOnce(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	org := mkOrg(t, d, directory.KindCustomer, "Acme")
	st := directory.SSOState{ID: "state-race", OrgID: org.ID, Browser: "b", Nonce: "n", Verifier: "v", Next: "/", ExpiresAt: t0.Add(directory.SSOLife)}
	if err := d.CreateSSOState(ctx, st); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := d.TakeSSOState(ctx, st.ID, t0)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	took := 0
	for err := range errs {
		if err == nil {
			took++
		} else if !accord.IsKind(err, accord.NotFound) {
			t.Error(err)
		}
	}
	if took != 1 {
		t.Fatalf("%d callbacks took the state", took)
	}
}
