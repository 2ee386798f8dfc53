package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/order"
	"github.com/rapport/rapport/server/internal/domain/product"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// Migration 0008 moves each order's lines and history onto its row: an order
// written by version 0007 (rows in order_lines and order_history, inserted out
// of order) reads the same afterwards, lists with its lines, and its next state
// change appends to the history it brought along.
func TestMigrateOrderTrailOntoTheRow(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		ctx := context.Background()
		st := openStore(t, db)
		if err := st.MigrateTo(ctx, "0007"); err != nil {
			t.Fatal(err)
		}
		sup, supAdmin, err := st.CreateOrg(ctx, "Trail Supplier", account.NewUser{Email: "s@trail.test", Name: "S", Role: "admin", Department: "sales"}, "hash")
		if err != nil {
			t.Fatal(err)
		}
		buyer, buyerAdmin, err := st.CreateOrg(ctx, "Trail Buyer", account.NewUser{Email: "b@trail.test", Name: "B", Role: "admin", Department: "purchasing"}, "hash")
		if err != nil {
			t.Fatal(err)
		}
		relID, err := st.CreateRelationship(ctx, supAdmin.Caller(), sup.ID, buyer.ID)
		if err != nil {
			t.Fatal(err)
		}
		p1, err := st.CreateProduct(ctx, supAdmin.Caller(), product.Product{SKU: "T-1", Name: "Valve", UnitPrice: money.Amount(250), Currency: "EUR", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		p2, err := st.CreateProduct(ctx, supAdmin.Caller(), product.Product{SKU: "T-2", Name: "Seal \"kit\"", UnitPrice: money.Amount(40), Currency: "EUR", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		placed := time.Date(2026, 3, 4, 8, 30, 15, 123456000, time.UTC)
		acked := placed.Add(26 * time.Hour)
		const id = "0000trail-order"
		exec := func(sql string, args ...any) {
			t.Helper()
			if err := st.Writer().WithContext(ctx).Exec(sql, args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO orders (id, relationship_id, number, status, po_number, requested_date, promised_date, note, currency, total,
			placed_by, reason, version, created_at, updated_at, acknowledged_at) VALUES (?, ?, 'ORD-000001', 'acknowledged', 'PO-7', '2026-03-20', '2026-03-18', '',
			'EUR', 1230, ?, '', 2, ?, ?, ?)`, id, relID, buyerAdmin.ID, placed, acked, acked)
		exec(`INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total) VALUES (?, 2, ?, 'T-2', 'Seal "kit"', 3, 40, 120)`, id, p2.ID)
		exec(`INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total) VALUES (?, 1, ?, 'T-1', 'Valve', 4, 250, 1000)`, id, p1.ID)
		exec(`INSERT INTO order_history (order_id, seq, status, actor_id, at, note) VALUES (?, 2, 'acknowledged', ?, ?, 'on it')`, id, supAdmin.ID, acked)
		exec(`INSERT INTO order_history (order_id, seq, status, actor_id, at, note) VALUES (?, 1, 'submitted', ?, ?, '')`, id, buyerAdmin.ID, placed)

		if err := st.Migrate(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		rel, err := st.ResolveRel(ctx, buyerAdmin.Caller(), relID)
		if err != nil {
			t.Fatal(err)
		}
		o, err := st.Order(ctx, rel, id)
		if err != nil {
			t.Fatal(err)
		}
		wantLines := []order.Line{
			{LineNo: 1, ProductID: p1.ID, SKU: "T-1", Name: "Valve", Quantity: 4, UnitPrice: 250, LineTotal: 1000},
			{LineNo: 2, ProductID: p2.ID, SKU: "T-2", Name: `Seal "kit"`, Quantity: 3, UnitPrice: 40, LineTotal: 120},
		}
		if len(o.Lines) != len(wantLines) {
			t.Fatalf("lines after the upgrade: %+v, want %+v", o.Lines, wantLines)
		}
		for i := range wantLines {
			if o.Lines[i] != wantLines[i] {
				t.Errorf("line %d after the upgrade: %+v, want %+v", i+1, o.Lines[i], wantLines[i])
			}
		}
		wantHist := []order.HistoryItem{
			{Seq: 1, Status: order.Submitted, ActorID: buyerAdmin.ID, At: placed},
			{Seq: 2, Status: order.Acknowledged, ActorID: supAdmin.ID, Note: "on it", At: acked},
		}
		if len(o.History) != len(wantHist) {
			t.Fatalf("history after the upgrade: %+v, want %+v", o.History, wantHist)
		}
		for i, h := range wantHist {
			got := o.History[i]
			if got.Seq != h.Seq || got.Status != h.Status || got.ActorID != h.ActorID || got.Note != h.Note || !got.At.Equal(h.At) {
				t.Errorf("history %d after the upgrade: %+v, want %+v", i+1, got, h)
			}
		}

		page, _ := store.NewPage(10, "")
		list, _, err := st.ListOrders(ctx, rel, order.Filter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || len(list[0].Lines) != 2 || list[0].Lines[0].SKU != "T-1" || len(list[0].History) != 0 {
			t.Fatalf("list after the upgrade: %+v", list)
		}

		supRel, err := st.ResolveRel(ctx, supAdmin.Caller(), relID)
		if err != nil {
			t.Fatal(err)
		}
		moved, err := st.AdvanceOrder(ctx, supRel, id, o.Version, order.InProduction)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(moved.History); n != 3 || moved.History[2].Seq != 3 || moved.History[2].Status != order.InProduction ||
			moved.History[2].ActorID != supAdmin.ID || !moved.History[0].At.Equal(placed) {
			t.Fatalf("history after the next move: %+v", moved.History)
		}
	})
}
