package storetest

import (
	"fmt"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/products"
	"accord/internal/store"
)

var _ products.Store = (*store.Products)(nil)

// testProducts: the catalog, versions in CompareVersions order, publishing
// once with its release job, installations scoped by their customer, and
// the same errors on both engines.
func testProducts(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	dir := directory.NewService(d, directory.DefaultConfig())
	svc := products.NewService(store.NewProducts(db), dir, func() time.Time { return t0 })
	sys := accord.WithActor(ctx, system)
	vendor := mkOrg(t, d, directory.KindVendor, "Products V")
	a := mkOrg(t, d, directory.KindCustomer, "Products A")
	b := mkOrg(t, d, directory.KindCustomer, "Products B")

	p, err := svc.CreateProduct(sys, t0, products.NewProduct{OrgID: vendor.ID, Key: "identity", Name: "Accord Identity"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateProduct(sys, t0, products.NewProduct{OrgID: vendor.ID, Key: "identity", Name: "Again"}); accord.KindOf(err) != accord.Invalid {
		t.Fatalf("duplicate key: %v", err)
	}
	if _, err := svc.CreateProduct(sys, t0, products.NewProduct{OrgID: a.ID, Key: "x", Name: "X"}); accord.KindOf(err) != accord.Invalid {
		t.Fatalf("a customer's product: %v", err)
	}
	var ids []accord.ID
	for _, n := range []string{"3.100", "3.20", "3.21", "3.21.1"} {
		v, err := svc.CreateVersion(sys, t0, p.ID, products.NewVersion{Number: n, ReleasedOn: "2026-01-10", Notes: "Fixes *login*."})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	if _, err := svc.CreateVersion(sys, t0, p.ID, products.NewVersion{Number: "3.20"}); accord.KindOf(err) != accord.Invalid {
		t.Fatalf("duplicate number: %v", err)
	}
	vs, err := svc.ListVersions(sys, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, v := range vs {
		order = append(order, v.Number)
	}
	if fmt.Sprint(order) != "[3.100 3.21.1 3.21 3.20]" {
		t.Fatalf("versions in order %v", order)
	}
	v, err := svc.Publish(sys, t0, ids[2])
	if err != nil || v.State != products.Published || v.PublishedAt == nil || !v.PublishedAt.Equal(t0.Truncate(time.Microsecond)) {
		t.Fatalf("Publish = %+v, %v", v, err)
	}
	if _, err := svc.Publish(sys, t0, ids[2]); accord.KindOf(err) != accord.Conflict {
		t.Fatalf("publish again: %v", err)
	}
	var jobs int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE subject_id = $1 AND kind = $2`, ids[2], products.ReleaseJob).Scan(&jobs); err != nil || jobs != 1 {
		t.Fatalf("%d release jobs, %v", jobs, err)
	}
	contact := accord.WithActor(ctx, accord.Actor{UserID: "usr_c", OrgID: a.ID, Role: accord.RoleCustomerContact})
	if vs, err := svc.ListVersions(contact, p.ID); err != nil || len(vs) != 1 || vs[0].Number != "3.21" {
		t.Fatalf("a customer reads %+v, %v; want the published 3.21 only", vs, err)
	}
	if _, err := svc.GetVersion(contact, ids[0]); accord.KindOf(err) != accord.NotFound {
		t.Fatalf("a customer reads a draft: %v", err)
	}

	admin := accord.WithActor(ctx, accord.Actor{UserID: "usr_a", OrgID: a.ID, Role: accord.RoleCustomerContact, CustomerAdmin: true})
	ia, err := svc.CreateInstallation(admin, t0, products.NewInstallation{ProductID: p.ID, Version: "3.20", Deployment: products.OnPremises, Quantity: 2})
	if err != nil || ia.OrgID != a.ID {
		t.Fatalf("CreateInstallation = %+v, %v", ia, err)
	}
	if _, err := svc.CreateInstallation(contact, t0, products.NewInstallation{ProductID: p.ID, Version: "3.20", Deployment: products.OnPremises}); accord.KindOf(err) != accord.Forbidden {
		t.Fatalf("a contact not administrator: %v", err)
	}
	if _, err := svc.CreateInstallation(admin, t0, products.NewInstallation{OrgID: b.ID, ProductID: p.ID, Version: "3.20", Deployment: products.OnPremises}); accord.KindOf(err) != accord.Invalid {
		t.Fatalf("another customer's installation: %v", err)
	}
	if _, err := svc.CreateInstallation(sys, t0, products.NewInstallation{OrgID: b.ID, ProductID: p.ID, Version: "3.21", Deployment: products.Managed, EnvironmentID: "env_nope"}); accord.KindOf(err) != accord.Invalid {
		t.Fatalf("unknown environment: %v", err)
	}
	ib, err := svc.CreateInstallation(sys, t0, products.NewInstallation{OrgID: b.ID, ProductID: p.ID, Version: "3.21", Deployment: products.Appliance, Serial: "SN-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetInstallation(admin, ib.ID); accord.KindOf(err) != accord.NotFound {
		t.Fatalf("another tenant's installation: %v", err)
	}
	if l, err := svc.ListInstallations(admin, products.InstallationFilter{}); err != nil || len(l) != 1 || l[0].ID != ia.ID {
		t.Fatalf("a customer lists %+v, %v", l, err)
	}
	next := "3.21"
	if i, err := svc.UpdateInstallation(admin, t0, ia.ID, products.InstallationPatch{Version: &next}); err != nil || i.Version != "3.21" {
		t.Fatalf("UpdateInstallation = %+v, %v", i, err)
	}
	if _, err := svc.UpdateInstallation(admin, t0, ib.ID, products.InstallationPatch{Version: &next}); accord.KindOf(err) != accord.NotFound {
		t.Fatalf("update another tenant's: %v", err)
	}
	if err := svc.DeleteInstallation(admin, t0, ib.ID); accord.KindOf(err) != accord.NotFound {
		t.Fatalf("delete another tenant's: %v", err)
	}
	r, err := svc.ReleaseOf(sys, ids[2])
	if err != nil || len(r.Customers) != 2 {
		t.Fatalf("ReleaseOf = %+v, %v; want both customers", r, err)
	}
	eos := "2026-06-30"
	if _, err := svc.UpdateVersion(sys, t0, ids[2], products.VersionPatch{EndOfSupport: &eos}); err != nil {
		t.Fatal(err)
	}
	if l, err := svc.EndOfSupport(sys, "2026-07-01", products.InstallationFilter{}); err != nil || len(l) != 2 {
		t.Fatalf("EndOfSupport = %+v, %v; want both 3.21 installations", l, err)
	}
	if l, err := svc.EndOfSupport(admin, "2026-06-30", products.InstallationFilter{}); err != nil || len(l) != 0 {
		t.Fatalf("EndOfSupport on its last day = %+v, %v", l, err)
	}
	rows := []products.VersionRow{{Row: 2, Product: "identity", Number: "3.22"}, {Row: 3, Product: "identity", Number: "3.21"}}
	if n, ps, err := svc.ImportVersions(sys, t0, rows, false); err != nil || n != 1 || len(ps) != 1 || ps[0].Row != 3 || ps[0].Column != "number" {
		t.Fatalf("import with a taken number = %d, %+v, %v", n, ps, err)
	}
	if n, ps, err := svc.ImportVersions(sys, t0, rows[:1], false); err != nil || n != 1 || len(ps) != 0 {
		t.Fatalf("import = %d, %+v, %v", n, ps, err)
	}
	if vs, err := svc.ListVersions(sys, p.ID); err != nil || len(vs) != 5 || vs[1].Number != "3.22" {
		t.Fatalf("after the import: %+v, %v", vs, err)
	}
	if err := svc.DeleteInstallation(admin, t0, ia.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetInstallation(sys, ia.ID); accord.KindOf(err) != accord.NotFound {
		t.Fatalf("deleted installation: %v", err)
	}
}
