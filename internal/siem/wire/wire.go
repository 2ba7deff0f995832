// Package wire sends events to SIEM receivers over the network: RFC 5424
// syslog over TLS (RFC 5425), plain TCP with the same octet-counted
// framing, UDP (RFC 5426), and JSON lines posted over HTTPS. It is the
// siem package's Transport, kept apart so that the domain stays free of
// sockets.
package wire

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"accord/internal/audit"
	"accord/internal/siem"
	"accord/internal/webhooks"
)

// Sender implements siem.Transport.
type Sender struct {
	// Host names this Accord in syslog headers.
	Host string
	// Timeout bounds one attempt: connecting and sending a batch. 20 s by
	// default, well inside a job's lease.
	Timeout time.Duration
	// Allow names the internal hosts an organization's receiver may reach
	// (ACCORD_SIEM_ALLOW_HOSTS): labs and tests.
	Allow webhooks.Allow
}

// dialer connects to r. A receiver that reads one organization's chain is
// configured by that organization's administrator, so it may reach only
// public addresses, checked on the socket itself (whatever the name
// resolved to), like a webhook's: otherwise a customer could make the
// server probe the vendor's network. The vendor's own receiver, which
// reads every chain, may sit on the vendor's network.
func (s Sender) dialer(r siem.Receiver, host string) (*net.Dialer, bool) {
	d := &net.Dialer{}
	if r.AllOrgs || s.Allow.Has(strings.ToLower(host)) {
		return d, false
	}
	d.Control = func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if webhooks.Internal(ap.Addr()) {
			return fmt.Errorf("%s is an internal address (loopback, private, link-local or metadata): an organization's receiver must be public", ap.Addr())
		}
		return nil
	}
	return d, true
}

// Send delivers events to r in order and returns once all were accepted.
func (s Sender) Send(ctx context.Context, r siem.Receiver, events []audit.Event) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch r.Protocol {
	case siem.SyslogTLS, siem.SyslogTCP:
		return s.stream(ctx, r, events)
	case siem.SyslogUDP:
		return s.datagrams(ctx, r, events)
	case siem.HTTPSJSONLines:
		return s.post(ctx, r, events)
	}
	return fmt.Errorf("unknown protocol %q", r.Protocol)
}

// tlsConfig verifies the server against r's CA certificates, or the
// system roots when it names none.
func tlsConfig(r siem.Receiver, host string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if r.CAPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(r.CAPEM)) {
			return nil, errors.New("the receiver's CA certificates do not parse")
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// stream writes every message octet-counted on one connection. A TCP
// write that returned is not yet a message the receiver kept, so the
// connection is half-closed and read to its end: rsyslog and syslog-ng
// close their side only after they read everything before the FIN.
func (s Sender) stream(ctx context.Context, r siem.Receiver, events []audit.Event) error {
	host, _, _ := net.SplitHostPort(r.Address)
	d, _ := s.dialer(r, host)
	conn, err := d.DialContext(ctx, "tcp", r.Address)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	var closeWrite func() error
	if tc, ok := conn.(*net.TCPConn); ok {
		closeWrite = tc.CloseWrite
	}
	if r.Protocol == siem.SyslogTLS {
		host, _, _ := net.SplitHostPort(r.Address)
		cfg, err := tlsConfig(r, host)
		if err != nil {
			return err
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		conn, closeWrite = tc, tc.CloseWrite
	}
	var buf bytes.Buffer
	for _, e := range events {
		buf.Write(siem.Frame(siem.Message(s.Host, e)))
	}
	if _, err := conn.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if closeWrite != nil {
		if err := closeWrite(); err != nil {
			return fmt.Errorf("close: %w", err)
		}
		if _, err := io.Copy(io.Discard, conn); err != nil {
			return fmt.Errorf("close: %w", err)
		}
	}
	return nil
}

// datagrams sends one message per datagram. UDP confirms nothing: what a
// lab receiver misses is lost, which is why it is for labs.
func (s Sender) datagrams(ctx context.Context, r siem.Receiver, events []audit.Event) error {
	host, _, _ := net.SplitHostPort(r.Address)
	d, _ := s.dialer(r, host)
	conn, err := d.DialContext(ctx, "udp", r.Address)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	for _, e := range events {
		if _, err := conn.Write(siem.Message(s.Host, e)); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	return nil
}

// post sends the batch as newline-delimited JSON, one event a line; any
// 2xx answer accepts all of it. Redirects are not followed: the
// receiver's address is the one its administrator configured.
func (s Sender) post(ctx context.Context, r siem.Receiver, events []audit.Event) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Address, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("User-Agent", "Accord-SIEM/1")
	if r.Authorization != "" {
		req.Header.Set("Authorization", r.Authorization)
	}
	cfg, err := tlsConfig(r, req.URL.Hostname())
	if err != nil {
		return err
	}
	d, restricted := s.dialer(r, req.URL.Hostname())
	proxy := http.ProxyFromEnvironment
	if restricted {
		// A proxy would connect on our behalf, past the dialer's check.
		proxy = nil
	}
	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: cfg, Proxy: proxy, DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("receiver answered %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
