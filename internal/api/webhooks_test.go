package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"accord/internal/store/dbtest"
)

// TestWebhooksAPI: a vendor administrator subscribes an https endpoint and
// gets its secret once; the metadata service, loopback and numeric forms
// are refused as the URL field; rotation answers a new secret; a customer
// administrator sees its own subscriptions only and the subscription's
// audit events are written.
func TestWebhooksAPI(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	for _, u := range []string{"http://169.254.169.254/", "https://169.254.169.254/", "https://2130706433/", "https://0177.0.0.1/",
		"https://[::1]/", "https://localhost/", "https://a:b@hooks.example.com/", "http://hooks.example.com/"} {
		resp := f.do("admin", "POST", "/api/v1/webhooks", `{"url":"`+u+`","types":["case.breached"]}`)
		if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"url"`) {
			t.Errorf("subscribing %s: %d %s", u, resp.status, resp.body)
		}
	}
	resp := f.do("admin", "POST", "/api/v1/webhooks", `{"url":"https://hooks.example.com/accord","types":["case.breached","case.opened"],"description":"CRM"}`)
	if resp.status != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.status, resp.body)
	}
	var created struct {
		ID      string `json:"id"`
		Secret  string `json:"secret"`
		AllOrgs bool   `json:"all_orgs"`
	}
	if err := json.Unmarshal([]byte(resp.body), &created); err != nil || !strings.HasPrefix(created.Secret, "whsec_") || !created.AllOrgs {
		t.Fatalf("created %s", resp.body)
	}
	if resp := f.do("admin", "GET", "/api/v1/webhooks/"+created.ID, nil); resp.status != 200 || strings.Contains(resp.body, created.Secret) {
		t.Errorf("get shows the secret or fails: %d %s", resp.status, resp.body)
	}
	resp = f.do("admin", "POST", "/api/v1/webhooks/"+created.ID+"/rotate-secret", nil)
	if resp.status != 200 || strings.Contains(resp.body, created.Secret) || !strings.Contains(resp.body, "prev_secret_until") {
		t.Errorf("rotate: %d %s", resp.status, resp.body)
	}
	if resp := f.do("admin", "PATCH", "/api/v1/webhooks/"+created.ID, `{"types":["case.nothing"]}`); resp.status != 400 {
		t.Errorf("unknown type: %d %s", resp.status, resp.body)
	}
	if resp := f.do("acme-admin", "GET", "/api/v1/webhooks/"+created.ID, nil); resp.status != 404 {
		t.Errorf("acme's admin reads the vendor's subscription: %d", resp.status)
	}
	if resp := f.do("acme", "GET", "/api/v1/webhooks", nil); resp.status != 403 {
		t.Errorf("a contact who is no administrator lists webhooks: %d", resp.status)
	}
	resp = f.do("acme-admin", "POST", "/api/v1/webhooks", `{"url":"https://hooks.acme.example/","types":["case.breached"]}`)
	if resp.status != 201 || strings.Contains(resp.body, `"all_orgs":true`) {
		t.Fatalf("acme's admin subscribes: %d %s", resp.status, resp.body)
	}
	if resp := f.do("acme-admin", "GET", "/api/v1/webhooks", nil); strings.Contains(resp.body, created.ID) {
		t.Errorf("acme lists the vendor's subscription: %s", resp.body)
	}
	if resp := f.do("admin", "POST", "/api/v1/webhooks/"+created.ID+"/test", nil); resp.status != 202 {
		t.Errorf("test: %d %s", resp.status, resp.body)
	}
	if resp := f.do("admin", "GET", "/api/v1/webhooks/"+created.ID+"/deliveries", nil); resp.status != 200 || !strings.Contains(resp.body, "webhook.test") {
		t.Errorf("deliveries: %d %s", resp.status, resp.body)
	}
	if resp := f.do("admin", "DELETE", "/api/v1/webhooks/"+created.ID, nil); resp.status != 204 {
		t.Errorf("delete: %d %s", resp.status, resp.body)
	}
	actions := map[string]int{}
	for _, e := range f.events() {
		if e.EntityType == "webhook" {
			actions[e.Action]++
		}
	}
	for _, a := range []string{"webhook.create", "webhook.rotate_secret", "webhook.test", "webhook.delete"} {
		if actions[a] == 0 {
			t.Errorf("no %s audit event (%v)", a, actions)
		}
	}
}
