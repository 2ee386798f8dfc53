package realtime_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/testutil"
)

// TestIdleConnectionMemory measures the server's memory per idle, subscribed
// websocket connection. The clients run in a child process so that only the
// server's side is counted. It opens 10,000 connections, so it runs only when
// asked:
//
//	RAPPORT_MEMORY_TEST=10000 go test ./server/internal/realtime -run IdleConnectionMemory -v
func TestIdleConnectionMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("RAPPORT_MEMORY_TEST"))
	if n <= 0 {
		t.Skip("set RAPPORT_MEMORY_TEST=<connections> to measure memory per idle connection")
	}
	cfg := testutil.Config(t, testutil.DB{Name: "sqlite"})
	cfg.SQLiteSync = "NORMAL"
	s := testutil.NewServerWith(t, cfg)
	f := s.Seed()
	hub := hubOf(s)
	tickets := make([]string, n)
	for i := range tickets {
		tk, _, err := hub.IssueTicket(context.Background(), f.BuyerA.Member.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		tickets[i] = tk
	}
	file := t.TempDir() + "/tickets"
	if err := os.WriteFile(file, []byte(strings.Join(tickets, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	before := memNow()

	child := exec.Command(os.Args[0], "-test.run=^TestIdleClientsHelper$")
	child.Env = append(os.Environ(), "RAPPORT_IDLE_URL="+s.URL, "RAPPORT_IDLE_TICKETS="+file,
		"RAPPORT_IDLE_ORIGIN="+s.Config.PublicOrigin, "RAPPORT_IDLE_REL="+f.RelA)
	stdin, _ := child.StdinPipe()
	stdout, _ := child.StdoutPipe()
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); child.Wait() }()
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "READY") {
	}
	waitFor(t, "every connection", func() bool { return hub.Connections() == n })
	time.Sleep(2 * time.Second) // idle
	after := memNow()
	if out := os.Getenv("RAPPORT_MEMORY_PROFILE"); out != "" {
		if fh, err := os.Create(out); err == nil {
			_ = pprof.Lookup("heap").WriteTo(fh, 0)
			fh.Close()
		}
	}
	perConn := func(a, b uint64) float64 { return float64(int64(b)-int64(a)) / float64(n) / 1024 }
	t.Logf("%d idle subscribed connections, per connection: heap %.1f KB, goroutine stacks %.1f KB, Go runtime total (Sys) %.1f KB, RSS %.1f KB; goroutines %d",
		n, perConn(before.heap, after.heap), perConn(before.stack, after.stack), perConn(before.sys, after.sys),
		perConn(before.rss, after.rss), after.goroutines-before.goroutines)
}

type memSample struct {
	heap, stack, sys, rss uint64
	goroutines            int
}

func memNow() memSample {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSample{heap: m.HeapInuse, stack: m.StackInuse, sys: m.Sys - m.HeapReleased, rss: rssBytes(), goroutines: runtime.NumGoroutine()}
}

func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// TestIdleClientsHelper is the client side of TestIdleConnectionMemory, run in
// a child process: it connects and subscribes every ticket, then idles.
func TestIdleClientsHelper(t *testing.T) {
	url := os.Getenv("RAPPORT_IDLE_URL")
	if url == "" {
		t.Skip("the child process of TestIdleConnectionMemory")
	}
	raw, _ := os.ReadFile(os.Getenv("RAPPORT_IDLE_TICKETS"))
	tickets := strings.Split(string(raw), "\n")
	h := http.Header{"Origin": {os.Getenv("RAPPORT_IDLE_ORIGIN")}}
	conns := make([]*websocket.Conn, len(tickets))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ws, _, err := tryDial(url, tickets[i], h, nil)
				if err != nil {
					t.Errorf("dial %d: %v", i, err)
					continue
				}
				if err := ws.WriteJSON(map[string]any{"type": "subscribe", "relationship_id": os.Getenv("RAPPORT_IDLE_REL"), "after_seq": 0}); err != nil {
					t.Errorf("subscribe: %v", err)
				}
				conns[i] = ws
			}
		}()
	}
	for i := range tickets {
		next <- i
	}
	close(next)
	wg.Wait()
	fmt.Println("READY")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}
