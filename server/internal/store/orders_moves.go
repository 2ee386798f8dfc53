package store

import (
	"context"
	"fmt"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/domain/order"
	"github.com/rapport/rapport/server/internal/domain/promise"
)

// moveOrder runs one state change of an order of rel: it locks the row, checks
// If-Match, lets change decide and record the move (events, history, promise),
// then writes the row with the next version.
func (s *Store) moveOrder(ctx context.Context, rel access.Rel, id string, ifMatch int64, op string, change func(t *tx, row *orderRow) error) (order.Order, error) {
	err := s.write(ctx, op, func(t *tx) error {
		var row orderRow
		if err := t.lockScan(`SELECT `+orderColumns+`, lines, history FROM orders WHERE id = ? AND relationship_id = ?`,
			[]any{id, rel.ID}, append(row.scanFields(), &row.LinesJSON, &row.HistoryJSON)...); err != nil {
			return fmt.Errorf("order %s: %w", id, err)
		}
		if err := checkVersion(ifMatch, row.Version); err != nil {
			return err
		}
		before := row
		if err := change(t, &row); err != nil {
			return err
		}
		if err := movedColumnsOnly(before, row); err != nil {
			return err
		}
		prev := row.Version
		row.Version, row.UpdatedAt = prev+1, t.s.now()
		// Only the columns a move changes: assigning the others too (as GORM's
		// Updates of the whole row did) rewrote the row's entries in all four
		// of the table's indexes, and a move cost five times an order placed.
		n, err := t.execRows(`UPDATE orders SET status = ?, promised_date = ?, reason = ?, acknowledged_at = ?, delivered_at = ?,
			history = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
			row.Status, row.PromisedDate, row.Reason, row.AcknowledgedAt, row.DeliveredAt, row.HistoryJSON,
			row.Version, row.UpdatedAt, id, prev)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.ErrStale
		}
		return nil
	})
	if err != nil {
		return order.Order{}, err
	}
	return s.Order(ctx, rel, id)
}

// movedColumnsOnly refuses a change that wrote a column moveOrder does not
// save (a programming error, caught before it loses a write).
func movedColumnsOnly(before, after orderRow) error {
	want := before
	want.Status, want.PromisedDate, want.Reason = after.Status, after.PromisedDate, after.Reason
	want.AcknowledgedAt, want.DeliveredAt, want.HistoryJSON = after.AcknowledgedAt, after.DeliveredAt, after.HistoryJSON
	if want != after {
		return fmt.Errorf("order %s: a state change wrote a column that moveOrder does not save", before.ID)
	}
	return nil
}

// addHistory appends the state the order just entered to the row's history;
// moveOrder writes it with the row.
func (t *tx) addHistory(rel access.Rel, row *orderRow, note string) error {
	hist, err := decodeHistory([]byte(row.HistoryJSON))
	if err != nil {
		return err
	}
	seq := 1
	if len(hist) > 0 {
		seq = hist[len(hist)-1].Seq + 1
	}
	hist = append(hist, order.HistoryItem{Seq: seq, Status: order.Status(row.Status), ActorID: rel.Caller.UserID, Note: note, At: t.s.now()})
	row.HistoryJSON, err = EncodeHistory(hist)
	return err
}

// transition moves row from its status to `to`, records history and emits typ
// with {order_id, number, from, to, …extra, notify}.
func (t *tx) transition(rel access.Rel, row *orderRow, to order.Status, typ, note string, notify []string, extra map[string]any) error {
	from := row.Status
	row.Status = string(to)
	if err := t.addHistory(rel, row, note); err != nil {
		return err
	}
	data := map[string]any{"order_id": row.ID, "number": row.Number, "from": from, "to": row.Status, "notify": notify}
	for k, v := range extra {
		data[k] = v
	}
	_, err := t.emitRel(rel, event.New(typ, "order", row.ID, data))
	return err
}

// notifyOthers drops the actor from a notify list: nobody is told of their own act.
func notifyOthers(actor string, ids ...string) []string {
	out := []string{}
	for _, id := range ids {
		if id != "" && id != actor {
			out = append(out, id)
		}
	}
	return out
}

// AcknowledgeOrder is the supplier accepting a submitted order with a promised
// date; it creates the delivery promise, owned by the acknowledging user.
func (s *Store) AcknowledgeOrder(ctx context.Context, rel access.Rel, id string, ifMatch int64, promisedDate string) (order.Order, error) {
	if rel.Side != access.Supplier {
		return order.Order{}, errs.Forbiddenf("only the supplier acknowledges orders")
	}
	return s.moveOrder(ctx, rel, id, ifMatch, "acknowledge order", func(t *tx, row *orderRow) error {
		if order.Status(row.Status) != order.Submitted {
			return errs.Conflictf("an order that is %s cannot be acknowledged", row.Status)
		}
		now := t.s.now()
		row.PromisedDate, row.AcknowledgedAt = promisedDate, &now
		p, err := t.insertPromise(rel, promise.CreateRequest{Description: "Deliver order " + row.Number, Kind: promise.KindDelivery,
			OwnerID: rel.Caller.UserID, DueDate: promisedDate, OrderID: row.ID}, notifyOthers(rel.Caller.UserID, row.PlacedBy))
		if err != nil {
			return err
		}
		return t.transition(rel, row, order.Acknowledged, event.OrderAcknowledged, "", notifyOthers(rel.Caller.UserID, row.PlacedBy),
			map[string]any{"promised_date": promisedDate, "promise_id": p.ID})
	})
}

// AdvanceOrder moves an acknowledged order forward (in_production, shipped,
// delivered). Delivery resolves the delivery promise: kept on or before the
// promised date, broken after it.
func (s *Store) AdvanceOrder(ctx context.Context, rel access.Rel, id string, ifMatch int64, to order.Status) (order.Order, error) {
	if rel.Side != access.Supplier {
		return order.Order{}, errs.Forbiddenf("only the supplier moves an order through production and delivery")
	}
	return s.moveOrder(ctx, rel, id, ifMatch, "advance order", func(t *tx, row *orderRow) error {
		if !order.CanAdvance(order.Status(row.Status), to) {
			return errs.Conflictf("an order that is %s cannot become %s", row.Status, to)
		}
		var extra map[string]any
		if to == order.Delivered {
			now := t.s.now()
			row.DeliveredAt = &now
			if err := t.settleDeliveryPromise(rel, row.ID, func(p promiseRow) promise.Status {
				return promise.DeliveryOutcome(p.DueDate, now)
			}, "delivered"); err != nil {
				return err
			}
			// The scorecard's on-time delivery ratio reads these from the log.
			extra = map[string]any{"promised_date": row.PromisedDate, "delivered_on": now.Format("2006-01-02"),
				"on_time": row.PromisedDate != "" && promise.DeliveryOutcome(row.PromisedDate, now) == promise.Kept}
		}
		return t.transition(rel, row, to, event.OrderStatusChanged, "", notifyOthers(rel.Caller.UserID, row.PlacedBy), extra)
	})
}

// CancelOrder is the buyer withdrawing an order before it ships; a pending
// delivery promise is closed as cancelled.
func (s *Store) CancelOrder(ctx context.Context, rel access.Rel, id string, ifMatch int64, reason string) (order.Order, error) {
	if rel.Side != access.Buyer {
		return order.Order{}, errs.Forbiddenf("only the buyer cancels orders")
	}
	return s.moveOrder(ctx, rel, id, ifMatch, "cancel order", func(t *tx, row *orderRow) error {
		if !order.CanCancel(order.Status(row.Status)) {
			return errs.Conflictf("an order that is %s can no longer be cancelled", row.Status)
		}
		row.Reason = reason
		owner, err := t.deliveryPromiseOwner(row.ID)
		if err != nil {
			return err
		}
		if owner == "" {
			owner, err = t.accountOwner(rel.ID)
			if err != nil {
				return err
			}
		}
		if err := t.settleDeliveryPromise(rel, row.ID, func(promiseRow) promise.Status { return promise.Cancelled }, "order cancelled"); err != nil {
			return err
		}
		return t.transition(rel, row, order.Cancelled, event.OrderCancelled, reason, notifyOthers(rel.Caller.UserID, owner),
			map[string]any{"reason": reason})
	})
}

// RejectOrder is the supplier declining a submitted order, with a reason.
func (s *Store) RejectOrder(ctx context.Context, rel access.Rel, id string, ifMatch int64, reason string) (order.Order, error) {
	if rel.Side != access.Supplier {
		return order.Order{}, errs.Forbiddenf("only the supplier rejects orders")
	}
	return s.moveOrder(ctx, rel, id, ifMatch, "reject order", func(t *tx, row *orderRow) error {
		if !order.CanReject(order.Status(row.Status)) {
			return errs.Conflictf("an order that is %s can no longer be rejected", row.Status)
		}
		row.Reason = reason
		return t.transition(rel, row, order.Rejected, event.OrderRejected, reason, notifyOthers(rel.Caller.UserID, row.PlacedBy),
			map[string]any{"reason": reason})
	})
}

func (t *tx) deliveryPromiseOwner(orderID string) (string, error) {
	var owners []string
	err := t.Model(&promiseRow{}).Where("order_id = ? AND kind = ? AND status IN ?", orderID, promise.KindDelivery, pendingStatuses).Limit(1).Pluck("owner_id", &owners).Error
	if err != nil || len(owners) == 0 {
		return "", err
	}
	return owners[0], nil
}

// accountOwner is the supplier user who looks after the relationship, or "".
func (t *tx) accountOwner(relID string) (string, error) {
	var owners []*string
	if err := t.Model(&relationshipRow{}).Where("id = ?", relID).Pluck("account_owner_id", &owners).Error; err != nil {
		return "", err
	}
	if len(owners) == 0 {
		return "", nil
	}
	return deref(owners[0]), nil
}

var pendingStatuses = []string{string(promise.Open), string(promise.Renegotiated)}

// settleDeliveryPromise resolves the pending delivery promises of an order with the
// outcome decide returns, and emits promise.resolved for each.
func (t *tx) settleDeliveryPromise(rel access.Rel, orderID string, decide func(promiseRow) promise.Status, note string) error {
	var rows []promiseRow
	if err := t.Where("order_id = ? AND relationship_id = ? AND kind = ? AND status IN ?", orderID, rel.ID, promise.KindDelivery, pendingStatuses).Find(&rows).Error; err != nil {
		return err
	}
	for i := range rows {
		if err := t.resolvePromiseRow(rel.ID, rel.Caller, rel.Side, &rows[i], decide(rows[i]), note, ""); err != nil {
			return err
		}
	}
	return nil
}
