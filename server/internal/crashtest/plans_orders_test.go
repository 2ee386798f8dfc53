package crashtest

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/forecast"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/order"
	"github.com/rapport/rapport/server/internal/domain/product"
	"github.com/rapport/rapport/server/internal/domain/promise"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// The orders area's hot queries: one order by id scoped to its relationship,
// a page of the list (first and next), and a status-filtered page.
func init() {
	hotQueries = append(hotQueries,
		hotQuery{name: "order by id in its relationship", tables: []string{"orders", "promises"},
			run: func(ctx context.Context, s *store.Store, f *testutil.Fixture) error {
				rel, id, err := anOrder(ctx, s, f)
				if err != nil {
					return err
				}
				readRel, readID = rel.ID, id
				_, err = s.Order(ctx, rel, id)
				return err
			},
			direct: func(s *store.Store) []capturedSQL {
				return []capturedSQL{{sql: s.OrderReadSQL(), vars: []any{string(promise.KindDelivery), readID, readRel}}}
			}},
		hotQuery{name: "list orders page", tables: []string{"orders"},
			run: func(ctx context.Context, s *store.Store, f *testutil.Fixture) error {
				rel, id, err := anOrder(ctx, s, f)
				if err != nil {
					return err
				}
				p, _ := store.NewPage(50, "")
				if _, _, err := s.ListOrders(ctx, rel, order.Filter{}, p); err != nil {
					return err
				}
				p, _ = store.NewPage(50, store.EncodeCursor(id+"z"))
				_, _, err = s.ListOrders(ctx, rel, order.Filter{Status: order.Submitted}, p)
				return err
			}},
		// Order lines have no index by product (migration 0009): the forecast
		// view's actuals for a page of products must reach them through the
		// relationship's orders, never by scanning every line.
		hotQuery{name: "forecast actuals of a page of products", tables: []string{"orders", "order_lines"},
			run: func(ctx context.Context, s *store.Store, f *testutil.Fixture) error {
				rel, id, err := anOrder(ctx, s, f)
				if err != nil {
					return err
				}
				o, err := s.Order(ctx, rel, id)
				if err != nil {
					return err
				}
				p, _ := store.NewPage(20, "")
				now := forecast.PeriodOf(time.Now())
				views, _, err := s.ForecastView(ctx, rel, o.Lines[0].ProductID, now.AddMonths(-6), now.AddMonths(6), p)
				if err == nil && len(views) == 0 {
					err = fmt.Errorf("no forecast view of the ordered product %s", o.Lines[0].ProductID)
				}
				return err
			}},
	)
}

// readRel and readID are the order the single-order read's plan is explained for.
var readRel, readID string

// anOrder places (once per fixture) an order in relationship A through the
// store and returns the buyer's view of the relationship and the order id.
func anOrder(ctx context.Context, s *store.Store, f *testutil.Fixture) (rel access.Rel, id string, err error) {
	sup := f.Supplier.Admin.Caller()
	p, err := s.CreateProduct(ctx, sup, product.Product{SKU: fmt.Sprintf("PLAN-%d", time.Now().UnixNano()), Name: "Plan part",
		UnitPrice: money.Amount(1000), Currency: "EUR", Active: true})
	if err != nil {
		return rel, "", err
	}
	if rel, err = s.ResolveRel(ctx, f.BuyerA.Member.Caller(), f.RelA); err != nil {
		return rel, "", err
	}
	req := order.PlaceRequest{PONumber: "PLAN", RequestedDate: time.Now().AddDate(0, 1, 0).Format("2006-01-02"),
		Lines: []order.LineRequest{{ProductID: p.ID, Quantity: []byte("2")}}}
	o, _, err := s.PlaceOrder(ctx, rel, req, store.Idempotency{})
	return rel, o.ID, err
}
