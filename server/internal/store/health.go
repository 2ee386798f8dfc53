package store

import (
	"context"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"

	"github.com/rapport/rapport/server/internal/domain/health"
)

// This file gathers the facts health is judged from, as of any moment, for many
// relationships at once: a handful of grouped queries per chunk of relationships
// plus two index lookups per relationship, never a scan of the whole event log.

// healthRel is a relationship as the health computation needs it.
type healthRel struct {
	ID                   string
	SupplierOrgID        string
	BuyerOrgID           string
	BuyerName            string
	CreatedAt            time.Time
	SilenceThresholdDays int
	AccountOwnerID       *string
}

const healthRelSelect = `SELECT r.id, r.supplier_org_id, r.buyer_org_id, b.name AS buyer_name, r.created_at,
 r.silence_threshold_days, r.account_owner_id FROM relationships r JOIN orgs b ON b.id = r.buyer_org_id`

// buyerActivityTypes are the event families that mean the buyer did something.
// Logins, user changes and health alerts are not activity; interactions count
// only when the buyer initiated them, which the interactions table tells.
var buyerActivityTypes = []string{"order.", "ticket.", "comment.", "forecast.", "idea.", "plan."}

func buyerActivityCond() string {
	parts := make([]string, len(buyerActivityTypes))
	for i, p := range buyerActivityTypes {
		parts[i] = "type LIKE '" + p + "%'"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// factsQuery gathers facts for a chunk of relationships as of one moment.
type factsQuery struct {
	db    *gorm.DB
	ids   []string
	asOf  time.Time
	from  time.Time // start of the settings' window
	facts map[string]*health.Facts
}

const factsChunk = 400

// gatherFacts returns the facts of rels as of asOf over windowDays.
func gatherFacts(ctx context.Context, db *gorm.DB, rels []healthRel, asOf time.Time, windowDays int) (map[string]*health.Facts, error) {
	out := make(map[string]*health.Facts, len(rels))
	for start := 0; start < len(rels); start += factsChunk {
		chunk := rels[start:min(start+factsChunk, len(rels))]
		q := factsQuery{db: db.WithContext(ctx), asOf: asOf, from: asOf.AddDate(0, 0, -windowDays), facts: map[string]*health.Facts{}}
		for _, r := range chunk {
			q.ids = append(q.ids, r.ID)
			f := &health.Facts{RelationshipID: r.ID, BuyerName: r.BuyerName, AsOf: asOf, RelCreatedAt: r.CreatedAt.UTC(),
				SilenceThreshold: r.SilenceThresholdDays, WindowDays: windowDays}
			q.facts[r.ID] = f
			out[r.ID] = f
		}
		for _, step := range []func() error{q.lastBuyer, q.orders, q.deliveries, q.tickets, q.comments, q.promises, q.ideas, q.plans, q.forecasts} {
			if err := step(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// lastBuyer finds the latest buyer action with two index lookups per
// relationship: events (relationship_id, actor_side, at) read backwards, and
// interactions (relationship_id, occurred_at) the buyer initiated.
func (q *factsQuery) lastBuyer() error {
	evSQL := `SELECT at FROM events WHERE relationship_id = ? AND actor_side = 'buyer' AND at <= ? AND ` + buyerActivityCond() + ` ORDER BY at DESC LIMIT 1`
	inSQL := `SELECT occurred_at FROM interactions WHERE relationship_id = ? AND initiated_by = 'buyer' AND occurred_at <= ? ORDER BY occurred_at DESC LIMIT 1`
	for _, id := range q.ids {
		var latest *time.Time
		for _, sql := range []string{evSQL, inSQL} {
			var at []time.Time
			if err := q.db.Raw(sql, id, q.asOf).Scan(&at).Error; err != nil {
				return err
			}
			if len(at) > 0 && (latest == nil || at[0].After(*latest)) {
				t := at[0].UTC()
				latest = &t
			}
		}
		q.facts[id].LastBuyerAt = latest
	}
	return nil
}

type healthOrderRow struct {
	RelationshipID string
	Total          int64
	CreatedAt      time.Time
}

// orders counts the buyer's orders in the window and the order value of the
// last 90 days against the same 90 days a year earlier.
func (q *factsQuery) orders() error {
	yearAgoFrom, yearAgoTo := q.asOf.AddDate(-1, 0, -90), q.asOf.AddDate(-1, 0, 0)
	recentFrom := q.asOf.AddDate(0, 0, -90)
	earliest := earlier(yearAgoFrom, q.from)
	var rows []healthOrderRow
	err := q.db.Raw(`SELECT relationship_id, total, created_at FROM orders WHERE relationship_id IN ? AND created_at > ? AND created_at <= ?
 AND status NOT IN ('cancelled', 'rejected')`, q.ids, earliest, q.asOf).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		f := q.facts[r.RelationshipID]
		switch {
		case r.CreatedAt.After(recentFrom):
			f.OrderValueRecent += r.Total
		case r.CreatedAt.After(yearAgoFrom) && !r.CreatedAt.After(yearAgoTo):
			f.OrderValueYearAgo += r.Total
		}
		if r.CreatedAt.After(q.from) {
			f.OrdersInWindow++
		}
	}
	return nil
}

type healthDeliveryRow struct {
	RelationshipID string
	PromisedDate   string
	DeliveredAt    time.Time
}

// deliveries counts orders delivered in the window on or before their promised date.
func (q *factsQuery) deliveries() error {
	var rows []healthDeliveryRow
	err := q.db.Raw(`SELECT relationship_id, promised_date, delivered_at FROM orders WHERE relationship_id IN ? AND delivered_at > ? AND delivered_at <= ?
 AND promised_date <> ''`, q.ids, q.from, q.asOf).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		f := q.facts[r.RelationshipID]
		if onTime(r.DeliveredAt, r.PromisedDate) {
			f.DeliveredOnTime++
		} else {
			f.DeliveredLate++
		}
	}
	return nil
}

// onTime reports whether a delivery at t met the promised date (YYYY-MM-DD).
func onTime(t time.Time, promised string) bool { return t.UTC().Format(time.DateOnly) <= promised }

type healthTicketRow struct {
	RelationshipID     string
	OpenedSide         string
	Severity           string
	CreatedAt          time.Time
	FirstResponseDueAt time.Time
	ResolutionDueAt    time.Time
	FirstRespondedAt   *time.Time
	ResolvedAt         *time.Time
	ClosedAt           *time.Time
}

// ticketColumns select what both the signals and the scorecard need of tickets.
const ticketColumns = `relationship_id, opened_side, severity, created_at, first_response_due_at, resolution_due_at,
 first_responded_at, resolved_at, closed_at`

// tickets counts the buyer's tickets, the SLA deadlines met and missed in the
// window, the open critical tickets, and our times to first response.
func (q *factsQuery) tickets() error {
	var rows []healthTicketRow
	err := q.db.Raw(`SELECT `+ticketColumns+` FROM tickets WHERE relationship_id IN ? AND created_at <= ?
 AND (created_at > ? OR resolution_due_at > ? OR resolved_at IS NULL OR resolved_at > ?)`, q.ids, q.asOf, q.from, q.from, q.from).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		f := q.facts[r.RelationshipID]
		inWindow := r.CreatedAt.After(q.from)
		if inWindow && r.OpenedSide == "buyer" {
			f.TicketsInWindow++
			if r.FirstRespondedAt != nil && !r.FirstRespondedAt.After(q.asOf) {
				f.ResponseMinutes = append(f.ResponseMinutes, r.FirstRespondedAt.Sub(r.CreatedAt).Minutes())
			}
		}
		for _, d := range []struct {
			due  time.Time
			done *time.Time
		}{{r.FirstResponseDueAt, r.FirstRespondedAt}, {r.ResolutionDueAt, firstOf(r.ResolvedAt, r.ClosedAt)}} {
			if met, due := slaOutcome(d.due, d.done, q.from, q.asOf); due {
				if met {
					f.SLAMet++
				} else {
					f.SLAMissed++
				}
			}
		}
		if r.Severity == "critical" && !doneBy(firstOf(r.ResolvedAt, r.ClosedAt), q.asOf) {
			f.OpenCritical++
		}
	}
	return nil
}

// slaOutcome judges one SLA deadline as of asOf: it counts once it fell due in
// (from, asOf] or was met early inside that window.
func slaOutcome(due time.Time, done *time.Time, from, asOf time.Time) (met, counts bool) {
	if done != nil && !done.After(due) && !done.After(asOf) {
		return true, done.After(from) || due.After(from)
	}
	if due.After(from) && !due.After(asOf) {
		return false, true
	}
	return false, false
}

func doneBy(t *time.Time, asOf time.Time) bool { return t != nil && !t.After(asOf) }

func firstOf(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || a.Before(*b):
		return a
	}
	return b
}

type healthCommentRow struct {
	RelationshipID string
	SubjectType    string
	SubjectID      string
	AuthorSide     string
	CreatedAt      time.Time
}

// comments adds our time to the first supplier reply to each buyer comment of
// the window, matched per thread in memory (portable across both databases).
func (q *factsQuery) comments() error {
	var rows []healthCommentRow
	err := q.db.Raw(`SELECT relationship_id, subject_type, subject_id, author_side, created_at FROM comments
 WHERE relationship_id IN ? AND created_at > ? AND created_at <= ? AND deleted_at IS NULL`, q.ids, q.from, q.asOf).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, resp := range commentResponses(rows) {
		q.facts[resp.rel].ResponseMinutes = append(q.facts[resp.rel].ResponseMinutes, resp.minutes)
	}
	return nil
}

type commentResponse struct {
	rel     string
	at      time.Time // when we answered
	minutes float64
}

// commentResponses pairs each buyer comment with the next supplier comment on
// the same subject; consecutive buyer comments are answered by the same reply.
func commentResponses(rows []healthCommentRow) []commentResponse {
	sort.Slice(rows, func(i, j int) bool { return rows[i].CreatedAt.Before(rows[j].CreatedAt) })
	waiting := map[string]time.Time{} // thread → oldest unanswered buyer comment
	var out []commentResponse
	for _, r := range rows {
		key := r.RelationshipID + "\x00" + r.SubjectType + "\x00" + r.SubjectID
		switch r.AuthorSide {
		case "buyer":
			if _, ok := waiting[key]; !ok {
				waiting[key] = r.CreatedAt
			}
		case "supplier":
			if asked, ok := waiting[key]; ok {
				out = append(out, commentResponse{rel: r.RelationshipID, at: r.CreatedAt, minutes: r.CreatedAt.Sub(asked).Minutes()})
				delete(waiting, key)
			}
		}
	}
	return out
}

type healthPromiseRow struct {
	RelationshipID string
	Status         string
	DueDate        string
	CreatedAt      time.Time
	ResolvedAt     *time.Time
}

// promises counts promises kept and broken in the window and those open past due.
func (q *factsQuery) promises() error {
	var rows []healthPromiseRow
	err := q.db.Raw(`SELECT relationship_id, status, due_date, created_at, resolved_at FROM promises WHERE relationship_id IN ?
 AND created_at <= ? AND (resolved_at IS NULL OR resolved_at > ?)`, q.ids, q.asOf, q.from).Scan(&rows).Error
	if err != nil {
		return err
	}
	today := q.asOf.Format(time.DateOnly)
	for _, r := range rows {
		f := q.facts[r.RelationshipID]
		if doneBy(r.ResolvedAt, q.asOf) {
			switch r.Status {
			case "kept":
				f.PromisesKept++
			case "broken":
				f.PromisesBroken++
			}
			continue
		}
		if r.DueDate < today {
			f.PromisesOverdue++
		}
	}
	return nil
}

type healthIdeaRow struct {
	RelationshipID string
	AuthorSide     string
	Status         string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ideas counts ideas proposed in the window from each side and those accepted.
func (q *factsQuery) ideas() error {
	var rows []healthIdeaRow
	err := q.db.Raw(`SELECT relationship_id, author_side, status, created_at, updated_at FROM ideas WHERE relationship_id IN ?
 AND created_at <= ? AND (created_at > ? OR updated_at > ?)`, q.ids, q.asOf, q.from, q.from).Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		f := q.facts[r.RelationshipID]
		if r.CreatedAt.After(q.from) {
			if r.AuthorSide == "buyer" {
				f.IdeasFromBuyer++
			} else {
				f.IdeasFromSupplier++
			}
		}
		if ideaAccepted(r.Status) && r.UpdatedAt.After(q.from) && !r.UpdatedAt.After(q.asOf) {
			f.IdeasAccepted++
		}
	}
	return nil
}

func ideaAccepted(status string) bool { return status == "accepted" || status == "implemented" }

// plans counts plans shared in the window (any plan: only the count is used).
func (q *factsQuery) plans() error {
	var rows []struct {
		RelationshipID string
		N              int
	}
	err := q.db.Raw(`SELECT relationship_id, COUNT(*) AS n FROM plans WHERE relationship_id IN ? AND created_at > ? AND created_at <= ?
 GROUP BY relationship_id`, q.ids, q.from, q.asOf).Scan(&rows).Error
	for _, r := range rows {
		q.facts[r.RelationshipID].PlansShared = r.N
	}
	return err
}

// earlier returns the earlier of two times.
func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// AppendEventAs writes one event to relID's log as actor on side, at ev.At (the
// store clock when zero), outside any domain operation. The demo and tests use
// it to build back-dated histories; handlers never do.
func (s *Store) AppendEventAs(ctx context.Context, relID string, actor access.Caller, side access.Side, ev event.Event) (event.Event, error) {
	var out event.Event
	err := s.write(ctx, "append event", func(t *tx) error {
		var err error
		out, err = t.emit(relID, actor, side, ev)
		return err
	})
	return out, err
}

// SupplierOnlyScope is the scope (the events' plan_scope column) of events only
// the supplier's users may see, in the feed and the stream: health alerts reveal
// the supplier's internal view of the relationship. Like a confidential plan's
// id, it makes every reader and the fan-out re-check access (CanSeeEvent); it
// cannot collide with a plan id.
const SupplierOnlyScope = "~supplier"
