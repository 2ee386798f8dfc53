package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/order"
	"github.com/rapport/rapport/server/internal/domain/product"
	"github.com/rapport/rapport/server/internal/domain/promise"
)

type orderRow struct {
	ID             string
	RelationshipID string
	Number         string
	Status         string
	PONumber       string `gorm:"column:po_number"`
	RequestedDate  string
	PromisedDate   string
	Note           string
	Currency       string
	Total          int64
	PlacedBy       string
	Reason         string
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	AcknowledgedAt *time.Time
	DeliveredAt    *time.Time
	// The order's lines and status history as JSON arrays (orderLineJSON,
	// orderHistoryJSON): the single-order read and the list take them with the
	// row instead of from two more index walks (migration 0008).
	LinesJSON   string `gorm:"column:lines"`
	HistoryJSON string `gorm:"column:history"`
}

func (orderRow) TableName() string { return "orders" }

// orderColumns are an order row's columns up to delivered_at, in table order:
// the columns of scanFields.
const orderColumns = `id, relationship_id, number, status, po_number, requested_date, promised_date, note, currency, total,
	placed_by, reason, version, created_at, updated_at, acknowledged_at, delivered_at`

// scanFields are the scan targets of an order row's columns up to
// delivered_at, in table order (orderSQL and ListOrders select them first).
func (r *orderRow) scanFields() []any {
	return []any{&r.ID, &r.RelationshipID, &r.Number, &r.Status, &r.PONumber, &r.RequestedDate, &r.PromisedDate,
		&r.Note, &r.Currency, &r.Total, &r.PlacedBy, &r.Reason, &r.Version, &r.CreatedAt, &r.UpdatedAt,
		&r.AcknowledgedAt, &r.DeliveredAt}
}

func (r orderRow) order() order.Order {
	o := order.Order{ID: r.ID, RelationshipID: r.RelationshipID, Number: r.Number, Status: order.Status(r.Status),
		PONumber: r.PONumber, RequestedDate: r.RequestedDate, PromisedDate: r.PromisedDate, Note: r.Note, Reason: r.Reason,
		Currency: r.Currency, Total: money.Amount(r.Total), PlacedBy: r.PlacedBy, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Lines: []order.Line{}, History: []order.HistoryItem{}}
	if r.AcknowledgedAt != nil {
		t := r.AcknowledgedAt.UTC()
		o.AcknowledgedAt = &t
	}
	if r.DeliveredAt != nil {
		t := r.DeliveredAt.UTC()
		o.DeliveredAt = &t
	}
	return o
}

// Idempotency is a request's Idempotency-Key and the hash of what it asked for
// (caller, endpoint and body); an empty Key makes the request not idempotent.
type Idempotency struct {
	Key, Hash string
}

// PlaceOrder places an order in rel for the calling buyer: it validates the
// request, prices the lines from rel's catalogue (contract price first) and
// writes the order, its lines, its first history entry and order.submitted in
// one transaction. With an Idempotency-Key already used for the same request
// it returns the first response and replayed = true and writes nothing; for a
// different request it is a 422. Placements in one relationship are serialized
// on its row, which makes the key check and the order number race-free.
func (s *Store) PlaceOrder(ctx context.Context, rel access.Rel, req order.PlaceRequest, idem Idempotency) (order.Order, bool, error) {
	if rel.Side != access.Buyer {
		return order.Order{}, false, errs.Forbiddenf("only the buyer places orders")
	}
	// Validate and price before the write: the catalogue is read from a reader
	// while the writer commits other orders. A failure is reported only after the
	// idempotency check, so a retried request still gets its first answer.
	priced, priceErr := s.priceOrder(ctx, rel, req)
	var out order.Order
	var replayed bool
	err := s.write(ctx, "place order", func(t *tx) error {
		var accountOwner sql.NullString
		if err := t.lockScan(`SELECT account_owner_id FROM relationships WHERE id = ?`, []any{rel.ID}, &accountOwner); err != nil {
			return err
		}
		if idem.Key != "" {
			prior, found, err := t.idempotentReply(rel, idem)
			if err != nil || found {
				out, replayed = prior, found
				return err
			}
		}
		if priceErr != nil {
			return priceErr
		}
		var err error
		out, err = t.insertOrder(rel, priced, accountOwner.String)
		if err != nil || idem.Key == "" {
			return err
		}
		return t.rememberReply(rel, idem, out)
	})
	return out, replayed, err
}

// pricedOrder is a validated placement priced from the catalogue.
type pricedOrder struct {
	order.Placement
	lines    []order.Line
	currency string
	total    money.Amount
}

// priceOrder validates req and prices its lines from rel's catalogue, contract
// prices first.
func (s *Store) priceOrder(ctx context.Context, rel access.Rel, req order.PlaceRequest) (pricedOrder, error) {
	pl, err := req.Validate(s.now())
	if err != nil {
		return pricedOrder{}, err
	}
	catalogue, err := pricedCatalogue(s.read(ctx), rel, pl.Items)
	if err != nil {
		return pricedOrder{}, mapErr("price order", err)
	}
	lines, currency, total, err := order.PriceLines(pl.Items, catalogue)
	if err != nil {
		return pricedOrder{}, err
	}
	return pricedOrder{Placement: pl, lines: lines, currency: currency, total: total}, nil
}

// idempotentReply returns the stored response of an earlier request with the key.
func (t *tx) idempotentReply(rel access.Rel, idem Idempotency) (order.Order, bool, error) {
	var hash, response string
	found, err := t.scanRow(`SELECT request_hash, response FROM idempotency_keys WHERE relationship_id = ? AND "key" = ?`,
		[]any{rel.ID, idem.Key}, &hash, &response)
	if err != nil || !found {
		return order.Order{}, false, err
	}
	if hash != idem.Hash {
		return order.Order{}, false, errs.Invalid("Idempotency-Key", "was already used for a different request")
	}
	var o order.Order
	if err := json.Unmarshal([]byte(response), &o); err != nil {
		return o, false, fmt.Errorf("stored idempotent response: %w", err)
	}
	return o, true, nil
}

func (t *tx) rememberReply(rel access.Rel, idem Idempotency, o order.Order) error {
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO idempotency_keys (relationship_id, user_id, "key", request_hash, status, resource_id, response, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, rel.ID, rel.Caller.UserID, idem.Key, idem.Hash, 201, o.ID, string(body), t.s.now())
}

// nextOrderNumber takes the relationship's next order number from its counter
// and the seq of the order's event, in one statement under the relationship's
// row lock: O(1), gapless, and never reused.
func (t *tx) nextOrderNumber(relID string) (string, int64, error) {
	var placed, seq int64
	found, err := t.scanRow(`UPDATE relationships SET orders_placed = orders_placed + 1, last_seq = last_seq + 1 WHERE id = ?
		RETURNING orders_placed, last_seq`, []any{relID}, &placed, &seq)
	if err != nil {
		return "", 0, fmt.Errorf("next order number: %w", err)
	}
	if !found || seq == 0 {
		return "", 0, fmt.Errorf("next order number for relationship %s: %w", relID, errs.ErrNotFound)
	}
	return fmt.Sprintf("ORD-%06d", placed), seq, nil
}

// insertOrder writes a priced placement.
// The supplier's account owner of the relationship, if any, is notified.
func (t *tx) insertOrder(rel access.Rel, pl pricedOrder, accountOwner string) (order.Order, error) {
	lines, currency, total := pl.lines, pl.currency, pl.total
	next, seq, err := t.nextOrderNumber(rel.ID)
	if err != nil {
		return order.Order{}, err
	}
	now := t.s.now()
	row := orderRow{ID: NewID(), RelationshipID: rel.ID, Number: next, Status: string(order.Submitted),
		PONumber: pl.PONumber, RequestedDate: pl.RequestedDate, Note: pl.Note, Currency: currency, Total: int64(total),
		PlacedBy: rel.Caller.UserID, Version: 1, CreatedAt: now, UpdatedAt: now}
	history := []order.HistoryItem{{Seq: 1, Status: order.Submitted, ActorID: rel.Caller.UserID, At: now.UTC()}}
	if row.LinesJSON, err = EncodeLines(lines); err != nil {
		return order.Order{}, err
	}
	if row.HistoryJSON, err = EncodeHistory(history); err != nil {
		return order.Order{}, err
	}
	// Plain INSERT statements: the order path is the busiest writer, and GORM's
	// Create reflects over each struct on every call.
	if err := t.exec(`INSERT INTO orders (id, relationship_id, number, status, po_number, requested_date, promised_date, note,
		currency, total, placed_by, reason, version, created_at, updated_at, lines, history) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, '', ?, ?, ?, ?, ?)`,
		row.ID, row.RelationshipID, row.Number, row.Status, row.PONumber, row.RequestedDate, row.Note,
		row.Currency, row.Total, row.PlacedBy, row.Version, row.CreatedAt, row.UpdatedAt, row.LinesJSON, row.HistoryJSON); err != nil {
		return order.Order{}, err
	}
	for start := 0; start < len(lines); start += 100 {
		chunk := lines[start:min(start+100, len(lines))]
		var b strings.Builder
		b.WriteString(`INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total) VALUES `)
		args := make([]any, 0, 8*len(chunk))
		for i, l := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, row.ID, l.LineNo, l.ProductID, l.SKU, l.Name, l.Quantity, int64(l.UnitPrice), int64(l.LineTotal))
		}
		if err := t.exec(b.String(), args...); err != nil {
			return order.Order{}, err
		}
	}
	data := map[string]any{"order_id": row.ID, "number": row.Number, "to": row.Status, "total": money.Format(total, currency),
		"currency": currency, "lines": len(lines), "notify": notifyOthers(rel.Caller.UserID, accountOwner)}
	if _, err := t.emitSeq(rel.ID, seq, rel.Caller, rel.Side, event.New(event.OrderSubmitted, "order", row.ID, data)); err != nil {
		return order.Order{}, err
	}
	o := row.order()
	o.Lines = lines
	o.History = history
	return o, nil
}

// pricedCatalogue loads the requested products of rel's supplier (only those:
// another supplier's product is simply not found), inactive ones too, to say
// why they are refused, each with rel's contract price if it has one. One
// statement scanned by hand: it runs for every order placed.
func pricedCatalogue(db *gorm.DB, rel access.Rel, items []order.ItemRequest) (map[string]product.Priced, error) {
	ids := make([]string, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.ProductID)
	}
	rows, err := db.Raw(`SELECT p.id, p.supplier_org_id, p.sku, p.name, p.description, p.unit_price, p.currency, p.lead_time_days,
	p.active, p.installation_cost, p.annual_maintenance_cost, p.expected_life_years, p.version, p.created_at, p.updated_at, cp.unit_price
FROM products p LEFT JOIN contract_prices cp ON cp.relationship_id = ? AND cp.product_id = p.id
WHERE p.supplier_org_id = ? AND p.id IN ?`, rel.ID, rel.SupplierOrgID, ids).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]product.Priced, len(ids))
	for rows.Next() {
		var r productRow
		var contract sql.NullInt64
		if err := rows.Scan(&r.ID, &r.SupplierOrgID, &r.SKU, &r.Name, &r.Description, &r.UnitPrice, &r.Currency, &r.LeadTimeDays,
			&r.Active, &r.InstallationCost, &r.AnnualMaintenanceCost, &r.ExpectedLifeYears, &r.Version, &r.CreatedAt, &r.UpdatedAt, &contract); err != nil {
			return nil, err
		}
		p := r.priced(contract.Int64, contract.Valid)
		out[p.ID] = p
	}
	return out, rows.Err()
}

// ReorderRequest builds a placement request with the lines of an earlier order of rel.
func (s *Store) ReorderRequest(ctx context.Context, rel access.Rel, sourceID string) (order.PlaceRequest, error) {
	var src orderRow
	if err := s.read(ctx).Where("id = ? AND relationship_id = ?", sourceID, rel.ID).Take(&src).Error; err != nil {
		return order.PlaceRequest{}, mapErr("reorder", err)
	}
	lines, err := decodeLines([]byte(src.LinesJSON))
	if err != nil {
		return order.PlaceRequest{}, err
	}
	req := order.PlaceRequest{PONumber: src.PONumber, Lines: make([]order.LineRequest, len(lines))}
	for i, l := range lines {
		req.Lines[i] = order.LineRequest{ProductID: l.ProductID, Quantity: json.RawMessage(fmt.Sprint(l.Quantity))}
	}
	return req, nil
}

// Order returns one order of rel with its lines, history and delivery promise.
//
// It is the hottest read: one statement (orderSQL) prepared once on the read
// pool and scanned by hand. GORM's Raw built the statement's text and its
// clauses again on every call, 2.3 KB of garbage per read.
func (s *Store) Order(ctx context.Context, rel access.Rel, id string) (order.Order, error) {
	stmt, err := s.orderStmt()
	if err != nil {
		return order.Order{}, mapErr("order", err)
	}
	rows, err := stmt.QueryContext(s.readCtx(ctx), promise.KindDelivery, id, rel.ID)
	if err != nil {
		return order.Order{}, mapErr("order", err)
	}
	o, err := scanOrderWithPromise(rows)
	return o, mapErr("order", err)
}

// orderStmt prepares orderSQL on the read pool the first time it is needed
// (database/sql then prepares it once per connection). A failed prepare is
// tried again on the next read.
func (s *Store) orderStmt() (*sql.Stmt, error) {
	s.orderReadMu.Lock()
	defer s.orderReadMu.Unlock()
	if s.orderRead != nil {
		return s.orderRead, nil
	}
	db, err := s.r.DB()
	if err != nil {
		return nil, err
	}
	query := orderSQL(s.dialect)
	if s.dialect == Postgres {
		query = numberedParams(query)
	}
	stmt, err := db.Prepare(query)
	if err != nil {
		return nil, err
	}
	s.orderRead = stmt
	return stmt, nil
}

// OrderReadSQL is the statement Order runs, with ? placeholders for the
// promise kind, the order id and the relationship id (for the plan tests:
// it does not go through GORM, whose callbacks they watch).
func (s *Store) OrderReadSQL() string { return orderSQL(s.dialect) }

// numberedParams turns the ? placeholders of a statement without string
// literals containing ? into PostgreSQL's $1, $2, ….
func numberedParams(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// orderSQL selects an order of a relationship with its lines and history (JSON
// columns of the row) and its latest promise of a kind. PostgreSQL gets a
// LATERAL join, one index probe per order. SQLite has no LATERAL; the order is
// one row, so it joins the order's promises of the kind through
// promises_order_kind and keeps the latest (a MAX(id) subquery cost two more
// index walks: the promise's table row for its id, then the id's index).
func orderSQL(d Dialect) string {
	const cols = `SELECT o.id, o.relationship_id, o.number, o.status, o.po_number, o.requested_date, o.promised_date,
	o.note, o.currency, o.total, o.placed_by, o.reason, o.version, o.created_at, o.updated_at, o.acknowledged_at, o.delivered_at,
	p.id, p.description, p.kind, p.owner_id, p.due_date, p.status, p.note, p.created_by, p.version, p.created_at, p.resolved_at,
	o.lines, o.history
FROM orders o
`
	if d == Postgres {
		return cols + `LEFT JOIN LATERAL (SELECT * FROM promises q WHERE q.order_id = o.id AND q.kind = ? ORDER BY q.id DESC LIMIT 1) p
	ON p.relationship_id = o.relationship_id
WHERE o.id = ? AND o.relationship_id = ?`
	}
	return cols + `LEFT JOIN promises p ON p.order_id = o.id AND p.kind = ? AND p.relationship_id = o.relationship_id
WHERE o.id = ? AND o.relationship_id = ?
ORDER BY p.id DESC LIMIT 1`
}

// orderLineJSON and orderHistoryJSON are the elements of the orders.lines and
// orders.history arrays. The short keys keep the rows small; migration 0008
// wrote the same keys from order_lines and order_history.
type orderLineJSON struct {
	N int    `json:"n"`
	P string `json:"p"`
	S string `json:"s"`
	M string `json:"m"`
	Q int64  `json:"q"`
	U int64  `json:"u"`
	T int64  `json:"t"`
}

type orderHistoryJSON struct {
	N  int    `json:"n"`
	St string `json:"st"`
	A  string `json:"a"`
	No string `json:"no,omitempty"`
	At string `json:"at"`
}

// EncodeLines is the orders.lines form of an order's lines (the load
// harness's dataset generator writes orders with it too).
func EncodeLines(lines []order.Line) (string, error) {
	out := make([]orderLineJSON, len(lines))
	for i, l := range lines {
		out[i] = orderLineJSON{N: l.LineNo, P: l.ProductID, S: l.SKU, M: l.Name, Q: l.Quantity, U: int64(l.UnitPrice), T: int64(l.LineTotal)}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// EncodeHistory is the orders.history form of an order's history.
func EncodeHistory(hist []order.HistoryItem) (string, error) {
	out := make([]orderHistoryJSON, len(hist))
	for i, h := range hist {
		out[i] = orderHistoryJSON{N: h.Seq, St: string(h.Status), A: h.ActorID, No: h.Note, At: h.At.UTC().Format(time.RFC3339Nano)}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// decodeLines reads orders.lines, in line order.
func decodeLines(raw []byte) ([]order.Line, error) {
	lines, err := parseLines(raw)
	if err != nil {
		return nil, fmt.Errorf("order lines: %w", err)
	}
	slices.SortFunc(lines, func(a, b orderLineJSON) int { return cmp.Compare(a.N, b.N) })
	out := make([]order.Line, len(lines))
	for i, l := range lines {
		out[i] = order.Line{LineNo: l.N, ProductID: l.P, SKU: l.S, Name: l.M, Quantity: l.Q,
			UnitPrice: money.Amount(l.U), LineTotal: money.Amount(l.T)}
	}
	return out, nil
}

// decodeHistory reads orders.history, oldest first.
func decodeHistory(raw []byte) ([]order.HistoryItem, error) {
	var hist []orderHistoryJSON
	if err := json.Unmarshal(raw, &hist); err != nil {
		return nil, fmt.Errorf("order history: %w", err)
	}
	slices.SortFunc(hist, func(a, b orderHistoryJSON) int { return cmp.Compare(a.N, b.N) })
	out := make([]order.HistoryItem, len(hist))
	for i, h := range hist {
		at, err := parseStoredTime(h.At)
		if err != nil {
			return nil, fmt.Errorf("order history: %w", err)
		}
		out[i] = order.HistoryItem{Seq: h.N, Status: order.Status(h.St), ActorID: h.A, Note: h.No, At: at}
	}
	return out, nil
}

// parseStoredTime reads a history timestamp: RFC 3339 as the store writes it
// and PostgreSQL's json_build_object gave migration 0008, or one of the text
// forms SQLite's driver writes (sqlite3.SQLiteTimestampFormats).
func parseStoredTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range sqlite3.SQLiteTimestampFormats {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable timestamp %q", v)
}

// orderTrail fills o's lines and history from the row's JSON columns.
func orderTrail(o *order.Order, linesJSON, historyJSON []byte) error {
	var err error
	if o.Lines, err = decodeLines(linesJSON); err != nil {
		return err
	}
	o.History, err = decodeHistory(historyJSON)
	return err
}

// scanOrderWithPromise scans the one row of orderSQL and closes rows.
func scanOrderWithPromise(rows *sql.Rows) (order.Order, error) {
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return order.Order{}, err
		}
		return order.Order{}, gorm.ErrRecordNotFound
	}
	var r orderRow
	var linesJSON, historyJSON []byte
	var p struct {
		ID, Description, Kind, OwnerID, DueDate, Status, Note, CreatedBy sql.NullString
		Version                                                          sql.NullInt64
		CreatedAt, ResolvedAt                                            sql.NullTime
	}
	if err := rows.Scan(append(r.scanFields(), &p.ID, &p.Description, &p.Kind, &p.OwnerID, &p.DueDate, &p.Status, &p.Note,
		&p.CreatedBy, &p.Version, &p.CreatedAt, &p.ResolvedAt, &linesJSON, &historyJSON)...); err != nil {
		return order.Order{}, err
	}
	o := r.order()
	if err := orderTrail(&o, linesJSON, historyJSON); err != nil {
		return o, err
	}
	if p.ID.Valid {
		orderID := r.ID
		pr := promiseRow{ID: p.ID.String, RelationshipID: r.RelationshipID, Description: p.Description.String, Kind: p.Kind.String,
			OwnerID: p.OwnerID.String, DueDate: p.DueDate.String, OrderID: &orderID, Status: p.Status.String, Note: p.Note.String,
			CreatedBy: p.CreatedBy.String, Version: p.Version.Int64, CreatedAt: p.CreatedAt.Time}
		if p.ResolvedAt.Valid {
			pr.ResolvedAt = &p.ResolvedAt.Time
		}
		pp := pr.promise()
		o.PromiseID, o.Promise = pp.ID, &pp
	}
	return o, rows.Err()
}

// ListOrders lists rel's orders, newest first, with their lines (from the
// row's lines column); history is left to the single-order read. It runs for
// every order list, 50 rows at a time: the statement is written out and the
// rows scanned by hand (GORM's reflective scan was a sixth of a list's CPU).
func (s *Store) ListOrders(ctx context.Context, rel access.Rel, f order.Filter, p Page) ([]order.Order, string, error) {
	var q strings.Builder
	q.WriteString(`SELECT ` + orderColumns + `, lines
FROM orders WHERE relationship_id = ?`)
	args := []any{rel.ID}
	if f.Status != "" {
		q.WriteString(` AND status = ?`)
		args = append(args, string(f.Status))
	}
	if !f.From.IsZero() {
		q.WriteString(` AND created_at >= ?`)
		args = append(args, f.From)
	}
	if !f.To.IsZero() {
		q.WriteString(` AND created_at < ?`)
		args = append(args, f.To.AddDate(0, 0, 1))
	}
	if p.After != "" {
		q.WriteString(` AND id < ?`)
		args = append(args, p.After)
	}
	q.WriteString(` ORDER BY id DESC LIMIT ?`)
	args = append(args, p.Limit+1)
	rows, err := s.read(ctx).Raw(q.String(), args...).Rows()
	if err != nil {
		return nil, "", mapErr("list orders", err)
	}
	defer rows.Close()
	out := make([]order.Order, 0, min(p.Limit+1, 64))
	for rows.Next() {
		var r orderRow
		var linesJSON []byte
		if err := rows.Scan(append(r.scanFields(), &linesJSON)...); err != nil {
			return nil, "", mapErr("list orders", err)
		}
		o := r.order()
		if o.Lines, err = decodeLines(linesJSON); err != nil {
			return nil, "", err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, "", mapErr("list orders", err)
	}
	out, next := pageResult(p, out, func(o order.Order) string { return o.ID })
	return out, next, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// gormDB is a query under construction.
type gormDB = *gorm.DB

// gormExpr is a SQL expression as an update value.
func gormExpr(sql string) any { return gorm.Expr(sql) }
