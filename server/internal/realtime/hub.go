// Package realtime is the websocket stream of relationship events: a hub that
// fans each committed event out to the connections subscribed to its
// relationship, on one instance (local broker) or across several (PostgreSQL
// LISTEN/NOTIFY). Live notifications are only hints ("relationship X has seq S");
// every delivery reads the event from the log after what the subscription has
// already received, so replay, live, reconnect and cross-instance delivery are
// one code path with no gap and no duplicate.
package realtime

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/store"
)

// Close codes the hub sends besides the standard ones.
const (
	CloseTooSlow       = 4008 // the send queue overflowed; resume from the last seq received
	CloseAccessRevoked = 4003 // the user was deactivated
)

// Options tune the hub; the zero value of each field picks the default.
type Options struct {
	Log               *slog.Logger
	QueueSize         int           // messages waiting per connection before it is closed as too slow (256)
	PingInterval      time.Duration // keepalive ping period (25 s); a connection silent for twice that is dead
	WriteWait         time.Duration // deadline of one write (10 s)
	TicketTTL         time.Duration // lifetime of a websocket ticket (30 s)
	MaxSubscriptions  int           // relationships one connection may follow (64)
	ReplayPage        int           // events read from the log per replay step (200)
	SocketWriteBuffer int           // SO_SNDBUF of accepted connections; 0 keeps the OS default (tests shrink it)
}

func (o *Options) defaults() {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 256
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.WriteWait <= 0 {
		o.WriteWait = 10 * time.Second
	}
	if o.TicketTTL <= 0 {
		o.TicketTTL = 30 * time.Second
	}
	if o.MaxSubscriptions <= 0 {
		o.MaxSubscriptions = 64
	}
	if o.ReplayPage <= 0 {
		o.ReplayPage = 200
	}
}

// Hub owns every websocket connection of this instance and one topic per
// relationship that at least one of them follows.
type Hub struct {
	st       *store.Store
	opt      Options
	log      *slog.Logger
	upgrader websocket.Upgrader

	mu      sync.RWMutex
	topics  map[string]*topic
	byUser  map[string]map[*conn]struct{}
	closing bool

	conns    sync.WaitGroup
	ctx      context.Context // ends at Close; background reads use it
	cancel   context.CancelFunc
	workers  sync.WaitGroup
	notes    chan hint
	brokerMu sync.Mutex
	broker   Broker
}

// hint says that relationship relID's log has reached at least seq.
type hint struct {
	relID string
	seq   int64
}

// New builds a hub on st and starts broker, which feeds it hints of committed
// events until Close.
func New(st *store.Store, broker Broker, opt Options) *Hub {
	opt.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{st: st, opt: opt, log: opt.Log, topics: map[string]*topic{}, byUser: map[string]map[*conn]struct{}{},
		ctx: ctx, cancel: cancel, notes: make(chan hint, 4096), broker: broker}
	h.upgrader = websocket.Upgrader{
		// Client messages are tiny: a 512-byte read buffer instead of the
		// hijacked 4 KB one. Writes borrow a pooled buffer only while writing,
		// so an idle connection holds none.
		ReadBufferSize:   512,
		WriteBufferPool:  &sync.Pool{},
		HandshakeTimeout: 10 * time.Second,
		CheckOrigin:      func(*http.Request) bool { return true }, // the HTTP layer checked it against the configured origins
		Error:            handshakeError,
	}
	h.workers.Add(2)
	go func() { defer h.workers.Done(); h.runBroker() }()
	go func() { defer h.workers.Done(); h.pushNotifications() }()
	return h
}

// runBroker runs the broker until Close; a broker that fails is restarted,
// after which every topic catches up from the log.
func (h *Hub) runBroker() {
	backoff := 100 * time.Millisecond
	for h.ctx.Err() == nil {
		err := h.broker.Run(h.ctx, h)
		if h.ctx.Err() != nil {
			return
		}
		h.log.Warn("realtime broker stopped; restarting", "err", err, "in", backoff)
		select {
		case <-h.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// fanOutPage is how many events a topic reads and hands out at a time: at
// most half a queue, so a client that keeps up never overflows on a burst.
func (h *Hub) fanOutPage() int { return max(1, min(128, h.opt.QueueSize/2)) }

// Hint tells the hub that relID's log has reached seq (brokers call it).
func (h *Hub) Hint(relID string, seq int64) {
	h.mu.RLock()
	t := h.topics[relID]
	h.mu.RUnlock()
	if t != nil {
		t.hint(seq)
	}
	h.hintNotes(relID, seq)
}

// hintNotes queues a hint for the notification pusher when anyone is connected.
func (h *Hub) hintNotes(relID string, seq int64) {
	h.mu.RLock()
	anyone := len(h.byUser) > 0
	h.mu.RUnlock()
	if anyone {
		select {
		case h.notes <- hint{relID, seq}:
		default:
			h.log.Warn("realtime notification queue full; a notification is only in the list", "relationship_id", relID, "seq", seq)
		}
	}
}

// Committed offers just-committed events to their topics and hints them.
func (h *Hub) Committed(evs []event.Event) {
	for start := 0; start < len(evs); {
		end := start + 1
		for end < len(evs) && evs[end].RelationshipID == evs[start].RelationshipID {
			end++
		}
		relID := evs[start].RelationshipID
		h.mu.RLock()
		t := h.topics[relID]
		h.mu.RUnlock()
		if t != nil {
			t.offer(evs[start:end])
		}
		for _, ev := range evs[start:end] {
			h.hintNotes(relID, ev.Seq)
		}
		start = end
	}
}

// Resync makes every topic read its relationship's log again: brokers call it
// after a time in which hints may have been lost.
func (h *Hub) Resync() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, t := range h.topics {
		t.hint(0)
	}
}

// IssueTicket creates a one-time ticket for userID, valid TicketTTL. Only its
// hash is stored, in the database, so any instance can redeem it.
func (h *Hub) IssueTicket(ctx context.Context, userID string) (string, time.Time, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("websocket ticket: %w", err)
	}
	ticket := base64.RawURLEncoding.EncodeToString(raw[:])
	expires := h.st.Now().Add(h.opt.TicketTTL).Truncate(time.Millisecond)
	if err := h.st.SaveWSTicket(ctx, userID, hashTicket(ticket), expires); err != nil {
		return "", time.Time{}, err
	}
	return ticket, expires, nil
}

// RedeemTicket consumes a ticket and returns its user; a reused, expired or
// forged ticket is errs.ErrUnauthorized.
func (h *Hub) RedeemTicket(ctx context.Context, ticket string) (account.User, error) {
	if ticket == "" || len(ticket) > 128 {
		return account.User{}, fmt.Errorf("websocket ticket: %w", errs.ErrUnauthorized)
	}
	return h.st.RedeemWSTicket(ctx, hashTicket(ticket))
}

func hashTicket(ticket string) string {
	sum := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(sum[:])
}

// ServeWS upgrades a request whose ticket and Origin the HTTP layer has
// already accepted and serves the connection for user on two goroutines of
// its own. It returns at once, so that the request's buffers, context and
// router state are freed instead of being held for the connection's life.
func (h *Hub) ServeWS(w http.ResponseWriter, r *http.Request, user account.User) {
	h.mu.RLock()
	closing := h.closing
	h.mu.RUnlock()
	if closing {
		handshakeError(w, r, http.StatusServiceUnavailable, errors.New("the server is shutting down; reconnect"))
		return
	}
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered the client
	}
	if h.opt.SocketWriteBuffer > 0 {
		if tc, ok := ws.NetConn().(*net.TCPConn); ok {
			_ = tc.SetWriteBuffer(h.opt.SocketWriteBuffer)
		}
	}
	c := newConn(h, ws, user)
	if !h.register(c) { // Close began after the check above
		msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down")
		_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		_ = ws.Close()
		return
	}
	go c.writeLoop()
	go c.readLoop()
}

func handshakeError(w http.ResponseWriter, _ *http.Request, status int, reason error) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":"https://rapport.dev/problems/websocket","title":%q,"status":%d,"detail":%q}`,
		http.StatusText(status), status, reason.Error())
}

// register adds c to the hub; false when the hub is closing.
func (h *Hub) register(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	h.conns.Add(1) // never once Close may be waiting
	set := h.byUser[c.user.ID]
	if set == nil {
		set = map[*conn]struct{}{}
		h.byUser[c.user.ID] = set
	}
	set[c] = struct{}{}
	return true
}

// unregister removes a finished connection.
func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	if set := h.byUser[c.user.ID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.byUser, c.user.ID)
		}
	}
	h.mu.Unlock()
	h.conns.Done()
}

// Close stops the broker and closes every connection with 1001 "going away",
// waiting for them (or ctx) to finish.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		return nil
	}
	h.closing = true
	var all []*conn
	for _, set := range h.byUser {
		for c := range set {
			all = append(all, c)
		}
	}
	h.mu.Unlock()
	for _, c := range all {
		c.shutdown(websocket.CloseGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { h.conns.Wait(); h.cancel(); h.workers.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		h.cancel()
		return fmt.Errorf("realtime close: %w", ctx.Err())
	}
}

// Connections counts the open connections (metrics and tests).
func (h *Hub) Connections() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, set := range h.byUser {
		n += len(set)
	}
	return n
}

// ListenerPID is the PostgreSQL backend pid of the LISTEN connection, or 0
// (tests kill it to prove that the hub recovers).
func (h *Hub) ListenerPID() uint32 {
	if pg, ok := h.broker.(*PGBroker); ok {
		return pg.PID()
	}
	return 0
}
