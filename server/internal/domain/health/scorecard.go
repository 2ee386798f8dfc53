package health

import (
	"math"
	"time"
)

// ScorecardMonth is one month of facts about the supplier's performance towards
// one buyer. Both sides see it; it never contains the internal health score.
type ScorecardMonth struct {
	Month                 string   `json:"month"` // YYYY-MM
	Deliveries            int      `json:"deliveries"`
	DeliveredOnTime       int      `json:"delivered_on_time"`
	OnTimeRate            *float64 `json:"on_time_rate"`
	PromisesKept          int      `json:"promises_kept"`
	PromisesBroken        int      `json:"promises_broken"`
	SLADeadlines          int      `json:"sla_deadlines"`
	SLAMet                int      `json:"sla_met"`
	SLARate               *float64 `json:"sla_rate"`
	MedianResponseMinutes *float64 `json:"median_response_minutes"`
	IdeasFromBuyer        int      `json:"ideas_from_buyer"`
	IdeasFromSupplier     int      `json:"ideas_from_supplier"`
	BuyerIdeasAccepted    int      `json:"buyer_ideas_accepted"`
	SupplierIdeasAccepted int      `json:"supplier_ideas_accepted"`

	responses []float64
}

// Scorecard is twelve months of facts, oldest first, and their totals.
type Scorecard struct {
	RelationshipID string           `json:"relationship_id"`
	From           string           `json:"from"` // first month
	To             string           `json:"to"`   // last month (the current one)
	Months         []ScorecardMonth `json:"months"`
	Totals         ScorecardMonth   `json:"totals"`
}

// NewScorecard prepares the twelve months ending with the month of now.
func NewScorecard(relID string, now time.Time) *Scorecard {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	sc := &Scorecard{RelationshipID: relID, Months: make([]ScorecardMonth, 12)}
	for i := range sc.Months {
		sc.Months[i].Month = first.AddDate(0, i, 0).Format("2006-01")
	}
	sc.From, sc.To = sc.Months[0].Month, sc.Months[11].Month
	return sc
}

// Start is the first instant the scorecard covers.
func (sc *Scorecard) Start() time.Time {
	t, _ := time.Parse("2006-01", sc.From)
	return t
}

// month finds the bucket of t, or nil when t is outside the twelve months.
func (sc *Scorecard) month(t time.Time) *ScorecardMonth {
	key := t.UTC().Format("2006-01")
	for i := range sc.Months {
		if sc.Months[i].Month == key {
			return &sc.Months[i]
		}
	}
	return nil
}

// AddDelivery counts an order delivered at t, on time or late.
func (sc *Scorecard) AddDelivery(t time.Time, onTime bool) {
	if m := sc.month(t); m != nil {
		m.Deliveries++
		if onTime {
			m.DeliveredOnTime++
		}
	}
}

// AddPromise counts a promise resolved at t as kept or broken.
func (sc *Scorecard) AddPromise(t time.Time, kept bool) {
	if m := sc.month(t); m != nil {
		if kept {
			m.PromisesKept++
		} else {
			m.PromisesBroken++
		}
	}
}

// AddSLA counts one SLA deadline falling due at t, met or missed.
func (sc *Scorecard) AddSLA(t time.Time, met bool) {
	if m := sc.month(t); m != nil {
		m.SLADeadlines++
		if met {
			m.SLAMet++
		}
	}
}

// AddResponse records a first response to the buyer, given at t after minutes.
func (sc *Scorecard) AddResponse(t time.Time, minutes float64) {
	if m := sc.month(t); m != nil {
		m.responses = append(m.responses, minutes)
	}
}

// AddIdea counts an idea proposed at t by side ("buyer" or "supplier").
func (sc *Scorecard) AddIdea(t time.Time, side string) {
	if m := sc.month(t); m != nil {
		if side == "buyer" {
			m.IdeasFromBuyer++
		} else {
			m.IdeasFromSupplier++
		}
	}
}

// AddAccepted counts an idea by side accepted at t.
func (sc *Scorecard) AddAccepted(t time.Time, side string) {
	if m := sc.month(t); m != nil {
		if side == "buyer" {
			m.BuyerIdeasAccepted++
		} else {
			m.SupplierIdeasAccepted++
		}
	}
}

// Finish computes the rates, medians and totals.
func (sc *Scorecard) Finish() *Scorecard {
	tot := ScorecardMonth{Month: sc.From + ".." + sc.To}
	for i := range sc.Months {
		m := &sc.Months[i]
		m.finish()
		tot.Deliveries += m.Deliveries
		tot.DeliveredOnTime += m.DeliveredOnTime
		tot.PromisesKept += m.PromisesKept
		tot.PromisesBroken += m.PromisesBroken
		tot.SLADeadlines += m.SLADeadlines
		tot.SLAMet += m.SLAMet
		tot.IdeasFromBuyer += m.IdeasFromBuyer
		tot.IdeasFromSupplier += m.IdeasFromSupplier
		tot.BuyerIdeasAccepted += m.BuyerIdeasAccepted
		tot.SupplierIdeasAccepted += m.SupplierIdeasAccepted
		tot.responses = append(tot.responses, m.responses...)
	}
	tot.finish()
	sc.Totals = tot
	return sc
}

func (m *ScorecardMonth) finish() {
	m.OnTimeRate = rate(m.DeliveredOnTime, m.Deliveries)
	m.SLARate = rate(m.SLAMet, m.SLADeadlines)
	m.MedianResponseMinutes = nil
	if len(m.responses) > 0 {
		m.MedianResponseMinutes = val(math.Round(Median(m.responses)))
	}
}

func rate(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	return val(math.Round(1000*float64(n)/float64(of)) / 10)
}
