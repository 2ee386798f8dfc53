package app

import (
	"context"
	"time"
)

func init() { wiring = append(wiring, wireService) }

// wireService registers the ticket SLA watch: every interval it marks the first
// responses and resolutions that became overdue and announces each breach once.
func wireService(_ context.Context, a *App) error {
	a.AddJob(Job{Name: "ticket-sla-breaches", Interval: a.Config.JobInterval, Run: func(ctx context.Context, now time.Time) error {
		n, err := a.Store.MarkSLABreaches(ctx, now)
		if n > 0 {
			a.Log.Info("ticket SLA breaches marked", "count", n)
		}
		return err
	}})
	return nil
}
