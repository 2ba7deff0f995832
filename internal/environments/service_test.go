package environments_test

import (
	"context"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/environments"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// t0 is when the fixture's environment is created.
var t0 = time.Date(2026, 11, 9, 13, 0, 0, 0, time.UTC)

// fixture: the vendor (admin, agent, auditor); a partner serving Globex
// with a certified agent; Acme with an administrator contact and a plain
// contact; Globex with a contact. Acme has an active environment.
type fixture struct {
	svc   *environments.Service
	audit *audit.Service
	orgs  map[string]directory.Organization
	users map[string]directory.User
	env   environments.Environment
	clock time.Time
}

func newFixture(t *testing.T, open func(testing.TB) *store.DB) *fixture {
	t.Helper()
	db := open(t)
	f := &fixture{orgs: map[string]directory.Organization{}, users: map[string]directory.User{}, clock: t0}
	cfg := directory.DefaultConfig()
	cfg.Argon2 = directory.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}
	dir := directory.NewService(store.NewDirectory(db), cfg)
	f.svc = environments.NewService(store.NewEnvironments(db), dir, environments.Config{Now: func() time.Time { return f.clock }})
	f.audit = audit.NewService(store.NewAudit(db))
	admin := accord.WithActor(context.Background(), accord.SystemActor("fixture"))
	now := t0.Add(-24 * time.Hour)
	for _, o := range []struct {
		key  string
		kind directory.Kind
		name string
	}{{"vendor", directory.KindVendor, "Northwind"}, {"partner", directory.KindPartner, "Southwind"},
		{"acme", directory.KindCustomer, "Acme"}, {"globex", directory.KindCustomer, "Globex"}} {
		org, err := dir.CreateOrganization(admin, now, directory.NewOrganization{Kind: o.kind, Name: o.name})
		if err != nil {
			t.Fatal(err)
		}
		f.orgs[o.key] = org
	}
	if err := dir.LinkPartner(admin, now, f.orgs["partner"].ID, f.orgs["globex"].ID); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		key, org string
		role     accord.Role
		admin    bool
	}{
		{"admin", "vendor", accord.RoleAdmin, false}, {"agent", "vendor", accord.RoleAgent, false},
		{"auditor", "vendor", accord.RoleAuditor, false}, {"partner", "partner", accord.RolePartnerAgent, false},
		{"acme-admin", "acme", accord.RoleCustomerContact, true}, {"acme", "acme", accord.RoleCustomerContact, false},
		{"globex", "globex", accord.RoleCustomerContact, false},
	} {
		usr, err := dir.CreateUser(admin, now, directory.NewUser{OrgID: f.orgs[u.org].ID, Email: u.key + "@" + u.org + ".example",
			Name: "User " + u.key, Role: u.role, CustomerAdmin: u.admin, AuthorizedContact: u.role == accord.RoleCustomerContact,
			Password: "a long test passphrase"})
		if err != nil {
			t.Fatalf("user %s: %v", u.key, err)
		}
		f.users[u.key] = usr
	}
	if _, err := dir.CreateCertification(admin, now, f.users["partner"].ID, directory.NewCertification{
		Name: "Core", Number: "C-1", ValidFrom: "2026-01-01", ValidUntil: "2027-12-31"}); err != nil {
		t.Fatal(err)
	}
	env, err := f.svc.Create(f.as("agent"), t0, environments.NewEnvironment{OrgID: f.orgs["acme"].ID, Name: "Production",
		Product: "Vault", Version: "4.2", Region: "sa-east-1", Status: environments.Active})
	if err != nil {
		t.Fatal(err)
	}
	f.env = env
	return f
}

func (f *fixture) as(key string) context.Context {
	u, ok := f.users[key]
	if !ok {
		panic("no user " + key)
	}
	return accord.WithActor(context.Background(), accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name, CustomerAdmin: u.CustomerAdmin})
}

func wantKind(t *testing.T, err error, k accord.Kind) {
	t.Helper()
	if got := accord.KindOf(err); got != k {
		t.Fatalf("error kind = %q (%v), want %q", got, err, k)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := err.(*accord.Error)
	if !ok || e.Kind != accord.Invalid || e.Field != field {
		t.Fatalf("error = %#v, want Invalid on %q", err, field)
	}
}

func TestCreateDefaultsAndWho(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	want := environments.DefaultBackup()
	if f.env.Backup != want || f.env.Backup.SnapshotMaxAge != 12*time.Hour || f.env.Backup.RetentionDays != 30 || !f.env.Backup.SnapshotBeforeChange {
		t.Fatalf("default backup = %+v", f.env.Backup)
	}
	in := environments.NewEnvironment{OrgID: f.orgs["globex"].ID, ResellerID: f.orgs["partner"].ID, Name: "Identity", Product: "Keycloak"}
	for _, who := range []string{"auditor", "partner", "acme-admin"} {
		_, err := f.svc.Create(f.as(who), t0, in)
		wantKind(t, err, accord.Forbidden)
	}
	for _, c := range []struct {
		name  string
		edit  func(*environments.NewEnvironment)
		field string
	}{
		{"no customer", func(n *environments.NewEnvironment) { n.OrgID = "" }, "org_id"},
		{"a partner as customer", func(n *environments.NewEnvironment) { n.OrgID = f.orgs["partner"].ID }, "org_id"},
		{"a reseller that does not serve", func(n *environments.NewEnvironment) { n.OrgID = f.orgs["acme"].ID; n.Name = "X" }, "reseller_id"},
		{"no name", func(n *environments.NewEnvironment) { n.Name = " " }, "name"},
		{"a control character", func(n *environments.NewEnvironment) { n.Product = "Key\x00cloak" }, "product"},
		{"unknown status", func(n *environments.NewEnvironment) { n.Status = "gone" }, "status"},
		{"retention zero", func(n *environments.NewEnvironment) {
			z := 0
			n.Backup = &environments.PolicyInput{RetentionDays: &z}
		}, "backup.retention_days"},
		{"weird frequency", func(n *environments.NewEnvironment) {
			h := "hourly"
			n.Backup = &environments.PolicyInput{Frequency: &h}
		}, "backup.frequency"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := in
			c.edit(&bad)
			_, err := f.svc.Create(f.as("admin"), t0, bad)
			wantField(t, err, c.field)
		})
	}
	g, err := f.svc.Create(f.as("admin"), t0, in)
	if err != nil {
		t.Fatal(err)
	}
	if g.Status != environments.Provisioning {
		t.Fatalf("status = %q, want provisioning", g.Status)
	}
	_, err = f.svc.Create(f.as("admin"), t0, in)
	wantField(t, err, "name")

	// Who reads what: the customer its own, the partner what it serves,
	// vendor staff all; another tenant's is NotFound.
	for _, c := range []struct {
		who  string
		id   accord.ID
		kind accord.Kind
	}{
		{"acme", f.env.ID, ""}, {"acme", g.ID, accord.NotFound},
		{"globex", g.ID, ""}, {"globex", f.env.ID, accord.NotFound},
		{"partner", g.ID, ""}, {"partner", f.env.ID, accord.NotFound},
		{"auditor", f.env.ID, ""}, {"agent", g.ID, ""},
	} {
		_, err := f.svc.Get(f.as(c.who), c.id)
		if c.kind == "" && err != nil || c.kind != "" && !accord.IsKind(err, c.kind) {
			t.Errorf("%s reading %s: %v, want %q", c.who, c.id, err, c.kind)
		}
	}
	for who, n := range map[string]int{"acme": 1, "globex": 1, "partner": 1, "admin": 2} {
		l, err := f.svc.List(f.as(who), environments.Filter{})
		if err != nil || len(l) != n {
			t.Errorf("%s lists %d environments (%v), want %d", who, len(l), err, n)
		}
	}
}

func TestBackupAgreement(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	_, err := f.svc.AgreeBackup(f.as("acme"), t0, f.env.ID)
	wantKind(t, err, accord.Forbidden)
	_, err = f.svc.AgreeBackup(f.as("globex"), t0, f.env.ID)
	wantKind(t, err, accord.NotFound)
	_, err = f.svc.AgreeBackup(f.as("agent"), t0, f.env.ID)
	wantKind(t, err, accord.Forbidden)
	e, err := f.svc.AgreeBackup(f.as("acme-admin"), t0.Add(time.Hour), f.env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Backup.AgreedBy != f.users["acme-admin"].ID || e.Backup.AgreedAt == nil || !e.Backup.AgreedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("agreement = %+v", e.Backup)
	}
	// A change of region keeps the agreement; a change of the policy voids it.
	region := "us-east-1"
	if e, err = f.svc.Update(f.as("agent"), t0.Add(2*time.Hour), f.env.ID, environments.EnvironmentUpdate{Region: &region}); err != nil || e.Backup.AgreedBy == "" {
		t.Fatalf("after a region change: %+v, %v", e.Backup, err)
	}
	days := 14
	if e, err = f.svc.Update(f.as("agent"), t0.Add(3*time.Hour), f.env.ID, environments.EnvironmentUpdate{Backup: &environments.PolicyInput{RetentionDays: &days}}); err != nil {
		t.Fatal(err)
	}
	if e.Backup.AgreedBy != "" || e.Backup.AgreedAt != nil || e.Backup.RetentionDays != 14 {
		t.Fatalf("after a policy change: %+v", e.Backup)
	}
	_, err = f.svc.Update(f.as("acme-admin"), t0, f.env.ID, environments.EnvironmentUpdate{Region: &region})
	wantKind(t, err, accord.Forbidden)
	evs, _, err := f.audit.List(f.as("admin"), audit.Filter{EntityID: &f.env.ID}, accord.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	if len(actions) != 4 || actions[2] != "environment.backup_agree" && actions[1] != "environment.backup_agree" {
		t.Fatalf("audit actions = %v", actions)
	}
}

func TestSnapshotsExpireAfterRetention(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	days := 7
	if _, err := f.svc.Update(f.as("agent"), t0, f.env.ID, environments.EnvironmentUpdate{Backup: &environments.PolicyInput{RetentionDays: &days}}); err != nil {
		t.Fatal(err)
	}
	in := environments.NewSnapshot{EnvironmentID: f.env.ID, TakenAt: t0.Add(time.Hour), Kind: environments.DailySnapshot,
		SizeBytes: 5 << 30, Location: "gs://backups/prod/2026-11-09", Checksum: "sha256:ab12", Verified: true}
	_, err := f.svc.RecordSnapshot(f.as("acme-admin"), t0.Add(2*time.Hour), in)
	wantKind(t, err, accord.Forbidden)
	for _, c := range []struct {
		name  string
		edit  func(*environments.NewSnapshot)
		field string
	}{
		{"no environment", func(n *environments.NewSnapshot) { n.EnvironmentID = "" }, "environment_id"},
		{"no time", func(n *environments.NewSnapshot) { n.TakenAt = time.Time{} }, "taken_at"},
		{"in the future", func(n *environments.NewSnapshot) { n.TakenAt = t0.Add(3 * time.Hour) }, "taken_at"},
		{"unknown kind", func(n *environments.NewSnapshot) { n.Kind = "weekly" }, "kind"},
		{"negative size", func(n *environments.NewSnapshot) { n.SizeBytes = -1 }, "size_bytes"},
		{"no location", func(n *environments.NewSnapshot) { n.Location = "" }, "location"},
		{"control in checksum", func(n *environments.NewSnapshot) { n.Checksum = "a\x01" }, "checksum"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := in
			c.edit(&bad)
			_, err := f.svc.RecordSnapshot(f.as("agent"), t0.Add(2*time.Hour), bad)
			wantField(t, err, c.field)
		})
	}
	sn, err := f.svc.RecordSnapshot(f.as("agent"), t0.Add(2*time.Hour), in)
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(time.Hour).AddDate(0, 0, 7); !sn.ExpiresAt.Equal(want) || sn.OrgID != f.orgs["acme"].ID {
		t.Fatalf("snapshot = %+v, want expiry %s", sn, want)
	}
	in.TakenAt, in.Kind = t0.Add(90*time.Minute), environments.OnDemandSnapshot
	if _, err := f.svc.RecordSnapshot(f.as("agent"), t0.Add(2*time.Hour), in); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want int
	}{{t0.Add(2 * time.Hour), 2}, {sn.ExpiresAt.Add(-time.Second), 2}, {sn.ExpiresAt, 1}, {sn.ExpiresAt.Add(time.Hour), 0}} {
		f.clock = c.at
		l, err := f.svc.Snapshots(f.as("acme"), f.env.ID, time.Time{})
		if err != nil || len(l) != c.want {
			t.Fatalf("at %s: %d snapshots (%v), want %d", c.at, len(l), err, c.want)
		}
		if len(l) == 2 && l[0].Kind != environments.OnDemandSnapshot {
			t.Fatalf("not newest first: %+v", l)
		}
	}
	_, err = f.svc.Snapshots(f.as("globex"), f.env.ID, time.Time{})
	wantKind(t, err, accord.NotFound)
}

// TestLapses is the alert rule at chosen instants: a daily backup is late
// after a day plus the grace; a restore test after RestoreTestMonths.
func TestLapses(t *testing.T) {
	created := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	e := environments.Environment{ID: "env_x", OrgID: "org_x", Status: environments.Active, Backup: environments.DefaultBackup(), CreatedAt: created}
	snap := &environments.Snapshot{ID: "snp_1", TakenAt: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC), Kind: environments.DailySnapshot}
	test := &environments.RestoreTest{CompletedAt: time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)}
	weekly := e
	weekly.Backup.Frequency = environments.Weekly
	suspended := e
	suspended.Status = environments.Suspended
	for _, c := range []struct {
		name string
		e    environments.Environment
		b    environments.Backups
		now  time.Time
		want []string // kind/lapse
	}{
		{"a new environment, within a day and the grace", e, environments.Backups{}, created.Add(26 * time.Hour), nil},
		{"a new environment, one second later", e, environments.Backups{}, created.Add(26*time.Hour + time.Second), []string{"missing_snapshot/none"}},
		{"the snapshot of 02:00, at 04:00 the next day", e, environments.Backups{LastScheduled: snap}, snap.TakenAt.Add(26 * time.Hour), nil},
		{"the snapshot of 02:00, at 04:00:01 the next day", e, environments.Backups{LastScheduled: snap}, snap.TakenAt.Add(26*time.Hour + time.Second), []string{"missing_snapshot/snp_1"}},
		{"weekly, six days later", weekly, environments.Backups{LastScheduled: snap}, snap.TakenAt.Add(6 * 24 * time.Hour), nil},
		{"weekly, seven days and three hours later", weekly, environments.Backups{LastScheduled: snap}, snap.TakenAt.Add(7*24*time.Hour + 3*time.Hour), []string{"missing_snapshot/snp_1"}},
		{"suspended", suspended, environments.Backups{}, created.AddDate(2, 0, 0), nil},
		// Created on 31 January: twelve months later is 31 January 2027.
		{"no restore test, a year on", e, environments.Backups{LastScheduled: &environments.Snapshot{ID: "snp_2", TakenAt: time.Date(2027, 1, 31, 2, 0, 0, 0, time.UTC)}},
			time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC), nil},
		{"no restore test, a year and a second on", e, environments.Backups{LastScheduled: &environments.Snapshot{ID: "snp_2", TakenAt: time.Date(2027, 1, 31, 2, 0, 0, 0, time.UTC)}},
			time.Date(2027, 1, 31, 10, 0, 1, 0, time.UTC), []string{"restore_test_overdue/2027-01-31"}},
		{"a restore test in June", e, environments.Backups{LastScheduled: &environments.Snapshot{ID: "snp_3", TakenAt: time.Date(2027, 6, 16, 2, 0, 0, 0, time.UTC)}, LastRestoreTest: test},
			time.Date(2027, 6, 16, 3, 0, 0, 0, time.UTC), []string{"restore_test_overdue/2027-06-15"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, a := range environments.Lapses(c.e, c.b, c.now, 2*time.Hour) {
				got = append(got, string(a.Kind)+"/"+a.Lapse)
				if a.EnvironmentID != "env_x" || a.OrgID != "org_x" || a.Detail == "" {
					t.Errorf("alert %+v", a)
				}
			}
			if len(got) != len(c.want) || len(got) > 0 && got[0] != c.want[0] {
				t.Fatalf("lapses = %v, want %v", got, c.want)
			}
		})
	}
}

// TestCheckRaisesOnceAndSnapshotClears runs the hourly check as the job
// does: a missed daily snapshot raises one alert however often it runs, in
// the environment's history; a daily snapshot clears it.
func TestCheckRaisesOnceAndSnapshotClears(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	sys := accord.WithActor(context.Background(), accord.SystemActor("jobs"))
	late := t0.Add(27 * time.Hour)
	for range 3 {
		open, err := f.svc.Check(sys, late, f.env.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].Kind != environments.MissingSnapshot || open[0].EnvironmentName != "Production" {
			t.Fatalf("open = %+v", open)
		}
	}
	_, err := f.svc.Check(f.as("acme-admin"), late, f.env.ID)
	wantKind(t, err, accord.Forbidden)
	l, err := f.svc.Alerts(f.as("auditor"), environments.AlertFilter{Open: true})
	if err != nil || len(l) != 1 {
		t.Fatalf("alerts = %+v, %v", l, err)
	}
	_, err = f.svc.Alerts(f.as("acme-admin"), environments.AlertFilter{})
	wantKind(t, err, accord.Forbidden)
	// An on-demand snapshot does not clear it; a daily one does.
	in := environments.NewSnapshot{EnvironmentID: f.env.ID, TakenAt: late, Kind: environments.OnDemandSnapshot, Location: "gs://b/1"}
	if _, err := f.svc.RecordSnapshot(f.as("agent"), late, in); err != nil {
		t.Fatal(err)
	}
	if l, _ := f.svc.Alerts(f.as("admin"), environments.AlertFilter{Open: true}); len(l) != 1 {
		t.Fatalf("after an on-demand snapshot: %d open alerts", len(l))
	}
	in.Kind, in.Location = environments.DailySnapshot, "gs://b/2"
	if _, err := f.svc.RecordSnapshot(f.as("agent"), late.Add(time.Minute), in); err != nil {
		t.Fatal(err)
	}
	if l, _ := f.svc.Alerts(f.as("admin"), environments.AlertFilter{Open: true}); len(l) != 0 {
		t.Fatalf("after a daily snapshot: %+v", l)
	}
	if open, err := f.svc.Check(sys, late.Add(time.Hour), f.env.ID); err != nil || len(open) != 0 {
		t.Fatalf("check after the snapshot: %+v, %v", open, err)
	}
	evs, _, err := f.audit.List(f.as("admin"), audit.Filter{EntityID: &f.env.ID}, accord.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, ev := range evs {
		n[ev.Action]++
	}
	if n["environment.alert_raise"] != 1 || n["environment.alert_clear"] != 1 {
		t.Fatalf("history = %v", n)
	}
}

func TestNoticesPerCustomer(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	g, err := f.svc.Create(f.as("admin"), t0, environments.NewEnvironment{OrgID: f.orgs["globex"].ID, Name: "Identity", Product: "Keycloak"})
	if err != nil {
		t.Fatal(err)
	}
	in := environments.NewNotice{Kind: environments.ProviderMaintenance, Title: "GCP maintenance in southamerica-east1",
		Body: "The provider restarts the hosts.", StartsAt: t0.Add(48 * time.Hour), EndsAt: t0.Add(50 * time.Hour),
		Environments: []accord.ID{f.env.ID, g.ID, f.env.ID}}
	_, err = f.svc.Publish(f.as("acme-admin"), t0, in)
	wantKind(t, err, accord.Forbidden)
	bad := in
	bad.EndsAt = bad.StartsAt
	_, err = f.svc.Publish(f.as("agent"), t0, bad)
	wantField(t, err, "ends_at")
	bad = in
	bad.Environments = []accord.ID{f.env.ID, "env_nothere"}
	_, err = f.svc.Publish(f.as("agent"), t0, bad)
	wantField(t, err, "environments[1]")
	ns, err := f.svc.Publish(f.as("agent"), t0, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 2 || ns[0].PublicationID != ns[1].PublicationID || len(ns[0].Environments) != 1 {
		t.Fatalf("notices = %+v", ns)
	}
	for who, want := range map[string]int{"acme": 1, "globex": 1, "partner": 1, "auditor": 2} {
		l, err := f.svc.Notices(f.as(who), environments.NoticeFilter{EndsAfter: t0})
		if err != nil || len(l) != want {
			t.Errorf("%s reads %d notices (%v), want %d", who, len(l), err, want)
		}
	}
	if l, _ := f.svc.Notices(f.as("acme"), environments.NoticeFilter{EndsAfter: in.EndsAt}); len(l) != 0 {
		t.Fatalf("an ended notice is still current: %+v", l)
	}
	if l, _ := f.svc.Notices(f.as("admin"), environments.NoticeFilter{EnvironmentID: g.ID}); len(l) != 1 || l[0].OrgID != f.orgs["globex"].ID {
		t.Fatalf("notices of Globex's environment: %+v", l)
	}
	_, err = f.svc.Notice(f.as("globex"), ns[0].ID)
	wantKind(t, err, accord.NotFound)
}
