package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/app"
	"github.com/rapport/rapport/server/internal/demo"
	"github.com/rapport/rapport/server/internal/testutil"
)

// TestDemoOrdersFollowProfiles seeds the demo and checks that the order and
// promise history says what each customer's profile says.
func TestDemoOrdersFollowProfiles(t *testing.T) {
	cfg := testutil.Config(t, testutil.DB{Name: "sqlite"})
	cfg.SQLiteSync = "NORMAL"
	a := testutil.OpenApp(t, cfg)
	if _, err := demo.Seed(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	db := a.Store.Reader()
	checkEveryOrderState(t, a)
	type stat struct {
		Profile                string
		Orders, Recent, Broken int
		Kept                   int
		LastBuyerAct           time.Time
	}
	byBuyer := map[string]*stat{}
	now := time.Now().UTC()
	for _, name := range []string{"Contoso Foods", "Baltic Packaging", "Meridian Pharma", "Harbor Beverages"} {
		st := &stat{}
		var rel string
		db.Raw(`SELECT r.id FROM relationships r JOIN orgs o ON o.id = r.buyer_org_id WHERE o.name = ?`, name).Scan(&rel)
		var n int64
		db.Table("orders").Where("relationship_id = ?", rel).Count(&n)
		st.Orders = int(n)
		db.Table("orders").Where("relationship_id = ? AND created_at >= ?", rel, now.AddDate(0, 0, -60)).Count(&n)
		st.Recent = int(n)
		db.Table("promises").Where("relationship_id = ? AND status = ?", rel, "broken").Count(&n)
		st.Broken = int(n)
		db.Table("promises").Where("relationship_id = ? AND status = ?", rel, "kept").Count(&n)
		st.Kept = int(n)
		var last []time.Time
		db.Table("events").Where("relationship_id = ? AND actor_side = ?", rel, "buyer").Order("at DESC").Limit(1).Pluck("at", &last)
		if len(last) == 1 {
			st.LastBuyerAct = last[0]
		}
		byBuyer[name] = st
	}
	healthy, watch, risk, silent := byBuyer["Contoso Foods"], byBuyer["Baltic Packaging"], byBuyer["Meridian Pharma"], byBuyer["Harbor Beverages"]
	for name, st := range byBuyer {
		if st.Orders < 8 {
			t.Errorf("%s has only %d orders in a year", name, st.Orders)
		}
	}
	if healthy.Broken != 0 || healthy.Recent < 3 {
		t.Errorf("healthy: %+v, want no broken promises and steady recent orders", healthy)
	}
	if watch.Broken == 0 || watch.Broken >= watch.Kept {
		t.Errorf("watch: %+v, want some broken promises, fewer than kept", watch)
	}
	if risk.Broken < risk.Kept/2 || risk.Recent*4 > risk.Orders {
		t.Errorf("at risk: %+v, want many broken promises and falling orders", risk)
	}
	if silent.Recent != 0 || now.Sub(silent.LastBuyerAct) < 45*24*time.Hour {
		t.Errorf("silent: %+v, want no buyer action in the last 45 days", silent)
	}
}

// The orders caught mid-way show every state whatever the hour the demo is
// seeded at: an order to stop "shipped" once stayed in production when the demo
// was seeded early in a UTC day, its shipping date still ahead.
func TestDemoShowsEveryOrderStateAtAnyHour(t *testing.T) {
	for _, at := range []time.Duration{30 * time.Minute, 23*time.Hour + 30*time.Minute} {
		now := yesterdayAt(at)
		t.Run(now.Format("15:04"), func(t *testing.T) {
			checkEveryOrderState(t, seededAt(t, now))
		})
	}
}

// yesterdayAt is yesterday (UTC) at the given time of day.
func yesterdayAt(timeOfDay time.Duration) time.Time {
	return time.Now().UTC().AddDate(0, 0, -1).Truncate(24 * time.Hour).Add(timeOfDay)
}

// seededAt opens an app on a new SQLite database and seeds the demo as of now.
func seededAt(t *testing.T, now time.Time) *app.App {
	t.Helper()
	cfg := testutil.Config(t, testutil.DB{Name: "sqlite"})
	cfg.SQLiteSync = "NORMAL"
	a := testutil.OpenApp(t, cfg)
	if _, err := demo.SeedAt(context.Background(), a, now); err != nil {
		t.Fatal(err)
	}
	return a
}

// checkEveryOrderState fails unless the demo's orders are in all seven states.
func checkEveryOrderState(t *testing.T, a *app.App) {
	t.Helper()
	var states []string
	if err := a.Store.Reader().Table("orders").Distinct("status").Pluck("status", &states).Error; err != nil {
		t.Fatal(err)
	}
	if len(states) != 7 {
		t.Errorf("demo orders are in %d states (%v), want all 7", len(states), states)
	}
}
