package webhooks_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/webhooks"
)

// verify is an independent Standard Webhooks verifier, written from the
// specification: it accepts the message if any v1 signature of the header
// matches HMAC-SHA256(base64-decoded secret, "id.timestamp.body").
func verify(secret, id, ts, sigHeader string, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", id, ts, body)
	want := mac.Sum(nil)
	for _, part := range strings.Fields(sigHeader) {
		v, sig, ok := strings.Cut(part, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

func TestSignStandardWebhooksExample(t *testing.T) {
	// The example of the Standard Webhooks specification.
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	id, ts := "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	got, err := webhooks.Sign([]string{secret}, id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
}

func TestSignWithTwoSecrets(t *testing.T) {
	a, b := webhooks.NewSecret(), webhooks.NewSecret()
	if !strings.HasPrefix(a, "whsec_") || a == b {
		t.Fatalf("secrets %q %q", a, b)
	}
	body := []byte(`{"type":"case.breached"}`)
	sig, err := webhooks.Sign([]string{a, b}, "msg_1", time.Unix(1700000000, 0), body)
	if err != nil {
		t.Fatal(err)
	}
	if len(strings.Fields(sig)) != 2 {
		t.Fatalf("want two signatures, got %q", sig)
	}
	for _, s := range []string{a, b} {
		if !verify(s, "msg_1", "1700000000", sig, body) {
			t.Errorf("secret %s does not verify %s", s, sig)
		}
	}
	if verify(webhooks.NewSecret(), "msg_1", "1700000000", sig, body) || verify(a, "msg_1", "1700000001", sig, body) {
		t.Error("a wrong secret or timestamp verified")
	}
}

func TestSecretsDuringRotation(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	until := now.Add(webhooks.RotationGrace)
	s := webhooks.Subscription{Secret: "new", PrevSecret: "old", PrevSecretUntil: &until}
	if got := s.Secrets(now); !slices.Equal(got, []string{"new", "old"}) {
		t.Errorf("within the grace: %v", got)
	}
	if got := s.Secrets(until); !slices.Equal(got, []string{"new"}) {
		t.Errorf("after the grace: %v", got)
	}
}

func TestTypesOf(t *testing.T) {
	ev := func(entity, action string, ch ...audit.Change) audit.Event {
		return audit.Event{EntityType: entity, Action: action, Changes: ch}
	}
	state := func(after string) audit.Change { return audit.Change{Field: "state", Before: "new", After: after} }
	for _, c := range []struct {
		ev   audit.Event
		want []webhooks.Type
	}{
		{ev("case", "case.open", state("new")), []webhooks.Type{webhooks.CaseOpened}},
		{ev("case", "case.reply"), []webhooks.Type{webhooks.CaseReplied}},
		{ev("case", "case.reply", state("resolved")), []webhooks.Type{webhooks.CaseReplied, webhooks.CaseResolved}},
		{ev("case", "case.reclassify"), []webhooks.Type{webhooks.CaseReclassified}},
		{ev("case", "case.sla_warning"), []webhooks.Type{webhooks.CaseWarned}},
		{ev("case", "case.sla_breach", audit.Change{Field: "breached_at", After: "2026-12-07T12:00:00Z"}), []webhooks.Type{webhooks.CaseBreached}},
		{ev("case", "case.reply", audit.Change{Field: "breached_at", After: "2026-12-07T12:00:00Z"}), []webhooks.Type{webhooks.CaseReplied, webhooks.CaseBreached}},
		{ev("case", "case.resolve", state("resolved")), []webhooks.Type{webhooks.CaseResolved}},
		{ev("case", "case.close", state("closed")), []webhooks.Type{webhooks.CaseClosed}},
		{ev("case", "case.auto_close", state("closed")), []webhooks.Type{webhooks.CaseClosed}},
		{ev("case", "case.note"), nil},
		{ev("engagement", "engagement.accept", state("accepted")), []webhooks.Type{webhooks.EngagementState}},
		{ev("engagement", "engagement.step"), nil},
		{ev("change", "change.approve", state("approved")), []webhooks.Type{webhooks.ChangeRequestState}},
		{ev("known_issue", "known_issue.publish"), []webhooks.Type{webhooks.KnownIssuePublished}},
		{ev("known_issue", "known_issue.fix"), []webhooks.Type{webhooks.KnownIssueUpdated}},
		{ev("user", "user.create"), nil},
	} {
		if got := webhooks.TypesOf(c.ev); !slices.Equal(got, c.want) {
			t.Errorf("%s %s: %v, want %v", c.ev.EntityType, c.ev.Action, got, c.want)
		}
		if len(c.want) > 0 && !webhooks.Triggers(c.ev.EntityType) {
			t.Errorf("%s does not trigger the fan-out", c.ev.EntityType)
		}
	}
}

func TestBodyIsVersionedJSON(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	b := webhooks.Body("msg_x", webhooks.CaseBreached, audit.Event{OrgID: "org_a", Seq: 7, ID: "aud_1", At: at, EntityType: "case", EntityID: "cas_1", Action: "case.sla_breach"})
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if p["type"] != "case.breached" || p["version"] != 1.0 || p["id"] != "msg_x" || p["timestamp"] != "2026-12-07T12:00:00Z" {
		t.Errorf("payload %s", b)
	}
	data := p["data"].(map[string]any)
	if data["entity_id"] != "cas_1" || data["org_id"] != "org_a" || data["audit_seq"] != 7.0 {
		t.Errorf("data %v", data)
	}
}

func TestCheckURL(t *testing.T) {
	allow := webhooks.Allow{"receiver.lab", "127.0.0.1"}
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.com/accord", true},
		{"https://hooks.example.com:8443/a?b=c", true},
		{"https://93.184.215.14/x", true},
		{"http://hooks.example.com/", false}, // plain http only for allowed hosts
		{"http://receiver.lab:8080/", true},
		{"https://127.0.0.1:9999/", true}, // allowed by name
		{"ftp://hooks.example.com/", false},
		{"https://user:pass@hooks.example.com/", false},
		{"https://hooks.example.com@127.0.0.1/", false},
		{"https://localhost/", false},
		{"https://metadata.google.internal/", false},
		{"https://[::1]/", false},
		{"https://[::ffff:127.0.0.1]/", false},
		{"https://[::ffff:169.254.169.254]/", false},
		{"https://[fd00:ec2::254]/", false},
		{"https://[fe80::1]/", false},
		{"http://169.254.169.254/", false},
		{"https://169.254.169.254/latest/meta-data/", false},
		{"https://10.0.0.1/", false},
		{"https://172.16.5.4/", false},
		{"https://192.168.1.1/", false},
		{"https://100.64.0.1/", false},
		{"https://0.0.0.0/", false},
		{"https://224.0.0.1/", false},
		{"https://2130706433/", false},   // decimal 127.0.0.1
		{"https://0177.0.0.1/", false},   // octal
		{"https://0x7f.1/", false},       // hex, short form
		{"https://0x7f000001/", false},   // hex
		{"https://017700000001/", false}, // octal, one part
		{"https://127.1/", false},
		{"https://[64:ff9b::7f00:1]/", false}, // NAT64 of loopback
		{"https://", false},
		{"hooks.example.com/x", false},
		{"https://hooks.example.com/#frag", false},
		{"https://exa mple.com/", false},
	} {
		_, err := webhooks.CheckURL(c.url, allow)
		if (err == nil) != c.ok {
			t.Errorf("CheckURL(%q) = %v, want ok %v", c.url, err, c.ok)
		}
		if err != nil && !accord.IsKind(err, accord.Invalid) {
			t.Errorf("CheckURL(%q): %v is not Invalid", c.url, err)
		}
	}
}

func TestInternal(t *testing.T) {
	for _, c := range []struct {
		addr     string
		internal bool
	}{
		{"127.0.0.1", true}, {"127.255.0.9", true}, {"::1", true}, {"10.1.2.3", true}, {"172.31.255.255", true},
		{"192.168.0.1", true}, {"169.254.169.254", true}, {"fd00:ec2::254", true}, {"fe80::1", true},
		{"100.64.0.1", true}, {"100.127.255.255", true}, {"0.0.0.0", true}, {"::", true}, {"224.0.0.251", true},
		{"ff02::1", true}, {"::ffff:10.0.0.1", true}, {"::ffff:169.254.169.254", true}, {"fc00::1", true},
		{"255.255.255.255", true}, {"64:ff9b::a00:1", true},
		{"8.8.8.8", false}, {"93.184.215.14", false}, {"2606:4700::1111", false}, {"100.128.0.1", false},
		{"172.32.0.1", false}, {"64:ff9b::808:808", false},
	} {
		if got := webhooks.Internal(netip.MustParseAddr(c.addr)); got != c.internal {
			t.Errorf("Internal(%s) = %v, want %v", c.addr, got, c.internal)
		}
	}
}

// inetAtonForm is a host every part of which inet_aton reads as a number.
var inetAtonForm = regexp.MustCompile(`^((0[xX][0-9a-fA-F]*|[0-9]+)\.)*(0[xX][0-9a-fA-F]*|[0-9]+)\.?$`)

// FuzzCheckURL: whatever the input, an accepted URL is https (or an
// allowed host), has no user information, and a host that is a literal
// address is not internal.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/a", "http://2130706433/", "https://0x7f.1/", "https://[::ffff:127.0.0.1]/",
		"https://a@b/", "http://receiver.lab/", "https://127.0.0.1./", "https://%31%32%37.0.0.1/", "https://１２７.0.0.1/"} {
		f.Add(s)
	}
	allow := webhooks.Allow{"receiver.lab"}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := webhooks.CheckURL(raw, allow)
		if err != nil {
			return
		}
		host := strings.ToLower(u.Hostname())
		if u.User != nil {
			t.Fatalf("%q accepted with user information", raw)
		}
		if allow.Has(host) {
			return
		}
		if u.Scheme != "https" {
			t.Fatalf("%q accepted with scheme %q", raw, u.Scheme)
		}
		if a, err := netip.ParseAddr(host); err == nil && webhooks.Internal(a) {
			t.Fatalf("%q accepted with internal address %s", raw, a)
		}
		if _, err := netip.ParseAddr(host); err != nil && (host == "localhost" || inetAtonForm.MatchString(host)) {
			t.Fatalf("%q accepted with host %q", raw, host)
		}
	})
}
