package app

import (
	"context"
	"time"

	"github.com/rapport/rapport/server/internal/store"
)

func init() { wiring = append(wiring, wireHealth) }

// wireHealth registers the daily health snapshot job. It runs every job
// interval but does its work once per day (the snapshots' key is relationship
// and day), judging every relationship as of the job clock and raising alerts.
func wireHealth(_ context.Context, a *App) error {
	a.AddJob(Job{Name: "health-snapshots", Interval: a.Config.JobInterval, Run: func(ctx context.Context, now time.Time) error {
		n, err := a.Store.RunHealthSnapshots(ctx, now, store.SnapshotOptions{Alerts: true})
		if n > 0 {
			a.Log.Info("health snapshots written", "relationships", n, "day", now.UTC().Format(time.DateOnly))
		}
		return err
	}})
	return nil
}
