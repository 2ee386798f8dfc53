package store

import (
	"encoding/base64"
	"strings"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

// Page is a cursor page request: at most Limit items after the key After.
type Page struct {
	Limit int
	After string // decoded cursor: the sort key of the last item of the previous page
	Desc  bool   // newest (largest key) first
}

// Default and maximum page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// NewPage validates a limit and an opaque cursor from a query string.
func NewPage(limit int, cursor string) (Page, error) {
	var v errs.Validator
	if limit == 0 {
		limit = DefaultLimit
	}
	v.Check(limit >= 1 && limit <= MaxLimit, "limit", "must be between 1 and %d", MaxLimit)
	after, err := DecodeCursor(cursor)
	v.Check(err == nil, "cursor", "is not a cursor this server issued")
	return Page{Limit: limit, After: after}, v.Err()
}

// EncodeCursor makes an opaque cursor from a sort key.
func EncodeCursor(key string) string {
	if key == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("k:" + key))
}

// DecodeCursor reverses EncodeCursor; "" decodes to "".
func DecodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "k:") || len(b) > 512 {
		return "", errs.Invalid("cursor", "is not a cursor this server issued")
	}
	return string(b[2:]), nil
}

// apply adds keyset pagination on col to q: a WHERE on the key, ORDER BY it, and
// one row more than the limit to learn whether there is a next page.
func (p Page) apply(q *gorm.DB, col string) *gorm.DB {
	if p.Desc {
		if p.After != "" {
			q = q.Where(col+" < ?", p.After)
		}
		return q.Order(col + " DESC").Limit(p.Limit + 1)
	}
	if p.After != "" {
		q = q.Where(col+" > ?", p.After)
	}
	return q.Order(col).Limit(p.Limit + 1)
}

// pageResult trims the extra row and returns the cursor of the next page.
func pageResult[T any](p Page, rows []T, key func(T) string) ([]T, string) {
	if len(rows) <= p.Limit {
		return rows, ""
	}
	rows = rows[:p.Limit]
	return rows, EncodeCursor(key(rows[len(rows)-1]))
}
