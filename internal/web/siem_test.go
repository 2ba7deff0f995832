package web

import (
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"accord/internal/siem"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestSIEMPage: a customer's administrator adds its receiver (in
// Portuguese), tests it against a UDP listener and sees its status; its
// plain contacts are refused and another customer does not see it.
func TestSIEMPage(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if r := f.post("acme-admin", "/siem", url.Values{"name": {"SOC"}, "protocol": {"syslog-tls"}, "address": {"no port"}}); r.status != 422 && r.status != 400 {
		t.Fatalf("a bad address: %d", r.status)
	} else if !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatal("the bad address is not marked")
	}
	mustPost(t, f.post("acme-admin", "/siem", url.Values{"name": {"SOC Acme"}, "protocol": {"syslog-udp"}, "address": {pc.LocalAddr().String()},
		"actions": {"session., token."}}), "add a receiver")
	page := f.page("acme-admin", "/siem")
	if !strings.Contains(page, "SOC Acme") || !strings.Contains(page, "Eventos de segurança para um SIEM") || !strings.Contains(page, "<code>session.</code>") {
		t.Fatal("the Portuguese page does not list the receiver with its filter")
	}
	l, err := siem.NewService(store.NewSIEM(f.db), nil, siem.Config{}).List(f.as("acme-admin"))
	if err != nil || len(l) != 1 {
		t.Fatalf("receivers: %v, %v", l, err)
	}
	r := f.post("acme-admin", "/siem/"+string(l[0].ID)+"/test", url.Values{})
	if r.status != 200 || !strings.Contains(r.body, "O receptor aceitou o evento de teste.") {
		t.Fatalf("test: %d", r.status)
	}
	buf := make([]byte, 65536)
	_ = pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := pc.ReadFrom(buf)
	if p, perr := siem.Parse(string(buf[:n])); err != nil || perr != nil || p.MsgID != "siem.test" {
		t.Fatalf("test datagram %q: %v %v", buf[:n], err, perr)
	}
	if r := f.get("acme", "/siem"); r.status != 403 {
		t.Fatalf("a plain contact: %d", r.status)
	}
	if page := f.page("globex", "/siem"); strings.Contains(page, "SOC Acme") {
		t.Fatal("another customer sees Acme's receiver")
	}
	mustPost(t, f.post("acme-admin", "/siem/"+string(l[0].ID)+"/delete", url.Values{}), "delete")
}
