package realtime

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/store"
)

// Hinter receives hints about committed events; the Hub is one.
type Hinter interface {
	// Hint says relID's log has reached at least seq.
	Hint(relID string, seq int64)
	// Resync says hints may have been lost: read every followed log again.
	Resync()
	// Committed hands over events just committed by this instance (a hint
	// that carries the events, saving the log read when nothing is missing).
	Committed(evs []event.Event)
}

// Broker announces committed events to the hub: locally (one instance) or
// through PostgreSQL LISTEN/NOTIFY (several). It carries only "rel:seq"; the
// hub reads the events themselves from the log.
type Broker interface {
	// Run feeds h until ctx ends or the broker fails (the hub restarts it).
	Run(ctx context.Context, h Hinter) error
}

// LocalBroker forwards the store's commit callbacks: enough when this instance
// makes every write (SQLite).
type LocalBroker struct {
	target atomic.Pointer[Hinter]
}

// NewLocalBroker registers with st's commit listeners.
func NewLocalBroker(st *store.Store) *LocalBroker {
	b := &LocalBroker{}
	st.OnCommit(func(evs []event.Event) {
		if h := b.target.Load(); h != nil {
			(*h).Committed(evs)
		}
	})
	return b
}

// Run forwards commits to h until ctx ends.
func (b *LocalBroker) Run(ctx context.Context, h Hinter) error {
	b.target.Store(&h)
	defer b.target.Store(nil)
	h.Resync()
	<-ctx.Done()
	return ctx.Err()
}

// PGBroker LISTENs on store.NotifyChannel over a dedicated connection. After
// every (re)connection it asks the hub to resync, so events announced while it
// was away are read from the log: nothing is lost.
type PGBroker struct {
	URL string
	Log *slog.Logger
	pid atomic.Uint32
}

// PID is the backend pid of the current LISTEN connection (0 when none).
func (b *PGBroker) PID() uint32 { return b.pid.Load() }

// Run listens until ctx ends or the connection fails.
func (b *PGBroker) Run(ctx context.Context, h Hinter) error {
	conn, err := pgx.Connect(ctx, b.URL)
	if err != nil {
		return fmt.Errorf("listen connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+store.NotifyChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	b.pid.Store(conn.PgConn().PID())
	defer b.pid.Store(0)
	h.Resync()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		relID, seqText, ok := strings.Cut(n.Payload, ":")
		seq, perr := strconv.ParseInt(seqText, 10, 64)
		if !ok || perr != nil {
			b.Log.Warn("realtime: ignored malformed notification", "payload", n.Payload)
			continue
		}
		h.Hint(relID, seq)
	}
}
