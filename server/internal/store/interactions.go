package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/domain/interaction"
)

type interactionRow struct {
	ID             string
	RelationshipID string
	Kind           string
	OccurredAt     time.Time
	Summary        string
	InitiatedBy    string
	LoggedBy       string
	CreatedAt      time.Time
}

func (interactionRow) TableName() string { return "interactions" }

type participantRow struct {
	InteractionID string
	UserID        string
}

func (participantRow) TableName() string { return "interaction_participants" }

func (r interactionRow) interaction() interaction.Interaction {
	return interaction.Interaction{ID: r.ID, Kind: r.Kind, OccurredAt: r.OccurredAt.UTC(), Summary: r.Summary,
		InitiatedBy: access.Side(r.InitiatedBy), LoggedBy: r.LoggedBy, CreatedAt: r.CreatedAt.UTC(), Participants: []interaction.Participant{}}
}

// LogInteraction records a contact between the two sides; every participant must
// be an active user of one of rel's two organizations.
func (s *Store) LogInteraction(ctx context.Context, rel access.Rel, it interaction.Interaction, participantIDs []string) (interaction.Interaction, error) {
	var out interaction.Interaction
	err := s.write(ctx, "log interaction", func(t *tx) error {
		var users []userRow
		if err := t.Where("id IN ? AND org_id IN ? AND active = ?", participantIDs, []string{rel.SupplierOrgID, rel.BuyerOrgID}, true).Find(&users).Error; err != nil {
			return err
		}
		if len(users) != len(participantIDs) {
			return errs.Invalid("participant_ids", "must name users of this relationship's two organizations only: %s", strings.Join(svcUnknownUsers(participantIDs, users), ", "))
		}
		row := interactionRow{ID: NewID(), RelationshipID: rel.ID, Kind: it.Kind, OccurredAt: it.OccurredAt, Summary: it.Summary,
			InitiatedBy: string(it.InitiatedBy), LoggedBy: rel.Caller.UserID, CreatedAt: t.s.now()}
		if err := t.Create(&row).Error; err != nil {
			return err
		}
		parts := make([]participantRow, len(participantIDs))
		for i, id := range participantIDs {
			parts[i] = participantRow{InteractionID: row.ID, UserID: id}
		}
		if err := t.Create(&parts).Error; err != nil {
			return err
		}
		out = row.interaction()
		out.Participants = participantsOf(rel, users, participantIDs)
		ev := event.New(event.InteractionLogged, "interaction", row.ID, map[string]any{"interaction_id": row.ID, "kind": row.Kind,
			"occurred_at": row.OccurredAt, "initiated_by": row.InitiatedBy, "participant_ids": participantIDs,
			"notify": svcNotify(participantIDs, rel.Caller.UserID)})
		_, err := t.emitRel(rel, ev)
		return err
	})
	return out, err
}

func svcUnknownUsers(ids []string, found []userRow) []string {
	known := map[string]bool{}
	for _, u := range found {
		known[u.ID] = true
	}
	var out []string
	for _, id := range ids {
		if !known[id] {
			out = append(out, strconv.Quote(id))
		}
	}
	return out
}

// participantsOf orders users as ids names them and adds each one's side.
func participantsOf(rel access.Rel, users []userRow, ids []string) []interaction.Participant {
	byID := map[string]userRow{}
	for _, u := range users {
		byID[u.ID] = u
	}
	out := make([]interaction.Participant, 0, len(ids))
	for _, id := range ids {
		if u, ok := byID[id]; ok {
			out = append(out, interaction.Participant{ID: u.ID, Name: u.Name, Side: rel.SideOfOrg(u.OrgID), Department: u.Department})
		}
	}
	return out
}

// ListInteractions lists rel's interactions, most recent occurrence first.
func (s *Store) ListInteractions(ctx context.Context, rel access.Rel, f interaction.Filter, p Page) ([]interaction.Interaction, string, error) {
	q := filterInteractions(s.read(ctx).Model(&interactionRow{}), rel, f, "")
	if p.After != "" {
		at, id, err := decodeOccurred(p.After)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("(occurred_at < ? OR (occurred_at = ? AND id < ?))", at, at, id)
	}
	var rows []interactionRow
	if err := q.Order("occurred_at DESC, id DESC").Limit(p.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", mapErr("list interactions", err)
	}
	rows, next := pageResult(p, rows, func(r interactionRow) string {
		return strconv.FormatInt(r.OccurredAt.UnixNano(), 10) + "|" + r.ID
	})
	out, err := s.withParticipants(ctx, rel, rows)
	return out, next, err
}

// filterInteractions scopes q (whose interactions table has the alias prefix p) to rel and f.
func filterInteractions(q *gorm.DB, rel access.Rel, f interaction.Filter, p string) *gorm.DB {
	q = q.Where(p+"relationship_id = ?", rel.ID)
	if f.Kind != "" {
		q = q.Where(p+"kind = ?", f.Kind)
	}
	if f.InitiatedBy != "" {
		q = q.Where(p+"initiated_by = ?", f.InitiatedBy)
	}
	if !f.Since.IsZero() {
		q = q.Where(p+"occurred_at >= ?", f.Since)
	}
	return q
}

// InteractionDepartments counts, per side and department, the interactions
// matching f that people of that department took part in.
func (s *Store) InteractionDepartments(ctx context.Context, rel access.Rel, f interaction.Filter) ([]interaction.DepartmentCount, error) {
	var rows []struct {
		OrgID, Department string
		N                 int
	}
	q := s.read(ctx).Table("interactions i").Joins("JOIN interaction_participants ip ON ip.interaction_id = i.id").
		Joins("JOIN users u ON u.id = ip.user_id")
	err := filterInteractions(q, rel, f, "i.").Select("u.org_id, u.department, COUNT(DISTINCT i.id) AS n").
		Group("u.org_id, u.department").Order("u.org_id, u.department").Scan(&rows).Error
	if err != nil {
		return nil, mapErr("interaction departments", err)
	}
	out := make([]interaction.DepartmentCount, 0, len(rows))
	for _, r := range rows {
		out = append(out, interaction.DepartmentCount{Side: rel.SideOfOrg(r.OrgID), Department: r.Department, Interactions: r.N})
	}
	return out, nil
}

func decodeOccurred(key string) (time.Time, string, error) {
	ns, id, ok := strings.Cut(key, "|")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", errs.Invalid("cursor", "is not a cursor this server issued")
	}
	return time.Unix(0, n).UTC(), id, nil
}

// withParticipants loads the participants of a page of interactions in one query.
func (s *Store) withParticipants(ctx context.Context, rel access.Rel, rows []interactionRow) ([]interaction.Interaction, error) {
	out := make([]interaction.Interaction, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	index := map[string]int{}
	for i, r := range rows {
		out[i], ids[i], index[r.ID] = r.interaction(), r.ID, i
	}
	var parts []struct {
		InteractionID, ID, OrgID, Name, Department string
	}
	err := s.read(ctx).Table("interaction_participants ip").Select("ip.interaction_id, u.id, u.org_id, u.name, u.department").
		Joins("JOIN users u ON u.id = ip.user_id").Where("ip.interaction_id IN ?", ids).Order("u.name, u.id").Scan(&parts).Error
	if err != nil {
		return nil, mapErr("interaction participants", err)
	}
	for _, p := range parts {
		i := index[p.InteractionID]
		out[i].Participants = append(out[i].Participants, interaction.Participant{ID: p.ID, Name: p.Name, Side: rel.SideOfOrg(p.OrgID), Department: p.Department})
	}
	return out, nil
}
