package crashtest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// tableCounts counts the rows the load writes.
func tableCounts(t *testing.T, s *store.Store, tables ...string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tb := range tables {
		var n int64
		if err := s.Writer().Raw("SELECT COUNT(*) FROM " + tb).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

// TestBackupUnderLoad runs `rapport backup --to FILE` while writers keep going,
// then opens the backup as a database of its own: it must pass integrity_check,
// have a gapless event log, and hold every write acknowledged before the backup
// started and none that was never made.
func TestBackupUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	e := newEnv(t, testutil.DB{Name: "sqlite"})
	w := e.seed()
	srv := e.start()
	wl := backupWorkload()
	var stop atomic.Bool
	var acked atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				status, _, err := wl.send(context.Background(), e, w, newKey())
				if err != nil || !wl.settled(status) {
					mu.Lock()
					failures = append(failures, strings.TrimSpace(err2s(err, status)))
					mu.Unlock()
					continue
				}
				acked.Add(1)
			}
		}()
	}
	waitFor(t, 30*time.Second, "the load to write a few hundred orders", func() bool { return acked.Load() >= 300 })
	before := acked.Load()
	backup := filepath.Join(t.TempDir(), "backup.db")
	t0 := time.Now()
	out := e.cli("backup", "--to", backup)
	took := time.Since(t0)
	after := acked.Load()
	time.Sleep(200 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	srv.stop(t)
	for _, f := range failures {
		t.Errorf("write during the backup failed: %s", f)
	}
	if !strings.Contains(out, backup) {
		t.Errorf("backup printed %q", out)
	}

	restored := &env{t: t, dataDir: t.TempDir()}
	if err := copyTo(backup, filepath.Join(restored.dataDir, "rapport.db")); err != nil {
		t.Fatal(err)
	}
	bs := restored.openStore()
	defer bs.Close()
	checkIntegrity(t, bs)
	checkEventLog(t, bs.Writer())
	live := e.openStore()
	defer live.Close()
	lc, bc := tableCounts(t, live, wl.tables...), tableCounts(t, bs, wl.tables...)
	rows := wl.rowsOf(t, bs, w)
	t.Logf("backup took %v; acknowledged before it %d, during it %d; backup holds %v of live %v (%d written rows)", took.Round(time.Millisecond), before, after-before, bc, lc, rows)
	if rows < before || rows > after+4 {
		t.Errorf("backup holds %d written rows; %d were acknowledged before it started and at most %d by its end", rows, before, after+4)
	}
	for tb, n := range bc {
		if n > lc[tb] {
			t.Errorf("backup has more %s (%d) than the live database (%d)", tb, n, lc[tb])
		}
	}
}

// backupLoad is the write the backup test runs and how to count its rows.
type backupLoad struct {
	crashWorkload
	tables []string
	rowsOf func(t *testing.T, s *store.Store, w world) int64
}

var keyCounter atomic.Int64

func newKey() string { return "b" + strconv.FormatInt(keyCounter.Add(1), 10) }

func err2s(err error, status int) string {
	if err != nil {
		return err.Error()
	}
	return "status " + strconv.Itoa(status)
}

func copyTo(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// backupWorkload is the write that runs during the backup: orders.
func backupWorkload() backupLoad {
	return backupLoad{
		crashWorkload: ordersWorkload,
		tables:        []string{"orders", "order_lines", "events", "idempotency_keys"},
		rowsOf: func(t *testing.T, s *store.Store, w world) int64 {
			var n int64
			if err := s.Writer().Raw(`SELECT COUNT(*) FROM orders WHERE note = 'crash test'`).Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		},
	}
}
