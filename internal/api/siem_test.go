package api

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"accord/internal/siem"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestSIEMOverHTTP: a customer's administrator manages its organization's
// receiver and tests it against a UDP listener; its contacts may not; the
// vendor's administrator makes one that reads everything.
func TestSIEMOverHTTP(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		resp := f.do("acme-admin", "POST", "/api/v1/siem/receivers", map[string]any{"name": "Acme SOC", "protocol": "syslog-udp",
			"address": pc.LocalAddr().String(), "actions": []string{"session."}})
		if resp.status != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.status, resp.body)
		}
		var rc siem.Receiver
		if err := json.Unmarshal([]byte(resp.body), &rc); err != nil || rc.OrgID != f.orgs["acme"].ID || rc.AllOrgs || rc.Status.Lag != 1 {
			t.Fatalf("created %s (%v)", resp.body, err)
		}
		if resp := f.do("acme", "GET", "/api/v1/siem/receivers", nil); resp.status != http.StatusForbidden {
			t.Fatalf("a plain contact lists receivers: %d", resp.status)
		}
		if resp := f.do("globex", "GET", "/api/v1/siem/receivers/"+string(rc.ID), nil); resp.status != http.StatusNotFound {
			t.Fatalf("another customer's administrator reads it: %d", resp.status)
		}
		if resp := f.do("acme-admin", "POST", "/api/v1/siem/receivers", map[string]any{"name": "Bad", "protocol": "syslog-tls", "address": "no port"}); resp.status != http.StatusBadRequest || !strings.Contains(resp.body, "address") {
			t.Fatalf("a bad address: %d %s", resp.status, resp.body)
		}
		resp = f.do("acme-admin", "PATCH", "/api/v1/siem/receivers/"+string(rc.ID), map[string]any{"name": "Acme SOC 2"})
		if resp.status != http.StatusOK || !strings.Contains(resp.body, `"Acme SOC 2"`) {
			t.Fatalf("update: %d %s", resp.status, resp.body)
		}
		resp = f.do("acme-admin", "POST", "/api/v1/siem/receivers/"+string(rc.ID)+"/test", nil)
		if resp.status != http.StatusOK || !strings.Contains(resp.body, `"ok":true`) {
			t.Fatalf("test: %d %s", resp.status, resp.body)
		}
		buf := make([]byte, 65536)
		_ = pc.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		p, err := siem.Parse(string(buf[:n]))
		if err != nil || p.MsgID != "siem.test" || p.SD[siem.SDID]["org"] != string(f.orgs["acme"].ID) {
			t.Fatalf("test message %q: %+v, %v", buf[:n], p, err)
		}
		resp = f.do("admin", "POST", "/api/v1/siem/receivers", map[string]any{"name": "Vendor SOC", "protocol": "https-jsonl",
			"address": "https://siem.vendor.example/ingest", "authorization": "Splunk t0ken"})
		if resp.status != http.StatusCreated || !strings.Contains(resp.body, `"all_orgs":true`) || strings.Contains(resp.body, "t0ken") {
			t.Fatalf("vendor's receiver: %d %s", resp.status, resp.body)
		}
		if resp := f.do("auditor", "GET", "/api/v1/siem/receivers", nil); resp.status != http.StatusOK || strings.Count(resp.body, `"id"`) != 2 {
			t.Fatalf("the auditor's list: %d %s", resp.status, resp.body)
		}
		if resp := f.do("acme-admin", "DELETE", "/api/v1/siem/receivers/"+string(rc.ID), nil); resp.status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", resp.status, resp.body)
		}
		var actions []string
		for _, e := range f.events() {
			if strings.HasPrefix(e.Action, "siem.") {
				actions = append(actions, e.Action)
			}
		}
		if got := strings.Join(actions, " "); strings.Count(got, "siem.receiver.create") != 2 || !strings.Contains(got, "siem.receiver.update") || !strings.Contains(got, "siem.receiver.delete") {
			t.Fatalf("audited: %s", got)
		}
	})
}
