package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/domain/plan"
)

type planRow struct {
	ID             string
	RelationshipID string
	AuthorID       string
	AuthorOrgID    string
	Title          string
	Body           string
	HorizonStart   string
	HorizonEnd     string
	Tags           string
	Confidential   bool
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (planRow) TableName() string { return "plans" }

func (r planRow) plan(rel access.Rel, readers []string) plan.Plan {
	var tags []string
	if err := json.Unmarshal([]byte(r.Tags), &tags); err != nil || tags == nil {
		tags = []string{}
	}
	if readers == nil {
		readers = []string{}
	}
	return plan.Plan{ID: r.ID, Title: r.Title, Body: r.Body, HorizonStart: r.HorizonStart, HorizonEnd: r.HorizonEnd,
		Tags: tags, Confidential: r.Confidential, ReaderIDs: readers, AuthorID: r.AuthorID, AuthorOrgID: r.AuthorOrgID,
		AuthorSide: string(rel.SideOfOrg(r.AuthorOrgID)), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func tagsJSON(tags []string) string {
	if tags == nil {
		tags = []string{}
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

type planReaderRow struct {
	PlanID string
	UserID string
}

func (planReaderRow) TableName() string { return "plan_readers" }

type planAccessRow struct {
	PlanID string
	UserID string
	At     time.Time
}

func (planAccessRow) TableName() string { return "plan_access_log" }

// readablePlan scopes q (over "plans p") to one plan of rel the caller may read.
func readablePlan(q *gorm.DB, rel access.Rel, id string) *gorm.DB {
	cond, args := readablePlans("p", rel.Caller)
	return q.Table("plans p").Where("p.id = ? AND p.relationship_id = ?", id, rel.ID).Where(cond, args...)
}

// CreatePlan shares a new plan in rel, authored by the caller. Named readers of
// a confidential plan must be active users of either organization of rel.
func (s *Store) CreatePlan(ctx context.Context, rel access.Rel, p plan.Plan) (plan.Plan, error) {
	p.Normalize()
	if err := p.Validate(); err != nil {
		return plan.Plan{}, err
	}
	now := s.now()
	row := planRow{ID: NewID(), RelationshipID: rel.ID, AuthorID: rel.Caller.UserID, AuthorOrgID: rel.Caller.OrgID, Title: p.Title,
		Body: p.Body, HorizonStart: p.HorizonStart, HorizonEnd: p.HorizonEnd, Tags: tagsJSON(p.Tags), Confidential: p.Confidential,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.write(ctx, "create plan", func(t *tx) error {
		if err := t.checkReaders(rel, p.ReaderIDs); err != nil {
			return err
		}
		if err := t.Create(&row).Error; err != nil {
			return err
		}
		if err := t.setReaders(row.ID, p.ReaderIDs); err != nil {
			return err
		}
		data := map[string]any{"plan_id": row.ID, "confidential": row.Confidential, "version": row.Version, "notify": nonNil(p.ReaderIDs)}
		return t.emitPlan(rel, event.PlanCreated, row, data)
	})
	if err != nil {
		return plan.Plan{}, err
	}
	return row.plan(rel, p.ReaderIDs), nil
}

// emitPlan writes a plan event. The data never carries the title or body, and
// the event of a confidential plan is scoped to those who may read it.
func (t *tx) emitPlan(rel access.Rel, typ string, row planRow, data map[string]any) error {
	ev := event.New(typ, "plan", row.ID, data)
	if row.Confidential {
		ev.PlanScope = row.ID
	}
	_, err := t.emitRel(rel, ev)
	return err
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// checkReaders requires every reader id to be an active user of either side of rel.
func (t *tx) checkReaders(rel access.Rel, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var found []string
	err := t.Model(&userRow{}).Where("id IN ? AND active = ? AND org_id IN ?", ids, true, []string{rel.SupplierOrgID, rel.BuyerOrgID}).Pluck("id", &found).Error
	if err != nil {
		return err
	}
	var v errs.Validator
	for i, id := range ids {
		v.Check(slices.Contains(found, id), fmt.Sprintf("reader_ids[%d]", i), "is not an active user of either organization of this relationship")
	}
	return v.Err()
}

// setReaders replaces the plan's named readers.
func (t *tx) setReaders(planID string, ids []string) error {
	if err := t.Where("plan_id = ?", planID).Delete(&planReaderRow{}).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	rows := make([]planReaderRow, len(ids))
	for i, id := range ids {
		rows[i] = planReaderRow{PlanID: planID, UserID: id}
	}
	return t.Create(&rows).Error
}

// ListPlans lists the plans of rel the caller may read, newest first. Items
// carry no body: reading a plan's content is a GET of that plan, which is what
// the access log of a confidential plan records.
func (s *Store) ListPlans(ctx context.Context, rel access.Rel, p Page) ([]plan.Plan, string, error) {
	p.Desc = true
	cond, args := readablePlans("p", rel.Caller)
	q := s.read(ctx).Table("plans p").Select("p.id, p.relationship_id, p.author_id, p.author_org_id, p.title, p.horizon_start, p.horizon_end, p.tags, p.confidential, p.version, p.created_at, p.updated_at").
		Where("p.relationship_id = ?", rel.ID).Where(cond, args...)
	var rows []planRow
	if err := p.apply(q, "p.id").Scan(&rows).Error; err != nil {
		return nil, "", mapErr("list plans", err)
	}
	rows, next := pageResult(p, rows, func(r planRow) string { return r.ID })
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	readers, err := s.planReaders(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	out := make([]plan.Plan, len(rows))
	for i, r := range rows {
		out[i] = r.plan(rel, readers[r.ID])
	}
	return out, next, nil
}

// planReaders loads the named readers of the given plans.
func (s *Store) planReaders(ctx context.Context, planIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(planIDs) == 0 {
		return out, nil
	}
	var rows []planReaderRow
	if err := s.read(ctx).Where("plan_id IN ?", planIDs).Order("user_id").Find(&rows).Error; err != nil {
		return nil, mapErr("plan readers", err)
	}
	for _, r := range rows {
		out[r.PlanID] = append(out[r.PlanID], r.UserID)
	}
	return out, nil
}

// Plan returns one plan the caller may read (others do not exist for them). A
// read of a confidential plan is recorded in its access log.
func (s *Store) Plan(ctx context.Context, rel access.Rel, id string) (plan.Plan, error) {
	var row planRow
	res := readablePlan(s.read(ctx), rel, id).Select("p.*").Limit(1).Scan(&row)
	if res.Error != nil {
		return plan.Plan{}, mapErr("plan", res.Error)
	}
	if res.RowsAffected == 0 {
		return plan.Plan{}, fmt.Errorf("plan %s: %w", id, errs.ErrNotFound)
	}
	if row.Confidential {
		err := s.write(ctx, "log plan read", func(t *tx) error {
			return t.Create(&planAccessRow{PlanID: row.ID, UserID: rel.Caller.UserID, At: t.s.now()}).Error
		})
		if err != nil {
			return plan.Plan{}, err
		}
	}
	readers, err := s.planReaders(ctx, []string{row.ID})
	if err != nil {
		return plan.Plan{}, err
	}
	return row.plan(rel, readers[row.ID]), nil
}

// UpdatePlan changes a plan the caller may read. Only the author's organization
// edits it; only the author or an admin of the author's organization changes who
// may read it (confidential, reader_ids). ifMatch 0 skips the version check.
func (s *Store) UpdatePlan(ctx context.Context, rel access.Rel, id string, ifMatch int64, patch plan.Patch) (plan.Plan, error) {
	if len(patch.Changed()) == 0 {
		return plan.Plan{}, errs.Invalid("fields", "a change must name at least one field (title, body, horizon_start, horizon_end, tags, confidential, reader_ids)")
	}
	var out plan.Plan
	err := s.write(ctx, "update plan", func(t *tx) error {
		var row planRow
		cond, args := readablePlans("p", rel.Caller)
		if err := t.lockRow(&row, "SELECT p.* FROM plans p WHERE p.id = ? AND p.relationship_id = ? AND "+cond, append([]any{id, rel.ID}, args...)...); err != nil {
			return err
		}
		if err := mayEditPlan(rel.Caller, row, patch); err != nil {
			return err
		}
		if err := checkVersion(ifMatch, row.Version); err != nil {
			return err
		}
		var before []string
		if err := t.Model(&planReaderRow{}).Where("plan_id = ?", id).Order("user_id").Pluck("user_id", &before).Error; err != nil {
			return err
		}
		next, err := t.applyPlanPatch(rel, row, before, patch)
		if err != nil {
			return err
		}
		out = next
		return nil
	})
	return out, err
}

// mayEditPlan is the edit rule: the author's organization edits; sharing changes
// are the author's or the author organization's admins'.
func mayEditPlan(c access.Caller, row planRow, patch plan.Patch) error {
	if c.OrgID != row.AuthorOrgID {
		return errs.Forbiddenf("only the organization that wrote a plan edits it")
	}
	if patch.TouchesSharing() && c.UserID != row.AuthorID && !c.IsAdmin() {
		return errs.Forbiddenf("only the plan's author or an admin of their organization changes who may read it")
	}
	return nil
}

// applyPlanPatch validates and writes the patched plan, its readers and plan.updated.
func (t *tx) applyPlanPatch(rel access.Rel, row planRow, before []string, patch plan.Patch) (plan.Plan, error) {
	next := patch.Apply(row.plan(rel, before))
	next.Normalize()
	if err := next.Validate(); err != nil {
		return plan.Plan{}, err
	}
	if err := t.checkReaders(rel, next.ReaderIDs); err != nil {
		return plan.Plan{}, err
	}
	row.Title, row.Body, row.HorizonStart, row.HorizonEnd = next.Title, next.Body, next.HorizonStart, next.HorizonEnd
	row.Tags, row.Confidential, row.Version, row.UpdatedAt = tagsJSON(next.Tags), next.Confidential, row.Version+1, t.s.now()
	res := t.Model(&planRow{}).Where("id = ? AND version = ?", row.ID, row.Version-1).Updates(map[string]any{
		"title": row.Title, "body": row.Body, "horizon_start": row.HorizonStart, "horizon_end": row.HorizonEnd,
		"tags": row.Tags, "confidential": row.Confidential, "version": row.Version, "updated_at": row.UpdatedAt})
	if res.Error != nil {
		return plan.Plan{}, res.Error
	}
	if res.RowsAffected == 0 {
		return plan.Plan{}, errs.ErrStale
	}
	added, removed := diff(before, next.ReaderIDs)
	if len(added)+len(removed) > 0 {
		if err := t.setReaders(row.ID, next.ReaderIDs); err != nil {
			return plan.Plan{}, err
		}
	}
	data := map[string]any{"plan_id": row.ID, "confidential": row.Confidential, "version": row.Version, "changed": patch.Changed(),
		"readers_added": nonNil(added), "readers_removed": nonNil(removed), "notify": nonNil(added)}
	if err := t.emitPlan(rel, event.PlanUpdated, row, data); err != nil {
		return plan.Plan{}, err
	}
	slices.Sort(next.ReaderIDs)
	return row.plan(rel, next.ReaderIDs), nil
}

// diff returns what is in b and not in a, and what is in a and not in b.
func diff(a, b []string) (added, removed []string) {
	for _, x := range b {
		if !slices.Contains(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// PlanAccessLog lists who read a confidential plan and when, newest first. It is
// for the author's side: a plan the caller cannot read is a 404; a caller of the
// other organization who can read it gets 403. An open plan's log is empty.
func (s *Store) PlanAccessLog(ctx context.Context, rel access.Rel, id string, p Page) ([]plan.AccessEntry, string, error) {
	var row planRow
	res := readablePlan(s.read(ctx), rel, id).Select("p.id, p.author_org_id").Limit(1).Scan(&row)
	if res.Error != nil {
		return nil, "", mapErr("plan access log", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, "", fmt.Errorf("plan %s: %w", id, errs.ErrNotFound)
	}
	if row.AuthorOrgID != rel.Caller.OrgID {
		return nil, "", errs.Forbiddenf("only the organization that wrote the plan sees who read it")
	}
	q := s.read(ctx).Table("plan_access_log a").Joins("JOIN users u ON u.id = a.user_id").
		Select("a.user_id, u.name AS user_name, u.org_id, a.at").Where("a.plan_id = ?", id)
	if p.After != "" {
		at, user, err := decodeAccessCursor(p.After)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("(a.at < ? OR (a.at = ? AND a.user_id < ?))", at, at, user)
	}
	var rows []plan.AccessEntry
	if err := q.Order("a.at DESC, a.user_id DESC").Limit(p.Limit + 1).Scan(&rows).Error; err != nil {
		return nil, "", mapErr("plan access log", err)
	}
	for i := range rows {
		rows[i].At = rows[i].At.UTC()
	}
	rows, next := pageResult(p, rows, func(e plan.AccessEntry) string {
		return strconv.FormatInt(e.At.UnixNano(), 10) + "|" + e.UserID
	})
	return rows, next, nil
}

func decodeAccessCursor(s string) (time.Time, string, error) {
	ns, user, ok := strings.Cut(s, "|")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil {
		return time.Time{}, "", errs.Invalid("cursor", "is not a cursor this server issued")
	}
	return time.Unix(0, n).UTC(), user, nil
}
