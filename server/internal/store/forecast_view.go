package store

import (
	"context"
	"errors"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/forecast"
)

// ForecastView returns, per product and period from..to, the latest forecast, the
// previous revision's value, the latest commit, the actual quantity ordered and
// the gap, with each product's forecast accuracy over the completed periods of the
// range. Without productID it covers every product that has a forecast or commit
// in rel, by SKU, one page at a time (the cursor is a SKU).
func (s *Store) ForecastView(ctx context.Context, rel access.Rel, productID string, from, to forecast.Period, p Page) ([]forecast.ProductView, string, error) {
	products, next, err := s.viewProducts(ctx, rel, productID, p)
	if err != nil || len(products) == 0 {
		return []forecast.ProductView{}, "", err
	}
	ids := make([]string, len(products))
	for i, p := range products {
		ids[i] = p.ID
	}
	entries, err := s.forecastEntries(ctx, rel.ID, ids, from, to)
	if err != nil {
		return nil, "", err
	}
	actuals, err := s.forecastActuals(ctx, rel.ID, ids, from, to)
	if err != nil {
		return nil, "", err
	}
	return forecast.Build(products, entries, actuals, from, to, s.now()), next, nil
}

// viewProducts is the page of products the view covers.
func (s *Store) viewProducts(ctx context.Context, rel access.Rel, productID string, p Page) ([]forecast.ProductRef, string, error) {
	if productID != "" {
		prod, err := s.RelProduct(ctx, rel, productID)
		if errors.Is(err, errs.ErrNotFound) {
			return nil, "", errs.Invalid("product_id", "is not a product of this relationship's supplier")
		}
		if err != nil {
			return nil, "", err
		}
		return []forecast.ProductRef{{ID: prod.ID, SKU: prod.SKU, Name: prod.Name}}, "", nil
	}
	var rows []productRow
	q := s.read(ctx).Select("id, sku, name").Where("supplier_org_id = ? AND id IN (SELECT product_id FROM forecast_revisions WHERE relationship_id = ?)", rel.SupplierOrgID, rel.ID)
	if err := p.apply(q, "sku").Find(&rows).Error; err != nil {
		return nil, "", mapErr("forecast products", err)
	}
	rows, next := pageResult(p, rows, func(r productRow) string { return r.SKU })
	out := make([]forecast.ProductRef, len(rows))
	for i, r := range rows {
		out[i] = forecast.ProductRef{ID: r.ID, SKU: r.SKU, Name: r.Name}
	}
	return out, next, nil
}

// forecastEntries loads every period from..to of every revision of the products
// in relID (all products when productIDs is nil).
func (s *Store) forecastEntries(ctx context.Context, relID string, productIDs []string, from, to forecast.Period) ([]forecast.Entry, error) {
	var rows []struct {
		ProductID string
		Kind      string
		Revision  int
		CreatedAt time.Time
		Period    string
		Quantity  int64
	}
	q := s.read(ctx).Table("forecast_revisions r").Joins("JOIN forecast_periods p ON p.revision_id = r.id").
		Select("r.product_id, r.kind, r.revision, r.created_at, p.period, p.quantity").
		Where("r.relationship_id = ? AND p.period >= ? AND p.period <= ?", relID, from.String(), to.String())
	if productIDs != nil {
		q = q.Where("r.product_id IN ?", productIDs)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, mapErr("forecast entries", err)
	}
	out := make([]forecast.Entry, len(rows))
	for i, r := range rows {
		out[i] = forecast.Entry{ProductID: r.ProductID, Kind: forecast.Kind(r.Kind), Revision: r.Revision, CreatedAt: r.CreatedAt.UTC(), Period: r.Period, Quantity: r.Quantity}
	}
	return out, nil
}

// forecastActuals sums the quantities ordered per product and period. Cancelled
// and rejected orders do not count. An order line belongs to the month of its
// order's requested date, or, when the order names none, of the day it was placed.
func (s *Store) forecastActuals(ctx context.Context, relID string, productIDs []string, from, to forecast.Period) (map[forecast.ActualKey]int64, error) {
	start, end := from.Start(), to.AddMonths(1).Start()
	var rows []struct {
		ProductID     string
		RequestedDate string
		CreatedAt     time.Time
		Quantity      int64
	}
	q := s.read(ctx).Table("order_lines l").Joins("JOIN orders o ON o.id = l.order_id").
		Select("l.product_id, o.requested_date, o.created_at, l.quantity").
		Where("o.relationship_id = ? AND o.status NOT IN ?", relID, []string{"cancelled", "rejected"}).
		Where("((o.requested_date >= ? AND o.requested_date < ?) OR (o.requested_date = '' AND o.created_at >= ? AND o.created_at < ?))",
			start.Format(time.DateOnly), end.Format(time.DateOnly), start, end)
	if productIDs != nil {
		q = q.Where("l.product_id IN ?", productIDs)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, mapErr("forecast actuals", err)
	}
	out := map[forecast.ActualKey]int64{}
	for _, r := range rows {
		period := forecast.PeriodOf(r.CreatedAt).String()
		if len(r.RequestedDate) >= 7 {
			period = r.RequestedDate[:7]
		}
		out[forecast.ActualKey{ProductID: r.ProductID, Period: period}] += r.Quantity
	}
	return out, nil
}

// AccuracyWindow is how many completed months ForecastAccuracy looks back.
const AccuracyWindow = 12

// ForecastAccuracy is the buyer's forecast accuracy in relationship relID over the
// AccuracyWindow completed months before now, across all products: each month's
// forecast as it stood when the month began against the quantity ordered for it.
// Relationship health reads it; Periods is 0 when there is nothing to compare.
func (s *Store) ForecastAccuracy(ctx context.Context, relID string, now time.Time) (forecast.Accuracy, error) {
	last := forecast.PeriodOf(now).AddMonths(-1)
	first := last.AddMonths(1 - AccuracyWindow)
	entries, err := s.forecastEntries(ctx, relID, nil, first, last)
	if err != nil {
		return forecast.Accuracy{}, err
	}
	actuals, err := s.forecastActuals(ctx, relID, nil, first, last)
	if err != nil {
		return forecast.Accuracy{}, err
	}
	return forecast.AccuracyOf(forecast.AccuracyPairs(entries, actuals, first, last, now)), nil
}

// LastForecastRevisionAt is when the buyer of relationship relID last submitted a
// forecast revision (forecast freshness for relationship health); ok is false
// when it never did.
func (s *Store) LastForecastRevisionAt(ctx context.Context, relID string) (at time.Time, ok bool, err error) {
	var row forecastRevisionRow
	res := s.read(ctx).Select("created_at").Where("relationship_id = ? AND kind = ?", relID, string(forecast.KindForecast)).
		Order("created_at DESC").Limit(1).Find(&row)
	if res.Error != nil {
		return time.Time{}, false, mapErr("last forecast revision", res.Error)
	}
	if res.RowsAffected == 0 {
		return time.Time{}, false, nil
	}
	return row.CreatedAt.UTC(), true, nil
}
