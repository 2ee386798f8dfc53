package health

import "github.com/rapport/rapport/server/internal/domain/account"

// Directions of change over a history.
const (
	Improving = "improving"
	Declining = "declining"
	Stable    = "stable"
)

// trendBand is how many points a score must move to count as a change, so
// day-to-day noise reads as stable.
const trendBand = 5

// Point is one day's snapshot.
type Point struct {
	Day    string `json:"day"`
	Score  int    `json:"score"`
	Status string `json:"status"`
}

// History is a relationship's daily scores and where they are heading.
type History struct {
	RelationshipID string  `json:"relationship_id"`
	Days           int     `json:"days"`
	Items          []Point `json:"items"`
	Direction      string  `json:"direction"`
	Change         int     `json:"change"`
}

// WorstSignal names the signal doing the most damage, in the overview.
type WorstSignal struct {
	Key         string `json:"key"`
	Score       int    `json:"score"`
	Explanation string `json:"explanation"`
}

// NewHistory builds a history; the direction compares the mean of the last
// week with the mean of the first week of the range (fewer points: the ends).
func NewHistory(relID string, days int, points []Point) History {
	h := History{RelationshipID: relID, Days: days, Items: points, Direction: Stable}
	if h.Items == nil {
		h.Items = []Point{}
	}
	if len(points) < 2 {
		return h
	}
	n := min(7, len(points)/2)
	h.Change = roundInt(mean(points[len(points)-n:]) - mean(points[:n]))
	switch {
	case h.Change >= trendBand:
		h.Direction = Improving
	case h.Change <= -trendBand:
		h.Direction = Declining
	}
	return h
}

func mean(ps []Point) float64 {
	sum := 0
	for _, p := range ps {
		sum += p.Score
	}
	return float64(sum) / float64(len(ps))
}

func roundInt(x float64) int {
	if x < 0 {
		return -int(-x + 0.5)
	}
	return int(x + 0.5)
}

// Report is the supplier's explained view of one relationship's health.
type Report struct {
	Health
	BuyerName            string `json:"buyer_name"`
	SilenceThresholdDays int    `json:"silence_threshold_days"`
	Change30d            *int   `json:"change_30d"`
	HealthyMin           int    `json:"healthy_min"`
	WatchMin             int    `json:"watch_min"`
}

// OverviewItem is one customer in the supplier's portfolio overview.
type OverviewItem struct {
	RelationshipID string         `json:"relationship_id"`
	Buyer          account.OrgRef `json:"buyer"`
	AccountOwnerID *string        `json:"account_owner_id"`
	Score          int            `json:"score"`
	Status         string         `json:"status"`
	Change30d      *int           `json:"change_30d"`
	SilenceDays    int            `json:"silence_days"`
	WorstSignal    *WorstSignal   `json:"worst_signal"`
	Day            string         `json:"day"` // the day of the judgement
}
