package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

func openStore(t *testing.T, db testutil.DB) *store.Store {
	t.Helper()
	cfg := testutil.Config(t, db)
	st, err := store.Open(store.Options{SQLitePath: cfg.SQLitePath(), DatabaseURL: cfg.DatabaseURL, Logger: testutil.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A database made by the first schema version upgrades in place to the current
// one without losing rows.
func TestMigrateUpgradesVersionOneInPlace(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		ctx := context.Background()
		st := openStore(t, db)
		if err := st.MigrateTo(ctx, "0001"); err != nil {
			t.Fatal(err)
		}
		org, admin, err := st.CreateOrg(ctx, "Old Co", account.NewUser{Email: "old@co.test", Name: "Old", Role: "admin", Department: "sales"}, "hash")
		if err != nil {
			t.Fatal(err)
		}
		buyer, _, err := st.CreateOrg(ctx, "Old Buyer", account.NewUser{Email: "buyer@co.test", Name: "B", Role: "admin", Department: "purchasing"}, "hash")
		if err != nil {
			t.Fatal(err)
		}
		relID, err := st.CreateRelationship(ctx, admin.Caller(), org.ID, buyer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		all, _ := store.Migrations()
		applied, err := st.AppliedMigrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range all {
			if !applied[m.Version] {
				t.Errorf("migration %s not applied", m.Name)
			}
		}
		if err := st.Migrate(ctx); err != nil {
			t.Fatalf("migrating twice must be a no-op: %v", err)
		}
		if _, err := st.UserByID(ctx, admin.ID); err != nil {
			t.Errorf("user lost in upgrade: %v", err)
		}
		rel, err := st.ResolveRel(ctx, admin.Caller(), relID)
		if err != nil {
			t.Fatalf("relationship lost in upgrade: %v", err)
		}
		evs, err := st.Events(ctx, rel, 0, 10)
		if err != nil || len(evs) != 1 || evs[0].Type != event.RelationshipCreated || evs[0].Seq != 1 {
			t.Errorf("events after upgrade = %+v, %v", evs, err)
		}
	})
}

// Concurrent writers to one relationship get gapless, strictly increasing seqs.
func TestEventSeqGaplessUnderConcurrentWriters(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		ctx := context.Background()
		st := openStore(t, db)
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		sup, supAdmin, _ := st.CreateOrg(ctx, "S", account.NewUser{Email: "s@s.test", Name: "S", Role: "admin", Department: "sales"}, "h")
		buyer, buyerAdmin, _ := st.CreateOrg(ctx, "B", account.NewUser{Email: "b@b.test", Name: "B", Role: "admin", Department: "sales"}, "h")
		relID, err := st.CreateRelationship(ctx, supAdmin.Caller(), sup.ID, buyer.ID)
		if err != nil {
			t.Fatal(err)
		}
		const writers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					_, err := st.AddUser(ctx, buyerAdmin.Caller(), buyer.ID, account.NewUser{
						Email: fmt.Sprintf("u%d-%d@b.test", w, i), Name: "U", Role: "member", Department: "other"}, "h")
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rel, _ := st.ResolveRel(ctx, supAdmin.Caller(), relID)
		evs, err := st.Events(ctx, rel, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1+writers*each {
			t.Fatalf("%d events, want %d", len(evs), 1+writers*each)
		}
		for i, ev := range evs {
			if ev.Seq != int64(i+1) {
				t.Fatalf("event %d has seq %d: not gapless", i, ev.Seq)
			}
		}
		last, _ := st.LastSeq(ctx, relID)
		if last != int64(len(evs)) {
			t.Fatalf("last_seq %d, want %d", last, len(evs))
		}
	})
}

// Store.Checkpoint truncates the WAL while the group committer and the
// background checkpointer run, and leaves no transaction open behind it
// (PITFALLS.md): writes keep committing. The WAL's bound under steady writes is
// TestCheckpointsKeepTheWALBounded.
func TestSQLiteCheckpointKeepsCommitsGoing(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, testutil.DB{Name: "sqlite"})
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, u, _ := st.CreateOrg(ctx, "W", account.NewUser{Email: "w@w.test", Name: "W", Role: "admin", Department: "sales"}, "h")
	for i := 0; i < 300; i++ {
		if err := st.SaveRefreshToken(ctx, u.ID, "fam", fmt.Sprintf("hash-%d", i), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	path := sqliteFile(t, st)
	if err := st.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() != 0 {
		t.Fatalf("after a TRUNCATE checkpoint the WAL is %v (%v), want empty", fi, err)
	}
	// The checkpoint must not have left a transaction open: writes still commit.
	if err := st.SaveRefreshToken(ctx, u.ID, "fam", "after-checkpoint", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// sqliteFile is the path of st's SQLite database file.
func sqliteFile(t *testing.T, st *store.Store) string {
	t.Helper()
	rows, err := st.Reader().Raw("PRAGMA database_list").Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var name, file string
		if err := rows.Scan(&seq, &name, &file); err != nil {
			t.Fatal(err)
		}
		if name == "main" {
			return file
		}
	}
	t.Fatal("no main database")
	return ""
}

func TestNewIDIsUniqueAndOrdered(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 10000; i++ {
		id := store.NewID()
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
		if id[:9] < prev[:min(9, len(prev))] { // the first 45 bits are milliseconds
			t.Fatalf("ids not time-ordered: %s after %s", id, prev)
		}
		prev = id
	}
}

func TestCursorRoundTripAndRejectsForgery(t *testing.T) {
	c := store.EncodeCursor("abc")
	if k, err := store.DecodeCursor(c); err != nil || k != "abc" {
		t.Fatalf("round trip = %q, %v", k, err)
	}
	for _, bad := range []string{"!!!", "YWJj", "a", "%00"} {
		if _, err := store.DecodeCursor(bad); err == nil {
			t.Errorf("forged cursor %q accepted", bad)
		}
	}
	if _, err := store.NewPage(201, ""); err == nil {
		t.Error("limit 201 accepted")
	}
}

// Optimize gathers planner statistics once, and writes still commit afterwards.
func TestOptimizeGathersStatisticsAndKeepsWriting(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, testutil.DB{Name: "sqlite"})
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, u, _ := st.CreateOrg(ctx, "O", account.NewUser{Email: "o@o.test", Name: "O", Role: "admin", Department: "sales"}, "h")
	for i := 0; i < 2; i++ { // first ANALYZE, then PRAGMA optimize
		if err := st.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var stats int64
	st.Reader().Raw("SELECT COUNT(*) FROM sqlite_stat1").Scan(&stats)
	if stats == 0 {
		t.Fatal("no planner statistics after Optimize")
	}
	if err := st.SaveRefreshToken(ctx, u.ID, "fam", "after-optimize", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// Close lets go of the SQLite file: after writes through the group committer
// (whose statements are prepared on its own connection), another program can
// take the database for itself, as switching it out of WAL needs.
func TestCloseReleasesTheDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rapport.db")
	st, err := store.Open(store.Options{SQLitePath: path, Logger: testutil.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.CreateOrg(ctx, "Closing Co", account.NewUser{Email: "c@close.test", Name: "C", Role: "admin", Department: "sales"}, "hash"); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=2000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode=DELETE").Scan(&mode); err != nil || mode != "delete" {
		t.Fatalf("after Close, leaving WAL: %q, %v (a connection of the closed store is still open)", mode, err)
	}
}
