package store

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

// The write statements that skip GORM's builder on SQLite (tx.exec, execRows,
// scanRow) must keep what GORM gave: a unique key's violation is
// gorm.ErrDuplicatedKey (so a conflict, 409, not a 500), the count of rows a
// statement changed, and "no row" as a plain false. They run in the committer's
// transaction: what one wrote, the next one reads.
func TestWriteStatementsOutsideGORMKeepItsContract(t *testing.T) {
	s, rel := groupCommitStore(t)
	ctx := context.Background()
	if s.committer == nil {
		t.Fatal("no group committer: the statements under test would go through GORM")
	}
	insert := `INSERT INTO events (relationship_id, seq, type, subject_type, subject_id, at) VALUES (?, ?, 'test.event', 'relationship', ?, ?)`
	var dupErr error
	err := s.write(ctx, "statements", func(tx *tx) error {
		if err := tx.exec(insert, rel, 1000, rel, s.now()); err != nil {
			return err
		}
		var n int64
		found, err := tx.scanRow(`SELECT COUNT(*) FROM events WHERE relationship_id = ? AND seq = ?`, []any{rel, 1000}, &n)
		if err != nil || !found || n != 1 {
			t.Errorf("the row the same write inserted: found %v, count %d, err %v", found, n, err)
		}
		var typ string
		found, err = tx.scanRow(`SELECT type FROM events WHERE relationship_id = ? AND seq = ?`, []any{rel, 1001}, &typ)
		if err != nil || found {
			t.Errorf("a row that does not exist: found %v, err %v; want false, nil", found, err)
		}
		changed, err := tx.execRows(`UPDATE events SET data = '{"x":1}' WHERE relationship_id = ? AND seq >= ?`, rel, 1000)
		if err != nil || changed != 1 {
			t.Errorf("update of one row: %d rows, err %v", changed, err)
		}
		changed, err = tx.execRows(`UPDATE events SET data = '{}' WHERE relationship_id = ? AND seq = ?`, rel, 1001)
		if err != nil || changed != 0 {
			t.Errorf("update of no row: %d rows, err %v", changed, err)
		}
		dupErr = tx.exec(insert, rel, 1000, rel, s.now())
		return dupErr
	})
	if !errors.Is(dupErr, gorm.ErrDuplicatedKey) {
		t.Errorf("duplicate key through exec: %v, want gorm.ErrDuplicatedKey", dupErr)
	}
	if !errors.Is(err, errs.ErrConflict) {
		t.Errorf("the write's error: %v, want a conflict", err)
	}
	// The write failed as a whole: its first insert is gone too.
	var n int64
	if err := s.r.Raw(`SELECT COUNT(*) FROM events WHERE relationship_id = ? AND seq = 1000`, rel).Scan(&n).Error; err != nil || n != 0 {
		t.Errorf("rows of the failed write: %d (err %v), want 0", n, err)
	}
}
