package app

import (
	"context"
	"time"

	"github.com/rapport/rapport/server/internal/store"
)

func init() { wiring = append(wiring, wireHealth) }

// healthJobDuty is the share of wall time the background snapshot pass may
// work: the first run of a day judges every relationship, and at full speed it
// takes the CPU and the SQLite writer from the requests for tens of seconds.
const healthJobDuty = 1.0 / 3

// wireHealth registers the daily health snapshot job. It runs every job
// interval but does its work once per day (the snapshots' key is relationship
// and day), judging every relationship as of the job clock and raising alerts,
// in small chunks with pauses between them (see healthJobDuty).
func wireHealth(_ context.Context, a *App) error {
	a.AddJob(Job{Name: "health-snapshots", Interval: a.Config.JobInterval, Run: func(ctx context.Context, now time.Time) error {
		began := time.Now()
		n, err := a.Store.RunHealthSnapshots(ctx, now, store.SnapshotOptions{Alerts: true, MaxDuty: healthJobDuty})
		if n > 0 {
			a.Log.Info("health snapshots written", "relationships", n, "day", now.UTC().Format(time.DateOnly),
				"took", time.Since(began).Round(time.Millisecond), "complete", err == nil)
		}
		return err
	}})
	return nil
}
