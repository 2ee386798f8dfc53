package crashtest

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/rapport/rapport/server/internal/testutil"
)

// TestMisconfiguration (OWASP API8) checks the production binary as shipped:
// security headers on API answers and the page, no CORS grant to a foreign
// origin (simple or preflight), error bodies that are problem documents
// without internals, and no version banner.
func TestMisconfiguration(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	e := newEnv(t, testutil.DB{Name: "sqlite"})
	w := e.seed()
	e.start()
	ctx := context.Background()
	evil := map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
	cases := []struct {
		name, method, path, token string
		hdr                       map[string]string
		wantStatus                int
		problem                   bool
	}{
		{"API answer", "GET", "/api/v1/me", w.buyerTok, evil, 200, false},
		{"unknown API route", "GET", "/api/v1/nope", w.buyerTok, nil, 404, true},
		{"wrong method", "DELETE", "/api/v1/me", w.buyerTok, nil, 405, true},
		{"no token", "GET", "/api/v1/me", "", evil, 401, true},
		{"garbage token", "GET", "/api/v1/me", "x.y.z", nil, 401, true},
		{"preflight from a foreign origin", "OPTIONS", "/api/v1/me", "", evil, 0, false},
		{"the web page", "GET", "/", "", nil, 200, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := e.do(ctx, c.method, c.path, c.token, nil, c.hdr)
			if err != nil {
				t.Fatal(err)
			}
			if c.wantStatus != 0 && r.status != c.wantStatus {
				t.Errorf("status %d, want %d: %s", r.status, c.wantStatus, r.body)
			}
			if r.status >= 500 {
				t.Errorf("status %d: %s", r.status, r.body)
			}
			h := r.header
			if got := h.Get("Access-Control-Allow-Origin"); got == "*" || got == "https://evil.example" {
				t.Errorf("CORS grants %q to a foreign origin", got)
			}
			if h.Get("Access-Control-Allow-Credentials") == "true" {
				t.Error("CORS allows credentials")
			}
			for _, name := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
				if h.Get(name) == "" {
					t.Errorf("missing %s", name)
				}
			}
			if strings.HasPrefix(c.path, "/api/") && !strings.Contains(h.Get("Cache-Control"), "no-store") {
				t.Errorf("API answer cacheable: Cache-Control %q", h.Get("Cache-Control"))
			}
			if c.path == "/" && h.Get("Content-Security-Policy") == "" {
				t.Error("the page has no Content-Security-Policy")
			}
			if srv := h.Get("Server"); srv != "" || h.Get("X-Powered-By") != "" {
				t.Errorf("version banner: Server %q X-Powered-By %q", srv, h.Get("X-Powered-By"))
			}
			if c.problem && !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
				t.Errorf("error as %q, want application/problem+json", h.Get("Content-Type"))
			}
			if leak := sqlLeak(r.body); leak != "" && r.status >= 400 {
				t.Errorf("answer leaks %q: %s", leak, r.body)
			}
		})
	}
}

// TestFunctionLevelAuthorization (OWASP API5) calls the administrative and
// supplier-only functions as users without the right: members, buyers and
// strangers. None may succeed.
func TestFunctionLevelAuthorization(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		user := map[string]any{"email": "new@x.test", "name": "New", "password": "long-enough-password", "role": "admin", "department": "sales"}
		invite := map[string]any{"buyer_org_name": "Evil Buyer", "email": "evil@x.test", "name": "Evil"}
		product := map[string]any{"sku": "EVIL-1", "name": "Evil", "unit_price": "1.00", "currency": "EUR"}
		cases := []struct {
			name, method, path string
			who                testutil.Actor
			body               any
			want               int
		}{
			{"member adds a user to their own organization", "POST", "/api/v1/orgs/" + f.BuyerA.Org.ID + "/users", f.BuyerA.Member, user, http.StatusForbidden},
			{"admin adds a user to another organization", "POST", "/api/v1/orgs/" + f.Supplier.Org.ID + "/users", f.BuyerA.Admin, user, http.StatusForbidden},
			{"stranger adds a user to an organization", "POST", "/api/v1/orgs/" + f.Supplier.Org.ID + "/users", f.Outsider.Admin, user, http.StatusNotFound},
			{"member invites a buyer", "POST", "/api/v1/invitations", f.Supplier.Member, invite, http.StatusForbidden},
			{"buyer admin changes relationship settings", "PATCH", "/api/v1/relationships/" + f.RelA, f.BuyerA.Admin, map[string]any{"silence_threshold_days": 5}, http.StatusForbidden},
			{"supplier member changes relationship settings", "PATCH", "/api/v1/relationships/" + f.RelA, f.Supplier.Member, map[string]any{"silence_threshold_days": 5}, http.StatusForbidden},
			{"buyer creates a product", "POST", "/api/v1/products", f.BuyerA.Admin, product, 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := s.Call(c.method, c.path, c.who.Token, c.body)
				if c.want == 0 {
					if r.Status < 400 || r.Status >= 500 {
						t.Errorf("status %d, want a refusal: %s", r.Status, r.Body)
					}
					return
				}
				r.Expect(t, c.want)
			})
		}
	})
}

// TestMetricsNotPublic (OWASP API8) runs the binary as a container would, listening
// on every interface, and scrapes /metrics over a real connection from this
// machine's own non-loopback address: without RAPPORT_METRICS_TOKEN that is a 404
// (a forged X-Forwarded-For does not help) while loopback gets the metrics; with
// a token, the token is what counts, from any address.
func TestMetricsNotPublic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	ip := nonLoopbackIPv4(t)
	const token = "crash-metrics-token-0123456789"
	for _, withToken := range []bool{false, true} {
		e := newEnv(t, testutil.DB{Name: "sqlite"})
		_, port, _ := net.SplitHostPort(e.addr)
		e.extra = []string{"RAPPORT_ADDR=0.0.0.0:" + port}
		if withToken {
			e.extra = append(e.extra, "RAPPORT_METRICS_TOKEN="+token)
		}
		srv := e.start()
		scrape := func(host string, hdr map[string]string) response {
			t.Helper()
			req, err := http.NewRequest("GET", "http://"+net.JoinHostPort(host, port)+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			res, err := httpClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return response{status: res.StatusCode, header: res.Header, body: b}
		}
		expect := func(what string, r response, status int) {
			t.Helper()
			metrics := strings.Contains(string(r.body), "rapport_http_requests_total")
			problem := strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json")
			if r.status != status || metrics != (status == 200) || problem == (status == 200) {
				t.Errorf("token %v, %s: %d (metrics %v, problem %v), want %d", withToken, what, r.status, metrics, problem, status)
			}
		}
		bearer := map[string]string{"Authorization": "Bearer " + token}
		spoof := map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"}
		if !withToken {
			expect("from loopback", scrape("127.0.0.1", nil), 200)
			expect("from "+ip, scrape(ip, nil), 404)
			expect("from "+ip+" claiming loopback", scrape(ip, spoof), 404)
		} else {
			expect("from loopback without the token", scrape("127.0.0.1", nil), 401)
			expect("from "+ip+" with a wrong token", scrape(ip, map[string]string{"Authorization": "Bearer not-the-token-0123456789"}), 401)
			expect("from "+ip+" with the token", scrape(ip, bearer), 200)
		}
		srv.stop(t)
	}
}

// nonLoopbackIPv4 is an address of this machine other than loopback (or skips).
func nonLoopbackIPv4(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	t.Skip("no non-loopback IPv4 address on this machine")
	return ""
}
