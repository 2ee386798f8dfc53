package realtime_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/testutil"
)

// FuzzClientMessage sends arbitrary client messages over a real websocket to a
// real server. Whatever arrives, the server must neither crash nor stall: a probe
// sent after each message is answered, in order, on the same connection (unless
// the message exceeded the 4 KB read limit, which closes the connection by design).
// Each input gets a connection of its own.
func FuzzClientMessage(f *testing.F) {
	for _, seed := range []string{
		`{"type":"subscribe","relationship_id":"x","after_seq":0}`,
		`{"type":"subscribe","relationship_id":"x","after_seq":-1}`,
		`{"type":"subscribe","relationship_id":"","after_seq":9223372036854775807}`,
		`{"type":"unsubscribe","relationship_id":"x"}`,
		`{"type":"subscribe","relationship_id":"x","after_seq":"1"}`,
		`{"type":"subscribe","extra":true}`,
		`{"type":null}`, `[]`, `null`, `{`, ``, "\x00\xff", `{"type":"subscribe","relationship_id":{"$ne":1}}`,
	} {
		f.Add([]byte(seed))
	}
	s := testutil.NewServer(f, testutil.DB{Name: "sqlite"})
	fx := s.Seed()
	probe := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		st := s.With(t)
		ws, resp, err := tryDial(st.URL, ticketFor(t, st, fx.BuyerA.Member.Token), originHeader(st), nil)
		if err != nil {
			t.Fatalf("dial: %v (%v)", err, resp)
		}
		c := startClient(t, ws)
		if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
			t.Fatalf("write: %v", err)
		}
		probe++
		id := fmt.Sprintf("probe-%d", probe)
		if err := c.ws.WriteJSON(map[string]any{"type": "unsubscribe", "relationship_id": id}); err != nil && len(data) <= 4096 {
			t.Fatalf("write probe: %v", err)
		}
		deadline := time.After(10 * time.Second)
		for {
			select {
			case m, ok := <-c.msgs:
				if !ok {
					if len(data) > 4096 {
						return // closed for the read limit, by design
					}
					t.Fatalf("server closed the connection after %q: %v", data, <-c.closed)
				}
				if m.Type == "error" && m.Code == "not_subscribed" && m.RelationshipID == id {
					return
				}
			case <-deadline:
				t.Fatalf("no answer to the probe after %q", data)
			}
		}
	})
}
