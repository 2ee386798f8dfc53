package promise

import (
	"testing"
	"time"
)

func TestDeliveryOutcomeAndOverdue(t *testing.T) {
	due := "2026-05-10"
	if DeliveryOutcome(due, time.Date(2026, 5, 10, 23, 0, 0, 0, time.UTC)) != Kept {
		t.Error("delivery on the due day must keep the promise")
	}
	if DeliveryOutcome(due, time.Date(2026, 5, 11, 0, 1, 0, 0, time.UTC)) != Broken {
		t.Error("delivery the day after must break it")
	}
	p := Promise{Status: Open, DueDate: due}
	if p.Overdue(time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)) || !p.Overdue(time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC)) {
		t.Error("overdue starts the day after the due date")
	}
	p.Status = Kept
	if p.Overdue(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("a kept promise is never overdue")
	}
}

func TestResolveRequest(t *testing.T) {
	today := time.Date(2026, 5, 10, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		req ResolveRequest
		ok  bool
	}{
		{ResolveRequest{Outcome: "kept"}, true},
		{ResolveRequest{Outcome: "broken", Note: "late"}, true},
		{ResolveRequest{Outcome: "renegotiated", NewDueDate: "2026-06-01"}, true},
		{ResolveRequest{Outcome: "renegotiated"}, false},
		{ResolveRequest{Outcome: "renegotiated", NewDueDate: "2026-05-09"}, false},
		{ResolveRequest{Outcome: "kept", NewDueDate: "2026-06-01"}, false},
		{ResolveRequest{Outcome: "open"}, false},
		{ResolveRequest{Outcome: "cancelled"}, false},
	}
	for _, c := range cases {
		if err := c.req.Validate(today); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.req, err)
		}
	}
}
