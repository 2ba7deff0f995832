package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/changes"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/environments"
	"accord/internal/sla"
)

// demoPassword is every demo user's password; demo data is for trying
// Accord out, never for production.
const demoPassword = "accord-demo-2026"

// seedDemo fills an empty database with a vendor, a partner, two customers
// with a contract each, a user of every role, a few cases and engagements,
// and prints how to sign in. A database that already has organizations is
// left alone.
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
	// Acme signed Premium directly a year ago for three years (its second
	// year's licence survey is due); Globex bought Advanced through the
	// partner ten months ago for a year (its renewal notices have begun).
	var terms []contracts.Contract
	for _, in := range []contracts.NewContract{
		{OrgID: acme.ID, Plan: "premium", SignedOn: now.AddDate(-1, 0, 0).Format(time.DateOnly), Years: 3,
			Licences: []contracts.Licence{{Module: "pam-core", Quantity: 250}, {Module: "session-recording", Quantity: 50}}},
		{OrgID: globex.ID, PartnerID: partner.ID, Plan: "advanced", SignedOn: now.AddDate(0, -10, 0).Format(time.DateOnly), Years: 1,
			Licences: []contracts.Licence{{Module: "pam-core", Quantity: 40}}},
	} {
		c, err := svc.contracts.Create(ctx, now, in)
		if err != nil {
			return fmt.Errorf("demo contract: %w", err)
		}
		terms = append(terms, c)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "demo logins (password %q for all):\n", demoPassword)
	made := map[string]directory.User{}
	for _, in := range users {
		in.Password = demoPassword
		u, err := d.CreateUser(ctx, now, in)
		if err != nil {
			return fmt.Errorf("%s: %w", in.Email, err)
		}
		made[u.Email] = u
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
	if err := tw.Flush(); err != nil {
		return err
	}
	// The admin owns both accounts: renewal notices reach the vendor too.
	owner := made["admin@northwind.example"].ID
	for _, c := range terms {
		if _, err := svc.contracts.Update(ctx, now, c.ID, contracts.ContractUpdate{AccountOwnerID: &owner}); err != nil {
			return fmt.Errorf("demo account owner: %w", err)
		}
	}
	if err := seedTeams(ctx, svc, now, made); err != nil {
		return err
	}
	if err := seedPastMonths(ctx, svc, now, made, acme.ID); err != nil {
		return err
	}
	if err := seedCases(ctx, svc, now, made, acme.ID, globex.ID); err != nil {
		return err
	}
	env, err := seedEnvironment(ctx, svc, now, made, acme.ID)
	if err != nil {
		return err
	}
	if err := seedChanges(ctx, svc, now, made, env.ID); err != nil {
		return err
	}
	if err := seedProducts(ctx, svc, now, vendor.ID, acme.ID, globex.ID); err != nil {
		return err
	}
	if err := seedKB(ctx, svc, now, made); err != nil {
		return err
	}
	if err := seedTOTP(ctx, svc, now); err != nil {
		return err
	}
	return seedEngagements(ctx, svc, now, made, acme.ID, globex.ID, env.ID)
}

// seedEnvironment gives Acme the managed production environment the vendor
// has run for forty days: its backup policy, agreed by Acme's CTO the next
// day, and the daily snapshots of the last five nights (02:00 UTC) with a
// snapshot taken before last week's configuration change.
func seedEnvironment(ctx context.Context, svc *services, now time.Time, users map[string]directory.User, acme accord.ID) (environments.Environment, error) {
	as := func(email string) context.Context {
		u := users[email]
		return accord.WithActor(ctx, accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name, CustomerAdmin: u.CustomerAdmin})
	}
	agent := as("agent@northwind.example")
	covers := "The vault database, session recordings and the appliance configuration."
	env, err := svc.environments.Create(agent, now.AddDate(0, 0, -40), environments.NewEnvironment{OrgID: acme, Name: "PAM production",
		Product: "Vault PAM", Version: "4.2.1", Region: "southamerica-east1", Status: environments.Active,
		Backup: &environments.PolicyInput{Covers: &covers}})
	if err == nil {
		env, err = svc.environments.AgreeBackup(as("cto@acme.example"), now.AddDate(0, 0, -39), env.ID)
	}
	if err != nil {
		return env, fmt.Errorf("demo environment: %w", err)
	}
	last := now.UTC().Truncate(24 * time.Hour).Add(2 * time.Hour)
	if last.After(now) {
		last = last.Add(-24 * time.Hour)
	}
	snaps := []environments.NewSnapshot{{TakenAt: now.AddDate(0, 0, -7), Kind: environments.PreChangeSnapshot, SizeBytes: 48 << 30,
		Location: "gs://northwind-backups/acme/pam-prod/pre-change-" + now.AddDate(0, 0, -7).Format("20060102"), Checksum: "sha256:3f1a", Verified: true}}
	for i := 4; i >= 0; i-- {
		at := last.AddDate(0, 0, -i)
		snaps = append(snaps, environments.NewSnapshot{TakenAt: at, Kind: environments.DailySnapshot, SizeBytes: (49<<30 + int64(i)<<28),
			Location: "gs://northwind-backups/acme/pam-prod/daily-" + at.Format("20060102"), Checksum: fmt.Sprintf("sha256:%04x", 0xbe00+i), Verified: i > 0})
	}
	for _, in := range snaps {
		in.EnvironmentID = env.ID
		at := in.TakenAt.Add(20 * time.Minute)
		if at.After(now) {
			at = now
		}
		if _, err := svc.environments.RecordSnapshot(agent, at, in); err != nil {
			return env, fmt.Errorf("demo snapshot: %w", err)
		}
	}
	return env, nil
}

// seedChanges agrees a monthly maintenance window for Acme's production
// environment and has Acme's CTO request an upgrade that shuts it down, in
// the next occurrence: submitted, for the vendor to assess.
func seedChanges(ctx context.Context, svc *services, now time.Time, users map[string]directory.User, envID accord.ID) error {
	as := func(email string) context.Context {
		u := users[email]
		return accord.WithActor(ctx, accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name, CustomerAdmin: u.CustomerAdmin})
	}
	const rule = "first saturday 22:00-02:00"
	if _, _, err := svc.changes.CreateWindow(as("admin@northwind.example"), now.AddDate(0, 0, -39), envID, changes.WindowInput{Rule: rule,
		Zone: "Europe/Paris", VendorAgreedBy: "Alice Admin", CustomerAgreedBy: "Carla Chief"}); err != nil {
		return fmt.Errorf("demo maintenance window: %w", err)
	}
	r, err := changes.ParseRule(rule)
	if err != nil {
		return err
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return err
	}
	start := r.Occurrences(paris, now.AddDate(0, 0, 1), now.AddDate(0, 2, 0))[0].From
	_, err = svc.changes.Request(as("cto@acme.example"), now.Add(-2*time.Hour), changes.RequestInput{EnvironmentID: envID,
		Title: "Upgrade Vault PAM to 4.3", Reason: "4.3 fixes the session-recording gaps our auditors found.",
		Description: "Minor version upgrade of the production cluster.", Plan: "1. Stop the cluster\n2. Upgrade every node to 4.3\n3. Start and check the vault's health",
		BackoutPlan: "Restore the pre-change snapshot of the environment.", NeedsShutdown: true, PlannedStart: &start, Minutes: 180})
	if err != nil {
		return fmt.Errorf("demo change: %w", err)
	}
	return nil
}

// seedPastMonths gives the dashboard's compliance chart five months to show:
// each month, Acme opens one case of each criticality; most are answered
// in twenty minutes, one in four three days late; all are resolved and
// confirmed, with the root-cause analyses that C1 and C2 cases bring.
func seedPastMonths(ctx context.Context, svc *services, now time.Time, users map[string]directory.User, acme accord.ID) error {
	as := func(email string) context.Context {
		u := users[email]
		return accord.WithActor(ctx, accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name, CustomerAdmin: u.CustomerAdmin})
	}
	customer, agent := as("cto@acme.example"), as("agent@northwind.example")
	titles := map[sla.Criticality]string{
		sla.C1: "Vault unreachable after a certificate renewal", sla.C2: "Session recording fails for RDP targets",
		sla.C3: "Slow search in the audit console", sla.C4: "Typo in the access request e-mail",
	}
	close := func(id accord.ID, at time.Time) error {
		if _, err := svc.cases.Resolve(agent, at, id, "Fixed; the steps are in the reply."); err != nil {
			return err
		}
		_, err := svc.cases.Confirm(customer, at.Add(time.Hour), id)
		return err
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for m := 5; m >= 1; m-- {
		for i, crit := range sla.Criticalities {
			at := month.AddDate(0, -m, 4+6*i).Add(14 * time.Hour)
			c, err := svc.cases.Open(customer, at, cases.NewCase{OrgID: acme, Type: cases.Incident, Title: titles[crit],
				Description: "Seen by our operations team this morning.", Details: cases.Details{Criticality: crit, Procedure: "Console",
					Version: "4.2.1", Observed: "It fails.", Expected: "It works.", Discovery: "Monitoring."}})
			if err == nil && (crit == sla.C1 || crit == sla.C2) {
				_, err = svc.cases.RecordCall(agent, at.Add(5*time.Minute), c.ID, cases.Call{Caller: "Carla Chief", Number: "+1 212 555 0100", At: at.Add(5 * time.Minute)})
			}
			answered := at.Add(20 * time.Minute)
			if (m+i)%4 == 0 {
				answered = at.AddDate(0, 0, 3)
			}
			if err == nil {
				_, err = svc.cases.Reply(agent, answered, c.ID, cases.NewReply{Body: "We are on it; please send the service log."})
			}
			if err == nil {
				err = close(c.ID, answered.Add(2*time.Hour))
			}
			if err == nil && (crit == sla.C1 || crit == sla.C2) {
				c, err = svc.cases.Get(agent, answered, c.ID)
				if err == nil && c.RootCauseID != "" {
					rca := c.RootCauseID
					if _, err = svc.cases.Reply(agent, answered.Add(3*time.Hour), rca, cases.NewReply{Body: "The root cause and its fix are attached."}); err == nil {
						err = close(rca, answered.Add(4*time.Hour))
					}
				}
			}
			if err != nil {
				return fmt.Errorf("demo history: %w", err)
			}
		}
	}
	return nil
}

// seedCases opens a few cases in the past, by the people who would have,
// so that the queue shows a breach, a running clock and a paused one.
func seedCases(ctx context.Context, svc *services, now time.Time, users map[string]directory.User, acme, globex accord.ID) error {
	as := func(email string) context.Context {
		u := users[email]
		return accord.WithActor(ctx, accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name, CustomerAdmin: u.CustomerAdmin})
	}
	agent := as("agent@northwind.example")
	details := cases.Details{Criticality: sla.C2, Procedure: "Vault > Cluster > Status", Version: "4.2.1",
		Observed: "The standby node shows as unreachable; replication stopped.", Expected: "Both nodes in sync.",
		Discovery: "Our monitoring alerted at 02:40."}
	lost, err := svc.cases.Open(as("cto@acme.example"), now.Add(-3*time.Hour), cases.NewCase{OrgID: acme, Type: cases.Incident,
		Title: "Vault cluster lost redundancy", Description: "Since the storage maintenance the standby node is out of the cluster.", Details: details})
	if err != nil {
		return fmt.Errorf("demo case: %w", err)
	}
	if _, err := svc.cases.RecordCall(agent, now.Add(-170*time.Minute), lost.ID, cases.Call{Caller: "Carla Chief", Number: "+1 212 555 0100",
		At: now.Add(-170 * time.Minute), Notes: "Confirms production still works on the primary."}); err != nil {
		return fmt.Errorf("demo call: %w", err)
	}
	keys, err := svc.cases.Open(as("ops@acme.example"), now.Add(-time.Hour), cases.NewCase{OrgID: acme, Type: cases.Question,
		Title: "How do we rotate SSH keys for a whole device group?", Description: "We want to rotate keys for 120 Linux servers at once.", Details: cases.Details{Criticality: sla.C3}})
	if err != nil {
		return fmt.Errorf("demo case: %w", err)
	}
	if _, err := svc.cases.Reply(agent, now.Add(-30*time.Minute), keys.ID, cases.NewReply{Body: "Which version are you running? Please send the output of the device group export.",
		RequestInformation: true, References: []cases.Reference{{Kind: cases.KnowledgeBase, Value: "https://docs.example.com/kb/ssh-key-rotation"}}}); err != nil {
		return fmt.Errorf("demo reply: %w", err)
	}
	if _, err := svc.cases.Open(as("it@globex.example"), now.Add(-20*time.Minute), cases.NewCase{OrgID: globex, Type: cases.Enhancement,
		Title: "Export session recordings to our SIEM", Description: "We would like recordings' metadata forwarded over syslog."}); err != nil {
		return fmt.Errorf("demo case: %w", err)
	}
	_, err = svc.cases.Open(as("it@globex.example"), now.Add(-10*time.Minute), cases.NewCase{OrgID: globex, Type: cases.Question,
		Title: "Password policy for service accounts", Description: "Can a policy require 32 characters only for service accounts?", Details: cases.Details{Criticality: sla.C4}})
	return err
}

// seedEngagements books professional services the way people would have:
// Acme's HA/DR test requested two days ago, quoted, accepted yesterday and
// scheduled at the first start its lead time allows; and an assisted
// update the partner requested for Globex this morning, waiting for a
// quote.
func seedEngagements(ctx context.Context, svc *services, now time.Time, users map[string]directory.User, acme, globex, env accord.ID) error {
	as := func(email string) context.Context {
		u := users[email]
		return accord.WithActor(ctx, accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name, CustomerAdmin: u.CustomerAdmin})
	}
	es := svc.engagements
	customer, agent := as("cto@acme.example"), as("agent@northwind.example")
	test, err := es.Request(customer, now.Add(-48*time.Hour), engagements.RequestInput{OrgID: acme, Service: "ha_dr_test", Format: "segregated_clone",
		Scope: "Yearly disaster-recovery test of the vault cluster on a clone, for the auditors.", EnvironmentID: env})
	if err == nil {
		_, err = es.Quote(agent, now.Add(-30*time.Hour), test.ID, engagements.QuoteInput{Hours: 4, Note: "One engineer, remote."})
	}
	if err == nil {
		test, err = es.Accept(customer, now.Add(-24*time.Hour), test.ID)
	}
	if err == nil {
		start := *test.EarliestStart
		_, err = es.Schedule(agent, now, test.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{
			{EngineerID: users["agent@northwind.example"].ID, Start: start, End: start.Add(4 * time.Hour)}}})
	}
	if err != nil {
		return fmt.Errorf("demo engagement: %w", err)
	}
	_, err = es.Request(as("partner@southwind.example"), now.Add(-2*time.Hour), engagements.RequestInput{OrgID: globex, Service: "assisted_update",
		Scope: "Update the production instances from 4.2 to 4.3, one at a time."})
	if err != nil {
		return fmt.Errorf("demo engagement: %w", err)
	}
	return nil
}

func orgName(id accord.ID, orgs ...directory.Organization) string {
	for _, o := range orgs {
		if o.ID == id {
			return o.Name
		}
	}
	return ""
}

// seedTeams makes Alice the senior engineer, in the senior engineers'
// queue where Premium's C1 and C2 cases go, and Sam the support desk that
// receives every other new case.
func seedTeams(ctx context.Context, svc *services, now time.Time, users map[string]directory.User) error {
	yes := true
	alice, sam := users["admin@northwind.example"], users["agent@northwind.example"]
	if _, err := svc.directory.UpdateUser(ctx, now, alice.ID, directory.UserUpdate{Senior: &yes}); err != nil {
		return fmt.Errorf("demo senior engineer: %w", err)
	}
	for _, t := range []struct {
		in     cases.NewTeam
		member accord.ID
	}{
		{cases.NewTeam{OrgID: alice.OrgID, Name: "Senior engineers", Senior: true, RoundRobin: true}, alice.ID},
		{cases.NewTeam{OrgID: sam.OrgID, Name: "Support desk", Intake: true}, sam.ID},
	} {
		team, err := svc.cases.CreateTeam(ctx, now, t.in)
		if err == nil {
			_, err = svc.cases.AddMember(ctx, now, team.ID, t.member)
		}
		if err != nil {
			return fmt.Errorf("demo team %s: %w", t.in.Name, err)
		}
	}
	return nil
}
