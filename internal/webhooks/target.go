package webhooks

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"accord/internal/accord"
)

// MaxURL bounds an endpoint's URL.
const MaxURL = 2000

// Allow is the administrators' list of host names (or literal addresses)
// that may be reached although they are internal, and over plain http:
// labs and tests. Empty by default: nothing internal is reachable.
type Allow []string

// Has reports whether host is on the list (case-insensitive).
func (a Allow) Has(host string) bool {
	return slices.ContainsFunc(a, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), host) })
}

// CheckURL parses an endpoint and refuses what could reach inside: other
// schemes than https (http only for allowed hosts), user information,
// numeric host forms other than the dotted quad (2130706433, 0177.0.0.1,
// 0x7f.1, which resolvers read as internal addresses), and literal
// addresses that are not public. Names are resolved and checked at every
// connection, by the sender.
func CheckURL(raw string, allow Allow) (*url.URL, error) {
	bad := func(msg string) (*url.URL, error) { return nil, accord.FieldError("url", "%s", msg) }
	if len(raw) > MaxURL || accord.TextProblem(raw) != "" || strings.ContainsAny(raw, " \\\t\r\n") {
		return bad("must be an https URL of at most 2000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return bad("must be an absolute https URL")
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return bad("must not carry a user name or password")
	}
	if u.Fragment != "" {
		return bad("must not carry a fragment")
	}
	host := strings.ToLower(u.Hostname())
	allowed := allow.Has(host)
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowed:
	default:
		return bad("must use https")
	}
	if p := u.Port(); p != "" && (len(p) > 5 || strings.Trim(p, "0123456789") != "") {
		return bad("has a bad port")
	}
	if host == "" || strings.HasSuffix(host, ".") && strings.Count(host, ".") == 1 {
		return bad("has no host")
	}
	if allowed {
		return u, nil
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if Internal(a) {
			return bad("points to an internal address (loopback, private, link-local or metadata)")
		}
		return u, nil
	}
	if numericHost(host) {
		return bad("writes an address in a numeric form other than a dotted quad")
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".internal") || strings.HasSuffix(host, ".local") {
		return bad("points to an internal address (loopback, private, link-local or metadata)")
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if label == "" || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return bad("has a host name that is not valid")
		}
	}
	return u, nil
}

// numericHost reports whether every dot-separated part of host is a
// number in decimal, octal or hex: what inet_aton would read as an
// address although netip does not.
func numericHost(host string) bool {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	for _, p := range parts {
		q := strings.TrimPrefix(strings.TrimPrefix(p, "0x"), "0X")
		if q == "" && p != "" && p != "0x" && p != "0X" {
			return false
		}
		digits := "0123456789"
		if q != p {
			digits = "0123456789abcdef"
		}
		if strings.Trim(q, digits) != "" {
			return false
		}
	}
	return true
}

var internalPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, broadcast
}

// nat64 embeds IPv4 addresses in IPv6: the embedded one is checked.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Internal reports whether a is an address a webhook must never reach:
// loopback, private (RFC 1918, ULA), link-local (with the metadata
// service at 169.254.169.254; EC2's fd00:ec2::254 is in the ULA range),
// carrier-grade NAT, unspecified, multicast
// and reserved, also as IPv4-mapped or NAT64 IPv6.
func Internal(a netip.Addr) bool {
	a = a.Unmap()
	if nat64.Contains(a) {
		b := a.As16()
		if Internal(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})) {
			return true
		}
	}
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range internalPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return a.Zone() != ""
}
