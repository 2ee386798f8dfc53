package health

import (
	"fmt"
	"math"
)

// silenceSignal: full marks up to half the threshold, 50 on reaching it, and
// falling to 0 at three times the threshold. Silence is the strongest warning.
func silenceSignal(f Facts) Signal {
	days := f.SilenceDays()
	t := float64(max(f.SilenceThreshold, 1))
	d := float64(days)
	var score float64
	switch {
	case d <= t/2:
		score = 100
	case d <= t:
		score = lerp(d, t/2, t, 100, 50)
	case d <= 2*t:
		score = lerp(d, t, 2*t, 50, 10)
	default:
		score = lerp(d, 2*t, 3*t, 10, 0)
	}
	s := Signal{Key: KeySilence, Value: val(d), Score: int(math.Round(score)), Available: true}
	switch {
	case f.LastBuyerAt == nil:
		s.Explanation = fmt.Sprintf("No word from %s since the relationship began %s — threshold %d days.", f.BuyerName, daysAgo(days), f.SilenceThreshold)
	case days >= f.SilenceThreshold:
		s.Explanation = fmt.Sprintf("No word from %s for %d days — threshold %d.", f.BuyerName, days, f.SilenceThreshold)
	default:
		s.Explanation = fmt.Sprintf("%s was last heard from %s — threshold %d days.", f.BuyerName, daysAgo(days), f.SilenceThreshold)
	}
	return s
}

// complaintsSignal is the complaints paradox: an active buyer who never raises a
// ticket, complaint or question is not satisfied, they have stopped talking.
func complaintsSignal(f Facts) Signal {
	if f.AgeDays() < f.WindowDays/2 {
		return unavailable(KeyComplaints, fmt.Sprintf("The relationship is %d days old; too new to judge what %s does not say.", f.AgeDays(), f.BuyerName))
	}
	if f.OrdersInWindow == 0 {
		return unavailable(KeyComplaints, fmt.Sprintf("%s placed no orders in %d days; silence and the order trend speak for that.", f.BuyerName, f.WindowDays))
	}
	if f.TicketsInWindow == 0 {
		return Signal{Key: KeyComplaints, Value: val(0), Score: 30, Available: true,
			Explanation: fmt.Sprintf("%s ordered %d times in %d days but raised no ticket, complaint or question — quiet is not the same as satisfied.", f.BuyerName, f.OrdersInWindow, f.WindowDays)}
	}
	return Signal{Key: KeyComplaints, Value: val(float64(f.TicketsInWindow)), Score: 100, Available: true,
		Explanation: fmt.Sprintf("%s raised %s in %d days: they still tell us what is wrong.", f.BuyerName, plural(f.TicketsInWindow, "ticket"), f.WindowDays)}
}

// promisesSignal: the share of promises kept, less 15 points per open promise past due.
func promisesSignal(f Facts) Signal {
	n := f.PromisesKept + f.PromisesBroken
	if n == 0 && f.PromisesOverdue == 0 {
		return unavailable(KeyPromises, fmt.Sprintf("No promise to %s came due in %d days.", f.BuyerName, f.WindowDays))
	}
	ratio := 1.0
	if n > 0 {
		ratio = float64(f.PromisesKept) / float64(n)
	}
	score := clamp(100*ratio-15*float64(f.PromisesOverdue), 0, 100)
	expl := fmt.Sprintf("Kept %d of %s to %s in %d days", f.PromisesKept, plural(n, "promise"), f.BuyerName, f.WindowDays)
	if f.PromisesOverdue > 0 {
		expl += fmt.Sprintf("; %s overdue", plural(f.PromisesOverdue, "open promise"))
	}
	return Signal{Key: KeyPromises, Value: val(round1(100 * ratio)), Score: int(math.Round(score)), Available: true, Explanation: expl + "."}
}

// onTimeSignal: 100 when every delivery met its promised date, 0 at half of them.
func onTimeSignal(f Facts) Signal {
	n := f.DeliveredOnTime + f.DeliveredLate
	if n == 0 {
		return unavailable(KeyOnTime, fmt.Sprintf("No order with a promised date was delivered to %s in %d days.", f.BuyerName, f.WindowDays))
	}
	ratio := float64(f.DeliveredOnTime) / float64(n)
	return Signal{Key: KeyOnTime, Value: val(round1(100 * ratio)), Score: int(math.Round(lerp(ratio, 0.5, 1, 0, 100))), Available: true,
		Explanation: fmt.Sprintf("%d of %s delivered on or before the promised date in %d days.", f.DeliveredOnTime, plural(n, "order"), f.WindowDays)}
}

// serviceSignal: SLA adherence (first response and resolution), less 20 points
// per critical ticket still open.
func serviceSignal(f Facts) Signal {
	n := f.SLAMet + f.SLAMissed
	if n == 0 && f.OpenCritical == 0 {
		return unavailable(KeyService, fmt.Sprintf("No ticket of %s had an SLA deadline in %d days.", f.BuyerName, f.WindowDays))
	}
	ratio := 1.0
	if n > 0 {
		ratio = float64(f.SLAMet) / float64(n)
	}
	score := clamp(lerp(ratio, 0.5, 1, 0, 100)-20*float64(f.OpenCritical), 0, 100)
	expl := fmt.Sprintf("Met %d of %d SLA deadlines in %d days", f.SLAMet, n, f.WindowDays)
	if f.OpenCritical > 0 {
		expl += fmt.Sprintf("; %s open", plural(f.OpenCritical, "critical ticket"))
	}
	return Signal{Key: KeyService, Value: val(round1(100 * ratio)), Score: int(math.Round(score)), Available: true, Explanation: expl + "."}
}

// responsivenessSignal: the median time to our first answer; within 4 hours is
// full marks, a day is 70, three days 30, a week 0.
func responsivenessSignal(f Facts) Signal {
	if len(f.ResponseMinutes) == 0 {
		return unavailable(KeyResponsiveness, fmt.Sprintf("%s asked nothing that we answered in %d days.", f.BuyerName, f.WindowDays))
	}
	m := Median(f.ResponseMinutes)
	var score float64
	switch {
	case m <= 240:
		score = 100
	case m <= 1440:
		score = lerp(m, 240, 1440, 100, 70)
	case m <= 4320:
		score = lerp(m, 1440, 4320, 70, 30)
	default:
		score = lerp(m, 4320, 10080, 30, 0)
	}
	return Signal{Key: KeyResponsiveness, Value: val(round1(m)), Score: int(math.Round(score)), Available: true,
		Explanation: fmt.Sprintf("We answered %s's tickets and comments in a median %s (%s).", f.BuyerName, duration(m), plural(len(f.ResponseMinutes), "answer"))}
}

// collaborationSignal rewards ideas in both directions, accepted ideas and shared plans.
func collaborationSignal(f Facts) Signal {
	ideas := f.IdeasFromBuyer + f.IdeasFromSupplier
	if ideas+f.PlansShared == 0 && f.AgeDays() < 60 {
		return unavailable(KeyCollaboration, fmt.Sprintf("The relationship is %d days old; no ideas or plans yet.", f.AgeDays()))
	}
	if ideas+f.PlansShared == 0 {
		return Signal{Key: KeyCollaboration, Value: val(0), Score: 20, Available: true,
			Explanation: fmt.Sprintf("No ideas or plans exchanged with %s in %d days.", f.BuyerName, f.WindowDays)}
	}
	score := 30 + 10*min(f.IdeasFromBuyer, 3) + 10*min(f.IdeasFromSupplier, 3) + 10*min(f.IdeasAccepted, 2) + 5*min(f.PlansShared, 2)
	return Signal{Key: KeyCollaboration, Value: val(float64(ideas + f.PlansShared)), Score: min(score, 100), Available: true,
		Explanation: fmt.Sprintf("In %d days %s proposed %s, we proposed %d, %d accepted; %s shared.", f.WindowDays, f.BuyerName,
			plural(f.IdeasFromBuyer, "idea"), f.IdeasFromSupplier, f.IdeasAccepted, plural(f.PlansShared, "plan"))}
}

// forecastSignal: freshness of the buyer's forecast (a month old is fresh, three
// stale), averaged with its accuracy against actual orders when measurable.
func forecastSignal(f Facts) Signal {
	if f.LastForecastAt == nil {
		return unavailable(KeyForecast, fmt.Sprintf("%s has not shared a forecast yet.", f.BuyerName))
	}
	age := float64(DaysBetween(*f.LastForecastAt, f.AsOf))
	var fresh float64
	switch {
	case age <= 35:
		fresh = 100
	case age <= 90:
		fresh = lerp(age, 35, 90, 100, 40)
	default:
		fresh = lerp(age, 90, 180, 40, 0)
	}
	expl := fmt.Sprintf("%s's forecast was last revised %s", f.BuyerName, daysAgo(int(age)))
	score := fresh
	if f.ForecastAccuracy != nil {
		score = (fresh + 100*(*f.ForecastAccuracy)) / 2
		expl += fmt.Sprintf("; it matched actual orders to %.0f%%", 100*(*f.ForecastAccuracy))
	}
	return Signal{Key: KeyForecast, Value: val(age), Score: int(math.Round(score)), Available: true, Explanation: expl + "."}
}

// orderTrendSignal compares order value of the last 90 days with the same 90
// days a year earlier: holding steady or growing is full marks, 30% of it is 0.
func orderTrendSignal(f Facts) Signal {
	if f.OrderValueYearAgo == 0 {
		return unavailable(KeyOrderTrend, fmt.Sprintf("%s placed no orders in the same 90 days a year earlier; nothing to compare.", f.BuyerName))
	}
	r := float64(f.OrderValueRecent) / float64(f.OrderValueYearAgo)
	change := 100 * (r - 1)
	dir := "above"
	if change < 0 {
		dir = "below"
	}
	return Signal{Key: KeyOrderTrend, Value: val(round1(change)), Score: int(math.Round(lerp(r, 0.3, 1, 0, 100))), Available: true,
		Explanation: fmt.Sprintf("%s's orders of the last 90 days are %.0f%% %s the same period a year earlier.", f.BuyerName, math.Abs(change), dir)}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func daysAgo(days int) string {
	switch days {
	case 0:
		return "today"
	case 1:
		return "yesterday"
	}
	return fmt.Sprintf("%d days ago", days)
}

func duration(minutes float64) string {
	switch {
	case minutes < 90:
		return fmt.Sprintf("%.0f minutes", minutes)
	case minutes < 48*60:
		return fmt.Sprintf("%.1f hours", minutes/60)
	}
	return fmt.Sprintf("%.1f days", minutes/1440)
}
