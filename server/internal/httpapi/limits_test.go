package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

// checkRateLimited: a 429 problem whose Retry-After is a whole number of
// seconds within [lo, hi].
func checkRateLimited(t *testing.T, r *testutil.Response, lo, hi int) {
	t.Helper()
	if !strings.Contains(string(r.Body), "rate-limited") {
		t.Errorf("429 body is not the rate-limited problem: %s", r.Body)
	}
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < lo || secs > hi {
		t.Errorf("Retry-After %q, want %d..%d seconds", r.Header.Get("Retry-After"), lo, hi)
	}
}

// TestOrderFloodIsLimited (OWASP API6): past RAPPORT_ORDER_RATE a user's order
// (placed or reordered) is a 429 problem with Retry-After, refused before the
// body is read, and nothing is written; another user of the same relationship
// keeps an allowance of their own, and reads are not limited.
func TestOrderFloodIsLimited(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		cfg := testutil.Config(t, db)
		cfg.OrderRate = 8 // a burst of 2, then one every 7.5 s: the test ends long before a refill
		s := testutil.NewServerWith(t, cfg)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		path := "/relationships/" + f.RelA + "/orders"
		first := placeOrder(t, s, f, line(c.Part, 1))["id"].(string)
		placeOrder(t, s, f, line(c.Part, 2))
		submitted := len(eventsOf(t, s, f, "order.submitted"))

		r := s.Call("POST", path, f.BuyerA.Member.Token, orderBody(line(c.Part, 3))).Expect(t, http.StatusTooManyRequests)
		checkRateLimited(t, r, 1, 8)
		// Refused before the body is parsed: a malformed body is a 429, not a 400.
		s.Call("POST", path, f.BuyerA.Member.Token, `{"lines": [`).Expect(t, http.StatusTooManyRequests)
		// A reorder is an order too.
		r = s.Call("POST", path+"/"+first+"/reorder", f.BuyerA.Member.Token, nil).Expect(t, http.StatusTooManyRequests)
		checkRateLimited(t, r, 1, 8)
		if n := countOrders(t, s, f); n != 2 {
			t.Fatalf("%d orders after the refused ones, want 2", n)
		}
		if n := len(eventsOf(t, s, f, "order.submitted")); n != submitted {
			t.Fatalf("%d order.submitted events after the refused orders, want %d", n, submitted)
		}

		// The buyer's admin, in the same relationship, is not held back by the member.
		s.Call("POST", path, f.BuyerA.Admin.Token, orderBody(line(c.Part, 4))).Expect(t, http.StatusCreated)
		s.Call("POST", path+"/"+first+"/reorder", f.BuyerA.Admin.Token, nil).Expect(t, http.StatusCreated)
		s.Call("GET", path, f.BuyerA.Member.Token, nil).Expect(t, http.StatusOK)
		if n := countOrders(t, s, f); n != 4 {
			t.Fatalf("%d orders, want 4", n)
		}
	})
}

// TestOrderBurstAtTheDefaultLimit: with the shipped default (120 a minute, a
// burst of 30) one user firing 45 orders at once gets 30 through — plus the
// refill of two a second while they run — and 429 for the rest, which write
// nothing.
func TestOrderBurstAtTheDefaultLimit(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		if s.Config.OrderRate != 120 || s.Config.OrderBurst() != 30 {
			t.Fatalf("test servers run order rate %d, burst %d; want the default 120 and 30", s.Config.OrderRate, s.Config.OrderBurst())
		}
		f := s.Seed()
		c := newCatalogue(t, s, f)
		path := "/relationships/" + f.RelA + "/orders"
		const total, workers = 45, 8
		var created, limited, other atomic.Int64
		next := make(chan int, total)
		for i := range total {
			next <- i
		}
		close(next)
		start := time.Now()
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range next {
					r := testutil.Do(t, s.Client, s.URL, testutil.Req{Method: "POST", Path: path, Token: f.BuyerA.Member.Token, Body: orderBody(line(c.Part, i+1))})
					switch r.Status {
					case http.StatusCreated:
						created.Add(1)
					case http.StatusTooManyRequests:
						if r.Header.Get("Retry-After") == "" {
							other.Add(1)
						}
						limited.Add(1)
					default:
						other.Add(1)
					}
				}
			})
		}
		wg.Wait()
		refill := int64(time.Since(start).Seconds()*2) + 1
		if other.Load() != 0 {
			t.Fatalf("%d answers were neither 201 nor 429 with Retry-After", other.Load())
		}
		if created.Load() < 30 || created.Load() > 30+refill {
			t.Fatalf("%d orders created (%d refused), want 30..%d", created.Load(), limited.Load(), 30+refill)
		}
		if n := countOrders(t, s, f); int64(n) != created.Load() {
			t.Fatalf("%d orders stored, %d acknowledged", n, created.Load())
		}
	})
}

// TestMetricsAccess (OWASP API8): without RAPPORT_METRICS_TOKEN /metrics answers
// only clients on this machine, judged by the TCP peer, not by forwarding headers;
// with a token it wants exactly that bearer token, from anywhere.
func TestMetricsAccess(t *testing.T) {
	serve := func(s *testutil.Server, remote string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.RemoteAddr = remote
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.Handler.ServeHTTP(rec, req)
		return rec
	}
	expect := func(t *testing.T, rec *httptest.ResponseRecorder, status int, what string) {
		t.Helper()
		if rec.Code != status {
			t.Fatalf("%s: status %d, want %d: %s", what, rec.Code, status, rec.Body)
		}
		metrics := strings.Contains(rec.Body.String(), "rapport_http_requests_total")
		if status == http.StatusOK && !metrics {
			t.Fatalf("%s: 200 without the metrics", what)
		}
		if status != http.StatusOK && (metrics || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json")) {
			t.Fatalf("%s: %d is not a problem document without metrics: %s %s", what, status, rec.Header().Get("Content-Type"), rec.Body)
		}
	}

	t.Run("no token: loopback only", func(t *testing.T) {
		s := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
		s.Call("GET", "/healthz", "", nil).Expect(t, http.StatusOK) // a request to count
		for _, remote := range []string{"127.0.0.1:40000", "127.8.9.10:1", "[::1]:40000", "[::ffff:127.0.0.1]:40000"} {
			expect(t, serve(s, remote, nil), http.StatusOK, remote)
		}
		spoof := map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", "Forwarded": "for=127.0.0.1"}
		for _, remote := range []string{"203.0.113.7:40000", "10.0.0.2:40000", "[2001:db8::1]:40000", "[::ffff:203.0.113.7]:40000"} {
			expect(t, serve(s, remote, nil), http.StatusNotFound, remote)
			expect(t, serve(s, remote, spoof), http.StatusNotFound, remote+" claiming loopback in forwarding headers")
		}
		// Over a real connection from this machine.
		s.Call("GET", "/metrics", "", nil).Expect(t, http.StatusOK)
	})

	t.Run("token", func(t *testing.T) {
		const token = "scrape-token-0123456789abcdef"
		cfg := testutil.Config(t, testutil.DB{Name: "sqlite"})
		cfg.MetricsToken = token
		s := testutil.NewServerWith(t, cfg)
		for what, auth := range map[string]string{
			"no token": "", "wrong token": "Bearer wrong-token-0123456789abc", "token plus a byte": "Bearer " + token + "x",
			"token prefix": "Bearer " + token[:10], "basic scheme": "Basic " + token, "bare token": token,
		} {
			h := map[string]string{}
			if auth != "" {
				h["Authorization"] = auth
			}
			rec := serve(s, "127.0.0.1:40000", h) // loopback does not waive the token
			expect(t, rec, http.StatusUnauthorized, what)
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate", what)
			}
		}
		expect(t, serve(s, "203.0.113.7:40000", map[string]string{"Authorization": "Bearer " + token}), http.StatusOK, "the token from another host")
		s.Do(testutil.Req{Method: "GET", Path: "/metrics", Header: map[string]string{"Authorization": "Bearer " + token}}).Expect(t, http.StatusOK)
	})

	// A reverse proxy on this machine forwards the world: its clients are not local.
	t.Run("no token, trusted proxy on loopback", func(t *testing.T) {
		cfg := testutil.Config(t, testutil.DB{Name: "sqlite"})
		cfg.TrustedProxies = []string{"127.0.0.1"}
		s := testutil.NewServerWith(t, cfg)
		outside := map[string]string{"X-Forwarded-For": "203.0.113.7"}
		expect(t, serve(s, "127.0.0.1:40000", outside), http.StatusNotFound, "a remote client through the local proxy")
		expect(t, serve(s, "127.0.0.1:40000", map[string]string{"X-Forwarded-For": "127.0.0.1, 203.0.113.7"}), http.StatusNotFound, "a remote client claiming loopback through the local proxy")
		expect(t, serve(s, "127.0.0.1:40000", nil), http.StatusOK, "the proxy host itself")
		expect(t, serve(s, "[::1]:40000", outside), http.StatusOK, "an untrusted loopback peer's header is not read")
		expect(t, serve(s, "203.0.113.7:40000", map[string]string{"X-Forwarded-For": "127.0.0.1"}), http.StatusNotFound, "a remote peer")
	})
}

// TestStuckDatabaseAnswers503 (OWASP API4): a request whose database work cannot
// go on (PostgreSQL: the relationship row locked by another transaction; SQLite:
// the database's write lock held by another connection, so the group committer
// waits) answers a 503 problem with Retry-After once
// RAPPORT_REQUEST_TIMEOUT runs out, writes nothing, and the same request
// succeeds once the database moves again. On PostgreSQL every connection also
// carries that timeout as statement_timeout.
func TestStuckDatabaseAnswers503(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		cfg := testutil.Config(t, db)
		cfg.RequestTimeout = time.Second
		s := testutil.NewServerWith(t, cfg)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		if db.Name == "postgres" {
			var timeout string
			if err := s.Store.Reader().Raw("SHOW statement_timeout").Scan(&timeout).Error; err != nil || timeout != "1s" {
				t.Fatalf("statement_timeout = %q (%v), want 1s", timeout, err)
			}
		}
		// Without the deadline the request would wait for the lock forever: the
		// client gives up after 10 s, so a regression fails instead of hanging.
		client := *s.Client
		client.Timeout = 10 * time.Second
		s.Client = &client
		tx := s.Store.Writer().Begin()
		release := sync.OnceFunc(func() { tx.Rollback() })
		defer release()
		if err := tx.Exec("UPDATE relationships SET last_seq = last_seq WHERE id = ?", f.RelA).Error; err != nil {
			t.Fatal(err)
		}
		path := "/relationships/" + f.RelA + "/orders"
		start := time.Now()
		r := s.Call("POST", path, f.BuyerA.Member.Token, orderBody(line(c.Part, 1)))
		elapsed := time.Since(start)
		release()
		r.Expect(t, http.StatusServiceUnavailable)
		if elapsed < 900*time.Millisecond || elapsed > 5*time.Second {
			t.Errorf("503 after %v, want about the 1 s request timeout", elapsed)
		}
		if r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), "unavailable") {
			t.Errorf("503 without Retry-After or not the unavailable problem: %v %s", r.Header, r.Body)
		}
		if leak := sqlLeak(r.Body); leak != "" {
			t.Errorf("503 leaks %q: %s", leak, r.Body)
		}
		if n := countOrders(t, s, f); n != 0 {
			t.Fatalf("%d orders written by the timed-out request", n)
		}
		placeOrder(t, s, f, line(c.Part, 1))
	})
}

// sqlLeak returns the first database or driver word in an answer, if any.
func sqlLeak(body []byte) string {
	lower := strings.ToLower(string(body))
	for _, w := range []string{"sqlstate", "pgx", "gorm", "sqlite", "deadline", "context", "select ", "update ", "dial tcp"} {
		if strings.Contains(lower, w) {
			return w
		}
	}
	return ""
}

// TestWebsocketOutlivesTheRequestDeadline: the request deadline bounds the
// websocket handshake, not the connection, which keeps streaming afterwards.
func TestWebsocketOutlivesTheRequestDeadline(t *testing.T) {
	cfg := testutil.Config(t, testutil.DB{Name: "sqlite"})
	cfg.RequestTimeout = time.Second
	s := testutil.NewServerWith(t, cfg)
	f := s.Seed()
	c := newCatalogue(t, s, f)
	stream := openHealthStream(t, s, f.BuyerA.Member.Token, f.RelA)
	time.Sleep(1500 * time.Millisecond)
	placeOrder(t, s, f, line(c.Part, 1))
	stream.eventTypesUntil("order.submitted")
}
