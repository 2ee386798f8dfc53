package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one versioned schema change, applied once, in version order.
type Migration struct {
	Version string // the file name's leading number, e.g. "0001"
	Name    string
	SQL     string
}

// Migrations lists every migration shipped in the binary, oldest first.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		version, _, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", name)
		}
		body, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: version, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies every migration not yet applied. Each runs in its own
// transaction, so a failed upgrade leaves the database at the last good version.
func (s *Store) Migrate(ctx context.Context) error { return s.MigrateTo(ctx, "") }

// MigrateTo applies migrations up to and including version ("" for all).
func (s *Store) MigrateTo(ctx context.Context, version string) error {
	all, err := Migrations()
	if err != nil {
		return err
	}
	db := s.w.WithContext(ctx)
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at ` + s.tsType() + ` NOT NULL)`).Error; err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := s.AppliedMigrations(ctx)
	if err != nil {
		return err
	}
	changed := false
	defer func() {
		if changed {
			s.forgetSchema(ctx)
		}
	}()
	for _, m := range all {
		if version != "" && m.Version > version {
			break
		}
		if applied[m.Version] {
			continue
		}
		changed = true
		err := db.Transaction(func(tx *gorm.DB) error {
			if s.dialect == Postgres {
				// statement_timeout bounds requests; rewriting a large table may take longer.
				if err := tx.Exec("SET LOCAL statement_timeout = 0").Error; err != nil {
					return fmt.Errorf("%s: %w", m.Name, err)
				}
			}
			for _, stmt := range splitSQL(s.dialectSQL(m.SQL)) {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("%s: %w\n%s", m.Name, err, stmt)
				}
			}
			return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.Version, m.Name, time.Now().UTC()).Error
		})
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		s.log.Info("migration applied", "version", m.Version, "name", m.Name)
	}
	return nil
}

// forgetSchema makes every SQLite connection other than the one that migrated
// read the new schema before its next statement. A connection keeps the schema
// it last saw, and a statement prepared against it is re-prepared only when it
// first steps; mattn/go-sqlite3 has counted the result columns by then, so a
// SELECT * prepared that way loses the columns a migration added. The
// committer's connection steps one statement that reads the schema, and the
// idle readers are closed (new ones load the schema as they open).
func (s *Store) forgetSchema(ctx context.Context) {
	if s.dialect != SQLite {
		return
	}
	if s.committer != nil {
		err := s.write(ctx, "read the new schema", func(t *tx) error {
			var n int64
			return t.Raw("SELECT count(*) FROM sqlite_schema").Scan(&n).Error
		})
		if err != nil {
			s.log.Warn("committer connection did not read the new schema", "err", err)
		}
	}
	if rdb, err := s.r.DB(); err == nil {
		rdb.SetMaxIdleConns(0)
		rdb.SetMaxIdleConns(readerConns)
	}
}

// AppliedMigrations returns the versions recorded as applied.
func (s *Store) AppliedMigrations(ctx context.Context) (map[string]bool, error) {
	var versions []string
	if err := s.w.WithContext(ctx).Raw(`SELECT version FROM schema_migrations`).Scan(&versions).Error; err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	out := make(map[string]bool, len(versions))
	for _, v := range versions {
		out[v] = true
	}
	return out, nil
}

func (s *Store) tsType() string {
	if s.dialect == Postgres {
		return "TIMESTAMPTZ"
	}
	return "TIMESTAMP"
}

// dialectSQL fills the placeholders that differ between SQLite and PostgreSQL.
func (s *Store) dialectSQL(sql string) string {
	blob, jsonAgg, jsonObject := "BLOB", "json_group_array", "json_object"
	if s.dialect == Postgres {
		blob, jsonAgg, jsonObject = "BYTEA", "json_agg", "json_build_object"
	}
	return strings.NewReplacer("{{TS}}", s.tsType(), "{{BLOB}}", blob, "{{JSON_AGG}}", jsonAgg, "{{JSON_OBJECT}}", jsonObject).Replace(sql)
}

// splitSQL splits a migration into statements: comments are dropped, and a
// statement ends with a semicolon at the end of a line.
func splitSQL(sql string) []string {
	var stmts []string
	var cur strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimRight(line, " \t\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(line, ";") {
			stmts = append(stmts, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		stmts = append(stmts, strings.TrimSpace(cur.String()))
	}
	return stmts
}
