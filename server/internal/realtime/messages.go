package realtime

import (
	"encoding/json"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/store"
)

// clientMsg is what a client sends: subscribe or unsubscribe.
type clientMsg struct {
	Type           string `json:"type"`
	RelationshipID string `json:"relationship_id"`
	AfterSeq       int64  `json:"after_seq"`
}

// eventMsg carries one event of a subscribed relationship.
type eventMsg struct {
	Type           string      `json:"type"` // "event"
	RelationshipID string      `json:"relationship_id"`
	Event          event.Event `json:"event"`
}

// subscribedMsg confirms a subscription; the replay follows it.
type subscribedMsg struct {
	Type           string `json:"type"` // "subscribed" or "unsubscribed"
	RelationshipID string `json:"relationship_id"`
	LastSeq        *int64 `json:"last_seq,omitempty"`
}

// errorMsg reports a refused client message; the connection stays open.
type errorMsg struct {
	Type           string `json:"type"` // "error"
	Code           string `json:"code"`
	Message        string `json:"message"`
	RelationshipID string `json:"relationship_id,omitempty"`
}

// notificationMsg pushes a new notification to its user's connections.
type notificationMsg struct {
	Type         string             `json:"type"` // "notification"
	Notification store.Notification `json:"notification"`
	UnreadCount  int64              `json:"unread_count"`
}

// encodeEvent builds the event's websocket frame once for every recipient.
func encodeEvent(ev event.Event) (*websocket.PreparedMessage, error) {
	b, err := json.Marshal(eventMsg{Type: "event", RelationshipID: ev.RelationshipID, Event: ev})
	if err != nil {
		return nil, err
	}
	return websocket.NewPreparedMessage(websocket.TextMessage, b)
}
