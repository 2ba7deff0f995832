package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/environments"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestEnvironmentsOverHTTP walks the managed service as its users do: the
// vendor records an environment, its automation records snapshots with an
// API token, the customer reads its environment and agrees to the backup
// policy, vendor staff read the alerts, and a notice reaches the customer.
func TestEnvironmentsOverHTTP(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		resp := f.do("agent", "POST", "/api/v1/environments", map[string]any{"org_id": f.orgs["globex"].ID, "reseller_id": f.orgs["partner"].ID,
			"name": "Production", "product": "Vault", "version": "4.2", "region": "southamerica-east1", "status": "active",
			"backup": map[string]any{"retention_days": 14, "covers": "the vault database, videos and configuration", "snapshot_max_age_hours": 6}})
		if resp.status != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.status, resp.body)
		}
		var env environments.Environment
		resp.json(t, &env)
		if env.Backup.RetentionDays != 14 || env.Backup.SnapshotMaxAge != 6*time.Hour || env.Backup.Frequency != "daily" || !env.Backup.SnapshotBeforeChange {
			t.Fatalf("backup = %+v", env.Backup)
		}
		if !strings.Contains(resp.body, `"snapshot_max_age_hours":6`) {
			t.Fatalf("the policy's age is not in hours: %s", resp.body)
		}
		for who, want := range map[string]int{"acme": 403, "globex": 403, "partner": 403, "auditor": 403} {
			if r := f.do(who, "POST", "/api/v1/environments", `{"org_id":"`+string(f.orgs["globex"].ID)+`","name":"X","product":"Y"}`); r.status != want {
				t.Errorf("%s creating: %d, want %d", who, r.status, want)
			}
		}
		if r := f.do("agent", "POST", "/api/v1/environments", `{"org_id":"`+string(f.orgs["globex"].ID)+`","name":"Bad\u0000name","product":"Y"}`); r.status != 400 || !strings.Contains(r.body, `"field":"name"`) {
			t.Errorf("a NUL in the name: %d %s", r.status, r.body)
		}
		path := "/api/v1/environments/" + string(env.ID)
		for who, want := range map[string]int{"globex": 200, "partner": 200, "auditor": 200, "acme": 404, "lapsed": 403} {
			if r := f.do(who, "GET", path, nil); r.status != want {
				t.Errorf("%s reading: %d, want %d (%s)", who, r.status, want, r.body)
			}
		}

		// The automation's token records a snapshot; a customer may not.
		resp = f.do("agent", "POST", "/api/v1/tokens", map[string]string{"name": "backup automation"})
		var tok struct {
			Token string `json:"token"`
		}
		resp.json(t, &tok)
		if tok.Token == "" {
			t.Fatalf("token: %d %s", resp.status, resp.body)
		}
		snap := map[string]any{"taken_at": f.now.Add(-time.Hour).Format(time.RFC3339), "kind": "daily", "size_bytes": 52428800000,
			"location": "gs://northwind-backups/globex/prod/2026-11-20", "checksum": "sha256:9f86d0", "verified": true}
		if r := f.do("globex", "POST", path+"/snapshots", snap); r.status != 403 {
			t.Errorf("customer recording a snapshot: %d", r.status)
		}
		if r := f.do(tok.Token, "POST", path+"/snapshots", map[string]any{"environment_id": accord.NewID("env"), "taken_at": snap["taken_at"], "kind": "daily", "location": "x"}); r.status != 400 {
			t.Errorf("a snapshot naming another environment: %d %s", r.status, r.body)
		}
		resp = f.do(tok.Token, "POST", path+"/snapshots", snap)
		if resp.status != http.StatusCreated {
			t.Fatalf("record: %d %s", resp.status, resp.body)
		}
		var sn environments.Snapshot
		resp.json(t, &sn)
		if want := f.now.Add(-time.Hour).AddDate(0, 0, 14); !sn.ExpiresAt.Equal(want) || sn.RecordedBy != f.users["agent"].ID {
			t.Fatalf("snapshot = %+v", sn)
		}
		resp = f.do("globex", "GET", path+"/snapshots", nil)
		if resp.status != 200 || !strings.Contains(resp.body, string(sn.ID)) {
			t.Fatalf("customer's snapshots: %d %s", resp.status, resp.body)
		}
		if r := f.do("globex", "GET", path+"/snapshots?since=yesterday", nil); r.status != 400 || !strings.Contains(r.body, `"field":"since"`) {
			t.Errorf("bad since: %d %s", r.status, r.body)
		}

		// Globex's administrator agrees to the policy; the partner may not.
		if r := f.do("partner", "POST", path+"/backup-agreement", nil); r.status != 403 {
			t.Errorf("partner agreeing: %d", r.status)
		}
		resp = f.do("globex", "POST", path+"/backup-agreement", nil)
		if resp.status != 200 || !strings.Contains(resp.body, `"agreed_by":"`+string(f.users["globex"].ID)+`"`) {
			t.Fatalf("agreement: %d %s", resp.status, resp.body)
		}
		if r := f.do("globex", "GET", path+"/restore-test", nil); r.status != 200 || !strings.Contains(r.body, `"restore_test":null`) {
			t.Errorf("restore test: %d %s", r.status, r.body)
		}

		// Alerts are the vendor's.
		if r := f.do("auditor", "GET", "/api/v1/environment-alerts?open=true", nil); r.status != 200 || !strings.Contains(r.body, `"items":[]`) {
			t.Errorf("alerts: %d %s", r.status, r.body)
		}
		if r := f.do("globex", "GET", "/api/v1/environment-alerts", nil); r.status != 403 {
			t.Errorf("customer reading alerts: %d", r.status)
		}

		// A notice reaches Globex only, until it ends.
		resp = f.do("agent", "POST", "/api/v1/notices", map[string]any{"kind": "provider_maintenance", "title": "GCP host maintenance",
			"body": "Google restarts the hosts of southamerica-east1.", "starts_at": f.now.Add(24 * time.Hour), "ends_at": f.now.Add(26 * time.Hour),
			"environments": []accord.ID{env.ID}})
		if resp.status != http.StatusCreated {
			t.Fatalf("publish: %d %s", resp.status, resp.body)
		}
		for who, want := range map[string]bool{"globex": true, "partner": true, "acme": false} {
			r := f.do(who, "GET", "/api/v1/notices?current=true", nil)
			if r.status != 200 || strings.Contains(r.body, "GCP host maintenance") != want {
				t.Errorf("%s's notices: %d %s", who, r.status, r.body)
			}
		}
		f.at(f.now.Add(27 * time.Hour))
		if r := f.do("globex", "GET", "/api/v1/notices?current=true", nil); !strings.Contains(r.body, `"items":[]`) {
			t.Errorf("an ended notice is current: %s", r.body)
		}
		if r := f.do("globex", "GET", "/api/v1/notices", nil); !strings.Contains(r.body, "GCP host maintenance") {
			t.Errorf("an ended notice is gone from the full list: %s", r.body)
		}
	})
}
