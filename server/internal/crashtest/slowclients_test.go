package crashtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/testutil"
)

// slowDialer opens websocket connections whose receive buffer is tiny, so a
// client that never reads stops accepting data after a few kilobytes, as a
// stalled phone on a bad network would.
var slowDialer = &websocket.Dialer{
	HandshakeTimeout: 10 * time.Second,
	NetDialContext: (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		cerr := c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if cerr != nil {
			return cerr
		}
		return err
	}}).DialContext,
}

// subscribeSlow gets a ticket, upgrades and subscribes from seq 0, then never reads.
func (e *env) subscribeSlow(ctx context.Context, w world) (*websocket.Conn, error) {
	r, err := e.do(ctx, "POST", "/api/v1/ws/ticket", w.buyerTok, nil, nil)
	if err != nil {
		return nil, err
	}
	if r.status != 201 {
		return nil, fmt.Errorf("ticket: %d %s", r.status, r.body)
	}
	var t struct{ Ticket string }
	if err := json.Unmarshal(r.body, &t); err != nil {
		return nil, err
	}
	conn, _, err := slowDialer.DialContext(ctx, "ws://"+e.addr+"/api/v1/ws?ticket="+t.Ticket, http.Header{"Origin": {"http://" + e.addr}})
	if err != nil {
		return nil, err
	}
	sub := fmt.Sprintf(`{"type":"subscribe","relationship_id":%q,"after_seq":0}`, w.rel)
	return conn, conn.WriteMessage(websocket.TextMessage, []byte(sub))
}

// TestSlowWebsocketClients connects 1,000 subscribers that never read, then
// writes orders into their relationship at full speed: the server's memory
// must stay bounded and it must keep answering other requests.
func TestSlowWebsocketClients(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	e := newEnv(t, testutil.DB{Name: "sqlite"})
	w := e.seed()
	srv := e.start()
	ctx := context.Background()
	if r, err := e.do(ctx, "POST", "/api/v1/ws/ticket", w.buyerTok, nil, nil); err != nil || r.status == 404 {
		t.Skip("this server has no websocket stream")
	}
	idle := srv.rssKB()
	conns := make([]*websocket.Conn, 1000)
	var dialErr atomic.Value
	var dial sync.WaitGroup
	for g := 0; g < 16; g++ {
		dial.Add(1)
		go func() {
			defer dial.Done()
			for i := g; i < len(conns); i += 16 {
				c, err := e.subscribeSlow(ctx, w)
				if err != nil {
					dialErr.Store(fmt.Errorf("subscriber %d: %w", i, err))
					return
				}
				conns[i] = c
			}
		}()
	}
	dial.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	if err, _ := dialErr.Load().(error); err != nil {
		t.Fatal(err)
	}
	connected := srv.rssKB()

	var stop atomic.Bool
	var placed atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				if status, _, err := ordersWorkload.send(ctx, e, w, fmt.Sprintf("s%d-%d", g, n)); err == nil && status == 201 {
					placed.Add(1)
				}
			}
		}()
	}
	var peak int64
	var slowest time.Duration
	deadline := time.Now().Add(12 * time.Second)
	for time.Now().Before(deadline) {
		peak = max(peak, srv.rssKB())
		t0 := time.Now()
		if st := e.status("/readyz"); st != 200 {
			t.Errorf("/readyz answered %d during the flood", st)
		}
		slowest = max(slowest, time.Since(t0))
		time.Sleep(250 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	closed := countClosed(conns)
	t.Logf("RSS idle %d MB, with 1,000 idle subscribers %d MB, peak during %d orders fanned out %d MB; slowest /readyz %v; %d of 1,000 slow subscribers closed by the server",
		idle>>10, connected>>10, placed.Load(), peak>>10, slowest.Round(time.Millisecond), closed)
	if placed.Load() < 100 {
		t.Fatalf("only %d orders placed: the flood did not happen", placed.Load())
	}
	if peak > 300<<10 {
		t.Errorf("peak RSS %d MB with 1,000 stalled subscribers: memory is not bounded", peak>>10)
	}
	if slowest > 2*time.Second {
		t.Errorf("/readyz took %v during the flood", slowest)
	}
	// How many were closed depends on whether the kernel's socket buffers (up to
	// a few MB per connection) filled before the flood ended; the bound that
	// matters here is the process's memory. The queue limit itself is tested in
	// package realtime.
	_ = closed
}

// countClosed drains what each connection has buffered and reports how many
// the server has closed (a close frame or EOF at the end of the data).
func countClosed(conns []*websocket.Conn) int {
	var closed atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 500)
	for _, c := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c.SetReadDeadline(time.Now().Add(time.Second))
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
						closed.Add(1)
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	return int(closed.Load())
}
