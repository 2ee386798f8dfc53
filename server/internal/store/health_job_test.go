package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// healthJobStore opens and migrates a store whose log records are kept in rec.
func healthJobStore(t *testing.T, db testutil.DB, rec *recordLog) *store.Store {
	t.Helper()
	cfg := testutil.Config(t, db)
	st, err := store.Open(store.Options{SQLitePath: cfg.SQLitePath(), DatabaseURL: cfg.DatabaseURL, Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// seedHealthRels creates one supplier per count with that many buyers, and
// returns every relationship's id.
func seedHealthRels(t *testing.T, st *store.Store, counts ...int) []string {
	t.Helper()
	ctx := context.Background()
	var rels []string
	for s, n := range counts {
		sup, admin, err := st.CreateOrg(ctx, fmt.Sprintf("Supplier %d", s), account.NewUser{
			Email: fmt.Sprintf("admin@supplier%d.test", s), Name: "Admin", Role: "admin", Department: "sales"}, "h")
		if err != nil {
			t.Fatal(err)
		}
		for b := 0; b < n; b++ {
			buyer, _, err := st.CreateOrg(ctx, fmt.Sprintf("Buyer %d-%d", s, b), account.NewUser{
				Email: fmt.Sprintf("admin@buyer%d-%d.test", s, b), Name: "Buyer", Role: "admin", Department: "purchasing"}, "h")
			if err != nil {
				t.Fatal(err)
			}
			rel, err := st.CreateRelationship(ctx, admin.Caller(), sup.ID, buyer.ID)
			if err != nil {
				t.Fatal(err)
			}
			rels = append(rels, rel)
		}
	}
	return rels
}

// countByRel counts rows per relationship_id of a query.
func countByRel(t *testing.T, st *store.Store, query string, args ...any) map[string]int {
	t.Helper()
	var rows []struct {
		RelationshipID string
		N              int
	}
	if err := st.Reader().Raw(query, args...).Scan(&rows).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.RelationshipID] = r.N
	}
	return out
}

// healthJobCounts returns, per relationship, the snapshots of day, the health
// states and the silence alerts.
func healthJobCounts(t *testing.T, st *store.Store, day string) (snaps, states, alerts map[string]int) {
	t.Helper()
	snaps = countByRel(t, st, `SELECT relationship_id, COUNT(*) AS n FROM health_snapshots WHERE day = ? GROUP BY relationship_id`, day)
	states = countByRel(t, st, `SELECT relationship_id, COUNT(*) AS n FROM health_state GROUP BY relationship_id`)
	alerts = countByRel(t, st, `SELECT relationship_id, COUNT(*) AS n FROM events WHERE type = ? AND data LIKE '%"kind":"silence"%' GROUP BY relationship_id`, event.HealthAlert)
	return snaps, states, alerts
}

// A run cut into chunks smaller than the number of relationships (and than one
// supplier's customers) judges every relationship once, raises each silence
// alert once, and a second run the same day does nothing. Pacing rests between
// chunks in proportion to each chunk's work, and not after the last.
func TestHealthSnapshotsInChunksJudgeEveryRelationshipOnce(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		rec := &recordLog{}
		st := healthJobStore(t, db, rec)
		rels := seedHealthRels(t, st, 7, 3) // chunks of 3: 3+3+1 and 3
		// Never heard from in about 60 days: a silence alert each. Midday, so that
		// the second run an hour later is the same day whatever the clock says.
		now := time.Now().UTC().AddDate(0, 0, 60).Truncate(24 * time.Hour).Add(12 * time.Hour)
		day := now.Format(time.DateOnly)
		ctx := context.Background()

		began := time.Now()
		n, err := st.RunHealthSnapshots(ctx, now, store.SnapshotOptions{Alerts: true, ChunkSize: 3, MaxDuty: 0.5})
		wall := time.Since(began)
		if err != nil || n != len(rels) {
			t.Fatalf("judged %d (%v), want %d", n, err, len(rels))
		}
		if n, err := st.RunHealthSnapshots(ctx, now.Add(time.Hour), store.SnapshotOptions{Alerts: true, ChunkSize: 3}); err != nil || n != 0 {
			t.Fatalf("second run the same day judged %d (%v), want 0", n, err)
		}
		snaps, states, alerts := healthJobCounts(t, st, day)
		for _, rel := range rels {
			if snaps[rel] != 1 || states[rel] != 1 || alerts[rel] != 1 {
				t.Errorf("relationship %s: %d snapshots, %d states, %d silence alerts; want 1 each", rel, snaps[rel], states[rel], alerts[rel])
			}
		}
		if len(snaps) != len(rels) {
			t.Errorf("%d relationships have a snapshot, want %d", len(snaps), len(rels))
		}

		chunks := rec.chunks(day)
		if len(chunks) != 4 {
			t.Fatalf("%d chunks logged, want 4 (3+3+1 of the first supplier, 3 of the second): %+v", len(chunks), chunks)
		}
		var sizes []int
		var rested time.Duration
		for i, c := range chunks {
			sizes = append(sizes, c.rels)
			want := c.work // MaxDuty 0.5: rest as long as the chunk worked
			if i == len(chunks)-1 {
				want = 0 // nothing left to make way for
			}
			if d := c.pause - want; d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("chunk %d worked %s and paused %s, want %s", i+1, c.work, c.pause, want)
			}
			rested += c.pause
		}
		if fmt.Sprint(sizes) != "[3 3 1 3]" {
			t.Errorf("chunk sizes %v, want [3 3 1 3]", sizes)
		}
		if rested <= 0 || wall < rested {
			t.Errorf("the run took %s and rested %s: the pauses were not taken", wall, rested)
		}

		// The next day judges everyone again, still without a second alert: the
		// silence episode is the same.
		next := now.AddDate(0, 0, 1)
		if n, err := st.RunHealthSnapshots(ctx, next, store.SnapshotOptions{Alerts: true, ChunkSize: 3}); err != nil || n != len(rels) {
			t.Fatalf("next day judged %d (%v), want %d", n, err, len(rels))
		}
		snaps, _, alerts = healthJobCounts(t, st, next.Format(time.DateOnly))
		for _, rel := range rels {
			if snaps[rel] != 1 || alerts[rel] != 1 {
				t.Errorf("next day, relationship %s: %d snapshots, %d silence alerts; want 1 each", rel, snaps[rel], alerts[rel])
			}
		}
	})
}

// A paced run stopped during its pause (shutdown) returns at once, leaves the
// chunk it wrote complete and nothing else, and the next run does the rest,
// judging and alerting every relationship exactly once.
func TestHealthSnapshotsStoppedMidRunResumeNextRun(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		st := healthJobStore(t, db, &recordLog{})
		rels := seedHealthRels(t, st, 10)
		now := time.Now().UTC().AddDate(0, 0, 60).Truncate(24 * time.Hour).Add(12 * time.Hour) // midday: the resumed run is the same day
		day := now.Format(time.DateOnly)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		firstChunk := make(chan struct{})
		var once sync.Once
		st.OnCommit(func(evs []event.Event) {
			if len(evs) > 0 && evs[0].Type == event.HealthAlert {
				once.Do(func() { close(firstChunk) })
			}
		})
		var stoppedAt time.Time
		go func() {
			<-firstChunk
			time.Sleep(50 * time.Millisecond) // well into the pause
			stoppedAt = time.Now()
			cancel()
		}()
		// A duty of one millionth rests a million times the chunk's work (many
		// seconds at the least): only the cancellation can end the run soon.
		n, err := st.RunHealthSnapshots(ctx, now, store.SnapshotOptions{Alerts: true, ChunkSize: 4, MaxDuty: 1e-6})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stopped run: %v, want context.Canceled", err)
		}
		if late := time.Since(stoppedAt); late > 5*time.Second {
			t.Fatalf("the run returned %s after it was stopped", late)
		}
		if n != 4 {
			t.Fatalf("stopped run judged %d, want the first chunk's 4", n)
		}
		snaps, states, alerts := healthJobCounts(t, st, day)
		if len(snaps) != 4 || len(states) != 4 || len(alerts) != 4 {
			t.Fatalf("after the stop: %d snapshots, %d states, %d alerts; want the first chunk's 4 of each", len(snaps), len(states), len(alerts))
		}
		for rel := range snaps {
			if states[rel] != 1 || alerts[rel] != 1 {
				t.Errorf("relationship %s of the written chunk: %d states, %d alerts", rel, states[rel], alerts[rel])
			}
		}

		n, err = st.RunHealthSnapshots(context.Background(), now.Add(time.Minute), store.SnapshotOptions{Alerts: true, ChunkSize: 4})
		if err != nil || n != len(rels)-4 {
			t.Fatalf("next run judged %d (%v), want the %d left", n, err, len(rels)-4)
		}
		snaps, states, alerts = healthJobCounts(t, st, day)
		for _, rel := range rels {
			if snaps[rel] != 1 || states[rel] != 1 || alerts[rel] != 1 {
				t.Errorf("relationship %s: %d snapshots, %d states, %d silence alerts; want 1 each", rel, snaps[rel], states[rel], alerts[rel])
			}
		}
	})
}

// recordLog is a slog handler that keeps every record, to read the job's
// per-chunk debug lines back.
type recordLog struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordLog) WithGroup(string) slog.Handler            { return h }
func (h *recordLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

type loggedChunk struct {
	rels        int
	work, pause time.Duration
}

// chunks returns the debug lines of day's snapshot chunks, in order.
func (h *recordLog) chunks(day string) []loggedChunk {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []loggedChunk
	for _, r := range h.records {
		if r.Message != "health snapshot chunk" || r.Level != slog.LevelDebug {
			continue
		}
		var c loggedChunk
		var ofDay bool
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "day":
				ofDay = a.Value.String() == day
			case "relationships":
				c.rels = int(a.Value.Int64())
			case "work":
				c.work = a.Value.Duration()
			case "pause":
				c.pause = a.Value.Duration()
			}
			return true
		})
		if ofDay {
			out = append(out, c)
		}
	}
	return out
}
