package store

import "context"

// ExecSQL runs a statement on the writer, for tests that build a database as an
// older schema version left it.
func (s *Store) ExecSQL(ctx context.Context, sql string, args ...any) error {
	return s.w.WithContext(ctx).Exec(sql, args...).Error
}
