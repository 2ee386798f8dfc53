package crashtest

import (
	"bufio"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

// TestLoginFlood sends 10,000 login attempts from one address: past the
// per-address allowance every answer must be 429 with Retry-After, and the
// flood must not make the server spend a password hash per attempt.
func TestLoginFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	e := newEnv(t, testutil.DB{Name: "sqlite"})
	e.extra = []string{"RAPPORT_LOGIN_PER_MINUTE=10"} // the default: 10 per account, 30 per address
	e.seed()
	e.start()
	const attempts = 10_000
	var mu sync.Mutex
	statuses := map[int]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= attempts; i = next.Add(1) {
				// A different account each time: only the per-address limit can stop it.
				r, err := e.do(context.Background(), "POST", "/api/v1/auth/login", "",
					map[string]any{"email": fmt.Sprintf("victim%d@example.test", i), "password": "guess"}, nil)
				mu.Lock()
				if err != nil {
					if statuses[-1] == 0 {
						t.Logf("first transport error: %v", err)
					}
					statuses[-1]++
				} else {
					statuses[r.status]++
					if r.status == 429 && r.header.Get("Retry-After") == "" {
						statuses[-429]++
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("%d login attempts in %v: %v", attempts, elapsed.Round(time.Millisecond), statuses)
	// 30 per minute per address with a burst of 30: allow the refill during the run.
	allowed := 30 + int(elapsed.Minutes()*30) + 1
	if statuses[401] > allowed {
		t.Errorf("%d attempts reached the password check; at most %d may", statuses[401], allowed)
	}
	if statuses[429] < attempts-allowed {
		t.Errorf("only %d of %d attempts were rate-limited", statuses[429], attempts)
	}
	if statuses[-1] > 0 || statuses[-429] > 0 || statuses[500] > 0 {
		t.Errorf("failures: %d transport errors, %d 429s without Retry-After, %d 500s", statuses[-1], statuses[-429], statuses[500])
	}
}

// TestBodyLimit sends bodies over the limit: a declared Content-Length over it
// is refused before any byte of the body is read, and a chunked body without a
// length is cut off at the limit, not read whole.
func TestBodyLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	e := newEnv(t, testutil.DB{Name: "sqlite"})
	e.seed()
	e.start()

	// Declared length of 512 MB, no body sent at all: the answer must come anyway.
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", e.addr, 512<<20)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a declared 512 MB body within 5 s: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("declared 512 MB body: %d %s, want 413 problem+json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// Chunked, 256 MB offered: count what the server let us send before answering.
	var sent atomic.Int64
	pr, pw := io.Pipe()
	go func() {
		chunk := []byte(`{"email":"` + strings.Repeat("a", 64<<10) + `"`)
		for sent.Load() < 256<<20 {
			n, err := pw.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", "http://"+e.addr+"/api/v1/auth/login", pr)
	req.Header.Set("Content-Type", "application/json")
	r, err := httpClient.Do(req)
	pr.CloseWithError(io.ErrClosedPipe)
	if err != nil {
		t.Logf("chunked flood: the server closed the connection: %v (sent %d bytes)", err, sent.Load())
	} else {
		r.Body.Close()
		if r.StatusCode != 413 {
			t.Errorf("chunked 256 MB body: %d, want 413", r.StatusCode)
		}
	}
	if s := sent.Load(); s > 32<<20 {
		t.Errorf("the server read %d MB of a body limited to 1 MB", s>>20)
	}
}

// TestServerTimeouts checks every timeout of the production server is set (in
// serveApp, read from the source, so a removed line fails here), and that the
// real binary drops a client that never finishes its headers.
func TestServerTimeouts(t *testing.T) {
	_, self, _, _ := runtime.Caller(0)
	mainGo := filepath.Join(filepath.Dir(self), "..", "..", "main.go")
	set := serverFields(t, mainGo)
	for _, f := range []string{"ReadHeaderTimeout", "ReadTimeout", "WriteTimeout", "IdleTimeout", "MaxHeaderBytes"} {
		if !set[f] {
			t.Errorf("server/main.go: the http.Server does not set %s", f)
		}
	}
	if testing.Short() {
		return
	}
	e := newEnv(t, testutil.DB{Name: "sqlite"})
	e.start()
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\nX-Slow: ", e.addr) // never finished
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = io.ReadAll(conn)
	if elapsed := time.Since(start); elapsed > 15*time.Second {
		t.Errorf("a client that never finished its headers was kept %v (err %v)", elapsed, err)
	}
}

// serverFields lists the fields set (to a non-zero literal or expression) in
// http.Server composite literals of a Go file.
func serverFields(t *testing.T, path string) map[string]bool {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		sel, ok := lit.Type.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Server" {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "http" {
			return true
		}
		for _, el := range lit.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if bl, ok := kv.Value.(*ast.BasicLit); ok && bl.Value == "0" {
					continue
				}
				set[kv.Key.(*ast.Ident).Name] = true
			}
		}
		return true
	})
	return set
}

// TestOrderFlood (OWASP API6): one buyer fires 200 orders, 16 at a time, at the
// real binary with the shipped default limit (120 a minute per user, a burst of
// 30): past the burst and its refill every answer is 429 with Retry-After, and
// the database holds exactly the orders that were acknowledged.
func TestOrderFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	e := newEnv(t, testutil.DB{Name: "sqlite"})
	e.extra = []string{"RAPPORT_ORDER_RATE="} // empty: the default, which env.vars turns off for the other tests
	w := e.seed()
	srv := e.start()
	const attempts = 200
	var mu sync.Mutex
	statuses := map[int]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= attempts; i = next.Add(1) {
				r, err := e.do(context.Background(), "POST", "/api/v1/relationships/"+w.rel+"/orders", w.buyerTok,
					map[string]any{"po_number": fmt.Sprintf("FLOOD-%d", i), "lines": []map[string]any{{"product_id": w.products[0], "quantity": 1}}}, nil)
				mu.Lock()
				switch {
				case err != nil:
					statuses[-1]++
				case r.status == 429 && r.header.Get("Retry-After") == "":
					statuses[-429]++
				default:
					statuses[r.status]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("%d orders from one buyer in %v: %v", attempts, elapsed.Round(time.Millisecond), statuses)
	allowed := 30 + int(elapsed.Seconds()*2) + 1
	if statuses[201] < 30 || statuses[201] > allowed {
		t.Errorf("%d orders placed, want 30..%d", statuses[201], allowed)
	}
	if statuses[201]+statuses[429] != attempts {
		t.Errorf("answers other than 201 and 429 with Retry-After: %v", statuses)
	}
	srv.stop(t)
	st := e.openStore()
	defer st.Close()
	var n int64
	if err := st.Reader().Raw("SELECT COUNT(*) FROM orders WHERE po_number LIKE 'FLOOD-%'").Scan(&n).Error; err != nil || int(n) != statuses[201] {
		t.Errorf("%d orders stored (%v), %d acknowledged", n, err, statuses[201])
	}
}
