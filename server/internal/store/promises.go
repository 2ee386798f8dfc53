package store

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/domain/promise"
)

type promiseRow struct {
	ID             string
	RelationshipID string
	Description    string
	Kind           string
	OwnerID        string
	DueDate        string
	OrderID        *string
	Status         string
	Note           string
	CreatedBy      string
	Version        int64
	CreatedAt      time.Time
	ResolvedAt     *time.Time
}

func (promiseRow) TableName() string { return "promises" }

func (r promiseRow) promise() promise.Promise {
	p := promise.Promise{ID: r.ID, RelationshipID: r.RelationshipID, Description: r.Description, Kind: r.Kind, OwnerID: r.OwnerID,
		DueDate: r.DueDate, Status: promise.Status(r.Status), Note: r.Note, CreatedBy: r.CreatedBy, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC()}
	if r.OrderID != nil {
		p.OrderID = *r.OrderID
	}
	if r.ResolvedAt != nil {
		t := r.ResolvedAt.UTC()
		p.ResolvedAt = &t
	}
	return p
}

type promiseHistoryRow struct {
	PromiseID string
	Seq       int
	Status    string
	DueDate   string
	Note      string
	ActorID   string
	At        time.Time
}

func (promiseHistoryRow) TableName() string { return "promise_history" }

// CreatePromise records a promise the supplier made to rel's buyer. The owner
// must be an active user of the supplier; an order, if named, must be rel's.
func (s *Store) CreatePromise(ctx context.Context, rel access.Rel, req promise.CreateRequest) (promise.Promise, error) {
	if rel.Side != access.Supplier {
		return promise.Promise{}, errs.Forbiddenf("only the supplier records its promises")
	}
	var out promise.Promise
	err := s.write(ctx, "create promise", func(t *tx) error {
		var v errs.Validator
		var n int64
		if err := t.Model(&userRow{}).Where("id = ? AND org_id = ? AND active = ?", req.OwnerID, rel.SupplierOrgID, true).Count(&n).Error; err != nil {
			return err
		}
		v.Check(n > 0, "owner_id", "must be an active user of the supplier")
		if req.OrderID != "" {
			if err := t.Model(&orderRow{}).Where("id = ? AND relationship_id = ?", req.OrderID, rel.ID).Count(&n).Error; err != nil {
				return err
			}
			v.Check(n > 0, "order_id", "is not an order of this relationship")
		}
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		out, err = t.insertPromise(rel, req, notifyOthers(rel.Caller.UserID, req.OwnerID))
		return err
	})
	return out, err
}

// insertPromise writes a promise, its first history entry and promise.created.
func (t *tx) insertPromise(rel access.Rel, req promise.CreateRequest, notify []string) (promise.Promise, error) {
	now := t.s.now()
	row := promiseRow{ID: NewID(), RelationshipID: rel.ID, Description: req.Description, Kind: req.Kind, OwnerID: req.OwnerID,
		DueDate: req.DueDate, Status: string(promise.Open), CreatedBy: rel.Caller.UserID, Version: 1, CreatedAt: now}
	if req.OrderID != "" {
		row.OrderID = &req.OrderID
	}
	if err := t.Create(&row).Error; err != nil {
		return promise.Promise{}, err
	}
	if err := t.Create(&promiseHistoryRow{PromiseID: row.ID, Seq: 1, Status: row.Status, DueDate: row.DueDate, ActorID: rel.Caller.UserID, At: now}).Error; err != nil {
		return promise.Promise{}, err
	}
	data := map[string]any{"promise_id": row.ID, "kind": row.Kind, "owner_id": row.OwnerID, "due_date": row.DueDate,
		"order_id": req.OrderID, "to": row.Status, "notify": notify}
	if _, err := t.emitRel(rel, event.New(event.PromiseCreated, "promise", row.ID, data)); err != nil {
		return promise.Promise{}, err
	}
	return row.promise(), nil
}

// resolvePromiseRow moves a pending promise to status (or renegotiates it to
// newDue), appends history and emits promise.resolved (promise.renegotiated).
func (t *tx) resolvePromiseRow(relID string, actor access.Caller, side access.Side, row *promiseRow, status promise.Status, note, newDue string) error {
	from := row.Status
	now := t.s.now()
	updates := map[string]any{"status": string(status), "note": note, "version": row.Version + 1}
	typ := event.PromiseResolved
	if status == promise.Renegotiated {
		typ = event.PromiseRenegotiated
		updates["due_date"] = newDue
		row.DueDate = newDue
	} else {
		updates["resolved_at"] = now
		row.ResolvedAt = &now
	}
	res := t.Model(&promiseRow{}).Where("id = ? AND version = ?", row.ID, row.Version).Updates(updates)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errs.ErrStale
	}
	row.Status, row.Note, row.Version = string(status), note, row.Version+1
	var last int
	if err := t.Model(&promiseHistoryRow{}).Where("promise_id = ?", row.ID).Select("COALESCE(MAX(seq), 0)").Scan(&last).Error; err != nil {
		return err
	}
	if err := t.Create(&promiseHistoryRow{PromiseID: row.ID, Seq: last + 1, Status: row.Status, DueDate: row.DueDate, Note: note, ActorID: actor.UserID, At: now}).Error; err != nil {
		return err
	}
	data := map[string]any{"promise_id": row.ID, "kind": row.Kind, "from": from, "to": row.Status, "outcome": row.Status,
		"due_date": row.DueDate, "note": note, "notify": notifyOthers(actor.UserID, row.OwnerID)}
	if row.OrderID != nil {
		data["order_id"] = *row.OrderID
	}
	_, err := t.emit(relID, actor, side, event.New(typ, "promise", row.ID, data))
	return err
}

// ResolvePromise records the outcome of a pending promise of rel (supplier only).
// A delivery promise of an order is kept or broken by the order itself; it can
// only be renegotiated, which moves the order's promised date along.
func (s *Store) ResolvePromise(ctx context.Context, rel access.Rel, id string, ifMatch int64, req promise.ResolveRequest) (promise.Promise, error) {
	if rel.Side != access.Supplier {
		return promise.Promise{}, errs.Forbiddenf("only the supplier resolves its promises")
	}
	err := s.write(ctx, "resolve promise", func(t *tx) error {
		// Lock in the order every order change uses (order, then promise), so a
		// renegotiation racing the order's delivery cannot deadlock on PostgreSQL.
		var pre promiseRow
		if err := t.Where("id = ? AND relationship_id = ?", id, rel.ID).Take(&pre).Error; err != nil {
			return fmt.Errorf("promise %s: %w", id, err)
		}
		if isDeliveryOf(pre) {
			var o orderRow
			if err := t.lockRow(&o, `SELECT * FROM orders WHERE id = ? AND relationship_id = ?`, *pre.OrderID, rel.ID); err != nil {
				return fmt.Errorf("order of promise %s: %w", id, err)
			}
		}
		var row promiseRow
		if err := t.lockRow(&row, `SELECT * FROM promises WHERE id = ? AND relationship_id = ?`, id, rel.ID); err != nil {
			return fmt.Errorf("promise %s: %w", id, err)
		}
		if err := checkVersion(ifMatch, row.Version); err != nil {
			return err
		}
		outcome := promise.Status(req.Outcome)
		switch {
		case !promise.Status(row.Status).Pending():
			return errs.Conflictf("the promise is already %s", row.Status)
		case isDeliveryOf(row) && outcome != promise.Renegotiated:
			return errs.Conflictf("a delivery promise is kept or broken by its order's delivery; it can only be renegotiated")
		}
		if isDeliveryOf(row) {
			if err := t.Model(&orderRow{}).Where("id = ? AND relationship_id = ?", *row.OrderID, rel.ID).
				Updates(map[string]any{"promised_date": req.NewDueDate, "version": gormExpr("version + 1"), "updated_at": t.s.now()}).Error; err != nil {
				return err
			}
		}
		return t.resolvePromiseRow(rel.ID, rel.Caller, rel.Side, &row, outcome, req.Note, req.NewDueDate)
	})
	if err != nil {
		return promise.Promise{}, err
	}
	return s.Promise(ctx, rel, id)
}

// isDeliveryOf reports whether a promise is an order's delivery promise: those
// are kept or broken by the order's delivery, not by hand.
func isDeliveryOf(r promiseRow) bool { return r.OrderID != nil && r.Kind == promise.KindDelivery }

// Promise returns one promise of rel with its history.
func (s *Store) Promise(ctx context.Context, rel access.Rel, id string) (promise.Promise, error) {
	var row promiseRow
	if err := s.read(ctx).Where("id = ? AND relationship_id = ?", id, rel.ID).Take(&row).Error; err != nil {
		return promise.Promise{}, mapErr("promise", err)
	}
	p := row.promise()
	var hist []promiseHistoryRow
	if err := s.read(ctx).Where("promise_id = ?", id).Order("seq").Find(&hist).Error; err != nil {
		return p, mapErr("promise history", err)
	}
	for _, h := range hist {
		p.History = append(p.History, promise.HistoryItem{Seq: h.Seq, Status: promise.Status(h.Status), DueDate: h.DueDate, Note: h.Note, ActorID: h.ActorID, At: h.At.UTC()})
	}
	return p, nil
}

// ListRelPromises lists rel's promises, newest first; both sides see them all.
func (s *Store) ListRelPromises(ctx context.Context, rel access.Rel, f promise.Filter, p Page) ([]promise.Promise, string, error) {
	return s.listPromises(s.read(ctx).Model(&promiseRow{}).Where("relationship_id = ?", rel.ID), f, p)
}

// ListCallerPromises lists promises across every relationship of the caller's
// organization, newest first: the ledger of what a person promised.
func (s *Store) ListCallerPromises(ctx context.Context, caller access.Caller, f promise.Filter, p Page) ([]promise.Promise, string, error) {
	q := s.read(ctx).Model(&promiseRow{}).
		Where("relationship_id IN (SELECT id FROM relationships WHERE supplier_org_id = ? OR buyer_org_id = ?)", caller.OrgID, caller.OrgID)
	return s.listPromises(q, f, p)
}

func (s *Store) listPromises(q gormDB, f promise.Filter, p Page) ([]promise.Promise, string, error) {
	p.Desc = true
	switch promise.Status(f.Status) {
	case "":
	case promise.Open:
		q = q.Where("status IN ?", pendingStatuses)
	default:
		q = q.Where("status = ?", f.Status)
	}
	if f.OwnerID != "" {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	var rows []promiseRow
	if err := p.apply(q, "id").Find(&rows).Error; err != nil {
		return nil, "", mapErr("list promises", err)
	}
	rows, next := pageResult(p, rows, func(r promiseRow) string { return r.ID })
	out := make([]promise.Promise, len(rows))
	for i, r := range rows {
		out[i] = r.promise()
	}
	return out, next, nil
}

// BreakOverduePromises marks as broken every pending delivery promise whose
// due date is before now's day while its order is still undelivered (and not
// cancelled or rejected). It returns how many it broke. Each runs in its own
// transaction so that one failure does not hold back the others.
func (s *Store) BreakOverduePromises(ctx context.Context, now time.Time) (int, error) {
	today := now.UTC().Format("2006-01-02")
	var rows []promiseRow
	// Driven by promises_status_due and joined to each order by its key: an
	// "order_id IN (orders not yet delivered)" subquery scanned every order of
	// the database each time (0.4 s a minute at a million orders).
	err := s.read(ctx).Table("promises p").Select("p.*").Joins("JOIN orders o ON o.id = p.order_id").
		Where("p.status IN ? AND p.due_date < ? AND p.kind = ? AND o.status IN ?",
			pendingStatuses, today, promise.KindDelivery, []string{"submitted", "acknowledged", "in_production", "shipped"}).
		Order("p.id").Limit(1000).Find(&rows).Error
	if err != nil {
		return 0, mapErr("overdue promises", err)
	}
	broken := 0
	for _, r := range rows {
		done := false
		err := s.write(ctx, "break overdue promise", func(t *tx) error {
			var row promiseRow
			if err := t.lockRow(&row, `SELECT * FROM promises WHERE id = ?`, r.ID); err != nil {
				return err
			}
			if !promise.Status(row.Status).Pending() || row.DueDate >= today {
				return nil // resolved or renegotiated meanwhile
			}
			done = true
			return t.resolvePromiseRow(row.RelationshipID, access.Caller{}, "", &row, promise.Broken,
				"the promised date passed without delivery", "")
		})
		if err != nil {
			return broken, err
		}
		if done {
			broken++
		}
	}
	return broken, nil
}
