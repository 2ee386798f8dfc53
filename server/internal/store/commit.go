package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/event"
)

// Group commit (SQLite).
//
// SQLite has one writer, and a durable commit (synchronous=FULL) costs an fsync
// of the WAL. Instead of one transaction and one fsync per request, every write
// is queued to the committer goroutine, which takes all the writes waiting at
// that moment (at most maxBatch) and runs them in ONE transaction, each inside a
// savepoint of its own. A write whose function fails is rolled back to its
// savepoint and answered with its error; the others are committed together with
// one fsync, and each caller is answered only after that commit is durable.
// There is no timer: while one batch commits, the next one gathers, so a lone
// request pays no wait and a busy server commits many requests per fsync.
//
// A request whose context ends while it waits in the queue is answered at once
// with its context's error and never runs (the committer skips it; an atomic
// state decides which of the two got there first, so a write is either skipped
// and reported failed, or run and its outcome awaited). Once it runs it runs to the end on a context
// without cancellation: an interrupted statement (SQLITE_INTERRUPT) rolls back
// the whole transaction, which would take the batch's other writes with it.
//
// The committer runs its transactions on a connection of its own, held for the
// store's life, with BEGIN IMMEDIATE / SAVEPOINT / COMMIT as statements rather
// than database/sql transactions: a statement prepared inside a database/sql
// transaction belongs to that transaction, and GORM's statement cache then
// prepares it again in every later one (measured: a fifth of the writer's time
// went to sqlite3_prepare). On a connection that lives on, each statement is
// prepared once.
//
// PostgreSQL has many connections and commits concurrently (and groups WAL
// flushes itself), so there every write is its own transaction, as before.

// maxBatch bounds the writes committed together, so one batch's latency stays small.
const maxBatch = 64

// errClosed answers writes queued after Close.
var errClosed = errors.New("store is closed")

// writeJob is one queued write and, once done is closed, its outcome.
type writeJob struct {
	state  atomic.Int32 // jobQueued, then jobRunning (committer) or jobAbandoned (caller)
	ctx    context.Context
	fn     func(*tx) error
	events []event.Event
	err    error
	done   chan struct{}
}

// Write job states.
const (
	jobQueued int32 = iota
	jobRunning
	jobAbandoned
)

// committer owns the SQLite writer connection for queued writes.
type committer struct {
	s     *Store
	conn  *sql.Conn // the committer's own writer connection
	db    *gorm.DB  // GORM over conn, with prepared statements
	queue chan *writeJob
	stop  chan struct{}
	wg    sync.WaitGroup

	// closing guards closed: submit queues under the read lock, close sets closed
	// under the write lock, so nothing is queued after the committer's last drain.
	closing sync.RWMutex
	closed  bool

	writes, commits atomic.Int64 // writes run and transactions committed

	// WAL checkpoints (checkpoint.go): kick wakes the background checkpointer
	// after commits; restartDue asks the committer to checkpoint so the WAL
	// starts over; ckptMu keeps its checkpoint from running beside a background one.
	kick       chan struct{}
	ckptConn   *sql.Conn // the background checkpointer's own writer connection
	restartDue atomic.Bool
	ckptMu     sync.Mutex
	ckptErrAt  atomic.Int64 // when a failed checkpoint was last logged (unix ns)
}

func newCommitter(s *Store, writer *sql.DB) (*committer, error) {
	conn, err := writer.Conn(context.Background())
	if err != nil {
		return nil, fmt.Errorf("open the committer's connection: %w", err)
	}
	// Each write runs in a SAVEPOINT, whose undo pages (the statement journal)
	// spill to a temporary file past 64 KiB by default: keep them in memory.
	// Checkpoints run off the commit path (checkpoint.go).
	for _, pragma := range []string{"PRAGMA temp_store = MEMORY", "PRAGMA wal_autocheckpoint = 0",
		fmt.Sprintf("PRAGMA journal_size_limit = %d", walLimit)} {
		if _, err := conn.ExecContext(context.Background(), pragma); err != nil {
			conn.Close()
			return nil, fmt.Errorf("open the committer's connection: %w", err)
		}
	}
	cfg := s.gormConfig()
	cfg.SkipDefaultTransaction = true // every statement already runs in the batch's transaction
	cfg.DisableAutomaticPing = true   // GORM pings a *sql.DB only; the connection is open already
	db, err := gorm.Open(sqlite.New(sqlite.Config{Conn: conn}), cfg)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("open the committer's connection: %w", err)
	}
	ckptConn, err := writer.Conn(context.Background())
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("open the checkpointer's connection: %w", err)
	}
	c := &committer{s: s, conn: conn, db: db, queue: make(chan *writeJob, 4*maxBatch), stop: make(chan struct{}),
		kick: make(chan struct{}, 1), ckptConn: ckptConn}
	c.wg.Add(2)
	go c.run()
	go c.checkpoints()
	return c, nil
}

// submit queues fn and waits for its outcome: fn's error, the batch's commit
// error, or ctx's error if ctx ends before fn started.
func (c *committer) submit(ctx context.Context, fn func(*tx) error) error {
	j := &writeJob{ctx: ctx, fn: fn, done: make(chan struct{})}
	c.closing.RLock()
	if c.closed {
		c.closing.RUnlock()
		return errClosed
	}
	select {
	case c.queue <- j:
		c.closing.RUnlock()
	case <-ctx.Done():
		c.closing.RUnlock()
		return ctx.Err()
	}
	select {
	case <-j.done:
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
			return ctx.Err() // the committer will skip it
		}
		<-j.done // it runs already: its outcome is the answer
	}
	return j.err
}

// close answers the queued writes with errClosed and stops the goroutine.
func (c *committer) close() {
	c.closing.Lock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
	c.closing.Unlock()
	c.wg.Wait()
	// Statements prepared on a *sql.Conn are not closed with it, and GORM's
	// PreparedStmtDB.Close closes its statements on goroutines of their own:
	// close each one here first, or SQLite keeps the connection open as a
	// zombie and the database stays locked after Store.Close.
	if p, ok := c.db.ConnPool.(*gorm.PreparedStmtDB); ok {
		for _, key := range p.Stmts.Keys() {
			if st, ok := p.Stmts.Get(key); ok {
				st.Close()
			}
		}
		p.Close()
	}
	c.ckptConn.Close()
	c.conn.Close()
}

func (c *committer) run() {
	defer c.wg.Done()
	batch := make([]*writeJob, 0, maxBatch)
	for {
		select {
		case <-c.stop:
			c.drain(errClosed)
			return
		case j := <-c.queue:
			batch = append(batch[:0], j)
		}
	gather:
		for len(batch) < maxBatch {
			select {
			case j := <-c.queue:
				batch = append(batch, j)
			default:
				break gather
			}
		}
		if c.restartWAL() {
			c.finishCheckpoint()
		}
		c.commit(batch)
		c.afterCommit()
		clear(batch)
	}
}

// drain answers every job still queued with err.
func (c *committer) drain(err error) {
	for {
		select {
		case j := <-c.queue:
			j.err = err
			close(j.done)
		default:
			return
		}
	}
}

// commit runs batch in one transaction, a savepoint per job, and answers each job.
func (c *committer) commit(batch []*writeJob) {
	ran := 0
	err := c.inTransaction(func(db *gorm.DB) error {
		for _, j := range batch {
			if !j.state.CompareAndSwap(jobQueued, jobRunning) {
				j.err = j.ctx.Err() // abandoned by its caller
				continue
			}
			ran++
			if err := c.exec("SAVEPOINT w"); err != nil {
				return err
			}
			t := &tx{DB: db.WithContext(context.WithoutCancel(j.ctx)), s: c.s}
			if err := c.s.runJob(j, t); err != nil {
				j.err = err
				if rerr := c.exec("ROLLBACK TO SAVEPOINT w"); rerr != nil {
					// SQLite rolled the whole transaction back (disk full, I/O
					// error): every write of the batch is lost with it.
					return fmt.Errorf("%w (rolling back: %v)", err, rerr)
				}
			} else {
				j.events = t.events
			}
			if err := c.exec("RELEASE SAVEPOINT w"); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && ran > 0 {
		c.commits.Add(1)
		for _, j := range batch {
			if j.err == nil {
				c.writes.Add(1)
			}
		}
	}
	if err != nil {
		// The batch did not commit: whatever its writes did is gone. A write that
		// failed by itself keeps its own error.
		for _, j := range batch {
			if j.err == nil {
				j.err, j.events = err, nil
			}
		}
	}
	c.s.dispatch(batch)
}

// inTransaction runs fn between BEGIN IMMEDIATE and COMMIT on the committer's
// connection, and rolls back when fn or the commit fails.
func (c *committer) inTransaction(fn func(db *gorm.DB) error) error {
	if err := c.exec("BEGIN IMMEDIATE"); err != nil {
		return err
	}
	err := fn(c.db)
	if err == nil {
		err = c.exec("COMMIT")
	}
	if err != nil {
		// After some errors SQLite has already rolled back; then this one fails
		// with "no transaction is active", which changes nothing.
		c.exec("ROLLBACK")
	}
	return err
}

// exec runs one of the committer's own statements (BEGIN, SAVEPOINT, COMMIT…)
// on its prepared statements, without GORM's statement builder (see tx.exec).
func (c *committer) exec(stmt string) error {
	_, err := c.db.Statement.ConnPool.ExecContext(context.Background(), stmt)
	return err
}

// WriteStats reports how many writes the group committer has committed and in
// how many transactions (zeros on PostgreSQL, which commits each write itself).
func (s *Store) WriteStats() (writes, commits int64) {
	if s.committer == nil {
		return 0, 0
	}
	return s.committer.writes.Load(), s.committer.commits.Load()
}

// runJob runs j's function in t; a panic becomes an error (logged with its
// stack), rolled back like any other, instead of killing the committer.
func (s *Store) runJob(j *writeJob, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in a write", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic in a write: %v", p)
		}
	}()
	return j.fn(t)
}

// dispatch publishes the batch's committed events in commit order, then
// answers the callers.
func (s *Store) dispatch(batch []*writeJob) {
	for _, j := range batch {
		if j.err == nil {
			s.publish(j.events)
		}
		close(j.done)
	}
}

// publish hands one committed write's events to the OnCommit listeners.
func (s *Store) publish(events []event.Event) {
	if len(events) == 0 {
		return
	}
	s.mu.RLock()
	listeners := s.onCommit
	s.mu.RUnlock()
	for _, fn := range listeners {
		fn(events)
	}
}
