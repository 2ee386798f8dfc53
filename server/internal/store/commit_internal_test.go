package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/event"
)

// groupCommitStore is a migrated SQLite store with one relationship.
func groupCommitStore(t *testing.T) (*Store, string) {
	t.Helper()
	s, err := Open(Options{SQLitePath: filepath.Join(t.TempDir(), "rapport.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sup, admin, err := s.CreateOrg(ctx, "Supplier", account.NewUser{Email: "s@x.test", Name: "S", Role: "admin", Department: "sales"}, "h")
	if err != nil {
		t.Fatal(err)
	}
	buyer, _, err := s.CreateOrg(ctx, "Buyer", account.NewUser{Email: "b@x.test", Name: "B", Role: "admin", Department: "purchasing"}, "h")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := s.CreateRelationship(ctx, admin.Caller(), sup.ID, buyer.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s, rel
}

// emitAlert is a write that logs one system health alert in rel.
func emitAlert(rel string, data any) func(*tx) error {
	return func(t *tx) error {
		_, err := t.emit(rel, access.Caller{}, "system", event.New(event.HealthAlert, "relationship", rel, data))
		return err
	}
}

// holdWriter takes the single writer connection with an open write transaction,
// so the committer blocks on its next batch until release is called.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	held := s.w.Begin()
	if held.Error != nil {
		t.Fatal(held.Error)
	}
	var once sync.Once
	release = func() { once.Do(func() { held.Rollback() }) }
	t.Cleanup(release)
	return release
}

// waitQueued waits until n writes wait in the committer's queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.committer.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", len(s.committer.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// The writes that queue while a commit is in progress are committed together in
// one transaction; a write that fails or panics is rolled back alone, the others
// commit, the event log stays gapless and the listeners see the events in order.
func TestGroupCommitBatchesWritesAndIsolatesFailures(t *testing.T) {
	s, rel := groupCommitStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	var published []int64
	s.OnCommit(func(evs []event.Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range evs {
			if ev.RelationshipID == rel {
				published = append(published, ev.Seq)
			}
		}
	})
	_, baseCommits := s.WriteStats()
	emitOne := func(label string) func(*tx) error { return emitAlert(rel, map[string]any{"label": label}) }

	release := holdWriter(t, s)
	first := make(chan error, 1)
	go func() { first <- s.write(ctx, "first", emitOne("first")) }()
	// The committer has taken "first" and waits for the connection; the rest queue.
	time.Sleep(20 * time.Millisecond)

	const n = 20
	errsOut := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn := emitOne(fmt.Sprint(i))
			switch i {
			case 5, 9: // fail after writing: their event must not survive
				fn = func(t *tx) error {
					if err := emitOne("doomed")(t); err != nil {
						return err
					}
					return errors.New("refused")
				}
			case 12:
				fn = func(t *tx) error {
					if err := emitOne("doomed")(t); err != nil {
						return err
					}
					panic("boom")
				}
			}
			errsOut[i] = s.write(ctx, "queued", fn)
		}()
	}
	waitQueued(t, s, n)
	release()
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i, err := range errsOut {
		if wantErr := i == 5 || i == 9 || i == 12; (err != nil) != wantErr {
			t.Errorf("write %d: err %v, want error %v", i, err, wantErr)
		}
	}
	writes, commits := s.WriteStats()
	if got := commits - baseCommits; got != 2 {
		t.Errorf("%d commits for 1 + %d writes queued behind it, want 2", got, n)
	}
	if writes < n-3+1 {
		t.Errorf("writes = %d, want at least %d", writes, n-3+1)
	}

	evs, err := s.Events(ctx, access.Rel{ID: rel, Side: access.Supplier}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, ev := range evs {
		if ev.Type == event.HealthAlert {
			seqs = append(seqs, ev.Seq)
			if string(ev.Data) == `{"label":"doomed"}` {
				t.Errorf("a rolled-back write's event survived: seq %d", ev.Seq)
			}
		}
	}
	if len(seqs) != n-3+1 {
		t.Fatalf("%d events, want %d", len(seqs), n-3+1)
	}
	for i, ev := range evs {
		if i > 0 && ev.Seq != evs[i-1].Seq+1 {
			t.Errorf("gap in the log: %d after %d", ev.Seq, evs[i-1].Seq)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(published) != fmt.Sprint(seqs) {
		t.Errorf("listeners saw seqs %v, the log holds %v", published, seqs)
	}
}

// A write whose context ends while it waits in the queue never runs.
func TestGroupCommitSkipsWritesWhoseContextEnded(t *testing.T) {
	s, _ := groupCommitStore(t)
	release := holdWriter(t, s)
	go s.write(context.Background(), "first", func(*tx) error { return nil })
	time.Sleep(20 * time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- s.write(ctx, "late", func(*tx) error { ran <- struct{}{}; return nil })
	}()
	waitQueued(t, s, 1)
	cancel()
	release()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	select {
	case <-ran:
		t.Error("the write ran after its request was gone")
	default:
	}
}

// A batch that cannot commit answers every write in it with the failure, and
// nothing of it reaches the database or the listeners.
func TestGroupCommitFailedCommitFailsEveryWrite(t *testing.T) {
	s, rel := groupCommitStore(t)
	published := 0
	s.OnCommit(func(evs []event.Event) { published += len(evs) })
	ctx := context.Background()
	// The second write breaks the transaction itself (not just its savepoint):
	// after ROLLBACK, nothing of the batch is left to commit.
	release := holdWriter(t, s)
	go s.write(ctx, "first", func(*tx) error { return nil })
	time.Sleep(20 * time.Millisecond)
	results := make(chan error, 2)
	go func() {
		results <- s.write(ctx, "a", emitAlert(rel, nil))
	}()
	waitQueued(t, s, 1)
	go func() {
		results <- s.write(ctx, "b", func(t *tx) error {
			// ends the batch's transaction under the committer's feet
			return t.Exec("ROLLBACK").Error
		})
	}()
	waitQueued(t, s, 2)
	release()
	for range 2 {
		if err := <-results; err == nil {
			t.Error("a write of a batch that could not commit reported success")
		}
	}
	var n int64
	if err := s.r.Raw("SELECT COUNT(*) FROM events WHERE relationship_id = ? AND type = ?", rel, event.HealthAlert).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 || published != 0 {
		t.Errorf("%d events stored, %d published from a batch that did not commit", n, published)
	}
	// The committer goes on with the next writes.
	if err := s.write(ctx, "after", func(t *tx) error { return nil }); err != nil {
		t.Fatalf("write after a failed batch: %v", err)
	}
}

// Close answers the writes still queued; a write after Close fails at once.
func TestGroupCommitClose(t *testing.T) {
	s, _ := groupCommitStore(t)
	release := holdWriter(t, s)
	go s.write(context.Background(), "first", func(*tx) error { return nil })
	time.Sleep(20 * time.Millisecond)
	const n = 5
	results := make(chan error, n)
	for range n {
		go func() { results <- s.write(context.Background(), "queued", func(*tx) error { return nil }) }()
	}
	waitQueued(t, s, n)
	closed := make(chan struct{})
	go func() { s.committer.close(); close(closed) }()
	release()
	for range n {
		select {
		case err := <-results:
			if err != nil && !errors.Is(err, errClosed) {
				t.Errorf("queued write at close: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a queued write was never answered at close")
		}
	}
	<-closed
	if err := s.write(context.Background(), "after", func(*tx) error { return nil }); !errors.Is(err, errClosed) {
		t.Errorf("write after close: %v, want errClosed", err)
	}
}

// The committer keeps its savepoints' undo pages in memory: with SQLite's
// default temp_store, a write's statement journal spilled to a temporary file
// in /var/tmp past 64 KiB (252 files opened for 2,000 orders under strace).
func TestGroupCommitStatementJournalInMemory(t *testing.T) {
	s, _ := groupCommitStore(t)
	var store int
	err := s.write(context.Background(), "read temp_store", func(t *tx) error {
		return t.Raw("PRAGMA temp_store").Scan(&store).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	if store != 2 {
		t.Fatalf("committer connection: temp_store = %d, want 2 (MEMORY)", store)
	}
}

// The committer's connection leaves checkpoints to the background checkpointer
// (checkpoint.go): it never checkpoints inside a COMMIT, and SQLite cuts its
// WAL back to walLimit when the WAL starts over.
func TestGroupCommitLeavesCheckpointsToTheBackground(t *testing.T) {
	s, _ := groupCommitStore(t)
	var auto, limit int64
	err := s.write(context.Background(), "read pragmas", func(t *tx) error {
		if err := t.Raw("PRAGMA wal_autocheckpoint").Scan(&auto).Error; err != nil {
			return err
		}
		return t.Raw("PRAGMA journal_size_limit").Scan(&limit).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	if auto != 0 || limit != walLimit {
		t.Fatalf("committer connection: wal_autocheckpoint = %d, journal_size_limit = %d; want 0 and %d", auto, limit, walLimit)
	}
}

// Under steady writes a background checkpoint never reaches the WAL's end, so
// the WAL would only grow (PITFALLS.md): the committer must start it over once
// it grows. Four writers commit twice walLimit of pages without a pause; the
// WAL file must stay within walLimit and a few batches, every row must be
// there, and once the writes stop the background checkpointer must copy the
// whole WAL into the database file. That is seen from the file's size, which
// in WAL mode only a checkpoint grows: the test must not checkpoint itself.
func TestCheckpointsKeepTheWALBounded(t *testing.T) {
	s, _ := groupCommitStore(t)
	ctx := context.Background()
	if err := s.w.Exec("CREATE TABLE wal_filler (id INTEGER PRIMARY KEY, b BLOB NOT NULL)").Error; err != nil {
		t.Fatal(err)
	}
	const blob = 256 << 10
	const writers, each = 4, 2 * walLimit / blob / 4
	var wg sync.WaitGroup
	var maxWAL atomic.Int64
	errc := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if err := s.write(ctx, "fill", func(t *tx) error {
					return t.Exec("INSERT INTO wal_filler (b) VALUES (randomblob(?))", blob).Error
				}); err != nil {
					errc <- err
					return
				}
				if fi, err := os.Stat(s.sqlitePath + "-wal"); err == nil && fi.Size() > maxWAL.Load() {
					maxWAL.Store(fi.Size())
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if bound := int64(walLimit + writers*2*blob + 1<<20); maxWAL.Load() > bound {
		t.Errorf("the WAL reached %d bytes for %d bytes written; want at most %d", maxWAL.Load(), writers*each*blob, bound)
	}
	var rows int64
	if err := s.r.Raw("SELECT COUNT(*) FROM wal_filler").Scan(&rows).Error; err != nil || rows != writers*each {
		t.Fatalf("%d rows (%v), want %d", rows, err, writers*each)
	}
	// Idle now: the background checkpoints copy the rest of the WAL.
	written := int64(writers * each * blob)
	deadline := time.Now().Add(10 * time.Second)
	for {
		fi, err := os.Stat(s.sqlitePath)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() >= written {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the last write the database file holds %d bytes of the %d written", fi.Size(), written)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Store.Checkpoint takes a connection of the writer pool before the
// checkpoint lock: holding the lock while the pool is busy would stall the
// committer's and the background checkpoints behind whatever holds the pool.
// Here the test holds the pool's spare connection, and the lock must stay free.
func TestCheckpointTakesTheConnectionBeforeTheLock(t *testing.T) {
	s, _ := groupCommitStore(t)
	ctx := context.Background()
	wdb, err := s.w.DB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := wdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Checkpoint(ctx) }()
	time.Sleep(50 * time.Millisecond) // Checkpoint now waits for a connection
	if !s.committer.ckptMu.TryLock() {
		conn.Close()
		t.Fatal("Checkpoint holds the checkpoint lock while it waits for a connection")
	}
	s.committer.ckptMu.Unlock()
	conn.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Checkpoint did not finish once the connection was free")
	}
}

// The readiness check's query on the writer pool never waits for a checkpoint:
// the background checkpointer works on a connection of its own. Here a
// checkpoint is held up (the test holds the checkpoint lock while commits wake
// the checkpointer), and Ping must still answer at once.
func TestPingDoesNotWaitForACheckpoint(t *testing.T) {
	s, rel := groupCommitStore(t)
	ctx := context.Background()
	s.committer.ckptMu.Lock()
	locked := true
	defer func() {
		if locked {
			s.committer.ckptMu.Unlock()
		}
	}()
	for range 3 {
		if err := s.write(ctx, "wake the checkpointer", emitAlert(rel, nil)); err != nil {
			t.Fatal(err)
		}
	}
	// The checkpointer ran after the setup's commits and rests checkpointEvery;
	// after that it takes the pending wake-up and waits for the lock.
	time.Sleep(checkpointEvery + 200*time.Millisecond)
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.Ping(pingCtx); err != nil {
		t.Fatalf("Ping while a checkpoint is held up: %v", err)
	}
	s.committer.ckptMu.Unlock()
	locked = false
}
