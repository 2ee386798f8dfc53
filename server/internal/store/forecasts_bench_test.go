package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/forecast"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// bulkProducts adds n products (SKU-00000…) to the supplier in one transaction.
func bulkProducts(tb testing.TB, s *store.Store, supplierOrgID string, n int) {
	tb.Helper()
	now := time.Now().UTC()
	err := s.Writer().Transaction(func(db *gorm.DB) error {
		for i := 0; i < n; i++ {
			err := db.Exec(`INSERT INTO products (id, supplier_org_id, sku, name, unit_price, currency, created_at, updated_at) VALUES (?, ?, ?, ?, 100, 'EUR', ?, ?)`,
				store.NewID(), supplierOrgID, fmt.Sprintf("SKU-%05d", i), fmt.Sprintf("Product %d", i), now, now).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// csv50k is 2,000 products × 25 months = 50,000 rows starting next month.
// Months are counted as periods: now.AddDate(0, m, 0) on the 29th–31st rolls
// over short months and repeats a period, which the import rightly refuses.
func csv50k(now time.Time) []byte {
	var b strings.Builder
	b.WriteString("sku,period,quantity\r\n")
	first := forecast.PeriodOf(now)
	for i := 0; i < 2000; i++ {
		for m := 1; m <= 25; m++ {
			fmt.Fprintf(&b, "SKU-%05d,%s,%d\r\n", i, first.AddMonths(m), (i*7+m*13)%500)
		}
	}
	return []byte(b.String())
}

func buyerRel(s *testutil.Server) (access.Rel, *testutil.Fixture) {
	f := s.Seed()
	rel, err := s.Store.ResolveRel(context.Background(), f.BuyerA.Admin.Caller(), f.RelA)
	if err != nil {
		s.T.Fatal(err)
	}
	return rel, f
}

// TestImport50000Rows imports the largest allowed file in one transaction: one
// revision and one event per product, every row stored.
func TestImport50000Rows(t *testing.T) {
	if testing.Short() {
		t.Skip("large import")
	}
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		rel, f := buyerRel(s)
		bulkProducts(t, s.Store, f.Supplier.Org.ID, 2000)
		// The last evening of a 31-day month: 25 months counted with AddDate
		// from here repeat a period (it failed on every 29th–31st).
		s.Store.SetClock(func() time.Time { return time.Date(2027, time.January, 31, 23, 30, 0, 0, time.UTC) })
		seq, _ := s.Store.LastSeq(context.Background(), rel.ID)
		start := time.Now()
		res, err := s.Store.ImportForecastCSV(context.Background(), rel, csv50k(s.Store.Now()), "")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: 50,000-row import in %v", db.Name, time.Since(start))
		var periods int64
		s.Store.Reader().Table("forecast_periods").Count(&periods)
		after, _ := s.Store.LastSeq(context.Background(), rel.ID)
		if res.Rows != 50000 || len(res.Items) != 2000 || periods != 50000 || after-seq != 2000 {
			t.Errorf("rows %d, revisions %d, stored periods %d, events %d", res.Rows, len(res.Items), periods, after-seq)
		}
	})
}

// BenchmarkImport50000Rows measures one 50,000-row import (2,000 products × 25
// months) through the store, on each database.
func BenchmarkImport50000Rows(b *testing.B) {
	for _, db := range testutil.Databases(b) {
		b.Run(db.Name, func(b *testing.B) {
			s := testutil.NewServer(b, db)
			rel, f := buyerRel(s)
			bulkProducts(b, s.Store, f.Supplier.Org.ID, 2000)
			data := csv50k(s.Store.Now())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Store.ImportForecastCSV(context.Background(), rel, data, ""); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
		})
	}
}
