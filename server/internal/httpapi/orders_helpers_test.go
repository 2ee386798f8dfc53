package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

// catalogue is what newCatalogue created in relationship A's supplier.
type catalogue struct {
	Machine, Part, Cheap, Inactive, Other string // product ids; Other belongs to the outsider supplier
}

// newProduct creates a product through the API as the given supplier user.
func newProduct(t testing.TB, s *testutil.Server, who testutil.Actor, sku, price string, extra map[string]any) string {
	t.Helper()
	body := map[string]any{"sku": sku, "name": "Product " + sku, "unit_price": price, "currency": "EUR", "lead_time_days": 10}
	for k, v := range extra {
		body[k] = v
	}
	return s.Call("POST", "/products", who.Token, body).Expect(t, 201).JSON(t)["id"].(string)
}

func newCatalogue(t testing.TB, s *testutil.Server, f *testutil.Fixture) catalogue {
	t.Helper()
	c := catalogue{
		Machine: newProduct(t, s, f.Supplier.Member, "FM-200", "125000.00", map[string]any{
			"service_plan": map[string]any{"installation_cost": "8000.00", "annual_maintenance_cost": "4500.50", "expected_life_years": 12}}),
		Part:     newProduct(t, s, f.Supplier.Member, "SP-1", "49.90", nil),
		Cheap:    newProduct(t, s, f.Supplier.Member, "CON-10", "0.10", nil),
		Inactive: newProduct(t, s, f.Supplier.Member, "OLD-1", "10.00", map[string]any{"active": false}),
		Other:    newProduct(t, s, f.Outsider.Member, "X-1", "1.00", nil),
	}
	return c
}

func line(productID string, qty any) map[string]any {
	return map[string]any{"product_id": productID, "quantity": qty}
}

func orderBody(lines ...map[string]any) map[string]any {
	return map[string]any{"po_number": "PO-1", "lines": lines}
}

// placeOrder places an order in relationship A as buyer A's member and returns it.
func placeOrder(t *testing.T, s *testutil.Server, f *testutil.Fixture, lines ...map[string]any) map[string]any {
	t.Helper()
	return s.Call("POST", "/relationships/"+f.RelA+"/orders", f.BuyerA.Member.Token, orderBody(lines...)).Expect(t, 201).JSON(t)
}

func day(offset int) string { return time.Now().UTC().AddDate(0, 0, offset).Format("2006-01-02") }

func etagOf(v any) string { return fmt.Sprintf(`"%v"`, v) }

// eventsOf returns relationship A's events of the given types, oldest first.
func eventsOf(t *testing.T, s *testutil.Server, f *testutil.Fixture, types ...string) []map[string]any {
	t.Helper()
	items := s.Call("GET", "/relationships/"+f.RelA+"/events?after_seq=0&limit=1000", f.Supplier.Admin.Token, nil).Expect(t, 200).Items(t)
	var out []map[string]any
	for _, ev := range items {
		for _, typ := range types {
			if ev["type"] == typ {
				out = append(out, ev)
			}
		}
	}
	return out
}

// countOrders counts relationship A's orders.
func countOrders(t *testing.T, s *testutil.Server, f *testutil.Fixture) int {
	t.Helper()
	var n int64
	if err := s.Store.Reader().Table("orders").Where("relationship_id = ?", f.RelA).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// fieldsOf lists the fields named by a 422 problem.
func fieldsOf(t *testing.T, r *testutil.Response) string {
	t.Helper()
	var p struct {
		Errors []struct{ Field string } `json:"errors"`
	}
	r.Decode(t, &p)
	var names []string
	for _, e := range p.Errors {
		names = append(names, e.Field)
	}
	return strings.Join(names, ",")
}
