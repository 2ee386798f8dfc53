package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/store"
)

// The z_ prefix makes this seeder run after every other area's: health is judged
// from the history they wrote.
func init() { register(seedHealth) }

// seedHealth backfills a year of daily health snapshots, judged as of each past
// day, then judges today with alerts on, so the portfolio opens with a trend and
// the silent customers already flagged. A customer with no buyer activity at all
// (the other areas' demo history is absent) first gets a plain history of calls
// it initiated, paced by its profile, so the portfolio still makes sense.
func seedHealth(ctx context.Context, w *World) error {
	for _, b := range w.Buyers {
		heard, err := heardFrom(ctx, w, b)
		if err != nil {
			return fmt.Errorf("health: %w", err)
		}
		if !heard {
			if err := seedCalls(ctx, w, b); err != nil {
				return fmt.Errorf("health: calls of %s: %w", b.Org.Name, err)
			}
		}
	}
	w.At(w.Now)
	if err := w.Store.BackfillHealth(ctx, w.Now.AddDate(0, 0, -365), w.Now.AddDate(0, 0, -1)); err != nil {
		return fmt.Errorf("health: %w", err)
	}
	if _, err := w.Store.RunHealthSnapshots(ctx, w.Now, store.SnapshotOptions{Alerts: true}); err != nil {
		return fmt.Errorf("health: today: %w", err)
	}
	return nil
}

// heardFrom reports whether any buyer activity exists in b's relationship.
func heardFrom(ctx context.Context, w *World, b Buyer) (bool, error) {
	var n int64
	err := w.Store.Reader().WithContext(ctx).Raw(`SELECT COUNT(*) FROM events WHERE relationship_id = ? AND actor_side = 'buyer' AND type <> ?`,
		b.RelID, event.UserAdded).Scan(&n).Error
	return n > 0, err
}

// callPace is, per profile, how often the buyer calls and how many days ago it
// last did: the healthy one keeps calling, the others fall quiet.
var callPace = map[string]struct{ every, lastDaysAgo int }{
	"healthy": {6, 2},
	"watch":   {10, 25},
	"at_risk": {12, 40},
	"silent":  {9, 70},
}

// seedCalls writes a year of calls the buyer initiated, as the interactions
// table holds them, each with its interaction.logged event at that time.
func seedCalls(ctx context.Context, w *World, b Buyer) error {
	pace, ok := callPace[b.Profile]
	if !ok {
		return nil
	}
	first := pace.lastDaysAgo + (360-pace.lastDaysAgo)/pace.every*pace.every
	for d := first; d >= pace.lastDaysAgo; d -= pace.every {
		at := w.DaysAgo(d)
		if d == pace.lastDaysAgo {
			at = w.Now.AddDate(0, 0, -d).Add(-time.Hour)
		}
		w.At(at)
		id := store.NewID()
		err := w.Store.Writer().WithContext(ctx).Exec(`INSERT INTO interactions (id, relationship_id, kind, occurred_at, summary, initiated_by, logged_by, created_at)
 VALUES (?, ?, 'call', ?, ?, 'buyer', ?, ?)`, id, b.RelID, at, "Call about upcoming needs", b.Admin.ID, at).Error
		if err != nil {
			return err
		}
		ev := event.New(event.InteractionLogged, "interaction", id, map[string]any{"interaction_id": id, "kind": "call", "initiated_by": "buyer"})
		if _, err := w.Store.AppendEventAs(ctx, b.RelID, b.Admin.Caller(), access.Buyer, ev); err != nil {
			return err
		}
	}
	return nil
}
