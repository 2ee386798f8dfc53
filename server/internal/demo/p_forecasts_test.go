package demo

import (
	"context"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/forecast"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// TestDemoForecastsAndPlans seeds the demo and checks what the forecast and plan
// seeders promise: a year of revisions with measurable accuracy, commits, a
// silent buyer that stopped revising 60+ days ago, and confidential plans with
// named readers and access logs.
func TestDemoForecastsAndPlans(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		a := testutil.OpenApp(t, testutil.Config(t, db))
		ctx := context.Background()
		if _, err := Seed(ctx, a); err != nil {
			t.Fatal(err)
		}
		st := a.Store
		anna, _, err := st.UserByEmail(ctx, supplierAdminEmail)
		if err != nil {
			t.Fatal(err)
		}
		rels, _, err := st.ListRelationships(ctx, anna.Caller(), store.Page{Limit: 10})
		if err != nil || len(rels) != 4 {
			t.Fatalf("relationships: %v %v", rels, err)
		}
		now := time.Now().UTC()
		for _, r := range rels {
			acc, err := st.ForecastAccuracy(ctx, r.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			last, ok, err := st.LastForecastRevisionAt(ctx, r.ID)
			if err != nil || !ok {
				t.Fatalf("%s: no forecast revisions (%v)", r.Buyer.Name, err)
			}
			days := now.Sub(last).Hours() / 24
			t.Logf("%s: accuracy over %d periods, MAPE %v, bias %v; last revision %.0f days ago", r.Buyer.Name, acc.Periods, deref(acc.MAPE), deref(acc.Bias), days)
			if acc.Periods < 12 {
				t.Errorf("%s: accuracy over only %d periods", r.Buyer.Name, acc.Periods)
			}
			silent := r.Buyer.Name == "Harbor Beverages"
			if silent != (days > 60) {
				t.Errorf("%s: last revision %.0f days ago", r.Buyer.Name, days)
			}
			rel, err := st.ResolveRel(ctx, anna.Caller(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			view, _, err := st.ForecastView(ctx, rel, "", forecast.PeriodOf(now).AddMonths(-12), forecast.PeriodOf(now).AddMonths(12), store.Page{Limit: 50})
			if err != nil || len(view) < 2 {
				t.Fatalf("%s: view %v %v", r.Buyer.Name, view, err)
			}
			commits := 0
			for _, pv := range view {
				for _, row := range pv.Periods {
					if row.Commit != nil {
						commits++
					}
				}
			}
			if commits == 0 {
				t.Errorf("%s: no commits", r.Buyer.Name)
			}
			plans, _, err := st.ListPlans(ctx, rel, store.Page{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range plans {
				if !p.Confidential {
					continue
				}
				if len(p.ReaderIDs) == 0 {
					t.Errorf("confidential plan %q has no readers", p.Title)
				}
				if p.AuthorOrgID != anna.OrgID {
					continue
				}
				log, _, err := st.PlanAccessLog(ctx, rel, p.ID, store.Page{Limit: 50})
				if err != nil || len(log) == 0 {
					t.Errorf("plan %q: access log %v %v", p.Title, log, err)
				}
			}
		}
		// The buyer's own confidential plan is hidden from a supplier user who is not named on it.
		mia, _, _ := st.UserByEmail(ctx, "mia.koch@nordwerk.example")
		rel, _ := st.ResolveRel(ctx, mia.Caller(), rels[0].ID)
		if rel.Side != access.Supplier {
			t.Fatal("Mia is a supplier user")
		}
		plans, _, _ := st.ListPlans(ctx, rel, store.Page{Limit: 50})
		for _, p := range plans {
			if p.Confidential {
				t.Errorf("Mia (service, no reader) sees confidential plan %q", p.Title)
			}
		}
	})
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
