package web

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/engagements"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestAdminGolden(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	golden(t, "admin_policy", f.page("admin", "/admin/policy"))
	// The vendor-wide chain holds only the default policy's event, by the
	// fixture, at its instant: stable from run to run.
	golden(t, "admin_audit", f.page("admin", "/admin/audit?org_id=global&entity_type=policy_version"))
}

func TestAdminAccess(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	for _, as := range []string{"acme", "acme-admin", "partner"} {
		for _, path := range []string{"/admin", "/admin/users", "/admin/policy"} {
			if r := f.get(as, path); r.status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want the refusal", as, path, r.status)
			}
		}
	}
	if r := f.get("acme", "/admin/users"); !strings.Contains(r.body, "The administration pages are for the vendor&#39;s staff.") {
		t.Errorf("a customer's refusal does not say why:\n%s", r.body)
	}

	index := f.page("agent", "/admin")
	if !strings.Contains(index, `href="/admin/policy"`) || strings.Contains(index, `href="/admin/audit"`) {
		t.Error("the agent's index should offer the policy but not the audit trail, which refuses agents")
	}
	if r := f.get("agent", "/admin/audit"); r.status != http.StatusForbidden {
		t.Errorf("agent reads the audit trail: %d", r.status)
	}

	// Auditors read, and see no form that writes.
	for _, path := range []string{"/admin/policy", "/admin/catalog", "/admin/calendars", "/admin/audit", "/admin/users", "/admin/organizations/" + string(f.orgs["partner"].ID)} {
		body := f.page("auditor", path)
		if strings.Contains(body, `method="post" action="/admin`) {
			t.Errorf("auditor sees a write form on %s", path)
		}
		if strings.Contains(body, " style=") || strings.Contains(body, "<script>") {
			t.Errorf("%s has inline style or script, which the CSP blocks", path)
		}
	}
	doc := strings.Replace(sla.DefaultDocument(), "resolved_days: 10", "resolved_days: 11", 1)
	if r := f.post("auditor", "/admin/policy", url.Values{"doc": {doc}}); r.status != http.StatusForbidden {
		t.Errorf("auditor imports a policy: %d", r.status)
	}
	if r := f.get("admin", "/admin/users/usr_nonsense"); r.status != http.StatusNotFound {
		t.Errorf("malformed user id: %d", r.status)
	}
}

func TestAdminCreateUser(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		form := f.page("admin", "/admin/users/new?org_id="+string(f.orgs["acme"].ID))
		for _, want := range []string{`<label for="f-role">`, `<option value="pt-BR"`, `name="time_zone"`, `name="authorized_contact"`,
			`<option value="` + string(f.orgs["acme"].ID) + `" selected>`} {
			if !strings.Contains(form, want) {
				t.Errorf("the new-user form lacks %s", want)
			}
		}

		in := url.Values{"org_id": {string(f.orgs["acme"].ID)}, "email": {"bea@acme.example"}, "name": {"Beatriz Lima"},
			"role": {"customer_contact"}, "locale": {"pt-BR"}, "time_zone": {"America/Recife"},
			"authorized_contact": {"true"}, "password": {"x"}}
		bad := f.post("admin", "/admin/users", in)
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "must be at least 12 characters") {
			t.Fatalf("short password: %d %s", bad.status, bad.body)
		}
		if !strings.Contains(bad.body, `value="bea@acme.example"`) || !strings.Contains(bad.body, `value="America/Recife"`) ||
			!strings.Contains(bad.body, `name="authorized_contact" type="checkbox" value="true" checked`) {
			t.Error("the refused form does not keep what was typed")
		}

		in.Set("password", testPassword)
		ok := f.post("admin", "/admin/users", in)
		if ok.status != http.StatusSeeOther || !strings.HasPrefix(ok.location, "/admin/users/usr_") {
			t.Fatalf("create: %d %q %s", ok.status, ok.location, ok.body)
		}
		u, err := f.dir.UserByEmail(f.as("admin"), f.now, "bea@acme.example")
		if err != nil {
			t.Fatal(err)
		}
		if u.OrgID != f.orgs["acme"].ID || u.Role != accord.RoleCustomerContact || u.Locale != "pt-BR" || u.TimeZone != "America/Recife" ||
			!u.AuthorizedContact || u.CustomerAdmin {
			t.Errorf("created %+v", u)
		}
		if ok.cookies[flashCookie] != "admin.users.created" || !strings.Contains(f.page("admin", ok.location), "Beatriz Lima") {
			t.Error("the new user's page does not show them, with the notice")
		}

		// Deactivating: the unchecked box is sent as nothing.
		up := url.Values{"name": {"Beatriz Lima"}, "role": {"customer_contact"}, "locale": {"pt-BR"}, "time_zone": {"America/Recife"}}
		if r := f.post("admin", ok.location, up); r.status != http.StatusSeeOther {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		if u, _ = f.dir.GetUser(f.as("admin"), f.now, u.ID); u.Active || u.AuthorizedContact {
			t.Errorf("after the update: active %v, authorized %v", u.Active, u.AuthorizedContact)
		}
	})
}

func TestAdminUserForms(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	partner := "/admin/users/" + string(f.users["partner"].ID)
	page := f.page("admin", partner)
	if !strings.Contains(page, "C-1") || !strings.Contains(page, "Valid</td>") {
		t.Error("the partner engineer's page does not list the certification valid today")
	}

	bad := f.post("admin", partner+"/certifications", url.Values{"cert_name": {"Vault"}, "cert_number": {"V-9"},
		"cert_valid_from": {"2026-12-01"}, "cert_valid_until": {"2026-01-01"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "must not be before valid_from") ||
		!strings.Contains(bad.body, `id="f-cert_valid_until" name="cert_valid_until" type="date" required value="2026-01-01" aria-invalid="true"`) {
		t.Fatalf("bad certification: %d %s", bad.status, bad.body)
	}
	if !strings.Contains(bad.body, `value="User partner"`) {
		t.Error("the certification's name leaks into the user's own name field")
	}
	if r := f.post("admin", partner+"/certifications", url.Values{"cert_name": {"Vault"}, "cert_number": {"V-9"},
		"cert_valid_from": {"2026-01-01"}, "cert_valid_until": {"2026-12-31"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add certification: %d %s", r.status, r.body)
	}
	certs, err := f.dir.ListCertifications(f.as("admin"), f.now, f.users["partner"].ID)
	if err != nil || len(certs) != 2 {
		t.Fatalf("certifications: %v %v", certs, err)
	}
	if r := f.post("admin", partner+"/certifications/"+string(certs[0].ID)+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete certification: %d %s", r.status, r.body)
	}

	acme := "/admin/users/" + string(f.users["acme"].ID)
	if r := f.post("admin", acme+"/password", url.Values{"password": {"short"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("short password reset: %d", r.status)
	}
	if r := f.post("admin", acme+"/password", url.Values{"password": {"another long passphrase"}}); r.status != http.StatusSeeOther {
		t.Fatalf("password reset: %d %s", r.status, r.body)
	}
	if r := f.post("", "/login", url.Values{"email": {f.users["acme"].Email}, "password": {"another long passphrase"}}); r.status != http.StatusSeeOther {
		t.Errorf("the reset password does not sign in: %d", r.status)
	}
	if r := f.post("agent", acme+"/password", url.Values{"password": {"yet another passphrase"}}); r.status != http.StatusForbidden {
		t.Errorf("an agent resets a password: %d", r.status)
	}
}

func TestAdminOrganizations(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	if r := f.post("admin", "/admin/organizations", url.Values{"kind": {"customer"}, "name": {"  "}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "is required") {
		t.Fatalf("nameless organization: %d", r.status)
	}
	r := f.post("admin", "/admin/organizations", url.Values{"kind": {"customer"}, "name": {"Initech"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/admin/organizations/org_") {
		t.Fatalf("create: %d %q", r.status, r.location)
	}
	initech := strings.TrimPrefix(r.location, "/admin/organizations/")
	if list := f.page("admin", "/admin/organizations?kind=customer&q=init"); !strings.Contains(list, "Initech") || strings.Contains(list, "Acme Bank") {
		t.Error("the search by kind and name does not narrow the list")
	}

	partner := "/admin/organizations/" + string(f.orgs["partner"].ID)
	page := f.page("admin", partner)
	if !strings.Contains(page, "Globex Health") || !strings.Contains(page, `<option value="`+initech+`">Initech</option>`) {
		t.Fatal("the partner's page does not show its customer and the ones it could serve")
	}
	if r := f.post("admin", partner+"/customers", url.Values{"customer_id": {initech}}); r.status != http.StatusSeeOther {
		t.Fatalf("link: %d %s", r.status, r.body)
	}
	if r := f.post("admin", partner+"/customers", url.Values{"customer_id": {string(f.orgs["vendor"].ID)}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "must be a customer organization") {
		t.Errorf("linking the vendor: %d", r.status)
	}
	if r := f.post("admin", partner+"/customers/"+string(f.orgs["globex"].ID)+"/unlink", nil); r.status != http.StatusSeeOther {
		t.Fatalf("unlink: %d %s", r.status, r.body)
	}
	for id, want := range map[string]bool{initech: true, string(f.orgs["globex"].ID): false} {
		if serves, _ := f.dir.PartnerServes(f.system(), f.orgs["partner"].ID, accord.ID(id)); serves != want {
			t.Errorf("serves %s: %v, want %v", id, serves, want)
		}
	}
	if r := f.post("admin", partner, url.Values{"name": {"Southwind Partners"}}); r.status != http.StatusSeeOther {
		t.Fatalf("rename: %d", r.status)
	}
	if page := f.page("admin", partner); !strings.Contains(page, "Southwind Partners") || !strings.Contains(page, "User partner") {
		t.Error("the renamed partner's page lacks its name or its users")
	}
}

// postFile sends an import form with the document as an uploaded file.
func (f *fixture) postFile(as, path, doc string) response {
	f.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile("file", "document.yaml")
	if err == nil {
		_, err = fw.Write([]byte(doc))
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return f.do(as, "POST", path, &b, w.FormDataContentType())
}

func TestAdminPolicyImport(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		bad := strings.Replace(sla.DefaultDocument(), "C3: {work: 8h, clock: support-hours}", "C3: {work: 8h, clock: suport-hours}", 1)
		_, perr := sla.Parse([]byte(bad))
		var ps sla.Problems
		if !errors.As(perr, &ps) || len(ps) != 1 {
			t.Fatalf("the broken document parses to %v", perr)
		}
		r := f.post("admin", "/admin/policy", url.Values{"doc": {bad}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad import: %d", r.status)
		}
		for _, want := range []string{fmt.Sprintf("Line %d, column %d:", ps[0].Line, ps[0].Column), "<code>plans.advanced.targets.C3.clock</code>",
			`unknown calendar &#34;suport-hours&#34;`, `aria-invalid="true" aria-describedby="e-doc">`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the refused import lacks %s", want)
			}
		}
		if !strings.Contains(html.UnescapeString(r.body), bad) {
			t.Error("the refused import does not keep the text sent")
		}

		good := strings.Replace(sla.DefaultDocument(), "C3: {work: 8h, clock: support-hours}", "C3: {work: 6h, clock: support-hours}", 1)
		r = f.postFile("admin", "/admin/policy", good)
		if r.status != http.StatusSeeOther || r.location != "/admin/policy/diff?to=2" {
			t.Fatalf("good import: %d %q %s", r.status, r.location, r.body)
		}
		v, _, err := f.policy.Current(f.as("admin"))
		if err != nil || v.Number != 2 || v.Document != good {
			t.Fatalf("current policy: version %d, %v", v.Number, err)
		}
		diff := f.page("admin", r.location)
		for _, want := range []string{"Changes from version 1 to version 2", "<code>plans.advanced.targets.C3.work</code>", "<del>8h</del>", "<ins>6h</ins>"} {
			if !strings.Contains(diff, want) {
				t.Errorf("the diff lacks %s", want)
			}
		}

		// Rolling back to version 1 makes version 3, the changes undone.
		if r := f.post("admin", "/admin/policy/versions/1/rollback", nil); r.status != http.StatusSeeOther || r.location != "/admin/policy/diff?to=3" {
			t.Fatalf("rollback: %d %q", r.status, r.location)
		}
		if page := f.page("admin", "/admin/policy/versions/2"); !strings.Contains(page, "Policy version 2") || !strings.Contains(page, "Roll back to version 2") {
			t.Error("an old version's page lacks its title or its rollback button")
		}
		if r := f.get("admin", "/admin/policy/versions/2/yaml"); r.status != http.StatusOK || r.body != good {
			t.Errorf("YAML export: %d", r.status)
		}
	})
}

func TestAdminDue(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	// The reference policy: Premium, Urgent, by phone: 30 minutes around the
	// clock. The admin reads Sao Paulo time (-03).
	q := url.Values{"plan": {"premium"}, "criticality": {"C1"}, "channel": {"phone"}, "received": {"2026-11-20T12:00"}}
	body := f.page("admin", "/admin/policy/due?"+q.Encode())
	if !strings.Contains(body, "Nov 20, 2026, 12:30 PM -03") {
		t.Errorf("Premium C1 by phone at 12:00 is not due at 12:30:\n%s", body)
	}

	// A portal case late on a Friday, on the support-hours calendar: the
	// same answer as the service's.
	q = url.Values{"plan": {"advanced"}, "criticality": {"C3"}, "channel": {"portal"}, "received": {"2026-11-20T19:30"}}
	body = f.page("admin", "/admin/policy/due?"+q.Encode())
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	res, err := f.policy.Due(f.as("admin"), sla.DueRequest{DueInput: sla.DueInput{Plan: "advanced", Criticality: sla.C3, Channel: sla.Portal,
		Received: time.Date(2026, 11, 20, 19, 30, 0, 0, sp)}})
	if err != nil {
		t.Fatal(err)
	}
	if want := res.DueAt.In(sp).Format("Jan 2, 2006, 3:04 PM MST"); !strings.Contains(body, want) {
		t.Errorf("the page does not give the service's due instant %s", want)
	}
	if !strings.Contains(body, html.EscapeString(res.Explanation[0])) || !strings.Contains(body, `value="2026-11-20T19:30"`) {
		t.Error("the answer lacks the explanation or the form lost its values")
	}

	bad := f.get("admin", "/admin/policy/due?plan=premium&criticality=C1&channel=phone&received=Friday")
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `value="Friday" aria-invalid="true"`) {
		t.Errorf("a bad instant: %d", bad.status)
	}
}

func TestAdminCalendars(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	page := f.page("auditor", "/admin/calendars")
	for _, want := range []string{"<h2>support-hours</h2>", "America/New_York", "<th scope=\"row\">Monday</th><td>08:00–20:00</td>",
		"<th scope=\"row\">Saturday</th><td><span class=\"muted\">Closed</span>", "04-21"} {
		if !strings.Contains(page, want) {
			t.Errorf("the calendars page lacks %s", want)
		}
	}
	// Friday 19:00 in Sao Paulo is 17:00 in New York: 3 hours that day,
	// 5 more from Monday 08:00 New York, 15:00 in Sao Paulo.
	q := url.Values{"calendar": {"support-hours"}, "start": {"2026-11-20T19:00"}, "hours": {"8"}}
	if body := f.page("admin", "/admin/calendars?"+q.Encode()); !strings.Contains(body, "Nov 23, 2026, 3:00 PM -03") {
		t.Errorf("8 working hours from Friday 19:00 do not end on Monday 15:00")
	}
	q.Set("hours", "-1")
	if r := f.get("admin", "/admin/calendars?"+q.Encode()); r.status != http.StatusUnprocessableEntity {
		t.Errorf("negative hours: %d", r.status)
	}
}

func TestAdminCatalog(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	page := f.page("admin", "/admin/catalog")
	for _, want := range []string{"HA/DR test", "450.00 BRL per hour", "5 working days from acceptance", "Clone in a segregated environment"} {
		if !strings.Contains(page, want) {
			t.Errorf("the catalog page lacks %s", want)
		}
	}
	bad := strings.Replace(engagements.DefaultDocument(), "lead_days: 5\n", "lead_days: 500\n", 1)
	r := f.post("admin", "/admin/catalog", url.Values{"doc": {bad}, "note": {"longer notice"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "<code>services.ha_dr_test.lead_days</code>") ||
		!strings.Contains(r.body, `value="longer notice"`) || !strings.Contains(html.UnescapeString(r.body), bad) {
		t.Fatalf("bad catalog: %d %s", r.status, r.body)
	}
	line := 1 + strings.Count(bad[:strings.Index(bad, "lead_days: 500")], "\n")
	if want := fmt.Sprintf("Line %d, column", line); !strings.Contains(r.body, want) {
		t.Errorf("the problem is not placed at its line (%s)", want)
	}
	good := strings.Replace(engagements.DefaultDocument(), "lead_days: 5\n", "lead_days: 6\n", 1)
	if r := f.post("admin", "/admin/catalog", url.Values{"doc": {good}, "note": {"longer notice"}}); r.status != http.StatusSeeOther {
		t.Fatalf("good catalog: %d %s", r.status, r.body)
	}
	if page := f.page("admin", "/admin/catalog"); !strings.Contains(page, "6 working days from acceptance") || !strings.Contains(page, "longer notice") {
		t.Error("the catalog page does not show version 2")
	}
	if r := f.get("auditor", "/admin/catalog/versions/2/yaml"); r.status != http.StatusOK || r.body != good {
		t.Errorf("YAML export: %d", r.status)
	}
}

func TestAdminAudit(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		r := f.post("admin", "/admin/organizations/"+string(f.orgs["acme"].ID), url.Values{"name": {"Acme Bank SA"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("rename: %d", r.status)
		}
		trail := f.page("auditor", "/admin/audit?entity_id="+string(f.orgs["acme"].ID))
		for _, want := range []string{"<code>organization.update</code>", "User admin", `&#34;Acme Bank&#34;`, `&#34;Acme Bank SA&#34;`, "Nov 20, 2026, 3:00 PM UTC"} {
			if !strings.Contains(trail, want) {
				t.Errorf("the trail lacks %s", want)
			}
		}
		verify := f.page("auditor", "/admin/audit/verify")
		if !strings.Contains(verify, "OK: all") || strings.Contains(verify, "does not verify") {
			t.Errorf("verification:\n%s", verify)
		}
		// Verifying reads every tenant's chain: not for an agent, nor for
		// a customer's administrator, who may read only its own chain.
		for _, who := range []string{"agent", "acme-admin"} {
			if r := f.get(who, "/admin/audit/verify"); r.status != http.StatusForbidden {
				t.Errorf("%s verifies the whole trail on the page: %d", who, r.status)
			}
			if _, err := audit.NewService(store.NewAudit(f.db)).Verify(f.as(who)); !accord.IsKind(err, accord.Forbidden) {
				t.Errorf("%s verifies the whole trail through the service: %v", who, err)
			}
		}
	})
}
