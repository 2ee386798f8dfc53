package httpapi

import "testing"

// limitAddress keeps IPv4 per address and groups IPv6 by /64, so every address
// a client can choose inside its /64 lands in one bucket.
func TestLimitAddress(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"IPv4", "203.0.113.7", "203.0.113.7"},
		{"IPv4 neighbour stays apart", "203.0.113.8", "203.0.113.8"},
		{"IPv4-mapped IPv6 is the IPv4 address", "::ffff:203.0.113.7", "203.0.113.7"},
		{"IPv6 host bits dropped", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"IPv6 other host, same /64", "2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"IPv6 next /64", "2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"IPv6 upper case", "2001:DB8:1:2::FFFF", "2001:db8:1:2::/64"},
		{"IPv6 loopback", "::1", "::/64"},
		{"IPv6 zone dropped", "fe80::1%eth0", "fe80::/64"},
		{"IPv6 zone, other host", "fe80::2:3:4:5%eth1", "fe80::/64"},
		{"empty", "", ""},
		{"garbage", "not-an-ip", "not-an-ip"},
		{"with port", "203.0.113.7:40000", "203.0.113.7:40000"},
		{"CIDR is not an address", "2001:db8::/48", "2001:db8::/48"},
	} {
		if got := limitAddress(c.in); got != c.want {
			t.Errorf("%s: limitAddress(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}
