// Package testutil starts real Rapport servers for tests: a real SQLite file or a
// real PostgreSQL schema, real HTTP through httptest, and every response checked
// against api/openapi.yaml.
package testutil

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/rapport/rapport/server/internal/app"
	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/config"
)

func init() {
	auth.BcryptCost = bcrypt.MinCost // hashing strength is not what the tests measure
}

// EnvDatabaseURL names the PostgreSQL server the tests use; CI sets it and
// EnvRequirePostgres, which turns a missing PostgreSQL into a failure.
const (
	EnvDatabaseURL     = "RAPPORT_TEST_DATABASE_URL"
	EnvRequirePostgres = "RAPPORT_REQUIRE_POSTGRES"
)

// DB is one database kind a test can run on.
type DB struct {
	Name string // "sqlite" or "postgres"
}

// Databases returns SQLite and, when configured, PostgreSQL. With
// RAPPORT_REQUIRE_POSTGRES=1 a missing PostgreSQL fails the test instead.
func Databases(t testing.TB) []DB {
	dbs := []DB{{Name: "sqlite"}}
	if os.Getenv(EnvDatabaseURL) != "" {
		dbs = append(dbs, DB{Name: "postgres"})
	} else if os.Getenv(EnvRequirePostgres) == "1" {
		t.Fatalf("%s is required (%s=1) but not set", EnvDatabaseURL, EnvRequirePostgres)
	}
	return dbs
}

// EachDB runs fn as a subtest on every database of Databases.
func EachDB(t *testing.T, fn func(t *testing.T, db DB)) {
	for _, db := range Databases(t) {
		t.Run(db.Name, func(t *testing.T) { fn(t, db) })
	}
}

var schemaCounter atomic.Int64

// PostgresSchema creates a fresh schema on the test PostgreSQL server and returns
// a URL whose connections use it; the schema is dropped when the test ends.
func PostgresSchema(t testing.TB) string {
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Fatalf("%s is not set", EnvDatabaseURL)
	}
	name := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaCounter.Add(1))
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if err := admin.Exec("CREATE SCHEMA " + name).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	sqlDB, _ := admin.DB()
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + name + " CASCADE")
		sqlDB.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// Config returns a configuration for a test server on db: a temp data folder, a
// fixed JWT secret, and PostgreSQL in its own schema when db is postgres.
func Config(t testing.TB, db DB) config.Config {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.JWTSecret = "test-secret-test-secret-test-secret-0123456789"
	cfg.LoginPerMinute = 1000
	if db.Name == "postgres" {
		cfg.DatabaseURL = PostgresSchema(t)
	}
	return cfg
}

// Logger returns a logger for test servers: quiet unless RAPPORT_TEST_LOG=1.
func Logger() *slog.Logger {
	if os.Getenv("RAPPORT_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// OpenApp opens an App on cfg and closes it when the test ends.
func OpenApp(t testing.TB, cfg config.Config) *app.App {
	a, err := app.Open(context.Background(), cfg, Logger())
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	return a
}

// Contains reports whether s contains every fragment.
func Contains(s string, fragments ...string) (string, bool) {
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			return f, false
		}
	}
	return "", true
}
