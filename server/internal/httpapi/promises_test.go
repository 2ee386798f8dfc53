package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "list promises", Method: "GET", Path: "/relationships/{rel}/promises?status=open",
		Setup: promiseIDs, Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "create promise", Method: "POST", Path: "/relationships/{rel}/promises", Want: 201,
		Body: func(ids map[string]string) any {
			return map[string]any{"description": "On-site training", "kind": "service", "owner_id": ids["owner"], "due_date": day(10)}
		},
		Setup:   promiseIDs,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
	testutil.CrossTenantCase{
		Name: "get promise", Method: "GET", Path: "/relationships/{rel}/promises/{promise}",
		Setup: promiseIDs, Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
	testutil.CrossTenantCase{
		Name: "resolve promise", Method: "POST", Path: "/relationships/{rel}/promises/{promise}/resolve",
		Setup:   promiseIDs,
		Body:    func(map[string]string) any { return map[string]any{"outcome": "kept", "note": "done"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
)

// promiseIDs records a service promise in relationship A owned by the supplier's member.
func promiseIDs(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
	p := s.Call("POST", "/relationships/"+f.RelA+"/promises", f.Supplier.Admin.Token, map[string]any{
		"description": "Spare parts kit on site", "kind": "service", "owner_id": f.Supplier.Member.User.ID, "due_date": day(14)}).Expect(t, 201).JSON(t)
	return map[string]string{"promise": p["id"].(string), "owner": f.Supplier.Member.User.ID}
}

func TestPromiseLedger(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		path := "/relationships/" + f.RelA + "/promises"
		owner := f.Supplier.Member
		valid := func(k string, v any) map[string]any {
			m := map[string]any{"description": "Firmware update for line 3", "kind": "feature", "owner_id": owner.User.ID, "due_date": day(30)}
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			return m
		}
		cases := []struct {
			name   string
			who    testutil.Actor
			body   any
			status int
			field  string
		}{
			{"buyer cannot promise", f.BuyerA.Admin, valid("kind", "feature"), 403, ""},
			{"owner from the buyer", f.Supplier.Admin, valid("owner_id", f.BuyerA.Member.User.ID), 422, "owner_id"},
			{"owner from another supplier", f.Supplier.Admin, valid("owner_id", f.Outsider.Member.User.ID), 422, "owner_id"},
			{"no owner", f.Supplier.Admin, valid("owner_id", nil), 422, "owner_id"},
			{"unknown kind", f.Supplier.Admin, valid("kind", "vague"), 422, "kind"},
			{"due yesterday", f.Supplier.Admin, valid("due_date", day(-1)), 422, "due_date"},
			{"due not a date", f.Supplier.Admin, valid("due_date", "soon"), 422, "due_date"},
			{"no description", f.Supplier.Admin, valid("description", "  "), 422, "description"},
			{"oversize description", f.Supplier.Admin, valid("description", strings.Repeat("d", 2001)), 422, "description"},
			{"order of another relationship", f.Supplier.Admin, valid("order_id", "nope"), 422, "order_id"},
			{"status set by the client", f.Supplier.Admin, valid("status", "kept"), 422, "status"},
			{"valid", f.Supplier.Admin, valid("kind", "feature"), 201, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := s.Call("POST", path, tc.who.Token, tc.body).Expect(t, tc.status)
				if tc.field != "" && fieldsOf(t, r) != tc.field {
					t.Errorf("names %q, want %q", fieldsOf(t, r), tc.field)
				}
			})
		}
		items := s.Call("GET", path, f.BuyerA.Member.Token, nil).Expect(t, 200).Items(t)
		if len(items) != 1 {
			t.Fatalf("%d promises after the table, want only the valid one", len(items))
		}
		id := items[0]["id"].(string)
		resolve := func(who testutil.Actor, ifm string, body any) *testutil.Response {
			return s.Do(testutil.Req{Method: "POST", Path: path + "/" + id + "/resolve", Token: who.Token, Body: body, Header: map[string]string{"If-Match": ifm}})
		}
		resolve(f.BuyerA.Admin, `"1"`, map[string]any{"outcome": "kept"}).Expect(t, 403)
		if r := resolve(owner, `"1"`, map[string]any{"outcome": "renegotiated"}).Expect(t, 422); fieldsOf(t, r) != "new_due_date" {
			t.Errorf("renegotiation without a date names %s", fieldsOf(t, r))
		}
		resolve(owner, `"1"`, map[string]any{"outcome": "renegotiated", "new_due_date": day(-2)}).Expect(t, 422)
		resolve(owner, `"1"`, map[string]any{"outcome": "forgotten"}).Expect(t, 422)
		resolve(owner, `"1"`, map[string]any{"outcome": "kept", "new_due_date": day(3)}).Expect(t, 422)
		resolve(owner, `"1"`, map[string]any{"outcome": "kept", "note": strings.Repeat("n", 2001)}).Expect(t, 422)
		r := resolve(owner, `"1"`, map[string]any{"outcome": "renegotiated", "new_due_date": day(45), "note": "supplier of the chip is late"}).Expect(t, 200)
		if miss, ok := testutil.Contains(string(r.Body), `"status":"renegotiated"`, `"due_date":"`+day(45)+`"`, `"version":2`); !ok {
			t.Fatalf("renegotiated lacks %s: %s", miss, r.Body)
		}
		resolve(owner, `"1"`, map[string]any{"outcome": "kept"}).Expect(t, 412)
		r = resolve(owner, `"2"`, map[string]any{"outcome": "kept", "note": "shipped"}).Expect(t, 200)
		var p struct {
			Status     string  `json:"status"`
			ResolvedAt *string `json:"resolved_at"`
			History    []struct {
				Status  string `json:"status"`
				DueDate string `json:"due_date"`
			} `json:"history"`
		}
		r.Decode(t, &p)
		if p.Status != "kept" || p.ResolvedAt == nil || len(p.History) != 3 || p.History[0].DueDate != day(30) || p.History[1].Status != "renegotiated" {
			t.Fatalf("after kept: %s", r.Body)
		}
		resolve(owner, `"3"`, map[string]any{"outcome": "broken"}).Expect(t, 409)
		evs := eventsOf(t, s, f, "promise.created", "promise.renegotiated", "promise.resolved")
		if len(evs) != 3 || evs[2]["data"].(map[string]any)["outcome"] != "kept" {
			t.Fatalf("promise events %v", evs)
		}
	})
}

func TestMyPromisesAcrossRelationships(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		owner := f.Supplier.Member
		mk := func(rel, due string) string {
			return s.Call("POST", "/relationships/"+rel+"/promises", f.Supplier.Admin.Token, map[string]any{
				"description": "Visit", "kind": "service", "owner_id": owner.User.ID, "due_date": due}).Expect(t, 201).JSON(t)["id"].(string)
		}
		soon, later := mk(f.RelA, day(1)), mk(f.RelB, day(20))
		s.Call("POST", "/relationships/"+f.RelA+"/promises", f.Supplier.Admin.Token, map[string]any{
			"description": "Quote", "kind": "price", "owner_id": f.Supplier.Admin.User.ID, "due_date": day(2)}).Expect(t, 201)
		kept := mk(f.RelB, day(5))
		s.Call("POST", "/relationships/"+f.RelB+"/promises/"+kept+"/resolve", owner.Token, map[string]any{"outcome": "kept"}).Expect(t, 200)

		// Three days on, the first is overdue.
		s.Store.SetClock(func() time.Time { return time.Now().UTC().AddDate(0, 0, 3) })
		defer s.Store.SetClock(time.Now)
		var l struct {
			Items []struct {
				ID      string `json:"id"`
				Overdue bool   `json:"overdue"`
			} `json:"items"`
		}
		s.Call("GET", "/promises?owner=me&status=open", owner.Token, nil).Expect(t, 200).Decode(t, &l)
		if len(l.Items) != 2 || l.Items[0].ID != later || l.Items[1].ID != soon || l.Items[0].Overdue || !l.Items[1].Overdue {
			t.Fatalf("my open promises: %+v", l.Items)
		}
		if n := len(s.Call("GET", "/promises?owner=me", owner.Token, nil).Expect(t, 200).Items(t)); n != 3 {
			t.Errorf("all my promises: %d, want 3", n)
		}
		// Buyers see the promises made to them, only in their own relationships.
		if n := len(s.Call("GET", "/promises?status=open", f.BuyerA.Member.Token, nil).Expect(t, 200).Items(t)); n != 2 {
			t.Errorf("buyer A sees %d open promises, want 2", n)
		}
		if n := len(s.Call("GET", "/promises", f.OutBuyer.Member.Token, nil).Expect(t, 200).Items(t)); n != 0 {
			t.Errorf("an unrelated buyer sees %d promises", n)
		}
		s.Call("GET", "/promises?status=maybe", owner.Token, nil).Expect(t, 422)
	})
}

// TestDeliveryPromiseJob drives the overdue job with a fake clock: a delivery
// promise is broken only once its date has passed undelivered; a late delivery
// breaks it too, an on-time one keeps it.
func TestDeliveryPromiseJob(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		ctx := context.Background()
		rel := "/relationships/" + f.RelA
		ack := func(due string) (string, string) {
			o := placeOrder(t, s, f, line(c.Part, 1))
			a := s.Call("POST", rel+"/orders/"+o["id"].(string)+"/acknowledge", f.Supplier.Member.Token, map[string]any{"promised_date": due}).Expect(t, 200).JSON(t)
			return a["id"].(string), a["promise_id"].(string)
		}
		promiseStatus := func(id string) string {
			return s.Call("GET", rel+"/promises/"+id, f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)["status"].(string)
		}
		_, overdue := ack(day(2))
		delivered, onTime := ack(day(2))
		late, lateP := ack(day(1))
		cancelled, cancelledP := ack(day(1))
		s.Call("POST", rel+"/orders/"+cancelled+"/cancel", f.BuyerA.Member.Token, nil).Expect(t, 200)
		s.Call("POST", rel+"/orders/"+delivered+"/status", f.Supplier.Member.Token, map[string]any{"status": "delivered"}).Expect(t, 200)

		if err := s.RunJobsOnce(ctx, time.Now().UTC().AddDate(0, 0, 2)); err != nil {
			t.Fatal(err)
		}
		if got := promiseStatus(overdue); got != "open" {
			t.Fatalf("on its due day the promise is %s, want open", got)
		}
		if got := promiseStatus(lateP); got != "broken" {
			t.Fatalf("a day after its due date the promise is %s, want broken", got)
		}
		// The late order is delivered after the job broke its promise: it stays broken.
		s.Call("POST", rel+"/orders/"+late+"/status", f.Supplier.Member.Token, map[string]any{"status": "delivered"}).Expect(t, 200)
		if err := s.RunJobsOnce(ctx, time.Now().UTC().AddDate(0, 0, 5)); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{overdue: "broken", onTime: "kept", lateP: "broken", cancelledP: "cancelled"} {
			if got := promiseStatus(id); got != want {
				t.Errorf("promise %s is %s, want %s", id, got, want)
			}
		}
		broken := 0
		for _, ev := range eventsOf(t, s, f, "promise.resolved") {
			if d := ev["data"].(map[string]any); d["outcome"] == "broken" {
				broken++
			}
		}
		if broken != 2 {
			t.Errorf("%d promise.resolved broken events, want 2", broken)
		}
		// Running again changes nothing.
		if err := s.RunJobsOnce(ctx, time.Now().UTC().AddDate(0, 0, 6)); err != nil {
			t.Fatal(err)
		}
		if n := len(eventsOf(t, s, f, "promise.resolved")); n != 4 {
			t.Errorf("%d promise.resolved events after a second run, want 4 (2 broken, 1 kept, 1 cancelled)", n)
		}

		// Delivered after the promised date (before the job noticed): broken.
		lateOrder, lateProm := ack(day(0))
		s.Store.SetClock(func() time.Time { return time.Now().UTC().AddDate(0, 0, 1) })
		defer s.Store.SetClock(time.Now)
		s.Call("POST", rel+"/orders/"+lateOrder+"/status", f.Supplier.Member.Token, map[string]any{"status": "delivered"}).Expect(t, 200)
		if got := promiseStatus(lateProm); got != "broken" {
			t.Errorf("a late delivery left the promise %s", got)
		}
		// A delivery promise is settled by its order, not by hand.
		manualOrder, manual := ack(day(9))
		s.Call("POST", rel+"/promises/"+manual+"/resolve", f.Supplier.Member.Token, map[string]any{"outcome": "kept"}).Expect(t, 409)
		// Any other promise about the order is the supplier's to resolve; the
		// order still shows its delivery promise.
		install := s.Call("POST", rel+"/promises", f.Supplier.Admin.Token, map[string]any{"description": "Install within a week of delivery",
			"kind": "service", "owner_id": f.Supplier.Member.User.ID, "due_date": day(20), "order_id": manualOrder}).Expect(t, 201).JSON(t)
		s.Call("POST", rel+"/promises/"+install["id"].(string)+"/resolve", f.Supplier.Member.Token, map[string]any{"outcome": "kept"}).Expect(t, 200)
		if got := s.Call("GET", rel+"/orders/"+manualOrder, f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)["promise_id"]; got != manual {
			t.Errorf("order shows promise %v, want its delivery promise %s", got, manual)
		}
		// Renegotiating a delivery promise moves the order's promised date with it.
		s.Call("POST", rel+"/promises/"+manual+"/resolve", f.Supplier.Member.Token, map[string]any{"outcome": "renegotiated", "new_due_date": day(12), "note": "customer asked for later"}).Expect(t, 200)
		o := s.Call("GET", rel+"/orders/"+manualOrder, f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)
		if o["promised_date"] != day(12) || o["version"].(float64) != 3 || o["promise"].(map[string]any)["status"] != "renegotiated" {
			t.Errorf("order after renegotiation: %v", o)
		}
		s.Call("POST", rel+"/orders/"+manualOrder+"/status", f.Supplier.Member.Token, map[string]any{"status": "delivered"}).Expect(t, 200)
		if got := promiseStatus(manual); got != "kept" {
			t.Errorf("delivered before the renegotiated date, the promise is %s", got)
		}
	})
}
