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
				p.results = append(p.results, probeResult{status: r.status, elapsed: time.Since(t0), body: r.body, ctype: r.header.Get("Content-Type"), err: err})
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
// cut) or a 503 problem+json without SQL or driver text, and none hangs.
func checkOutageAnswers(t *testing.T, rs []probeResult) (n503 int) {
	t.Helper()
	for _, r := range rs {
		if r.err != nil {
			t.Errorf("request failed instead of answering: %v", r.err)
			continue
		}
		if r.elapsed > 5*time.Second {
			t.Errorf("a request took %v during the outage: it must fail fast", r.elapsed)
		}
		switch {
		case r.status >= 200 && r.status < 300:
		case r.status == 503:
			n503++
			if !strings.HasPrefix(r.ctype, "application/problem+json") {
				t.Errorf("503 with Content-Type %q, want application/problem+json", r.ctype)
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
	e := &env{t: t, dataDir: t.TempDir(), addr: freeAddr(t), dbURL: schemaURL.String()}
	w := e.seed()
	srv := e.start()
	var p prober
	p.run(e, w, 4)
	defer p.halt()

	time.Sleep(500 * time.Millisecond)
	for _, r := range p.take() {
		if r.err != nil || r.status >= 300 {
			t.Fatalf("before the outage: %d %v %s", r.status, r.err, r.body)
		}
	}

	proxy.setDown(true)
	waitFor(t, 5*time.Second, "/readyz to answer 503 during the outage", func() bool { return e.status("/readyz") == 503 })
	time.Sleep(2 * time.Second)
	if n := checkOutageAnswers(t, p.take()); n == 0 {
		t.Error("no request got a 503 during the outage")
	}

	proxy.setDown(false)
	waitFor(t, 30*time.Second, "/readyz to recover", func() bool { return e.status("/readyz") == 200 })
	p.take()
	time.Sleep(time.Second)
	ok := 0
	for _, r := range p.take() {
		if r.err == nil && r.status < 300 {
			ok++
		} else {
			t.Errorf("after recovery: %d %v %s", r.status, r.err, r.body)
		}
	}
	if ok == 0 {
		t.Error("no request succeeded after the database came back")
	}
	select {
	case <-srv.done:
		t.Fatal("the server exited during the outage")
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
