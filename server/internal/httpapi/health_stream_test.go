package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/testutil"
)

// healthStream is a websocket subscription to one relationship.
type healthStream struct {
	t  *testing.T
	ws *websocket.Conn
}

func openHealthStream(t *testing.T, s *testutil.Server, token, rel string) *healthStream {
	t.Helper()
	ticket := s.Call("POST", "/ws/ticket", token, nil).Expect(t, http.StatusCreated).JSON(t)["ticket"].(string)
	url := "ws" + strings.TrimPrefix(s.URL, "http") + "/api/v1/ws?ticket=" + ticket
	ws, _, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {s.Config.PublicOrigin}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	st := &healthStream{t: t, ws: ws}
	last := s.Call("GET", "/relationships/"+rel+"/events?limit=1", token, nil).Expect(t, 200).JSON(t)["last_seq"]
	if err := ws.WriteJSON(map[string]any{"type": "subscribe", "relationship_id": rel, "after_seq": last}); err != nil {
		t.Fatal(err)
	}
	for st.next()["type"] != "subscribed" {
	}
	return st
}

// next reads the next message (failing after 5 s).
func (h *healthStream) next() map[string]any {
	h.t.Helper()
	_ = h.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := h.ws.ReadMessage()
	if err != nil {
		h.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		h.t.Fatal(err)
	}
	return m
}

// eventTypesUntil lists the event types received until one of type last.
func (h *healthStream) eventTypesUntil(last string) []string {
	h.t.Helper()
	var types []string
	for {
		m := h.next()
		if m["type"] != "event" {
			continue // notifications and the like
		}
		typ := m["event"].(map[string]any)["type"].(string)
		types = append(types, typ)
		if typ == last {
			return types
		}
	}
}

// The stream pushes a health alert to the supplier's users and never to the buyer's.
func TestHealthAlertStreamsToTheSupplierOnly(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		base := healthTomorrowNoon()
		h := newHealthHistory(t, s, f.RelA, f.Supplier, f.BuyerA, base.AddDate(-1, 0, 0))
		h.event(base.AddDate(0, 0, -40), access.Buyer, event.CommentCreated, nil)
		supplier := openHealthStream(t, s, f.Supplier.Member.Token, f.RelA)
		buyer := openHealthStream(t, s, f.BuyerA.Member.Token, f.RelA)

		runHealthJob(t, s, base) // 40 days of silence: one alert
		h.event(base.Add(time.Minute), access.Supplier, "test.barrier", nil)

		if got := supplier.eventTypesUntil("test.barrier"); !strings.Contains(strings.Join(got, ","), event.HealthAlert) {
			t.Errorf("the supplier's stream got %v, want the health alert", got)
		}
		if got := buyer.eventTypesUntil("test.barrier"); strings.Contains(strings.Join(got, ","), event.HealthAlert) {
			t.Errorf("the buyer's stream got %v: a health alert leaked", got)
		}
	})
}
