package realtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/httpapi"
	"github.com/rapport/rapport/server/internal/realtime"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// msg is any server message, decoded loosely.
type msg struct {
	Type           string `json:"type"`
	RelationshipID string `json:"relationship_id"`
	LastSeq        *int64 `json:"last_seq"`
	Event          struct {
		Seq  int64           `json:"seq"`
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	} `json:"event"`
	Code         string             `json:"code"`
	Message      string             `json:"message"`
	Notification store.Notification `json:"notification"`
	UnreadCount  int64              `json:"unread_count"`
}

// client is a real websocket client; a goroutine reads every message into msgs.
type client struct {
	t      testing.TB
	ws     *websocket.Conn
	msgs   chan msg
	closed chan error // the read error that ended the connection (a *websocket.CloseError for a close frame)
}

func wsURL(base, ticket string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/api/v1/ws?ticket=" + ticket
}

func ticketFor(t testing.TB, s *testutil.Server, token string) string {
	t.Helper()
	m := s.Call("POST", "/ws/ticket", token, nil).Expect(t, http.StatusCreated).JSON(t)
	return m["ticket"].(string)
}

func originHeader(s *testutil.Server) http.Header {
	return http.Header{"Origin": {s.Config.PublicOrigin}}
}

// tryDial dials with a ticket and headers and returns the handshake response.
func tryDial(base, ticket string, h http.Header, d *websocket.Dialer) (*websocket.Conn, *http.Response, error) {
	if d == nil {
		d = websocket.DefaultDialer
	}
	return d.Dial(wsURL(base, ticket), h)
}

// connect opens a stream for token and starts reading it.
func connect(t testing.TB, s *testutil.Server, token string) *client {
	t.Helper()
	ws, resp, err := tryDial(s.URL, ticketFor(t, s, token), originHeader(s), nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	return startClient(t, ws)
}

func startClient(t testing.TB, ws *websocket.Conn) *client {
	c := &client{t: t, ws: ws, msgs: make(chan msg, 100000), closed: make(chan error, 1)}
	go func() {
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				c.closed <- err
				close(c.msgs)
				return
			}
			var m msg
			if err := json.Unmarshal(data, &m); err != nil {
				c.closed <- err
				close(c.msgs)
				return
			}
			c.msgs <- m
		}
	}()
	t.Cleanup(func() { ws.Close() })
	return c
}

func (c *client) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *client) subscribe(relID string, after int64) {
	c.t.Helper()
	c.send(map[string]any{"type": "subscribe", "relationship_id": relID, "after_seq": after})
}

// next returns the next message or fails after timeout.
func (c *client) next(timeout time.Duration) msg {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("connection closed: %v", <-c.closed)
		}
		return m
	case <-time.After(timeout):
		c.t.Fatalf("no message within %v", timeout)
	}
	return msg{}
}

// quiet fails if a message arrives within d.
func (c *client) quiet(d time.Duration) {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if ok {
			c.t.Fatalf("unexpected message %+v", m)
		}
	case <-time.After(d):
	}
}

// eventsUntil collects event seqs of relID until seq last arrives; other
// message types fail the test unless allowed.
func (c *client) eventsUntil(relID string, last int64, timeout time.Duration) []int64 {
	c.t.Helper()
	var seqs []int64
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("connection closed after %v: %v", seqs, <-c.closed)
			}
			if m.Type != "event" || m.RelationshipID != relID {
				c.t.Fatalf("unexpected message %+v", m)
			}
			seqs = append(seqs, m.Event.Seq)
			if m.Event.Seq >= last {
				return seqs
			}
		case <-deadline:
			c.t.Fatalf("timed out waiting for seq %d; got %v", last, tail(seqs))
		}
	}
}

// closeCode waits for the connection to end and returns its close code.
func (c *client) closeCode(timeout time.Duration) int {
	c.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-c.msgs:
			if ok {
				continue
			}
			err := <-c.closed
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			c.t.Fatalf("connection ended without a close frame: %v", err)
		case <-deadline:
			c.t.Fatalf("connection still open after %v", timeout)
		}
	}
}

func tail(s []int64) []int64 {
	if len(s) > 10 {
		return s[len(s)-10:]
	}
	return s
}

// checkRun fails unless seqs are exactly from..to, each once, in order.
func checkRun(t testing.TB, seqs []int64, from, to int64) {
	t.Helper()
	if int64(len(seqs)) != to-from+1 {
		t.Fatalf("got %d events, want %d (seq %d..%d): %v", len(seqs), to-from+1, from, to, tail(seqs))
	}
	for i, s := range seqs {
		if s != from+int64(i) {
			t.Fatalf("event %d has seq %d, want %d (gap or duplicate)", i, s, from+int64(i))
		}
	}
}

// emit appends a generic event to rel's log as rel's caller.
func emit(t testing.TB, st *store.Store, rel access.Rel, data map[string]any) event.Event {
	t.Helper()
	ev, err := st.AppendEvent(context.Background(), rel, event.New("test.ping", "relationship", rel.ID, data))
	if err != nil {
		t.Fatalf("append event: %v", err)
	}
	return ev
}

func lastSeq(t testing.TB, st *store.Store, relID string) int64 {
	t.Helper()
	n, err := st.LastSeq(context.Background(), relID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// hubServer serves the app's API with a hub built with opt (small queues and
// socket buffers for the slow-client test) and returns it with the hub.
func hubServer(t *testing.T, db testutil.DB, opt realtime.Options) (*testutil.Server, *realtime.Hub) {
	a := testutil.OpenApp(t, testutil.Config(t, db))
	var broker realtime.Broker = realtime.NewLocalBroker(a.Store)
	if a.Store.Dialect() == store.Postgres {
		broker = &realtime.PGBroker{URL: a.Config.DatabaseURL, Log: testutil.Logger()}
	}
	opt.Log = testutil.Logger()
	hub := realtime.New(a.Store, broker, opt)
	t.Cleanup(func() { hub.Close(context.Background()) })
	_, h := httpapi.New(httpapi.Deps{Config: a.Config, Store: a.Store, Tokens: a.Tokens, Log: testutil.Logger(), Realtime: hub})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return &testutil.Server{App: a, URL: hs.URL, HTTP: hs, T: t, Client: hs.Client()}, hub
}

// hubOf returns the hub the app wired.
func hubOf(s *testutil.Server) *realtime.Hub { return s.API.Realtime.(*realtime.Hub) }

// smallReadBuffer dials with a tiny socket receive buffer, so a client that
// does not read fills up quickly.
var smallReadBuffer = &websocket.Dialer{
	HandshakeTimeout: 5 * time.Second,
	NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(2048)
		}
		return c, err
	},
}

// emitScoped appends an event about a confidential plan.
func emitScoped(t testing.TB, s *testutil.Server, rel access.Rel, planID string) event.Event {
	t.Helper()
	ev := event.New(event.PlanUpdated, "plan", planID, map[string]any{"plan_id": planID})
	ev.PlanScope = planID
	out, err := s.Store.AppendEvent(context.Background(), rel, ev)
	if err != nil {
		t.Fatalf("append event: %v", err)
	}
	return out
}
