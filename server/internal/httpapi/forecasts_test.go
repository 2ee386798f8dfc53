package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

func fcProductSetup(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
	p := fcProduct(t, s, f.Supplier, fmt.Sprintf("CT-%d", time.Now().UnixNano()))
	return map[string]string{"product": p.ID, "sku": p.SKU}
}

func fcNextMonth(s *testutil.Server, months int) string {
	return s.Store.Now().AddDate(0, months, 0).Format("2006-01")
}

var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "post forecast revision", Method: "POST", Path: "/relationships/{rel}/forecasts", Setup: fcProductSetup, Want: 201,
		Body: func(ids map[string]string) any {
			return map[string]any{"product_id": ids["product"], "periods": []map[string]any{{"period": time.Now().UTC().AddDate(0, 1, 0).Format("2006-01"), "quantity": 5}}}
		},
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin },
	},
	testutil.CrossTenantCase{
		Name: "post capacity commit", Method: "POST", Path: "/relationships/{rel}/forecasts/commits", Setup: fcProductSetup, Want: 201,
		Body: func(ids map[string]string) any {
			return map[string]any{"product_id": ids["product"], "periods": []map[string]any{{"period": time.Now().UTC().AddDate(0, 1, 0).Format("2006-01"), "quantity": 5}}}
		},
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
	testutil.CrossTenantCase{
		Name: "forecast view", Method: "GET", Path: "/relationships/{rel}/forecasts?product_id={product}", Setup: fcProductSetup,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "forecast revisions", Method: "GET", Path: "/relationships/{rel}/forecasts/revisions?product_id={product}", Setup: fcProductSetup,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "forecast csv export", Method: "GET", Path: "/relationships/{rel}/forecasts.csv", Setup: fcProductSetup,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "forecast csv import", Method: "POST", Path: "/relationships/{rel}/forecasts/import", Setup: fcProductSetup, Want: 201,
		Body: func(ids map[string]string) any {
			return "sku,period,quantity\n" + ids["sku"] + "," + time.Now().UTC().AddDate(0, 1, 0).Format("2006-01") + ",7\n"
		},
		Header:  func(map[string]string) map[string]string { return map[string]string{"Content-Type": "text/csv"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin },
	},
)

// TestForecastViewAccuracyAndHistory walks a quarter: two buyer revisions, a
// supplier commit, orders (some cancelled or rejected), then the view, the
// accuracy, the revision history, the CSV export and the events.
func TestForecastViewAccuracyAndHistory(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		p := fcProduct(t, s, f.Supplier, "PUMP-1")
		other := fcProduct(t, s, f.Supplier, "VALVE-2")
		base := fcLastSeq(t, s, f.RelA)
		post := func(path string, a testutil.Actor, body any) map[string]any {
			return s.Call("POST", "/relationships/"+f.RelA+path, a.Token, body).Expect(t, 201).JSON(t)
		}
		periods := func(kv ...any) []map[string]any {
			var out []map[string]any
			for i := 0; i < len(kv); i += 2 {
				out = append(out, map[string]any{"period": kv[i], "quantity": kv[i+1]})
			}
			return out
		}

		fcClock(s, time.Date(2026, 9, 20, 10, 0, 0, 0, time.UTC))
		r1 := post("/forecasts", f.BuyerA.Member, map[string]any{"product_id": p.ID, "periods": periods("2026-11", 100, "2026-10", 100), "note": "first"})
		if r1["revision"] != 1.0 || r1["kind"] != "forecast" || r1["author_id"] != f.BuyerA.Member.User.ID {
			t.Errorf("first revision = %v", r1)
		}
		post("/forecasts", f.BuyerA.Member, map[string]any{"product_id": other.ID, "periods": periods("2026-10", 3)})
		fcClock(s, time.Date(2026, 10, 16, 10, 0, 0, 0, time.UTC))
		r2 := post("/forecasts", f.BuyerA.Admin, map[string]any{"product_id": p.ID, "periods": periods("2026-11", 140, "2026-12", 80)})
		if r2["revision"] != 2.0 {
			t.Errorf("second revision = %v", r2)
		}
		fcClock(s, time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC))
		c1 := post("/forecasts/commits", f.Supplier.Member, map[string]any{"product_id": p.ID, "periods": periods("2026-11", 120, "2026-12", 90), "note": "line 2 in maintenance"})
		if c1["kind"] != "commit" || c1["revision"] != 1.0 {
			t.Errorf("commit = %v", c1)
		}

		buyer := f.BuyerA.Admin.User.ID
		fcInsertOrder(t, s, f.RelA, buyer, fcOrder{status: "delivered", requested: "2026-10-10", createdAt: time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC), lines: map[string]int64{p.ID: 80}})
		fcInsertOrder(t, s, f.RelA, buyer, fcOrder{status: "submitted", createdAt: time.Date(2026, 11, 5, 8, 0, 0, 0, time.UTC), lines: map[string]int64{p.ID: 130}})
		fcInsertOrder(t, s, f.RelA, buyer, fcOrder{status: "cancelled", requested: "2026-11-20", createdAt: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC), lines: map[string]int64{p.ID: 1000}})
		fcInsertOrder(t, s, f.RelA, buyer, fcOrder{status: "rejected", createdAt: time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC), lines: map[string]int64{p.ID: 1000}})
		// An order of the other buyer never counts here.
		fcInsertOrder(t, s, f.RelB, f.BuyerB.Admin.User.ID, fcOrder{status: "delivered", requested: "2026-11-10", createdAt: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC), lines: map[string]int64{p.ID: 999}})

		fcClock(s, time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
		view := s.Call("GET", "/relationships/"+f.RelA+"/forecasts?product_id="+p.ID+"&from=2026-09&to=2027-03", f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		if len(view) != 1 || view[0]["sku"] != "PUMP-1" {
			t.Fatalf("view = %v", view)
		}
		got := fmt.Sprint(view[0]["periods"])
		for _, want := range []string{
			"map[actual:80 commit:<nil> forecast:100 gap:<nil> period:2026-10 previous:<nil>]",
			"map[actual:130 commit:120 forecast:140 gap:20 period:2026-11 previous:100]",
			"map[actual:0 commit:90 forecast:80 gap:-10 period:2026-12 previous:<nil>]",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("view periods %s\nmissing %s", got, want)
			}
		}
		acc := view[0]["accuracy"].(map[string]any)
		// October: 100 vs 80 (25 %); November as it stood on Nov 1 (revision 2): 140 vs 130 (7.69 %).
		if acc["periods"] != 2.0 || acc["mape"] != 16.35 || acc["bias"] != 15.0 || acc["bias_percent"] != 14.29 {
			t.Errorf("accuracy = %v", acc)
		}
		all := s.Call("GET", "/relationships/"+f.RelA+"/forecasts?from=2026-09&to=2027-03", f.BuyerA.Member.Token, nil).Expect(t, 200).Items(t)
		if len(all) != 2 || all[0]["sku"] != "PUMP-1" || all[1]["sku"] != "VALVE-2" {
			t.Errorf("all products view = %v", all)
		}
		overall, err := s.Store.ForecastAccuracy(t.Context(), f.RelA, s.Store.Now())
		if err != nil || overall.Periods != 3 || overall.MAPEPeriods != 2 {
			t.Errorf("ForecastAccuracy = %+v, %v (want PUMP-1's two periods and VALVE-2's October with no orders)", overall, err)
		}
		last, ok, err := s.Store.LastForecastRevisionAt(t.Context(), f.RelA)
		if err != nil || !ok || !last.Equal(time.Date(2026, 10, 16, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("LastForecastRevisionAt = %v %v %v", last, ok, err)
		}
		if _, ok, _ := s.Store.LastForecastRevisionAt(t.Context(), f.RelB); ok {
			t.Error("relationship B never forecast")
		}

		revs := s.Call("GET", "/relationships/"+f.RelA+"/forecasts/revisions?product_id="+p.ID+"&limit=1", f.Supplier.Member.Token, nil).Expect(t, 200)
		page1 := revs.JSON(t)
		items := page1["items"].([]any)
		newest := items[0].(map[string]any)
		if len(items) != 1 || newest["revision"] != 2.0 || page1["next_cursor"] == "" {
			t.Fatalf("first page = %v", page1)
		}
		changes := fmt.Sprint(newest["changes"])
		for _, want := range []string{
			"map[delta:<nil> period:2026-10 previous:100 quantity:<nil>]",
			"map[delta:40 period:2026-11 previous:100 quantity:140]",
			"map[delta:<nil> period:2026-12 previous:<nil> quantity:80]",
		} {
			if !strings.Contains(changes, want) {
				t.Errorf("changes %s\nmissing %s", changes, want)
			}
		}
		page2 := s.Call("GET", "/relationships/"+f.RelA+"/forecasts/revisions?product_id="+p.ID+"&limit=1&cursor="+page1["next_cursor"].(string), f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
		if it := page2["items"].([]any); len(it) != 1 || it[0].(map[string]any)["revision"] != 1.0 || it[0].(map[string]any)["note"] != "first" {
			t.Errorf("second page = %v", page2)
		}
		commits := s.Call("GET", "/relationships/"+f.RelA+"/forecasts/revisions?product_id="+p.ID+"&kind=commit", f.BuyerA.Member.Token, nil).Expect(t, 200).Items(t)
		if len(commits) != 1 || commits[0]["note"] != "line 2 in maintenance" {
			t.Errorf("commit history = %v", commits)
		}

		export := s.Call("GET", "/relationships/"+f.RelA+"/forecasts.csv?from=2026-09&to=2027-03", f.BuyerA.Member.Token, nil).Expect(t, 200)
		if ct := export.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("export content type %q", ct)
		}
		for _, want := range []string{"sku,period,forecast,previous,commit,actual,gap\n", "PUMP-1,2026-11,140,100,120,130,20\n", "PUMP-1,2026-10,100,,,80,\n", "VALVE-2,2026-10,3,,,0,\n"} {
			if !strings.Contains(string(export.Body), want) {
				t.Errorf("export lacks %q:\n%s", want, export.Body)
			}
		}

		revised := fcEvents(t, s, f.Supplier.Member, f.RelA, base, "forecast.revised")
		committed := fcEvents(t, s, f.BuyerA.Member, f.RelA, base, "forecast.committed")
		if len(revised) != 3 || len(committed) != 1 {
			t.Fatalf("events: %d revised, %d committed", len(revised), len(committed))
		}
		d := revised[2]["data"].(map[string]any)
		if d["product_id"] != p.ID || d["revision"] != 2.0 || d["periods"] != 2.0 || revised[2]["actor_id"] != f.BuyerA.Admin.User.ID {
			t.Errorf("forecast.revised = %v", revised[2])
		}
		if n := committed[0]["data"].(map[string]any)["notify"].([]any); len(n) != 1 || n[0] != f.BuyerA.Admin.User.ID {
			t.Errorf("a commit notifies the author of the latest forecast: %v", committed[0]["data"])
		}
	})
}

// TestForecastSubmissionRules: every bad submission is a clear 4xx naming the
// field, and nothing is written.
func TestForecastSubmissionRules(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		fcClock(s, time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC))
		p := fcProduct(t, s, f.Supplier, "PUMP-1")
		foreign := fcProduct(t, s, f.Outsider, "PUMP-1")
		one := func(period string, qty any) []map[string]any {
			return []map[string]any{{"period": period, "quantity": qty}}
		}
		for _, tc := range []struct {
			name   string
			path   string
			actor  testutil.Actor
			body   any
			status int
			field  string
		}{
			{"month 13", "/forecasts", f.BuyerA.Member, map[string]any{"product_id": p.ID, "periods": one("2026-13", 1)}, 422, "periods[0].period"},
			{"past month", "/forecasts", f.BuyerA.Member, map[string]any{"product_id": p.ID, "periods": one("2026-10", 1)}, 422, "periods[0].period"},
			{"37 months ahead", "/forecasts", f.BuyerA.Member, map[string]any{"product_id": p.ID, "periods": one("2029-12", 1)}, 422, "periods[0].period"},
			{"beyond int32", "/forecasts", f.BuyerA.Member, map[string]any{"product_id": p.ID, "periods": one("2027-01", int64(1)<<31)}, 422, "periods[0].quantity"},
			{"negative", "/forecasts", f.BuyerA.Member, map[string]any{"product_id": p.ID, "periods": one("2027-01", -1)}, 422, "periods[0].quantity"},
			{"fraction", "/forecasts", f.BuyerA.Member, map[string]any{"product_id": p.ID, "periods": one("2027-01", 1.5)}, 422, "periods.quantity"},
			{"duplicate period", "/forecasts", f.BuyerA.Member, map[string]any{"product_id": p.ID, "periods": append(one("2027-01", 1), one("2027-01", 2)...)}, 422, "periods[1].period"},
			{"no periods", "/forecasts", f.BuyerA.Member, map[string]any{"product_id": p.ID, "periods": []any{}}, 422, "periods"},
			{"missing product", "/forecasts", f.BuyerA.Member, map[string]any{"periods": one("2027-01", 1)}, 422, "product_id"},
			{"another supplier's product", "/forecasts", f.BuyerA.Member, map[string]any{"product_id": foreign.ID, "periods": one("2027-01", 1)}, 422, "product_id"},
			{"unknown field", "/forecasts", f.BuyerA.Member, map[string]any{"product_id": p.ID, "periods": one("2027-01", 1), "sku": "x"}, 422, "sku"},
			{"supplier forecasts", "/forecasts", f.Supplier.Admin, map[string]any{"product_id": p.ID, "periods": one("2027-01", 1)}, 403, ""},
			{"buyer commits", "/forecasts/commits", f.BuyerA.Admin, map[string]any{"product_id": p.ID, "periods": one("2027-01", 1)}, 403, ""},
			{"commit in the past", "/forecasts/commits", f.Supplier.Admin, map[string]any{"product_id": p.ID, "periods": one("2025-01", 1)}, 422, "periods[0].period"},
			{"not JSON", "/forecasts", f.BuyerA.Member, "{", 400, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := fcLastSeq(t, s, f.RelA)
				r := s.Call("POST", "/relationships/"+f.RelA+tc.path, tc.actor.Token, tc.body).Expect(t, tc.status)
				if tc.field != "" {
					if _, ok := fcFields(t, r)[tc.field]; !ok {
						t.Errorf("errors %s do not name %s", r.Body, tc.field)
					}
				}
				if fcLastSeq(t, s, f.RelA) != before || fcCount(t, s, "forecast_revisions", "relationship_id = ?", f.RelA) != 0 {
					t.Error("a refused submission wrote something")
				}
			})
		}
		// The edges of the window and of the quantity range are accepted.
		s.Call("POST", "/relationships/"+f.RelA+"/forecasts", f.BuyerA.Member.Token, map[string]any{"product_id": p.ID,
			"periods": []map[string]any{{"period": "2026-11", "quantity": 0}, {"period": "2029-11", "quantity": int64(1)<<31 - 1}}}).Expect(t, 201)
		for _, q := range []string{"from=2026-13", "to=2026-01&from=2026-05", "from=2020-01&to=2030-12", "product_id=nope"} {
			s.Call("GET", "/relationships/"+f.RelA+"/forecasts?"+q, f.BuyerA.Member.Token, nil).Expect(t, 422)
		}
		s.Call("GET", "/relationships/"+f.RelA+"/forecasts/revisions", f.BuyerA.Member.Token, nil).Expect(t, 422)
		s.Call("GET", "/relationships/"+f.RelA+"/forecasts/revisions?product_id="+p.ID+"&kind=x", f.BuyerA.Member.Token, nil).Expect(t, 422)
		s.Call("GET", "/relationships/"+f.RelA+"/forecasts?product_id="+foreign.ID, f.BuyerA.Member.Token, nil).Expect(t, 422)
	})
}

// TestForecastConcurrentRevisions: simultaneous submissions for one product all
// succeed with distinct, gapless revision numbers.
func TestForecastConcurrentRevisions(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		p := fcProduct(t, s, f.Supplier, "PUMP-1")
		const n = 8
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(q int) {
				defer wg.Done()
				r := testutil.Do(t, s.Client, s.URL, testutil.Req{Method: "POST", Path: "/relationships/" + f.RelA + "/forecasts", Token: f.BuyerA.Member.Token,
					Body: map[string]any{"product_id": p.ID, "periods": []map[string]any{{"period": fcNextMonth(s, 1), "quantity": q}}}})
				statuses <- r.Status
			}(i)
		}
		wg.Wait()
		close(statuses)
		for st := range statuses {
			if st != 201 {
				t.Errorf("concurrent submission answered %d", st)
			}
		}
		revs := s.Call("GET", "/relationships/"+f.RelA+"/forecasts/revisions?product_id="+p.ID, f.BuyerA.Member.Token, nil).Expect(t, 200).Items(t)
		for i, r := range revs {
			if r["revision"] != float64(n-i) {
				t.Errorf("revision %d = %v, want %d", i, r["revision"], n-i)
			}
		}
		if len(revs) != n || len(fcEvents(t, s, f.Supplier.Admin, f.RelA, 0, "forecast.revised")) != n {
			t.Errorf("%d revisions", len(revs))
		}
	})
}
