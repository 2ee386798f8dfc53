package demo

import (
	"context"
	"fmt"

	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/plan"
)

func init() { register(seedPlans) }

// demoPlan is one plan of the demo with the reads of it to record.
type demoPlan struct {
	buyer   int // index into w.Buyers
	author  func(w *World, b Buyer) account.User
	daysAgo int
	plan    plan.Plan
	readers func(w *World, b Buyer) []account.User
	reads   []demoRead // confidential plans: who opened it, and when
}

type demoRead struct {
	who     func(w *World, b Buyer) account.User
	daysAgo int
}

func supplierAdmin(w *World, _ Buyer) account.User { return w.SupplierAdmin }
func supplierSales(w *World, _ Buyer) account.User { return w.SupplierSales }
func supplierEng(w *World, _ Buyer) account.User   { return w.SupplierEngineer }
func buyerAdmin(_ *World, b Buyer) account.User    { return b.Admin }
func buyerMember(_ *World, b Buyer) account.User   { return b.Member }

var demoPlans = []demoPlan{
	{buyer: 0, author: supplierAdmin, daysAgo: 40, plan: plan.Plan{Title: "2027 price adjustment (draft for Contoso)",
		Body: "## Proposal\n\nList prices of capping heads rise **4.5 %** from 1 March 2027; seal kits stay flat.\n\n" +
			"- Contoso's volume rebate moves from 3 % to 4 % above 40 units a year.\n- Frame agreement renewal in January.\n",
		HorizonStart: "2027-03-01", HorizonEnd: "2028-02-29", Tags: []string{"pricing", "2027"}, Confidential: true},
		readers: func(w *World, b Buyer) []account.User { return []account.User{b.Admin, w.SupplierSales} },
		reads:   []demoRead{{buyerAdmin, 38}, {supplierSales, 37}, {buyerAdmin, 12}, {supplierAdmin, 5}}},
	{buyer: 0, author: buyerMember, daysAgo: 25, plan: plan.Plan{Title: "Line 4 expansion: capacity needs 2027",
		Body: "We add a fourth bottling line in Q2 2027.\n\n| Item | Qty | When |\n|---|---|---|\n| Capping head CH-12 | 2 | April |\n| Filler valve V8 | 16 | April |\n\n" +
			"Budget is approved; the supplier choice is not yet announced internally.\n",
		HorizonStart: "2027-01-01", HorizonEnd: "2027-12-31", Tags: []string{"capacity", "expansion"}, Confidential: true},
		readers: func(w *World, b Buyer) []account.User { return []account.User{w.SupplierSales, w.SupplierEngineer} },
		reads:   []demoRead{{supplierEng, 24}, {supplierSales, 20}, {supplierEng, 3}}},
	{buyer: 1, author: supplierSales, daysAgo: 60, plan: plan.Plan{Title: "Service roadmap 2027",
		Body:         "Remote diagnostics for every CH-12 from Q1, a second service technician in the Baltic region from Q2.\n",
		HorizonStart: "2027-01-01", HorizonEnd: "2027-12-31", Tags: []string{"service"}}},
	{buyer: 2, author: buyerAdmin, daysAgo: 90, plan: plan.Plan{Title: "Validation schedule for the new filling line",
		Body:         "IQ/OQ in February, PQ in March. We need the supplier's FAT documents four weeks before IQ.\n",
		HorizonStart: "2027-02-01", HorizonEnd: "2027-03-31", Tags: []string{"gmp", "validation"}}},
	{buyer: 2, author: supplierEng, daysAgo: 14, plan: plan.Plan{Title: "Retrofit plan for Meridian's line 1 (internal cost view)",
		Body: "Margin on the retrofit is thin; we propose it at cost to win back trust after the late deliveries.\n",
		Tags: []string{"retrofit", "account-plan"}, Confidential: true},
		readers: func(w *World, _ Buyer) []account.User { return []account.User{w.SupplierSales} },
		reads:   []demoRead{{supplierSales, 13}, {supplierAdmin, 10}}},
	{buyer: 3, author: buyerAdmin, daysAgo: 200, plan: plan.Plan{Title: "Spare parts stock plan",
		Body: "We keep two seal kits per line on stock and reorder quarterly.\n", Tags: []string{"spares"}}},
}

// seedPlans shares a few plans, some confidential with named readers, and
// records reads of the confidential ones in their access logs.
func seedPlans(ctx context.Context, w *World) error {
	for _, dp := range demoPlans {
		b := w.Buyers[dp.buyer]
		p := dp.plan
		if dp.readers != nil {
			for _, u := range dp.readers(w, b) {
				p.ReaderIDs = append(p.ReaderIDs, u.ID)
			}
		}
		w.At(w.DaysAgo(dp.daysAgo))
		created, err := w.Store.CreatePlan(ctx, w.Rel(b, dp.author(w, b)), p)
		if err != nil {
			return fmt.Errorf("plan %q: %w", p.Title, err)
		}
		for _, r := range dp.reads {
			w.At(w.DaysAgo(r.daysAgo))
			if _, err := w.Store.Plan(ctx, w.Rel(b, r.who(w, b)), created.ID); err != nil {
				return fmt.Errorf("read plan %q: %w", p.Title, err)
			}
		}
	}
	return nil
}
