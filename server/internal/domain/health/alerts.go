package health

import (
	"fmt"
	"time"
)

// Alert kinds.
const (
	AlertSilence    = "silence"
	AlertStatusDrop = "status_drop"
)

// AlertState is what a relationship remembers between evaluations so that each
// alert is raised once per episode, not every day.
type AlertState struct {
	// SilenceAlertAt is when the current silence episode was alerted; the
	// episode ends when the buyer is heard from after it.
	SilenceAlertAt *time.Time
	// LastStatus is the status at the previous evaluation ("" before the first).
	LastStatus string
}

// Alert is one health.alert to raise.
type Alert struct {
	Kind      string `json:"kind"`
	Days      int    `json:"days,omitempty"`
	Threshold int    `json:"threshold,omitempty"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Score     int    `json:"score"`
	Signal    string `json:"signal,omitempty"`
	NextStep  string `json:"next_step"`
}

// SilenceAlerted reports whether the current silence episode has been alerted:
// an alert was raised and the buyer has not been heard from since.
func (s AlertState) SilenceAlerted(lastBuyerAt *time.Time) bool {
	return s.SilenceAlertAt != nil && (lastBuyerAt == nil || !lastBuyerAt.After(*s.SilenceAlertAt))
}

// Decide returns the alerts h calls for given the previous state, and the state
// to remember. Silence alerts once the threshold is reached (days ≥ threshold);
// a status alert fires on each drop of a level, compared to the previous evaluation.
func Decide(prev AlertState, f Facts, h Health) ([]Alert, AlertState) {
	next := AlertState{SilenceAlertAt: prev.SilenceAlertAt, LastStatus: h.Status}
	var out []Alert
	days := f.SilenceDays()
	if !prev.SilenceAlerted(f.LastBuyerAt) {
		next.SilenceAlertAt = nil
		if days >= f.SilenceThreshold {
			at := f.AsOf
			next.SilenceAlertAt = &at
			out = append(out, Alert{Kind: AlertSilence, Days: days, Threshold: f.SilenceThreshold, Score: h.Score, Signal: KeySilence,
				NextStep: fmt.Sprintf("Call %s: nobody there has ordered, asked or written for %d days.", f.BuyerName, days)})
		}
	}
	if prev.LastStatus != "" && StatusLevel(h.Status) < StatusLevel(prev.LastStatus) {
		a := Alert{Kind: AlertStatusDrop, From: prev.LastStatus, To: h.Status, Score: h.Score}
		worst, ok := h.Worst()
		if ok {
			a.Signal = worst.Key
		}
		a.NextStep = NextStep(worst.Key, f.BuyerName)
		out = append(out, a)
	}
	return out, next
}

// NextStep is the suggested action for the signal doing the most damage.
func NextStep(key, buyer string) string {
	switch key {
	case KeyPromises:
		return fmt.Sprintf("Review the broken and overdue promises to %s with their owners.", buyer)
	case KeyService, KeyResponsiveness:
		return fmt.Sprintf("Follow up the oldest open ticket of %s.", buyer)
	case KeyOnTime:
		return fmt.Sprintf("Review the late deliveries to %s with production and tell them the new dates.", buyer)
	case KeyOrderTrend, KeyComplaints:
		return fmt.Sprintf("Call %s and ask how their plans have changed.", buyer)
	case KeyForecast:
		return fmt.Sprintf("Ask %s for an updated forecast.", buyer)
	case KeyCollaboration:
		return fmt.Sprintf("Propose an improvement idea to %s.", buyer)
	}
	return fmt.Sprintf("Call %s.", buyer)
}
