// Package transport sends webhooks over HTTP so that no request reaches an
// internal address: every connection resolves its host itself, refuses
// loopback, private, link-local, metadata and other internal addresses
// (webhooks.Internal), and connects to the address it checked, so a second
// resolution cannot swap it (DNS rebinding). Redirects are not followed.
package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"accord/internal/webhooks"
)

// Resolver looks host names up; *net.Resolver is one, tests give their own.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Config tunes a Sender; zero values take the defaults.
type Config struct {
	Allow    webhooks.Allow // hosts that may be internal
	Resolver Resolver       // net.DefaultResolver
	Timeout  time.Duration  // of a whole request: 10 s
	TLS      *tls.Config    // e.g. a test's root certificates
}

// Sender implements webhooks.Sender.
type Sender struct {
	client *http.Client
	cfg    Config
}

// ErrInternal refuses a connection to an internal address.
var ErrInternal = errors.New("the address is internal (loopback, private, link-local or metadata): refused")

// New returns a sender.
func New(cfg Config) *Sender {
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		allowed := cfg.Allow.Has(strings.ToLower(host))
		var addrs []netip.Addr
		if a, err := netip.ParseAddr(host); err == nil {
			addrs = []netip.Addr{a}
		} else if addrs, err = cfg.Resolver.LookupNetIP(ctx, "ip", host); err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("%s resolves to no address", host)
		}
		for _, a := range addrs {
			// One internal address among several is refused outright:
			// a name that can point inside is not a public endpoint.
			if !allowed && webhooks.Internal(a) {
				return nil, fmt.Errorf("%s resolves to %s: %w", host, a, ErrInternal)
			}
		}
		// Connect to the checked address itself; Control checks again what
		// the socket really connects to.
		d := *dialer
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			if !allowed && webhooks.Internal(ap.Addr()) {
				return fmt.Errorf("%s: %w", ap.Addr(), ErrInternal)
			}
			return nil
		}
		return d.DialContext(ctx, network, net.JoinHostPort(addrs[0].Unmap().String(), port))
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would resolve the name again, elsewhere
		DialContext:           dial,
		TLSClientConfig:       cfg.TLS,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	return &Sender{cfg: cfg, client: &http.Client{
		Transport: tr,
		Timeout:   cfg.Timeout,
		// A redirect could point inside, and a receiver that moved should
		// be subscribed again: a 3xx is a failure.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Send posts body with header to url.
func (s *Sender) Send(ctx context.Context, url string, header map[string]string, body []byte) webhooks.Response {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return webhooks.Response{Err: err}
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return webhooks.Response{Err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection can be reused
	return webhooks.Response{Status: resp.StatusCode, Excerpt: string(b)}
}

// Check resolves the host of an endpoint being subscribed and refuses it
// when an address it resolves to is internal. A name that does not resolve
// (yet) passes: every connection resolves and checks again.
func (s *Sender) Check(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := strings.ToLower(u.Hostname())
	if s.cfg.Allow.Has(host) {
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if webhooks.Internal(a) {
			return fmt.Errorf("%s: %w", a, ErrInternal)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := s.cfg.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if webhooks.Internal(a) {
			return fmt.Errorf("%s resolves to %s: %w", host, a, ErrInternal)
		}
	}
	return nil
}
