package realtime

import (
	"encoding/json"

	"github.com/gorilla/websocket"
)

// pushNotifications turns hints into notification messages for the users
// connected to this instance. It is best effort: the notification list
// (GET /notifications) is the record, and a push lost while a broker
// reconnects is still there.
func (h *Hub) pushNotifications() {
	for {
		var first hint
		select {
		case <-h.ctx.Done():
			return
		case first = <-h.notes:
		}
		batch := map[string][2]int64{first.relID: {first.seq, first.seq}}
	drain:
		for range cap(h.notes) {
			select {
			case n := <-h.notes:
				r, ok := batch[n.relID]
				if !ok {
					r = [2]int64{n.seq, n.seq}
				}
				batch[n.relID] = [2]int64{min(r[0], n.seq), max(r[1], n.seq)}
			default:
				break drain
			}
		}
		for relID, r := range batch {
			h.pushRange(relID, r[0], r[1])
		}
	}
}

// pushRange pushes the notifications of relID's events in [from, to].
func (h *Hub) pushRange(relID string, from, to int64) {
	users := h.connectedUsers()
	if len(users) == 0 {
		return
	}
	notes, err := h.st.NotificationsOfEvents(h.ctx, relID, from, to, users)
	if err != nil {
		h.log.Error("realtime notifications read failed", "relationship_id", relID, "err", err)
		return
	}
	for _, n := range notes {
		conns := h.connsOf(n.UserID)
		if len(conns) == 0 {
			continue
		}
		unread, err := h.st.UnreadNotifications(h.ctx, conns[0].user.Caller())
		if err != nil {
			h.log.Error("realtime unread count failed", "user_id", n.UserID, "err", err)
			continue
		}
		b, err := json.Marshal(notificationMsg{Type: "notification", Notification: n, UnreadCount: unread})
		if err != nil {
			continue
		}
		pm, err := websocket.NewPreparedMessage(websocket.TextMessage, b)
		if err != nil {
			continue
		}
		for _, c := range conns {
			c.enqueue(frame{msgs: []*websocket.PreparedMessage{pm}})
		}
	}
}

func (h *Hub) connectedUsers() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	ids := make([]string, 0, len(h.byUser))
	for id := range h.byUser {
		ids = append(ids, id)
	}
	return ids
}

func (h *Hub) connsOf(userID string) []*conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*conn, 0, len(h.byUser[userID]))
	for c := range h.byUser[userID] {
		out = append(out, c)
	}
	return out
}
