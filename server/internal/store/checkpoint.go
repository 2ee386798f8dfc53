package store

import (
	"context"
	"database/sql"
	"os"
	"time"
)

// WAL checkpoints off the commit path (SQLite).
//
// A checkpoint copies the pages the WAL holds back into the database file and
// syncs that file. By default SQLite runs one inside the COMMIT that takes the
// WAL past 1,000 pages, so the single writer stops for it. Placing an order
// dirties about fifteen pages scattered over the indexes, so every sixth
// commit or so copied about 1,000 random pages and synced the database: 37 %
// of the committer's time went to those commits (docs/PERFORMANCE.md).
//
// The committer's own connection therefore never checkpoints by itself
// (wal_autocheckpoint = 0). After commits, the checkpointer goroutine runs a
// PASSIVE checkpoint on a writer connection of its own, at most every
// checkpointEvery. It copies what is committed while the committer goes on
// writing: in WAL mode a checkpoint and a writer do not block each other.
//
// Such a checkpoint writes the pages into the database file but, when commits
// arrived while it ran, does not sync the file: SQLite syncs only a checkpoint
// that reached the WAL's end, and until one has, the WAL keeps every frame. So
// the checkpointer syncs the database file itself after each checkpoint, through
// a descriptor the store holds open until its connections are closed (closing
// any descriptor of the file would release SQLite's POSIX locks on it).
//
// Under steady writes a background checkpoint never reaches the WAL's end, and
// the WAL only starts over after one has, so on its own the WAL would grow
// without bound (PITFALLS.md). So once a background checkpoint finds the WAL
// at walRestartFrames or more, it repeats its pass until little is left to
// copy, and the committer checkpoints itself before its next batch: with no
// writer beside it, it copies the few commits since that pass and syncs, and
// its next transaction starts the WAL over from the beginning. The committer
// so pays for one small checkpoint per WAL cycle instead of a large one every
// few commits. As a hard bound, should the background checkpoints fall behind,
// the committer also does so before any batch that finds the WAL file past
// walLimit; journal_size_limit cuts the file back to walLimit when the WAL
// starts over, so the size tells.
//
// A checkpoint is not a commit: a commit is durable once its frames are in the
// WAL and the WAL is synced, which the committer's COMMIT does (synchronous=FULL).

const (
	// checkpointEvery spaces the background checkpoints, so each one copies
	// many commits' pages at once (a hot index page is copied once, not once
	// per commit) and syncs the database file once.
	checkpointEvery = 100 * time.Millisecond
	// walRestartFrames is the WAL size, in frames, at which a background
	// checkpoint asks the committer to start the WAL over (16 MiB of 4 KiB pages).
	walRestartFrames = 4096
	// restartResidue and restartPasses: before asking the committer to start
	// the WAL over, the checkpointer repeats its pass (at most restartPasses in
	// all) until one finds at most restartResidue new frames.
	restartResidue = 256
	restartPasses  = 4
	// walLimit is the WAL file size (bytes) past which the committer starts the
	// WAL over whatever the background checkpoints do.
	walLimit = 64 << 20
	// checkpointErrorEvery limits the log to one failed checkpoint per interval
	// (a full or read-only disk fails every one of them).
	checkpointErrorEvery = time.Minute
)

// walState is what PRAGMA wal_checkpoint reports: whether it could not run
// (another checkpoint held the lock), the WAL's size in frames, and how many of
// them are now in the database file.
type walState struct {
	Busy, Log, Checkpointed int
}

// checkpoint runs a PASSIVE checkpoint on conn; see checkpointMode.
func checkpoint(ctx context.Context, conn *sql.Conn) (walState, error) {
	return checkpointMode(ctx, conn, "PASSIVE")
}

// checkpointMode runs PRAGMA wal_checkpoint(mode) as a query on conn. A
// query, not Exec: with prepared statements an Exec of this pragma can leave
// a transaction open and silently stop commits (PITFALLS.md).
func checkpointMode(ctx context.Context, conn *sql.Conn, mode string) (walState, error) {
	var w walState
	err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&w.Busy, &w.Log, &w.Checkpointed)
	return w, err
}

// checkpoints runs the background checkpoints until the committer stops: one
// after commits, at most every checkpointEvery, each followed by a sync of the
// database file.
func (c *committer) checkpoints() {
	defer c.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-c.stop
		cancel() // a checkpoint in progress stops where it is; the next one resumes
	}()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		w, err := c.backgroundCheckpoint(ctx)
		// A WAL due to start over: copy what was committed during the last pass
		// too, until a pass finds little, so the committer's own checkpoint
		// has only a few commits left to copy.
		for pass := 1; err == nil && w.Log >= walRestartFrames && pass < restartPasses; pass++ {
			prev := w
			if w, err = c.backgroundCheckpoint(ctx); err != nil || w.Log < prev.Log || w.Log-prev.Log <= restartResidue {
				break
			}
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			c.checkpointFailed(err)
		} else if w.Log >= walRestartFrames {
			c.restartDue.Store(true)
		}
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// backgroundCheckpoint runs one background checkpoint on the checkpointer's
// connection and syncs the database file.
func (c *committer) backgroundCheckpoint(ctx context.Context) (walState, error) {
	c.ckptMu.Lock()
	defer c.ckptMu.Unlock()
	w, err := checkpoint(ctx, c.ckptConn)
	if err == nil && w.Checkpointed > 0 {
		err = c.s.dbFile.Sync()
	}
	return w, err
}

// afterCommit wakes the background checkpointer, unless it is already due to run.
func (c *committer) afterCommit() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// restartWAL tells whether the committer should checkpoint before its next
// batch: a background checkpoint asked for it, or the WAL file outgrew walLimit.
func (c *committer) restartWAL() bool {
	if c.restartDue.Swap(false) {
		return true
	}
	fi, err := os.Stat(c.s.sqlitePath + "-wal")
	return err == nil && fi.Size() > walLimit
}

// finishCheckpoint checkpoints on the committer's own connection, between two
// batches, what the background checkpoints have left, so the next transaction
// starts the WAL over. A background checkpoint in progress is waited for: it
// copies and syncs most of what this one would. If a reader still uses an
// older snapshot, the WAL cannot start over yet: the next background
// checkpoint asks again, and past walLimit the committer tries before every batch.
func (c *committer) finishCheckpoint() {
	c.ckptMu.Lock()
	defer c.ckptMu.Unlock()
	if _, err := checkpoint(context.Background(), c.conn); err != nil {
		c.checkpointFailed(err)
	}
}

// checkpointFailed logs a failed checkpoint, at most once per
// checkpointErrorEvery: the WAL keeps the commits, and a full or read-only
// disk would fail every checkpoint until it is fixed.
func (c *committer) checkpointFailed(err error) {
	now := time.Now().UnixNano()
	last := c.ckptErrAt.Load()
	if now-last >= int64(checkpointErrorEvery) && c.ckptErrAt.CompareAndSwap(last, now) {
		c.s.log.Warn("WAL checkpoint failed", "err", err)
	}
}
