package crashtest

import (
	"context"

	"github.com/rapport/rapport/server/internal/domain/ticket"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// The service area's hot query: a ticket's timeline, read from the event log
// through the partial index of ticket events (migration 0010). Without it the
// plan walks every event of the relationship, which is no scan, so the check
// names the index.
func init() {
	hotQueries = append(hotQueries,
		hotQuery{name: "a ticket's timeline", tables: []string{"events"}, index: "events_ticket_timeline",
			run: func(ctx context.Context, s *store.Store, f *testutil.Fixture) error {
				rel, err := s.ResolveRel(ctx, f.BuyerA.Member.Caller(), f.RelA)
				if err != nil {
					return err
				}
				tk, err := ticket.New{Type: "repair", Severity: "high", Title: "Plan check"}.Validate()
				if err != nil {
					return err
				}
				if tk, err = s.OpenTicket(ctx, rel, tk); err != nil {
					return err
				}
				_, err = s.TicketHistory(ctx, rel, tk.ID)
				return err
			}})
}
