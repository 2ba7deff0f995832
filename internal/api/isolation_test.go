package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/changes"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/environments"
	"accord/internal/kb"
	"accord/internal/knownissues"
	"accord/internal/lang"
	"accord/internal/macros"
	"accord/internal/notify"
	"accord/internal/products"
	"accord/internal/siem"
	"accord/internal/signals"
	"accord/internal/store"
	"accord/internal/store/dbtest"
	"accord/internal/webhooks"
)

// TestTenantIsolation sends every authenticated route, as every tenant-bound
// role, with ids of organizations that role may not see. Each answer must be
// 404 (or 403 for a role-forbidden action), must not show any of the foreign
// tenant's data, and must not write into the foreign tenant's audit chain.
// Later features add their routes to routes() and are covered here.
func TestTenantIsolation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		ctx := accord.WithActor(context.Background(), accord.SystemActor("fixture"))
		// A second partner nobody in the fixture may see, with a certified
		// agent and a token, so that every kind of id has a foreign instance.
		east, err := f.dir.CreateOrganization(ctx, f.now, directory.NewOrganization{Kind: directory.KindPartner, Name: "Eastwind"})
		if err != nil {
			t.Fatal(err)
		}
		eu, err := f.dir.CreateUser(ctx, f.now, directory.NewUser{OrgID: east.ID, Email: "east@eastwind.example", Name: "Eve East", Role: accord.RolePartnerAgent, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		ecert, err := f.dir.CreateCertification(ctx, f.now, eu.ID, directory.NewCertification{Name: "Core", Number: "E-1", ValidFrom: "2025-01-01", ValidUntil: "2030-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		etok, _, err := f.dir.CreateToken(accord.WithActor(ctx, accord.Actor{UserID: eu.ID, OrgID: east.ID, Role: eu.Role, Name: eu.Name}), f.now, directory.NewToken{Name: "east"})
		if err != nil {
			t.Fatal(err)
		}

		// Eastwind serves Eastco, which has a contract; every customer has a
		// pending contact request, so that contract, entitlement and request
		// ids have foreign instances too.
		eastco, err := f.dir.CreateOrganization(ctx, f.now, directory.NewOrganization{Kind: directory.KindCustomer, Name: "Eastco"})
		if err == nil {
			err = f.dir.LinkPartner(ctx, f.now, east.ID, eastco.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		csvc := contracts.NewService(store.NewContracts(f.db), testPlans, f.dir, contracts.DefaultConfig())
		ectr, err := csvc.Create(ctx, f.now, contracts.NewContract{OrgID: eastco.ID, PartnerID: east.ID, Plan: "premium", SignedOn: "2026-01-01", Years: 1})
		if err != nil {
			t.Fatal(err)
		}
		// Eastco's contact, who accepts Eastco's engagement.
		econtact, err := f.dir.CreateUser(ctx, f.now, directory.NewUser{OrgID: eastco.ID, Email: "it@eastco.example", Name: "Ed Eastco",
			Role: accord.RoleCustomerContact, AuthorizedContact: true, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		// Notices given, so that the notice and survey lists have foreign
		// rows: Eastco's term ends within 60 days, and Globex's second
		// contract year has begun.
		for job, id := range map[string]accord.ID{contracts.RenewalJob: ectr.ID, contracts.SurveyJob: f.ctr["globex"].ID} {
			if err := csvc.Tell(ctx, f.now, job, id, func(context.Context, time.Time, contracts.Mail) error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
		contacts := map[accord.ID]context.Context{f.orgs["acme"].ID: f.actor("acme"), f.orgs["globex"].ID: f.actor("globex"),
			eastco.ID: accord.WithActor(ctx, accord.Actor{UserID: econtact.ID, OrgID: eastco.ID, Role: econtact.Role, Name: econtact.Name})}
		// tenant is what one customer has under contract, a case with a
		// file and a proposed remote session, and an accepted engagement
		// with an evidence file.
		type tenant struct {
			contract, entitlement, request, kase, file, session, mail, engagement, evidence accord.ID
			environment, snapshot, notice, notification                                     accord.ID
			change, script, window                                                          accord.ID
			issue                                                                           accord.ID
			installation                                                                    accord.ID
			webhook, delivery                                                               accord.ID
		}
		sig := signals.NewService(store.NewSignals(f.db), f.cases, f.dir)
		mail := store.NewMail(f.db)
		tenants := map[accord.ID]tenant{}
		// noteFiles are the paths of the files of each tenant's internal
		// note, which its own contacts may not read either.
		noteFiles := map[accord.ID]string{}
		names := map[accord.ID]string{f.orgs["acme"].ID: "Acme", f.orgs["globex"].ID: "Globex", eastco.ID: "Eastco"}
		agent := f.actor("agent")
		product, err := f.products.CreateProduct(ctx, f.now, products.NewProduct{OrgID: f.orgs["vendor"].ID, Key: "identity", Name: "Identity"})
		if err != nil {
			t.Fatal(err)
		}
		for org, c := range map[accord.ID]contracts.Contract{f.orgs["acme"].ID: f.ctr["acme"], f.orgs["globex"].ID: f.ctr["globex"], eastco.ID: ectr} {
			ents, err := csvc.Entitlements(ctx, f.now, c.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			r, err := f.contracts.RequestContact(f.actor("admin"), f.now, contracts.NewContactRequest{OrgID: org, Name: "Rita Request", Email: "rita@" + string(org) + ".example", Reason: "x"})
			if err != nil {
				t.Fatal(err)
			}
			kase, err := f.cases.Open(agent, f.now, cases.NewCase{OrgID: org, Type: cases.Question, Title: names[org] + " vault question", Description: names[org] + " asks"})
			if err != nil {
				t.Fatal(err)
			}
			// The case's file came with a reply; its note carries another.
			if _, err := f.cases.Reply(agent, f.now, kase.ID, cases.NewReply{Body: names[org] + " logs attached",
				Files: []cases.NewFile{{Name: names[org] + ".txt", Content: []byte(names[org] + " secret log")}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.cases.Reply(agent, f.now, kase.ID, cases.NewReply{Body: names[org] + " internal", Internal: true,
				Files: []cases.NewFile{{Name: names[org] + "-note.txt", Content: []byte(names[org] + " note file")}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.cases.ProposeSession(agent, f.now, kase.ID, cases.SessionProposal{StartsAt: f.now.Add(24 * time.Hour), Minutes: 20}); err != nil {
				t.Fatal(err)
			}
			timeline, err := f.cases.Timeline(agent, f.now, kase.ID)
			if err != nil {
				t.Fatal(err)
			}
			var session, file accord.ID
			for _, e := range timeline {
				switch {
				case e.Kind == cases.RemoteSession:
					session = e.ID
				case e.Kind == cases.Reply && len(e.Data.Files) == 1:
					file = e.Data.Files[0].ID
				case e.Kind == cases.Note && len(e.Data.Files) == 1:
					noteFiles[org] = "/api/v1/cases/" + string(kase.ID) + "/files/" + string(e.Data.Files[0].ID)
				}
			}
			// A notification about the case, as the mail job would queue it.
			msg := notify.Message{ID: accord.NewID("msg"), OrgID: org, CaseID: kase.ID, EntryID: timeline[0].ID, Event: string(cases.EventOpened),
				UserID: f.users["agent"].ID, To: "agent@vendor.example", Locale: "en-US", Subject: names[org] + " vault question",
				Body: names[org] + " asks", MessageID: string(kase.ID) + "@test", ReplyToken: string(accord.NewID("tok")), CreatedAt: f.now}
			if err := mail.Queue(ctx, f.now, []notify.Message{msg}); err != nil {
				t.Fatal(err)
			}
			eng, err := f.engagements.Request(agent, f.now, engagements.RequestInput{OrgID: org, Service: "health_check", Scope: names[org] + " yearly review"})
			if err == nil {
				_, err = f.engagements.Quote(agent, f.now, eng.ID, engagements.QuoteInput{Hours: 4})
			}
			if err == nil {
				_, err = f.engagements.Accept(contacts[org], f.now, eng.ID)
			}
			if err == nil {
				eng, err = f.engagements.CompleteStep(contacts[org], f.now, eng.ID, 1, engagements.StepInput{Note: names[org] + " agreed",
					File: &engagements.NewFile{Name: names[org] + "-evidence.txt", Content: []byte(names[org] + " evidence")}})
			}
			if err != nil {
				t.Fatal(err)
			}
			// A managed environment with a snapshot, a notice and an alert
			// (its first snapshot is a day and a half late).
			env, err := f.envs.Create(agent, f.now.Add(-36*time.Hour), environments.NewEnvironment{OrgID: org, Name: names[org] + " production",
				Product: names[org] + " vault", Status: environments.Active})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.envs.Check(ctx, f.now, env.ID); err != nil {
				t.Fatal(err)
			}
			snap, err := f.envs.RecordSnapshot(agent, f.now, environments.NewSnapshot{EnvironmentID: env.ID, TakenAt: f.now.Add(-time.Hour),
				Kind: environments.OnDemandSnapshot, Location: "gs://" + names[org] + "-backups/1"})
			if err != nil {
				t.Fatal(err)
			}
			notices, err := f.envs.Publish(agent, f.now, environments.NewNotice{Kind: environments.Incident, Title: names[org] + " outage",
				Body: names[org] + " users cannot sign in", StartsAt: f.now, EndsAt: f.now.Add(time.Hour), Environments: []accord.ID{env.ID}})
			if err != nil {
				t.Fatal(err)
			}
			// The case given to the agent: the agent's notification of it.
			if _, err := f.cases.Assign(f.actor("admin"), f.now, kase.ID, cases.Assignment{UserID: f.users["agent"].ID}); err != nil {
				t.Fatal(err)
			}
			ns, _, err := sig.Notifications(agent, f.now, true, accord.Page{})
			ns = slices.DeleteFunc(ns, func(n signals.Notification) bool { return n.CaseID != kase.ID })
			if err != nil || len(ns) != 1 {
				t.Fatalf("the agent's notification of %s: %v %+v", kase.ID, err, ns)
			}
			// A change request with the customer's script, and a
			// maintenance window.
			start := f.now.Add(72 * time.Hour)
			chg, err := f.changes.Request(agent, f.now, changes.RequestInput{EnvironmentID: env.ID, Title: names[org] + " upgrade",
				Reason: names[org] + " needs it", Plan: "upgrade", BackoutPlan: "restore", PlannedStart: &start, Minutes: 60})
			if err == nil {
				chg, err = f.changes.AttachScript(agent, f.now, chg.ID, names[org]+"-script.sh", []byte(names[org]+" script"))
			}
			if err != nil {
				t.Fatal(err)
			}
			mw, _, err := f.changes.CreateWindow(agent, f.now, env.ID, changes.WindowInput{Rule: "first saturday 22:00-02:00",
				VendorAgreedBy: "Vendor", CustomerAgreedBy: names[org]})
			if err != nil {
				t.Fatal(err)
			}
			// A known issue of a product only this tenant runs, published,
			// with the tenant's case linked: it affects this tenant alone.
			issue := knownIssueOf(t, f, names[org], org, kase.ID)
			ins, err := f.products.CreateInstallation(agent, f.now, products.NewInstallation{OrgID: org, ProductID: product.ID, Version: "3.21",
				Deployment: products.Appliance, Serial: names[org] + "-serial"})
			if err != nil {
				t.Fatal(err)
			}
			// A webhook subscription of the customer's administrator, with a
			// delivery queued.
			hookURL, hookTypes := "https://hooks."+strings.ToLower(names[org])+".example/accord", []webhooks.Type{webhooks.CaseBreached}
			hookAdmin := accord.WithActor(ctx, accord.Actor{UserID: accord.NewID("usr"), OrgID: org, Role: accord.RoleCustomerContact, CustomerAdmin: true, Name: names[org] + " admin"})
			hook, err := f.webhooks.Create(hookAdmin, f.now, webhooks.Input{URL: &hookURL, Types: &hookTypes})
			if err != nil {
				t.Fatal(err)
			}
			hookMsg, err := f.webhooks.Test(hookAdmin, f.now, hook.ID)
			if err != nil {
				t.Fatal(err)
			}
			tenants[org] = tenant{webhook: hook.ID, delivery: hookMsg.ID, issue: issue, installation: ins.ID, contract: c.ID, entitlement: ents[0].ID, request: r.ID, kase: kase.ID, file: file, session: session, mail: msg.ID,
				engagement: eng.ID, evidence: eng.Steps[0].File.ID, environment: env.ID, snapshot: snap.ID, notice: notices[0].ID, notification: ns[0].ID,
				change: chg.ID, script: chg.Script.ID, window: mw.ID}
		}
		// Each customer's administrator has a SIEM receiver.
		receivers := map[accord.ID]accord.ID{}
		for org := range tenants {
			rc := siem.Receiver{ID: accord.NewID("siem"), OrgID: org, Name: "SOC", Protocol: siem.SyslogUDP, Address: "192.0.2.1:514",
				Actions: []string{}, Enabled: true, CreatedAt: f.now, UpdatedAt: f.now}
			if err := store.NewSIEM(f.db).CreateReceiver(ctx, rc, audit.New(accord.SystemActor("fixture"), f.now, org, "siem.receiver.create", "siem_receiver", rc.ID, nil)); err != nil {
				t.Fatal(err)
			}
			receivers[org] = rc.ID
		}
		ids := func(org accord.ID) []string {
			x := tenants[org]
			return []string{string(receivers[org]), string(x.contract), string(x.entitlement), string(x.request), string(x.kase), string(x.file), string(x.session), string(x.mail),
				string(x.engagement), string(x.evidence), string(x.environment), string(x.snapshot), string(x.notice), string(x.notification),
				string(x.change), string(x.script), string(x.window), string(x.installation), string(x.issue), string(x.webhook), string(x.delivery)}
		}

		// Each partner has a team with its agent; customers have none, so
		// their rows use Eastwind's.
		teams := map[accord.ID]accord.ID{}
		for org, member := range map[accord.ID]accord.ID{east.ID: eu.ID, f.orgs["partner"].ID: f.users["partner"].ID} {
			tm, err := f.cases.CreateTeam(ctx, f.now, cases.NewTeam{OrgID: org, Name: "Desk of " + string(org)})
			if err == nil {
				_, err = f.cases.AddMember(ctx, f.now, tm.ID, member)
			}
			if err != nil {
				t.Fatal(err)
			}
			teams[org] = tm.ID
		}
		// Macros: Eastwind's agent keeps a personal one, the vendor's agent
		// another; nobody in the matrix may read or use either.
		emacro, err := f.macros.Create(accord.WithActor(ctx, accord.Actor{UserID: eu.ID, OrgID: east.ID, Role: eu.Role, Name: eu.Name}), f.now,
			macros.NewMacro{Name: "eastern", Bodies: map[string]string{"en-US": "Eastwind secret answer"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.macros.Create(f.actor("agent"), f.now, macros.NewMacro{Name: "northern", Bodies: map[string]string{"en-US": "Northwind personal answer"}}); err != nil {
			t.Fatal(err)
		}

		// Knowledge base: an internal article, which no tenant-bound role
		// may read or act on: its id answers 404 and its text never shows.
		kbInternal, err := f.kb.Create(ctx, f.now, kb.NewArticle{Lang: "en-US", Title: "Vault internal runbook", Body: "Internal escalation secret", Visibility: kb.Internal})
		if err == nil {
			_, err = f.kb.Publish(ctx, f.now, kbInternal.ID)
		}
		if err != nil {
			t.Fatal(err)
		}

		// Single sign-on: every organization has a provider, so that its
		// routes have foreign rows.
		for i, org := range []accord.ID{f.orgs["acme"].ID, f.orgs["globex"].ID, f.orgs["partner"].ID, east.ID, eastco.ID} {
			if _, err := f.dir.PutIdentityProvider(ctx, f.now, org, directory.ProviderInput{Issuer: "https://idp.example/" + string(org),
				ClientID: "client-" + string(org), ClientSecret: "secret", Domains: []string{fmt.Sprintf("tenant%d.example", i)}}); err != nil {
				t.Fatal(err)
			}
		}

		type foreign struct {
			org, customer accord.ID
			user          accord.ID
			markers       []string // text that must never appear
		}
		eastMarkers := append([]string{"Vault internal runbook", "Internal escalation secret", string(kbInternal.ID), "Eastwind", "Eastco", string(emacro.ID), "Northwind personal answer", "east@eastwind.example", string(east.ID), string(eu.ID), string(ecert.ID), string(etok.ID), string(teams[east.ID])}, ids(eastco.ID)...)
		globex := foreign{org: f.orgs["globex"].ID, customer: f.orgs["globex"].ID, user: f.users["globex"].ID,
			markers: append(append([]string{"Globex", "globex@globex.example", string(f.orgs["globex"].ID), string(f.users["globex"].ID)}, ids(f.orgs["globex"].ID)...), eastMarkers...)}
		acme := foreign{org: f.orgs["acme"].ID, customer: f.orgs["acme"].ID, user: f.users["acme"].ID,
			markers: append(append([]string{"Acme", "acme@acme.example", string(f.orgs["acme"].ID), string(f.users["acme"].ID)}, ids(f.orgs["acme"].ID)...), eastMarkers...)}
		southwind := foreign{org: f.orgs["partner"].ID, customer: f.orgs["globex"].ID, user: f.users["partner"].ID,
			markers: append([]string{"Southwind", "partner@partner.example", string(teams[f.orgs["partner"].ID])}, globex.markers...)}
		eastwind := foreign{org: east.ID, customer: eastco.ID, user: eu.ID, markers: eastMarkers}

		cases := map[string][]foreign{
			"acme":       {globex, southwind, eastwind},
			"acme-admin": {globex, southwind, eastwind},
			"globex":     {acme, eastwind},
			"partner":    {acme, eastwind},
			"lapsed":     {globex, acme, eastwind},
		}
		// A body each route accepts, so that validation cannot answer before
		// the scope check does.
		bodies := map[string]string{
			"GET /api/v1/me": "", "PATCH /api/v1/me": `{"name":"Hijack"}`, "GET /api/v1/me/sessions": "",
			"PUT /api/v1/me/password": `{"current_password":"wrong","password":"a long hijack passphrase"}`,
			"GET /api/v1/tokens":      "", "POST /api/v1/tokens": `{"name":"hijack"}`, "DELETE /api/v1/tokens/{id}": "",
			"GET /api/v1/organizations": "", "POST /api/v1/organizations": `{"kind":"customer","name":"Hijack"}`,
			"GET /api/v1/organizations/{id}": "", "PATCH /api/v1/organizations/{id}": `{"name":"Hijack"}`,
			"GET /api/v1/organizations/{id}/customers": "", "PUT /api/v1/organizations/{id}/customers/{customer_id}": "",
			"DELETE /api/v1/organizations/{id}/customers/{customer_id}": "",
			"GET /api/v1/users": "", "GET /api/v1/users/{id}": "", "PATCH /api/v1/users/{id}": `{"name":"Hijack"}`,
			"POST /api/v1/users":                     `{"org_id":"{org}","email":"hijack@x.example","name":"Hijack","role":"customer_contact","password":"a long hijack passphrase"}`,
			"PUT /api/v1/users/{id}/password":        `{"password":"a long hijack passphrase"}`,
			"POST /api/v1/users/{id}/unlock":         "",
			"POST /api/v1/users/{id}/invitation":     "",
			"GET /api/v1/users/{id}/certifications":  "",
			"POST /api/v1/users/{id}/certifications": `{"name":"X","number":"1","valid_from":"2026-01-01","valid_until":"2027-01-01"}`,
			"DELETE /api/v1/certifications/{id}":     "", "GET /api/v1/audit": "",
			"GET /api/v1/policy": "", "GET /api/v1/policy/versions": "", "GET /api/v1/policy/versions/{version}": "",
			"POST /api/v1/policy/versions": `{"document":"plans: {}"}`, "POST /api/v1/policy/versions/{version}/rollback": "",
			"GET /api/v1/policy/diff": "", "POST /api/v1/policy/due": `{"plan":"advanced","criticality":"C3","channel":"portal","received":"2024-03-08T21:00:00-05:00"}`, "POST /api/v1/policy/replay": `{"version":1,"from":"2026-01-01","to":"2027-01-01"}`,
			"GET /api/v1/contracts": "", "POST /api/v1/contracts": `{"org_id":"{org}","plan":"premium","signed_on":"2031-01-01","years":1}`,
			"GET /api/v1/contracts/{id}": "", "POST /api/v1/contracts/{id}/renew": `{}`, "POST /api/v1/contracts/{id}/cancel": `{"reason":"hijack"}`,
			"PATCH /api/v1/contracts/{id}": `{"account_owner_id":""}`, "GET /api/v1/contracts/{id}/notices": "", "GET /api/v1/licence-surveys": "",
			"GET /api/v1/contracts/{id}/terms": "", "GET /api/v1/contracts/{id}/entitlements": "", "GET /api/v1/contracts/{id}/surveys": "",
			"POST /api/v1/contracts/{id}/surveys":          `{"year":1,"measured":[{"module":"core","quantity":1}]}`,
			"GET /api/v1/entitlements/{id}/consumptions":   "",
			"POST /api/v1/entitlements/{id}/consumptions":  `{"quantity":1,"record_type":"case","record_id":"hijack","override":true,"reason":"hijack"}`,
			"GET /api/v1/organizations/{id}/true-up":       "",
			"GET /api/v1/contact-requests":                 "",
			"POST /api/v1/contact-requests":                `{"org_id":"{org}","name":"Hijack","email":"hijack@x.example","reason":"hijack"}`,
			"GET /api/v1/contact-requests/{id}":            "",
			"POST /api/v1/contact-requests/{id}/authorize": `{}`,
			"POST /api/v1/contact-requests/{id}/approve":   `{}`,
			"POST /api/v1/contact-requests/{id}/reject":    `{"note":"hijack"}`,
			"DELETE /api/v1/users/{id}/authorization":      "",
			"POST /api/v1/imports/{kind}":                  "kind,name\ncustomer,Hijack\n",
			"GET /api/v1/exports/{kind}":                   "",
			"GET /api/v1/exports/cases":                    "",

			"GET /api/v1/cases": "", "POST /api/v1/cases": `{"org_id":"{org}","type":"question","title":"Hijack","description":"hijack"}`,
			"GET /api/v1/cases/{id}": "", "GET /api/v1/cases/{id}/timeline": "", "GET /api/v1/cases/{id}/sla": "",
			"POST /api/v1/cases/{id}/replies":                      `{"body":"hijack"}`,
			"POST /api/v1/cases/{id}/calls":                        `{"caller":"Hijack","number":"1","at":"2026-11-20T14:00:00Z"}`,
			"POST /api/v1/cases/{id}/reclassify":                   `{"criticality":"C1","reason":"hijack"}`,
			"POST /api/v1/cases/{id}/assign":                       `{"user_id":""}`,
			"POST /api/v1/cases/{id}/await-customer":               `{"reason":"hijack"}`,
			"POST /api/v1/cases/{id}/resolve":                      `{"summary":"hijack"}`,
			"POST /api/v1/cases/{id}/confirm":                      `{}`,
			"POST /api/v1/cases/{id}/reopen":                       `{"reason":"hijack"}`,
			"POST /api/v1/cases/{id}/sessions":                     `{"starts_at":"2030-01-01T10:00:00Z","minutes":20}`,
			"POST /api/v1/cases/{id}/sessions/{entry_id}/decision": `{"accept":true,"remote_control":true}`,
			"POST /api/v1/cases/{id}/files":                        "--hijack\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hijack.txt\"\r\n\r\nhijack\r\n--hijack--\r\n",
			"GET /api/v1/cases/{id}/files/{file_id}":               "",
			"POST /api/v1/cases/{id}/out-of-scope":                 `{"category":"upgrade"}`,
			"POST /api/v1/cases/{id}/enhancement":                  `{"state":"accepted"}`,

			"GET /api/v1/reports/sla": "", "GET /api/v1/reports/csat": "",
			"GET /api/v1/notifications": "", "POST /api/v1/notifications/read": "", "POST /api/v1/notifications/{id}/read": "",
			"GET /api/v1/cases/{id}/presence": "", "POST /api/v1/cases/{id}/presence": `{"writing":true}`,
			"GET /api/v1/cases/{id}/rating": "", "POST /api/v1/cases/{id}/rating": `{"score":5,"comment":"hijack"}`,
			"GET /api/v1/reports/dashboard": "",

			"GET /api/v1/teams": "", "POST /api/v1/teams": `{"org_id":"{org}","name":"Hijack"}`,
			"GET /api/v1/teams/{id}": "", "PATCH /api/v1/teams/{id}": `{"name":"Hijack","round_robin":true}`,
			"POST /api/v1/teams/{id}/members":                   `{"user_id":"` + string(f.users["agent"].ID) + `"}`,
			"DELETE /api/v1/teams/{id}/members/{user_id}":       "",
			"POST /api/v1/cases/bulk":                           `{"action":"note","case_ids":["{case}"],"body":"hijack"}`,
			"POST /api/v1/cases/{id}/macros/{macro_id}/preview": "",
			"POST /api/v1/cases/{id}/macros/{macro_id}/apply":   `{"body":"hijack"}`,
			"GET /api/v1/macros":                                "",
			"GET /api/v1/me/preferences":                        "",
			"PUT /api/v1/me/preferences":                        `{"shortcuts":false}`,
			"POST /api/v1/macros":                               `{"name":"hijack","shared":true,"org_id":"{org}","bodies":{"en-US":"hijack"}}`,
			"GET /api/v1/macros/{id}":                           "",
			"PUT /api/v1/macros/{id}":                           `{"name":"hijack","bodies":{"en-US":"hijack"}}`,
			"DELETE /api/v1/macros/{id}":                        "",

			"GET /api/v1/mail": "", "GET /api/v1/mail/inbound": "", "GET /api/v1/mail/{id}": "", "POST /api/v1/mail/{id}/resend": `{}`,

			"GET /api/v1/catalog": "", "GET /api/v1/catalog/versions": "", "GET /api/v1/catalog/versions/{version}": "",
			"POST /api/v1/catalog/versions": `{"document":"services: {}","note":"hijack"}`,
			"GET /api/v1/engagements":       "", "POST /api/v1/engagements": `{"org_id":"{org}","service":"health_check","scope":"hijack"}`,
			"GET /api/v1/engagements/{id}": "", "POST /api/v1/engagements/{id}/quote": `{"hours":4}`, "POST /api/v1/engagements/{id}/accept": `{}`,
			"POST /api/v1/engagements/{id}/schedule":                  `{"sessions":[{"engineer_id":"` + string(f.users["agent"].ID) + `","start":"2030-01-07T11:00:00Z","end":"2030-01-07T15:00:00Z"}]}`,
			"POST /api/v1/engagements/{id}/start":                     `{}`,
			"POST /api/v1/engagements/{id}/steps/{position}/complete": `{"note":"hijack"}`,
			"GET /api/v1/engagements/{id}/files/{file_id}":            "",
			"PUT /api/v1/engagements/{id}/outcome":                    `{"notes":"hijack"}`,
			"POST /api/v1/engagements/{id}/complete":                  `{}`,
			"POST /api/v1/engagements/{id}/sign-off":                  `{"note":"hijack"}`,
			"POST /api/v1/engagements/{id}/cancel":                    `{"reason":"hijack"}`,
			"GET /api/v1/engagements/{id}/report":                     "", "GET /api/v1/engagements/{id}/report.html": "",
			"GET /api/v1/raci": "", "GET /api/v1/raci/versions": "", "GET /api/v1/raci/versions/{version}": "",
			"POST /api/v1/raci/versions": `{"document":"processes: []"}`, "POST /api/v1/raci/versions/{version}/rollback": "",
			"GET /api/v1/raci/diff": "", "GET /api/v1/environments/{id}/raci": "",
			"PUT /api/v1/environments/{id}/raci": `{"document":"processes: [{key: change, name: {en-US: a, pt-BR: b, es-ES: c}, activities: [{key: x, text: {en-US: a, pt-BR: b, es-ES: c}, letters: {vendor: R}}]}]","note":"hijack"}`,
			"GET /api/v1/environments":           "", "GET /api/v1/environments/{id}": "", "GET /api/v1/environments/{id}/snapshots": "",
			"POST /api/v1/environments":                       `{"org_id":"{org}","name":"Hijack","product":"Vault"}`,
			"PATCH /api/v1/environments/{id}":                 `{"name":"Hijack"}`,
			"POST /api/v1/environments/{id}/backup-agreement": "",
			"POST /api/v1/environments/{id}/snapshots":        `{"taken_at":"2026-11-20T14:00:00Z","kind":"daily","location":"hijack"}`,
			"GET /api/v1/environments/{id}/restore-test":      "",
			"GET /api/v1/environment-alerts":                  "",
			"GET /api/v1/notices":                             "", "GET /api/v1/notices/{id}": "",
			"POST /api/v1/notices": `{"kind":"incident","title":"Hijack","body":"hijack","starts_at":"2026-11-20T15:00:00Z","ends_at":"2026-11-20T16:00:00Z","environments":["{env}"]}`,
			"GET /api/v1/changes":  "", "GET /api/v1/changes/{id}": "", "GET /api/v1/changes/{id}/timeline": "",
			"POST /api/v1/changes":                               `{"environment_id":"{env}","title":"Hijack","reason":"hijack","implementation_plan":"x","backout_plan":"y","duration_minutes":60}`,
			"PATCH /api/v1/changes/{id}":                         `{"title":"Hijack"}`,
			"POST /api/v1/changes/{id}/submit":                   `{}`,
			"POST /api/v1/changes/{id}/script":                   "--hijack\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hijack.sh\"\r\n\r\nhijack\r\n--hijack--\r\n",
			"POST /api/v1/changes/{id}/assess":                   `{"assessment":{"complexity":"low","importance":"low","impact":"low","reversibility":"easy"}}`,
			"POST /api/v1/changes/{id}/approve":                  `{}`,
			"POST /api/v1/changes/{id}/validate":                 `{}`,
			"POST /api/v1/changes/{id}/schedule":                 `{}`,
			"POST /api/v1/changes/{id}/start":                    `{}`,
			"POST /api/v1/changes/{id}/complete":                 `{"what_was_done":"hijack","result":"hijack"}`,
			"POST /api/v1/changes/{id}/fail":                     `{"what_was_done":"hijack"}`,
			"POST /api/v1/changes/{id}/roll-back":                `{"what_was_done":"hijack"}`,
			"POST /api/v1/changes/{id}/cancel":                   `{"reason":"hijack"}`,
			"GET /api/v1/changes/{id}/files/{file_id}":           "",
			"GET /api/v1/environments/{id}/maintenance-windows":  "",
			"POST /api/v1/environments/{id}/maintenance-windows": `{"rule":"every sunday 01:00-02:00","vendor_agreed_by":"x","customer_agreed_by":"y"}`,
			"DELETE /api/v1/maintenance-windows/{id}":            "",
			"GET /api/v1/known-issues":                           "", "GET /api/v1/known-issues/{id}": "",
			"POST /api/v1/known-issues":                         `{"product_id":"prd_0000000000000000000000000a","from":"1.0","to":"1.1","title":"Hijack","symptoms":"hijack"}`,
			"PATCH /api/v1/known-issues/{id}":                   `{"title":"Hijack"}`,
			"POST /api/v1/known-issues/{id}/publish":            "",
			"POST /api/v1/known-issues/{id}/workaround":         `{"workaround":"hijack"}`,
			"POST /api/v1/known-issues/{id}/fix":                `{"version":"9.0"}`,
			"GET /api/v1/known-issues/{id}/customers":           "",
			"GET /api/v1/known-issues/{id}/cases":               "",
			"POST /api/v1/known-issues/{id}/upgrade":            "",
			"GET /api/v1/cases/{id}/known-issues":               "",
			"POST /api/v1/cases/{id}/known-issues":              `{"known_issue_id":"{issue}"}`,
			"DELETE /api/v1/cases/{id}/known-issues/{issue_id}": "",
			// A caller's own feed: never another tenant's.
			"GET /api/v1/me/calendar-feed": "", "POST /api/v1/me/calendar-feed": "",
			// The catalog is the vendor's, readable by all; its ids below
			// are unknown ones, and writes are the vendor's administrators'.
			"GET /api/v1/products": "", "POST /api/v1/products": `{"org_id":"{org}","key":"hijack","name":"Hijack"}`,
			"GET /api/v1/products/{id}": "", "PATCH /api/v1/products/{id}": `{"name":"Hijack"}`,
			"GET /api/v1/products/{id}/versions": "", "POST /api/v1/products/{id}/versions": `{"number":"9.9"}`,
			"GET /api/v1/products/{id}/versions/{vid}": "", "PATCH /api/v1/products/{id}/versions/{vid}": `{"notes":"hijack"}`,
			"POST /api/v1/products/{id}/versions/{vid}/publish": "",
			"GET /api/v1/installations":                         "", "GET /api/v1/installations/{id}": "",
			"POST /api/v1/installations":         `{"org_id":"{org}","product_id":"` + string(product.ID) + `","version":"3.22","deployment":"on_premises"}`,
			"PATCH /api/v1/installations/{id}":   `{"version":"3.22"}`,
			"DELETE /api/v1/installations/{id}":  "",
			"GET /api/v1/reports/end-of-support": "",
			// Case-attached workflows: the case is the foreign record.
			"GET /api/v1/cases/{id}/feasibility": "", "PUT /api/v1/cases/{id}/feasibility": `{"platform":"Hijack OS"}`,
			"POST /api/v1/cases/{id}/feasibility/start":    `{}`,
			"POST /api/v1/cases/{id}/feasibility/analysis": `{"analysis":"hijack"}`,
			"POST /api/v1/cases/{id}/feasibility/decision": `{"relevant":true,"reasons":"hijack"}`,
			"POST /api/v1/cases/{id}/feasibility/date":     `{"target_date":"2030-01-01"}`,
			"GET /api/v1/cases/{id}/repair":                "", "PUT /api/v1/cases/{id}/repair": `{"installation_id":"{case}","serial":"HIJACK-0001"}`,
			"POST /api/v1/cases/{id}/repair/steps": `{"step":"received"}`,
			"GET /api/v1/kb/articles":              "", "POST /api/v1/kb/articles": `{"lang":"en-US","title":"Hijack","body":"hijack","visibility":"public"}`,
			"GET /api/v1/kb/articles/{id}": "", "PATCH /api/v1/kb/articles/{id}": `{"title":"Hijack"}`,
			"POST /api/v1/kb/articles/{id}/publish": "", "POST /api/v1/kb/articles/{id}/archive": "",
			"GET /api/v1/kb/articles/{id}/revisions": "", "POST /api/v1/kb/articles/{id}/solved": "",
			"GET /api/v1/kb/suggest":                           "",
			"GET /api/v1/organizations/{id}/identity-provider": "", "DELETE /api/v1/organizations/{id}/identity-provider": "",
			"PUT /api/v1/organizations/{id}/identity-provider":                `{"issuer":"https://hijack.example","client_id":"hijack","client_secret":"hijack","domains":["hijack.example"]}`,
			"POST /api/v1/organizations/{id}/identity-provider/verify-domain": `{"domain":"hijack.example"}`,
			// Two-factor sign-in: the caller's own enrolment only; the
			// policy is the vendor's administrators'.
			"GET /api/v1/me/totp": "", "POST /api/v1/me/totp": "", "POST /api/v1/me/totp/confirm": `{"code":"000000"}`,
			"POST /api/v1/me/totp/disable": `{"code":"000000"}`, "POST /api/v1/me/totp/recovery-codes": `{"code":"000000"}`,
			"GET /api/v1/totp-policy": "", "PUT /api/v1/totp-policy/{rule}": `{"required":false}`,
			"DELETE /api/v1/users/{id}/totp": "",
			"GET /api/v1/webhooks":           "", "POST /api/v1/webhooks": `{"url":"https://hooks.hijack.example/","types":["case.breached"]}`,
			"GET /api/v1/webhooks/{id}": "", "PATCH /api/v1/webhooks/{id}": `{"url":"https://hooks.hijack.example/"}`,
			"DELETE /api/v1/webhooks/{id}": "", "POST /api/v1/webhooks/{id}/rotate-secret": "", "POST /api/v1/webhooks/{id}/test": "",
			"GET /api/v1/webhooks/{id}/deliveries": "", "GET /api/v1/webhooks/{id}/deliveries/{did}": "",
			"POST /api/v1/webhooks/{id}/deliveries/{did}/redeliver": "",
			"GET /api/v1/siem/receivers":                            "", "POST /api/v1/siem/receivers": `{"org_id":"{org}","name":"Hijack","protocol":"syslog-udp","address":"192.0.2.9:514"}`,
			"GET /api/v1/siem/receivers/{id}": "", "PATCH /api/v1/siem/receivers/{id}": `{"address":"192.0.2.9:514"}`,
			"DELETE /api/v1/siem/receivers/{id}": "", "POST /api/v1/siem/receivers/{id}/test": "",
		}
		// Bodies that are not JSON, by route.
		contentTypes := map[string]string{"POST /api/v1/cases/{id}/files": "multipart/form-data; boundary=hijack",
			"POST /api/v1/changes/{id}/script": "multipart/form-data; boundary=hijack"}
		// Query parameters a route needs besides org_id, so that validation
		// cannot answer before the scope check does: the fixture's cases are
		// received in November 2026.
		queries := map[string]string{"GET /api/v1/reports/sla": "month=2026-11&", "GET /api/v1/reports/csat": "month=2026-11&",
			"GET /api/v1/kb/articles": "q=vault&", "GET /api/v1/kb/suggest": "q=vault+runbook&lang=en-US&"}
		s := &Server{}
		for role, foreigners := range cases {
			for _, fo := range foreigners {
				for _, rt := range s.routes() {
					if rt.public || rt.path == "/api/v1/logout" {
						continue // logout ends the fixture's session and touches no tenant's data
					}
					path := rt.path
					hasID := strings.Contains(path, "{")
					switch {
					case strings.HasPrefix(path, "/api/v1/organizations/{id}"):
						path = strings.Replace(path, "{id}", string(fo.org), 1)
					case strings.HasPrefix(path, "/api/v1/users/{id}"):
						path = strings.Replace(path, "{id}", string(fo.user), 1)
					case strings.HasPrefix(path, "/api/v1/tokens/{id}"):
						path = strings.Replace(path, "{id}", string(etok.ID), 1)
					case strings.HasPrefix(path, "/api/v1/certifications/{id}"):
						path = strings.Replace(path, "{id}", string(ecert.ID), 1)
					case strings.HasPrefix(path, "/api/v1/contracts/{id}"):
						path = strings.Replace(path, "{id}", string(tenants[fo.customer].contract), 1)
					case strings.HasPrefix(path, "/api/v1/entitlements/{id}"):
						path = strings.Replace(path, "{id}", string(tenants[fo.customer].entitlement), 1)
					case strings.HasPrefix(path, "/api/v1/contact-requests/{id}"):
						path = strings.Replace(path, "{id}", string(tenants[fo.customer].request), 1)
					case strings.HasPrefix(path, "/api/v1/notifications/{id}"):
						path = strings.Replace(path, "{id}", string(tenants[fo.customer].notification), 1)
					case strings.HasPrefix(path, "/api/v1/mail/{id}"):
						path = strings.Replace(path, "{id}", string(tenants[fo.customer].mail), 1)
					case strings.HasPrefix(path, "/api/v1/engagements/{id}"):
						x := tenants[fo.customer]
						path = strings.NewReplacer("{id}", string(x.engagement), "{file_id}", string(x.evidence), "{position}", "1").Replace(path)
					case strings.HasPrefix(path, "/api/v1/environments/{id}"):
						path = strings.Replace(path, "{id}", string(tenants[fo.customer].environment), 1)
					case strings.HasPrefix(path, "/api/v1/changes/{id}"):
						x := tenants[fo.customer]
						path = strings.NewReplacer("{id}", string(x.change), "{file_id}", string(x.script)).Replace(path)
					case strings.HasPrefix(path, "/api/v1/maintenance-windows/{id}"):
						path = strings.Replace(path, "{id}", string(tenants[fo.customer].window), 1)
					case strings.HasPrefix(path, "/api/v1/notices/{id}"):
						path = strings.Replace(path, "{id}", string(tenants[fo.customer].notice), 1)
					case strings.HasPrefix(path, "/api/v1/teams/{id}"):
						team, ok := teams[fo.org]
						if !ok {
							team = teams[east.ID]
						}
						path = strings.NewReplacer("{id}", string(team), "{user_id}", string(fo.user)).Replace(path)
					case strings.HasPrefix(path, "/api/v1/cases/{id}"):
						x := tenants[fo.customer]
						path = strings.NewReplacer("{id}", string(x.kase), "{entry_id}", string(x.session), "{file_id}", string(x.file),
							"{macro_id}", string(emacro.ID), "{issue_id}", string(x.issue)).Replace(path)
					case strings.HasPrefix(path, "/api/v1/known-issues/{id}"):
						path = strings.Replace(path, "{id}", string(tenants[fo.customer].issue), 1)
					case strings.HasPrefix(path, "/api/v1/installations/{id}"):
						path = strings.Replace(path, "{id}", string(tenants[fo.customer].installation), 1)
					case strings.HasPrefix(path, "/api/v1/products/{id}"):
						path = strings.NewReplacer("{id}", string(accord.NewID("prd")), "{vid}", string(accord.NewID("ver"))).Replace(path)
					case strings.HasPrefix(path, "/api/v1/macros/{id}"):
						path = strings.Replace(path, "{id}", string(emacro.ID), 1)
					case strings.HasPrefix(path, "/api/v1/webhooks/{id}"):
						x := tenants[fo.customer]
						path = strings.NewReplacer("{id}", string(x.webhook), "{did}", string(x.delivery)).Replace(path)
					case strings.HasPrefix(path, "/api/v1/kb/articles/{id}"):
						path = strings.Replace(path, "{id}", string(kbInternal.ID), 1)
					case strings.HasPrefix(path, "/api/v1/siem/receivers/{id}"):
						path = strings.Replace(path, "{id}", string(receivers[fo.customer]), 1)
					}
					path = strings.Replace(path, "{customer_id}", string(fo.customer), 1)
					path = strings.Replace(path, "{version}", "1", 1)  // policy versions are vendor-wide: staff only
					path = strings.Replace(path, "{rule}", "admin", 1) // the two-factor policy is the vendor's
					if strings.Contains(path, "{kind}") {
						path = strings.Replace(path, "{kind}", "orgs", 1) // a kind of record, not an id
						hasID = strings.Contains(path, "{")
					}
					if strings.Contains(path, "{") {
						t.Fatalf("route %s %s: the matrix does not know its parameters; teach it", rt.method, rt.path)
					}
					if rt.method == "GET" && !hasID {
						path += "?" + queries[rt.method+" "+rt.path] + "org_id=" + string(fo.org) + "&partner_id=" + string(fo.org) + "&entity_id=" + string(fo.user)
					}
					body, known := bodies[rt.method+" "+rt.path]
					if !known {
						t.Fatalf("route %s %s: the matrix has no valid body for it; teach it", rt.method, rt.path)
					}
					body = strings.ReplaceAll(body, "{org}", string(fo.org))
					body = strings.ReplaceAll(body, "{env}", string(tenants[fo.customer].environment))
					body = strings.ReplaceAll(body, "{issue}", string(tenants[fo.customer].issue))
					// A bulk action names a foreign case; its answer may say
					// back the id it was given, and nothing else of it.
					echo := string(tenants[fo.customer].kase)
					body = strings.ReplaceAll(body, "{case}", echo)
					name := role + "/" + rt.method + " " + rt.path + "/" + string(fo.org)
					t.Run(name, func(t *testing.T) {
						before := chainLengths(f)
						var resp response
						switch ct := contentTypes[rt.method+" "+rt.path]; {
						case body == "":
							resp = f.do(role, rt.method, path, nil)
						case ct != "":
							resp = f.do(role, rt.method, path, body, "Content-Type", ct)
						default:
							resp = f.do(role, rt.method, path, body)
						}
						if hasID && resp.status != http.StatusNotFound && resp.status != http.StatusForbidden {
							t.Errorf("status %d, want 404 or 403; body %s", resp.status, short(resp.body))
						}
						if resp.status >= 500 {
							t.Errorf("status %d: %s", resp.status, short(resp.body))
						}
						shown := resp.body
						if strings.Contains(body, echo) {
							shown = strings.ReplaceAll(shown, echo, "")
						}
						for _, m := range fo.markers {
							if strings.Contains(shown, m) {
								t.Errorf("body shows foreign %q: %s", m, short(resp.body))
							}
						}
						after := chainLengths(f)
						for _, org := range []accord.ID{fo.org, fo.customer, fo.user} {
							if after[org] != before[org] {
								t.Errorf("wrote into %s's audit chain", org)
							}
						}
					})
				}
			}
		}
		for as, org := range map[string]accord.ID{"acme": f.orgs["acme"].ID, "globex": f.orgs["globex"].ID} {
			if resp := f.do(as, "GET", noteFiles[org], nil); resp.status != http.StatusNotFound || strings.Contains(resp.body, "note file") {
				t.Errorf("%s reads its own case's internal-note file: %d %s", as, resp.status, short(resp.body))
			}
			if resp := f.do("agent", "GET", noteFiles[org], nil); resp.status != http.StatusOK {
				t.Errorf("the agent reads %s's internal-note file: %d", as, resp.status)
			}
		}
	})
}

func chainLengths(f *fixture) map[accord.ID]int {
	n := map[accord.ID]int{}
	for _, e := range f.events() {
		n[e.OrgID]++
	}
	return n
}

// knownIssueOf records, for the tenant org, a product only it runs (at
// 1.0), a published known issue of it over 1.0-1.1 and the tenant's case
// linked to it. The catalog is public, so the product's name does not name
// the tenant; it and the installation are written as the products store
// writes them.
func knownIssueOf(t *testing.T, f *fixture, name string, org, kase accord.ID) accord.ID {
	t.Helper()
	prod := accord.NewID("prd")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO products (id, org_id, key, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
			[]any{prod, f.orgs["vendor"].ID, string(prod), "Product " + string(prod), f.now}},
		{`INSERT INTO installations (id, org_id, product_id, version, deployment, quantity, created_at, updated_at) VALUES ($1, $2, $3, '1.0', 'on_premises', 1, $4, $4)`,
			[]any{accord.NewID("ins"), org, prod, f.now}},
	} {
		if _, err := f.db.SQL().ExecContext(context.Background(), q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	agent := f.actor("agent")
	from, to := "1.0", "1.1"
	k, err := f.knownIssues.Create(agent, f.now, knownissues.Input{ProductID: &prod, From: &from, To: &to,
		Title: lang.Plain(name + " login loops"), Symptoms: lang.Plain(name + " users loop")})
	if err == nil {
		_, err = f.knownIssues.Publish(agent, f.now, k.ID)
	}
	if err == nil {
		_, err = f.knownIssues.LinkCase(agent, f.now, kase, k.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}
