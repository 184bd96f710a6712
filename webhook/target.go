package webhook

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// Where a webhook may be sent. The address must be https (http only to a
// loopback host, for tests), with no user or password in it; and the machine
// it names must not be in the VM's own network: private, loopback,
// link-local, shared (CGNAT) and other special-purpose addresses are refused
// unless the operator allows their range. Names are checked on every
// connection, against each address the name resolves to (package outbox),
// so that a DNS answer cannot lead a delivery inside; redirects are never
// followed.

// MaxURL bounds a webhook's address.
const MaxURL = 2000

// CheckURL checks an address's form (not where it leads): https, or http to
// localhost or a loopback address; a host; no user info or fragment.
func CheckURL(raw string) error {
	if raw == "" {
		return errors.New("an https:// address")
	}
	if len(raw) > MaxURL {
		return fmt.Errorf("at most %d characters", MaxURL)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return errors.New("no spaces or control characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return errors.New("an https:// address with a host, e.g. https://hooks.example.com/ccaas")
	}
	if u.User != nil {
		return errors.New("no user name or password in the address (the secret signs each delivery)")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return errors.New("no #fragment in the address")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopbackHost(u.Hostname()) {
			return errors.New("https only (http only to localhost or 127.0.0.1, for tests)")
		}
	default:
		return errors.New("https only (http only to localhost or 127.0.0.1, for tests)")
	}
	return nil
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// special are the address ranges no webhook reaches unless the operator
// allows them, with what they are.
var special = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT) address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address (this machine)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "a special-purpose address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a relay address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/128"), "the unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address (this machine)"},
	{netip.MustParsePrefix("100::/64"), "a discard address"},
	{netip.MustParsePrefix("2001::/23"), "a special-purpose address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("fc00::/7"), "a private (unique local) address"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

// IPv6 ranges that carry an IPv4 address, which is what they reach.
var (
	nat64   = netip.MustParsePrefix("64:ff9b::/96")
	nat64l  = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToF4 = netip.MustParsePrefix("2002::/16")
)

// Blocked says why a delivery may not go to ip ("" if it may): the special
// ranges above, unless allow holds ip. An IPv4 address inside IPv6 (mapped,
// NAT64, 6to4) is judged as that IPv4 address.
func Blocked(ip netip.Addr, allow []netip.Prefix) string {
	ip = ip.Unmap().WithZone("")
	for _, p := range allow {
		if p.Contains(ip) {
			return ""
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip), nat64l.Contains(ip):
			if why := Blocked(netip.AddrFrom4([4]byte(b[12:16])), allow); why != "" {
				return why + " (through NAT64)"
			}
		case sixToF4.Contains(ip):
			if why := Blocked(netip.AddrFrom4([4]byte(b[2:6])), allow); why != "" {
				return why + " (through 6to4)"
			}
		}
	}
	for _, s := range special {
		if s.prefix.Contains(ip) {
			return s.what
		}
	}
	if !ip.IsValid() || !ip.IsGlobalUnicast() {
		return "not a public address"
	}
	return ""
}

// ParseAllow reads the operator's allowed ranges: CIDR prefixes or single
// addresses, separated by commas or spaces.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q: want a range like 10.1.0.0/16 or an address", f)
		}
		out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	return out, nil
}

// CheckTarget is CheckURL, and for an address given as an IP (not a name)
// also whether a delivery may go there (names are checked on every
// connection, by the sender).
func CheckTarget(raw string, allow []netip.Prefix) error {
	if err := CheckURL(raw); err != nil {
		return err
	}
	u, _ := url.Parse(raw)
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if why := Blocked(ip, allow); why != "" {
			return fmt.Errorf("%s is %s: webhooks may not go there unless your operator allows its range", ip.Unmap(), why)
		}
	}
	return nil
}

// NewSecret is a fresh secret an admin may keep: "whsec_" and 32 random
// hex digits.
func NewSecret() string {
	var b [16]byte
	rand.Read(b[:])
	return "whsec_" + hex.EncodeToString(b[:])
}
