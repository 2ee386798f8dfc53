package health

import (
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// facts is an established relationship (a year old) heard from today, with no other data.
func facts() Facts {
	return Facts{RelationshipID: "r1", BuyerName: "Contoso", AsOf: now, RelCreatedAt: now.AddDate(-1, 0, 0),
		SilenceThreshold: 30, WindowDays: 180, LastBuyerAt: ptr(now)}
}

func TestSilenceSignal(t *testing.T) {
	cases := []struct {
		name      string
		last      *time.Time
		created   time.Time
		wantDays  int
		wantScore int
		wantText  string
	}{
		{"heard from today", ptr(now), now.AddDate(-1, 0, 0), 0, 100, "last heard from today"},
		{"half the threshold", ptr(now.AddDate(0, 0, -15)), now.AddDate(-1, 0, 0), 15, 100, "15 days ago"},
		{"one day before the threshold", ptr(now.AddDate(0, 0, -29)), now.AddDate(-1, 0, 0), 29, 53, "29 days ago"},
		{"exactly on the threshold", ptr(now.AddDate(0, 0, -30)), now.AddDate(-1, 0, 0), 30, 50, "No word from Contoso for 30 days — threshold 30."},
		{"twice the threshold", ptr(now.AddDate(0, 0, -60)), now.AddDate(-1, 0, 0), 60, 10, "for 60 days"},
		{"three times the threshold", ptr(now.AddDate(0, 0, -95)), now.AddDate(-1, 0, 0), 95, 0, "for 95 days"},
		{"new relationship never heard from", nil, now.AddDate(0, 0, -3), 3, 100, "since the relationship began 3 days ago"},
		{"never heard from in 40 days", nil, now.AddDate(0, 0, -40), 40, 37, "since the relationship began 40 days ago"},
		{"23 hours is not a day", ptr(now.Add(-23 * time.Hour)), now.AddDate(-1, 0, 0), 0, 100, "today"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := facts()
			f.LastBuyerAt, f.RelCreatedAt = c.last, c.created
			s := silenceSignal(f)
			if !s.Available || int(*s.Value) != c.wantDays || s.Score != c.wantScore || !strings.Contains(s.Explanation, c.wantText) {
				t.Errorf("got days %v score %d %q; want %d, %d, containing %q", *s.Value, s.Score, s.Explanation, c.wantDays, c.wantScore, c.wantText)
			}
		})
	}
}

func TestComplaintsParadox(t *testing.T) {
	cases := []struct {
		name      string
		age       int
		orders    int
		tickets   int
		available bool
		score     int
		textFrag  string
	}{
		{"new relationship", 30, 5, 0, false, 0, "too new"},
		{"no orders: not active", 365, 0, 0, false, 0, "placed no orders"},
		{"active and never complains", 365, 12, 0, true, 30, "quiet is not the same as satisfied"},
		{"active and raises tickets", 365, 12, 3, true, 100, "raised 3 tickets"},
		{"exactly half the window old", 90, 2, 0, true, 30, "ordered 2 times"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := facts()
			f.RelCreatedAt = now.AddDate(0, 0, -c.age)
			f.OrdersInWindow, f.TicketsInWindow = c.orders, c.tickets
			s := complaintsSignal(f)
			if s.Available != c.available || s.Score != c.score || !strings.Contains(s.Explanation, c.textFrag) {
				t.Errorf("got %+v", s)
			}
		})
	}
}

func TestPromisesOnTimeServiceSignals(t *testing.T) {
	f := facts()
	for _, s := range []Signal{promisesSignal(f), onTimeSignal(f), serviceSignal(f), responsivenessSignal(f), forecastSignal(f), orderTrendSignal(f)} {
		if s.Available || s.Value != nil || s.Explanation == "" {
			t.Errorf("%s without data: %+v, want unavailable with a reason", s.Key, s)
		}
	}
	f.PromisesKept, f.PromisesBroken, f.PromisesOverdue = 8, 2, 1
	if s := promisesSignal(f); s.Score != 65 || *s.Value != 80 || !strings.Contains(s.Explanation, "Kept 8 of 10 promises") || !strings.Contains(s.Explanation, "1 open promise overdue") {
		t.Errorf("promises: %+v", s)
	}
	f.PromisesKept, f.PromisesBroken, f.PromisesOverdue = 0, 0, 2
	if s := promisesSignal(f); !s.Available || s.Score != 70 {
		t.Errorf("only overdue promises: %+v", s)
	}
	f.DeliveredOnTime, f.DeliveredLate = 9, 1
	if s := onTimeSignal(f); s.Score != 80 || *s.Value != 90 {
		t.Errorf("on time 9/10: %+v", s)
	}
	f.DeliveredOnTime, f.DeliveredLate = 1, 3
	if s := onTimeSignal(f); s.Score != 0 {
		t.Errorf("on time 1/4: %+v", s)
	}
	f.SLAMet, f.SLAMissed, f.OpenCritical = 10, 0, 1
	if s := serviceSignal(f); s.Score != 80 || !strings.Contains(s.Explanation, "1 critical ticket open") {
		t.Errorf("service: %+v", s)
	}
	f.SLAMet, f.SLAMissed, f.OpenCritical = 0, 0, 1
	if s := serviceSignal(f); !s.Available || s.Score != 80 {
		t.Errorf("only an open critical ticket: %+v", s)
	}
}

func TestResponsivenessSignal(t *testing.T) {
	for _, c := range []struct {
		minutes []float64
		score   int
	}{
		{[]float64{30, 60, 240}, 100},
		{[]float64{1440}, 70},
		{[]float64{60, 4320, 4320}, 30},
		{[]float64{20000}, 0},
		{[]float64{240, 1440}, 85}, // median of two: 840 minutes
	} {
		f := facts()
		f.ResponseMinutes = c.minutes
		if s := responsivenessSignal(f); s.Score != c.score {
			t.Errorf("%v: score %d, want %d (%s)", c.minutes, s.Score, c.score, s.Explanation)
		}
	}
}

func TestCollaborationSignal(t *testing.T) {
	f := facts()
	if s := collaborationSignal(f); !s.Available || s.Score != 20 {
		t.Errorf("nothing shared in a year-old relationship: %+v", s)
	}
	f.RelCreatedAt = now.AddDate(0, 0, -10)
	if s := collaborationSignal(f); s.Available {
		t.Errorf("new relationship: %+v", s)
	}
	f = facts()
	f.IdeasFromBuyer, f.IdeasFromSupplier, f.IdeasAccepted, f.PlansShared = 1, 2, 1, 1
	if s := collaborationSignal(f); s.Score != 75 {
		t.Errorf("ideas both ways: %+v", s)
	}
	f.IdeasFromBuyer, f.IdeasFromSupplier, f.IdeasAccepted, f.PlansShared = 5, 5, 5, 5
	if s := collaborationSignal(f); s.Score != 100 {
		t.Errorf("capped: %+v", s)
	}
}

func TestForecastSignal(t *testing.T) {
	f := facts()
	f.LastForecastAt = ptr(now.AddDate(0, 0, -10))
	if s := forecastSignal(f); s.Score != 100 || *s.Value != 10 {
		t.Errorf("fresh forecast: %+v", s)
	}
	f.ForecastAccuracy = ptr(0.6)
	if s := forecastSignal(f); s.Score != 80 || !strings.Contains(s.Explanation, "60%") {
		t.Errorf("fresh, 60%% accurate: %+v", s)
	}
	f.ForecastAccuracy = nil
	f.LastForecastAt = ptr(now.AddDate(0, 0, -200))
	if s := forecastSignal(f); s.Score != 0 {
		t.Errorf("stale forecast: %+v", s)
	}
}

func TestOrderTrendSignal(t *testing.T) {
	f := facts()
	f.OrderValueRecent = 500
	if s := orderTrendSignal(f); s.Available {
		t.Errorf("no year-ago baseline: %+v", s)
	}
	for _, c := range []struct {
		recent, prior int64
		score         int
		frag          string
	}{{1200, 1000, 100, "20% above"}, {1000, 1000, 100, "0% above"}, {650, 1000, 50, "35% below"}, {0, 1000, 0, "100% below"}} {
		f.OrderValueRecent, f.OrderValueYearAgo = c.recent, c.prior
		if s := orderTrendSignal(f); s.Score != c.score || !strings.Contains(s.Explanation, c.frag) {
			t.Errorf("%d vs %d: %+v", c.recent, c.prior, s)
		}
	}
}

func TestComputeRenormalisesOverAvailableSignals(t *testing.T) {
	set := DefaultSettings()
	f := facts()
	f.LastBuyerAt = ptr(now.AddDate(0, 0, -60)) // silence score 10
	f.DeliveredOnTime = 10                      // on-time score 100
	h := Compute(f, set)
	// Available: silence (25), collaboration (5, score 20), on_time (15); complaints has no orders.
	want := (25*10 + 5*20 + 15*100) / 45.0
	if h.WeightedScore != int(want+0.5) || h.Score != 39 || h.Status != StatusAtRisk || !strings.Contains(h.CapReason, "twice the threshold") {
		t.Fatalf("weighted %d, score %d %s (%s); want %.1f capped to 39 at_risk by silence", h.WeightedScore, h.Score, h.Status, h.CapReason, want)
	}
	sum := 0.0
	for _, s := range h.Signals {
		if !s.Available && s.Contribution != 0 {
			t.Errorf("%s unavailable but contributes %v", s.Key, s.Contribution)
		}
		sum += s.Contribution
	}
	if sum < float64(h.WeightedScore)-0.5 || sum > float64(h.WeightedScore)+0.5 {
		t.Errorf("contributions sum to %v, weighted score %d", sum, h.WeightedScore)
	}
	if w, _ := h.Worst(); w.Key != KeySilence {
		t.Errorf("worst = %s, want silence", w.Key)
	}
	if len(h.Signals) != len(Keys) {
		t.Errorf("%d signals", len(h.Signals))
	}
}

// An average must not hide a failing area: the weakest-link caps.
func TestWeakestLinkCaps(t *testing.T) {
	good := func() Facts {
		f := facts()
		f.DeliveredOnTime, f.PromisesKept, f.SLAMet, f.ResponseMinutes = 10, 10, 10, []float64{30}
		return f
	}
	cases := []struct {
		name   string
		change func(f *Facts)
		score  int
		status string
		reason string
	}{
		{"all good", func(f *Facts) {}, 95, StatusHealthy, ""},
		{"one failing signal", func(f *Facts) { f.DeliveredOnTime, f.DeliveredLate = 4, 6 }, 69, StatusWatch, "Failing on on-time delivery"},
		{"two failing signals", func(f *Facts) { f.DeliveredOnTime, f.DeliveredLate, f.SLAMet, f.SLAMissed = 4, 6, 1, 9 }, 39, StatusAtRisk, "on-time delivery and service SLAs"},
		{"silent exactly the threshold", func(f *Facts) { f.LastBuyerAt = ptr(now.AddDate(0, 0, -30)) }, 69, StatusWatch, "past the threshold of 30"},
		{"silent twice the threshold", func(f *Facts) { f.LastBuyerAt = ptr(now.AddDate(0, 0, -60)) }, 39, StatusAtRisk, "twice the threshold"},
		{"a failing light signal does not cap", func(f *Facts) { f.LastForecastAt = ptr(now.AddDate(0, 0, -300)) }, 89, StatusHealthy, ""},
	}
	for _, c := range cases {
		f := good()
		c.change(&f)
		h := Compute(f, DefaultSettings())
		if h.Score != c.score || h.Status != c.status || !strings.Contains(h.CapReason, c.reason) || (c.reason == "") != (h.CapReason == "") {
			t.Errorf("%s: %d %s %q (weighted %d)", c.name, h.Score, h.Status, h.CapReason, h.WeightedScore)
		}
	}
	// A supplier that weighs silence at 0 is not capped by it.
	set := DefaultSettings()
	set.Weights[KeySilence], set.Weights[KeyPromises] = 0, 40
	f := good()
	f.LastBuyerAt = ptr(now.AddDate(0, 0, -90))
	if h := Compute(f, set); h.CapReason != "" {
		t.Errorf("silence weighed 0 still caps: %q", h.CapReason)
	}
}

func TestStatusThresholds(t *testing.T) {
	set := DefaultSettings()
	for score, want := range map[int]string{100: StatusHealthy, 70: StatusHealthy, 69: StatusWatch, 40: StatusWatch, 39: StatusAtRisk, 0: StatusAtRisk} {
		if got := set.Status(score); got != want {
			t.Errorf("status(%d) = %s, want %s", score, got, want)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	if err := DefaultSettings().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	bad := DefaultSettings()
	bad.Weights[KeySilence] = 30 // sum 105
	bad.Weights["mood"] = 0
	delete(bad.Weights, KeyForecast)
	bad.WatchMin = 80
	err := bad.Validate()
	for _, field := range []string{"weights.mood", "weights.forecast", "watch_min"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("error %v does not name %s", err, field)
		}
	}
	sum := DefaultSettings()
	sum.Weights[KeySilence] = 30
	if err := sum.Validate(); err == nil || !strings.Contains(err.Error(), "sum to 100, not 105") {
		t.Errorf("sum error: %v", err)
	}
}

func TestSilenceAlertOncePerEpisode(t *testing.T) {
	f := facts()
	lastHeard := now.AddDate(0, 0, -29)
	f.LastBuyerAt = &lastHeard
	var st AlertState

	day := func(d int) []Alert {
		f.AsOf = now.AddDate(0, 0, d)
		alerts, next := Decide(st, f, Compute(f, DefaultSettings()))
		st = next
		var silence []Alert // status drops are TestStatusDropAlert's concern
		for _, a := range alerts {
			if a.Kind == AlertSilence {
				silence = append(silence, a)
			}
		}
		return silence
	}
	if a := day(0); len(a) != 0 {
		t.Fatalf("29 days: %v", a)
	}
	a := day(1) // exactly on the threshold
	if len(a) != 1 || a[0].Kind != AlertSilence || a[0].Days != 30 || a[0].Threshold != 30 || !strings.Contains(a[0].NextStep, "Call Contoso") {
		t.Fatalf("on the threshold: %+v", a)
	}
	for d := 2; d < 20; d++ {
		if a := day(d); len(a) != 0 {
			t.Fatalf("silence alert repeated on day %d", d)
		}
	}
	// One comment breaks the silence; a new silence episode alerts again.
	heard := now.AddDate(0, 0, 20)
	f.LastBuyerAt = &heard
	if a := day(20); len(a) != 0 {
		t.Fatalf("right after the buyer spoke: %v", a)
	}
	if a := day(49); len(a) != 0 {
		t.Fatalf("29 days into the new silence: %v", a)
	}
	if a := day(50); len(a) != 1 || a[0].Kind != AlertSilence {
		t.Fatalf("new episode not alerted: %v", a)
	}
}

func TestStatusDropAlert(t *testing.T) {
	f := facts()
	prev := AlertState{LastStatus: StatusHealthy}
	f.PromisesBroken = 5
	h := Compute(f, DefaultSettings())
	h.Status = StatusWatch
	alerts, next := Decide(prev, f, h)
	if len(alerts) != 1 || alerts[0].Kind != AlertStatusDrop || alerts[0].From != StatusHealthy || alerts[0].To != StatusWatch ||
		alerts[0].Signal != KeyPromises || !strings.Contains(alerts[0].NextStep, "broken and overdue promises") {
		t.Fatalf("drop: %+v", alerts)
	}
	if again, _ := Decide(next, f, h); len(again) != 0 {
		t.Fatalf("staying at watch alerted again: %+v", again)
	}
	if first, _ := Decide(AlertState{}, f, h); len(first) != 0 {
		t.Fatalf("first evaluation is not a drop: %+v", first)
	}
	h.Status = StatusHealthy
	if up, _ := Decide(next, f, h); len(up) != 0 {
		t.Fatalf("an improvement alerted: %+v", up)
	}
}

func TestNextStepNamesTheAction(t *testing.T) {
	for key, frag := range map[string]string{KeySilence: "Call", KeyPromises: "promises", KeyService: "oldest open ticket", KeyResponsiveness: "oldest open ticket"} {
		if s := NextStep(key, "Contoso"); !strings.Contains(s, frag) {
			t.Errorf("%s: %q", key, s)
		}
	}
}

func TestHistoryDirection(t *testing.T) {
	pts := func(scores ...int) []Point {
		out := make([]Point, len(scores))
		for i, s := range scores {
			out[i] = Point{Day: now.AddDate(0, 0, i).Format(time.DateOnly), Score: s}
		}
		return out
	}
	for _, c := range []struct {
		p    []Point
		dir  string
		diff int
	}{
		{nil, Stable, 0}, {pts(50), Stable, 0}, {pts(80, 78, 60, 50), Declining, -24}, {pts(40, 42, 41, 44), Stable, 2}, {pts(30, 50), Improving, 20},
	} {
		h := NewHistory("r", 30, c.p)
		if h.Direction != c.dir || h.Change != c.diff || h.Items == nil {
			t.Errorf("%v: %s %d, want %s %d", c.p, h.Direction, h.Change, c.dir, c.diff)
		}
	}
}

func TestScorecardBuckets(t *testing.T) {
	sc := NewScorecard("r", now)
	if sc.From != "2025-07" || sc.To != "2026-06" || len(sc.Months) != 12 {
		t.Fatalf("months %s..%s (%d)", sc.From, sc.To, len(sc.Months))
	}
	sc.AddDelivery(now, true)
	sc.AddDelivery(now, false)
	sc.AddDelivery(now.AddDate(-2, 0, 0), true) // outside: ignored
	sc.AddPromise(now.AddDate(0, -1, 0), true)
	sc.AddSLA(now, true)
	sc.AddResponse(now, 30)
	sc.AddResponse(now, 90)
	sc.AddIdea(now, "buyer")
	sc.AddAccepted(now, "buyer")
	sc.Finish()
	last := sc.Months[11]
	if last.Deliveries != 2 || *last.OnTimeRate != 50 || *last.MedianResponseMinutes != 60 || last.IdeasFromBuyer != 1 || last.BuyerIdeasAccepted != 1 {
		t.Errorf("last month %+v", last)
	}
	if sc.Months[10].PromisesKept != 1 || sc.Months[0].OnTimeRate != nil {
		t.Errorf("months %+v / %+v", sc.Months[10], sc.Months[0])
	}
	if sc.Totals.Deliveries != 2 || sc.Totals.PromisesKept != 1 || *sc.Totals.SLARate != 100 {
		t.Errorf("totals %+v", sc.Totals)
	}
}
