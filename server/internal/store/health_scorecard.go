package store

import (
	"context"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/health"
)

// Scorecard returns twelve months of facts about the supplier's performance
// towards rel's buyer. Both sides may read it: it holds facts, not the score.
func (s *Store) Scorecard(ctx context.Context, rel access.Rel) (*health.Scorecard, error) {
	now := s.now()
	sc := health.NewScorecard(rel.ID, now)
	q := &factsQuery{db: s.read(ctx), ids: []string{rel.ID}, asOf: now, from: sc.Start()}
	for _, step := range []func(*health.Scorecard) error{q.scorecardDeliveries, q.scorecardPromises, q.scorecardTickets, q.scorecardComments, q.scorecardIdeas} {
		if err := step(sc); err != nil {
			return nil, mapErr("scorecard", err)
		}
	}
	return sc.Finish(), nil
}

func (q *factsQuery) scorecardDeliveries(sc *health.Scorecard) error {
	var rows []healthDeliveryRow
	err := q.db.Raw(`SELECT relationship_id, promised_date, delivered_at FROM orders WHERE relationship_id IN ? AND delivered_at >= ? AND delivered_at <= ?
 AND promised_date <> ''`, q.ids, q.from, q.asOf).Scan(&rows).Error
	for _, r := range rows {
		sc.AddDelivery(r.DeliveredAt, onTime(r.DeliveredAt, r.PromisedDate))
	}
	return err
}

func (q *factsQuery) scorecardPromises(sc *health.Scorecard) error {
	var rows []healthPromiseRow
	err := q.db.Raw(`SELECT relationship_id, status, due_date, created_at, resolved_at FROM promises WHERE relationship_id IN ?
 AND resolved_at >= ? AND resolved_at <= ? AND status IN ('kept', 'broken')`, q.ids, q.from, q.asOf).Scan(&rows).Error
	for _, r := range rows {
		sc.AddPromise(*r.ResolvedAt, r.Status == "kept")
	}
	return err
}

// scorecardTickets counts each SLA deadline in the month it fell due (or was
// met), and each first response to a buyer ticket in the month it was given.
func (q *factsQuery) scorecardTickets(sc *health.Scorecard) error {
	var rows []healthTicketRow
	err := q.db.Raw(`SELECT `+ticketColumns+` FROM tickets WHERE relationship_id IN ? AND created_at <= ?
 AND (created_at >= ? OR resolution_due_at >= ? OR resolved_at IS NULL OR resolved_at >= ?)`, q.ids, q.asOf, q.from, q.from, q.from).Scan(&rows).Error
	for _, r := range rows {
		for _, d := range []struct {
			due  time.Time
			done *time.Time
		}{{r.FirstResponseDueAt, r.FirstRespondedAt}, {r.ResolutionDueAt, firstOf(r.ResolvedAt, r.ClosedAt)}} {
			if met, counts := slaOutcome(d.due, d.done, q.from, q.asOf); counts {
				at := d.due
				if met {
					at = *d.done
				}
				sc.AddSLA(at, met)
			}
		}
		if r.OpenedSide == "buyer" && doneBy(r.FirstRespondedAt, q.asOf) {
			sc.AddResponse(*r.FirstRespondedAt, r.FirstRespondedAt.Sub(r.CreatedAt).Minutes())
		}
	}
	return err
}

func (q *factsQuery) scorecardComments(sc *health.Scorecard) error {
	var rows []healthCommentRow
	err := q.db.Raw(`SELECT relationship_id, subject_type, subject_id, author_side, created_at FROM comments
 WHERE relationship_id IN ? AND created_at >= ? AND created_at <= ? AND deleted_at IS NULL`, q.ids, q.from, q.asOf).Scan(&rows).Error
	for _, r := range commentResponses(rows) {
		sc.AddResponse(r.at, r.minutes)
	}
	return err
}

func (q *factsQuery) scorecardIdeas(sc *health.Scorecard) error {
	var rows []healthIdeaRow
	err := q.db.Raw(`SELECT relationship_id, author_side, status, created_at, updated_at FROM ideas WHERE relationship_id IN ?
 AND created_at <= ? AND (created_at >= ? OR updated_at >= ?)`, q.ids, q.asOf, q.from, q.from).Scan(&rows).Error
	for _, r := range rows {
		sc.AddIdea(r.CreatedAt, r.AuthorSide)
		if ideaAccepted(r.Status) && !r.UpdatedAt.After(q.asOf) {
			sc.AddAccepted(r.UpdatedAt, r.AuthorSide)
		}
	}
	return err
}
