package crashtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/product"
	"github.com/rapport/rapport/server/internal/testutil"
)

// recorder is a testing.TB that collects failures instead of failing, so a
// checker can be shown to fail on a corrupted database.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, a...))
}
func (r *recorder) Fatalf(format string, a ...any) { r.Errorf(format, a...) }
func (r *recorder) Fatal(a ...any)                 { r.failures = append(r.failures, fmt.Sprint(a...)) }
func (r *recorder) has(fragment string) bool {
	for _, f := range r.failures {
		if strings.Contains(f, fragment) {
			return true
		}
	}
	return false
}

// TestCrashChecksCatchCorruption proves the crash test's checks can fail: a
// key with two orders, an order without its event and a gap in the event log
// are each reported.
func TestCrashChecksCatchCorruption(t *testing.T) {
	s := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	f := s.Seed()
	var ids []string
	for i := 0; i < 3; i++ {
		p, err := s.Store.CreateProduct(t.Context(), f.Supplier.Admin.Caller(), product.Product{SKU: fmt.Sprintf("CHK-%d", i), Name: "Check", UnitPrice: money.Amount(100), Currency: "EUR", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	w := world{rel: f.RelA}
	acked := map[string]string{}
	for _, key := range []string{"K1", "K2"} {
		body := map[string]any{"po_number": key, "requested_date": time.Now().AddDate(0, 1, 0).Format("2006-01-02"),
			"lines": []map[string]any{{"product_id": ids[0], "quantity": 1}, {"product_id": ids[1], "quantity": 2}, {"product_id": ids[2], "quantity": 3}}}
		r := s.Do(testutil.Req{Method: "POST", Path: "/api/v1/relationships/" + f.RelA + "/orders", Token: f.BuyerA.Member.Token, Body: body,
			Header: map[string]string{"Idempotency-Key": key}}).Expect(t, 201).JSON(t)
		acked[key] = r["id"].(string)
	}
	db := s.Store.Writer()
	clean := &recorder{TB: t}
	verifyOrders(clean, db, w, acked)
	checkEventLog(clean, db)
	if len(clean.failures) > 0 {
		t.Fatalf("checks fail on a sound database: %v", clean.failures)
	}
	if err := db.Exec(`INSERT INTO orders (id, relationship_id, number, status, po_number, currency, total, placed_by, created_at, updated_at)
		SELECT id || 'dup', relationship_id, number || 'dup', status, po_number, currency, total, placed_by, created_at, updated_at FROM orders WHERE id = ?`, acked["K1"]).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`DELETE FROM events WHERE relationship_id = ? AND seq = 2`, f.RelA).Error; err != nil {
		t.Fatal(err)
	}
	bad := &recorder{TB: t}
	verifyOrders(bad, db, w, acked)
	checkEventLog(bad, db)
	for _, want := range []string{"key K1 produced 2 orders", "order.submitted events", "not gapless"} {
		if !bad.has(want) {
			t.Errorf("corruption not reported (%q); reported: %v", want, bad.failures)
		}
	}
}
