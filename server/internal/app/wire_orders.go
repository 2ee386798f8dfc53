package app

import (
	"context"
	"time"
)

func init() { wiring = append(wiring, wireOrders) }

// wireOrders registers the promise job: a delivery promise whose date passed
// while its order is still undelivered is broken, on the job's clock.
func wireOrders(_ context.Context, a *App) error {
	interval := a.Config.JobInterval
	if interval <= 0 {
		interval = time.Hour
	}
	a.AddJob(Job{Name: "break-overdue-delivery-promises", Interval: interval, Run: func(ctx context.Context, now time.Time) error {
		n, err := a.Store.BreakOverduePromises(ctx, now)
		if n > 0 {
			a.Log.Info("overdue delivery promises broken", "count", n)
		}
		return err
	}})
	return nil
}
