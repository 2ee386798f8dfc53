package store

import (
	"errors"
	"testing"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

// FuzzDecodeCursor feeds arbitrary cursors (they come straight from query
// strings). Decoding must never panic, must fail only with a validation error
// naming the cursor, and what it accepts must round-trip: the server only ever
// continues from keys it could have issued.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"", EncodeCursor("01hzy3k"), EncodeCursor("2026-01-01|abc"), "azpBQkM", "!!!", "a2o", "==", EncodeCursor(string(make([]byte, 600)))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		key, err := DecodeCursor(cursor)
		if err != nil {
			var v *errs.ValidationError
			if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != "cursor" {
				t.Fatalf("DecodeCursor(%q) failed with %v; want a validation error on cursor", cursor, err)
			}
			return
		}
		if len(key) > 510 {
			t.Fatalf("DecodeCursor(%q) accepted a %d-byte key", cursor, len(key))
		}
		back, err := DecodeCursor(EncodeCursor(key))
		if err != nil || back != key {
			t.Fatalf("key %q does not round-trip: %q %v", key, back, err)
		}
	})
}

// FuzzNewPage checks the page request built from ?limit=&cursor=: either a
// validation error, or a limit within bounds.
func FuzzNewPage(f *testing.F) {
	f.Add(0, "")
	f.Add(50, EncodeCursor("k"))
	f.Add(-1, "x")
	f.Add(MaxLimit+1, "")
	f.Add(1<<62, "")
	f.Fuzz(func(t *testing.T, limit int, cursor string) {
		p, err := NewPage(limit, cursor)
		if err != nil {
			var v *errs.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("NewPage(%d, %q): %v is not a validation error", limit, cursor, err)
			}
			return
		}
		if p.Limit < 1 || p.Limit > MaxLimit {
			t.Fatalf("NewPage(%d, %q) accepted limit %d", limit, cursor, p.Limit)
		}
	})
}
