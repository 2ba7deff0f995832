package web

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"accord/internal/store/dbtest"
)

// TestWebhookPages: a customer's administrator (in Portuguese) subscribes
// an endpoint and sees the secret once; an internal address is refused at
// its field; the subscription page queues a test message and lists it;
// another customer's administrator gets 404 for it; a contact who is no
// administrator is refused.
func TestWebhookPages(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	r := f.post("acme-admin", "/webhooks", url.Values{"url": {"http://169.254.169.254/latest"}, "types": {"case.breached"}})
	if r.status != 422 || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatalf("metadata address: %d", r.status)
	}
	r = f.post("acme-admin", "/webhooks", url.Values{"url": {"https://hooks.acme.example/accord"}, "types": {"case.breached", "case.opened"}, "description": {"CRM"}})
	if r.status != 200 || !strings.Contains(r.body, "Segredo de assinatura") {
		t.Fatalf("create: %d", r.status)
	}
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`).FindString(r.body)
	if secret == "" {
		t.Fatal("no secret shown")
	}
	list := f.page("acme-admin", "/webhooks")
	m := regexp.MustCompile(`href="/webhooks/(whk_[a-z0-9]+)"`).FindStringSubmatch(list)
	if m == nil || strings.Contains(list, secret) {
		t.Fatalf("the list has no link to the subscription, or shows the secret")
	}
	path := "/webhooks/" + m[1]
	if page := f.page("acme-admin", path); strings.Contains(page, secret) || !strings.Contains(page, "hooks.acme.example") {
		t.Error("the subscription page shows the secret again, or not the URL")
	}
	mustPost(t, f.post("acme-admin", path+"/test", url.Values{}), "test message")
	if page := f.page("acme-admin", path); !strings.Contains(page, "webhook.test") || !strings.Contains(page, "Pendente") {
		t.Error("the test message is not listed as pending")
	}
	if r := f.get("globex", path); r.status != 404 {
		t.Errorf("globex's administrator reads acme's subscription: %d", r.status)
	}
	if r := f.get("acme", "/webhooks"); r.status != 403 {
		t.Errorf("a contact who is no administrator: %d", r.status)
	}
	if page := f.page("admin", "/webhooks"); !strings.Contains(page, "hooks.acme.example") {
		t.Error("the vendor's administrator does not see acme's subscription")
	}
	mustPost(t, f.post("acme-admin", path+"/delete", url.Values{}), "delete")
	if page := f.page("acme-admin", "/webhooks"); strings.Contains(page, "hooks.acme.example") {
		t.Error("deleted, still listed")
	}
}
