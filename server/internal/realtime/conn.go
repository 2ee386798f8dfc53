package realtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/errs"
)

// frame is a run of queued server messages (a batch of events of one
// relationship, or a notification); sub is set for events so that frames of a
// subscription removed meanwhile are dropped.
type frame struct {
	msgs []*websocket.PreparedMessage
	sub  *subscription
}

// conn is one websocket connection. The reader goroutine (the HTTP handler's)
// parses client messages; the writer goroutine owns every write and the
// connection's subscriptions, and replays the log for new ones.
type conn struct {
	hub  *Hub
	ws   *websocket.Conn
	user account.User

	send       chan frame     // bounded, and so is pending: full means too slow
	pending    atomic.Int64   // messages queued in send
	ctl        chan clientMsg // client requests, handled by the writer
	quit       chan struct{}
	readerDone chan struct{}
	closeOnce  sync.Once
	closeCode  int
	closeText  string

	// Owned by the writer goroutine.
	subs       map[string]*subscription
	replaying  []*subscription
	deadlineAt time.Time // when the current write deadline was set
}

func newConn(h *Hub, ws *websocket.Conn, user account.User) *conn {
	return &conn{hub: h, ws: ws, user: user, send: make(chan frame, min(h.opt.QueueSize, 32)), ctl: make(chan clientMsg, 4),
		quit: make(chan struct{}), readerDone: make(chan struct{})}
}

// shutdown asks the writer to close the connection with code; the first call wins.
func (c *conn) shutdown(code int, text string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.quit)
	})
}

// enqueue hands a frame to the writer without ever blocking the caller; a full
// queue closes the connection, and the client resumes from its last seq.
func (c *conn) enqueue(f frame) {
	if c.pending.Add(int64(len(f.msgs))) > int64(c.hub.opt.QueueSize) {
		c.shutdown(CloseTooSlow, "too slow, resume from last seq")
		return
	}
	select {
	case c.send <- f:
	default:
		c.shutdown(CloseTooSlow, "too slow, resume from last seq")
	}
}

// readLoop reads client messages until the connection ends.
func (c *conn) readLoop() {
	defer close(c.readerDone)
	defer c.shutdown(websocket.CloseNormalClosure, "")
	c.ws.SetReadLimit(4096)
	pongWait := 2 * c.hub.opt.PingInterval
	_ = c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		_ = c.ws.SetReadDeadline(time.Now().Add(pongWait))
		var m clientMsg
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			m = clientMsg{Type: "invalid"}
		}
		select {
		case c.ctl <- m:
		case <-c.quit:
			return
		}
	}
}

// writeLoop owns the connection's writes until it closes.
func (c *conn) writeLoop() {
	ping := time.NewTicker(c.hub.opt.PingInterval)
	defer func() {
		ping.Stop()
		c.dropSubscriptions()
		c.hub.unregister(c)
	}()
	for {
		select {
		case <-c.quit:
			c.closeGracefully()
			return
		default:
		}
		if len(c.replaying) > 0 {
			if err := c.serveOne(ping.C, true); err != nil {
				c.fail(err)
				return
			}
			if err := c.replayStep(); err != nil {
				c.fail(err)
				return
			}
			continue
		}
		if err := c.serveOne(ping.C, false); err != nil {
			c.fail(err)
			return
		}
	}
}

var errQuit = errors.New("quit")

// ready is a closed channel: selecting on it never waits.
var ready = func() chan time.Time { c := make(chan time.Time); close(c); return c }()

// serveOne handles one queued frame, client request or ping; with poll it
// returns at once when none is ready.
func (c *conn) serveOne(ping <-chan time.Time, poll bool) error {
	var none <-chan time.Time // nil: wait
	if poll {
		none = ready
	}
	select {
	case <-c.quit:
		return nil // handled at the top of the loop
	case f := <-c.send:
		defer c.pending.Add(-int64(len(f.msgs)))
		if f.sub != nil && f.sub.removed {
			return nil
		}
		for _, pm := range f.msgs {
			if err := c.writePrepared(pm); err != nil {
				return err
			}
		}
		return nil
	case m := <-c.ctl:
		return c.handle(m)
	case <-ping:
		c.armDeadline()
		return c.ws.WriteMessage(websocket.PingMessage, nil)
	case <-none:
		return nil
	}
}

func (c *conn) writePrepared(pm *websocket.PreparedMessage) error {
	c.armDeadline()
	return c.ws.WritePreparedMessage(pm)
}

func (c *conn) writeJSON(v any) error {
	c.armDeadline()
	return c.ws.WriteJSON(v)
}

// armDeadline keeps a write deadline between WriteWait/2 and WriteWait ahead:
// resetting the runtime timer on every message costs more than it protects.
func (c *conn) armDeadline() {
	now := time.Now()
	if now.Sub(c.deadlineAt) > c.hub.opt.WriteWait/2 {
		c.deadlineAt = now
		_ = c.ws.SetWriteDeadline(now.Add(c.hub.opt.WriteWait))
	}
}

// fail ends a connection whose write or read failed.
func (c *conn) fail(err error) {
	c.hub.log.Debug("realtime connection ended", "user_id", c.user.ID, "err", err)
	if errors.Is(err, errs.ErrUnauthorized) {
		c.shutdown(CloseAccessRevoked, "access revoked")
	} else if !errors.Is(err, errQuit) {
		c.shutdown(websocket.CloseInternalServerErr, "server error, reconnect")
	}
	c.closeGracefully()
}

// closeGracefully sends the close frame, waits briefly for the client's reply
// (so the frame is read, not lost to a reset) and closes the socket.
func (c *conn) closeGracefully() {
	c.shutdown(websocket.CloseNormalClosure, "")
	msg := websocket.FormatCloseMessage(c.closeCode, c.closeText)
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	select {
	case <-c.readerDone:
	case <-time.After(2 * time.Second):
	}
	_ = c.ws.Close()
	<-c.readerDone
}

// handle serves one client request.
func (c *conn) handle(m clientMsg) error {
	switch m.Type {
	case "subscribe":
		return c.subscribe(m)
	case "unsubscribe":
		return c.unsubscribe(m)
	case "invalid":
		return c.writeJSON(errorMsg{Type: "error", Code: "bad_request", Message: "Send a JSON object with type subscribe or unsubscribe, relationship_id and after_seq."})
	default:
		return c.writeJSON(errorMsg{Type: "error", Code: "unknown_type", Message: "type must be subscribe or unsubscribe."})
	}
}

func (c *conn) refuse(code, message, relID string) error {
	return c.writeJSON(errorMsg{Type: "error", Code: code, Message: message, RelationshipID: relID})
}

// subscribe resolves the relationship for the user (an outsider learns only
// that it is not theirs), confirms, and starts replaying after after_seq.
func (c *conn) subscribe(m clientMsg) error {
	switch {
	case m.RelationshipID == "":
		return c.refuse("bad_request", "relationship_id is required.", "")
	case m.AfterSeq < 0:
		return c.refuse("bad_request", "after_seq must be 0 or more.", m.RelationshipID)
	}
	if old := c.subs[m.RelationshipID]; old != nil {
		c.removeSubscription(old) // a new subscribe restarts from its after_seq
	} else if len(c.subs) >= c.hub.opt.MaxSubscriptions {
		return c.refuse("too_many_subscriptions", "Unsubscribe from a relationship first.", m.RelationshipID)
	}
	if _, err := c.hub.st.UserByID(c.hub.ctx, c.user.ID); err != nil {
		return translate(err)
	}
	rel, err := c.hub.st.ResolveRel(c.hub.ctx, c.user.Caller(), m.RelationshipID)
	if errors.Is(err, errs.ErrNotFound) {
		return c.refuse("not_found", "This relationship does not exist or is not one of yours.", m.RelationshipID)
	}
	if err != nil {
		return err
	}
	last, err := c.hub.st.LastSeq(c.hub.ctx, rel.ID)
	if err != nil {
		return err
	}
	sub := &subscription{conn: c, rel: rel, delivered: m.AfterSeq}
	c.hub.attach(sub, last)
	if c.subs == nil {
		c.subs = map[string]*subscription{}
	}
	c.subs[rel.ID] = sub
	c.replaying = append(c.replaying, sub)
	return c.writeJSON(subscribedMsg{Type: "subscribed", RelationshipID: rel.ID, LastSeq: &last})
}

// translate turns a vanished user into revoked access.
func translate(err error) error {
	if errors.Is(err, errs.ErrNotFound) {
		return errs.ErrUnauthorized
	}
	return err
}

func (c *conn) unsubscribe(m clientMsg) error {
	sub := c.subs[m.RelationshipID]
	if sub == nil {
		return c.refuse("not_subscribed", "This connection does not follow that relationship.", m.RelationshipID)
	}
	c.removeSubscription(sub)
	return c.writeJSON(subscribedMsg{Type: "unsubscribed", RelationshipID: m.RelationshipID})
}

func (c *conn) removeSubscription(sub *subscription) {
	sub.removed = true
	delete(c.subs, sub.rel.ID)
	for i, r := range c.replaying {
		if r == sub {
			c.replaying = append(c.replaying[:i], c.replaying[i+1:]...)
			break
		}
	}
	c.hub.detach(sub)
}

func (c *conn) dropSubscriptions() {
	for _, sub := range c.subs {
		c.removeSubscription(sub)
	}
}

// replayStep sends the next page of the first replaying subscription from the
// log, filtered for the user. When the log is exhausted it asks the topic to go
// live: the topic accepts only if nothing was fanned out past what the replay
// sent, so the seam has neither a gap nor a duplicate.
func (c *conn) replayStep() error {
	sub := c.replaying[0]
	ctx := c.hub.ctx
	if _, err := c.hub.st.UserByID(ctx, c.user.ID); err != nil {
		return translate(err)
	}
	last, err := c.hub.st.LastSeq(ctx, sub.rel.ID) // read before the events: every seq up to last is in the read below
	if err != nil {
		return err
	}
	from := sub.replayFrom()
	evs, err := c.hub.st.Events(ctx, sub.rel, from, c.hub.opt.ReplayPage)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		pm, err := encodeEvent(ev)
		if err != nil {
			return err
		}
		if err := c.writePrepared(pm); err != nil {
			return err
		}
		from = ev.Seq
	}
	if len(evs) == c.hub.opt.ReplayPage {
		sub.topic.setDelivered(sub, from)
		return nil
	}
	if sub.topic.goLive(sub, max(from, last)) {
		c.replaying = c.replaying[1:]
	}
	return nil
}
