package realtime_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/testutil"
)

// The fan-out benchmarks put N real websocket clients (gorilla, in this
// process) on one relationship and measure, per event, the time from the
// commit (the store's OnCommit callback) to each client's receipt. The "bare"
// variant broadcasts the same payload with a minimal gorilla/websocket server
// (one writer goroutine and channel per connection, one prepared message per
// broadcast): the ceiling of this machine. After the timed loop each reports a
// burst of events sent back to back as deliveries per second.
//
//	go test ./server/internal/realtime -run '^$' -bench FanOut -benchtime 100x
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("rapport/clients=%d", n), func(b *testing.B) { benchRapport(b, n) })
		b.Run(fmt.Sprintf("bare/clients=%d", n), func(b *testing.B) { benchBare(b, n) })
	}
}

const burstEvents = 100

// receivers records when each seq was sent (committed) and received.
type receivers struct {
	n       int
	mu      sync.Mutex
	sent    map[int64]time.Time
	recv    map[int64][]time.Time
	waiters map[int64]chan struct{}
}

func newReceivers(n int) *receivers {
	return &receivers{n: n, sent: map[int64]time.Time{}, recv: map[int64][]time.Time{}, waiters: map[int64]chan struct{}{}}
}

func (r *receivers) waiter(seq int64) chan struct{} {
	w := r.waiters[seq]
	if w == nil {
		w = make(chan struct{})
		r.waiters[seq] = w
	}
	return w
}

// expect returns a channel closed when every client has seq.
func (r *receivers) expect(seq int64) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.waiter(seq)
}

func (r *receivers) sentAt(seq int64, at time.Time) {
	r.mu.Lock()
	r.sent[seq] = at
	r.mu.Unlock()
}

func (r *receivers) received(seq int64, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recv[seq] = append(r.recv[seq], at)
	if len(r.recv[seq]) == r.n {
		close(r.waiter(seq))
	}
}

// samples are the latencies of the seqs timed with sentAt.
func (r *receivers) samples(seqs []int64) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Duration
	for _, seq := range seqs {
		for _, at := range r.recv[seq] {
			out = append(out, at.Sub(r.sent[seq]))
		}
	}
	return out
}

// readSeqs reads messages and reports each event's seq (found without a full
// JSON decode, the same way for both variants).
func readSeqs(ws *websocket.Conn, on func(seq int64, at time.Time)) {
	key := []byte(`"seq":`)
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		at := time.Now()
		i := bytes.Index(data, key)
		if i < 0 {
			continue
		}
		rest := data[i+len(key):]
		j := bytes.IndexAny(rest, ",}")
		seq, _ := strconv.ParseInt(string(rest[:j]), 10, 64)
		on(seq, at)
	}
}

func report(b *testing.B, samples []time.Duration, deliveriesPerSec float64) {
	slices.Sort(samples)
	pct := func(p float64) float64 {
		return float64(samples[int(float64(len(samples)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(deliveriesPerSec, "deliveries/s")
	b.ReportMetric(0, "ns/op")
}

func benchRapport(b *testing.B, n int) {
	cfg := testutil.Config(b, testutil.DB{Name: "sqlite"})
	cfg.SQLiteSync = "NORMAL"
	s := testutil.NewServerWith(b, cfg)
	f := s.Seed()
	rel := f.Rel(f.RelA, f.Supplier, f.Supplier.Admin)
	start := lastSeq(b, s.Store, f.RelA)
	r := newReceivers(n)
	var count atomic.Int64
	s.Store.OnCommit(func(evs []event.Event) {
		now := time.Now()
		for _, ev := range evs {
			r.sentAt(ev.Seq, now)
		}
	})
	for range n {
		ws, _, err := tryDial(s.URL, ticketFor(b, s, f.BuyerA.Member.Token), originHeader(s), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ws.Close()
		if err := ws.WriteJSON(map[string]any{"type": "subscribe", "relationship_id": f.RelA, "after_seq": start}); err != nil {
			b.Fatal(err)
		}
		go readSeqs(ws, func(seq int64, at time.Time) { count.Add(1); r.received(seq, at) })
	}
	warm := r.expect(start + 1) // every client is live once it has this one
	emit(b, s.Store, rel, nil)
	<-warm
	var timed []int64
	b.ResetTimer()
	for range b.N {
		next := lastSeq(b, s.Store, f.RelA) + 1 // one writer: the next seq is known
		wait := r.expect(next)
		if ev := emit(b, s.Store, rel, nil); ev.Seq != next {
			b.Fatalf("seq %d, expected %d", ev.Seq, next)
		}
		<-wait
		timed = append(timed, next)
	}
	b.StopTimer()
	report(b, r.samples(timed), burstRapport(b, s, rel, n, &count))
}

func burstRapport(b *testing.B, s *testutil.Server, rel access.Rel, n int, count *atomic.Int64) float64 {
	count.Store(0)
	t0 := time.Now()
	for range burstEvents {
		emit(b, s.Store, rel, nil)
	}
	for count.Load() < int64(n*burstEvents) {
		if time.Since(t0) > time.Minute {
			b.Fatalf("burst: %d of %d deliveries", count.Load(), n*burstEvents)
		}
		time.Sleep(time.Millisecond)
	}
	return float64(n*burstEvents) / time.Since(t0).Seconds()
}

// bareServer is the ceiling: upgrade, one writer goroutine per connection, and
// a broadcast that hands one prepared message to every connection's channel.
type bareServer struct {
	mu    sync.Mutex
	conns []chan *websocket.PreparedMessage
}

func (bs *bareServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{WriteBufferPool: &sync.Pool{}, CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ch := make(chan *websocket.PreparedMessage, 256)
	bs.mu.Lock()
	bs.conns = append(bs.conns, ch)
	bs.mu.Unlock()
	go func() {
		for pm := range ch {
			if err := ws.WritePreparedMessage(pm); err != nil {
				return
			}
		}
	}()
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
	}
}

func (bs *bareServer) broadcast(payload []byte) {
	pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, payload)
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, ch := range bs.conns {
		select {
		case ch <- pm:
		default:
		}
	}
}

// barePayload is an event message of the size Rapport sends.
func barePayload(seq int64) []byte {
	return fmt.Appendf(nil, `{"type":"event","relationship_id":"06h1r0f5y8000j2ej5f8rcq5xg","event":{"relationship_id":"06h1r0f5y8000j2ej5f8rcq5xg","seq":%d,"type":"test.ping","subject_type":"relationship","subject_id":"06h1r0f5y8000j2ej5f8rcq5xg","actor_id":"06h1r0f5n8002nm7bffrqqw3wr","actor_side":"supplier","at":"2026-11-27T07:50:48.123456789Z","data":{}}}`, seq)
}

func benchBare(b *testing.B, n int) {
	bs := &bareServer{}
	hs := httptest.NewServer(bs)
	defer hs.Close()
	r := newReceivers(n)
	var count atomic.Int64
	for range n {
		ws, _, err := websocket.DefaultDialer.Dial("ws"+hs.URL[4:], nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ws.Close()
		go readSeqs(ws, func(seq int64, at time.Time) { count.Add(1); r.received(seq, at) })
	}
	for {
		bs.mu.Lock()
		k := len(bs.conns)
		bs.mu.Unlock()
		if k == n {
			break
		}
		time.Sleep(time.Millisecond)
	}
	var timed []int64
	b.ResetTimer()
	seq := int64(0)
	for range b.N {
		seq++
		payload := barePayload(seq)
		wait := r.expect(seq)
		r.sentAt(seq, time.Now())
		bs.broadcast(payload)
		<-wait
		timed = append(timed, seq)
	}
	b.StopTimer()
	count.Store(0)
	t0 := time.Now()
	for range burstEvents {
		seq++
		bs.broadcast(barePayload(seq))
	}
	for count.Load() < int64(n*burstEvents) {
		if time.Since(t0) > time.Minute {
			b.Fatalf("bare burst: %d of %d", count.Load(), n*burstEvents)
		}
		time.Sleep(time.Millisecond)
	}
	report(b, r.samples(timed), float64(n*burstEvents)/time.Since(t0).Seconds())
}
