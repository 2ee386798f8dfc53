package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/domain/idea"
	"github.com/rapport/rapport/server/internal/domain/money"
)

type ideaRow struct {
	ID             string
	RelationshipID string
	AuthorID       string
	AuthorSide     string
	Title          string
	Body           string
	Category       string
	ProductID      *string
	EstimatedValue int64
	Currency       string
	Status         string
	Reason         string
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (ideaRow) TableName() string { return "ideas" }

func (r ideaRow) idea() idea.Idea {
	return idea.Idea{ID: r.ID, RelationshipID: r.RelationshipID, AuthorID: r.AuthorID, AuthorSide: access.Side(r.AuthorSide),
		Title: r.Title, Body: r.Body, Category: r.Category, ProductID: svcDeref(r.ProductID), EstimatedValue: money.Amount(r.EstimatedValue),
		Currency: r.Currency, Status: r.Status, Reason: r.Reason, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func svcDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func svcRef(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// svcRelProductExists reports whether id is a product of rel's supplier.
func svcRelProductExists(db *gorm.DB, rel access.Rel, id string) (bool, error) {
	var n int64
	err := db.Model(&productRow{}).Where("id = ? AND supplier_org_id = ?", id, rel.SupplierOrgID).Count(&n).Error
	return n > 0, err
}

// CreateIdea records an idea proposed by the caller's side to the other side.
func (s *Store) CreateIdea(ctx context.Context, rel access.Rel, it idea.Idea) (idea.Idea, error) {
	now := s.now()
	row := ideaRow{ID: NewID(), RelationshipID: rel.ID, AuthorID: rel.Caller.UserID, AuthorSide: string(rel.Side), Title: it.Title,
		Body: it.Body, Category: it.Category, ProductID: svcRef(it.ProductID), EstimatedValue: int64(it.EstimatedValue), Currency: it.Currency,
		Status: idea.Proposed, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.write(ctx, "create idea", func(t *tx) error {
		if it.ProductID != "" {
			ok, err := svcRelProductExists(t.DB, rel, it.ProductID)
			if err != nil {
				return err
			}
			if !ok {
				return errs.Invalid("product_id", "is not a product of this relationship's supplier")
			}
		}
		if err := t.Create(&row).Error; err != nil {
			return err
		}
		ev := event.New(event.IdeaCreated, "idea", row.ID, map[string]any{"idea_id": row.ID, "title": row.Title, "category": row.Category,
			"author_side": row.AuthorSide, "addressed_to": rel.Side.Other()})
		_, err := t.emitRel(rel, ev)
		return err
	})
	return row.idea(), err
}

// Idea returns one idea of rel.
func (s *Store) Idea(ctx context.Context, rel access.Rel, id string) (idea.Idea, error) {
	var row ideaRow
	err := s.read(ctx).Where("id = ? AND relationship_id = ?", id, rel.ID).Take(&row).Error
	return row.idea(), mapErr("idea", err)
}

// ListIdeas lists rel's ideas, newest first, with a summary: counts per status and
// the realised value of implemented ideas. The summary honours the side and
// category filters but not the status filter, so it can label status tabs.
func (s *Store) ListIdeas(ctx context.Context, rel access.Rel, f idea.Filter, p Page) ([]idea.Idea, string, idea.Summary, error) {
	base := func() *gorm.DB {
		q := s.read(ctx).Model(&ideaRow{}).Where("relationship_id = ?", rel.ID)
		if f.Side != "" {
			q = q.Where("author_side = ?", f.Side)
		}
		if f.Category != "" {
			q = q.Where("category = ?", f.Category)
		}
		return q
	}
	q := base()
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	p.Desc = true
	var rows []ideaRow
	if err := p.apply(q, "id").Find(&rows).Error; err != nil {
		return nil, "", idea.Summary{}, mapErr("list ideas", err)
	}
	rows, next := pageResult(p, rows, func(r ideaRow) string { return r.ID })
	out := make([]idea.Idea, len(rows))
	for i, r := range rows {
		out[i] = r.idea()
	}
	sum, err := ideaSummary(base)
	return out, next, sum, mapErr("idea summary", err)
}

func ideaSummary(base func() *gorm.DB) (idea.Summary, error) {
	sum := idea.NewSummary()
	var counts []struct {
		Status string
		N      int
	}
	if err := base().Select("status, COUNT(*) AS n").Group("status").Scan(&counts).Error; err != nil {
		return sum, err
	}
	for _, c := range counts {
		sum.Counts[c.Status] = c.N
	}
	var values []struct {
		Currency string
		Total    int64
		N        int
	}
	err := base().Select("currency, SUM(estimated_value) AS total, COUNT(*) AS n").
		Where("status = ? AND currency <> ''", idea.Implemented).Group("currency").Order("currency").Scan(&values).Error
	for _, v := range values {
		sum.Realised = append(sum.Realised, idea.Value{Amount: money.Amount(v.Total), Currency: v.Currency, Count: v.N})
	}
	return sum, err
}

// ChangeIdeaStatus moves an idea through its workflow (see idea.CheckTransition).
func (s *Store) ChangeIdeaStatus(ctx context.Context, rel access.Rel, id string, ch idea.StatusChange, ifMatch int64) (idea.Idea, error) {
	var row ideaRow
	err := s.write(ctx, "change idea status", func(t *tx) error {
		if err := t.lockRow(&row, `SELECT * FROM ideas WHERE id = ? AND relationship_id = ?`, id, rel.ID); err != nil {
			return fmt.Errorf("idea %s: %w", id, err)
		}
		if err := checkVersion(ifMatch, row.Version); err != nil {
			return err
		}
		from := row.Status
		if err := idea.CheckTransition(row.idea(), ch.Status, rel.Side); err != nil {
			return err
		}
		row.Status, row.Version, row.UpdatedAt = ch.Status, row.Version+1, t.s.now()
		if ch.Status == idea.Declined || ch.Status == idea.Withdrawn {
			row.Reason = ch.Reason
		}
		res := t.Model(&ideaRow{}).Where("id = ? AND version = ?", row.ID, row.Version-1).
			Updates(map[string]any{"status": row.Status, "reason": row.Reason, "version": row.Version, "updated_at": row.UpdatedAt})
		if err := svcGuarded(res); err != nil {
			return err
		}
		data := map[string]any{"idea_id": row.ID, "from": from, "to": row.Status, "notify": svcNotify([]string{row.AuthorID}, rel.Caller.UserID)}
		if ch.Reason != "" {
			data["reason"] = ch.Reason
		}
		_, err := t.emitRel(rel, event.New(event.IdeaStatusChanged, "idea", row.ID, data))
		return err
	})
	return row.idea(), err
}

// stale turns a guarded update that matched no row into ErrStale.
func svcGuarded(res *gorm.DB) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errs.ErrStale
	}
	return nil
}

// others returns the non-empty ids other than the actor's, without duplicates.
func svcNotify(ids []string, actorID string) []string {
	out := []string{}
	for _, id := range ids {
		if id == "" || id == actorID {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == id
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}
