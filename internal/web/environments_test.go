package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/environments"
	"accord/internal/store/dbtest"
)

// TestEnvironmentPages: an agent records an environment through its form,
// the customer's administrator reads it and agrees to its backup policy,
// another customer gets 404, and a notice published through its form is
// shown to the customer above every page until it ends.
func TestEnvironmentPages(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	if r := f.get("acme", "/environments/new"); r.status != http.StatusForbidden {
		t.Fatalf("customer's new-environment form: %d", r.status)
	}
	form := url.Values{"org_id": {string(f.orgs["acme"].ID)}, "name": {"Production"}, "product": {"Vault"}, "version": {"4.2"},
		"region": {"sa-east-1"}, "status": {"active"}, "backup.frequency": {"daily"}, "backup.retention_days": {"0"},
		"backup.covers": {"database and configuration"}, "backup.snapshot_before_change": {"1"},
		"backup.snapshot_max_age_hours": {"12"}, "backup.restore_test_months": {"12"}}
	r := f.post("agent", "/environments/new", form)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="f-backup.retention_days"`) || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatalf("a retention of 0 days: %d %s", r.status, r.body)
	}
	form.Set("backup.retention_days", "30")
	r = f.post("agent", "/environments/new", form)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/environments/env_") {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	path := r.location
	id := accord.ID(strings.TrimPrefix(path, "/environments/"))
	if _, err := f.envs.RecordSnapshot(f.as("agent"), f.now, environments.NewSnapshot{EnvironmentID: id, TakenAt: f.now.Add(-time.Hour),
		Kind: environments.DailySnapshot, SizeBytes: 53687091200, Location: "gs://backups/acme/prod/1", Verified: true}); err != nil {
		t.Fatal(err)
	}
	body := f.page("acme-admin", path)
	// Acme's administrator reads Portuguese.
	for _, want := range []string{"Production", "database and configuration", "30 dias", "50.0 GiB", "gs://backups/acme/prod/1",
		"Ainda sem concordância", "Concordamos com esta política de backup", "Nenhum teste de restauração foi concluído ainda."} {
		if !strings.Contains(body, want) {
			t.Errorf("the customer's page lacks %q", want)
		}
	}
	if strings.Contains(body, "Alertas de operação") || strings.Contains(body, "/edit") {
		t.Errorf("the customer sees the vendor's alerts or edit link")
	}
	if r := f.post("acme", path+"/agree", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("a plain contact agreeing: %d", r.status)
	}
	if r := f.post("acme-admin", path+"/agree", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("agree: %d %s", r.status, r.body)
	}
	if body := f.page("acme-admin", path); !strings.Contains(body, "Aprovada pelo cliente em") || strings.Contains(body, "Concordamos com esta política") {
		t.Errorf("after agreeing: %s", body)
	}
	if r := f.get("globex", path); r.status != http.StatusNotFound {
		t.Errorf("another customer reading: %d", r.status)
	}
	if body := f.page("globex", "/environments"); strings.Contains(body, "Production") {
		t.Errorf("another customer's list shows the environment")
	}
	if body := f.page("agent", "/environments"); !strings.Contains(body, "Production") || !strings.Contains(body, "Open operations alerts") {
		t.Errorf("the agent's list: %s", body)
	}

	// A restore test requested from the environment's page is linked to it;
	// another customer cannot name it.
	if body := f.page("acme", "/engagements/new?environment="+string(id)); !strings.Contains(body, `<option value="`+string(id)+`" selected>`) {
		t.Errorf("the request form does not offer the environment chosen")
	}
	req := url.Values{"service": {"restore_test"}, "scope": {"Restore last night's snapshot on a fresh instance."}, "environment_id": {string(id)}}
	if r := f.post("globex", "/engagements/new", req); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "must be a managed environment of the customer") {
		t.Errorf("another customer's environment: %d", r.status)
	}
	r = f.post("acme", "/engagements/new", req)
	if r.status != http.StatusSeeOther {
		t.Fatalf("request a restore test: %d %s", r.status, r.body)
	}
	if e, err := f.engagements.Get(f.as("acme"), f.now, accord.ID(strings.TrimPrefix(r.location, "/engagements/"))); err != nil || e.EnvironmentID != id {
		t.Errorf("the restore test's environment: %q, %v", e.EnvironmentID, err)
	}
	if body := f.page("acme", r.location); !strings.Contains(body, `href="`+path+`"`) {
		t.Errorf("the restore test's page does not link to its environment")
	}

	// The edit form voids the agreement when the policy changes.
	edit := url.Values{"reseller_id": {""}, "name": {"Production"}, "product": {"Vault"}, "version": {"4.3"}, "region": {"sa-east-1"},
		"status": {"active"}, "backup.frequency": {"daily"}, "backup.retention_days": {"14"}, "backup.covers": {"database"},
		"backup.snapshot_before_change": {"1"}, "backup.snapshot_max_age_hours": {"12"}, "backup.restore_test_months": {"12"}}
	if body := f.page("agent", path+"/edit"); !strings.Contains(body, `value="4.2"`) {
		t.Errorf("the edit form does not show the version")
	}
	if r := f.post("agent", path+"/edit", edit); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	if e, _ := f.envs.Get(f.as("agent"), id); e.Version != "4.3" || e.Backup.RetentionDays != 14 || e.Backup.AgreedAt != nil {
		t.Errorf("after editing: %+v", e)
	}

	// A notice through the form, in the agent's zone.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	start := f.now.Add(time.Hour).In(ny).Format("2006-01-02T15:04")
	end := f.now.Add(3 * time.Hour).In(ny).Format("2006-01-02T15:04")
	r = f.post("agent", "/notices/new", url.Values{"kind": {"maintenance_shutdown"}, "title": {"Vault upgrade to 4.3"},
		"body": {"The vault is stopped for the upgrade."}, "starts_at": {start}, "ends_at": {end}, "environments": {string(id)}})
	if r.status != http.StatusSeeOther || r.location != "/notices" {
		t.Fatalf("publish: %d %s", r.status, r.body)
	}
	if body := f.page("acme", "/cases"); !strings.Contains(body, "Maintenance shutdown: Vault upgrade to 4.3") {
		t.Errorf("no banner on the customer's cases")
	}
	if body := f.page("globex", "/cases"); strings.Contains(body, "Vault upgrade") {
		t.Errorf("another customer sees the banner")
	}
	f.now = f.now.Add(4 * time.Hour)
	if body := f.page("acme", "/cases"); strings.Contains(body, "Vault upgrade") {
		t.Errorf("the banner outlives the notice")
	}
	if body := f.page("acme", "/notices?all=1"); !strings.Contains(body, "Vault upgrade to 4.3") {
		t.Errorf("the ended notice is not in the full list")
	}
}
