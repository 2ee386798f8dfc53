package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/rapport/rapport/server/internal/testutil"
)

var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "list orders", Method: "GET", Path: "/relationships/{rel}/orders?status=submitted",
		Setup: orderIDs, Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "place order", Method: "POST", Path: "/relationships/{rel}/orders", Want: 201,
		Setup:   orderIDs,
		Body:    func(ids map[string]string) any { return orderBody(line(ids["part"], 2)) },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin },
	},
	testutil.CrossTenantCase{
		Name: "get order", Method: "GET", Path: "/relationships/{rel}/orders/{order}",
		Setup: orderIDs, Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
	testutil.CrossTenantCase{
		Name: "acknowledge order", Method: "POST", Path: "/relationships/{rel}/orders/{order}/acknowledge",
		Setup:   orderIDs,
		Body:    func(map[string]string) any { return map[string]any{"promised_date": day(7)} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
	testutil.CrossTenantCase{
		Name: "advance order", Method: "POST", Path: "/relationships/{rel}/orders/{order}/status",
		Setup:   acknowledgedOrderIDs,
		Body:    func(map[string]string) any { return map[string]any{"status": "in_production"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "cancel order", Method: "POST", Path: "/relationships/{rel}/orders/{order}/cancel",
		Setup:   orderIDs,
		Body:    func(map[string]string) any { return map[string]any{"reason": "budget frozen"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin },
	},
	testutil.CrossTenantCase{
		Name: "reject order", Method: "POST", Path: "/relationships/{rel}/orders/{order}/reject",
		Setup:   orderIDs,
		Body:    func(map[string]string) any { return map[string]any{"reason": "discontinued"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
	testutil.CrossTenantCase{
		Name: "reorder", Method: "POST", Path: "/relationships/{rel}/orders/{order}/reorder", Want: 201,
		Setup:   orderIDs,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
)

func orderIDs(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
	c := newCatalogue(t, s, f)
	o := placeOrder(t, s, f, line(c.Part, 3))
	return map[string]string{"order": o["id"].(string), "part": c.Part}
}

func acknowledgedOrderIDs(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
	ids := orderIDs(t, s, f)
	s.Call("POST", "/relationships/"+f.RelA+"/orders/"+ids["order"]+"/acknowledge", f.Supplier.Admin.Token, map[string]any{"promised_date": day(7)}).Expect(t, 200)
	return ids
}

func TestPlaceOrderValidation(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		usd := newProduct(t, s, f.Supplier.Member, "USD-1", "5.00", map[string]any{"currency": "USD"})
		many := make([]map[string]any, 201)
		for i := range many {
			many[i] = line(c.Part, 1)
		}
		withField := func(k string, v any) map[string]any {
			b := orderBody(line(c.Part, 1))
			b[k] = v
			return b
		}
		cases := []struct {
			name  string
			body  any
			field string
		}{
			{"unknown product", orderBody(line("nope", 1)), "lines[0].product_id"},
			{"inactive product", orderBody(line(c.Part, 1), line(c.Inactive, 1)), "lines[1].product_id"},
			{"another supplier's product", orderBody(line(c.Other, 1)), "lines[0].product_id"},
			{"missing product", orderBody(line("", 1)), "lines[0].product_id"},
			{"zero quantity", orderBody(line(c.Part, 0)), "lines[0].quantity"},
			{"negative quantity", orderBody(line(c.Part, 1), line(c.Cheap, -4)), "lines[1].quantity"},
			{"fractional quantity", orderBody(line(c.Part, 1), line(c.Machine, 1), line(c.Cheap, 2.5)), "lines[2].quantity"},
			{"quantity as string", orderBody(line(c.Part, "3")), "lines[0].quantity"},
			{"quantity with exponent", `{"lines":[{"product_id":"` + c.Part + `","quantity":1e3}]}`, "lines[0].quantity"},
			{"quantity with decimal point", `{"lines":[{"product_id":"` + c.Part + `","quantity":3.0}]}`, "lines[0].quantity"},
			{"absurd quantity", orderBody(line(c.Part, 1000001)), "lines[0].quantity"},
			{"missing quantity", orderBody(map[string]any{"product_id": c.Part}), "lines[0].quantity"},
			{"no lines", orderBody(), "lines"},
			{"too many lines", orderBody(many...), "lines"},
			{"duplicate product", orderBody(line(c.Part, 1), line(c.Part, 2)), "lines[1].product_id"},
			{"mixed currencies", orderBody(line(c.Part, 1), line(usd, 1)), "lines[1].product_id"},
			{"requested date in the past", withField("requested_date", day(-1)), "requested_date"},
			{"requested date malformed", withField("requested_date", "2026-02-30"), "requested_date"},
			{"requested date not a date", withField("requested_date", "tomorrow"), "requested_date"},
			{"oversize note", withField("note", strings.Repeat("n", 2001)), "note"},
			{"oversize po number", withField("po_number", strings.Repeat("p", 65)), "po_number"},
			{"buyer sets unit price", orderBody(map[string]any{"product_id": c.Part, "quantity": 1, "unit_price": "0.01"}), "unit_price"},
			{"buyer sets status", withField("status", "delivered"), "status"},
			{"buyer sets total", withField("total", "0.00"), "total"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := s.Call("POST", "/relationships/"+f.RelA+"/orders", f.BuyerA.Member.Token, tc.body).Expect(t, 422)
				if got := fieldsOf(t, r); got != tc.field {
					t.Errorf("422 names %q, want %q: %s", got, tc.field, r.Body)
				}
			})
		}
		if n := countOrders(t, s, f); n != 0 {
			t.Fatalf("%d orders written by invalid requests", n)
		}
		if evs := eventsOf(t, s, f, "order.submitted"); len(evs) != 0 {
			t.Fatalf("%d order events written by invalid requests", len(evs))
		}
		// Today is still a valid requested date.
		s.Call("POST", "/relationships/"+f.RelA+"/orders", f.BuyerA.Member.Token, withField("requested_date", day(0))).Expect(t, 201)
	})
}

func TestMoneyIsExact(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		o := placeOrder(t, s, f, line(c.Cheap, 3), line(c.Part, 1000000), line(c.Machine, 7))
		if o["total"] != "50775000.30" || o["currency"] != "EUR" {
			t.Fatalf("total %v", o["total"])
		}
		lines := o["lines"].([]any)
		wantLines := []string{"0.30", "49900000.00", "875000.00"}
		for i, w := range wantLines {
			if got := lines[i].(map[string]any)["line_total"]; got != w {
				t.Errorf("line %d total %v, want %s", i, got, w)
			}
		}
		// Ten lines of 0.10 × 1 add up to exactly 1.00.
		var ten []map[string]any
		for i := 0; i < 10; i++ {
			ten = append(ten, line(newProduct(t, s, f.Supplier.Member, fmt.Sprintf("DIME-%d", i), "0.10", nil), 1))
		}
		if o := placeOrder(t, s, f, ten...); o["total"] != "1.00" {
			t.Errorf("ten dimes make %v", o["total"])
		}
		// Beyond what int64 minor units hold: 422 on the quantity, nothing written.
		huge := newProduct(t, s, f.Supplier.Member, "HUGE", "90000000000000.00", nil)
		before := countOrders(t, s, f)
		r := s.Call("POST", "/relationships/"+f.RelA+"/orders", f.BuyerA.Member.Token, orderBody(line(huge, 1000000))).Expect(t, 422)
		if fieldsOf(t, r) != "lines[0].quantity" {
			t.Errorf("overflow names %s", fieldsOf(t, r))
		}
		huge2 := newProduct(t, s, f.Supplier.Member, "HUGE-2", "90000000000000.00", nil)
		r = s.Call("POST", "/relationships/"+f.RelA+"/orders", f.BuyerA.Member.Token, orderBody(line(huge, 6), line(huge2, 6))).Expect(t, 422)
		if fieldsOf(t, r) != "lines[1].quantity" {
			t.Errorf("overflowing sum names %s", fieldsOf(t, r))
		}
		if countOrders(t, s, f) != before {
			t.Fatal("an overflowing order was written")
		}
	})
}

func TestOrderLifecycle(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		// The contract price is snapshotted, not the list price.
		s.Call("PUT", "/relationships/"+f.RelA+"/products/"+c.Part+"/contract-price", f.Supplier.Admin.Token, map[string]any{"unit_price": "45.00"}).Expect(t, 200)
		o := placeOrder(t, s, f, line(c.Part, 2))
		id := o["id"].(string)
		base := "/relationships/" + f.RelA + "/orders/" + id
		if o["number"] != "ORD-000001" || o["total"] != "90.00" || o["status"] != "submitted" || o["placed_by"] != f.BuyerA.Member.User.ID {
			t.Fatalf("placed: %v", o)
		}
		// A later price change does not touch the placed order.
		s.Call("PUT", "/relationships/"+f.RelA+"/products/"+c.Part+"/contract-price", f.Supplier.Admin.Token, map[string]any{"unit_price": "46.00"}).Expect(t, 200)

		type step struct {
			name   string
			who    testutil.Actor
			path   string
			ifm    string
			body   any
			status int
			want   []string
		}
		sup, buy := f.Supplier.Member, f.BuyerA.Member
		steps := []step{
			{"buyer cannot acknowledge", buy, "/acknowledge", `"1"`, map[string]any{"promised_date": day(5)}, 403, nil},
			{"promised date before today", sup, "/acknowledge", `"1"`, map[string]any{"promised_date": day(-1)}, 422, []string{`"field":"promised_date"`}},
			{"promised date missing", sup, "/acknowledge", `"1"`, map[string]any{}, 422, []string{`"field":"promised_date"`}},
			{"status before acknowledging", sup, "/status", `"1"`, map[string]any{"status": "shipped"}, 409, nil},
			{"status not a supplier step", sup, "/status", `"1"`, map[string]any{"status": "cancelled"}, 422, []string{`"field":"status"`}},
			{"stale If-Match", sup, "/acknowledge", `"7"`, map[string]any{"promised_date": day(5)}, 412, nil},
			{"garbage If-Match", sup, "/acknowledge", `"abc"`, map[string]any{"promised_date": day(5)}, 412, nil},
			{"acknowledge", sup, "/acknowledge", `"1"`, map[string]any{"promised_date": day(5)}, 200, []string{`"status":"acknowledged"`, `"promised_date":"` + day(5) + `"`, `"version":2`, `"kind":"delivery"`, `"owner_id":"` + sup.User.ID + `"`}},
			{"acknowledge twice", sup, "/acknowledge", `"2"`, map[string]any{"promised_date": day(5)}, 409, nil},
			{"reject after acknowledging", sup, "/reject", `"2"`, map[string]any{"reason": "no"}, 409, nil},
			{"buyer cannot move status", buy, "/status", `"2"`, map[string]any{"status": "in_production"}, 403, nil},
			{"in production", sup, "/status", `"2"`, map[string]any{"status": "in_production"}, 200, []string{`"status":"in_production"`, `"version":3`}},
			{"backwards", sup, "/status", `"3"`, map[string]any{"status": "in_production"}, 409, nil},
			{"shipped", sup, "/status", `"3"`, map[string]any{"status": "shipped"}, 200, []string{`"status":"shipped"`}},
			{"cancel after shipping", buy, "/cancel", `"4"`, map[string]any{"reason": "late"}, 409, nil},
			{"delivered", sup, "/status", "", map[string]any{"status": "delivered"}, 200, []string{`"status":"delivered"`, `"status":"kept"`, `"delivered_at":"`}},
			{"after delivery", sup, "/status", "", map[string]any{"status": "shipped"}, 409, nil},
		}
		for _, st := range steps {
			hdr := map[string]string{}
			if st.ifm != "" {
				hdr["If-Match"] = st.ifm
			}
			r := s.Do(testutil.Req{Method: "POST", Path: base + st.path, Token: st.who.Token, Body: st.body, Header: hdr})
			if r.Status != st.status {
				t.Fatalf("%s: status %d, want %d: %s", st.name, r.Status, st.status, r.Body)
			}
			if miss, ok := testutil.Contains(string(r.Body), st.want...); !ok {
				t.Fatalf("%s: body lacks %s: %s", st.name, miss, r.Body)
			}
			if st.status == 200 && r.Header.Get("ETag") == "" {
				t.Fatalf("%s: no ETag", st.name)
			}
		}
		got := s.Call("GET", base, buy.Token, nil).Expect(t, 200)
		var full struct {
			Total   string `json:"total"`
			History []struct {
				Status  string `json:"status"`
				ActorID string `json:"actor_id"`
			} `json:"history"`
			Promise struct {
				Status string `json:"status"`
			} `json:"promise"`
		}
		got.Decode(t, &full)
		var hist []string
		for _, h := range full.History {
			hist = append(hist, h.Status)
		}
		if strings.Join(hist, ">") != "submitted>acknowledged>in_production>shipped>delivered" || full.Total != "90.00" || full.Promise.Status != "kept" {
			t.Fatalf("order after delivery: %s", got.Body)
		}
		if got.Header.Get("ETag") != `"5"` {
			t.Errorf("ETag %s", got.Header.Get("ETag"))
		}

		// One event per change, with from/to and the placer to notify on supplier moves.
		evs := eventsOf(t, s, f, "order.submitted", "order.acknowledged", "order.status_changed", "promise.created", "promise.resolved")
		var types []string
		for _, ev := range evs {
			types = append(types, ev["type"].(string))
		}
		want := "order.submitted promise.created order.acknowledged order.status_changed order.status_changed promise.resolved order.status_changed"
		if strings.Join(types, " ") != want {
			t.Fatalf("events: %s\nwant:   %s", strings.Join(types, " "), want)
		}
		ack := evs[2]["data"].(map[string]any)
		if ack["from"] != "submitted" || ack["to"] != "acknowledged" || fmt.Sprint(ack["notify"]) != "["+buy.User.ID+"]" || ack["promise_id"] == "" {
			t.Errorf("order.acknowledged data %v", ack)
		}
		if sub := evs[0]["data"].(map[string]any); fmt.Sprint(sub["notify"]) != "["+f.Supplier.Admin.User.ID+"]" || sub["total"] != "90.00" {
			t.Errorf("order.submitted data %v: the account owner is to be notified", sub)
		}
		if del := evs[6]["data"].(map[string]any); del["to"] != "delivered" || del["on_time"] != true || del["promised_date"] != day(5) {
			t.Errorf("delivery event data %v", del)
		}
		if res := evs[5]["data"].(map[string]any); res["outcome"] != "kept" || res["order_id"] != id {
			t.Errorf("promise.resolved data %v", res)
		}
	})
}

func TestCancelRejectReorder(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		rel := "/relationships/" + f.RelA + "/orders/"

		// Reject needs a reason and only works on a submitted order.
		a := placeOrder(t, s, f, line(c.Part, 1))["id"].(string)
		s.Call("POST", rel+a+"/reject", f.Supplier.Member.Token, map[string]any{"reason": " "}).Expect(t, 422)
		s.Call("POST", rel+a+"/reject", f.Supplier.Member.Token, map[string]any{"reason": strings.Repeat("r", 2001)}).Expect(t, 422)
		r := s.Call("POST", rel+a+"/reject", f.Supplier.Member.Token, map[string]any{"reason": "Discontinued model"}).Expect(t, 200)
		if miss, ok := testutil.Contains(string(r.Body), `"status":"rejected"`, `"reason":"Discontinued model"`); !ok {
			t.Fatalf("reject lacks %s", miss)
		}
		s.Call("POST", rel+a+"/cancel", f.BuyerA.Member.Token, nil).Expect(t, 409)

		// Cancelling an acknowledged order closes its delivery promise.
		b := placeOrder(t, s, f, line(c.Part, 1))["id"].(string)
		s.Call("POST", rel+b+"/acknowledge", f.Supplier.Member.Token, map[string]any{"promised_date": day(3)}).Expect(t, 200)
		r = s.Call("POST", rel+b+"/cancel", f.BuyerA.Admin.Token, nil).Expect(t, 200)
		if miss, ok := testutil.Contains(string(r.Body), `"status":"cancelled"`); !ok {
			t.Fatalf("cancel lacks %s: %s", miss, r.Body)
		}
		var o struct {
			Promise struct{ Status string } `json:"promise"`
		}
		r.Decode(t, &o)
		if o.Promise.Status != "cancelled" {
			t.Errorf("delivery promise of a cancelled order is %s", o.Promise.Status)
		}
		cancelled := eventsOf(t, s, f, "order.cancelled")
		if len(cancelled) != 1 || fmt.Sprint(cancelled[0]["data"].(map[string]any)["notify"]) != "["+f.Supplier.Member.User.ID+"]" {
			t.Errorf("order.cancelled events %v", cancelled)
		}
		rejected := eventsOf(t, s, f, "order.rejected")
		if len(rejected) != 1 || rejected[0]["data"].(map[string]any)["reason"] != "Discontinued model" {
			t.Errorf("order.rejected events %v", rejected)
		}

		// Reorder copies the lines at today's price, under a new number.
		src := placeOrder(t, s, f, line(c.Part, 4), line(c.Cheap, 3))
		s.Do(testutil.Req{Method: "PATCH", Path: "/products/" + c.Part, Token: f.Supplier.Admin.Token, Body: map[string]any{"unit_price": "50.00"}}).Expect(t, 200)
		re := s.Call("POST", rel+src["id"].(string)+"/reorder", f.BuyerA.Member.Token, map[string]any{"po_number": "PO-77"}).Expect(t, 201).JSON(t)
		if re["id"] == src["id"] || re["total"] != "200.30" || re["po_number"] != "PO-77" || re["number"] != "ORD-000004" || re["status"] != "submitted" {
			t.Fatalf("reorder: %v (source %v)", re, src)
		}
		// A product withdrawn since cannot be reordered: 422 naming the line.
		s.Do(testutil.Req{Method: "PATCH", Path: "/products/" + c.Cheap, Token: f.Supplier.Admin.Token, Body: map[string]any{"active": false}}).Expect(t, 200)
		r = s.Call("POST", rel+src["id"].(string)+"/reorder", f.BuyerA.Member.Token, nil).Expect(t, 422)
		if fieldsOf(t, r) != "lines[1].product_id" {
			t.Errorf("reorder of a withdrawn product names %s", fieldsOf(t, r))
		}
		s.Call("POST", "/relationships/"+f.RelB+"/orders/"+src["id"].(string)+"/reorder", f.BuyerB.Member.Token, nil).Expect(t, 404)
	})
}

func TestOrderListFiltersAndPages(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		var ids []string
		for i := 0; i < 7; i++ {
			ids = append(ids, placeOrder(t, s, f, line(c.Part, i+1), line(c.Cheap, 1))["id"].(string))
		}
		for _, id := range ids[:3] {
			s.Call("POST", "/relationships/"+f.RelA+"/orders/"+id+"/reject", f.Supplier.Member.Token, map[string]any{"reason": "x"}).Expect(t, 200)
		}
		placeOrderB := s.Call("POST", "/relationships/"+f.RelB+"/orders", f.BuyerB.Member.Token, orderBody(line(c.Part, 1))).Expect(t, 201).JSON(t)
		path := "/relationships/" + f.RelA + "/orders"
		var got []string
		cursor := ""
		for {
			var l struct {
				Items []struct {
					ID    string `json:"id"`
					Lines []any  `json:"lines"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			s.Call("GET", path+"?limit=3&cursor="+cursor, f.Supplier.Member.Token, nil).Expect(t, 200).Decode(t, &l)
			for _, it := range l.Items {
				if len(it.Lines) != 2 {
					t.Fatalf("order %s listed with %d lines", it.ID, len(it.Lines))
				}
				got = append(got, it.ID)
			}
			if cursor = l.NextCursor; cursor == "" {
				break
			}
		}
		var want []string
		for i := len(ids) - 1; i >= 0; i-- {
			want = append(want, ids[i])
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("pages gave %v, want newest first %v", got, want)
		}
		if strings.Contains(strings.Join(got, ","), placeOrderB["id"].(string)) {
			t.Fatal("relationship B's order listed in A")
		}
		cases := []struct {
			query  string
			status int
			count  int
		}{
			{"?status=rejected", 200, 3},
			{"?status=submitted", 200, 4},
			{"?status=delivered", 200, 0},
			{"?from=" + day(0) + "&to=" + day(0), 200, 7},
			{"?from=" + day(1), 200, 0},
			{"?to=" + day(-1), 200, 0},
			{"?status=lost", 422, 0},
			{"?from=yesterday", 422, 0},
			{"?from=" + day(1) + "&to=" + day(0), 422, 0},
			{"?limit=0", 422, 0},
			{"?limit=500", 422, 0},
		}
		for _, tc := range cases {
			r := s.Call("GET", path+tc.query, f.BuyerA.Member.Token, nil).Expect(t, tc.status)
			if tc.status == 200 && len(r.Items(t)) != tc.count {
				t.Errorf("%s: %d orders, want %d", tc.query, len(r.Items(t)), tc.count)
			}
		}
	})
}

func TestIdempotentPlacement(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		path := "/relationships/" + f.RelA + "/orders"
		send := func(key string, who testutil.Actor, body any) *testutil.Response {
			return s.Do(testutil.Req{Method: "POST", Path: path, Token: who.Token, Body: body, Header: map[string]string{"Idempotency-Key": key}})
		}
		body := orderBody(line(c.Part, 2))
		first := send("k-1", f.BuyerA.Member, body).Expect(t, 201)
		id := first.JSON(t)["id"]
		// The order moves on; a retry still answers exactly what the first call did.
		s.Call("POST", path+"/"+id.(string)+"/acknowledge", f.Supplier.Admin.Token, map[string]any{"promised_date": day(3)}).Expect(t, 200)
		again := send("k-1", f.BuyerA.Member, body).Expect(t, 201)
		if string(again.Body) != string(first.Body) || again.Header.Get("ETag") != first.Header.Get("ETag") {
			t.Fatalf("retry answered\n%s\nnot\n%s", again.Body, first.Body)
		}
		r := send("k-1", f.BuyerA.Member, orderBody(line(c.Part, 3))).Expect(t, 422)
		if fieldsOf(t, r) != "Idempotency-Key" {
			t.Errorf("reused key names %s", fieldsOf(t, r))
		}
		send("k-1", f.BuyerA.Admin, body).Expect(t, 422)                     // another user's request
		send(strings.Repeat("k", 201), f.BuyerA.Member, body).Expect(t, 422) // oversize key
		send("k-2", f.BuyerB.Member, body).Expect(t, 404)                    // not B's relationship at all
		// An invalid request stores nothing under its key: fixed, it goes through.
		send("k-3", f.BuyerA.Member, orderBody(line(c.Part, 0))).Expect(t, 422)
		send("k-3", f.BuyerA.Member, body).Expect(t, 201)
		if n := countOrders(t, s, f); n != 2 {
			t.Fatalf("%d orders, want 2", n)
		}
		if n := len(eventsOf(t, s, f, "order.submitted")); n != 2 {
			t.Fatalf("%d order.submitted events, want 2", n)
		}
	})
}

// TestConcurrentIdempotentPlacement: 50 goroutines, 10 keys → exactly 10 orders,
// and every call with one key got the same order.
func TestConcurrentIdempotentPlacement(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		cfg := testutil.Config(t, db)
		cfg.OrderRate = 0 // 50 requests at once from one user: the race between retries is the point, not the abuse limit
		s := testutil.NewServerWith(t, cfg)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		path := "/relationships/" + f.RelA + "/orders"
		var mu sync.Mutex
		byKey := map[string]map[string]bool{}
		var wg sync.WaitGroup
		errs := make(chan string, 50)
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				key := fmt.Sprintf("key-%d", i%10)
				res := testutil.Do(t, s.Client, s.URL, testutil.Req{Method: "POST", Path: path, Token: f.BuyerA.Member.Token,
					Body: orderBody(line(c.Part, i%10+1)), Header: map[string]string{"Idempotency-Key": key}})
				if res.Status != http.StatusCreated {
					errs <- fmt.Sprintf("%s: %d %s", key, res.Status, res.Body)
					return
				}
				var o struct{ ID string }
				res.Decode(t, &o)
				mu.Lock()
				if byKey[key] == nil {
					byKey[key] = map[string]bool{}
				}
				byKey[key][o.ID] = true
				mu.Unlock()
			}(i)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		if len(byKey) != 10 {
			t.Fatalf("%d keys answered", len(byKey))
		}
		for k, ids := range byKey {
			if len(ids) != 1 {
				t.Errorf("key %s answered %d different orders", k, len(ids))
			}
		}
		if n := countOrders(t, s, f); n != 10 {
			t.Fatalf("%d orders, want exactly 10", n)
		}
		if n := len(eventsOf(t, s, f, "order.submitted")); n != 10 {
			t.Fatalf("%d order.submitted events, want 10", n)
		}
	})
}

// TestAcknowledgeCancelRace: the supplier acknowledges while the buyer cancels,
// both with the same If-Match: one wins, the other gets 412 (or 409), one transition.
func TestAcknowledgeCancelRace(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		for round := 0; round < 5; round++ {
			id := placeOrder(t, s, f, line(c.Part, 1))["id"].(string)
			base := "/relationships/" + f.RelA + "/orders/" + id
			reqs := []testutil.Req{
				{Method: "POST", Path: base + "/acknowledge", Token: f.Supplier.Member.Token, Body: map[string]any{"promised_date": day(9)}, Header: map[string]string{"If-Match": `"1"`}},
				{Method: "POST", Path: base + "/cancel", Token: f.BuyerA.Member.Token, Body: map[string]any{"reason": "changed our mind"}, Header: map[string]string{"If-Match": `"1"`}},
			}
			statuses := make([]int, 2)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range reqs {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					statuses[i] = testutil.Do(t, s.Client, s.URL, reqs[i]).Status
				}(i)
			}
			close(start)
			wg.Wait()
			wins, loses := 0, 0
			for _, st := range statuses {
				switch st {
				case 200:
					wins++
				case 409, 412:
					loses++
				}
			}
			if wins != 1 || loses != 1 {
				t.Fatalf("round %d: statuses %v, want one 200 and one 412/409", round, statuses)
			}
			o := s.Call("GET", base, f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)
			if o["version"].(float64) != 2 || len(o["history"].([]any)) != 2 {
				t.Fatalf("round %d: order after the race %v", round, o)
			}
		}
		moves := eventsOf(t, s, f, "order.acknowledged", "order.cancelled")
		if len(moves) != 5 {
			t.Fatalf("%d transitions logged for 5 races, want 5", len(moves))
		}
	})
}
