package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/directory"
)

// demoPassword is every demo user's password; demo data is for trying
// Accord out, never for production.
const demoPassword = "accord-demo-2026"

// seedDemo fills an empty database with a vendor, a partner, two customers
// with a contract each, and a user of every role, and prints how to sign in. A database that
// already has organizations is left alone.
func seedDemo(ctx context.Context, svc *services, now time.Time, out io.Writer) error {
	ctx = accord.WithActor(ctx, accord.SystemActor("demo"))
	existing, _, err := svc.directory.ListOrganizations(ctx, now, directory.OrgFilter{}, accord.Page{Limit: 1})
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		fmt.Fprintln(out, "demo: the database already has data; nothing added")
		return nil
	}
	d := svc.directory
	org := func(kind directory.Kind, name string) (directory.Organization, error) {
		return d.CreateOrganization(ctx, now, directory.NewOrganization{Kind: kind, Name: name})
	}
	vendor, err := org(directory.KindVendor, "Northwind Software")
	if err != nil {
		return err
	}
	partner, err := org(directory.KindPartner, "Southwind Partners")
	if err != nil {
		return err
	}
	acme, err := org(directory.KindCustomer, "Acme Bank")
	if err != nil {
		return err
	}
	globex, err := org(directory.KindCustomer, "Globex Health")
	if err != nil {
		return err
	}
	if err := d.LinkPartner(ctx, now, partner.ID, globex.ID); err != nil {
		return err
	}
	users := []directory.NewUser{
		{OrgID: vendor.ID, Email: "admin@northwind.example", Name: "Alice Admin", Role: accord.RoleAdmin, TimeZone: "America/New_York"},
		{OrgID: vendor.ID, Email: "agent@northwind.example", Name: "Sam Support", Role: accord.RoleAgent, TimeZone: "America/Sao_Paulo", Locale: "pt-BR"},
		{OrgID: vendor.ID, Email: "auditor@northwind.example", Name: "Olga Auditor", Role: accord.RoleAuditor, TimeZone: "Europe/Paris"},
		{OrgID: partner.ID, Email: "partner@southwind.example", Name: "Pedro Partner", Role: accord.RolePartnerAgent, TimeZone: "America/Sao_Paulo", Locale: "pt-BR"},
		{OrgID: acme.ID, Email: "cto@acme.example", Name: "Carla Chief", Role: accord.RoleCustomerContact, TimeZone: "America/New_York", AuthorizedContact: true, CustomerAdmin: true},
		{OrgID: acme.ID, Email: "ops@acme.example", Name: "Omar Operator", Role: accord.RoleCustomerContact, TimeZone: "America/New_York", AuthorizedContact: true},
		{OrgID: globex.ID, Email: "it@globex.example", Name: "Gina Globex", Role: accord.RoleCustomerContact, TimeZone: "Europe/Madrid", Locale: "es-ES", AuthorizedContact: true, CustomerAdmin: true},
	}
	// Acme signed Premium directly a year ago for three years; Globex bought
	// Advanced through the partner two months ago.
	for _, in := range []contracts.NewContract{
		{OrgID: acme.ID, Plan: "premium", SignedOn: now.AddDate(-1, 0, 0).Format(time.DateOnly), Years: 3,
			Licences: []contracts.Licence{{Module: "pam-core", Quantity: 250}, {Module: "session-recording", Quantity: 50}}},
		{OrgID: globex.ID, PartnerID: partner.ID, Plan: "advanced", SignedOn: now.AddDate(0, -2, 0).Format(time.DateOnly), Years: 1,
			Licences: []contracts.Licence{{Module: "pam-core", Quantity: 40}}},
	} {
		if _, err := svc.contracts.Create(ctx, now, in); err != nil {
			return fmt.Errorf("demo contract: %w", err)
		}
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "demo logins (password %q for all):\n", demoPassword)
	for _, in := range users {
		in.Password = demoPassword
		u, err := d.CreateUser(ctx, now, in)
		if err != nil {
			return fmt.Errorf("%s: %w", in.Email, err)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Email, u.Role, orgName(u.OrgID, vendor, partner, acme, globex))
		if u.Role == accord.RolePartnerAgent {
			_, err := d.CreateCertification(ctx, now, u.ID, directory.NewCertification{
				Name: "Core Product Certification", Number: "CPC-1042",
				ValidFrom: now.AddDate(-1, 0, 0).Format(time.DateOnly), ValidUntil: now.AddDate(1, 0, 0).Format(time.DateOnly),
			})
			if err != nil {
				return err
			}
		}
	}
	return tw.Flush()
}

func orgName(id accord.ID, orgs ...directory.Organization) string {
	for _, o := range orgs {
		if o.ID == id {
			return o.Name
		}
	}
	return ""
}
