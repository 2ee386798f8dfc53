package demo

// This file is named p_forecasts.go so that it runs after orders.go: the
// forecasts follow the demo's real orders when there are any, which makes the
// accuracy figures meaningful.

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/forecast"
	"github.com/rapport/rapport/server/internal/domain/product"
	"github.com/rapport/rapport/server/internal/store"
)

func init() { register(seedForecasts) }

// forecastHabits is how a customer profile forecasts: its typical error, its
// bias (over-forecasting is positive), the share of forecast the supplier
// commits, and how many months ago it stopped revising (0: it still does).
type forecastHabits struct {
	errPct, bias, commitShare float64
	stoppedMonthsAgo          int
	products                  int
	scale                     float64
}

var habitsByProfile = map[string]forecastHabits{
	"healthy": {errPct: 0.12, bias: 0.02, commitShare: 1.0, products: 3, scale: 1.0},
	"watch":   {errPct: 0.22, bias: 0.06, commitShare: 0.95, products: 3, scale: 0.7},
	"at_risk": {errPct: 0.38, bias: 0.25, commitShare: 0.8, products: 2, scale: 0.5},
	"silent":  {errPct: 0.25, bias: -0.08, commitShare: 1.0, stoppedMonthsAgo: 3, products: 2, scale: 0.4},
}

// demoProducts are used when no other area has filled the catalogue.
var demoProducts = []product.Product{
	{SKU: "NW-CH12", Name: "Capping head CH-12", Currency: "EUR", UnitPrice: 4800_00, LeadTimeDays: 42, Active: true,
		InstallationCost: 900_00, AnnualMaintenanceCost: 450_00, ExpectedLifeYears: 8},
	{SKU: "NW-FV8", Name: "Filler valve V8", Currency: "EUR", UnitPrice: 950_00, LeadTimeDays: 21, Active: true, ExpectedLifeYears: 5},
	{SKU: "NW-SK2", Name: "Seal kit K2", Currency: "EUR", UnitPrice: 120_00, LeadTimeDays: 7, Active: true},
}

// seedForecasts writes a year of monthly forecast revisions per buyer, the
// supplier's commits after each, and this month's revision of the healthy buyer
// as a CSV import.
func seedForecasts(ctx context.Context, w *World) error {
	for _, b := range w.Buyers {
		habits := habitsByProfile[b.Profile]
		products, err := forecastProducts(ctx, w, b, habits.products)
		if err != nil {
			return fmt.Errorf("forecasts: %w", err)
		}
		demand, err := demandSeries(ctx, w, b, products, habits.scale)
		if err != nil {
			return fmt.Errorf("forecasts: %w", err)
		}
		for k := 12; k >= habits.stoppedMonthsAgo; k-- {
			if err := seedRevisionMonth(ctx, w, b, products, demand, habits, k); err != nil {
				return fmt.Errorf("forecasts of %s: %w", b.Org.Name, err)
			}
		}
	}
	return nil
}

// forecastProducts picks the products a buyer forecasts, creating the demo
// catalogue when the supplier has none yet.
func forecastProducts(ctx context.Context, w *World, b Buyer, n int) ([]product.Product, error) {
	rel := w.Rel(b, b.Admin)
	ps, err := w.Store.ForecastCandidates(ctx, rel, n)
	if err != nil || len(ps) > 0 {
		return ps, err
	}
	w.At(w.DaysAgo(395))
	for _, p := range demoProducts {
		if _, err := w.Store.CreateProduct(ctx, w.SupplierAdmin.Caller(), p); err != nil {
			return nil, err
		}
	}
	return w.Store.ForecastCandidates(ctx, rel, n)
}

// demandSeries is the demand per product and period from 13 months back to 12
// ahead: the quantities actually ordered where the buyer has orders, otherwise a
// seasonal pattern around a base demand.
func demandSeries(ctx context.Context, w *World, b Buyer, products []product.Product, scale float64) (map[forecast.ActualKey]float64, error) {
	now := forecast.PeriodOf(w.Now)
	from, to := now.AddMonths(-13), now.AddMonths(12)
	out := map[forecast.ActualKey]float64{}
	rel := w.Rel(b, b.Admin)
	for i, p := range products {
		view, _, err := w.Store.ForecastView(ctx, rel, p.ID, from, to, store.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		actual := 0.0
		for _, row := range view[0].Periods {
			out[forecast.ActualKey{ProductID: p.ID, Period: row.Period}] = float64(row.Actual)
			actual += float64(row.Actual)
		}
		base := []float64{24, 60, 8}[i%3] * scale
		if actual > 0 {
			base = actual / 13 // the buyer's real monthly average
		}
		for per := from; !to.Before(per); per = per.AddMonths(1) {
			k := forecast.ActualKey{ProductID: p.ID, Period: per.String()}
			if _, ordered := out[k]; ordered && actual > 0 {
				continue
			}
			season := 1 + 0.15*math.Sin(2*math.Pi*float64(int(per.Month)-3)/12)
			out[k] = base * season * (0.9 + 0.2*w.Rand.Float64())
		}
	}
	return out, nil
}

// seedRevisionMonth writes the revision the buyer made k months ago (covering
// that month and five more; this month's covers a year) and the supplier's
// commit for the next three months a few days later.
func seedRevisionMonth(ctx context.Context, w *World, b Buyer, products []product.Product, demand map[forecast.ActualKey]float64, h forecastHabits, k int) error {
	month := forecast.PeriodOf(w.Now).AddMonths(-k)
	at := month.Start().AddDate(0, 0, 2+w.Rand.IntN(6)).Add(time.Duration(9+w.Rand.IntN(8)) * time.Hour)
	if !at.Before(w.Now) {
		return nil // this month's revision is not due yet
	}
	horizon := 6
	if k == 0 {
		horizon = 12
	}
	subs := make([]forecast.Submission, len(products))
	for i, p := range products {
		subs[i] = forecast.Submission{ProductID: p.ID, Note: revisionNote(w, k)}
		for m := 0; m < horizon; m++ {
			per := month.AddMonths(m)
			noise := (w.Rand.Float64()*2 - 1) * h.errPct * (0.6 + 0.15*float64(m))
			q := math.Round(demand[forecast.ActualKey{ProductID: p.ID, Period: per.String()}] * (1 + h.bias + noise))
			subs[i].Periods = append(subs[i].Periods, forecast.PeriodQuantity{Period: per.String(), Quantity: int64(max(q, 0))})
		}
	}
	w.At(at)
	buyer := w.Rel(b, b.Admin)
	if k%2 == 1 {
		buyer = w.Rel(b, b.Member) // the planners take turns
	}
	if err := submitRevisions(ctx, w, buyer, products, subs, k == 0 && b.Profile == "healthy"); err != nil {
		return err
	}
	committed := at.AddDate(0, 0, 3)
	if !committed.Before(w.Now) {
		return nil // the supplier's commit is not due yet
	}
	w.At(committed)
	return commitCapacity(ctx, w, b, subs, h)
}

// submitRevisions stores the buyer's revisions, through a CSV import when asked.
func submitRevisions(ctx context.Context, w *World, rel access.Rel, products []product.Product, subs []forecast.Submission, asCSV bool) error {
	if asCSV {
		var csv strings.Builder
		csv.WriteString("sku,period,quantity\r\n")
		for i, s := range subs {
			for _, pq := range s.Periods {
				fmt.Fprintf(&csv, "%s,%s,%d\r\n", products[i].SKU, pq.Period, pq.Quantity)
			}
		}
		_, err := w.Store.ImportForecastCSV(ctx, rel, []byte(csv.String()), "Rolling 12-month plan from our ERP export")
		return err
	}
	for _, s := range subs {
		if _, err := w.Store.SubmitForecast(ctx, rel, forecast.KindForecast, s); err != nil {
			return err
		}
	}
	return nil
}

// commitCapacity answers each revision with a commit for the next three months.
func commitCapacity(ctx context.Context, w *World, b Buyer, subs []forecast.Submission, h forecastHabits) error {
	supplier := w.Rel(b, w.SupplierSales)
	for _, s := range subs {
		c := forecast.Submission{ProductID: s.ProductID}
		for _, pq := range s.Periods[1:min(4, len(s.Periods))] {
			c.Periods = append(c.Periods, forecast.PeriodQuantity{Period: pq.Period, Quantity: int64(math.Floor(float64(pq.Quantity) * h.commitShare))})
		}
		if h.commitShare < 1 {
			c.Note = "Line 2 runs at reduced capacity during the retrofit; we commit what we can build and will confirm the rest monthly."
		}
		if _, err := w.Store.SubmitForecast(ctx, supplier, forecast.KindCommit, c); err != nil {
			return err
		}
	}
	return nil
}

func revisionNote(w *World, k int) string {
	notes := []string{"", "", "Updated after our S&OP meeting.", "Seasonal peak ahead of summer.", "Promotion in the north region moved by a month.", ""}
	return notes[(k+w.Rand.IntN(len(notes)))%len(notes)]
}
