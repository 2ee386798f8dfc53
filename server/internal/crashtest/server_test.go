package crashtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/product"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

const secret = "crash-test-secret-crash-test-secret-0123456789"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds ./server once per test process.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rapport-crashtest-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "rapport")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/rapport/rapport/server").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./server: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// env is one server's configuration: a data folder, or a PostgreSQL schema.
type env struct {
	t       testing.TB
	dataDir string
	dbURL   string // empty: SQLite in dataDir
	addr    string // the server's address (stable across restarts)
	extra   []string
}

func newEnv(t testing.TB, db testutil.DB) *env {
	e := &env{t: t, dataDir: t.TempDir(), addr: freeAddr(t)}
	if db.Name == "postgres" {
		e.dbURL = testutil.PostgresSchema(t)
	}
	return e
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (e *env) vars() []string {
	return append([]string{
		"RAPPORT_ADDR=" + e.addr, "RAPPORT_DATA_DIR=" + e.dataDir, "RAPPORT_DATABASE_URL=" + e.dbURL,
		"RAPPORT_JWT_SECRET=" + secret, "RAPPORT_PUBLIC_ORIGIN=http://" + e.addr, "RAPPORT_LOG_LEVEL=warn",
		"RAPPORT_CONFIG=",
		// These tests place orders at full speed to crash, flood or back up a busy
		// server; the per-user order limit would refuse most of them. A test of
		// the limit itself sets RAPPORT_ORDER_RATE again in extra (the last wins).
		"RAPPORT_ORDER_RATE=0",
	}, e.extra...)
}

// cli runs a subcommand of the binary against this environment.
func (e *env) cli(args ...string) string {
	e.t.Helper()
	cmd := exec.Command(binary(e.t), args...)
	cmd.Env = append(os.Environ(), e.vars()...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("rapport %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return strings.TrimSpace(out.String())
}

// openStore opens the environment's database directly (server stopped, or
// concurrently for reads).
func (e *env) openStore() *store.Store {
	e.t.Helper()
	st, err := store.Open(store.Options{SQLitePath: filepath.Join(e.dataDir, "rapport.db"), DatabaseURL: e.dbURL, Logger: testutil.Logger()})
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// proc is a running server.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
	mu   *sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// start runs the server and waits until /readyz answers 200.
func (e *env) start() *proc {
	e.t.Helper()
	cmd := exec.Command(binary(e.t), "serve")
	cmd.Env = append(os.Environ(), e.vars()...)
	p := &proc{cmd: cmd, done: make(chan struct{}), log: &bytes.Buffer{}, mu: &sync.Mutex{}}
	cmd.Stdout, cmd.Stderr = lockedWriter{p.mu, p.log}, lockedWriter{p.mu, p.log}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	e.t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			e.t.Fatalf("server exited at start:\n%s", p.output())
		default:
		}
		if resp, err := http.Get("http://" + e.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatalf("server not ready after 30 s:\n%s", p.output())
	return nil
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop shuts the server down gracefully.
func (p *proc) stop(t testing.TB) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Errorf("server did not stop within 20 s of SIGTERM")
		p.kill()
	}
}

// rssKB is the server's current resident set.
func (p *proc) rssKB() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(rest, &kb)
			return kb
		}
	}
	return 0
}

// world is what the tests seed: a supplier and a buyer with a relationship and products.
type world struct {
	supplierOrg, buyerOrg, rel string
	supplierAdmin, buyerAdmin  access.Caller
	products                   []string
	supplierTok, buyerTok      string
}

// seed creates the organizations through the `org create` CLI (as an operator
// would), then the relationship and products through the store.
func (e *env) seed() world {
	e.t.Helper()
	var w world
	w.supplierOrg = e.cli("org", "create", "--name", "Crash Supplier", "--admin-email", "admin@supplier.test", "--admin-password", "crash-test-password")
	w.buyerOrg = e.cli("org", "create", "--name", "Crash Buyer", "--admin-email", "admin@buyer.test", "--admin-password", "crash-test-password")
	st := e.openStore()
	defer st.Close()
	ctx := context.Background()
	su, _, err := st.UserByEmail(ctx, "admin@supplier.test")
	if err != nil {
		e.t.Fatal(err)
	}
	bu, _, err := st.UserByEmail(ctx, "admin@buyer.test")
	if err != nil {
		e.t.Fatal(err)
	}
	w.supplierAdmin, w.buyerAdmin = su.Caller(), bu.Caller()
	if w.rel, err = st.CreateRelationship(ctx, w.supplierAdmin, w.supplierOrg, w.buyerOrg); err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		p, err := st.CreateProduct(ctx, w.supplierAdmin, product.Product{SKU: fmt.Sprintf("CR-%d", i), Name: fmt.Sprintf("Crash part %d", i),
			UnitPrice: money.Amount(1000 * (i + 1)), Currency: "EUR", Active: true})
		if err != nil {
			e.t.Fatal(err)
		}
		w.products = append(w.products, p.ID)
	}
	tokens, err := auth.NewTokens([]byte(secret), 15*time.Minute)
	if err != nil {
		e.t.Fatal(err)
	}
	w.supplierTok, _ = tokens.Issue(w.supplierAdmin)
	w.buyerTok, _ = tokens.Issue(w.buyerAdmin)
	return w
}

// response is one HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.body, &m)
	return m
}

// httpClient's timeout is generous: 30 bcrypt checks at once take seconds on a
// busy 2-core machine, and "never hangs" is checked by each test's own bound.
var httpClient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// do sends a request to the server.
func (e *env) do(ctx context.Context, method, path, token string, body any, hdr map[string]string) (response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+e.addr+path, rd)
	if err != nil {
		return response{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// sqlLeak reports text that must never reach a client: SQL, driver errors.
func sqlLeak(body []byte) string {
	low := strings.ToLower(string(body))
	for _, s := range []string{"sqlstate", "select ", "insert ", "update ", "pq:", "pgx", "sqlite", "gorm", "goroutine ", "panic", "dial tcp", "connection refused"} {
		if strings.Contains(low, s) {
			return s
		}
	}
	return ""
}
