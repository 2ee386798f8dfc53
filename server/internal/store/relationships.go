package store

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
)

type relationshipRow struct {
	ID                   string
	SupplierOrgID        string
	BuyerOrgID           string
	LastSeq              int64
	SilenceThresholdDays int
	AccountOwnerID       *string
	CreatedAt            time.Time
}

func (relationshipRow) TableName() string { return "relationships" }

// relationshipView is a relationship with its parties' names (GORM does not fill
// embedded structs of unexported types, so the columns are spelled out).
type relationshipView struct {
	ID                   string
	SupplierOrgID        string
	BuyerOrgID           string
	LastSeq              int64
	SilenceThresholdDays int
	AccountOwnerID       *string
	CreatedAt            time.Time
	SupplierName         string
	BuyerName            string
}

func (v relationshipView) relationship(callerOrg string) account.Relationship {
	side := access.Buyer
	if v.SupplierOrgID == callerOrg {
		side = access.Supplier
	}
	r := account.Relationship{ID: v.ID, Supplier: account.OrgRef{ID: v.SupplierOrgID, Name: v.SupplierName},
		Buyer: account.OrgRef{ID: v.BuyerOrgID, Name: v.BuyerName}, MySide: string(side), LastSeq: v.LastSeq,
		SilenceThresholdDays: v.SilenceThresholdDays, CreatedAt: v.CreatedAt}
	if v.AccountOwnerID != nil {
		r.AccountOwnerID = *v.AccountOwnerID
	}
	return r
}

const relationshipSelect = `SELECT r.*, s.name AS supplier_name, b.name AS buyer_name FROM relationships r
 JOIN orgs s ON s.id = r.supplier_org_id JOIN orgs b ON b.id = r.buyer_org_id`

// ResolveRel loads relationship id for caller. A caller whose organization is not
// one of its parties gets ErrNotFound: they never learn that it exists.
//
// A relationship's two parties never change, so they are cached after the first
// scoped read; every request still applies the same party check to the caller.
func (s *Store) ResolveRel(ctx context.Context, caller access.Caller, id string) (access.Rel, error) {
	parties, ok := s.relParties.Load(id)
	if !ok {
		var row relationshipRow
		res := s.read(ctx).Where("id = ? AND (supplier_org_id = ? OR buyer_org_id = ?)", id, caller.OrgID, caller.OrgID).Limit(1).Find(&row)
		if res.Error != nil {
			return access.Rel{}, mapErr("resolve relationship", res.Error)
		}
		if res.RowsAffected == 0 {
			return access.Rel{}, fmt.Errorf("relationship %s: %w", id, errs.ErrNotFound)
		}
		parties = [2]string{row.SupplierOrgID, row.BuyerOrgID}
		s.relParties.Store(id, parties)
	}
	p := parties.([2]string)
	rel := access.Rel{ID: id, SupplierOrgID: p[0], BuyerOrgID: p[1], Caller: caller}
	rel.Side = rel.SideOfOrg(caller.OrgID)
	if rel.Side == "" {
		return access.Rel{}, fmt.Errorf("relationship %s: %w", id, errs.ErrNotFound)
	}
	return rel, nil
}

// parties returns a relationship's supplier and buyer organizations, from the
// cache ResolveRel fills or else from the transaction (without caching: the
// relationship may be this transaction's own, which may still roll back).
func (t *tx) parties(relID string) (supplierOrg, buyerOrg string, err error) {
	if p, ok := t.s.relParties.Load(relID); ok {
		pp := p.([2]string)
		return pp[0], pp[1], nil
	}
	var row relationshipRow
	if err := t.Where("id = ?", relID).Take(&row).Error; err != nil {
		return "", "", err
	}
	return row.SupplierOrgID, row.BuyerOrgID, nil
}

// Relationship returns the caller's view of one resolved relationship.
func (s *Store) Relationship(ctx context.Context, rel access.Rel) (account.Relationship, error) {
	var v relationshipView
	res := s.read(ctx).Raw(relationshipSelect+` WHERE r.id = ?`, rel.ID).Scan(&v)
	if res.Error == nil && res.RowsAffected == 0 {
		return account.Relationship{}, fmt.Errorf("relationship: %w", errs.ErrNotFound)
	}
	return v.relationship(rel.Caller.OrgID), mapErr("relationship", res.Error)
}

// ListRelationships lists the caller organization's relationships, by id.
func (s *Store) ListRelationships(ctx context.Context, caller access.Caller, p Page) ([]account.Relationship, string, error) {
	q := s.read(ctx).Raw(relationshipSelect+` WHERE (r.supplier_org_id = ? OR r.buyer_org_id = ?) AND r.id > ? ORDER BY r.id LIMIT ?`,
		caller.OrgID, caller.OrgID, p.After, p.Limit+1)
	var rows []relationshipView
	if err := q.Scan(&rows).Error; err != nil {
		return nil, "", mapErr("list relationships", err)
	}
	rows, next := pageResult(p, rows, func(r relationshipView) string { return r.ID })
	out := make([]account.Relationship, len(rows))
	for i, r := range rows {
		out[i] = r.relationship(caller.OrgID)
	}
	return out, next, nil
}

// UpdateRelationshipSettings changes the silence threshold or account owner (supplier admins).
func (s *Store) UpdateRelationshipSettings(ctx context.Context, rel access.Rel, thresholdDays *int, ownerID *string) (account.Relationship, error) {
	if rel.Side != access.Supplier || !rel.Caller.IsAdmin() {
		return account.Relationship{}, errs.Forbiddenf("only the supplier's admins change relationship settings")
	}
	err := s.write(ctx, "update relationship", func(t *tx) error {
		updates := map[string]any{}
		if thresholdDays != nil {
			updates["silence_threshold_days"] = *thresholdDays
		}
		if ownerID != nil {
			var n int64
			if err := t.Model(&userRow{}).Where("id = ? AND org_id = ? AND active = ?", *ownerID, rel.SupplierOrgID, true).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return errs.Invalid("account_owner_id", "must be an active user of the supplier")
			}
			updates["account_owner_id"] = *ownerID
		}
		if len(updates) == 0 {
			return nil
		}
		return t.Model(&relationshipRow{}).Where("id = ?", rel.ID).Updates(updates).Error
	})
	if err != nil {
		return account.Relationship{}, err
	}
	return s.Relationship(ctx, rel)
}

// CreateRelationship links a supplier and a buyer directly (the CLI and demo use it;
// through the API relationships come from accepted invitations).
func (s *Store) CreateRelationship(ctx context.Context, actor access.Caller, supplierOrgID, buyerOrgID string) (string, error) {
	id := NewID()
	err := s.write(ctx, "create relationship", func(t *tx) error {
		row := relationshipRow{ID: id, SupplierOrgID: supplierOrgID, BuyerOrgID: buyerOrgID, SilenceThresholdDays: 30, CreatedAt: t.s.now()}
		if actor.UserID != "" && actor.OrgID == supplierOrgID {
			row.AccountOwnerID = &actor.UserID
		}
		if err := t.Create(&row).Error; err != nil {
			return err
		}
		ev := event.New(event.RelationshipCreated, "relationship", id, map[string]any{"supplier_org_id": supplierOrgID, "buyer_org_id": buyerOrgID})
		_, err := t.emit(id, actor, access.Supplier, ev)
		return err
	})
	return id, err
}
