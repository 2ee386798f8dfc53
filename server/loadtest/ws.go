package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// fanout is a set of websocket subscribers measuring, for every event they
// receive, the time from the event's commit stamp ("at") to receipt.
type fanout struct {
	phase    atomic.Pointer[fanoutPhase]
	conns    []*websocket.Conn
	wg       sync.WaitGroup
	dialErrs int
	firstErr string
}

// fanoutPhase collects the deliveries of the events committed from since on.
type fanoutPhase struct {
	since    time.Time // events stamped before this are replays or an earlier phase's, not measured
	rec      recorder
	received atomic.Int64
}

func newFanout() *fanout {
	f := &fanout{}
	f.begin()
	return f
}

// begin starts measuring a new phase: events committed from now on.
func (f *fanout) begin() { f.phase.Store(&fanoutPhase{since: time.Now()}) }

type wsMessage struct {
	Type  string `json:"type"`
	Event struct {
		At time.Time `json:"at"`
	} `json:"event"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// listen reads messages until the connection closes.
func (f *fanout) listen(conn *websocket.Conn) {
	defer f.wg.Done()
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		p := f.phase.Load()
		var m wsMessage
		if json.Unmarshal(b, &m) != nil || m.Type != "event" || m.Event.At.Before(p.since) {
			if m.Type == "error" {
				p.rec.add(0, fmt.Errorf("ws error %s: %s", m.Code, m.Message))
			}
			continue
		}
		p.received.Add(1)
		p.rec.add(now.Sub(m.Event.At), nil)
	}
}

func (f *fanout) dialErr(err error) {
	f.dialErrs++
	if f.firstErr == "" {
		f.firstErr = err.Error()
	}
}

func (f *fanout) close() {
	for _, c := range f.conns {
		c.Close()
	}
	f.wg.Wait()
}

// result reports the current phase.
func (f *fanout) result(name, mode string, elapsed time.Duration, subscribers int) *Result {
	p := f.phase.Load()
	r := p.rec.result(name, mode, elapsed)
	r.Errors += f.dialErrs
	if r.FirstErr == "" {
		r.FirstErr = f.firstErr
	}
	r.Note = fmt.Sprintf("%d subscribers, %d deliveries", subscribers-f.dialErrs, p.received.Load())
	return r
}

// ceilingFanout: the bare gorilla broadcast. Subscribers listen to the hot
// relationships; single-row inserts into them are broadcast at the same rate
// as the portal's fan-out phase writes.
func (h *harness) ceilingFanout(ctx context.Context) *Result {
	return h.ceilingFanoutOn(ctx, h.ceiling, "ceiling: ws broadcast, commit → receipt")
}

// ceilingFanoutOn measures the bare broadcast of the ceiling server c.
func (h *harness) ceilingFanoutOn(ctx context.Context, c *child, name string) *Result {
	f := newFanout()
	wsBase := "ws" + strings.TrimPrefix(c.base, "http")
	for i := 0; i < h.o.wsClients; i++ {
		r := h.hot[i%len(h.hot)]
		conn, _, err := websocket.DefaultDialer.DialContext(ctx, wsBase+"/ws?rel="+h.man.Rels[r].ID, nil)
		if err != nil {
			f.dialErr(err)
			continue
		}
		f.conns = append(f.conns, conn)
		f.wg.Add(1)
		go f.listen(conn)
	}
	time.Sleep(200 * time.Millisecond)
	rate := h.fanoutWriteRate()
	f.begin()
	start := time.Now()
	openLoop(ctx, "ceiling inserts", rate, h.o.duration, func(ctx context.Context, _ int) error {
		return h.ceilingInsertRel(ctx, c, h.hot[rand.IntN(len(h.hot))])
	})
	time.Sleep(500 * time.Millisecond)
	f.close()
	return f.result(name, fmt.Sprintf("%.0f writes/s", rate), time.Since(start), h.o.wsClients)
}

// ceilingFanoutBeside measures the bare broadcast again while the portal runs
// the same mixed load as in its fan-out phase: the machine's load is then the
// same for both broadcasts, and only what the portal adds is compared. The
// ceiling gets an empty database of its own (it writes only ceiling_rows), so
// the two servers do not share a SQLite write lock.
func (h *harness) ceilingFanoutBeside(ctx context.Context, rate float64, portalUnderLoad *Result) {
	c, _, err := h.startCeilingOn(ctx, "ceiling-beside", filepath.Join(h.runDir, "ceiling-beside.db"))
	if err != nil {
		h.skip("ceiling: ws broadcast beside the portal's mixed load", err.Error())
		return
	}
	defer c.stop()
	var load *Result
	done := make(chan struct{})
	go func() {
		load = openLoop(ctx, "portal mixed load beside the bare broadcast", rate, h.o.duration, h.mixed)
		close(done)
	}()
	r := h.on(c, func() *Result {
		return h.ceilingFanoutOn(ctx, c, "ceiling: ws broadcast beside the portal's mixed load")
	})
	<-done
	h.record(load, h.portal)
	if p := r.Pct(99); p > 0 && portalUnderLoad != nil && portalUnderLoad.N > 0 {
		r.Note += fmt.Sprintf("; the portal's fan-out under the same load: p99 %.2f× this", float64(portalUnderLoad.Pct(99))/float64(p))
	}
	h.record(r, c)
}

// fanoutWriteRate is the rate of writes into the hot relationships during the
// fan-out phase: the share of the mixed load's writes that go there.
func (h *harness) fanoutWriteRate() float64 {
	if h.o.short {
		return 20
	}
	return 40
}

// portalFanout subscribes the clients to the hot relationships through tickets,
// then measures deliveries twice: with only the writes into the subscribed
// relationships, as the ceiling's broadcast runs (the like-for-like ratio), and
// with the mixed load at a constant rate beside them (the goal's condition).
func (h *harness) portalFanout(ctx context.Context) {
	if !h.features["ws"] {
		h.skip("ws fan-out during mixed load", "the portal has no websocket stream yet")
		return
	}
	stopRSS := watchRSS(h.portal)
	f := newFanout()
	wsBase := "ws" + strings.TrimPrefix(h.portal.base, "http")
	for i := 0; i < h.o.wsClients && ctx.Err() == nil; i++ {
		conn, err := h.subscribe(ctx, wsBase, h.hot[i%len(h.hot)])
		if err != nil {
			f.dialErr(err)
			continue
		}
		f.conns = append(f.conns, conn)
		f.wg.Add(1)
		go f.listen(conn)
	}
	time.Sleep(500 * time.Millisecond)
	// The same event stream as the ceiling's: W orders/s into the subscribed relationships.
	w := h.fanoutWriteRate()
	hot := func(ctx context.Context, _ int) error { return h.placeOrderRel(ctx, h.hot[rand.IntN(len(h.hot))]) }

	f.begin()
	start, cpu := time.Now(), h.portal.cpuTime()
	aloneWrites := openLoop(ctx, "orders into subscribed relationships, alone", w, h.o.duration, hot)
	time.Sleep(500 * time.Millisecond)
	alone := f.result("ws fan-out alone, commit → receipt", fmt.Sprintf("%.0f orders/s", w), time.Since(start), h.o.wsClients)
	alone.ServerCPU = h.portal.cpuTime() - cpu // per delivery, with the writes, as the ceiling's broadcast
	alone.Ceiling = h.ceilWS

	rate := h.o.wsRate
	if rate == 0 {
		rate = 200
	}
	f.begin()
	start = time.Now()
	var load *Result
	done := make(chan struct{})
	go func() {
		load = openLoop(ctx, "mixed load under fan-out", rate, h.o.duration, h.mixed)
		close(done)
	}()
	hotWrites := openLoop(ctx, "orders into subscribed relationships", w, h.o.duration, hot)
	<-done
	time.Sleep(500 * time.Millisecond)
	f.close()
	r := f.result("ws fan-out during mixed load, commit → receipt", fmt.Sprintf("%.0f orders/s + mixed %.0f/s", w, rate), time.Since(start), h.o.wsClients)
	peak := stopRSS()
	for _, x := range []*Result{aloneWrites, alone, load, hotWrites, r} {
		x.PeakRSSKB = peak
	}
	h.record(aloneWrites, h.portal)
	h.record(alone, h.portal)
	h.record(load, h.portal)
	h.record(hotWrites, h.portal)
	r.Ceiling = h.ceilWS
	h.record(r, h.portal)
	h.ceilingFanoutBeside(ctx, rate, r)
}

// subscribe gets a ticket, upgrades and subscribes to relationship r from its current seq.
func (h *harness) subscribe(ctx context.Context, wsBase string, r int) (*websocket.Conn, error) {
	var b []byte
	if err := call(ctx, "POST", h.portal.base+"/api/v1/ws/ticket", h.buyer[r], "", 201, nil, &b); err != nil {
		return nil, err
	}
	var t struct {
		Ticket string `json:"ticket"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	var ev []byte
	if err := call(ctx, "GET", h.relBase(r)+"/events?after_seq=0&limit=1", h.buyer[r], "", 200, nil, &ev); err != nil {
		return nil, err
	}
	var last struct {
		LastSeq int64 `json:"last_seq"`
	}
	_ = json.Unmarshal(ev, &last)
	hdr := http.Header{"Origin": {h.portal.base}}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, wsBase+"/api/v1/ws?ticket="+t.Ticket, hdr)
	if err != nil {
		return nil, err
	}
	sub := fmt.Sprintf(`{"type":"subscribe","relationship_id":%q,"after_seq":%d}`, h.man.Rels[r].ID, last.LastSeq)
	if err := conn.WriteMessage(websocket.TextMessage, []byte(sub)); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
