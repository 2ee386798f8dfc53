package demo_test

import (
	"context"
	"testing"

	"github.com/rapport/rapport/server/internal/demo"
	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// The demo portfolio must show every status, a customer silent for over a
// month, and a year of daily history, whatever the other areas seeded.
func TestDemoHealthPortfolio(t *testing.T) {
	a := testutil.OpenApp(t, testutil.Config(t, testutil.DB{Name: "sqlite"}))
	ctx := context.Background()
	if _, err := demo.Seed(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.Store.SetClock(a.Now)
	admin, _, err := a.Store.UserByEmail(ctx, "anna.berg@nordwerk.example")
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := a.Store.HealthOverview(ctx, admin.Caller(), store.OverviewFilter{}, store.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	statuses, silent := map[string]int{}, 0
	for _, it := range items {
		statuses[it.Status]++
		if it.SilenceDays > 30 {
			silent++
		}
		t.Logf("%-20s %3d %-8s silent %3d days, change %v, worst %+v", it.Buyer.Name, it.Score, it.Status, it.SilenceDays, deref(it.Change30d), it.WorstSignal)
		rel := access.Rel{ID: it.RelationshipID, SupplierOrgID: admin.OrgID, Side: access.Supplier, Caller: admin.Caller()}
		h, err := a.Store.HealthHistory(ctx, rel, 366)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Items) < 360 {
			t.Errorf("%s: %d days of history, want a year", it.Buyer.Name, len(h.Items))
		}
	}
	var alerts int64
	if err := a.Store.Reader().Raw(`SELECT COUNT(*) FROM events WHERE type = 'health.alert' AND data LIKE '%"kind":"silence"%'`).Scan(&alerts).Error; err != nil {
		t.Fatal(err)
	}
	if alerts < int64(silent) {
		t.Errorf("%d silence alerts for %d silent customers", alerts, silent)
	}
	if statuses["healthy"] == 0 || statuses["watch"] == 0 || statuses["at_risk"] == 0 || silent == 0 {
		t.Errorf("portfolio %v with %d silent customers: want every status and one silent for over 30 days", statuses, silent)
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
