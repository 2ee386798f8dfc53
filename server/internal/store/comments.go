package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/comment"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
)

type commentRow struct {
	ID             string
	RelationshipID string
	SubjectType    string
	SubjectID      string
	AuthorID       string
	AuthorSide     string
	Body           string
	Mentions       string
	Version        int64
	CreatedAt      time.Time
	EditedAt       *time.Time
	DeletedAt      *time.Time
}

func (commentRow) TableName() string { return "comments" }

func (r commentRow) comment() comment.Comment {
	c := comment.Comment{ID: r.ID, SubjectType: r.SubjectType, SubjectID: r.SubjectID, Body: r.Body, AuthorID: r.AuthorID,
		AuthorSide: access.Side(r.AuthorSide), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), EditedAt: svcUTC(r.EditedAt), DeletedAt: svcUTC(r.DeletedAt)}
	_ = json.Unmarshal([]byte(r.Mentions), &c.Mentions)
	if c.Mentions == nil {
		c.Mentions = []string{}
	}
	return c
}

// subjectTables maps each subject type but plan and forecast to its table; those
// rows carry the relationship id.
var subjectTables = map[string]string{
	comment.SubjectOrder: "orders", comment.SubjectIdea: "ideas", comment.SubjectTicket: "tickets", comment.SubjectPromise: "promises",
}

// checkSubject verifies that a comment subject exists in rel and that the caller
// may see it. A missing subject is a 422 on subject_id; a confidential plan the
// caller may not read is a 404. It returns the plan scope for comments on a
// confidential plan ("" otherwise).
func checkSubject(db *gorm.DB, rel access.Rel, sub comment.Subject) (string, error) {
	if err := sub.Validate(); err != nil {
		return "", err
	}
	var n int64
	missing := errs.Invalid("subject_id", "does not name a %s of this relationship", sub.Type)
	switch sub.Type {
	case comment.SubjectForecast:
		ok, err := svcRelProductExists(db, rel, sub.ID)
		if err != nil || !ok {
			return "", svcFirstErr(err, missing)
		}
		return "", nil
	case comment.SubjectPlan:
		return checkPlanSubject(db, rel, sub.ID, missing)
	}
	if err := db.Table(subjectTables[sub.Type]).Where("id = ? AND relationship_id = ?", sub.ID, rel.ID).Count(&n).Error; err != nil {
		return "", err
	}
	if n == 0 {
		return "", missing
	}
	return "", nil
}

func checkPlanSubject(db *gorm.DB, rel access.Rel, planID string, missing error) (string, error) {
	var plans []struct{ Confidential bool }
	if err := db.Table("plans").Select("confidential").Where("id = ? AND relationship_id = ?", planID, rel.ID).Find(&plans).Error; err != nil {
		return "", err
	}
	if len(plans) == 0 {
		return "", missing
	}
	if !plans[0].Confidential {
		return "", nil
	}
	ok, err := svcCanReadPlan(db, rel, rel.Caller, planID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("plan %s: %w", planID, errs.ErrNotFound)
	}
	return planID, nil
}

// canReadPlan applies THE plan visibility rule (readablePlans) for one user.
func svcCanReadPlan(db *gorm.DB, rel access.Rel, c access.Caller, planID string) (bool, error) {
	cond, args := readablePlans("p", c)
	var n int64
	err := db.Table("plans p").Where("p.id = ? AND p.relationship_id = ?", planID, rel.ID).Where(cond, args...).Count(&n).Error
	return n > 0, err
}

func svcFirstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// CreateComment posts a comment on a subject of rel. @mentions of the
// relationship's users are resolved and notified (for a confidential plan, only
// those who may read it); a supplier's comment on a ticket is its first response.
func (s *Store) CreateComment(ctx context.Context, rel access.Rel, sub comment.Subject, body string) (comment.Comment, error) {
	var row commentRow
	err := s.write(ctx, "create comment", func(t *tx) error {
		scope, err := checkSubject(t.DB, rel, sub)
		if err != nil {
			return err
		}
		mentions, err := resolveMentions(t.DB, rel, body, scope)
		if err != nil {
			return err
		}
		now := t.s.now()
		m, _ := json.Marshal(mentions)
		row = commentRow{ID: NewID(), RelationshipID: rel.ID, SubjectType: sub.Type, SubjectID: sub.ID, AuthorID: rel.Caller.UserID,
			AuthorSide: string(rel.Side), Body: body, Mentions: string(m), Version: 1, CreatedAt: now}
		if err := t.Create(&row).Error; err != nil {
			return err
		}
		if sub.Type == comment.SubjectTicket && rel.Side == access.Supplier {
			if err := markFirstResponse(t, rel, sub.ID, now); err != nil {
				return err
			}
		}
		return emitComment(t, rel, event.CommentCreated, row, scope, mentions)
	})
	return row.comment(), err
}

// emitComment writes a comment event without the comment's text (it may be on a
// confidential plan; readers fetch the thread, which applies the plan rule).
func emitComment(t *tx, rel access.Rel, typ string, row commentRow, scope string, notify []string) error {
	if notify == nil {
		notify = []string{}
	}
	ev := event.New(typ, "comment", row.ID, map[string]any{"comment_id": row.ID, "subject_type": row.SubjectType,
		"subject_id": row.SubjectID, "notify": notify})
	ev.PlanScope = scope
	_, err := t.emitRel(rel, ev)
	return err
}

// resolveMentions finds the relationship's users @mentioned in body; on a
// confidential plan it keeps only those who may read the plan.
func resolveMentions(db *gorm.DB, rel access.Rel, body, planScope string) ([]string, error) {
	var users []userRow
	err := db.Where("org_id IN ? AND active = ?", []string{rel.SupplierOrgID, rel.BuyerOrgID}, true).Order("id").Find(&users).Error
	if err != nil {
		return nil, err
	}
	members := make([]comment.Member, len(users))
	byID := map[string]userRow{}
	for i, u := range users {
		members[i] = comment.Member{ID: u.ID, Name: u.Name, Email: u.Email}
		byID[u.ID] = u
	}
	ids := comment.Mentions(body, members, rel.Caller.UserID)
	if planScope == "" {
		return ids, nil
	}
	readers := []string{}
	for _, id := range ids {
		u := byID[id]
		ok, err := svcCanReadPlan(db, rel, access.Caller{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Department: u.Department}, planScope)
		if err != nil {
			return nil, err
		}
		if ok {
			readers = append(readers, id)
		}
	}
	return readers, nil
}

// visibleComments scopes a comments query to rel and hides comments on
// confidential plans the caller may not read.
func visibleComments(q *gorm.DB, rel access.Rel) *gorm.DB {
	cond, args := readablePlans("p", rel.Caller)
	return q.Where("relationship_id = ?", rel.ID).
		Where("(subject_type <> ? OR subject_id IN (SELECT p.id FROM plans p WHERE p.relationship_id = ? AND "+cond+"))",
			append([]any{comment.SubjectPlan, rel.ID}, args...)...)
}

// ListComments lists the comments of one subject (or of all subjects when sub is
// nil), oldest first, tombstones included.
func (s *Store) ListComments(ctx context.Context, rel access.Rel, sub *comment.Subject, p Page) ([]comment.Comment, string, error) {
	db := s.read(ctx)
	q := visibleComments(db.Model(&commentRow{}), rel)
	if sub != nil {
		if _, err := checkSubject(db, rel, *sub); err != nil {
			return nil, "", mapErr("list comments", err)
		}
		q = q.Where("subject_type = ? AND subject_id = ?", sub.Type, sub.ID)
	}
	var rows []commentRow
	if err := p.apply(q, "id").Find(&rows).Error; err != nil {
		return nil, "", mapErr("list comments", err)
	}
	rows, next := pageResult(p, rows, func(r commentRow) string { return r.ID })
	out := make([]comment.Comment, len(rows))
	for i, r := range rows {
		out[i] = r.comment()
	}
	return out, next, nil
}

// lockComment loads a comment of rel for change; one on a plan the caller may not
// read does not exist for them.
func lockComment(t *tx, rel access.Rel, id string) (commentRow, string, error) {
	var row commentRow
	if err := t.lockRow(&row, `SELECT * FROM comments WHERE id = ? AND relationship_id = ?`, id, rel.ID); err != nil {
		return row, "", fmt.Errorf("comment %s: %w", id, err)
	}
	scope := ""
	if row.SubjectType == comment.SubjectPlan {
		var err error
		if scope, err = checkPlanSubject(t.DB, rel, row.SubjectID, errs.ErrNotFound); err != nil {
			return row, "", fmt.Errorf("comment %s: %w", id, err)
		}
	}
	return row, scope, nil
}

// EditComment changes a comment's text: its author, within comment.EditWindow.
// New @mentions are notified; the ones already notified are not again.
func (s *Store) EditComment(ctx context.Context, rel access.Rel, id, body string, ifMatch int64) (comment.Comment, error) {
	var row commentRow
	err := s.write(ctx, "edit comment", func(t *tx) error {
		var scope string
		var err error
		if row, scope, err = lockComment(t, rel, id); err != nil {
			return err
		}
		if err := comment.CanEdit(row.comment(), rel.Caller.UserID, t.s.now()); err != nil {
			return err
		}
		if err := checkVersion(ifMatch, row.Version); err != nil {
			return err
		}
		mentions, err := resolveMentions(t.DB, rel, body, scope)
		if err != nil {
			return err
		}
		old := row.comment().Mentions
		var fresh []string
		for _, m := range mentions {
			if !slices.Contains(old, m) {
				fresh = append(fresh, m)
			}
		}
		now := t.s.now()
		mj, _ := json.Marshal(mentions)
		row.Body, row.Mentions, row.EditedAt, row.Version = body, string(mj), &now, row.Version+1
		res := t.Model(&commentRow{}).Where("id = ? AND version = ?", row.ID, row.Version-1).
			Updates(map[string]any{"body": row.Body, "mentions": row.Mentions, "edited_at": now, "version": row.Version})
		if err := svcGuarded(res); err != nil {
			return err
		}
		return emitComment(t, rel, event.CommentEdited, row, scope, fresh)
	})
	return row.comment(), err
}

// DeleteComment replaces a comment by a tombstone: the text and mentions are
// removed, the entry stays in the thread marked deleted.
func (s *Store) DeleteComment(ctx context.Context, rel access.Rel, id string, ifMatch int64) (comment.Comment, error) {
	var row commentRow
	err := s.write(ctx, "delete comment", func(t *tx) error {
		var scope string
		var err error
		if row, scope, err = lockComment(t, rel, id); err != nil {
			return err
		}
		if err := comment.CanDelete(row.comment(), rel.Caller, rel.OrgOf(access.Side(row.AuthorSide))); err != nil {
			return err
		}
		if err := checkVersion(ifMatch, row.Version); err != nil {
			return err
		}
		now := t.s.now()
		row.Body, row.Mentions, row.DeletedAt, row.Version = "", "[]", &now, row.Version+1
		res := t.Model(&commentRow{}).Where("id = ? AND version = ?", row.ID, row.Version-1).
			Updates(map[string]any{"body": "", "mentions": "[]", "deleted_at": now, "version": row.Version})
		if err := svcGuarded(res); err != nil {
			return err
		}
		return emitComment(t, rel, event.CommentDeleted, row, scope, nil)
	})
	return row.comment(), err
}
