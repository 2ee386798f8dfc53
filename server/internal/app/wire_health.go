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

// healthJobTimeout bounds one snapshot pass. The paced first pass of a day took
// 70 s on 1,000 relationships, longer than the default deadline of one job
// interval; a pass the deadline stops keeps its whole chunks and the next run
// does the rest, so the deadline only has to free a pass stuck on the database.
const healthJobTimeout = 10 * time.Minute

// wireHealth registers the daily health snapshot job. It runs every job
// interval but does its work once per day (the snapshots' key is relationship
// and day), judging every relationship as of the job clock and raising alerts,
// in small chunks with pauses between them (see healthJobDuty).
func wireHealth(_ context.Context, a *App) error {
	a.AddJob(Job{Name: "health-snapshots", Interval: a.Config.JobInterval, Timeout: max(a.Config.JobInterval, healthJobTimeout), Run: func(ctx context.Context, now time.Time) error {
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
