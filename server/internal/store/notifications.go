package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
)

// Notification is an event that concerns one person: their order, a ticket
// assigned to them, a mention, a promise they own, a health alert for the supplier.
type Notification struct {
	ID             string      `json:"id"`
	UserID         string      `json:"-"`
	RelationshipID string      `json:"relationship_id"`
	Seq            int64       `json:"seq"`
	Type           string      `json:"type"`
	Event          event.Event `json:"event"`
	Read           bool        `json:"read"`
	CreatedAt      time.Time   `json:"created_at"`
}

type notificationRow struct {
	ID             string
	UserID         string
	RelationshipID string
	Seq            int64
	Type           string
	CreatedAt      time.Time
	ReadAt         *time.Time
}

func (notificationRow) TableName() string { return "notifications" }

// notificationView is a notification joined with its event.
type notificationView struct {
	ID             string
	UserID         string
	RelationshipID string
	Seq            int64
	Type           string
	CreatedAt      time.Time
	ReadAt         *time.Time
	SubjectType    string
	SubjectID      string
	ActorID        string
	ActorSide      string
	At             time.Time
	Data           string
	PlanScope      string
}

func (v notificationView) notification() Notification {
	ev := eventRow{RelationshipID: v.RelationshipID, Seq: v.Seq, Type: v.Type, SubjectType: v.SubjectType, SubjectID: v.SubjectID,
		ActorID: v.ActorID, ActorSide: v.ActorSide, At: v.At, Data: v.Data, PlanScope: v.PlanScope}.event()
	return Notification{ID: v.ID, UserID: v.UserID, RelationshipID: v.RelationshipID, Seq: v.Seq, Type: v.Type,
		Event: ev, Read: v.ReadAt != nil, CreatedAt: v.CreatedAt.UTC()}
}

func init() { emitHooks = append(emitHooks, notifyHook) }

// notifyHook derives, in the event's own transaction, one notification per user
// the event concerns: everyone in data.notify except the actor, and for
// health.alert every active supplier user. Only active users of the
// relationship's two organizations qualify, and for a confidential plan's
// events only those who may read the plan.
func notifyHook(t *tx, ev event.Event) error {
	var payload struct {
		Notify []string `json:"notify"`
	}
	_ = json.Unmarshal(ev.Data, &payload) // data without a notify list concerns no one in particular
	if len(payload.Notify) == 0 && ev.Type != event.HealthAlert {
		return nil
	}
	supplierOrg, buyerOrg, err := t.parties(ev.RelationshipID)
	if err != nil {
		return fmt.Errorf("notification relationship: %w", err)
	}
	users, err := t.notifyCandidates(supplierOrg, buyerOrg, ev, payload.Notify)
	if err != nil {
		return err
	}
	for _, u := range users {
		if ev.PlanScope != "" {
			ok, err := t.canReadPlan(ev.PlanScope, u.notifyCaller())
			if err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
		}
		if err := t.exec(`INSERT INTO notifications (id, user_id, relationship_id, seq, type, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			NewID(), u.ID, ev.RelationshipID, ev.Seq, ev.Type, ev.At); err != nil {
			return fmt.Errorf("insert notification: %w", err)
		}
	}
	return nil
}

// notifyCandidates lists the active users of the relationship's organizations
// named in notify (or, for health.alert, on the supplier side), without the actor.
func (t *tx) notifyCandidates(supplierOrg, buyerOrg string, ev event.Event, notify []string) ([]userRow, error) {
	// Scanned by hand: it runs inside every write that notifies anyone.
	q := `SELECT id, org_id, role, department FROM users WHERE active = ? AND org_id IN (?, ?) AND id <> ?`
	args := []any{true, supplierOrg, buyerOrg, ev.ActorID}
	switch {
	case ev.Type == event.HealthAlert && len(notify) > 0:
		q += ` AND (org_id = ? OR id IN (` + placeholders(len(notify)) + `))`
		args = append(args, supplierOrg)
		args = appendStrings(args, notify)
	case ev.Type == event.HealthAlert:
		q += ` AND org_id = ?`
		args = append(args, supplierOrg)
	default:
		q += ` AND id IN (` + placeholders(len(notify)) + `)`
		args = appendStrings(args, notify)
	}
	rows, err := t.query(q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("notification recipients: %w", err)
	}
	defer rows.Close()
	var users []userRow
	for rows.Next() {
		var u userRow
		if err := rows.Scan(&u.ID, &u.OrgID, &u.Role, &u.Department); err != nil {
			return nil, fmt.Errorf("notification recipients: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notification recipients: %w", err)
	}
	return users, nil
}

// placeholders returns n comma-separated ? placeholders (n > 0).
func placeholders(n int) string {
	return strings.Repeat("?, ", n-1) + "?"
}

// appendStrings appends each of ss to args.
func appendStrings(args []any, ss []string) []any {
	for _, s := range ss {
		args = append(args, s)
	}
	return args
}

// canReadPlan applies readablePlans inside the transaction.
func (t *tx) canReadPlan(planID string, c access.Caller) (bool, error) {
	cond, args := readablePlans("p", c)
	var n int64
	err := t.Table("plans p").Where("p.id = ?", planID).Where(cond, args...).Count(&n).Error
	return n > 0, err
}

func (u userRow) notifyCaller() access.Caller {
	return access.Caller{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Department: u.Department}
}

// notificationsQuery joins userID's notifications with their events, hiding
// those of confidential plans the user may no longer read.
func notificationsQuery(db *gorm.DB, c access.Caller) *gorm.DB {
	cond, args := readablePlans("p", c)
	return db.Table("notifications n").
		Joins("JOIN events e ON e.relationship_id = n.relationship_id AND e.seq = n.seq").
		Where("n.user_id = ?", c.UserID).
		Where("(e.plan_scope = '' OR e.plan_scope IN (SELECT p.id FROM plans p WHERE "+cond+"))", args...)
}

const notificationColumns = "n.id, n.user_id, n.relationship_id, n.seq, n.type, n.created_at, n.read_at, " +
	"e.subject_type, e.subject_id, e.actor_id, e.actor_side, e.at, e.data, e.plan_scope"

// Notifications lists the caller's notifications, newest first, optionally only
// the unread ones, with the caller's unread count.
func (s *Store) Notifications(ctx context.Context, c access.Caller, unreadOnly bool, p Page) ([]Notification, string, int64, error) {
	p.Desc = true
	q := notificationsQuery(s.read(ctx), c).Select(notificationColumns)
	if unreadOnly {
		q = q.Where("n.read_at IS NULL")
	}
	var rows []notificationView
	if err := p.apply(q, "n.id").Scan(&rows).Error; err != nil {
		return nil, "", 0, mapErr("list notifications", err)
	}
	rows, next := pageResult(p, rows, func(r notificationView) string { return r.ID })
	out := make([]Notification, len(rows))
	for i, r := range rows {
		out[i] = r.notification()
	}
	unread, err := s.UnreadNotifications(ctx, c)
	return out, next, unread, err
}

// UnreadNotifications counts the caller's unread notifications.
func (s *Store) UnreadNotifications(ctx context.Context, c access.Caller) (int64, error) {
	var n int64
	err := notificationsQuery(s.read(ctx), c).Where("n.read_at IS NULL").Count(&n).Error
	return n, mapErr("count unread notifications", err)
}

// MarkNotificationsRead marks the caller's notifications ids (or all of them)
// as read and returns the unread count left. Ids of other users are ignored:
// they are not the caller's to mark.
func (s *Store) MarkNotificationsRead(ctx context.Context, c access.Caller, ids []string, all bool) (int64, error) {
	err := s.write(ctx, "mark notifications read", func(t *tx) error {
		q := t.Model(&notificationRow{}).Where("user_id = ? AND read_at IS NULL", c.UserID)
		if !all {
			q = q.Where("id IN ?", ids)
		}
		return q.Update("read_at", t.s.now()).Error
	})
	if err != nil {
		return 0, err
	}
	return s.UnreadNotifications(ctx, c)
}

// NotificationsOfEvents returns the notifications derived from relID's events
// with seq in [fromSeq, toSeq], for the users in userIDs: the hub pushes them to
// those users' live connections.
func (s *Store) NotificationsOfEvents(ctx context.Context, relID string, fromSeq, toSeq int64, userIDs []string) ([]Notification, error) {
	var rows []notificationView
	err := s.read(ctx).Table("notifications n").Select(notificationColumns).
		Joins("JOIN events e ON e.relationship_id = n.relationship_id AND e.seq = n.seq").
		Where("n.relationship_id = ? AND n.seq BETWEEN ? AND ? AND n.user_id IN ?", relID, fromSeq, toSeq, userIDs).
		Order("n.seq").Scan(&rows).Error
	if err != nil {
		return nil, mapErr("notifications of events", err)
	}
	out := make([]Notification, len(rows))
	for i, r := range rows {
		out[i] = r.notification()
	}
	return out, nil
}
