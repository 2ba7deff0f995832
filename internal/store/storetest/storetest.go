// Package storetest is the conformance suite every database engine must
// pass: the same calls, the same answers, on SQLite and PostgreSQL.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/store"
)

// Run runs every conformance test on databases made by open.
func Run(t *testing.T, open func(testing.TB) *store.DB) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Migrations", testMigrations},
		{"Organizations", testOrganizations},
		{"UsersScopedByTenant", testUsersScoped},
		{"Paging", testPaging},
		{"PartnerLinks", testPartnerLinks},
		{"Certifications", testCertifications},
		{"SessionsAndTokens", testSessionsAndTokens},
		{"LoginFailures", testLoginFailures},
		{"LoginThrottles", testLoginThrottles},
		{"LoginThrottlesConcurrent", testLoginThrottlesConcurrent},
		{"UserLinks", testUserLinks},
		{"AuditChain", testAuditChain},
		{"AuditChainConcurrent", testAuditChainConcurrent},
		{"AuditPaging", testAuditPaging},
		{"Contracts", testContractStore},
		{"PolicyVersions", testPolicyVersions},
		{"PolicyConcurrentImports", testPolicyConcurrentImports},
		{"Cases", testCaseStore},
		{"CasesConcurrentUpdate", testCasesConcurrentUpdate},
		{"CasesSearch", testCasesSearch},
		{"CasesSearchNotes", testCasesSearchNotes},
		{"CasesSearchPages", testCasesSearchPages},
		{"CasesSort", testCasesSort},
		{"CasesEach", testCasesEach},
		{"CatalogVersions", testCatalogVersions},
		{"Engagements", testEngagementStore},
		{"EngagementsConcurrentBooking", testEngagementsConcurrentBooking},
		{"ReportsReceived", testReportsReceived},
		{"ReportsReceivedAfter", testReportsReceivedAfter},
		{"ReportsActivity", testReportsActivity},
		{"Views", testViews},
		{"Signals", testSignals},
		{"Teams", testTeams},
		{"TeamsConcurrentRotation", testTeamsConcurrentRotation},
		{"Macros", testMacros},
		{"Jobs", testJobs},
		{"JobsFailedPaging", testJobsFailedPaging},
		{"JobsConcurrentClaims", testJobsConcurrentClaims},
		{"Environments", testEnvironmentStore},
		{"EnvironmentAlertsOnce", testEnvironmentAlertsOnce},
		{"EnvironmentRestoreTests", testEnvironmentRestoreTests},
		{"Raci", testRaci},
		{"RaciService", testRaciService},
		{"Changes", testChangeStore},
		{"ChangesConcurrentSchedule", testChangesConcurrentSchedule},
		{"Gauges", testGauges},
		{"KnownIssues", testKnownIssues},
		{"Products", testProducts},
		{"Casework", testCasework},
		{"KBSearch", testKBSearch},
		{"KBVisibility", testKBVisibility},
		{"KBRevisions", testKBRevisions},
		{"SSO", testSSOStore},
		{"SSOStateOnce", testSSOStateOnce},
		{"TOTP", testTOTP},
		{"Webhooks", testWebhooks},
		{"SIEM", testSIEM},
		{"AuditVerifyRecorded", testAuditVerifyRecorded},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var (
	t0     = time.Date(2026, 11, 20, 14, 30, 0, 123456000, time.UTC)
	system = accord.SystemActor("storetest")
	ctx    = context.Background()
)

func ev(org accord.ID, action string) audit.Event {
	return audit.New(system, t0, org, action, "test", org, nil)
}

func mkOrg(t *testing.T, d *store.Directory, kind directory.Kind, name string) directory.Organization {
	t.Helper()
	o := directory.Organization{ID: accord.NewID("org"), Kind: kind, Name: name, CreatedAt: t0, UpdatedAt: t0}
	if err := d.CreateOrganization(ctx, o, ev(o.ID, "organization.create")); err != nil {
		t.Fatal(err)
	}
	return o
}

func mkUser(t *testing.T, d *store.Directory, org accord.ID, email string, role accord.Role) directory.User {
	t.Helper()
	u := directory.User{ID: accord.NewID("usr"), OrgID: org, Email: email, Name: "N " + email, Locale: "en-US", TimeZone: "UTC",
		Role: role, Active: true, PasswordHash: "x", CreatedAt: t0, UpdatedAt: t0}
	if err := d.CreateUser(ctx, u, ev(org, "user.create")); err != nil {
		t.Fatal(err)
	}
	return u
}

func wantKind(t *testing.T, err error, k accord.Kind) {
	t.Helper()
	if got := accord.KindOf(err); got != k {
		t.Fatalf("error kind = %q (%v), want %q", got, err, k)
	}
}

func testMigrations(t *testing.T, db *store.DB) {
	st, err := db.CheckSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Current != st.Latest || st.Latest < 1 {
		t.Fatalf("schema %+v: want current == latest >= 1", st)
	}
	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, %v; want nothing", applied, err)
	}
}

func testOrganizations(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	o := mkOrg(t, d, directory.KindCustomer, "Acme Bank")
	got, err := d.GetOrganization(ctx, accord.Scope{All: true}, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != o {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, o)
	}
	dup := directory.Organization{ID: accord.NewID("org"), Kind: directory.KindCustomer, Name: "ACME BANK", CreatedAt: t0, UpdatedAt: t0}
	wantKind(t, d.CreateOrganization(ctx, dup, ev(dup.ID, "x")), accord.Conflict)
	mkOrg(t, d, directory.KindVendor, "Vendor")
	v2 := directory.Organization{ID: accord.NewID("org"), Kind: directory.KindVendor, Name: "Vendor 2", CreatedAt: t0, UpdatedAt: t0}
	wantKind(t, d.CreateOrganization(ctx, v2, ev(v2.ID, "x")), accord.Conflict)
	bad := directory.Organization{ID: accord.NewID("org"), Kind: "bank", Name: "Bad", CreatedAt: t0, UpdatedAt: t0}
	wantKind(t, d.CreateOrganization(ctx, bad, ev(bad.ID, "x")), accord.Invalid)

	o.Name, o.UpdatedAt = "Acme Bank S.A.", t0.Add(time.Hour)
	if err := d.UpdateOrganization(ctx, o, ev(o.ID, "organization.update")); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.GetOrganization(ctx, accord.OnlyOrg(o.ID), o.ID); got.Name != o.Name || !got.UpdatedAt.Equal(o.UpdatedAt) {
		t.Fatalf("after update got %+v", got)
	}
	ghost := directory.Organization{ID: accord.NewID("org"), Name: "Ghost", UpdatedAt: t0}
	wantKind(t, d.UpdateOrganization(ctx, ghost, ev(ghost.ID, "x")), accord.NotFound)
}

func testUsersScoped(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	a := mkOrg(t, d, directory.KindCustomer, "A")
	b := mkOrg(t, d, directory.KindCustomer, "B")
	ua := mkUser(t, d, a.ID, "Ana@A.example", accord.RoleCustomerContact)
	ub := mkUser(t, d, b.ID, "bo@b.example", accord.RoleCustomerContact)

	dup := ua
	dup.ID, dup.Email = accord.NewID("usr"), "ana@a.EXAMPLE"
	wantKind(t, d.CreateUser(ctx, dup, ev(a.ID, "x")), accord.Conflict)

	got, err := d.UserByEmail(ctx, directory.EmailKey("ANA@a.example"))
	if err != nil || got.ID != ua.ID || got.Email != "Ana@A.example" {
		t.Fatalf("UserByEmail = %+v, %v", got, err)
	}
	_, err = d.GetUser(ctx, accord.OnlyOrg(a.ID), ub.ID)
	wantKind(t, err, accord.NotFound)
	_, err = d.GetOrganization(ctx, accord.OnlyOrg(a.ID), b.ID)
	wantKind(t, err, accord.NotFound)
	_, err = d.GetUser(ctx, accord.Scope{}, ua.ID)
	wantKind(t, err, accord.NotFound)

	list, _, err := d.ListUsers(ctx, accord.OnlyOrg(a.ID), directory.UserFilter{}, accord.Page{Limit: 10})
	if err != nil || len(list) != 1 || list[0].ID != ua.ID {
		t.Fatalf("scoped list = %+v, %v; want only %s", list, err, ua.ID)
	}
	// Filtering for another tenant's organization inside a scope yields nothing.
	list, _, _ = d.ListUsers(ctx, accord.OnlyOrg(a.ID), directory.UserFilter{OrgID: &b.ID}, accord.Page{Limit: 10})
	if len(list) != 0 {
		t.Fatalf("foreign filter leaked %+v", list)
	}

	ub.Active = false
	wantKind(t, d.UpdateUser(ctx, directory.User{ID: ub.ID, OrgID: a.ID}, false, ev(a.ID, "x")), accord.NotFound)
}

func testPaging(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	o := mkOrg(t, d, directory.KindCustomer, "Paged")
	for i := range 7 {
		mkUser(t, d, o.ID, fmt.Sprintf("u%02d@p.example", 6-i), accord.RoleCustomerContact)
	}
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		list, next, err := d.ListUsers(ctx, accord.OnlyOrg(o.ID), directory.UserFilter{}, accord.Page{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range list {
			seen = append(seen, u.Email)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	want := []string{"u00@p.example", "u01@p.example", "u02@p.example", "u03@p.example", "u04@p.example", "u05@p.example", "u06@p.example"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("pages gave %v, want %v", seen, want)
	}
	_, _, err := d.ListUsers(ctx, accord.OnlyOrg(o.ID), directory.UserFilter{}, accord.Page{Limit: 3, Cursor: "garbage"})
	wantKind(t, err, accord.Invalid)
}

func testPartnerLinks(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	p := mkOrg(t, d, directory.KindPartner, "Partner")
	c1 := mkOrg(t, d, directory.KindCustomer, "C1")
	c2 := mkOrg(t, d, directory.KindCustomer, "C2")
	mkOrg(t, d, directory.KindCustomer, "C3")
	for _, c := range []accord.ID{c1.ID, c2.ID} {
		if err := d.LinkPartner(ctx, p.ID, c, t0, ev(c, "partner.link")); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, d.LinkPartner(ctx, p.ID, c1.ID, t0, ev(c1.ID, "x")), accord.Conflict)
	ids, err := d.PartnerCustomers(ctx, p.ID)
	if err != nil || len(ids) != 2 {
		t.Fatalf("PartnerCustomers = %v, %v", ids, err)
	}
	list, _, _ := d.ListOrganizations(ctx, accord.Scope{All: true}, directory.OrgFilter{PartnerID: &p.ID}, accord.Page{Limit: 10})
	if len(list) != 2 || list[0].Name != "C1" || list[1].Name != "C2" {
		t.Fatalf("customers of partner = %+v", list)
	}
	if err := d.UnlinkPartner(ctx, p.ID, c1.ID, ev(c1.ID, "partner.unlink")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, d.UnlinkPartner(ctx, p.ID, c1.ID, ev(c1.ID, "x")), accord.NotFound)
}

func testCertifications(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	p := mkOrg(t, d, directory.KindPartner, "P")
	u := mkUser(t, d, p.ID, "pa@p.example", accord.RolePartnerAgent)
	c := directory.Certification{ID: accord.NewID("crt"), OrgID: p.ID, UserID: u.ID, Name: "Core", Number: "N-1", ValidFrom: "2026-01-01", ValidUntil: "2026-12-31", CreatedAt: t0}
	if err := d.CreateCertification(ctx, c, ev(p.ID, "certification.create")); err != nil {
		t.Fatal(err)
	}
	bad := c
	bad.ID, bad.ValidFrom = accord.NewID("crt"), "2027-01-01"
	wantKind(t, d.CreateCertification(ctx, bad, ev(p.ID, "x")), accord.Invalid)
	list, err := d.ListCertifications(ctx, accord.OnlyOrg(p.ID), u.ID)
	if err != nil || len(list) != 1 || list[0] != c {
		t.Fatalf("certifications = %+v, %v", list, err)
	}
	if list, _ := d.ListCertifications(ctx, accord.OnlyOrg("org_other"), u.ID); len(list) != 0 {
		t.Fatalf("foreign scope saw %+v", list)
	}
	wantKind(t, d.DeleteCertification(ctx, accord.OnlyOrg("org_other"), c.ID, audit.New(system, t0, "", "x", "certification", c.ID, nil)), accord.NotFound)
	if err := d.DeleteCertification(ctx, accord.Scope{All: true}, c.ID, audit.New(system, t0, "", "certification.delete", "certification", c.ID, nil)); err != nil {
		t.Fatal(err)
	}
}

func testSessionsAndTokens(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	o := mkOrg(t, d, directory.KindCustomer, "S")
	u := mkUser(t, d, o.ID, "s@s.example", accord.RoleCustomerContact)
	s := directory.Session{ID: "h1", UserID: u.ID, OrgID: o.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastSeenAt: t0, Address: "127.0.0.1", UserAgent: "test"}
	if err := d.CreateSession(ctx, s, ev(o.ID, "session.create")); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Session(ctx, "h1", t0.Add(59*time.Minute)); err != nil || got != s {
		t.Fatalf("session = %+v, %v", got, err)
	}
	_, err := d.Session(ctx, "h1", t0.Add(time.Hour))
	wantKind(t, err, accord.NotFound) // expired at exactly ExpiresAt

	u.Active = false
	if err := d.UpdateUser(ctx, u, true, ev(o.ID, "user.update")); err != nil {
		t.Fatal(err)
	}
	_, err = d.Session(ctx, "h1", t0)
	wantKind(t, err, accord.NotFound) // revoked with the update

	tok := directory.Token{ID: accord.NewID("tok"), OrgID: o.ID, UserID: u.ID, Name: "ci", Hint: "abcd", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour), Hash: "th"}
	if err := d.CreateToken(ctx, tok, ev(o.ID, "token.create")); err != nil {
		t.Fatal(err)
	}
	got, err := d.TokenByHash(ctx, "th", t0.Add(time.Minute))
	if err != nil || got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("token = %+v, %v; want last use recorded", got, err)
	}
	_, err = d.TokenByHash(ctx, "th", t0.Add(24*time.Hour))
	wantKind(t, err, accord.NotFound)
	wantKind(t, d.DeleteToken(ctx, "usr_other", tok.ID, ev(o.ID, "x")), accord.NotFound)
	if err := d.DeleteToken(ctx, u.ID, tok.ID, ev(o.ID, "token.delete")); err != nil {
		t.Fatal(err)
	}
	if list, _ := d.ListTokens(ctx, u.ID); len(list) != 0 {
		t.Fatalf("tokens after delete: %+v", list)
	}
}

func testLoginFailures(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	win := 15 * time.Minute
	for i := 1; i <= 3; i++ {
		now := t0.Add(time.Duration(i) * time.Minute)
		n, start, err := d.RecordLoginAttempt(ctx, "account:a", now, now.Add(-win))
		if err != nil || n != i || !start.Equal(t0.Add(time.Minute)) {
			t.Fatalf("attempt %d: n=%d start=%v err=%v", i, n, start, err)
		}
	}
	if err := d.ForgiveLoginAttempt(ctx, "account:a"); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(10 * time.Minute)
	if n, _, _ := d.RecordLoginAttempt(ctx, "account:a", now, now.Add(-win)); n != 3 {
		t.Fatalf("after forgiving one of three, the next attempt counts %d, want 3", n)
	}
	later := t0.Add(time.Minute + win)
	if n, start, _ := d.RecordLoginAttempt(ctx, "account:a", later, later.Add(-win)); n != 1 || !start.Equal(later) {
		t.Fatalf("new window: n=%d start=%v", n, start)
	}

	// Parallel attempts each get their own count: no two see the same one,
	// which is what lets the service refuse exactly those past the limit.
	const parallel = 12
	counts := make(chan int, parallel)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			n, _, err := d.RecordLoginAttempt(ctx, "address:x", t0, t0.Add(-win))
			if err != nil {
				t.Error(err)
			}
			counts <- n
		})
	}
	wg.Wait()
	close(counts)
	seen := map[int]bool{}
	for n := range counts {
		seen[n] = true
	}
	if len(seen) != parallel {
		t.Fatalf("parallel attempts got counts %v, want %d distinct", seen, parallel)
	}
}

func verify(t *testing.T, db *store.DB) audit.Report {
	t.Helper()
	rep, err := audit.NewService(store.NewAudit(db)).Verify(accord.WithActor(ctx, accord.SystemActor("storetest")))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func testAuditChain(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	a := mkOrg(t, d, directory.KindCustomer, "A")
	b := mkOrg(t, d, directory.KindCustomer, "B")
	for range 3 {
		mkUser(t, d, a.ID, string(accord.NewID("e"))+"@a.example", accord.RoleCustomerContact)
	}
	mkUser(t, d, b.ID, "x@b.example", accord.RoleCustomerContact)
	if rep := verify(t, db); rep.Break != nil || rep.Events != 6 || rep.Chains != 2 {
		t.Fatalf("intact chain: %+v", rep)
	}
	events, _, err := store.NewAudit(db).ListEvents(ctx, accord.OnlyOrg(a.ID), audit.Filter{}, accord.Page{Limit: 10})
	if err != nil || len(events) != 4 {
		t.Fatalf("org A events = %d, %v; want 4", len(events), err)
	}
	for _, e := range events {
		if e.OrgID != a.ID {
			t.Fatalf("foreign event %+v", e)
		}
	}
	if !events[0].At.Equal(t0.Truncate(time.Microsecond)) {
		t.Fatalf("event time %v, want %v", events[0].At, t0)
	}

	// Editing one event by hand breaks the chain exactly there.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE audit_events SET actor_name = 'mallory' WHERE org_id = $1 AND seq = 3`, a.ID); err != nil {
		t.Fatal(err)
	}
	rep := verify(t, db)
	if rep.Break == nil || rep.Break.OrgID != a.ID || rep.Break.Seq != 3 {
		t.Fatalf("tampered chain: %+v, want a break at %s #3", rep.Break, a.ID)
	}

	// Deleting a chain's last event together with its head row is noticed.
	for _, q := range []string{`DELETE FROM audit_events WHERE org_id = $1 AND seq = 2`, `DELETE FROM audit_heads WHERE org_id = $1`} {
		if _, err := db.SQL().ExecContext(ctx, q, b.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE audit_events SET actor_name = 'storetest' WHERE org_id = $1 AND seq = 3`, a.ID); err != nil {
		t.Fatal(err)
	}
	rep = verify(t, db)
	if rep.Break == nil || rep.Break.OrgID != b.ID || !strings.Contains(rep.Break.Reason, "no recorded head") {
		t.Fatalf("headless chain: %+v, want a break in %s", rep.Break, b.ID)
	}
}

// testAuditPaging pages newest first through events, several of which share
// a timestamp, and expects exactly the one-page listing back.
func testAuditPaging(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	o := mkOrg(t, d, directory.KindCustomer, "Paged audit")
	for i := range 6 {
		ev := audit.New(system, t0.Add(time.Duration(i/2)*time.Minute), o.ID, "test.page", "test", o.ID, nil)
		u := directory.User{ID: accord.NewID("usr"), OrgID: o.ID, Email: fmt.Sprintf("p%d@pa.example", i), Name: "n", Locale: "en-US",
			TimeZone: "UTC", Role: accord.RoleCustomerContact, Active: true, PasswordHash: "x", CreatedAt: t0, UpdatedAt: t0}
		if err := d.CreateUser(ctx, u, ev); err != nil {
			t.Fatal(err)
		}
	}
	a := store.NewAudit(db)
	all, next, err := a.ListEvents(ctx, accord.OnlyOrg(o.ID), audit.Filter{}, accord.Page{Limit: 100})
	if err != nil || next != "" || len(all) != 7 {
		t.Fatalf("one page: %d events, next %q, %v", len(all), next, err)
	}
	var paged []accord.ID
	for cursor, pages := "", 0; ; pages++ {
		if pages > 7 {
			t.Fatal("paging does not end")
		}
		list, next, err := a.ListEvents(ctx, accord.OnlyOrg(o.ID), audit.Filter{}, accord.Page{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			paged = append(paged, e.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	for i, e := range all {
		if i >= len(paged) || paged[i] != e.ID {
			t.Fatalf("paged %v, want the order of %v", paged, all)
		}
	}
	if len(paged) != len(all) {
		t.Fatalf("paged %d events, want %d", len(paged), len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].At.After(all[i-1].At) {
			t.Fatalf("not newest first at %d", i)
		}
	}
}

func testAuditChainConcurrent(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	o := mkOrg(t, d, directory.KindCustomer, "Busy")
	const writers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				u := directory.User{ID: accord.NewID("usr"), OrgID: o.ID, Email: fmt.Sprintf("w%d-%d@b.example", w, i), Name: "n", Locale: "en-US",
					TimeZone: "UTC", Role: accord.RoleCustomerContact, Active: true, PasswordHash: "x", CreatedAt: t0, UpdatedAt: t0}
				errs <- d.CreateUser(ctx, u, ev(o.ID, "user.create"))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if rep := verify(t, db); rep.Break != nil || rep.Events != 1+writers*each {
		t.Fatalf("after concurrent writes: %+v", rep)
	}
}
