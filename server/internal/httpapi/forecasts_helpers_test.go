package httpapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/product"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// fcProduct adds a product to a supplier's catalogue.
func fcProduct(t *testing.T, s *testutil.Server, supplier testutil.Party, sku string) product.Product {
	t.Helper()
	p, err := s.Store.CreateProduct(context.Background(), supplier.Admin.Caller(), product.Product{
		SKU: sku, Name: "Product " + sku, Currency: "EUR", UnitPrice: 100_00, Active: true})
	if err != nil {
		t.Fatalf("create product %s: %v", sku, err)
	}
	return p
}

// fcOrder is an order row written straight to the database: the orders API is
// another area's, and actuals only need the rows.
type fcOrder struct {
	status    string
	requested string // YYYY-MM-DD or ""
	createdAt time.Time
	lines     map[string]int64 // product id → quantity
}

var fcOrderNo int

// fcInsertOrder writes an order with its lines in relID, placed by placedBy.
func fcInsertOrder(t *testing.T, s *testutil.Server, relID, placedBy string, o fcOrder) {
	t.Helper()
	db := s.Store.Writer()
	fcOrderNo++
	id := store.NewID()
	created := o.createdAt.UTC()
	err := db.Exec(`INSERT INTO orders (id, relationship_id, number, status, requested_date, currency, total, placed_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'EUR', 0, ?, ?, ?)`, id, relID, fmt.Sprintf("T-%d", fcOrderNo), o.status, o.requested, placedBy, created, created).Error
	if err != nil {
		t.Fatalf("insert order: %v", err)
	}
	n := 0
	for productID, qty := range o.lines {
		n++
		err := db.Exec(`INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total) VALUES (?, ?, ?, 'x', 'x', ?, 0, 0)`,
			id, n, productID, qty).Error
		if err != nil {
			t.Fatalf("insert order line: %v", err)
		}
	}
}

// fcEvents returns the events of the given type the actor sees in rel after seq.
func fcEvents(t *testing.T, s *testutil.Server, a testutil.Actor, relID string, after int64, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, ev := range s.Call("GET", fmt.Sprintf("/relationships/%s/events?after_seq=%d&limit=1000", relID, after), a.Token, nil).Expect(t, 200).Items(t) {
		if typ == "" || ev["type"] == typ {
			out = append(out, ev)
		}
	}
	return out
}

// fcLastSeq is the relationship's latest event seq.
func fcLastSeq(t *testing.T, s *testutil.Server, relID string) int64 {
	t.Helper()
	seq, err := s.Store.LastSeq(context.Background(), relID)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// fcCount counts rows of a table matching a condition, straight from the database.
func fcCount(t *testing.T, s *testutil.Server, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.Store.Writer().Table(table).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// fcFields returns the field names of a 422 problem.
func fcFields(t *testing.T, r *testutil.Response) map[string]string {
	t.Helper()
	var p struct {
		Errors []struct{ Field, Message string }
	}
	r.Decode(t, &p)
	out := map[string]string{}
	for _, e := range p.Errors {
		out[e.Field] = e.Message
	}
	return out
}

// fcClock sets the server's store clock to a fixed instant.
func fcClock(s *testutil.Server, t time.Time) { s.Store.SetClock(func() time.Time { return t }) }
