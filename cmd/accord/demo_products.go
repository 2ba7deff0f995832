package main

import (
	"context"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/products"
)

// seedProducts gives the vendor its product "Accord Identity" with three
// published versions (3.20, whose support ended a month ago; 3.21; 3.22,
// released last month) and both demo customers an installation of 3.21:
// Acme on its premises, Globex as an appliance.
func seedProducts(ctx context.Context, svc *services, now time.Time, vendor, acme, globex accord.ID) error {
	p, err := svc.products.CreateProduct(ctx, now, products.NewProduct{OrgID: vendor, Key: "identity", Name: "Accord Identity"})
	if err != nil {
		return fmt.Errorf("demo product: %w", err)
	}
	day := func(years, months int) string { return now.AddDate(years, months, 0).Format(time.DateOnly) }
	for _, in := range []products.NewVersion{
		{Number: "3.20", ReleasedOn: day(-2, 0), EndOfSupport: day(0, -1), Notes: "## Highlights\n\n- Password policies per group\n- Faster LDAP synchronization"},
		{Number: "3.21", ReleasedOn: day(-1, 0), EndOfSupport: day(1, 0), Notes: "## Highlights\n\n- Passkeys for every user\n- **Audit export** to SIEM"},
		{Number: "3.22", ReleasedOn: day(0, -1), EndOfSupport: day(2, 0), Notes: "## Highlights\n\n- Expired-password self service\n- Fixes the session timeout on mobile"},
	} {
		v, err := svc.products.CreateVersion(ctx, now, p.ID, in)
		if err == nil {
			_, err = svc.products.Publish(ctx, now, v.ID)
		}
		if err != nil {
			return fmt.Errorf("demo version %s: %w", in.Number, err)
		}
	}
	for _, in := range []products.NewInstallation{
		{OrgID: acme, ProductID: p.ID, Version: "3.21", Deployment: products.OnPremises, Quantity: 2},
		{OrgID: globex, ProductID: p.ID, Version: "3.21", Deployment: products.Appliance, Serial: "GX-APL-0042"},
	} {
		if _, err := svc.products.CreateInstallation(ctx, now, in); err != nil {
			return fmt.Errorf("demo installation: %w", err)
		}
	}
	return nil
}
