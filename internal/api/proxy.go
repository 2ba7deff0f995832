package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseProxies reads the trusted proxies setting: IP addresses and CIDR
// prefixes separated by commas ("10.0.0.0/8, 192.0.2.7").
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, err
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// clientOf is the address a request came from: the peer's, or, when the
// peer is one of the trusted proxies, the nearest address in
// X-Forwarded-For that is not. Addresses further left were written by the
// client itself and prove nothing, so a client cannot choose the address
// that sign-in throttling counts against.
func clientOf(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(peer) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !isTrusted(client) {
			break
		}
	}
	return client
}

// withClient puts the client's address (clientOf) in RemoteAddr, where
// sign-in throttling, the session record and the request log read it.
func (s *Server) withClient(next http.Handler) http.Handler {
	if len(s.TrustedProxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := clientOf(r, s.TrustedProxies); a.IsValid() {
			r = r.Clone(r.Context())
			r.RemoteAddr = netip.AddrPortFrom(a, 0).String()
		}
		next.ServeHTTP(w, r)
	})
}
