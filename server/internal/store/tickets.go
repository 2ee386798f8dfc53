package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/domain/ticket"
)

type ticketRow struct {
	ID                    string
	RelationshipID        string
	Number                string
	Type                  string
	Severity              string
	Title                 string
	Body                  string
	OrderID               *string
	ProductID             *string
	Status                string
	OpenedBy              string
	OpenedSide            string
	AssigneeID            *string
	FirstResponseDueAt    time.Time
	ResolutionDueAt       time.Time
	FirstRespondedAt      *time.Time
	ResolvedAt            *time.Time
	ClosedAt              *time.Time
	ReopenedAt            *time.Time
	ReopenCount           int
	FirstResponseBreached bool
	ResolutionBreached    bool
	Version               int64
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

func (ticketRow) TableName() string { return "tickets" }

func svcUTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r ticketRow) ticket() ticket.Ticket {
	return ticket.Ticket{ID: r.ID, RelationshipID: r.RelationshipID, Number: r.Number, Type: r.Type, Severity: r.Severity, Title: r.Title,
		Body: r.Body, OrderID: svcDeref(r.OrderID), ProductID: svcDeref(r.ProductID), Status: r.Status, OpenedBy: r.OpenedBy,
		OpenedSide: access.Side(r.OpenedSide), AssigneeID: svcDeref(r.AssigneeID), FirstResponseDueAt: r.FirstResponseDueAt.UTC(),
		ResolutionDueAt: r.ResolutionDueAt.UTC(), FirstRespondedAt: svcUTC(r.FirstRespondedAt), ResolvedAt: svcUTC(r.ResolvedAt),
		ClosedAt: svcUTC(r.ClosedAt), ReopenedAt: svcUTC(r.ReopenedAt), ReopenCount: r.ReopenCount,
		FirstResponseBreached: r.FirstResponseBreached, ResolutionBreached: r.ResolutionBreached, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func ticketRowOf(t ticket.Ticket) ticketRow {
	return ticketRow{ID: t.ID, RelationshipID: t.RelationshipID, Number: t.Number, Type: t.Type, Severity: t.Severity, Title: t.Title,
		Body: t.Body, OrderID: svcRef(t.OrderID), ProductID: svcRef(t.ProductID), Status: t.Status, OpenedBy: t.OpenedBy,
		OpenedSide: string(t.OpenedSide), AssigneeID: svcRef(t.AssigneeID), FirstResponseDueAt: t.FirstResponseDueAt,
		ResolutionDueAt: t.ResolutionDueAt, FirstRespondedAt: t.FirstRespondedAt, ResolvedAt: t.ResolvedAt, ClosedAt: t.ClosedAt,
		ReopenedAt: t.ReopenedAt, ReopenCount: t.ReopenCount, FirstResponseBreached: t.FirstResponseBreached,
		ResolutionBreached: t.ResolutionBreached, Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// checkTicketLinks verifies that a ticket's order belongs to rel and its product to rel's supplier.
func checkTicketLinks(db *gorm.DB, rel access.Rel, orderID, productID string) error {
	var v errs.Validator
	if orderID != "" {
		var n int64
		if err := db.Table("orders").Where("id = ? AND relationship_id = ?", orderID, rel.ID).Count(&n).Error; err != nil {
			return err
		}
		v.Check(n > 0, "order_id", "is not an order of this relationship")
	}
	if productID != "" {
		ok, err := svcRelProductExists(db, rel, productID)
		if err != nil {
			return err
		}
		v.Check(ok, "product_id", "is not a product of this relationship's supplier")
	}
	return v.Err()
}

// OpenTicket opens a service ticket in rel (a buyer, or the supplier on the buyer's
// behalf), numbered per relationship, with SLA due times from the supplier's policy.
func (s *Store) OpenTicket(ctx context.Context, rel access.Rel, tk ticket.Ticket) (ticket.Ticket, error) {
	var row ticketRow
	err := s.write(ctx, "open ticket", func(t *tx) error {
		if err := checkTicketLinks(t.DB, rel, tk.OrderID, tk.ProductID); err != nil {
			return err
		}
		var relRow relationshipRow
		if err := t.lockRow(&relRow, `SELECT * FROM relationships WHERE id = ?`, rel.ID); err != nil {
			return err
		}
		var n int64
		if err := t.Model(&ticketRow{}).Where("relationship_id = ?", rel.ID).Count(&n).Error; err != nil {
			return err
		}
		policy, err := slaPolicy(t.DB, rel.SupplierOrgID, tk.Severity)
		if err != nil {
			return err
		}
		now := t.s.now()
		tk.ID, tk.RelationshipID, tk.Number, tk.Status = NewID(), rel.ID, fmt.Sprintf("T-%05d", n+1), ticket.Open
		tk.OpenedBy, tk.OpenedSide, tk.Version, tk.CreatedAt, tk.UpdatedAt = rel.Caller.UserID, rel.Side, 1, now, now
		tk.Start(policy, now)
		row = ticketRowOf(tk)
		if err := t.Create(&row).Error; err != nil {
			return err
		}
		notify := []string{}
		if rel.Side == access.Buyer && relRow.AccountOwnerID != nil {
			notify = svcNotify([]string{*relRow.AccountOwnerID}, rel.Caller.UserID)
		}
		ev := event.New(event.TicketOpened, "ticket", row.ID, map[string]any{"ticket_id": row.ID, "number": row.Number, "type": row.Type,
			"severity": row.Severity, "title": row.Title, "opened_side": row.OpenedSide, "notify": notify})
		_, err = t.emitRel(rel, ev)
		return err
	})
	return row.ticket(), err
}

// Ticket returns one ticket of rel.
func (s *Store) Ticket(ctx context.Context, rel access.Rel, id string) (ticket.Ticket, error) {
	var row ticketRow
	err := s.read(ctx).Where("id = ? AND relationship_id = ?", id, rel.ID).Take(&row).Error
	return row.ticket(), mapErr("ticket", err)
}

// ListTickets lists rel's tickets, newest first, with the complaint facts both
// sides see (over all of rel's complaints, whatever the filter).
func (s *Store) ListTickets(ctx context.Context, rel access.Rel, f ticket.Filter, p Page) ([]ticket.Ticket, string, ticket.ComplaintStats, error) {
	q := s.read(ctx).Model(&ticketRow{}).Where("relationship_id = ?", rel.ID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Type != "" {
		q = q.Where("type = ?", f.Type)
	}
	if f.Severity != "" {
		q = q.Where("severity = ?", f.Severity)
	}
	p.Desc = true
	var rows []ticketRow
	if err := p.apply(q, "id").Find(&rows).Error; err != nil {
		return nil, "", ticket.ComplaintStats{}, mapErr("list tickets", err)
	}
	rows, next := pageResult(p, rows, func(r ticketRow) string { return r.ID })
	out := make([]ticket.Ticket, len(rows))
	for i, r := range rows {
		out[i] = r.ticket()
	}
	stats, err := s.complaintStats(ctx, rel)
	return out, next, stats, err
}

func (s *Store) complaintStats(ctx context.Context, rel access.Rel) (ticket.ComplaintStats, error) {
	var rows []ticketRow
	err := s.read(ctx).Select("status, created_at, reopened_at, resolved_at").
		Where("relationship_id = ? AND type = ?", rel.ID, ticket.Complaint).Find(&rows).Error
	if err != nil {
		return ticket.ComplaintStats{}, mapErr("complaint stats", err)
	}
	var st ticket.ComplaintStats
	var hours float64
	for _, r := range rows {
		st.Count++
		if r.ResolvedAt == nil {
			st.Open++
			continue
		}
		st.Resolved++
		start := r.CreatedAt
		if r.ReopenedAt != nil {
			start = *r.ReopenedAt // the round that was resolved last
		}
		hours += r.ResolvedAt.Sub(start).Hours()
	}
	if st.Resolved > 0 {
		mean := hours / float64(st.Resolved)
		st.MeanResolutionHours = &mean
	}
	return st, nil
}

// ChangeTicketStatus moves a ticket through its workflow (see ticket.CheckTransition).
// A supplier's first move is the ticket's first response; a buyer's reopening
// restarts the resolution clock (see ticket.Ticket.Reopen).
func (s *Store) ChangeTicketStatus(ctx context.Context, rel access.Rel, id string, ch ticket.StatusChange, ifMatch int64) (ticket.Ticket, error) {
	var row ticketRow
	err := s.write(ctx, "change ticket status", func(t *tx) error {
		if err := t.lockRow(&row, `SELECT * FROM tickets WHERE id = ? AND relationship_id = ?`, id, rel.ID); err != nil {
			return fmt.Errorf("ticket %s: %w", id, err)
		}
		if err := checkVersion(ifMatch, row.Version); err != nil {
			return err
		}
		tk := row.ticket()
		from := tk.Status
		if err := ticket.CheckTransition(from, ch.Status, rel.Side); err != nil {
			return err
		}
		now := t.s.now()
		if ticket.IsReopen(from, ch.Status) {
			policy, err := slaPolicy(t.DB, rel.SupplierOrgID, tk.Severity)
			if err != nil {
				return err
			}
			tk.Reopen(policy, now)
		} else {
			tk.Apply(ch.Status, rel.Side, now)
		}
		tk.Version, tk.UpdatedAt = tk.Version+1, now
		if err := saveTicket(t, tk, row.Version); err != nil {
			return err
		}
		row = ticketRowOf(tk)
		data := map[string]any{"ticket_id": tk.ID, "number": tk.Number, "from": from, "to": tk.Status,
			"notify": svcNotify([]string{tk.OpenedBy, tk.AssigneeID}, rel.Caller.UserID)}
		if ch.Note != "" {
			data["note"] = ch.Note
		}
		_, err := t.emitRel(rel, event.New(event.TicketStatusChanged, "ticket", tk.ID, data))
		return err
	})
	return row.ticket(), err
}

// saveTicket writes a ticket's mutable fields, guarded by the version it was read at.
func saveTicket(t *tx, tk ticket.Ticket, readVersion int64) error {
	r := ticketRowOf(tk)
	res := t.Model(&ticketRow{}).Where("id = ? AND version = ?", tk.ID, readVersion).Updates(map[string]any{
		"status": r.Status, "assignee_id": r.AssigneeID, "resolution_due_at": r.ResolutionDueAt, "first_responded_at": r.FirstRespondedAt,
		"resolved_at": r.ResolvedAt, "closed_at": r.ClosedAt, "reopened_at": r.ReopenedAt, "reopen_count": r.ReopenCount,
		"resolution_breached": r.ResolutionBreached, "version": r.Version, "updated_at": r.UpdatedAt,
	})
	return svcGuarded(res)
}

// AssignTicket sets (or, with "", clears) the ticket's assignee: the supplier's
// users only, and only the supplier assigns.
func (s *Store) AssignTicket(ctx context.Context, rel access.Rel, id, assigneeID string, ifMatch int64) (ticket.Ticket, error) {
	var row ticketRow
	err := s.write(ctx, "assign ticket", func(t *tx) error {
		if err := t.lockRow(&row, `SELECT * FROM tickets WHERE id = ? AND relationship_id = ?`, id, rel.ID); err != nil {
			return fmt.Errorf("ticket %s: %w", id, err)
		}
		if rel.Side != access.Supplier {
			return errs.Forbiddenf("only the supplier assigns tickets")
		}
		if err := checkVersion(ifMatch, row.Version); err != nil {
			return err
		}
		if assigneeID != "" {
			var n int64
			if err := t.Model(&userRow{}).Where("id = ? AND org_id = ? AND active = ?", assigneeID, rel.SupplierOrgID, true).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return errs.Invalid("assignee_id", "must be an active user of the supplier")
			}
		}
		tk := row.ticket()
		previous := tk.AssigneeID
		tk.AssigneeID, tk.Version, tk.UpdatedAt = assigneeID, tk.Version+1, t.s.now()
		if err := saveTicket(t, tk, row.Version); err != nil {
			return err
		}
		row = ticketRowOf(tk)
		ev := event.New(ticket.EventAssigned, "ticket", tk.ID, map[string]any{"ticket_id": tk.ID, "number": tk.Number,
			"assignee_id": assigneeID, "previous_assignee_id": previous, "notify": svcNotify([]string{assigneeID}, rel.Caller.UserID)})
		_, err := t.emitRel(rel, ev)
		return err
	})
	return row.ticket(), err
}

// markFirstResponse records a supplier's comment on a ticket as its first
// response, if it has none yet (called inside the comment's transaction).
func markFirstResponse(t *tx, rel access.Rel, ticketID string, at time.Time) error {
	return t.Model(&ticketRow{}).Where("id = ? AND relationship_id = ? AND first_responded_at IS NULL", ticketID, rel.ID).
		Update("first_responded_at", at).Error
}

// TicketHistory returns a ticket's timeline from the event log, oldest first:
// opened, status changes with their notes, assignments and SLA breaches.
func (s *Store) TicketHistory(ctx context.Context, rel access.Rel, id string) ([]event.Event, error) {
	var rows []eventRow
	// subject_type as a literal: the partial index events_ticket_timeline
	// (migration 0010) serves only a query that names it.
	err := visibleEvents(s.read(ctx).Model(&eventRow{}), rel).Where("subject_type = 'ticket' AND subject_id = ?", id).
		Order("seq").Limit(1000).Find(&rows).Error
	if err != nil {
		return nil, mapErr("ticket history", err)
	}
	out := make([]event.Event, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}
