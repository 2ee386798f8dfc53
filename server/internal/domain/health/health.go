package health

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Facts are what the store knows about one relationship as of one moment, all
// counted over the settings' window unless named otherwise. The store fills
// them from the objects and the event log; Compute judges them.
type Facts struct {
	RelationshipID   string
	BuyerName        string
	AsOf             time.Time
	RelCreatedAt     time.Time
	SilenceThreshold int
	WindowDays       int
	// LastBuyerAt is the last time a buyer user did something (nil: never).
	LastBuyerAt *time.Time

	OrdersInWindow  int // orders the buyer placed in the window (not cancelled or rejected)
	TicketsInWindow int // tickets the buyer opened in the window, of any type

	PromisesKept, PromisesBroken, PromisesOverdue int

	DeliveredOnTime, DeliveredLate int

	SLAMet, SLAMissed, OpenCritical int
	// ResponseMinutes are the supplier's times to first response to buyer tickets and comments.
	ResponseMinutes []float64

	IdeasFromBuyer, IdeasFromSupplier, IdeasAccepted, PlansShared int

	// LastForecastAt is the buyer's latest forecast revision (nil: never).
	LastForecastAt *time.Time
	// ForecastAccuracy is 0–1 over recent closed months, nil when not measurable.
	ForecastAccuracy *float64

	OrderValueRecent, OrderValueYearAgo int64 // last 90 days; the same 90 days a year earlier
}

// Signal is one explained part of the score.
type Signal struct {
	Key          string   `json:"key"`
	Value        *float64 `json:"value"`
	Score        int      `json:"score"`
	Weight       int      `json:"weight"`
	Contribution float64  `json:"contribution"`
	Explanation  string   `json:"explanation"`
	Available    bool     `json:"available"`
}

// Health is a relationship's judged state at one moment.
type Health struct {
	RelationshipID string    `json:"relationship_id"`
	Score          int       `json:"score"`
	Status         string    `json:"status"`
	Signals        []Signal  `json:"signals"`
	SilenceDays    int       `json:"silence_days"`
	ComputedAt     time.Time `json:"computed_at"`
	// WeightedScore is the weighted mean of the available signals (the sum of
	// their contributions); Score is lower when a cap applies, and CapReason says why.
	WeightedScore int    `json:"weighted_score"`
	CapReason     string `json:"cap_reason,omitempty"`
}

const day = 24 * time.Hour

// DaysBetween counts whole days from a to b (0 when b is not after a).
func DaysBetween(a, b time.Time) int {
	if !b.After(a) {
		return 0
	}
	return int(b.Sub(a) / day)
}

// SilenceDays is the number of whole days since the buyer was last heard from,
// or since the relationship began when they never were.
func (f Facts) SilenceDays() int {
	from := f.RelCreatedAt
	if f.LastBuyerAt != nil {
		from = *f.LastBuyerAt
	}
	return DaysBetween(from, f.AsOf)
}

// AgeDays is how old the relationship is.
func (f Facts) AgeDays() int { return DaysBetween(f.RelCreatedAt, f.AsOf) }

// Compute judges facts with settings: each signal scored and explained, the
// score the weighted mean of the available signals, renormalised over them,
// then capped by the weakest-link rule (capFor) so an average cannot hide a failure.
func Compute(f Facts, set Settings) Health {
	signals := []Signal{
		silenceSignal(f), complaintsSignal(f), promisesSignal(f), onTimeSignal(f), serviceSignal(f),
		responsivenessSignal(f), collaborationSignal(f), forecastSignal(f), orderTrendSignal(f),
	}
	total := 0
	for i := range signals {
		signals[i].Weight = set.Weights[signals[i].Key]
		if signals[i].Available {
			total += signals[i].Weight
		}
	}
	score := 0.0
	for i := range signals {
		s := &signals[i]
		if !s.Available || total == 0 {
			continue
		}
		s.Contribution = round1(float64(s.Weight) * float64(s.Score) / float64(total))
		score += float64(s.Weight) * float64(s.Score) / float64(total)
	}
	if total == 0 { // every weighted signal lacks data: fall back to silence alone
		score = float64(signals[0].Score)
	}
	h := Health{RelationshipID: f.RelationshipID, Signals: signals, SilenceDays: f.SilenceDays(), ComputedAt: f.AsOf,
		WeightedScore: int(math.Round(score))}
	h.Score = h.WeightedScore
	if limit, reason := capFor(f, signals, set); h.Score > limit {
		h.Score, h.CapReason = limit, reason
	}
	h.Status = set.Status(h.Score)
	return h
}

// labels name the signals in sentences.
var labels = map[string]string{
	KeySilence: "silence", KeyComplaints: "the complaints paradox", KeyPromises: "promises kept", KeyOnTime: "on-time delivery",
	KeyService: "service SLAs", KeyResponsiveness: "responsiveness", KeyCollaboration: "collaboration", KeyForecast: "forecasts",
	KeyOrderTrend: "the order trend",
}

// failingScore is the sub-score below which a weighty signal is failing.
const failingScore = 25

// capFor is the weakest-link rule: an average must not hide one area that is
// failing. Silence past the threshold, or one failing signal of weight ≥ 10,
// keeps the relationship out of healthy; silence of twice the threshold, or
// two failing signals, makes it at risk whatever the average says.
func capFor(f Facts, signals []Signal, set Settings) (int, string) {
	var failing []string
	for _, s := range signals {
		if s.Available && s.Key != KeySilence && s.Weight >= 10 && s.Score < failingScore {
			failing = append(failing, labels[s.Key])
		}
	}
	days, threshold := f.SilenceDays(), f.SilenceThreshold
	if set.Weights[KeySilence] == 0 { // the supplier chose to ignore silence
		days = 0
	}
	switch {
	case days >= 2*threshold:
		return set.WatchMin - 1, fmt.Sprintf("Silent for %d days, twice the threshold: at risk whatever the other signals say.", days)
	case len(failing) >= 2:
		return set.WatchMin - 1, fmt.Sprintf("Failing on %s: at risk whatever the average says.", strings.Join(failing, " and "))
	case days >= threshold:
		return set.HealthyMin - 1, fmt.Sprintf("Silent for %d days, past the threshold of %d: not healthy whatever the other signals say.", days, threshold)
	case len(failing) == 1:
		return set.HealthyMin - 1, fmt.Sprintf("Failing on %s: not healthy whatever the average says.", failing[0])
	}
	return 100, ""
}

// Worst returns the available signal doing the most damage: the one losing the
// most points (weight × (100 − score)), the lower score on a tie. ok is false
// when no weighted signal is available.
func (h Health) Worst() (Signal, bool) {
	var worst Signal
	found := false
	for _, s := range h.Signals {
		if !s.Available || s.Weight == 0 {
			continue
		}
		loss, worstLoss := s.Weight*(100-s.Score), worst.Weight*(100-worst.Score)
		if !found || loss > worstLoss || (loss == worstLoss && s.Score < worst.Score) {
			worst, found = s, true
		}
	}
	return worst, found
}

// Signal returns the signal with key (zero when absent).
func (h Health) Signal(key string) Signal {
	for _, s := range h.Signals {
		if s.Key == key {
			return s
		}
	}
	return Signal{}
}

// Median returns the median of xs (0 for none).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// lerp maps x from [x0, x1] linearly onto [y0, y1], clamped to that segment.
func lerp(x, x0, x1, y0, y1 float64) float64 {
	if x1 == x0 {
		return y1
	}
	t := clamp((x-x0)/(x1-x0), 0, 1)
	return y0 + t*(y1-y0)
}

func val(x float64) *float64 { return &x }

func unavailable(key, why string) Signal {
	return Signal{Key: key, Explanation: why}
}
