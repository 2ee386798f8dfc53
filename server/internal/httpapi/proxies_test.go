package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rapport/rapport/server/internal/testutil"
)

// loginFrom sends a failed login for email from the TCP peer remote with the
// given headers, straight into the handler (a real socket cannot choose its peer
// address), and checks the answer against api/openapi.yaml.
func loginFrom(t *testing.T, s *testutil.Server, remote string, header map[string]string, email string) *testutil.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", strings.NewReader(`{"email":"`+email+`","password":"wrong-password"}`))
	req.RemoteAddr = remote
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, req)
	r := &testutil.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	testutil.CheckResponse(t, req, r)
	return r
}

// expectIPLimit sends attempts failed logins, each for a new email so the
// per-account limit never applies: the first allowance are 401, the rest 429.
func expectIPLimit(t *testing.T, s *testutil.Server, attempts, allowance int, from func(i int) (remote string, header map[string]string)) {
	t.Helper()
	for i := range attempts {
		remote, header := from(i)
		r := loginFrom(t, s, remote, header, fmt.Sprintf("nobody-%s-%d@example.com", t.Name(), i))
		if i < allowance {
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d from %s %v: status %d, want 401 within the allowance: %s", i+1, remote, header, r.Status, r.Body)
			}
			continue
		}
		if r.Status != http.StatusTooManyRequests {
			t.Fatalf("attempt %d from %s %v: status %d, want 429 past the per-address allowance of %d: %s", i+1, remote, header, r.Status, allowance, r.Body)
		}
		checkRateLimited(t, r, 60, 60)
	}
}

// TestLoginLimitIgnoresForwardingHeadersByDefault (OWASP API2): with no
// RAPPORT_TRUSTED_PROXIES the per-address login limit keys on the TCP peer, so
// a client naming a new X-Forwarded-For / X-Real-IP / Forwarded address (and a
// new source port) with each attempt is still one address, held at
// 3 × RAPPORT_LOGIN_PER_MINUTE. Other peers keep their own allowance.
func TestLoginLimitIgnoresForwardingHeadersByDefault(t *testing.T) {
	cfg := testutil.Config(t, testutil.DB{Name: "sqlite"})
	cfg.LoginPerMinute = 2 // per address: 6 a minute, one back every 10 s
	s := testutil.NewServerWith(t, cfg)
	expectIPLimit(t, s, 15, 6, func(i int) (string, map[string]string) {
		return fmt.Sprintf("203.0.113.7:%d", 40000+i), map[string]string{
			"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i+1),
			"X-Real-IP":       fmt.Sprintf("192.0.2.%d", i+1),
			"Forwarded":       fmt.Sprintf("for=198.51.100.%d", i+1),
		}
	})
	if r := loginFrom(t, s, "203.0.113.8:40000", nil, "other-peer@example.com"); r.Status != http.StatusUnauthorized {
		t.Fatalf("another peer: status %d, want 401 (its own allowance): %s", r.Status, r.Body)
	}
	if r := loginFrom(t, s, "[::ffff:203.0.113.7]:40000", map[string]string{"X-Forwarded-For": "198.51.100.99"}, "mapped@example.com"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("the limited peer as an IPv4-mapped address: status %d, want 429: %s", r.Status, r.Body)
	}
}

// TestLoginLimitTrustedProxy (OWASP API2): from a peer in RAPPORT_TRUSTED_PROXIES
// the client is the rightmost untrusted X-Forwarded-For address, so clients
// behind the proxy are limited separately, a forged hop in front of the real one
// changes nothing, and X-Real-IP is not read (the proxy itself is the client).
func TestLoginLimitTrustedProxy(t *testing.T) {
	cfg := testutil.Config(t, testutil.DB{Name: "sqlite"})
	cfg.LoginPerMinute = 2
	cfg.TrustedProxies = []string{"10.0.0.2", "10.1.0.0/16"}
	s := testutil.NewServerWith(t, cfg)
	const proxy = "10.0.0.2:40000"
	expectIPLimit(t, s, 8, 6, func(int) (string, map[string]string) {
		return proxy, map[string]string{"X-Forwarded-For": "198.51.100.1"}
	})
	for what, c := range map[string]struct{ remote, xff string }{
		"a forged hop before the proxy's": {proxy, "198.51.100.50, 198.51.100.1"},
		"through two trusted proxies":     {"10.1.2.3:40000", "198.51.100.1, 10.0.0.2"},
	} {
		if r := loginFrom(t, s, c.remote, map[string]string{"X-Forwarded-For": c.xff}, "forged@example.com"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("the limited client %s (%s): status %d, want 429: %s", what, c.xff, r.Status, r.Body)
		}
	}
	if r := loginFrom(t, s, proxy, map[string]string{"X-Forwarded-For": "198.51.100.2"}, "client-b@example.com"); r.Status != http.StatusUnauthorized {
		t.Fatalf("another client behind the proxy: status %d, want 401 (its own allowance): %s", r.Status, r.Body)
	}
	if r := loginFrom(t, s, "10.9.0.1:40000", map[string]string{"X-Forwarded-For": "198.51.100.1"}, "untrusted@example.com"); r.Status != http.StatusUnauthorized {
		t.Fatalf("an untrusted peer naming the limited client: status %d, want 401 (the peer's own allowance): %s", r.Status, r.Body)
	}
	expectIPLimit(t, s, 8, 6, func(i int) (string, map[string]string) {
		return "10.1.0.9:40000", map[string]string{"X-Real-IP": fmt.Sprintf("192.0.2.%d", i+1)}
	})
}

// TestLoginLimitIPv6PerSlash64 (OWASP API2): an IPv6 client usually holds a
// whole /64, so the per-address login limit keys on the /64: attempts from many
// addresses inside one /64 (as the TCP peer, or as the X-Forwarded-For client of
// a listed proxy, in any spelling) share one allowance of
// 3 × RAPPORT_LOGIN_PER_MINUTE, while the next /64 keeps its own. IPv4 stays per
// address: neighbours in one /24 do not share.
func TestLoginLimitIPv6PerSlash64(t *testing.T) {
	cfg := testutil.Config(t, testutil.DB{Name: "sqlite"})
	cfg.LoginPerMinute = 2 // per address: 6 a minute
	cfg.TrustedProxies = []string{"10.0.0.2"}
	s := testutil.NewServerWith(t, cfg)
	const proxy = "10.0.0.2:40000"

	// expectIPLimit names its emails after the (sub)test, so each part runs as a
	// subtest and no email reaches the per-account limit.
	t.Run("peer", func(t *testing.T) {
		// As the TCP peer: a new interface id (and port) each attempt.
		expectIPLimit(t, s, 9, 6, func(i int) (string, map[string]string) {
			return fmt.Sprintf("[2001:db8:a:1:%x:%x:%x:%x]:%d", i+1, 7*i, 0xffff-i, i*i, 40000+i), nil
		})
		if r := loginFrom(t, s, "[2001:db8:a:2::1]:40000", nil, "peer-next-64@example.com"); r.Status != http.StatusUnauthorized {
			t.Fatalf("a peer in the next /64: status %d, want 401 (its own allowance): %s", r.Status, r.Body)
		}
	})

	t.Run("proxied", func(t *testing.T) {
		// Through a listed proxy: X-Forwarded-For is taken as written, so vary the
		// spelling (case, compressed or not) as well as the address.
		expectIPLimit(t, s, 9, 6, func(i int) (string, map[string]string) {
			xff := fmt.Sprintf("2001:db8:b:1::%x", i+1)
			if i%2 == 1 {
				xff = fmt.Sprintf("2001:0DB8:000B:0001:%X:0:0:%X", 0xabc0+i, i)
			}
			return proxy, map[string]string{"X-Forwarded-For": xff}
		})
		if r := loginFrom(t, s, proxy, map[string]string{"X-Forwarded-For": "2001:db8:b:1:ffff:ffff:ffff:ffff"}, "last-in-64@example.com"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("the last address of the limited /64: status %d, want 429: %s", r.Status, r.Body)
		}
		if r := loginFrom(t, s, proxy, map[string]string{"X-Forwarded-For": "2001:db8:b:2::1"}, "proxied-next-64@example.com"); r.Status != http.StatusUnauthorized {
			t.Fatalf("a client in the next /64: status %d, want 401 (its own allowance): %s", r.Status, r.Body)
		}
	})

	t.Run("IPv4", func(t *testing.T) {
		// IPv4 behind the same proxy: one address exhausted, its neighbour is not;
		// the exhausted one written as an IPv4-mapped IPv6 address is still limited.
		expectIPLimit(t, s, 8, 6, func(int) (string, map[string]string) {
			return proxy, map[string]string{"X-Forwarded-For": "198.51.100.1"}
		})
		if r := loginFrom(t, s, proxy, map[string]string{"X-Forwarded-For": "198.51.100.2"}, "v4-neighbour@example.com"); r.Status != http.StatusUnauthorized {
			t.Fatalf("the next IPv4 address: status %d, want 401 (its own allowance): %s", r.Status, r.Body)
		}
		if r := loginFrom(t, s, proxy, map[string]string{"X-Forwarded-For": "::ffff:198.51.100.1"}, "v4-mapped@example.com"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("the limited IPv4 client as an IPv4-mapped address: status %d, want 429: %s", r.Status, r.Body)
		}
	})
}
