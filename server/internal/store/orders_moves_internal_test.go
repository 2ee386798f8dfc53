package store

import (
	"testing"
	"time"
)

// moveOrder saves only the columns a state change may change: a change that
// writes another one must fail instead of losing it.
func TestMovedColumnsOnly(t *testing.T) {
	now := time.Now()
	before := orderRow{ID: "o1", RelationshipID: "r1", Number: "ORD-000001", Status: "submitted", Note: "n", Version: 3, HistoryJSON: "[]"}
	moved := before
	moved.Status, moved.PromisedDate, moved.Reason = "acknowledged", "2026-12-01", "why"
	moved.AcknowledgedAt, moved.DeliveredAt, moved.HistoryJSON = &now, &now, `[{"n":1}]`
	if err := movedColumnsOnly(before, moved); err != nil {
		t.Fatalf("a move of the saved columns refused: %v", err)
	}
	for name, edit := range map[string]func(*orderRow){
		"note":            func(r *orderRow) { r.Note = "changed" },
		"po number":       func(r *orderRow) { r.PONumber = "PO-9" },
		"requested date":  func(r *orderRow) { r.RequestedDate = "2027-01-01" },
		"total":           func(r *orderRow) { r.Total = 1 },
		"relationship id": func(r *orderRow) { r.RelationshipID = "r2" },
		"lines":           func(r *orderRow) { r.LinesJSON = "[]" },
		"version":         func(r *orderRow) { r.Version++ },
	} {
		changed := moved
		edit(&changed)
		if err := movedColumnsOnly(before, changed); err == nil {
			t.Errorf("a change of the %s was let through, and would have been lost", name)
		}
	}
}
