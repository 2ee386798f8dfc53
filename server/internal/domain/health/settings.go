// Package health is relationship health: the signals that tell a supplier whether
// a customer relationship is improving or eroding, their explained score, the
// alert rules, and the buyer-facing scorecard. Pure calculations only: the store
// gathers the facts, this package judges them.
package health

import (
	"sort"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

// Signal keys: the stable names of the signals in the API and in the weights.
const (
	KeySilence        = "silence"
	KeyComplaints     = "complaints_paradox"
	KeyPromises       = "promises_kept"
	KeyOnTime         = "on_time_delivery"
	KeyService        = "service_sla"
	KeyResponsiveness = "responsiveness"
	KeyCollaboration  = "collaboration"
	KeyForecast       = "forecast"
	KeyOrderTrend     = "order_trend"
)

// Keys lists every signal in the order the API shows them.
var Keys = []string{KeySilence, KeyComplaints, KeyPromises, KeyOnTime, KeyService, KeyResponsiveness, KeyCollaboration, KeyForecast, KeyOrderTrend}

// Statuses of a relationship, from best to worst.
const (
	StatusHealthy = "healthy"
	StatusWatch   = "watch"
	StatusAtRisk  = "at_risk"
)

// StatusLevel orders statuses: a larger level is a healthier relationship.
func StatusLevel(status string) int {
	switch status {
	case StatusHealthy:
		return 2
	case StatusWatch:
		return 1
	case StatusAtRisk:
		return 0
	}
	return -1
}

// Settings are one supplier's choices: how much each signal weighs, where the
// status boundaries lie, and how far back the windowed signals look.
type Settings struct {
	Weights    map[string]int `json:"weights"`
	HealthyMin int            `json:"healthy_min"`
	WatchMin   int            `json:"watch_min"`
	WindowDays int            `json:"window_days"`
	Version    int64          `json:"version"`
}

// DefaultSettings weigh silence most, because silence is the strongest early
// warning; delivery, promises and service follow; the rest refine.
func DefaultSettings() Settings {
	return Settings{
		Weights: map[string]int{
			KeySilence: 25, KeyComplaints: 5, KeyPromises: 15, KeyOnTime: 15, KeyService: 10,
			KeyResponsiveness: 10, KeyCollaboration: 5, KeyForecast: 5, KeyOrderTrend: 10,
		},
		HealthyMin: 70, WatchMin: 40, WindowDays: 180, Version: 0,
	}
}

// Validate checks a settings change: every known key weighted 0–100, weights
// summing to exactly 100, and watch_min below healthy_min.
func (s Settings) Validate() error {
	var v errs.Validator
	sum := 0
	for k, w := range s.Weights {
		if !isKey(k) {
			v.Add("weights."+k, "is not a signal; use one of %v", Keys)
			continue
		}
		v.Check(w >= 0 && w <= 100, "weights."+k, "must be between 0 and 100")
		sum += w
	}
	for _, k := range Keys {
		if _, ok := s.Weights[k]; !ok {
			v.Add("weights."+k, "is required")
		}
	}
	if !v.Has("weights") && len(s.Weights) == len(Keys) {
		v.Check(sum == 100, "weights", "must sum to 100, not %d", sum)
	}
	v.Check(s.HealthyMin >= 1 && s.HealthyMin <= 100, "healthy_min", "must be between 1 and 100")
	v.Check(s.WatchMin >= 0 && s.WatchMin < s.HealthyMin, "watch_min", "must be at least 0 and below healthy_min")
	v.Check(s.WindowDays >= 30 && s.WindowDays <= 730, "window_days", "must be between 30 and 730")
	return v.Err()
}

// Status maps a score to a status with these settings' boundaries.
func (s Settings) Status(score int) string {
	switch {
	case score >= s.HealthyMin:
		return StatusHealthy
	case score >= s.WatchMin:
		return StatusWatch
	}
	return StatusAtRisk
}

func isKey(k string) bool {
	i := sort.SearchStrings(sortedKeys, k)
	return i < len(sortedKeys) && sortedKeys[i] == k
}

var sortedKeys = func() []string {
	k := append([]string(nil), Keys...)
	sort.Strings(k)
	return k
}()
