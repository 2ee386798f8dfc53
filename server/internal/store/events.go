package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
)

type eventRow struct {
	RelationshipID string
	Seq            int64
	Type           string
	SubjectType    string
	SubjectID      string
	ActorID        string
	ActorSide      string
	At             time.Time
	Data           string
	PlanScope      string
}

func (eventRow) TableName() string { return "events" }

func (r eventRow) event() event.Event {
	return event.Event{RelationshipID: r.RelationshipID, Seq: r.Seq, Type: r.Type, SubjectType: r.SubjectType,
		SubjectID: r.SubjectID, ActorID: r.ActorID, ActorSide: r.ActorSide, At: r.At.UTC(), Data: []byte(r.Data), PlanScope: r.PlanScope}
}

// readablePlans is the SQL condition (with its args) for plans the caller may read:
// not confidential, or the caller is the author, a named reader, or an admin of the
// author's organization. Every plan query and every event read uses it.
func readablePlans(alias string, c access.Caller) (string, []any) {
	p := alias + "."
	return "(" + p + "confidential = ? OR " + p + "author_id = ? OR (" + p + "author_org_id = ? AND ? = ?) OR EXISTS (SELECT 1 FROM plan_readers pr WHERE pr.plan_id = " + p + "id AND pr.user_id = ?))",
		[]any{false, c.UserID, c.OrgID, c.Role, access.RoleAdmin, c.UserID}
}

// visibleEvents scopes an events query to rel and hides events of confidential
// plans the caller may not read, and supplier-only events from the buyer.
func visibleEvents(q *gorm.DB, rel access.Rel) *gorm.DB {
	cond, args := readablePlans("p", rel.Caller)
	open := "plan_scope = ''"
	if rel.Side == access.Supplier {
		open = "plan_scope IN ('', '" + SupplierOnlyScope + "')"
	}
	return q.Where("relationship_id = ?", rel.ID).
		Where("("+open+" OR plan_scope IN (SELECT p.id FROM plans p WHERE p.relationship_id = ? AND "+cond+"))", append([]any{rel.ID}, args...)...)
}

// Events lists rel's events with seq > afterSeq, oldest first, that the caller may see.
func (s *Store) Events(ctx context.Context, rel access.Rel, afterSeq int64, limit int) ([]event.Event, error) {
	var rows []eventRow
	err := visibleEvents(s.read(ctx).Model(&eventRow{}), rel).Where("seq > ?", afterSeq).Order("seq").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, mapErr("list events", err)
	}
	out := make([]event.Event, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}

// LastSeq returns the relationship's latest seq.
func (s *Store) LastSeq(ctx context.Context, relID string) (int64, error) {
	var seq int64
	err := s.read(ctx).Model(&relationshipRow{}).Where("id = ?", relID).Select("last_seq").Scan(&seq).Error
	return seq, mapErr("last seq", err)
}

// CanSeeEvent re-checks, at fan-out time, that the caller may see ev.
func (s *Store) CanSeeEvent(ctx context.Context, rel access.Rel, ev event.Event) (bool, error) {
	if ev.PlanScope == SupplierOnlyScope {
		return rel.Side == access.Supplier, nil
	}
	if ev.PlanScope == "" {
		return true, nil
	}
	cond, args := readablePlans("p", rel.Caller)
	var n int64
	err := s.read(ctx).Table("plans p").Where("p.id = ? AND p.relationship_id = ?", ev.PlanScope, rel.ID).Where(cond, args...).Count(&n).Error
	return n > 0, mapErr("can see event", err)
}
