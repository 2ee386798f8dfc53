package forecast

import (
	"math"
	"time"
)

// Entry is one period of one stored revision, as the store loads it.
type Entry struct {
	ProductID string
	Kind      Kind
	Revision  int
	CreatedAt time.Time
	Period    string
	Quantity  int64
}

// ProductRef names a product in the view.
type ProductRef struct {
	ID, SKU, Name string
}

// ActualKey addresses the quantity ordered of one product in one period.
type ActualKey struct {
	ProductID string
	Period    string
}

// PeriodView is one month of one product: the latest forecast for the month, the
// value the revision before it gave, the latest commit, the quantity actually
// ordered, and the gap (forecast − commit). Nil means "not stated".
type PeriodView struct {
	Period   string `json:"period"`
	Forecast *int64 `json:"forecast"`
	Previous *int64 `json:"previous"`
	Commit   *int64 `json:"commit"`
	Actual   int64  `json:"actual"`
	Gap      *int64 `json:"gap"`
}

// Accuracy compares forecasts with actual orders over completed periods.
// MAPE (percent) skips periods with zero actual, where a percentage error is
// undefined; Bias (units per period, positive = over-forecast) and BiasPercent
// (total error over total actual) count every compared period.
type Accuracy struct {
	Periods     int      `json:"periods"`
	MAPEPeriods int      `json:"mape_periods"`
	MAPE        *float64 `json:"mape"`
	Bias        *float64 `json:"bias"`
	BiasPercent *float64 `json:"bias_percent"`
}

// ProductView is one product's rows of the forecast view.
type ProductView struct {
	ProductID string       `json:"product_id"`
	SKU       string       `json:"sku"`
	Name      string       `json:"name"`
	Periods   []PeriodView `json:"periods"`
	Accuracy  Accuracy     `json:"accuracy"`
}

// Pair is one compared period: what was forecast and what was ordered.
type Pair struct {
	Forecast, Actual int64
}

// AccuracyOf computes MAPE and bias over pairs.
func AccuracyOf(pairs []Pair) Accuracy {
	acc := Accuracy{Periods: len(pairs)}
	if len(pairs) == 0 {
		return acc
	}
	var apeSum, errSum, actualSum float64
	for _, p := range pairs {
		e := float64(p.Forecast - p.Actual)
		errSum += e
		actualSum += float64(p.Actual)
		if p.Actual > 0 {
			apeSum += math.Abs(e) / float64(p.Actual)
			acc.MAPEPeriods++
		}
	}
	bias := round2(errSum / float64(len(pairs)))
	acc.Bias = &bias
	if acc.MAPEPeriods > 0 {
		mape := round2(100 * apeSum / float64(acc.MAPEPeriods))
		acc.MAPE = &mape
	}
	if actualSum > 0 {
		bp := round2(100 * errSum / actualSum)
		acc.BiasPercent = &bp
	}
	return acc
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// history is one product's entries for one period, newest revision first.
type history struct {
	forecasts []Entry
	commits   []Entry
}

// index groups entries by product and period, newest revision first (entries
// may come in any order).
func index(entries []Entry) map[ActualKey]*history {
	out := map[ActualKey]*history{}
	for _, e := range entries {
		k := ActualKey{e.ProductID, e.Period}
		h := out[k]
		if h == nil {
			h = &history{}
			out[k] = h
		}
		if e.Kind == KindCommit {
			h.commits = insertNewestFirst(h.commits, e)
		} else {
			h.forecasts = insertNewestFirst(h.forecasts, e)
		}
	}
	return out
}

func insertNewestFirst(list []Entry, e Entry) []Entry {
	i := len(list)
	for i > 0 && list[i-1].Revision < e.Revision {
		i--
	}
	list = append(list, Entry{})
	copy(list[i+1:], list[i:])
	list[i] = e
	return list
}

// asOf is the quantity of the newest revision created before t, if any.
func (h *history) asOf(t time.Time) (int64, bool) {
	for _, e := range h.forecasts {
		if e.CreatedAt.Before(t) {
			return e.Quantity, true
		}
	}
	return 0, false
}

// Build assembles the view of products over periods from..to at now. A period is
// listed when anything is known about it. For each period the forecast is the
// newest revision that covers it and previous the one before that; accuracy
// compares, for each completed period, the forecast as it stood when the period
// began (the newest revision created before its first day) with the actual.
func Build(products []ProductRef, entries []Entry, actuals map[ActualKey]int64, from, to Period, now time.Time) []ProductView {
	hist := index(entries)
	current := PeriodOf(now)
	out := make([]ProductView, 0, len(products))
	for _, p := range products {
		pv := ProductView{ProductID: p.ID, SKU: p.SKU, Name: p.Name, Periods: []PeriodView{}}
		var pairs []Pair
		for per := from; !to.Before(per); per = per.AddMonths(1) {
			k := ActualKey{p.ID, per.String()}
			actual, hasActual := actuals[k]
			h := hist[k]
			if h == nil && !hasActual {
				continue
			}
			row := PeriodView{Period: k.Period, Actual: actual}
			if h != nil {
				fillRow(&row, h)
				if per.Before(current) {
					if f, ok := h.asOf(per.Start()); ok {
						pairs = append(pairs, Pair{Forecast: f, Actual: actual})
					}
				}
			}
			pv.Periods = append(pv.Periods, row)
		}
		pv.Accuracy = AccuracyOf(pairs)
		out = append(out, pv)
	}
	return out
}

func fillRow(row *PeriodView, h *history) {
	if len(h.forecasts) > 0 {
		row.Forecast = ptr(h.forecasts[0].Quantity)
	}
	if len(h.forecasts) > 1 {
		row.Previous = ptr(h.forecasts[1].Quantity)
	}
	if len(h.commits) > 0 {
		row.Commit = ptr(h.commits[0].Quantity)
	}
	if row.Forecast != nil && row.Commit != nil {
		row.Gap = ptr(*row.Forecast - *row.Commit)
	}
}

func ptr(v int64) *int64 { return &v }

// AccuracyPairs returns the compared periods of every product over completed
// periods from..to (to is capped at the month before now), for callers that want
// one figure across products, such as relationship health.
func AccuracyPairs(entries []Entry, actuals map[ActualKey]int64, from, to Period, now time.Time) []Pair {
	hist := index(entries)
	last := PeriodOf(now).AddMonths(-1)
	if last.Before(to) {
		to = last
	}
	var pairs []Pair
	for k, h := range hist {
		per, err := ParsePeriod(k.Period)
		if err != nil || per.Before(from) || to.Before(per) {
			continue
		}
		if f, ok := h.asOf(per.Start()); ok {
			pairs = append(pairs, Pair{Forecast: f, Actual: actuals[k]})
		}
	}
	return pairs
}
