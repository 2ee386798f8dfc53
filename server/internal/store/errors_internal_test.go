package store

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mattn/go-sqlite3"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

// TestSQLiteWriteFailuresAreUnavailable: a database that cannot write now (a
// read-only file, a full disk, an I/O error such as EROFS, a held lock) is
// ErrUnavailable, which the HTTP layer answers 503 with Retry-After; a
// constraint violation, the caller's own doing, is not. The read-only and
// full-disk errors are SQLite's own; the I/O error is the one the server got
// in crashtest.TestSQLiteReadOnlyFS, rebuilt here by value.
func TestSQLiteWriteFailuresAreUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "errors.db")
	rw := openRaw(t, "file:"+path)
	if _, err := rw.Exec(`CREATE TABLE t (v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	_, constraint := rw.Exec(`INSERT INTO t (v) VALUES (NULL)`)
	var full error
	if _, err := rw.Exec(`PRAGMA max_page_count = 4`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && full == nil; i++ {
		_, full = rw.Exec(`INSERT INTO t (v) VALUES (?)`, strings.Repeat("x", 4096))
	}
	_, readonly := openRaw(t, "file:"+path+"?mode=ro").Exec(`INSERT INTO t (v) VALUES ('x')`)
	ioerr := sqlite3.Error{Code: sqlite3.ErrIoErr, ExtendedCode: sqlite3.ErrIoErrWrite, SystemErrno: syscall.EROFS}

	for _, c := range []struct {
		name        string
		err         error
		code        sqlite3.ErrNo
		unavailable bool
	}{
		{"read-only database file", readonly, sqlite3.ErrReadonly, true},
		{"full disk", full, sqlite3.ErrFull, true},
		{"I/O error (EROFS) on commit, wrapped by the committer", fmt.Errorf("%w (rolling back: no transaction is active)", ioerr), sqlite3.ErrIoErr, true},
		{"busy", sqlite3.Error{Code: sqlite3.ErrBusy}, sqlite3.ErrBusy, true},
		{"table locked", sqlite3.Error{Code: sqlite3.ErrLocked}, sqlite3.ErrLocked, true},
		{"NOT NULL violated", constraint, sqlite3.ErrConstraint, false},
	} {
		var se sqlite3.Error
		if !errors.As(c.err, &se) || se.Code != c.code {
			t.Errorf("%s: the database answered %v, want SQLite code %d", c.name, c.err, c.code)
			continue
		}
		if got := errors.Is(mapErr("write", c.err), errs.ErrUnavailable); got != c.unavailable {
			t.Errorf("%s (%v): unavailable = %v, want %v", c.name, c.err, got, c.unavailable)
		}
	}
}

// openRaw opens one SQLite connection without GORM.
func openRaw(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}
