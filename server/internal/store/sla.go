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

type slaPolicyRow struct {
	SupplierOrgID        string
	Severity             string
	FirstResponseMinutes int
	ResolutionMinutes    int
}

func (slaPolicyRow) TableName() string { return "sla_policies" }

// slaPolicy returns a supplier's policy for a severity, or the default.
func slaPolicy(db *gorm.DB, supplierOrgID, severity string) (ticket.Policy, error) {
	var rows []slaPolicyRow
	if err := db.Where("supplier_org_id = ? AND severity = ?", supplierOrgID, severity).Limit(1).Find(&rows).Error; err != nil {
		return ticket.Policy{}, err
	}
	if len(rows) == 0 {
		return ticket.DefaultPolicies[severity], nil
	}
	return ticket.Policy{Severity: severity, FirstResponseMinutes: rows[0].FirstResponseMinutes, ResolutionMinutes: rows[0].ResolutionMinutes}, nil
}

// isSupplierOrg reports whether org supplies at least one buyer.
func svcIsSupplierOrg(db *gorm.DB, orgID string) (bool, error) {
	var n int64
	err := db.Model(&relationshipRow{}).Where("supplier_org_id = ?", orgID).Count(&n).Error
	return n > 0, err
}

// SLAPolicy is one severity's policy and whether it is the built-in default.
type SLAPolicy struct {
	ticket.Policy
	Default bool `json:"default"`
}

// SLAPolicies returns the caller's (supplier) organization's policy for every
// severity, defaults filled in. Only a supplier's users see it.
func (s *Store) SLAPolicies(ctx context.Context, caller access.Caller) ([]SLAPolicy, error) {
	db := s.read(ctx)
	ok, err := svcIsSupplierOrg(db, caller.OrgID)
	if err != nil {
		return nil, mapErr("sla policies", err)
	}
	if !ok {
		return nil, errs.Forbiddenf("only a supplier has SLA policies")
	}
	return policiesOf(db, caller.OrgID)
}

func policiesOf(db *gorm.DB, orgID string) ([]SLAPolicy, error) {
	var rows []slaPolicyRow
	if err := db.Where("supplier_org_id = ?", orgID).Find(&rows).Error; err != nil {
		return nil, mapErr("sla policies", err)
	}
	set := map[string]slaPolicyRow{}
	for _, r := range rows {
		set[r.Severity] = r
	}
	out := make([]SLAPolicy, 0, len(ticket.Severities))
	for _, sev := range ticket.Severities {
		if r, ok := set[sev]; ok {
			out = append(out, SLAPolicy{Policy: ticket.Policy{Severity: sev, FirstResponseMinutes: r.FirstResponseMinutes, ResolutionMinutes: r.ResolutionMinutes}})
			continue
		}
		out = append(out, SLAPolicy{Policy: ticket.DefaultPolicies[sev], Default: true})
	}
	return out, nil
}

// SetSLAPolicies replaces the policy of each severity given (others keep theirs);
// supplier admins only. Tickets already open keep the due times they were given.
func (s *Store) SetSLAPolicies(ctx context.Context, caller access.Caller, ps []ticket.Policy) ([]SLAPolicy, error) {
	err := s.write(ctx, "set sla policies", func(t *tx) error {
		ok, err := svcIsSupplierOrg(t.DB, caller.OrgID)
		if err != nil {
			return err
		}
		if !ok || !caller.IsAdmin() {
			return errs.Forbiddenf("only a supplier's admins set SLA policies")
		}
		for _, p := range ps {
			if err := t.Where("supplier_org_id = ? AND severity = ?", caller.OrgID, p.Severity).Delete(&slaPolicyRow{}).Error; err != nil {
				return err
			}
			row := slaPolicyRow{SupplierOrgID: caller.OrgID, Severity: p.Severity, FirstResponseMinutes: p.FirstResponseMinutes, ResolutionMinutes: p.ResolutionMinutes}
			if err := t.Create(&row).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return policiesOf(s.read(ctx), caller.OrgID)
}

// Breach kinds written in ticket.sla_breached events.
const (
	BreachFirstResponse = "first_response"
	BreachResolution    = "resolution"
)

// MarkSLABreaches finds tickets whose first response or resolution is overdue at
// `now` (or was done late) and not yet marked, marks each breach once and writes a
// ticket.sla_breached event that notifies the assignee, or the supplier's admins
// when nobody is assigned. It returns how many breaches it marked.
func (s *Store) MarkSLABreaches(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	marked := 0
	// Scan in batches until a batch comes back short; the round limit only
	// guards against a scan that keeps finding what it cannot mark.
	for round := 0; round < 100; round++ {
		found, full, err := s.breachCandidates(ctx, now)
		if err != nil {
			return marked, err
		}
		for _, c := range found {
			ok, err := s.markBreach(ctx, c.id, c.kind, now)
			if err != nil {
				return marked, err
			}
			if ok {
				marked++
			}
		}
		if !full {
			break
		}
	}
	return marked, nil
}

type breachCandidate struct{ id, kind string }

const breachBatch = 1000

// breachCandidates finds up to breachBatch unmarked overdue tickets per breach
// kind; full reports whether a batch was full (there may be more).
func (s *Store) breachCandidates(ctx context.Context, now time.Time) ([]breachCandidate, bool, error) {
	var found []breachCandidate
	full := false
	for _, k := range []struct{ kind, flag, due, done string }{
		{BreachFirstResponse, "first_response_breached", "first_response_due_at", "first_responded_at"},
		{BreachResolution, "resolution_breached", "resolution_due_at", "resolved_at"},
	} {
		var ids []string
		err := s.read(ctx).Model(&ticketRow{}).
			Where(k.flag+" = ? AND "+k.due+" < ? AND ("+k.done+" IS NULL OR "+k.done+" > "+k.due+")", false, now).
			Order("id").Limit(breachBatch).Pluck("id", &ids).Error
		if err != nil {
			return nil, false, mapErr("find sla breaches", err)
		}
		full = full || len(ids) == breachBatch
		for _, id := range ids {
			found = append(found, breachCandidate{id, k.kind})
		}
	}
	return found, full, nil
}

// markBreach marks one breach in its own transaction, re-checking under the row
// lock so that two instances never mark (or announce) the same breach twice.
func (s *Store) markBreach(ctx context.Context, id, kind string, now time.Time) (bool, error) {
	marked := false
	err := s.write(ctx, "mark sla breach", func(t *tx) error {
		var row ticketRow
		if err := t.lockRow(&row, `SELECT * FROM tickets WHERE id = ?`, id); err != nil {
			return err
		}
		flag, due, done := row.FirstResponseBreached, row.FirstResponseDueAt, row.FirstRespondedAt
		column := "first_response_breached"
		if kind == BreachResolution {
			flag, due, done, column = row.ResolutionBreached, row.ResolutionDueAt, row.ResolvedAt, "resolution_breached"
		}
		if flag || !due.Before(now) || (done != nil && !done.After(due)) {
			return nil
		}
		if err := t.Model(&ticketRow{}).Where("id = ?", id).Update(column, true).Error; err != nil {
			return err
		}
		notify, err := breachNotify(t.DB, row)
		if err != nil {
			return err
		}
		ev := event.New(event.TicketSLABreached, "ticket", row.ID, map[string]any{"ticket_id": row.ID, "number": row.Number,
			"severity": row.Severity, "breach": kind, "due_at": due.UTC(), "notify": notify})
		ev.At = now
		if _, err := t.emit(row.RelationshipID, access.Caller{}, "", ev); err != nil {
			return fmt.Errorf("sla breach event: %w", err)
		}
		marked = true
		return nil
	})
	return marked, err
}

// breachNotify is the assignee, or the supplier's active admins when nobody is assigned.
func breachNotify(db *gorm.DB, row ticketRow) ([]string, error) {
	if row.AssigneeID != nil && *row.AssigneeID != "" {
		return []string{*row.AssigneeID}, nil
	}
	var ids []string
	err := db.Table("users u").Joins("JOIN relationships r ON r.supplier_org_id = u.org_id").
		Where("r.id = ? AND u.role = ? AND u.active = ?", row.RelationshipID, access.RoleAdmin, true).Order("u.id").Pluck("u.id", &ids).Error
	if ids == nil {
		ids = []string{}
	}
	return ids, err
}
