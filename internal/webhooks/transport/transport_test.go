package transport_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"accord/internal/webhooks"
	"accord/internal/webhooks/transport"
)

// names is a resolver of made-up names, so that the test controls what a
// name resolves to, as an attacker controls their DNS.
type names map[string][]string

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	l, ok := n[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, a := range l {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

var resolver = names{
	"loopback.attacker.test": {"127.0.0.1"},
	"v6.attacker.test":       {"::1"},
	"mapped.attacker.test":   {"::ffff:127.0.0.1"},
	"metadata.attacker.test": {"169.254.169.254"},
	"ec2v6.attacker.test":    {"fd00:ec2::254"},
	"private.attacker.test":  {"10.0.0.7"},
	"cgnat.attacker.test":    {"100.64.1.1"},
	"mixed.attacker.test":    {"93.184.215.14", "127.0.0.1"},
	"receiver.lab":           {"127.0.0.1"},
}

// receiver is a local TLS endpoint counting what reaches it.
func receiver(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func tlsOf(srv *httptest.Server) *tls.Config {
	return srv.Client().Transport.(*http.Transport).TLSClientConfig
}

func TestSSRFRefusedAtConnection(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	s := transport.New(transport.Config{Resolver: resolver, TLS: tlsOf(srv), Timeout: 5 * time.Second})
	for _, host := range []string{
		"loopback.attacker.test", "v6.attacker.test", "mapped.attacker.test", "metadata.attacker.test", "ec2v6.attacker.test",
		"private.attacker.test", "cgnat.attacker.test", "mixed.attacker.test", "127.0.0.1", "[::1]", "169.254.169.254",
		"[::ffff:127.0.0.1]", "0.0.0.0",
	} {
		url := "https://" + host + ":" + port + "/hook"
		resp := s.Send(context.Background(), url, nil, []byte("{}"))
		if resp.Err == nil || !errors.Is(resp.Err, transport.ErrInternal) {
			t.Errorf("%s: %+v, want refused as internal", url, resp)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests reached the receiver", n)
	}
}

func TestAllowedHostIsReached(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	s := transport.New(transport.Config{Resolver: resolver, TLS: tlsOf(srv), Allow: webhooks.Allow{"127.0.0.1"}})
	if resp := s.Send(context.Background(), srv.URL, nil, []byte("{}")); resp.Err != nil || resp.Status != http.StatusNoContent {
		t.Fatalf("allowed address: %+v", resp)
	}
	// The allow-list names hosts: another name for the same address is
	// still refused.
	if resp := s.Send(context.Background(), "https://loopback.attacker.test:"+port+"/", nil, nil); !errors.Is(resp.Err, transport.ErrInternal) {
		t.Errorf("other name of an allowed address: %+v", resp)
	}
	if hits.Load() != 1 {
		t.Errorf("hits %d", hits.Load())
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	for _, target := range []string{"http://169.254.169.254/latest/meta-data/", "https://127.0.0.1:1/", "http://2130706433/"} {
		srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusFound)
		})
		s := transport.New(transport.Config{Resolver: resolver, TLS: tlsOf(srv), Allow: webhooks.Allow{"127.0.0.1"}})
		resp := s.Send(context.Background(), srv.URL, nil, []byte("{}"))
		if resp.Err != nil || resp.Status != http.StatusFound {
			t.Errorf("redirect to %s: %+v, want the 302 itself", target, resp)
		}
		if a := (webhooks.Attempt{Status: resp.Status}); a.Ok() {
			t.Errorf("a 302 counts as delivered")
		}
		if hits.Load() != 1 {
			t.Errorf("redirect to %s followed: %d hits", target, hits.Load())
		}
	}
}

func TestExcerptIsShort(t *testing.T) {
	srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, strings.Repeat("x", 100000))
	})
	s := transport.New(transport.Config{TLS: tlsOf(srv), Allow: webhooks.Allow{"127.0.0.1"}})
	resp := s.Send(context.Background(), srv.URL, nil, nil)
	if resp.Status != 500 || len(resp.Excerpt) > 1024 {
		t.Errorf("status %d, excerpt of %d bytes", resp.Status, len(resp.Excerpt))
	}
}

func TestCheckAtSubscription(t *testing.T) {
	s := transport.New(transport.Config{Resolver: resolver, Allow: webhooks.Allow{"receiver.lab"}})
	for url, internal := range map[string]bool{
		"https://loopback.attacker.test/": true, "https://v6.attacker.test/": true, "https://mapped.attacker.test/": true,
		"https://metadata.attacker.test/": true, "https://mixed.attacker.test/": true, "https://[::1]/": true,
		"https://receiver.lab/":    false, // allowed by name
		"https://unknown.example/": false, // does not resolve yet: checked at every connection
		"https://93.184.215.14/":   false,
	} {
		err := s.Check(context.Background(), url)
		if internal != errors.Is(err, transport.ErrInternal) {
			t.Errorf("Check(%s) = %v, want internal %v", url, err, internal)
		}
	}
}
