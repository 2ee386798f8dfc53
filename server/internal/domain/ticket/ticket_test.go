package ticket

import (
	"errors"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
)

func TestCheckTransitionTable(t *testing.T) {
	for _, from := range Statuses {
		for _, to := range Statuses {
			for _, side := range []access.Side{access.Supplier, access.Buyer} {
				sides, exists := movers[[2]string{from, to}]
				err := CheckTransition(from, to, side)
				switch {
				case !exists:
					if !errors.Is(err, errs.ErrConflict) {
						t.Errorf("%s→%s by %s: %v, want conflict", from, to, side, err)
					}
				case contains(sides, side):
					if err != nil {
						t.Errorf("%s→%s by %s: %v, want allowed", from, to, side, err)
					}
				default:
					if !errors.Is(err, errs.ErrForbidden) {
						t.Errorf("%s→%s by %s: %v, want forbidden", from, to, side, err)
					}
				}
			}
		}
	}
	// The rules the issue names, spelled out.
	must := []struct {
		from, to string
		side     access.Side
		ok       bool
	}{
		{Open, Acknowledged, access.Supplier, true},
		{Open, Acknowledged, access.Buyer, false},
		{Resolved, Closed, access.Buyer, true},
		{Resolved, Open, access.Buyer, true},
		{Closed, Open, access.Buyer, true},
		{Closed, Open, access.Supplier, false},
		{InProgress, Open, access.Buyer, false},
	}
	for _, m := range must {
		if got := CheckTransition(m.from, m.to, m.side) == nil; got != m.ok {
			t.Errorf("%s→%s by %s allowed=%v, want %v", m.from, m.to, m.side, got, m.ok)
		}
	}
}

func contains(s []access.Side, x access.Side) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// The SLA clock across a day boundary, a late resolution, a reopening with a
// fresh resolution budget, and a second round resolved in time.
func TestSLAClockAcrossDaysAndReopening(t *testing.T) {
	p := DefaultPolicies["critical"] // 1 h / 24 h
	opened := time.Date(2026, 3, 9, 23, 30, 0, 0, time.UTC)
	tk := Ticket{Status: Open, Severity: "critical"}
	tk.Start(p, opened)
	if want := time.Date(2026, 3, 10, 0, 30, 0, 0, time.UTC); !tk.FirstResponseDueAt.Equal(want) {
		t.Fatalf("first response due %s, want %s (past midnight)", tk.FirstResponseDueAt, want)
	}
	if want := time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC); !tk.ResolutionDueAt.Equal(want) {
		t.Fatalf("resolution due %s, want %s", tk.ResolutionDueAt, want)
	}
	fr, res := tk.SLAMet(opened.Add(59 * time.Minute))
	if fr != nil || res != nil {
		t.Fatalf("undecided before due: %v %v", fr, res)
	}
	fr, _ = tk.SLAMet(opened.Add(61 * time.Minute))
	if fr == nil || *fr {
		t.Fatalf("overdue first response must be false, got %v", fr)
	}
	tk.Apply(Acknowledged, access.Supplier, opened.Add(45*time.Minute))
	fr, _ = tk.SLAMet(opened.Add(48 * time.Hour))
	if fr == nil || !*fr {
		t.Fatalf("first response in 45 min must be met, got %v", fr)
	}
	tk.Apply(Resolved, access.Supplier, opened.Add(30*time.Hour)) // late by 6 h
	_, res = tk.SLAMet(opened.Add(31 * time.Hour))
	if res == nil || *res {
		t.Fatalf("late resolution must be false, got %v", res)
	}
	reopenAt := time.Date(2026, 3, 12, 8, 0, 0, 0, time.UTC)
	tk.Reopen(p, reopenAt)
	if tk.ResolvedAt != nil || tk.ReopenCount != 1 || !tk.ResolutionDueAt.Equal(reopenAt.Add(24*time.Hour)) {
		t.Fatalf("reopen: resolved %v count %d due %s", tk.ResolvedAt, tk.ReopenCount, tk.ResolutionDueAt)
	}
	if tk.FirstRespondedAt == nil || !tk.FirstResponseDueAt.Equal(opened.Add(time.Hour)) {
		t.Fatal("reopen must keep the first response as it was")
	}
	_, res = tk.SLAMet(reopenAt.Add(time.Hour))
	if res != nil {
		t.Fatalf("after reopening the resolution is undecided again, got %v", *res)
	}
	tk.Apply(Resolved, access.Supplier, reopenAt.Add(23*time.Hour))
	_, res = tk.SLAMet(reopenAt.Add(100 * time.Hour))
	if res == nil || !*res {
		t.Fatalf("second round resolved within the fresh budget must be met, got %v", res)
	}
}

func TestValidatePolicies(t *testing.T) {
	ok := []Policy{{Severity: "high", FirstResponseMinutes: 30, ResolutionMinutes: 600}}
	if err := ValidatePolicies(ok); err != nil {
		t.Fatal(err)
	}
	bad := []Policy{{Severity: "urgent", FirstResponseMinutes: 0, ResolutionMinutes: 10}, {Severity: "low", FirstResponseMinutes: 60, ResolutionMinutes: 30}}
	var v *errs.ValidationError
	if err := ValidatePolicies(bad); !errors.As(err, &v) || len(v.Fields) != 3 {
		t.Fatalf("want 3 field errors, got %v", err)
	}
	if v.Fields[0].Field != "items[0].severity" {
		t.Errorf("field %s", v.Fields[0].Field)
	}
}
