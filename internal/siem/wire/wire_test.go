package wire_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/siem"
	"accord/internal/siem/wire"
	"accord/internal/store"
	"accord/internal/store/dbtest"
	"accord/internal/webhooks"
)

var t0 = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

// events makes n sealed events of org's chain, from seq 1.
func events(org accord.ID, n int) []audit.Event {
	var out []audit.Event
	hash := ""
	for i := range n {
		e := audit.New(accord.Actor{UserID: "usr_x", OrgID: org, Name: `Eve "quoted" ]x\`}, t0.Add(time.Duration(i)*time.Second), org,
			"session.fail", "user", "usr_x", nil)
		e.Seal(int64(i), hash)
		hash = e.Hash
		out = append(out, e)
	}
	return out
}

// pki is a test CA and a server certificate it signed for 127.0.0.1.
type pki struct {
	caPEM, certPEM, keyPEM []byte
	serverCert             tls.Certificate
}

func newPKI(t *testing.T) pki {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Accord test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	p := pki{
		caPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	p.serverCert, err = tls.X509KeyPair(p.certPEM, p.keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rsyslog is a real rsyslogd listening on TCP (octet-counted framing
// detected by imtcp), with TLS through its GnuTLS driver when p is set,
// writing each message it receives as one line of raw message to out.
type rsyslog struct {
	addr string
	out  string
}

// freePort returns a loopback port nobody listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func needRsyslog(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("rsyslogd")
	if err == nil {
		if m, _ := filepath.Glob("/usr/lib/*/rsyslog/lmnsd_gtls.so"); len(m) > 0 {
			return bin
		}
		err = fmt.Errorf("rsyslog-gnutls is not installed")
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("rsyslogd with GnuTLS is needed under CI (apt-get install rsyslog rsyslog-gnutls): %v", err)
	}
	t.Skipf("skipping: rsyslogd with GnuTLS not installed (apt-get install rsyslog rsyslog-gnutls): %v", err)
	return ""
}

// startRsyslog runs rsyslogd in the foreground on port until the test ends.
func startRsyslog(t *testing.T, port string, p *pki) rsyslog {
	t.Helper()
	bin := needRsyslog(t)
	dir := t.TempDir()
	r := rsyslog{addr: "127.0.0.1:" + port, out: filepath.Join(dir, "out.log")}
	global := fmt.Sprintf(`global(workDirectory="%s" maxMessageSize="64k")`, dir)
	input := fmt.Sprintf(`module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="%s")`, port)
	if p != nil {
		for name, b := range map[string][]byte{"ca.pem": p.caPEM, "cert.pem": p.certPEM, "key.pem": p.keyPEM} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		global = fmt.Sprintf(`global(workDirectory="%[1]s" maxMessageSize="64k" defaultNetstreamDriver="gtls"
  defaultNetstreamDriverCAFile="%[1]s/ca.pem" defaultNetstreamDriverCertFile="%[1]s/cert.pem" defaultNetstreamDriverKeyFile="%[1]s/key.pem")`, dir)
		input = fmt.Sprintf(`module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="%s")`, port)
	}
	conf := global + "\n" + input + fmt.Sprintf(`
template(name="raw" type="string" string="%%rawmsg%%\n")
action(type="omfile" file="%s" template="raw")
`, r.out)
	cf := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-n", "-f", cf, "-i", filepath.Join(dir, "rsyslogd.pid"))
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for range 200 {
		if c, err := net.Dial("tcp", r.addr); err == nil {
			c.Close()
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("rsyslogd did not listen on %s:\n%s", r.addr, stderr.String())
	return r
}

// lines waits until the receiver wrote n messages and returns them.
func (r rsyslog) lines(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	for range 200 {
		b, _ := os.ReadFile(r.out)
		got = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(b) == 0 {
			got = nil
		}
		if len(got) >= n {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("rsyslogd wrote %d messages, want %d:\n%s", len(got), n, strings.Join(got, "\n"))
	return nil
}

// check parses every line and returns the (org, seq) of each, failing on
// a message whose structured data does not match its event.
func check(t *testing.T, lines []string) []string {
	t.Helper()
	var out []string
	for _, l := range lines {
		p, err := siem.Parse(l)
		if err != nil {
			t.Fatalf("received %q: %v", l, err)
		}
		sd := p.SD[siem.SDID]
		var e audit.Event
		if err := json.Unmarshal([]byte(p.Msg), &e); err != nil {
			t.Fatalf("MSG of %q: %v", l, err)
		}
		if sd["org"] != string(e.OrgID) || sd["seq"] != strconv.FormatInt(e.Seq, 10) || sd["hash"] != e.Hash ||
			sd["actorName"] != e.ActorName || sd["action"] != e.Action || p.MsgID != e.Action || p.App != "accord" || p.Host != "desk.test" {
			t.Fatalf("structured data %v does not match event %+v", sd, e)
		}
		out = append(out, fmt.Sprintf("%s/%d", e.OrgID, e.Seq))
	}
	return out
}

func names(l []audit.Event) []string {
	var out []string
	for _, e := range l {
		out = append(out, fmt.Sprintf("%s/%d", e.OrgID, e.Seq))
	}
	return out
}

func TestRsyslogTLS(t *testing.T) {
	p := newPKI(t)
	rs := startRsyslog(t, freePort(t), &p)
	s := wire.Sender{Allow: webhooks.Allow{"127.0.0.1", "localhost"}, Host: "desk.test"}
	l := append(events("org_a", 3), events("org_b", 2)...)
	r := siem.Receiver{Protocol: siem.SyslogTLS, Address: rs.addr, CAPEM: string(p.caPEM)}
	if err := s.Send(context.Background(), r, l); err != nil {
		t.Fatal(err)
	}
	if got := check(t, rs.lines(t, 5)); strings.Join(got, " ") != strings.Join(names(l), " ") {
		t.Fatalf("received %v, want %v", got, names(l))
	}
	// A server whose certificate does not chain to the configured CA (or
	// the system roots) is refused before anything is sent.
	other := newPKI(t)
	r.CAPEM = string(other.caPEM)
	if err := s.Send(context.Background(), r, l); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Fatalf("send to an unverified server: %v", err)
	}
	r.CAPEM = ""
	if err := s.Send(context.Background(), r, l); err == nil {
		t.Fatal("send verified a test CA against the system roots")
	}
}

// TestDeliveryThroughRsyslog runs delivery from the database to two
// customers' receivers: each gets its own organization's events, in
// order, none of the other's, and a receiver that was down gets
// everything once it is back.
func TestDeliveryThroughRsyslog(t *testing.T) {
	needRsyslog(t)
	ctx := context.Background()
	db := dbtest.SQLite(t)
	d := store.NewDirectory(db)
	sys := accord.SystemActor("test")
	mk := func(kind directory.Kind, name string) accord.ID {
		o := directory.Organization{ID: accord.NewID("org"), Kind: kind, Name: name, CreatedAt: t0, UpdatedAt: t0}
		if err := d.CreateOrganization(ctx, o, audit.New(sys, t0, o.ID, "organization.create", "organization", o.ID, nil)); err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	a, b := mk(directory.KindCustomer, "A"), mk(directory.KindCustomer, "B")
	p := newPKI(t)
	portA := freePort(t)
	rsB := startRsyslog(t, freePort(t), nil)
	svc := siem.NewService(store.NewSIEM(db), wire.Sender{Allow: webhooks.Allow{"127.0.0.1", "localhost"}, Host: "desk.test", Timeout: 5 * time.Second}, siem.Config{Batch: 4})
	admin := func(org accord.ID) context.Context {
		return accord.WithActor(ctx, accord.Actor{UserID: "usr_" + org, OrgID: org, Role: accord.RoleCustomerContact, CustomerAdmin: true})
	}
	create := func(org accord.ID, proto siem.Protocol, addr, ca string) siem.Receiver {
		r, err := svc.Create(admin(org), t0, siem.Input{Name: new("SOC"), Protocol: &proto, Address: &addr, CAPEM: &ca})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ra := create(a, siem.SyslogTLS, "127.0.0.1:"+portA, string(p.caPEM))
	rb := create(b, siem.SyslogTCP, rsB.addr, "")
	for i := range 5 {
		for _, org := range []accord.ID{a, b} {
			ev := audit.New(sys, t0, org, "session.fail", "user", accord.ID(fmt.Sprint("usr_", i)), nil)
			if err := d.RecordEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	run := accord.WithActor(ctx, sys)
	drain := func(id accord.ID) {
		for range 10 {
			r, err := svc.Get(run, id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status.Lag == 0 {
				return
			}
			if err := svc.Deliver(run, t0, id); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatalf("receiver %s did not catch up", id)
	}
	// A's receiver is down: the attempt fails and its cursor stays.
	if err := svc.Deliver(run, t0, ra.ID); err == nil {
		t.Fatal("delivery to a stopped receiver succeeded")
	}
	if r, _ := svc.Get(run, ra.ID); r.Status.Failures != 1 || r.Status.Lag != 6 || r.Status.LastError == "" {
		t.Fatalf("after the failure: %+v", r.Status)
	}
	drain(rb.ID)
	rsA := startRsyslog(t, portA, &p)
	drain(ra.ID)
	for _, tc := range []struct {
		rs  rsyslog
		org accord.ID
	}{{rsA, a}, {rsB, b}} {
		got := check(t, tc.rs.lines(t, 6))
		var want []string
		for seq := 2; seq <= 7; seq++ { // after organization.create
			want = append(want, fmt.Sprintf("%s/%d", tc.org, seq))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("%s's receiver got %v, want %v", tc.org, got, want)
		}
	}
}

func TestUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	l := events("org_a", 3)
	if err := (wire.Sender{Allow: webhooks.Allow{"127.0.0.1", "localhost"}, Host: "desk.test"}).Send(context.Background(), siem.Receiver{Protocol: siem.SyslogUDP, Address: pc.LocalAddr().String()}, l); err != nil {
		t.Fatal(err)
	}
	var got []string
	buf := make([]byte, 65536)
	for range l {
		_ = pc.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(buf[:n]))
	}
	if g := check(t, got); strings.Join(g, " ") != strings.Join(names(l), " ") {
		t.Fatalf("datagrams %v, want %v", g, names(l))
	}
}

// TestPlainTCPFraming reads the octet-counted stream itself: LEN SP MSG.
func TestPlainTCPFraming(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		var msgs []string
		for {
			n, err := br.ReadString(' ')
			if err != nil {
				break
			}
			size, _ := strconv.Atoi(strings.TrimSuffix(n, " "))
			m := make([]byte, size)
			if _, err := io.ReadFull(br, m); err != nil {
				break
			}
			msgs = append(msgs, string(m))
		}
		got <- msgs
	}()
	l := events("org_a", 4)
	if err := (wire.Sender{Allow: webhooks.Allow{"127.0.0.1", "localhost"}, Host: "desk.test"}).Send(context.Background(), siem.Receiver{Protocol: siem.SyslogTCP, Address: ln.Addr().String()}, l); err != nil {
		t.Fatal(err)
	}
	if g := check(t, <-got); strings.Join(g, " ") != strings.Join(names(l), " ") {
		t.Fatalf("frames %v, want %v", g, names(l))
	}
}

func TestHTTPSJSONLines(t *testing.T) {
	var bodies [][]audit.Event
	status := http.StatusServiceUnavailable
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/x-ndjson" || r.Header.Get("Authorization") != "Splunk tok" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if status != http.StatusOK {
			http.Error(w, "maintenance", status)
			return
		}
		var l []audit.Event
		dec := json.NewDecoder(r.Body)
		for dec.More() {
			var e audit.Event
			if err := dec.Decode(&e); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			l = append(l, e)
		}
		bodies = append(bodies, l)
	}))
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	r := siem.Receiver{Protocol: siem.HTTPSJSONLines, Address: srv.URL + "/ingest", CAPEM: string(ca), Authorization: "Splunk tok"}
	l := events("org_a", 3)
	s := wire.Sender{Allow: webhooks.Allow{"127.0.0.1", "localhost"}, Host: "desk.test"}
	if err := s.Send(context.Background(), r, l); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("a 503 answer: %v", err)
	}
	status = http.StatusOK
	if err := s.Send(context.Background(), r, l); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 || strings.Join(names(bodies[0]), " ") != strings.Join(names(l), " ") || bodies[0][2].Hash != l[2].Hash {
		t.Fatalf("posted %v", bodies)
	}
	r.CAPEM = ""
	if err := s.Send(context.Background(), r, l); err == nil {
		t.Fatal("posted to a server the system roots do not trust")
	}
}

// An organization's receiver reaches only public addresses, whatever its
// name resolves to, over every protocol: a customer's administrator must
// not make the server probe the vendor's network. The vendor's receiver,
// which reads every chain, and hosts on the allow-list may be internal.
func TestOrganizationReceiverMayNotReachInternalAddresses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	l := events("org_a", 1)
	for _, tc := range []struct {
		name     string
		r        siem.Receiver
		allow    webhooks.Allow
		internal bool
	}{
		{"tcp loopback", siem.Receiver{Protocol: siem.SyslogTCP, Address: ln.Addr().String()}, nil, true},
		{"tcp localhost", siem.Receiver{Protocol: siem.SyslogTCP, Address: fmt.Sprintf("localhost:%d", port)}, nil, true},
		{"udp loopback", siem.Receiver{Protocol: siem.SyslogUDP, Address: "127.0.0.1:514"}, nil, true},
		{"udp metadata", siem.Receiver{Protocol: siem.SyslogUDP, Address: "169.254.169.254:514"}, nil, true},
		{"https loopback", siem.Receiver{Protocol: siem.HTTPSJSONLines, Address: fmt.Sprintf("https://127.0.0.1:%d/", port)}, nil, true},
		{"vendor's receiver", siem.Receiver{AllOrgs: true, Protocol: siem.SyslogTCP, Address: ln.Addr().String()}, nil, false},
		{"allowed host", siem.Receiver{Protocol: siem.SyslogTCP, Address: ln.Addr().String()}, webhooks.Allow{"127.0.0.1"}, false},
	} {
		err := (wire.Sender{Host: "desk.test", Timeout: 5 * time.Second, Allow: tc.allow}).Send(context.Background(), tc.r, l)
		refused := err != nil && strings.Contains(err.Error(), "internal address")
		if refused != tc.internal {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
