package httpapi_test

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// BenchmarkHealth measures the two figures issue 7 sets: the daily snapshot job
// over 1,000 relationships with about a million events (< 10 s), and GET
// /health/overview for a supplier with 1,000 customers (p99 < 100 ms).
//
//	go test ./server/internal/httpapi -run '^$' -bench BenchmarkHealth -benchtime 5x
//
// RAPPORT_BENCH_RELS and RAPPORT_BENCH_EVENTS change the dataset's size.
func BenchmarkHealth(b *testing.B) {
	rels, events := healthEnvInt("RAPPORT_BENCH_RELS", 1000), healthEnvInt("RAPPORT_BENCH_EVENTS", 1000)
	for _, db := range testutil.Databases(b) {
		b.Run(db.Name, func(b *testing.B) {
			s := testutil.NewServer(b, db)
			f := s.Seed()
			base := healthNoon(time.Now().UTC()).AddDate(0, 0, 1)
			start := time.Now()
			total := generateHealthDataset(b, s, f.Supplier.Org.ID, base, rels, events)
			b.Logf("dataset: %d relationships, %d events, generated in %s", rels, total, time.Since(start).Round(time.Millisecond))
			settleHealthBench(b, s)
			s.Store.SetClock(func() time.Time { return base })

			next := 0
			b.Run("snapshot_job", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					next++ // every run is a new day: the job is idempotent per day
					if n := runHealthJob(b, s, base.AddDate(0, 0, next)); n != rels+3 {
						b.Fatalf("judged %d relationships, want %d", n, rels+3)
					}
				}
			})
			settleHealthBench(b, s)
			b.Run("overview", func(b *testing.B) {
				benchHealthOverview(b, s, f.Supplier.Member.Token, "")
			})
			b.Run("overview_limit_200_at_risk", func(b *testing.B) {
				benchHealthOverview(b, s, f.Supplier.Member.Token, "?limit=200&status=at_risk")
			})
		})
	}
}

// settle gives the database what a long-lived one has after a healthBulk load:
// planner statistics (and, on PostgreSQL, a vacuum), so that autovacuum does
// not run in the middle of the measurement.
func settleHealthBench(b *testing.B, s *testutil.Server) {
	stmt := "ANALYZE"
	if s.Store.Dialect() == store.Postgres {
		stmt = "VACUUM ANALYZE"
	}
	if err := s.Store.Writer().Exec(stmt).Error; err != nil {
		b.Fatalf("%s: %v", stmt, err)
	}
}

// healthOverviewSamples is how many requests each overview measurement times at
// least, so that the p99 rests on enough samples whatever -benchtime says.
const healthOverviewSamples = 1000

// benchHealthOverview times GET /health/overview over HTTP and reports p50 and p99.
func benchHealthOverview(b *testing.B, s *testutil.Server, token, query string) {
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/health/overview"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	n := max(b.N, healthOverviewSamples)
	lat := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		res, err := s.Client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var buf [4096]byte
		for {
			if _, err := res.Body.Read(buf[:]); err != nil {
				break
			}
		}
		res.Body.Close()
		lat = append(lat, time.Since(t0))
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	if os.Getenv("RAPPORT_BENCH_DEBUG") != "" {
		for i, l := range lat {
			if l > 10*time.Millisecond {
				b.Logf("request %d took %s", i, l)
			}
		}
	}
	var sum time.Duration
	for _, l := range lat {
		sum += l
	}
	b.ReportMetric(float64(sum.Nanoseconds())/float64(n), "ns/op")
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}

// healthBulk buffers rows of one table and writes them as multi-row INSERTs.
type healthBulk struct {
	b     testing.TB
	db    *gorm.DB
	table string
	cols  []string
	rows  []any
	n     int
}

func newHealthBulk(b testing.TB, db *gorm.DB, table string, cols ...string) *healthBulk {
	return &healthBulk{b: b, db: db, table: table, cols: cols}
}

func (k *healthBulk) add(vals ...any) {
	k.rows = append(k.rows, vals...)
	k.n++
	if k.n*len(k.cols) >= 30000 { // under SQLite's and PostgreSQL's parameter limits
		k.flush()
	}
}

func (k *healthBulk) flush() {
	if k.n == 0 {
		return
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(k.cols)), ",") + ")"
	sql := "INSERT INTO " + k.table + " (" + strings.Join(k.cols, ",") + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+",", k.n), ",")
	if err := k.db.Exec(sql, k.rows...).Error; err != nil {
		k.b.Fatalf("healthBulk insert into %s: %v", k.table, err)
	}
	k.rows, k.n = k.rows[:0], 0
}

// generateHealthDataset gives supplier rels customers, each a year of history:
// events (half by the buyer; a quarter of the buyers fall silent for up to 90
// days), 24 orders, 6 tickets, 20 comments, 6 promises, 2 ideas and 3
// forecast revisions. It returns the number of events written.
func generateHealthDataset(b testing.TB, s *testutil.Server, supplier string, base time.Time, rels, events int) int {
	total := 0
	err := s.Store.Writer().Transaction(func(tx *gorm.DB) error {
		product := store.NewID()
		if err := tx.Exec(`INSERT INTO products (id, supplier_org_id, sku, name, unit_price, currency, created_at, updated_at) VALUES (?, ?, ?, 'Press', 1000, 'EUR', ?, ?)`,
			product, supplier, "BENCH-"+product, base, base).Error; err != nil {
			return err
		}
		orgs := newHealthBulk(b, tx, "orgs", "id", "name", "created_at")
		users := newHealthBulk(b, tx, "users", "id", "org_id", "email", "name", "password_hash", "role", "department", "active", "created_at")
		relsB := newHealthBulk(b, tx, "relationships", "id", "supplier_org_id", "buyer_org_id", "last_seq", "silence_threshold_days", "created_at")
		evs := newHealthBulk(b, tx, "events", "relationship_id", "seq", "type", "subject_type", "subject_id", "actor_id", "actor_side", "at", "data")
		orders := newHealthBulk(b, tx, "orders", "id", "relationship_id", "number", "status", "promised_date", "currency", "total", "placed_by", "created_at", "updated_at", "delivered_at")
		lines := newHealthBulk(b, tx, "order_lines", "order_id", "line_no", "product_id", "sku", "name", "quantity", "unit_price", "line_total")
		tickets := newHealthBulk(b, tx, "tickets", "id", "relationship_id", "number", "type", "severity", "title", "status", "opened_by", "opened_side",
			"first_response_due_at", "resolution_due_at", "first_responded_at", "resolved_at", "created_at", "updated_at")
		comments := newHealthBulk(b, tx, "comments", "id", "relationship_id", "subject_type", "subject_id", "author_id", "author_side", "body", "created_at")
		promises := newHealthBulk(b, tx, "promises", "id", "relationship_id", "description", "kind", "owner_id", "due_date", "status", "created_by", "created_at", "resolved_at")
		ideas := newHealthBulk(b, tx, "ideas", "id", "relationship_id", "author_id", "author_side", "title", "category", "status", "created_at", "updated_at")
		revs := newHealthBulk(b, tx, "forecast_revisions", "id", "relationship_id", "product_id", "revision", "kind", "author_id", "created_at")
		periods := newHealthBulk(b, tx, "forecast_periods", "revision_id", "period", "quantity")
		// Children of children wait for their parents' flush.
		pendingLines := &healthDeferred{target: lines}
		pendingPeriods := &healthDeferred{target: periods}
		yearAgo := base.AddDate(-1, 0, 0)
		relIDs, userIDs := make([]string, rels), make([]string, rels)
		for k := 0; k < rels; k++ { // parents first: foreign keys are checked at once
			org, user, rel := store.NewID(), store.NewID(), store.NewID()
			relIDs[k], userIDs[k] = rel, user
			orgs.add(org, fmt.Sprintf("Bench Buyer %04d", k), base.AddDate(0, 0, -400))
			users.add(user, org, fmt.Sprintf("bench%d-%s@bench.test", k, org), "Buyer", "x", "admin", "purchasing", true, base.AddDate(0, 0, -400))
			relsB.add(rel, supplier, org, events, 30, base.AddDate(0, 0, -400))
		}
		for _, k := range []*healthBulk{orgs, users, relsB} {
			k.flush()
		}
		for k := 0; k < rels; k++ {
			rel, user := relIDs[k], userIDs[k]
			silentFrom := base.AddDate(0, 0, 1) // most buyers keep talking …
			if k%4 == 0 {
				silentFrom = base.AddDate(0, 0, -(k % 90)) // … a quarter fall silent
			}
			step := 365 * 24 * time.Hour / time.Duration(events)
			for j := 1; j <= events; j++ {
				at := yearAgo.Add(time.Duration(j) * step)
				side, typ := "supplier", "order.status_changed"
				if j%2 == 0 && at.Before(silentFrom) {
					side, typ = "buyer", []string{"comment.created", "order.submitted", "ticket.opened", "forecast.revised"}[j/2%4]
				}
				evs.add(rel, j, typ, "order", rel, user, side, at, "{}")
			}
			total += events
			for m := 0; m < 24; m++ {
				id, created := store.NewID(), yearAgo.AddDate(0, 0, 15*m+k%15)
				promised := created.AddDate(0, 0, 14)
				delivered := created.AddDate(0, 0, 12+(k+m)%5) // some late
				orders.add(id, rel, id, "delivered", promised.Format(time.DateOnly), "EUR", int64(1000+k%7*100+m), user, created, created, delivered)
				pendingLines.add(id, 1, product, "BENCH", "Press", 1+m%3, 1000, 1000)
			}
			for m := 0; m < 6; m++ {
				id, created := store.NewID(), yearAgo.AddDate(0, 2*m, k%30)
				responded, resolved := created.Add(time.Duration(1+(k+m)%12)*time.Hour), created.AddDate(0, 0, 2+(k+m)%4)
				tickets.add(id, rel, id, "repair", []string{"normal", "critical"}[m%2], "Broken", "resolved", user, "buyer",
					created.Add(8*time.Hour), created.AddDate(0, 0, 4), responded, resolved, created, created)
			}
			for m := 0; m < 10; m++ {
				subject, asked := store.NewID(), yearAgo.AddDate(0, 0, 36*m+k%36)
				comments.add(store.NewID(), rel, "order", subject, user, "buyer", "Question", asked)
				comments.add(store.NewID(), rel, "order", subject, user, "supplier", "Answer", asked.Add(time.Duration(30+k%600)*time.Minute))
			}
			for m := 0; m < 6; m++ {
				created := yearAgo.AddDate(0, 2*m, 0)
				status, resolved := []string{"kept", "kept", "broken"}[m%3], any(created.AddDate(0, 0, 20))
				if m == 5 {
					status, resolved = "open", nil
				}
				promises.add(store.NewID(), rel, "Promise", "delivery", user, created.AddDate(0, 0, 20).Format(time.DateOnly), status, user, created, resolved)
			}
			ideas.add(store.NewID(), rel, user, "buyer", "Idea", "process", "accepted", base.AddDate(0, 0, -100), base.AddDate(0, 0, -80))
			ideas.add(store.NewID(), rel, user, "supplier", "Idea", "cost", "proposed", base.AddDate(0, 0, -50), base.AddDate(0, 0, -50))
			for m := 0; m < 3; m++ {
				id, at := store.NewID(), base.AddDate(0, -m-1, -5)
				revs.add(id, rel, product, m+1, "forecast", user, at)
				pendingPeriods.add(id, at.AddDate(0, 1, 0).Format("2006-01"), 2)
			}
		}
		for _, k := range []*healthBulk{evs, orders, tickets, comments, promises, ideas, revs} {
			k.flush()
		}
		pendingLines.flush()
		pendingPeriods.flush()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return total
}

// healthDeferred holds rows until their parents are written.
type healthDeferred struct {
	target *healthBulk
	rows   [][]any
}

func (d *healthDeferred) add(vals ...any) { d.rows = append(d.rows, vals) }

func (d *healthDeferred) flush() {
	for _, r := range d.rows {
		d.target.add(r...)
	}
	d.target.flush()
}

func healthEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
