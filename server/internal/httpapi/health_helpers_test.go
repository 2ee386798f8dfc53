package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// healthHistory builds a hand-made relationship history straight in the database, as
// the other areas' tables hold it, with back-dated timestamps.
type healthHistory struct {
	t        *testing.T
	s        *testutil.Server
	rel      string
	supplier testutil.Party
	buyer    testutil.Party
	product  string
	n        int
}

// newHealthHistory prepares rel (between supplier and buyer) for a hand-built history:
// the relationship is dated created, and one product exists to order.
func newHealthHistory(t *testing.T, s *testutil.Server, rel string, supplier, buyer testutil.Party, created time.Time) *healthHistory {
	h := &healthHistory{t: t, s: s, rel: rel, supplier: supplier, buyer: buyer, product: store.NewID()}
	h.exec(`UPDATE relationships SET created_at = ? WHERE id = ?`, created, rel)
	h.exec(`INSERT INTO products (id, supplier_org_id, sku, name, unit_price, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		h.product, supplier.Org.ID, "SKU-"+h.product, "Press", 1000, "EUR", created, created)
	return h
}

func (h *healthHistory) exec(sql string, args ...any) {
	h.t.Helper()
	if err := h.s.Store.Writer().Exec(sql, args...).Error; err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
}

// event appends an event by a member of side at at.
func (h *healthHistory) event(at time.Time, side access.Side, typ string, data any) {
	h.t.Helper()
	actor := h.buyer.Member
	if side == access.Supplier {
		actor = h.supplier.Member
	}
	ev := event.New(typ, "test", store.NewID(), data)
	ev.At = at
	if _, err := h.s.Store.AppendEventAs(context.Background(), h.rel, actor.Caller(), side, ev); err != nil {
		h.t.Fatalf("append event: %v", err)
	}
}

// order inserts an order placed at created worth total; promised and delivered may be empty/nil.
func (h *healthHistory) order(created time.Time, total int64, status, promised string, delivered *time.Time, quantity int64) string {
	h.t.Helper()
	h.n++
	id := store.NewID()
	h.exec(`INSERT INTO orders (id, relationship_id, number, status, promised_date, currency, total, placed_by, created_at, updated_at, delivered_at)
 VALUES (?, ?, ?, ?, ?, 'EUR', ?, ?, ?, ?, ?)`, id, h.rel, id, status, promised, total, h.buyer.Member.User.ID, created, created, delivered)
	h.exec(`INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total) VALUES (?, 1, ?, 'SKU', 'Press', ?, ?, ?)`,
		id, h.product, quantity, total/max(quantity, 1), total)
	h.event(created, access.Buyer, event.OrderSubmitted, map[string]any{"order_id": id})
	return id
}

// promise inserts a promise due on due; resolved nil keeps it open.
func (h *healthHistory) promise(created time.Time, due, status string, resolved *time.Time) {
	h.t.Helper()
	h.exec(`INSERT INTO promises (id, relationship_id, description, kind, owner_id, due_date, status, created_by, created_at, resolved_at)
 VALUES (?, ?, 'Deliver on time', 'delivery', ?, ?, ?, ?, ?, ?)`, store.NewID(), h.rel, h.supplier.Member.User.ID, due, status, h.supplier.Member.User.ID, created, resolved)
}

// ticket inserts a buyer ticket with its SLA deadlines; responded and resolved may be nil.
func (h *healthHistory) ticket(created time.Time, severity string, frDue, resDue time.Time, responded, resolved *time.Time) {
	h.t.Helper()
	status := "open"
	if resolved != nil {
		status = "resolved"
	}
	id := store.NewID()
	h.exec(`INSERT INTO tickets (id, relationship_id, number, type, severity, title, status, opened_by, opened_side, first_response_due_at, resolution_due_at,
 first_responded_at, resolved_at, created_at, updated_at) VALUES (?, ?, ?, 'repair', ?, 'Broken', ?, ?, 'buyer', ?, ?, ?, ?, ?, ?)`,
		id, h.rel, id, severity, status, h.buyer.Member.User.ID, frDue, resDue, responded, resolved, created, created)
	h.event(created, access.Buyer, event.TicketOpened, map[string]any{"ticket_id": id})
}

// comment inserts a comment by side on subject at at.
func (h *healthHistory) comment(at time.Time, side access.Side, subject string) {
	h.t.Helper()
	author := h.buyer.Member
	if side == access.Supplier {
		author = h.supplier.Member
	}
	h.exec(`INSERT INTO comments (id, relationship_id, subject_type, subject_id, author_id, author_side, body, created_at) VALUES (?, ?, 'order', ?, ?, ?, 'Hello', ?)`,
		store.NewID(), h.rel, subject, author.User.ID, string(side), at)
	h.event(at, side, event.CommentCreated, map[string]any{"subject_id": subject})
}

// idea inserts an idea by side in status, last changed at updated.
func (h *healthHistory) idea(created time.Time, side access.Side, status string, updated time.Time) {
	h.t.Helper()
	author := h.buyer.Member
	if side == access.Supplier {
		author = h.supplier.Member
	}
	h.exec(`INSERT INTO ideas (id, relationship_id, author_id, author_side, title, category, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'Idea', 'process', ?, ?, ?)`,
		store.NewID(), h.rel, author.User.ID, string(side), status, created, updated)
}

// forecast inserts a buyer forecast revision made at at for one period.
func (h *healthHistory) forecast(at time.Time, revision int, period string, quantity int64) {
	h.t.Helper()
	id := store.NewID()
	h.exec(`INSERT INTO forecast_revisions (id, relationship_id, product_id, revision, kind, author_id, created_at) VALUES (?, ?, ?, ?, 'forecast', ?, ?)`,
		id, h.rel, h.product, revision, h.buyer.Member.User.ID, at)
	h.exec(`INSERT INTO forecast_periods (revision_id, period, quantity) VALUES (?, ?, ?)`, id, period, quantity)
}

// runJob runs the daily snapshot job at now and returns how many relationships it judged.
func runHealthJob(t testing.TB, s *testutil.Server, now time.Time) int {
	t.Helper()
	n, err := s.Store.RunHealthSnapshots(context.Background(), now, store.SnapshotOptions{Alerts: true})
	if err != nil {
		t.Fatalf("health job at %s: %v", now, err)
	}
	return n
}

// signal finds a signal in a health response.
func healthSignal(t *testing.T, body map[string]any, key string) map[string]any {
	t.Helper()
	for _, s := range body["signals"].([]any) {
		if m := s.(map[string]any); m["key"] == key {
			return m
		}
	}
	t.Fatalf("no signal %s in %v", key, body)
	return nil
}

// alerts returns the health.alert events of rel as the supplier sees them.
func healthAlerts(t *testing.T, s *testutil.Server, rel string, tok string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, ev := range s.Call("GET", "/relationships/"+rel+"/events?after_seq=0&limit=1000", tok, nil).Expect(t, 200).Items(t) {
		if ev["type"] == event.HealthAlert {
			out = append(out, ev)
		}
	}
	return out
}

func healthNoon(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, time.UTC)
}

func healthTimePtr(t time.Time) *time.Time { return &t }
