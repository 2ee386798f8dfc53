package crashtest

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// sqlCapture records the SQL the store really sends, so the plan test checks
// the hot queries as written today, not copies of them that could drift.
type sqlCapture struct {
	mu      sync.Mutex
	on      bool
	queries []capturedSQL
}

type capturedSQL struct {
	sql  string
	vars []any
}

func (c *sqlCapture) record(tx *gorm.DB) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on && tx.Statement.SQL.Len() > 0 {
		c.queries = append(c.queries, capturedSQL{tx.Statement.SQL.String(), append([]any(nil), tx.Statement.Vars...)})
	}
}

// during returns every statement run by fn.
func (c *sqlCapture) during(fn func()) []capturedSQL {
	c.mu.Lock()
	c.on, c.queries = true, nil
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return c.queries
}

func captureSQL(t *testing.T, db *gorm.DB) *sqlCapture {
	c := &sqlCapture{}
	cb := db.Callback()
	err := firstErr(
		cb.Query().After("gorm:query").Register("crashtest:capture", c.record),
		cb.Row().After("gorm:row").Register("crashtest:capture", c.record),
		cb.Raw().After("gorm:raw").Register("crashtest:capture", c.record),
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// hotQuery is one query the portal runs on every request of its kind.
type hotQuery struct {
	name   string
	tables []string // tables that must be reached through an index
	run    func(ctx context.Context, s *store.Store, f *testutil.Fixture) error
	// direct lists what run executed outside GORM (prepared database/sql
	// statements), which the capture cannot see; called after run.
	direct func(s *store.Store) []capturedSQL
	// index, if set, must appear in the plan of one of the statements: for a
	// query whose fallback is an index walk too long to be a hot path, not a scan.
	index string
}

// hotQueries are the queries whose plans must use an index. Areas add theirs.
var hotQueries = []hotQuery{
	{name: "resolve relationship for caller", tables: []string{"relationships"},
		run: func(ctx context.Context, s *store.Store, f *testutil.Fixture) error {
			_, err := s.ResolveRel(ctx, f.BuyerA.Member.Caller(), f.RelA)
			return err
		}},
	{name: "events after seq", tables: []string{"events"},
		run: func(ctx context.Context, s *store.Store, f *testutil.Fixture) error {
			rel, err := s.ResolveRel(ctx, f.BuyerA.Member.Caller(), f.RelA)
			if err != nil {
				return err
			}
			_, err = s.Events(ctx, rel, 1, 50)
			return err
		}},
	// The live push's query (migration 0009 dropped the index on
	// (relationship_id, seq)): the unique (user_id, relationship_id, seq) serves it.
	{name: "notifications of a range of events", tables: []string{"notifications", "events"},
		run: func(ctx context.Context, s *store.Store, f *testutil.Fixture) error {
			users := []string{f.Supplier.Admin.User.ID, f.Supplier.Member.User.ID}
			_, err := s.NotificationsOfEvents(ctx, f.RelA, 1, 100, users)
			return err
		}},
	{name: "relationships of an organization", tables: []string{"relationships"},
		run: func(ctx context.Context, s *store.Store, f *testutil.Fixture) error {
			p, _ := store.NewPage(50, "")
			_, _, err := s.ListRelationships(ctx, f.Supplier.Member.Caller(), p)
			return err
		}},
}

// TestHotQueryPlans runs EXPLAIN QUERY PLAN (SQLite) or EXPLAIN with
// sequential scans disabled (PostgreSQL, so a usable index is always chosen)
// on the real SQL of each hot query, and fails when one of its tables is read
// by a full scan: a lost or unusable index fails CI, not production.
func TestHotQueryPlans(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		capR := captureSQL(t, s.Store.Reader())
		capW := capR
		if s.Store.Writer() != s.Store.Reader() {
			capW = captureSQL(t, s.Store.Writer())
		}
		// On SQLite most writes run on the group committer's connection.
		var capC *sqlCapture
		if cw := s.Store.CommitWriter(); cw != nil {
			capC = captureSQL(t, cw)
		}
		ctx := context.Background()
		for _, q := range hotQueries {
			t.Run(q.name, func(t *testing.T) {
				var runErr error
				var writes []capturedSQL
				run := func() { runErr = q.run(ctx, s.Store, f) }
				if capC != nil {
					inner := run
					run = func() { writes = append(writes, capC.during(inner)...) }
				}
				stmts := capR.during(func() {
					if capW == capR {
						run()
						return
					}
					writes = append(writes, capW.during(run)...)
				})
				stmts = append(stmts, writes...)
				if runErr != nil {
					t.Fatal(runErr)
				}
				if q.direct != nil {
					stmts = append(stmts, q.direct(s.Store)...)
				}
				if len(stmts) == 0 {
					t.Fatal("the query ran no SQL")
				}
				used := false
				for _, st := range stmts {
					for _, line := range checkPlan(t, s.Store, q, st) {
						used = used || q.index != "" && strings.Contains(line, q.index)
					}
				}
				if q.index != "" && !used {
					t.Errorf("%s: no plan uses the index %s", q.name, q.index)
				}
			})
		}
	})
}

var sqliteScan = regexp.MustCompile(`^SCAN (\w+)`)

// checkPlan explains one statement, fails on a full scan of a hot table, and
// returns the plan.
func checkPlan(t *testing.T, s *store.Store, q hotQuery, st capturedSQL) []string {
	t.Helper()
	plan, scans, err := fullScans(s, q.tables, st)
	if err != nil {
		t.Fatalf("explain %s: %v", st.sql, err)
	}
	for _, line := range scans {
		t.Errorf("%s: full scan %q\n%s\nplan:\n%s", q.name, line, st.sql, strings.Join(plan, "\n"))
	}
	t.Logf("%s\n%s", oneLine(st.sql), strings.Join(plan, "\n"))
	return plan
}

// fullScans explains st and returns its plan and the lines that read one of
// tables without an index.
func fullScans(s *store.Store, tables []string, st capturedSQL) (plan, scans []string, err error) {
	if plan, err = explain(s, st); err != nil {
		return nil, nil, err
	}
	for _, line := range plan {
		if s.Dialect() == store.SQLite {
			if m := sqliteScan.FindStringSubmatch(line); m != nil && scansHotTable(st.sql, m[1], tables) {
				scans = append(scans, line)
			}
			continue
		}
		for _, tb := range tables {
			if strings.Contains(line, "Seq Scan on "+tb) {
				scans = append(scans, line)
			}
		}
	}
	return plan, scans, nil
}

// TestPlanCheckCatchesScans proves the plan check can fail: a query on an
// unindexed column must be reported as a full scan on both databases.
func TestPlanCheckCatchesScans(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		s.Seed()
		for _, st := range []capturedSQL{
			{sql: "SELECT * FROM events WHERE type = ? ORDER BY seq LIMIT 50", vars: []any{"order.submitted"}},
			{sql: "SELECT e.* FROM events e WHERE e.data = ?", vars: []any{"{}"}},
		} {
			_, scans, err := fullScans(s.Store, []string{"events"}, st)
			if err != nil {
				t.Fatal(err)
			}
			if len(scans) == 0 {
				t.Errorf("the check did not flag a full scan in %q", st.sql)
			}
		}
	})
}

// scansHotTable resolves an alias in a SCAN line to its table.
func scansHotTable(sql, name string, tables []string) bool {
	for _, tb := range tables {
		if name == tb || regexp.MustCompile(`(?i)\b`+tb+`\s+(AS\s+)?`+name+`\b`).MatchString(sql) {
			return true
		}
	}
	return false
}

func explain(s *store.Store, st capturedSQL) ([]string, error) {
	var plan []string
	if s.Dialect() == store.SQLite {
		var rows []struct {
			ID, Parent, Notused int
			Detail              string
		}
		err := s.Reader().Raw("EXPLAIN QUERY PLAN "+st.sql, st.vars...).Scan(&rows).Error
		for _, r := range rows {
			plan = append(plan, r.Detail)
		}
		return plan, err
	}
	err := s.Writer().Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			return err
		}
		return tx.Raw("EXPLAIN "+st.sql, st.vars...).Scan(&plan).Error
	})
	return plan, err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
