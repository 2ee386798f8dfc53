package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
)

// tx is one write transaction. Events emitted through it are written to the log in
// the same transaction and handed to the OnCommit listeners only after commit.
type tx struct {
	*gorm.DB
	s      *Store
	events []event.Event
}

// write runs fn in a write transaction and returns after its commit is durable.
// On SQLite fn is queued to the group committer (commit.go), which may commit it
// together with other writes, inside a savepoint of its own; on PostgreSQL it is
// a transaction of its own. Either way fn's changes and events commit together
// or not at all, and the events reach the OnCommit listeners only after commit.
func (s *Store) write(ctx context.Context, op string, fn func(tx *tx) error) error {
	if s.committer != nil {
		return mapErr(op, s.committer.submit(ctx, fn))
	}
	var t *tx
	err := s.w.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		t = &tx{DB: db, s: s}
		return fn(t)
	})
	if err != nil {
		return mapErr(op, err)
	}
	s.publish(t.events)
	return nil
}

// read returns the read handle bound to ctx. On SQLite the context's values are
// kept but not its cancellation: mattn/go-sqlite3 steps every row of a
// cancellable query on a goroutine of its own (measured: a third of a
// single-order read's CPU), and a read there never waits on a lock or a network,
// so it cannot hang; reads are index-bounded (TestHotQueryPlans). On PostgreSQL
// the deadline stays, to bound a database that stops answering.
func (s *Store) read(ctx context.Context) *gorm.DB { return s.r.WithContext(s.readCtx(ctx)) }

// readCtx is the context a read runs under (see read): on SQLite without its
// cancellation.
func (s *Store) readCtx(ctx context.Context) context.Context {
	if s.dialect == SQLite {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// emit appends ev to rel's log: it takes the next seq under the relationship's
// row lock (UPDATE … RETURNING), so seqs are gapless and ordered by commit even
// with concurrent writers on PostgreSQL. On PostgreSQL it also NOTIFYs, which is
// delivered to listeners only if the transaction commits.
func (t *tx) emit(relID string, actor access.Caller, actorSide access.Side, ev event.Event) (event.Event, error) {
	var seq int64
	found, err := t.scanRow(`UPDATE relationships SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq`, []any{relID}, &seq)
	if err != nil {
		return ev, fmt.Errorf("next seq: %w", err)
	}
	if !found || seq == 0 {
		return ev, fmt.Errorf("next seq for relationship %s: %w", relID, errs.ErrNotFound)
	}
	return t.emitSeq(relID, seq, actor, actorSide, ev)
}

// emitSeq appends ev to rel's log at seq, which the caller took from the
// relationship's last_seq earlier in this transaction (under its row lock).
func (t *tx) emitSeq(relID string, seq int64, actor access.Caller, actorSide access.Side, ev event.Event) (event.Event, error) {
	ev.RelationshipID = relID
	ev.Seq = seq
	ev.ActorID = actor.UserID
	ev.ActorSide = string(actorSide)
	if ev.At.IsZero() {
		ev.At = t.s.now()
	}
	if len(ev.Data) == 0 {
		ev.Data = []byte(`{}`)
	}
	// A plain INSERT: every write emits, and GORM's Create reflects over the struct each time.
	if err := t.exec(`INSERT INTO events (relationship_id, seq, type, subject_type, subject_id, actor_id, actor_side, at, data, plan_scope)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, relID, seq, ev.Type, ev.SubjectType, ev.SubjectID, ev.ActorID, ev.ActorSide,
		ev.At, string(ev.Data), ev.PlanScope); err != nil {
		return ev, fmt.Errorf("append event: %w", err)
	}
	if t.s.dialect == Postgres {
		if err := t.Exec(`SELECT pg_notify(?, ?)`, NotifyChannel, relID+":"+strconv.FormatInt(seq, 10)).Error; err != nil {
			return ev, fmt.Errorf("notify: %w", err)
		}
	}
	for _, hook := range emitHooks {
		if err := hook(t, ev); err != nil {
			return ev, fmt.Errorf("%s hook: %w", ev.Type, err)
		}
	}
	t.events = append(t.events, ev)
	return ev, nil
}

// emitHooks run inside the transaction for every event written (for example to
// derive per-user notifications atomically with the change). Register from init.
var emitHooks []func(t *tx, ev event.Event) error

// NotifyChannel is the PostgreSQL channel that announces committed events
// with the payload "relationship_id:seq".
const NotifyChannel = "rapport_events"

// emitRel is emit for a caller acting inside rel.
func (t *tx) emitRel(rel access.Rel, ev event.Event) (event.Event, error) {
	return t.emit(rel.ID, rel.Caller, rel.Side, ev)
}

// checkVersion compares an If-Match version with the current one (0: no If-Match).
func checkVersion(ifMatch, current int64) error {
	if ifMatch != 0 && ifMatch != current {
		return fmt.Errorf("version %d is not the current version %d: %w", ifMatch, current, errs.ErrStale)
	}
	return nil
}

// exec runs one statement of the write. On SQLite it goes straight to the
// connection's prepared statements: GORM's Exec builds the statement's text
// and converts its arguments again on every call, and the busiest writes
// (placing an order) run about ten statements each. On PostgreSQL it goes
// through GORM, which turns the ? placeholders into $1, $2, ….
func (t *tx) exec(query string, args ...any) error {
	_, err := t.execRows(query, args...)
	return err
}

// execRows is exec, and tells how many rows the statement changed.
func (t *tx) execRows(query string, args ...any) (int64, error) {
	if t.s.dialect != SQLite {
		res := t.Exec(query, args...)
		return res.RowsAffected, res.Error
	}
	res, err := t.Statement.ConnPool.ExecContext(t.Statement.Context, query, args...)
	if err != nil {
		return 0, t.translate(err)
	}
	return res.RowsAffected()
}

// query runs a query of the write; see exec. Its text must spell out every
// placeholder (no GORM "IN ?" expansion of a slice).
func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	if t.s.dialect != SQLite {
		return t.Raw(query, args...).Rows()
	}
	rows, err := t.Statement.ConnPool.QueryContext(t.Statement.Context, query, args...)
	return rows, t.translate(err)
}

// scanRow runs a query of the write (or a statement with RETURNING) and scans
// its first row into dest; false when it returns no row. See exec.
func (t *tx) scanRow(query string, args []any, dest ...any) (bool, error) {
	var row *sql.Row
	if t.s.dialect == SQLite {
		row = t.Statement.ConnPool.QueryRowContext(t.Statement.Context, query, args...)
	} else {
		row = t.Raw(query, args...).Row()
	}
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, t.translate(err)
}

// translate turns a driver error into GORM's (a unique key's violation into
// gorm.ErrDuplicatedKey), as GORM does for its own statements.
func (t *tx) translate(err error) error {
	if tr, ok := t.Dialector.(gorm.ErrorTranslator); ok && err != nil {
		return tr.Translate(err)
	}
	return err
}

// lockScan reads one row for update into dest, like lockRow, through scanRow.
func (t *tx) lockScan(query string, args []any, dest ...any) error {
	if t.s.dialect == Postgres {
		query += " FOR UPDATE"
	}
	found, err := t.scanRow(query, args, dest...)
	if err == nil && !found {
		err = errs.ErrNotFound
	}
	return err
}

// lockRow reads one row for update: FOR UPDATE on PostgreSQL; on SQLite the
// write transaction already holds the database's single write lock.
func (t *tx) lockRow(dest any, query string, args ...any) error {
	if t.s.dialect == Postgres {
		query += " FOR UPDATE"
	}
	res := t.Raw(query, args...).Scan(dest)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errs.ErrNotFound
	}
	return nil
}
