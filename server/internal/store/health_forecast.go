package store

import (
	"math"
	"time"
)

// accuracyMonths is how many closed months forecast accuracy looks back over.
const accuracyMonths = 3

// forecasts sets how fresh the buyer's forecast is and, over the last closed
// months, how well it matched the orders that followed.
func (q *factsQuery) forecasts() error {
	var revs []struct {
		RelationshipID string
		CreatedAt      time.Time
	}
	err := q.db.Raw(`SELECT relationship_id, created_at FROM forecast_revisions WHERE relationship_id IN ? AND kind = 'forecast' AND created_at <= ?`,
		q.ids, q.asOf).Scan(&revs).Error
	if err != nil {
		return err
	}
	for _, r := range revs {
		f := q.facts[r.RelationshipID]
		if at := r.CreatedAt.UTC(); f.LastForecastAt == nil || at.After(*f.LastForecastAt) {
			f.LastForecastAt = &at
		}
	}
	acc, err := q.forecastAccuracy()
	for rel, a := range acc {
		q.facts[rel].ForecastAccuracy = &a
	}
	return err
}

type forecastKey struct{ rel, product, period string }

// forecastAccuracy is 1 − Σ|forecast − actual| / Σ forecast per relationship, over
// the closed months before asOf, using for each month the latest revision made
// before that month began (a forecast revised afterwards proves nothing). An
// order counts in the month of its requested date, or the month it was placed.
func (q *factsQuery) forecastAccuracy() (map[string]float64, error) {
	thisMonth := time.Date(q.asOf.Year(), q.asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	first := thisMonth.AddDate(0, -accuracyMonths, 0)
	periods := make([]string, accuracyMonths)
	for i := range periods {
		periods[i] = first.AddDate(0, i, 0).Format("2006-01")
	}
	var rows []struct {
		RelationshipID, ProductID, Period string
		Revision                          int
		Quantity                          int64
		CreatedAt                         time.Time
	}
	err := q.db.Raw(`SELECT r.relationship_id, r.product_id, r.revision, r.created_at, p.period, p.quantity FROM forecast_periods p
 JOIN forecast_revisions r ON r.id = p.revision_id WHERE r.relationship_id IN ? AND r.kind = 'forecast' AND r.created_at < ? AND p.period IN ?`,
		q.ids, thisMonth, periods).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	type pick struct {
		revision int
		qty      int64
	}
	forecast := map[forecastKey]pick{}
	for _, r := range rows {
		start, _ := time.Parse("2006-01", r.Period)
		k := forecastKey{r.RelationshipID, r.ProductID, r.Period}
		if r.CreatedAt.Before(start) && (forecast[k].revision < r.Revision) {
			forecast[k] = pick{r.Revision, r.Quantity}
		}
	}
	if len(forecast) == 0 {
		return nil, nil
	}
	var lines []struct {
		RelationshipID, ProductID, RequestedDate string
		Quantity                                 int64
		CreatedAt                                time.Time
	}
	err = q.db.Raw(`SELECT o.relationship_id, l.product_id, l.quantity, o.requested_date, o.created_at FROM order_lines l JOIN orders o ON o.id = l.order_id
 WHERE o.relationship_id IN ? AND o.status NOT IN ('cancelled', 'rejected')
 AND ((o.requested_date >= ? AND o.requested_date < ?) OR (o.requested_date = '' AND o.created_at >= ? AND o.created_at < ?))`,
		q.ids, first.Format(time.DateOnly), thisMonth.Format(time.DateOnly), first, thisMonth).Scan(&lines).Error
	if err != nil {
		return nil, err
	}
	actual := map[forecastKey]int64{}
	for _, l := range lines {
		// As the forecasts area counts it: the month the buyer asked for, else the month ordered.
		period := l.CreatedAt.UTC().Format("2006-01")
		if len(l.RequestedDate) >= 7 {
			period = l.RequestedDate[:7]
		}
		actual[forecastKey{l.RelationshipID, l.ProductID, period}] += l.Quantity
	}
	sumF, sumErr := map[string]float64{}, map[string]float64{}
	for k, p := range forecast {
		sumF[k.rel] += float64(p.qty)
		sumErr[k.rel] += math.Abs(float64(p.qty - actual[k]))
	}
	out := map[string]float64{}
	for rel, f := range sumF {
		if f > 0 {
			out[rel] = math.Max(0, 1-sumErr[rel]/f)
		}
	}
	return out, nil
}
