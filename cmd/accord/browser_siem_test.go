package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"accord/internal/siem"
)

// TestBrowserSIEM: Acme's administrator adds a syslog receiver on the
// page, tests it, and then receives, through the delivery job, the failed
// sign-in on its own account, in order after the receiver's creation;
// axe checks the page.
func TestBrowserSIEM(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	b := newBrowser(t)
	admin := b.person("Acme's administrator")
	admin.signIn("cto@acme.example")
	admin.open("/siem")
	admin.fill("#f-name", "Acme SOC", "#f-protocol", "syslog-udp", "#f-address", pc.LocalAddr().String(), "#f-actions", "siem., session.")
	admin.submit(`form[action="/siem"]`)
	admin.see(`[role="status"]`, "Receiver saved.")
	admin.see(`main table`, "Acme SOC", "syslog-udp")
	admin.checkA11y("/siem")
	admin.submit(`form[action$="/test"]`)
	admin.see(`main [role="status"]`, "The receiver accepted the test event.")

	intruder := b.person("someone guessing")
	intruder.open("/login")
	intruder.fill("#f-email", "cto@acme.example", "#f-password", "not the password at all")
	intruder.submit(`form[action="/login"]`)

	var got []string
	buf := make([]byte, 65536)
	for len(got) < 3 {
		_ = pc.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("received %v, then: %v", got, err)
		}
		p, err := siem.Parse(string(buf[:n]))
		if err != nil {
			t.Fatalf("datagram %q: %v", buf[:n], err)
		}
		got = append(got, p.MsgID)
	}
	// The test event goes out at once, the chain's events with the job:
	// they may come in either order, the chain's in its order.
	var chain []string
	for _, a := range got {
		if a != "siem.test" {
			chain = append(chain, a)
		}
	}
	if len(chain) != 2 || strings.Join(chain, " ") != "siem.receiver.create session.fail" {
		t.Fatalf("the SOC received %v", got)
	}
}
