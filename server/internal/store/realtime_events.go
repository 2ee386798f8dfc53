package store

import (
	"context"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
)

// EventsForFanOut reads relID's events with seq > afterSeq, oldest first, with
// their PlanScope and without any caller filter: the real-time hub reads each
// event once for every subscriber of the relationship and checks each
// subscriber's access itself (CanSeeEvent) before delivering it.
func (s *Store) EventsForFanOut(ctx context.Context, relID string, afterSeq int64, limit int) ([]event.Event, error) {
	var rows []eventRow
	err := s.read(ctx).Where("relationship_id = ? AND seq > ?", relID, afterSeq).Order("seq").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, mapErr("events for fan-out", err)
	}
	out := make([]event.Event, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}

// ActiveUsers returns which of ids are active users: the hub re-checks its
// subscribers with one query per delivery batch, so a deactivated user stops
// receiving at once.
func (s *Store) ActiveUsers(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		var active []string
		if err := s.read(ctx).Model(&userRow{}).Where("id IN ? AND active = ?", chunk, true).Pluck("id", &active).Error; err != nil {
			return nil, mapErr("active users", err)
		}
		for _, id := range active {
			out[id] = true
		}
	}
	return out, nil
}

// AppendEvent records ev in rel's log in a transaction of its own, as the
// caller. Load harnesses, benchmarks and tests use it to produce traffic
// without depending on any one feature's endpoints.
func (s *Store) AppendEvent(ctx context.Context, rel access.Rel, ev event.Event) (event.Event, error) {
	return s.AppendEventAs(ctx, rel.ID, rel.Caller, rel.Side, ev)
}
