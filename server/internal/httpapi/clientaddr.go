package httpapi

import "net/netip"

// ipv6LimitBits is the IPv6 prefix a client is limited by: a subscriber is
// usually handed a whole /64 and can pick any address inside it.
const ipv6LimitBits = 64

// limitAddress is the address a per-address rate limit keys on for the client
// address ip (as c.ClientIP gives it): an IPv4 address (IPv4-mapped IPv6
// included) stays itself, an IPv6 address becomes its /64 with any zone
// dropped, so rotating through one's own /64 does not buy new allowances. A
// value that is not an IP address is returned unchanged, so it still keys its
// own bucket.
func limitAddress(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, ipv6LimitBits).Masked().String()
}
