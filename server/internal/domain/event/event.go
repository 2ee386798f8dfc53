// Package event defines the relationship event log: the activity feed, the audit
// trail and the real-time stream are all read from it.
package event

import (
	"encoding/json"
	"time"
)

// Event types: the contract of the feed and the stream.
const (
	OrderSubmitted      = "order.submitted"
	OrderAcknowledged   = "order.acknowledged"
	OrderStatusChanged  = "order.status_changed"
	OrderCancelled      = "order.cancelled"
	OrderRejected       = "order.rejected"
	ForecastRevised     = "forecast.revised"
	ForecastCommitted   = "forecast.committed"
	PlanCreated         = "plan.created"
	PlanUpdated         = "plan.updated"
	IdeaCreated         = "idea.created"
	IdeaStatusChanged   = "idea.status_changed"
	CommentCreated      = "comment.created"
	TicketOpened        = "ticket.opened"
	TicketStatusChanged = "ticket.status_changed"
	PromiseCreated      = "promise.created"
	PromiseResolved     = "promise.resolved"
	InteractionLogged   = "interaction.logged"
	HealthAlert         = "health.alert"
	RelationshipCreated = "relationship.created"
	UserAdded           = "user.added"
	ProductChanged      = "product.changed"
	TicketSLABreached   = "ticket.sla_breached"
	CommentEdited       = "comment.edited"
	CommentDeleted      = "comment.deleted"
	PlanReadersChanged  = "plan.readers_changed"
	PromiseRenegotiated = "promise.renegotiated"
)

// Event is one entry of a relationship's log. Seq is assigned by the store inside
// the transaction that made the change: gapless and strictly increasing.
type Event struct {
	RelationshipID string          `json:"relationship_id"`
	Seq            int64           `json:"seq"`
	Type           string          `json:"type"`
	SubjectType    string          `json:"subject_type"`
	SubjectID      string          `json:"subject_id"`
	ActorID        string          `json:"actor_id"`
	ActorSide      string          `json:"actor_side,omitempty"`
	At             time.Time       `json:"at"`
	Data           json.RawMessage `json:"data"`
	// PlanScope is set on events about a confidential plan (the plan itself, a
	// comment on it): they reach only those who may read that plan, re-checked by
	// the store at every read and at fan-out.
	PlanScope string `json:"-"`
}

// New builds an event; data is marshalled to JSON (nil becomes {}).
func New(typ, subjectType, subjectID string, data any) Event {
	raw := json.RawMessage(`{}`)
	if data != nil {
		if b, err := json.Marshal(data); err == nil {
			raw = b
		}
	}
	return Event{Type: typ, SubjectType: subjectType, SubjectID: subjectID, Data: raw}
}
