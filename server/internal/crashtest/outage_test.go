package crashtest

import (
	"context"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

// probeResult is one request made while the database comes and goes.
type probeResult struct {
	status  int
	elapsed time.Duration
	body    []byte
	ctype   string
	retry   string // Retry-After
	err     error
}

// prober keeps reads and writes going against the server and hands out what
// they got, phase by phase.
type prober struct {
	mu      sync.Mutex
	results []probeResult
	stop    atomic.Bool
	wg      sync.WaitGroup
}

func (p *prober) run(e *env, w world, workers int) {
	for i := 0; i < workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for n := 0; !p.stop.Load(); n++ {
				t0 := time.Now()
				var r response
				var err error
				if (i+n)%2 == 0 {
					r, err = e.do(context.Background(), "GET", "/api/v1/relationships/"+w.rel+"/events?after_seq=0&limit=10", w.buyerTok, nil, nil)
				} else {
					r, err = e.do(context.Background(), "PATCH", "/api/v1/relationships/"+w.rel, w.supplierTok, map[string]any{"silence_threshold_days": 20 + n%10}, nil)
				}
				p.mu.Lock()
				p.results = append(p.results, probeResult{status: r.status, elapsed: time.Since(t0), body: r.body, ctype: r.header.Get("Content-Type"), retry: r.header.Get("Retry-After"), err: err})
				p.mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
}

// take returns and forgets what was collected so far.
func (p *prober) take() []probeResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.results
	p.results = nil
	return r
}

func (p *prober) halt() {
	p.stop.Store(true)
	p.wg.Wait()
}

// checkOutageAnswers: during an outage every answer is a 2xx (served before the
// cut) or a 503 problem+json with Retry-After and without SQL or driver text,
// and none takes longer than bound.
func checkOutageAnswers(t *testing.T, rs []probeResult, bound time.Duration) (n503 int) {
	t.Helper()
	for _, r := range rs {
		if r.err != nil {
			t.Errorf("request failed instead of answering: %v", r.err)
			continue
		}
		if r.elapsed > bound {
			t.Errorf("a request took %v during the outage (bound %v): it must fail fast; it got %d %s", r.elapsed, bound, r.status, r.body)
		}
		switch {
		case r.status >= 200 && r.status < 300:
		case r.status == 503:
			n503++
			if !strings.HasPrefix(r.ctype, "application/problem+json") {
				t.Errorf("503 with Content-Type %q, want application/problem+json", r.ctype)
			}
			if r.retry == "" {
				t.Error("503 without Retry-After")
			}
		default:
			t.Errorf("status %d during the outage (want 503): %s", r.status, r.body)
		}
		if leak := sqlLeak(r.body); leak != "" && r.status >= 300 {
			t.Errorf("answer leaks %q: %s", leak, r.body)
		}
	}
	return n503
}

// TestPostgresOutage cuts one server's PostgreSQL connections (through a proxy:
// the shared database keeps running for everyone else) in the middle of reads
// and writes, and checks it answers 503 fast, /readyz turns 503, and it
// recovers by itself once the database is reachable again.
func TestPostgresOutage(t *testing.T) {
	e, proxy := proxiedPostgres(t)
	w := e.seed()
	srv := e.start()
	var p prober
	p.run(e, w, 4)
	defer p.halt()
	checkHealthy(t, &p, "before the outage")

	proxy.setDown(true)
	waitFor(t, 5*time.Second, "/readyz to answer 503 during the outage", func() bool { return e.status("/readyz") == 503 })
	time.Sleep(2 * time.Second)
	if n := checkOutageAnswers(t, p.take(), 5*time.Second); n == 0 {
		t.Error("no request got a 503 during the outage")
	}

	proxy.setDown(false)
	checkRecovers(t, e, &p, srv, 0)
}

// TestPostgresStall: the database accepts connections and then never answers
// (the proxy holds every byte, on open connections and new ones). With
// RAPPORT_REQUEST_TIMEOUT=2s every request answers a 503 problem+json with
// Retry-After within that bound instead of hanging, /readyz turns 503, and once
// bytes flow again the same process recovers by itself.
func TestPostgresStall(t *testing.T) {
	const timeout = 2 * time.Second
	e, proxy := proxiedPostgres(t)
	e.extra = []string{"RAPPORT_REQUEST_TIMEOUT=" + timeout.String()}
	w := e.seed()
	srv := e.start()
	var p prober
	p.run(e, w, 4)
	defer p.halt()
	checkHealthy(t, &p, "before the stall")

	proxy.setStalled(true)
	waitFor(t, 5*time.Second, "/readyz to answer 503 during the stall", func() bool { return e.status("/readyz") == 503 })
	// An order placed now is a 503 within the timeout, not a hang.
	order := map[string]any{"po_number": "STALL-1", "lines": []map[string]any{{"product_id": w.products[0], "quantity": 1}}}
	key := map[string]string{"Idempotency-Key": "stall-1"}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	t0 := time.Now()
	r, err := e.do(ctx, "POST", "/api/v1/relationships/"+w.rel+"/orders", w.buyerTok, order, key)
	if err != nil || r.status != 503 || time.Since(t0) > timeout+1500*time.Millisecond {
		t.Fatalf("order during the stall: %d %v after %v, want 503 within %v: %s", r.status, err, time.Since(t0), timeout, r.body)
	}
	time.Sleep(timeout)
	// A request that began just before the stall may take the whole timeout
	// after it. One whose write transaction committed just before it may take
	// up to 5 s more: after COMMIT, database/sql closes the transaction's
	// prepared statements (gorm PrepareStmt), and pgx's stdlib bounds each close
	// with a 5 s timeout of its own, not the request's context.
	rs := p.take()
	if n := checkOutageAnswers(t, rs, timeout+5*time.Second+1500*time.Millisecond); n == 0 || n < len(rs)/2 {
		t.Errorf("%d of %d requests got a 503 during the stall", n, len(rs))
	}
	late := 0
	for _, r := range rs {
		if r.elapsed > timeout+1500*time.Millisecond {
			late++
		}
	}
	t.Logf("during the stall: %d answers, %d later than the timeout plus 1.5 s", len(rs), late)

	proxy.setStalled(false)
	checkRecovers(t, e, &p, srv, timeout)
	if t.Failed() {
		t.Logf("server log:\n%s", srv.output())
	}
	// The refused order, retried with its key, is placed once.
	for i := 0; i < 2; i++ {
		if r, err := e.do(ctx, "POST", "/api/v1/relationships/"+w.rel+"/orders", w.buyerTok, order, key); err != nil || r.status != 201 {
			t.Fatalf("retry %d of the refused order: %d %v %s", i+1, r.status, err, r.body)
		}
	}
	st := e.openStore()
	defer st.Close()
	var n int64
	if err := st.Reader().Raw("SELECT COUNT(*) FROM orders WHERE po_number = ?", "STALL-1").Scan(&n).Error; err != nil || n != 1 {
		t.Fatalf("%d orders for the refused and retried key (%v), want 1", n, err)
	}
}

// proxiedPostgres gives a server environment whose PostgreSQL schema is reached
// through a proxy the test controls.
func proxiedPostgres(t *testing.T) (*env, *tcpProxy) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	if os.Getenv(testutil.EnvDatabaseURL) == "" {
		if os.Getenv(testutil.EnvRequirePostgres) == "1" {
			t.Fatalf("%s is required", testutil.EnvDatabaseURL)
		}
		t.Skip("needs PostgreSQL")
	}
	schemaURL, err := url.Parse(testutil.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newProxy(t, schemaURL.Host)
	schemaURL.Host = proxy.addr()
	return &env{t: t, dataDir: t.TempDir(), addr: freeAddr(t), dbURL: schemaURL.String()}, proxy
}

// checkHealthy: for half a second every probe succeeds.
func checkHealthy(t *testing.T, p *prober, when string) {
	t.Helper()
	time.Sleep(500 * time.Millisecond)
	for _, r := range p.take() {
		if r.err != nil || r.status >= 300 {
			t.Fatalf("%s: %d %v %s", when, r.status, r.err, r.body)
		}
	}
}

// checkRecovers: /readyz turns 200 again and, once the requests begun during
// the fault have ended (settle), requests succeed, in the same process.
func checkRecovers(t *testing.T, e *env, p *prober, srv *proc, settle time.Duration) {
	t.Helper()
	waitFor(t, 30*time.Second, "/readyz to recover", func() bool { return e.status("/readyz") == 200 })
	time.Sleep(settle)
	p.take()
	time.Sleep(time.Second)
	ok := 0
	for _, r := range p.take() {
		if r.err == nil && r.status < 300 {
			ok++
		} else {
			t.Errorf("after recovery: %d %v after %v: %s", r.status, r.err, r.elapsed, r.body)
		}
	}
	if ok == 0 {
		t.Error("no request succeeded after the database came back")
	}
	select {
	case <-srv.done:
		t.Fatal("the server exited during the fault")
	default:
	}
}

// status is a GET's status (0 when the request failed).
func (e *env) status(path string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := e.do(ctx, "GET", path, "", nil, nil)
	if err != nil {
		return 0
	}
	return r.status
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s", d, what)
}
