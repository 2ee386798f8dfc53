// Package store is the GORM implementation of every domain store, on SQLite
// (embedded, one writer connection and a reader pool) or PostgreSQL.
//
// Object-level authorization lives here: every query for a shared object takes an
// access.Rel (a relationship already resolved for the caller) or the caller's org,
// and puts it in the WHERE clause. Nothing is loaded by id and checked afterwards.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
)

// Dialect names the database behind a Store.
type Dialect string

// The supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options configure Open.
type Options struct {
	SQLitePath  string // used when DatabaseURL is empty
	DatabaseURL string // postgres://…
	Synchronous string // SQLite synchronous pragma: FULL (default) or NORMAL
	Logger      *slog.Logger
	// StatementTimeout is PostgreSQL's statement_timeout for every connection
	// (0: the server's own, unless the URL sets one, which wins).
	StatementTimeout time.Duration
}

// Store is the database. Writes go through w (one connection on SQLite), reads
// through r (a pool of read-only connections on SQLite; the same pool on PostgreSQL).
type Store struct {
	w, r    *gorm.DB
	dialect Dialect
	log     *slog.Logger
	now     func() time.Time

	// relParties caches each relationship's [supplier, buyer] org ids (immutable).
	relParties sync.Map

	mu         sync.RWMutex
	onCommit   []func([]event.Event)
	sqlitePath string

	// committer group-commits the writes on SQLite (nil on PostgreSQL).
	committer *committer
	// dbFile is the SQLite database file, open only to sync it after background
	// checkpoints (checkpoint.go); closed after every connection.
	dbFile *os.File

	// orderRead is orderSQL prepared on the read pool (see Store.Order).
	orderReadMu sync.Mutex
	orderRead   *sql.Stmt
}

// gormConfig is the configuration of every handle: a new one each time, since
// GORM keeps a handle's state (its connection pool, statement cache) in it.
// The timestamps GORM fills in itself (an Update's updated_at) come from the
// store's clock, like every other time the store writes.
func (s *Store) gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:         logger.Discard,
		NowFunc:        func() time.Time { return s.now() },
		TranslateError: true,
		PrepareStmt:    true,
	}
}

// Open connects to the database described by opts; it does not migrate.
func Open(opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Store{log: opts.Logger, now: func() time.Time { return time.Now().UTC() }}
	if opts.DatabaseURL != "" {
		dsn, err := withStatementTimeout(opts.DatabaseURL, opts.StatementTimeout)
		if err != nil {
			return nil, err
		}
		db, err := gorm.Open(postgres.Open(dsn), s.gormConfig())
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		s.w, s.r, s.dialect = db, db, Postgres
		return s, nil
	}
	if err := os.MkdirAll(filepath.Dir(opts.SQLitePath), 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	sync := strings.ToUpper(opts.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	// Page caches: 16 MB for the writer, 4 MB for each of the 8 readers, so the
	// database's memory stays bounded (the OS page cache holds the rest).
	common := "_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on"
	w, err := gorm.Open(sqlite.Open(fmt.Sprintf("file:%s?%s&_cache_size=-16000&_synchronous=%s&_txlock=immediate", opts.SQLitePath, common, sync)), s.gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	// Three writer connections: the group committer keeps one for itself
	// (commit.go), the background checkpointer another (checkpoint.go); the third
	// serves migrations, the readiness check, planner statistics and
	// Store.Checkpoint, and never waits behind a checkpoint.
	wdb, _ := w.DB()
	wdb.SetMaxOpenConns(3)
	wdb.SetMaxIdleConns(3)
	wdb.SetConnMaxLifetime(0)
	// The writer connection creates the file and switches it to WAL before readers open it.
	if err := wdb.Ping(); err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	r, err := gorm.Open(sqlite.Open(fmt.Sprintf("file:%s?%s&_cache_size=-4000&_query_only=1", opts.SQLitePath, common)), s.gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	rdb, _ := r.DB()
	rdb.SetMaxOpenConns(readerConns)
	rdb.SetMaxIdleConns(readerConns)
	s.w, s.r, s.dialect, s.sqlitePath = w, r, SQLite, opts.SQLitePath
	if s.dbFile, err = os.Open(opts.SQLitePath); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite database file: %w", err), rdb.Close(), wdb.Close())
	}
	if s.committer, err = newCommitter(s, wdb); err != nil {
		return nil, errors.Join(err, rdb.Close(), wdb.Close(), s.dbFile.Close())
	}
	return s, nil
}

// readerConns is the size of SQLite's read-only connection pool.
const readerConns = 8

// withStatementTimeout adds statement_timeout (milliseconds) to a postgres://
// URL as a runtime parameter pgx sends at connect, so the server itself ends a
// statement that runs longer than a request may wait for it.
func withStatementTimeout(dsn string, timeout time.Duration) (string, error) {
	if timeout <= 0 {
		return dsn, nil
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("open postgres: the database URL must be a postgres:// URL")
	}
	q := u.Query()
	if q.Get("statement_timeout") != "" {
		return dsn, nil
	}
	q.Set("statement_timeout", strconv.FormatInt(timeout.Milliseconds(), 10))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Dialect reports which database is behind the store.
func (s *Store) Dialect() Dialect { return s.dialect }

// SetClock replaces the store's clock (tests and background jobs use it).
func (s *Store) SetClock(now func() time.Time) { s.now = func() time.Time { return now().UTC() } }

// Now is the store's current time, UTC.
func (s *Store) Now() time.Time { return s.now() }

// OnCommit registers fn to be called with the events of every committed write.
// It runs after the commit on the writer's goroutine (on SQLite the group
// committer's, before the batch's callers are answered): it must not block, and
// must not write through the store, which would wait on itself.
func (s *Store) OnCommit(fn func([]event.Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCommit = append(s.onCommit, fn)
}

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return fmt.Errorf("%w: %v", errs.ErrUnavailable, err)
	}
	if s.r != s.w {
		if err := s.w.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
			return fmt.Errorf("%w: %v", errs.ErrUnavailable, err)
		}
	}
	return nil
}

// Close closes every connection.
func (s *Store) Close() error {
	if s.committer != nil {
		s.committer.close()
	}
	var all []error
	for _, db := range []*gorm.DB{s.r, s.w} {
		if sqlDB, err := db.DB(); err == nil {
			all = append(all, sqlDB.Close())
		}
		if s.r == s.w {
			break
		}
	}
	if s.dbFile != nil {
		all = append(all, s.dbFile.Close())
	}
	return errors.Join(all...)
}

// Writer exposes the write handle for packages in this module that need raw
// access to the database (the load harness and tests); domain code never does.
func (s *Store) Writer() *gorm.DB { return s.w }

// CommitWriter exposes the group committer's handle on SQLite (where most
// writes run) for tests that watch the SQL; nil on PostgreSQL.
func (s *Store) CommitWriter() *gorm.DB {
	if s.committer == nil {
		return nil
	}
	return s.committer.db
}

// Reader exposes the read handle; see Writer.
func (s *Store) Reader() *gorm.DB { return s.r }

// Checkpoint copies the whole SQLite WAL into the database file and truncates
// it (a no-op on PostgreSQL), after the background checkpoint in progress, if
// any (checkpoint.go). It takes a connection of the writer pool before the
// checkpoint lock, so the lock is never held while the pool is busy (a
// migration or planner statistics may hold the connection for a while).
func (s *Store) Checkpoint(ctx context.Context) error {
	if s.dialect != SQLite {
		return nil
	}
	wdb, err := s.w.DB()
	if err != nil {
		return err
	}
	conn, err := wdb.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	s.committer.ckptMu.Lock()
	defer s.committer.ckptMu.Unlock()
	res, err := checkpointMode(ctx, conn, "TRUNCATE")
	if err != nil {
		return err
	}
	if res.Busy != 0 {
		return errors.New("checkpoint: the WAL is still in use")
	}
	return nil
}

var (
	idCounter atomic.Uint32
	idEnc     = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)
)

// NewID returns a new opaque id: 48 bits of milliseconds, a 16-bit counter and
// 56 random bits, so ids sort by creation time and never collide in practice.
func NewID() string {
	var b [15]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(time.Now().UnixMilli())<<16|uint64(idCounter.Add(1)&0xffff))
	_, _ = rand.Read(b[8:])
	return idEnc.EncodeToString(b[:])
}

// mapErr turns database errors into domain errors; unknown ones are wrapped so
// the HTTP layer logs them and answers 500 (or 503 when the database is down).
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", op, errs.ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w", op, errs.Conflictf("it already exists"))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", op, err) // the HTTP layer answers 499 or 503 with Retry-After
	}
	var d *errs.Detailed
	var v *errs.ValidationError
	if errors.As(err, &d) || errors.As(err, &v) || errors.Is(err, errs.ErrNotFound) || errors.Is(err, errs.ErrForbidden) ||
		errors.Is(err, errs.ErrConflict) || errors.Is(err, errs.ErrStale) || errors.Is(err, errs.ErrGone) ||
		errors.Is(err, errs.ErrUnauthorized) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if isUnavailable(err) {
		return fmt.Errorf("%s: %w: %v", op, errs.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isUnavailable recognises a database that cannot serve: connection refused or
// reset, PostgreSQL shutting down or ending a statement at statement_timeout
// (57014), a deadline that lost its wrapping, SQLite busy, read-only or out of disk.
func isUnavailable(err error) bool {
	// SQLite's result code says it whatever the message: an I/O error (EROFS, EIO
	// on the database or WAL file), a full disk, a read-only file, a held lock.
	var sqliteErr sqlite3.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code {
		case sqlite3.ErrIoErr, sqlite3.ErrFull, sqlite3.ErrReadonly, sqlite3.ErrBusy, sqlite3.ErrLocked:
			return true
		}
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{
		"connection refused", "connection reset", "broken pipe", "bad connection", "no connection",
		"database is locked", "readonly database", "read-only", "disk is full", "disk i/o error",
		"database or disk is full", "terminating connection", "the database system is", "failed to connect",
		"conn closed", "unexpected eof", "i/o timeout", "sqlstate 57p", "sqlstate 08",
		"sqlstate 57014", "statement timeout", "context deadline exceeded",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Optimize keeps SQLite's query planner statistics current: a sampled ANALYZE
// the first time (a bounded cost even on a large database), PRAGMA optimize after.
// Without statistics SQLite can pick a relationship-wide index over a selective one.
func (s *Store) Optimize(ctx context.Context) error {
	if s.dialect != SQLite {
		return nil // PostgreSQL's autovacuum keeps its statistics
	}
	var stats int64
	s.w.WithContext(ctx).Raw("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").Scan(&stats)
	stmt := "PRAGMA optimize"
	if stats == 0 {
		stmt = "ANALYZE"
	}
	var limit int64
	if err := s.w.WithContext(ctx).Raw("PRAGMA analysis_limit = 400").Scan(&limit).Error; err != nil {
		return fmt.Errorf("optimize: %w", err)
	}
	var ignored []struct{}
	if err := s.w.WithContext(ctx).Raw(stmt).Scan(&ignored).Error; err != nil {
		return fmt.Errorf("optimize: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the live SQLite database to path with
// VACUUM INTO, while writers go on. PostgreSQL is backed up with pg_dump.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return errors.New("backup: on PostgreSQL use pg_dump")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	// A connection of its own: the readers are query-only and the writer must stay
	// free for the load that goes on while the backup runs.
	db, err := gorm.Open(sqlite.Open(fmt.Sprintf("file:%s?_busy_timeout=10000", s.sqlitePath)), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	var ignored []struct{}
	if err := db.WithContext(ctx).Raw("VACUUM INTO ?", abs).Scan(&ignored).Error; err != nil {
		os.Remove(abs)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}
