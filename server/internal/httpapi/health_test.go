package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// Relationship health is the supplier's internal view: its members get 200,
// and the buyer gets 404 (TestHealthIsHiddenFromTheBuyer), not 403, so Denied is nil.
var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "relationship health", Method: "GET", Path: "/relationships/{rel}/health",
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "relationship health history", Method: "GET", Path: "/relationships/{rel}/health/history?days=30",
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "scorecard as buyer", Method: "GET", Path: "/relationships/{rel}/scorecard",
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "scorecard as supplier", Method: "GET", Path: "/relationships/{rel}/scorecard",
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
)

// healthTomorrowNoon anchors the fake clock after everything the fixture wrote.
func healthTomorrowNoon() time.Time { return healthNoon(time.Now().UTC()).AddDate(0, 0, 1) }

func TestHealthIsHiddenFromTheBuyer(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		for _, path := range []string{"/relationships/" + f.RelA + "/health", "/relationships/" + f.RelA + "/health/history"} {
			for who, a := range map[string]testutil.Actor{"buyer admin": f.BuyerA.Admin, "buyer member": f.BuyerA.Member} {
				r := s.Call("GET", path, a.Token, nil).Expect(t, http.StatusNotFound)
				if strings.Contains(string(r.Body), "health") || strings.Contains(string(r.Body), "supplier") {
					t.Errorf("%s %s: the 404 must not hint at the internal view: %s", who, path, r.Body)
				}
			}
			s.Call("GET", path, f.Supplier.Member.Token, nil).Expect(t, http.StatusOK)
			s.Call("GET", path, f.Supplier.Admin.Token, nil).Expect(t, http.StatusOK)
		}
	})
}

func TestHealthSilenceAndAlertEpisodes(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		base := healthTomorrowNoon()
		h := newHealthHistory(t, s, f.RelA, f.Supplier, f.BuyerA, base.AddDate(-1, 0, 0))
		h.event(base.AddDate(0, 0, -25), access.Buyer, event.CommentCreated, nil)      // the buyer's last word
		h.event(base.AddDate(0, 0, -2), access.Supplier, event.CommentCreated, nil)    // our own talk is not theirs
		h.event(base.AddDate(0, 0, -1), access.Buyer, event.UserAdded, nil)            // not an action towards us
		h.event(base.AddDate(0, 0, -1), access.Buyer, "auth.login", nil)               // logins never count
		h.event(base.AddDate(0, 0, -1), access.Supplier, event.InteractionLogged, nil) // a call we initiated
		health := func(at time.Time) map[string]any {
			s.Store.SetClock(func() time.Time { return at })
			return s.Call("GET", "/relationships/"+f.RelA+"/health", f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
		}
		if v := healthSignal(t, health(base), "silence")["value"]; v != 25.0 {
			t.Fatalf("silence = %v days, want 25", v)
		}
		on := healthSignal(t, health(base.AddDate(0, 0, 5)), "silence")
		if on["value"] != 30.0 || !strings.Contains(on["explanation"].(string), "for 30 days — threshold 30") {
			t.Fatalf("exactly on the threshold: %v", on)
		}

		silenceAlerts := func() []map[string]any {
			var out []map[string]any
			for _, a := range healthAlerts(t, s, f.RelA, f.Supplier.Member.Token) {
				if a["data"].(map[string]any)["kind"] == "silence" {
					out = append(out, a)
				}
			}
			return out
		}
		for d := 0; d <= 10; d++ {
			if n := runHealthJob(t, s, base.AddDate(0, 0, d)); n != 3 {
				t.Fatalf("day %d: judged %d relationships, want 3", d, n)
			}
		}
		if n := runHealthJob(t, s, base.AddDate(0, 0, 10).Add(time.Hour)); n != 0 {
			t.Fatalf("second run the same day judged %d relationships, want 0", n)
		}
		got := silenceAlerts()
		if len(got) != 1 {
			t.Fatalf("%d silence alerts after 10 days, want exactly 1: %v", len(got), got)
		}
		data := got[0]["data"].(map[string]any)
		at, _ := time.Parse(time.RFC3339, got[0]["at"].(string))
		if !at.Equal(base.AddDate(0, 0, 5)) || data["days"] != 30.0 || data["threshold"] != 30.0 || got[0]["actor_side"] != "system" ||
			!strings.Contains(data["next_step"].(string), "Call ") {
			t.Errorf("alert %v", got[0])
		}
		notify := fmt.Sprint(data["notify"])
		if !strings.Contains(notify, f.Supplier.Admin.User.ID) || !strings.Contains(notify, f.Supplier.Member.User.ID) || strings.Contains(notify, f.BuyerA.Admin.User.ID) {
			t.Errorf("notify %s: want the supplier's users only", notify)
		}
		// The buyer never sees the alert, in the feed or anywhere else.
		for _, ev := range s.Call("GET", "/relationships/"+f.RelA+"/events?after_seq=0&limit=1000", f.BuyerA.Admin.Token, nil).Expect(t, 200).Items(t) {
			if ev["type"] == event.HealthAlert {
				t.Fatalf("the buyer sees %v", ev)
			}
		}

		// One comment breaks the silence; alerts (system events) do not.
		h.event(base.AddDate(0, 0, 12), access.Buyer, event.CommentCreated, nil)
		if v := healthSignal(t, health(base.AddDate(0, 0, 13)), "silence")["value"]; v != 1.0 {
			t.Fatalf("silence after one comment = %v, want 1", v)
		}
		for d := 11; d <= 45; d++ {
			runHealthJob(t, s, base.AddDate(0, 0, d))
		}
		got = silenceAlerts()
		if len(got) != 2 {
			t.Fatalf("%d silence alerts, want 2 (one per episode): %v", len(got), got)
		}
		if at, _ := time.Parse(time.RFC3339, got[1]["at"].(string)); !at.Equal(base.AddDate(0, 0, 42)) {
			t.Errorf("second episode alerted at %s, want %s", at, base.AddDate(0, 0, 42))
		}

		// Status drops alert once per drop: watch → at_risk as the first silence
		// reached 35 days, healthy → watch 22 days into the second one.
		var drops []string
		for _, a := range healthAlerts(t, s, f.RelA, f.Supplier.Member.Token) {
			d := a["data"].(map[string]any)
			if d["kind"] == "status_drop" {
				at, _ := time.Parse(time.RFC3339, a["at"].(string))
				drops = append(drops, fmt.Sprintf("%d:%s>%s", int(at.Sub(base).Hours()/24), d["from"], d["to"]))
				if d["signal"] != "silence" || !strings.Contains(d["next_step"].(string), "Call ") {
					t.Errorf("status drop %v", d)
				}
			}
		}
		if fmt.Sprint(drops) != "[10:watch>at_risk 34:healthy>watch]" {
			t.Errorf("status drops %v", drops)
		}

		// An interaction the buyer initiated counts, even when we logged it; ours does not.
		h.exec(`INSERT INTO interactions (id, relationship_id, kind, occurred_at, summary, initiated_by, logged_by, created_at) VALUES (?, ?, 'call', ?, 'They called', 'buyer', ?, ?)`,
			store.NewID(), f.RelA, base.AddDate(0, 0, 46), f.Supplier.Member.User.ID, base.AddDate(0, 0, 46))
		h.exec(`INSERT INTO interactions (id, relationship_id, kind, occurred_at, summary, initiated_by, logged_by, created_at) VALUES (?, ?, 'call', ?, 'We called', 'supplier', ?, ?)`,
			store.NewID(), f.RelA, base.AddDate(0, 0, 48), f.Supplier.Member.User.ID, base.AddDate(0, 0, 48))
		if v := healthSignal(t, health(base.AddDate(0, 0, 50)), "silence")["value"]; v != 4.0 {
			t.Fatalf("silence after the buyer's call = %v, want 4", v)
		}
	})
}

func TestHealthSignalsFromHandBuiltHistory(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		base := healthTomorrowNoon()
		ago := func(d int) time.Time { return base.AddDate(0, 0, -d) }
		date := func(d int) string { return ago(d).Format(time.DateOnly) }
		h := newHealthHistory(t, s, f.RelA, f.Supplier, f.BuyerA, ago(400))

		// Orders: 10,000 a year earlier; 7,100 in the last 90 days; a cancelled one ignored.
		h.order(ago(400), 10000, "delivered", "", nil, 0)
		h.order(ago(30), 5000, "delivered", date(20), healthTimePtr(ago(22)), 0) // on time
		h.order(ago(60), 2000, "delivered", date(50), healthTimePtr(ago(45)), 0) // late
		h.order(ago(10), 99999, "cancelled", "", nil, 0)
		thisMonth := time.Date(base.Year(), base.Month(), 1, 0, 0, 0, 0, time.UTC)
		prevMonth := thisMonth.AddDate(0, -1, 0)
		h.order(prevMonth.AddDate(0, 0, 2), 100, "acknowledged", "", nil, 8)
		// Forecast: 10 for last month made before it began (8 ordered: 80%), revised 5 days ago.
		h.forecast(prevMonth.AddDate(0, 0, -10), 1, prevMonth.Format("2006-01"), 10)
		h.forecast(ago(5), 2, thisMonth.AddDate(0, 1, 0).Format("2006-01"), 12)
		// Promises: one kept, one broken, one open past due, one open not yet due.
		h.promise(ago(40), date(12), "kept", healthTimePtr(ago(10)))
		h.promise(ago(40), date(22), "broken", healthTimePtr(ago(20)))
		h.promise(ago(40), date(5), "open", nil)
		h.promise(ago(40), base.AddDate(0, 0, 5).Format(time.DateOnly), "open", nil)
		// Tickets: a critical one answered in 2 h, resolution overdue; a normal one answered late (10 h), resolved in time.
		h.ticket(ago(3), "critical", ago(3).Add(4*time.Hour), ago(1), healthTimePtr(ago(3).Add(2*time.Hour)), nil)
		h.ticket(ago(50), "normal", ago(50).Add(8*time.Hour), ago(45), healthTimePtr(ago(50).Add(10*time.Hour)), healthTimePtr(ago(46)))
		// A buyer comment answered by us in 30 minutes.
		h.comment(ago(7), access.Buyer, "thread-1")
		h.comment(ago(7).Add(30*time.Minute), access.Supplier, "thread-1")
		// Ideas: theirs accepted, ours still proposed.
		h.idea(ago(40), access.Buyer, "accepted", ago(20))
		h.idea(ago(30), access.Supplier, "proposed", ago(30))

		s.Store.SetClock(func() time.Time { return base })
		body := s.Call("GET", "/relationships/"+f.RelA+"/health", f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
		want := []struct {
			key   string
			value float64
			score float64
		}{
			{"silence", 3, 100},
			{"complaints_paradox", 2, 100},
			{"promises_kept", 50, 35},
			{"on_time_delivery", 50, 0},
			{"service_sla", 50, 0},
			{"responsiveness", 120, 100},
			{"collaboration", 2, 60},
			{"forecast", 5, 90},
			{"order_trend", -29, 59},
		}
		total := 0.0
		for _, w := range want {
			sg := healthSignal(t, body, w.key)
			if sg["available"] != true || sg["value"] != w.value || sg["score"] != w.score || sg["explanation"] == "" {
				t.Errorf("%s: %v, want value %v score %v", w.key, sg, w.value, w.score)
			}
			total += sg["contribution"].(float64)
		}
		if score := body["weighted_score"].(float64); total < score-0.6 || total > score+0.6 {
			t.Errorf("contributions add up to %v, weighted score %v", total, score)
		}
		// Deliveries and SLAs both failing: at risk whatever the average says.
		if body["score"] != 39.0 || body["status"] != "at_risk" || !strings.Contains(body["cap_reason"].(string), "on-time delivery and service SLAs") {
			t.Errorf("weakest link: score %v %v, %v", body["score"], body["status"], body["cap_reason"])
		}
		if expl := healthSignal(t, body, "service_sla")["explanation"].(string); !strings.Contains(expl, "1 critical ticket open") {
			t.Errorf("service explanation %q", expl)
		}

		// The buyer's scorecard holds the same facts per month, and no score.
		sc := s.Call("GET", "/relationships/"+f.RelA+"/scorecard", f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)
		tot := sc["totals"].(map[string]any)
		if tot["deliveries"] != 2.0 || tot["delivered_on_time"] != 1.0 || tot["promises_kept"] != 1.0 || tot["promises_broken"] != 1.0 ||
			tot["ideas_from_buyer"] != 1.0 || tot["buyer_ideas_accepted"] != 1.0 || tot["median_response_minutes"] != 120.0 {
			t.Errorf("scorecard totals %v", tot)
		}
		for _, k := range []string{"score", "status", "signals"} {
			if _, ok := sc[k]; ok {
				t.Errorf("the scorecard leaks %q", k)
			}
		}
		same := s.Call("GET", "/relationships/"+f.RelA+"/scorecard", f.Supplier.Member.Token, nil).Expect(t, 200)
		if fmt.Sprint(same.JSON(t)) != fmt.Sprint(sc) {
			t.Errorf("the two sides see different scorecards")
		}
	})
}

func TestHealthNewRelationshipWithoutData(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		s.Store.SetClock(healthTomorrowNoon)
		body := s.Call("GET", "/relationships/"+f.RelA+"/health", f.Supplier.Admin.Token, nil).Expect(t, 200).JSON(t)
		for _, sg := range body["signals"].([]any) {
			m := sg.(map[string]any)
			if m["key"] == "silence" {
				if m["available"] != true || m["score"] != 100.0 {
					t.Errorf("silence of a new relationship: %v", m)
				}
				continue
			}
			if m["available"] != false || m["value"] != nil || m["contribution"] != 0.0 || m["explanation"] == "" {
				t.Errorf("%s without data must say so and not count: %v", m["key"], m)
			}
		}
		if body["score"] != 100.0 || body["status"] != "healthy" || body["change_30d"] != nil {
			t.Errorf("new relationship: %v", body)
		}
	})
}

func TestHealthHistoryDirection(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		base := healthTomorrowNoon()
		h := newHealthHistory(t, s, f.RelA, f.Supplier, f.BuyerA, base.AddDate(-1, 0, 0))
		h.event(base.AddDate(0, 0, -1), access.Buyer, event.OrderSubmitted, nil)
		for d := 0; d < 40; d++ {
			runHealthJob(t, s, base.AddDate(0, 0, d))
		}
		s.Store.SetClock(func() time.Time { return base.AddDate(0, 0, 39) })
		body := s.Call("GET", "/relationships/"+f.RelA+"/health/history?days=30", f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
		items := body["items"].([]any)
		if len(items) != 30 || body["direction"] != "declining" || body["change"].(float64) > -5 {
			t.Fatalf("history: %d items, %v %v", len(items), body["direction"], body["change"])
		}
		first, last := items[0].(map[string]any), items[29].(map[string]any)
		if first["day"] != base.AddDate(0, 0, 10).Format(time.DateOnly) || last["day"] != base.AddDate(0, 0, 39).Format(time.DateOnly) {
			t.Errorf("days %v..%v", first["day"], last["day"])
		}
		rep := s.Call("GET", "/relationships/"+f.RelA+"/health", f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
		if rep["change_30d"] == nil || rep["change_30d"].(float64) >= 0 {
			t.Errorf("change_30d = %v, want a drop", rep["change_30d"])
		}
		for _, q := range []string{"days=0", "days=367", "days=x"} {
			r := s.Call("GET", "/relationships/"+f.RelA+"/health/history?"+q, f.Supplier.Member.Token, nil).Expect(t, 422)
			if !strings.Contains(string(r.Body), `"field":"days"`) {
				t.Errorf("%s: %s", q, r.Body)
			}
		}
	})
}

func TestHealthOverviewRiskiestFirst(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		buyerC := s.Party("Buyer C", "purchasing")
		relC := s.Relate(f.Supplier, buyerC)
		base := healthTomorrowNoon()
		for _, c := range []struct {
			rel    string
			buyer  testutil.Party
			silent int
		}{{f.RelA, f.BuyerA, 70}, {f.RelB, f.BuyerB, 1}, {relC, buyerC, 35}} {
			h := newHealthHistory(t, s, c.rel, f.Supplier, c.buyer, base.AddDate(-1, 0, 0))
			h.event(base.AddDate(0, 0, -c.silent), access.Buyer, event.CommentCreated, nil)
		}
		s.Store.SetClock(func() time.Time { return base })
		s.App.Now = func() time.Time { return base }
		// Nothing judged yet: the overview judges new relationships itself.
		items := s.Call("GET", "/health/overview", f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		var order []string
		for _, it := range items {
			order = append(order, it["relationship_id"].(string))
		}
		if fmt.Sprint(order) != fmt.Sprint([]string{f.RelA, relC, f.RelB}) {
			t.Fatalf("order %v, want A (silent 70 days), C (35), B (1)", items)
		}
		a := items[0]
		if a["silence_days"] != 70.0 || a["status"] != "at_risk" || a["buyer"].(map[string]any)["name"] != f.BuyerA.Org.Name ||
			a["worst_signal"].(map[string]any)["key"] != "silence" {
			t.Errorf("first item %v", a)
		}
		if items[2]["status"] != "healthy" {
			t.Errorf("B: %v", items[2])
		}
		// The overview's silence follows the buyer's actions between daily runs.
		h := &healthHistory{t: t, s: s, rel: f.RelA, supplier: f.Supplier, buyer: f.BuyerA}
		h.event(base.Add(-time.Hour), access.Buyer, event.TicketOpened, nil)
		items = s.Call("GET", "/health/overview?status=at_risk", f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		if len(items) != 2 || items[0]["relationship_id"] != f.RelA || items[0]["silence_days"] != 0.0 {
			t.Errorf("at_risk after A spoke: %v", items)
		}

		// Filters and pagination.
		s.Call("PATCH", "/relationships/"+f.RelB, f.Supplier.Admin.Token, map[string]any{"account_owner_id": f.Supplier.Member.User.ID}).Expect(t, 200)
		mine := s.Call("GET", "/health/overview?account_owner_id="+f.Supplier.Member.User.ID, f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		if len(mine) != 1 || mine[0]["relationship_id"] != f.RelB {
			t.Errorf("owner filter: %v", mine)
		}
		var walked []string
		cursor := ""
		for i := 0; i < 5; i++ {
			r := s.Call("GET", "/health/overview?limit=1&cursor="+cursor, f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
			for _, it := range r["items"].([]any) {
				walked = append(walked, it.(map[string]any)["relationship_id"].(string))
			}
			cursor, _ = r["next_cursor"].(string)
			if cursor == "" {
				break
			}
		}
		if fmt.Sprint(walked) != fmt.Sprint(order) {
			t.Errorf("pages %v, want %v", walked, order)
		}
		for _, q := range []string{"status=fine", "limit=0", "cursor=bogus"} {
			s.Call("GET", "/health/overview?"+q, f.Supplier.Member.Token, nil).Expect(t, 422)
		}
		// Buyers and unrelated suppliers see none of these customers.
		if got := s.Call("GET", "/health/overview", f.BuyerA.Admin.Token, nil).Expect(t, 200).Items(t); len(got) != 0 {
			t.Errorf("the buyer sees %v", got)
		}
		for _, it := range s.Call("GET", "/health/overview", f.Outsider.Admin.Token, nil).Expect(t, 200).Items(t) {
			if it["relationship_id"] != f.RelOut {
				t.Errorf("the outsider sees %v", it)
			}
		}
	})
}

func TestHealthSettings(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		s.Store.SetClock(healthTomorrowNoon)
		def := s.Call("GET", "/health/settings", f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
		if def["healthy_min"] != 70.0 || def["watch_min"] != 40.0 || def["version"] != 0.0 || def["weights"].(map[string]any)["silence"] != 25.0 {
			t.Fatalf("defaults %v", def)
		}
		onlySilence := map[string]any{"silence": 100, "complaints_paradox": 0, "promises_kept": 0, "on_time_delivery": 0, "service_sla": 0,
			"responsiveness": 0, "collaboration": 0, "forecast": 0, "order_trend": 0}
		good := map[string]any{"weights": onlySilence, "healthy_min": 80, "watch_min": 50, "window_days": 90}
		cases := []struct {
			name   string
			token  string
			body   any
			header map[string]string
			status int
			frag   string
		}{
			{"member", f.Supplier.Member.Token, good, nil, 403, "admin"},
			{"weights not summing to 100", f.Supplier.Admin.Token, map[string]any{"weights": map[string]any{"silence": 50, "complaints_paradox": 0, "promises_kept": 0,
				"on_time_delivery": 0, "service_sla": 0, "responsiveness": 0, "collaboration": 0, "forecast": 0, "order_trend": 0}, "healthy_min": 70, "watch_min": 40, "window_days": 180}, nil, 422, `"field":"weights"`},
			{"unknown signal", f.Supplier.Admin.Token, map[string]any{"weights": map[string]any{"mood": 100}, "healthy_min": 70, "watch_min": 40, "window_days": 180}, nil, 422, `"field":"weights.mood"`},
			{"watch above healthy", f.Supplier.Admin.Token, map[string]any{"weights": onlySilence, "healthy_min": 50, "watch_min": 60, "window_days": 180}, nil, 422, `"field":"watch_min"`},
			{"missing field", f.Supplier.Admin.Token, map[string]any{"weights": onlySilence}, nil, 422, `"field":"healthy_min"`},
			{"unknown field", f.Supplier.Admin.Token, map[string]any{"weights": onlySilence, "healthy_min": 70, "watch_min": 40, "window_days": 180, "x": 1}, nil, 422, `"field":"x"`},
			{"saved", f.Supplier.Admin.Token, good, nil, 200, `"version":1`},
			{"stale If-Match", f.Supplier.Admin.Token, good, map[string]string{"If-Match": `"7"`}, 412, "changed"},
			{"current If-Match", f.Supplier.Admin.Token, good, map[string]string{"If-Match": `"1"`}, 200, `"version":2`},
		}
		for _, c := range cases {
			r := s.Do(testutil.Req{Method: "PUT", Path: "/health/settings", Token: c.token, Body: c.body, Header: c.header})
			if r.Status != c.status || !strings.Contains(string(r.Body), c.frag) {
				t.Errorf("%s: %d %s, want %d with %s", c.name, r.Status, r.Body, c.status, c.frag)
			}
		}
		// A buyer's own organization has its own settings: the supplier's are not theirs to see.
		if b := s.Call("GET", "/health/settings", f.BuyerA.Admin.Token, nil).Expect(t, 200).JSON(t); b["version"] != 0.0 {
			t.Errorf("buyer org sees %v", b)
		}
		// The weights apply: with silence alone, the score is the silence score and 80 is the bar.
		h := newHealthHistory(t, s, f.RelA, f.Supplier, f.BuyerA, healthTomorrowNoon().AddDate(-1, 0, 0))
		h.event(healthTomorrowNoon().AddDate(0, 0, -25), access.Buyer, event.CommentCreated, nil)
		body := s.Call("GET", "/relationships/"+f.RelA+"/health", f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
		if body["score"] != healthSignal(t, body, "silence")["score"] || body["score"] != 67.0 || body["status"] != "watch" || body["healthy_min"] != 80.0 {
			t.Errorf("with silence alone: %v", body)
		}
	})
}
