package store

import (
	"context"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
)

// Health alerts reach the supplier's users and never the buyer's, at fan-out.
func TestSupplierOnlyEventsAtFanOut(t *testing.T) {
	ev := event.New(event.HealthAlert, "relationship", "r", nil)
	ev.PlanScope = SupplierOnlyScope
	for side, want := range map[access.Side]bool{access.Supplier: true, access.Buyer: false} {
		ok, err := (&Store{}).CanSeeEvent(context.Background(), access.Rel{ID: "r", Side: side}, ev)
		if err != nil || ok != want {
			t.Errorf("%s sees a health alert: %v (%v), want %v", side, ok, err, want)
		}
	}
}

// Which events mean the buyer was heard from, and when.
func TestBuyerActivityAt(t *testing.T) {
	at := time.Date(2026, 5, 10, 9, 0, 0, 0, time.UTC)
	earlier := at.Add(-48 * time.Hour)
	cases := []struct {
		name string
		ev   event.Event
		want bool
		when time.Time
	}{
		{"buyer comment", event.Event{Type: event.CommentCreated, ActorSide: "buyer", At: at}, true, at},
		{"buyer order", event.Event{Type: event.OrderSubmitted, ActorSide: "buyer", At: at}, true, at},
		{"buyer forecast", event.Event{Type: event.ForecastRevised, ActorSide: "buyer", At: at}, true, at},
		{"supplier comment", event.Event{Type: event.CommentCreated, ActorSide: "supplier", At: at}, false, at},
		{"buyer adds a user", event.Event{Type: event.UserAdded, ActorSide: "buyer", At: at}, false, at},
		{"health alert", event.Event{Type: event.HealthAlert, ActorSide: "system", At: at}, false, at},
		{"call the buyer initiated, logged by us two days later", event.New(event.InteractionLogged, "interaction", "i",
			map[string]any{"initiated_by": "buyer", "occurred_at": earlier}), true, earlier},
		{"call we initiated, logged by the buyer", event.New(event.InteractionLogged, "interaction", "i", map[string]any{"initiated_by": "supplier"}), false, at},
		{"interaction with a malformed time", event.New(event.InteractionLogged, "interaction", "i", map[string]any{"initiated_by": "buyer", "occurred_at": "soon"}), true, at},
	}
	for _, c := range cases {
		if c.ev.At.IsZero() {
			c.ev.At = at
			if c.name == "call we initiated, logged by the buyer" {
				c.ev.ActorSide = "buyer"
			}
		}
		when, ok := buyerActivityAt(c.ev)
		if ok != c.want || (ok && !when.Equal(c.when)) {
			t.Errorf("%s: %v at %s, want %v at %s", c.name, ok, when, c.want, c.when)
		}
	}
}

// A buyer comment answered twice and two questions answered by one reply.
func TestCommentResponses(t *testing.T) {
	t0 := time.Date(2026, 5, 10, 9, 0, 0, 0, time.UTC)
	rows := []healthCommentRow{
		{RelationshipID: "r", SubjectType: "order", SubjectID: "a", AuthorSide: "supplier", CreatedAt: t0.Add(-time.Hour)}, // nothing asked yet
		{RelationshipID: "r", SubjectType: "order", SubjectID: "a", AuthorSide: "buyer", CreatedAt: t0},
		{RelationshipID: "r", SubjectType: "order", SubjectID: "a", AuthorSide: "buyer", CreatedAt: t0.Add(10 * time.Minute)},
		{RelationshipID: "r", SubjectType: "order", SubjectID: "b", AuthorSide: "buyer", CreatedAt: t0},
		{RelationshipID: "r", SubjectType: "order", SubjectID: "a", AuthorSide: "supplier", CreatedAt: t0.Add(45 * time.Minute)},
		{RelationshipID: "r", SubjectType: "order", SubjectID: "a", AuthorSide: "supplier", CreatedAt: t0.Add(50 * time.Minute)},
	}
	got := commentResponses(rows)
	if len(got) != 1 || got[0].minutes != 45 {
		t.Fatalf("responses %+v, want one of 45 minutes (thread b is unanswered)", got)
	}
}

// An SLA deadline counts once it falls due in the window, or when met early in it.
func TestSLAOutcome(t *testing.T) {
	from, asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	due := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	before, after := due.Add(-time.Hour), due.Add(time.Hour)
	future := asOf.AddDate(0, 1, 0)
	for _, c := range []struct {
		name        string
		due         time.Time
		done        *time.Time
		met, counts bool
	}{
		{"met", due, &before, true, true},
		{"late", due, &after, false, true},
		{"never done, overdue", due, nil, false, true},
		{"not yet due, not done", future, nil, false, false},
		{"not yet due, done early", future, &before, true, true},
		{"due before the window", from.Add(-time.Hour), nil, false, false},
	} {
		met, counts := slaOutcome(c.due, c.done, from, asOf)
		if met != c.met || counts != c.counts {
			t.Errorf("%s: met %v counts %v", c.name, met, counts)
		}
	}
}
