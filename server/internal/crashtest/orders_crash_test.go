package crashtest

import (
	"context"
	"os"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/testutil"
)

// ordersWorkload places 3-line orders with an Idempotency-Key; the key is
// also the PO number, so the database itself shows whether a key ever
// produced two orders, whatever the idempotency table says.
var ordersWorkload = crashWorkload{
	name: "place order",
	send: func(ctx context.Context, e *env, w world, key string) (int, string, error) {
		body := map[string]any{"po_number": key, "requested_date": time.Now().AddDate(0, 1, 0).Format("2006-01-02"), "note": "crash test",
			"lines": []map[string]any{{"product_id": w.products[0], "quantity": 1}, {"product_id": w.products[1], "quantity": 2}, {"product_id": w.products[2], "quantity": 3}}}
		r, err := e.do(ctx, "POST", "/api/v1/relationships/"+w.rel+"/orders", w.buyerTok, body, map[string]string{"Idempotency-Key": key})
		if err != nil {
			return 0, "", err
		}
		id, _ := r.json()["id"].(string)
		return r.status, id, nil
	},
	settled: func(status int) bool { return status == 201 || status == 200 },
	verify:  verifyOrders,
}

// verifyOrders: every acknowledged order exists exactly once under its key,
// no key produced two orders, every order has its 3 lines, its idempotency
// record and its order.submitted event.
func verifyOrders(t testing.TB, db *gorm.DB, w world, acked map[string]string) {
	for key, id := range acked {
		var rows []struct{ ID, PONumber string }
		if err := db.Raw(`SELECT id, po_number FROM orders WHERE id = ?`, id).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].PONumber != key {
			t.Errorf("key %s was answered with order %q: found %v", key, id, rows)
		}
	}
	var dups []struct {
		PONumber string
		N        int
	}
	db.Raw(`SELECT po_number, COUNT(*) AS n FROM orders WHERE relationship_id = ? GROUP BY po_number HAVING COUNT(*) > 1`, w.rel).Scan(&dups)
	for _, d := range dups {
		t.Errorf("key %s produced %d orders", d.PONumber, d.N)
	}
	var orders, events, keys, badLines int64
	db.Raw(`SELECT COUNT(*) FROM orders WHERE relationship_id = ?`, w.rel).Scan(&orders)
	db.Raw(`SELECT COUNT(*) FROM events WHERE relationship_id = ? AND type = 'order.submitted'`, w.rel).Scan(&events)
	db.Raw(`SELECT COUNT(*) FROM idempotency_keys k JOIN orders o ON o.id = k.resource_id AND o.po_number = k.key WHERE k.relationship_id = ?`, w.rel).Scan(&keys)
	db.Raw(`SELECT COUNT(*) FROM orders o WHERE o.relationship_id = ? AND (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) <> 3`, w.rel).Scan(&badLines)
	if events != orders {
		t.Errorf("%d orders but %d order.submitted events", orders, events)
	}
	if keys != orders {
		t.Errorf("%d orders but %d idempotency records pointing at the order of their key", orders, keys)
	}
	if badLines != 0 {
		t.Errorf("%d orders without exactly their 3 lines", badLines)
	}
	if int64(len(acked)) > orders {
		t.Errorf("%d keys acknowledged but only %d orders stored", len(acked), orders)
	}
}

// TestCrashPlaceOrder is the crash test of the issue: orders placed at full
// speed with idempotency keys, SIGKILL at random moments (10 times, 60 with
// RAPPORT_CRASH_LONG=1), restart, retry every unacknowledged key, then check.
func TestCrashPlaceOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real server")
	}
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		runCrash(t, db, ordersWorkload, 6)
	})
}

// crashLong gates the slower stand-in workloads.
func crashLong() bool { return os.Getenv("RAPPORT_CRASH_LONG") == "1" }
