package httpapi_test

import (
	"strings"
	"testing"

	"github.com/rapport/rapport/server/internal/testutil"
)

var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "list relationship products", Method: "GET", Path: "/relationships/{rel}/products?q=fm",
		Setup: func(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
			newCatalogue(t, s, f)
			return map[string]string{}
		},
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "get relationship product", Method: "GET", Path: "/relationships/{rel}/products/{product}",
		Setup:   catalogueIDs,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "product tco", Method: "GET", Path: "/relationships/{rel}/products/{product}/tco?quantity=2",
		Setup:   catalogueIDs,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
	testutil.CrossTenantCase{
		Name: "set contract price", Method: "PUT", Path: "/relationships/{rel}/products/{product}/contract-price",
		Setup:   catalogueIDs,
		Body:    func(map[string]string) any { return map[string]any{"unit_price": "99000.00"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
	testutil.CrossTenantCase{
		Name: "remove contract price", Method: "DELETE", Path: "/relationships/{rel}/products/{product}/contract-price",
		Setup:   catalogueIDs,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
)

func catalogueIDs(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
	c := newCatalogue(t, s, f)
	return map[string]string{"product": c.Machine}
}

func TestProductCreateAndEdit(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		valid := map[string]any{"sku": "FM-9", "name": "Filling machine", "unit_price": "1250.50", "currency": "eur",
			"service_plan": map[string]any{"installation_cost": "100", "annual_maintenance_cost": "10.5", "expected_life_years": 8}}
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for a, b := range valid {
				m[a] = b
			}
			m["sku"] = "SKU-" + k
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
			want   []string
		}{
			{"supplier member creates", f.Supplier.Member, valid, 201, []string{`"unit_price":"1250.50"`, `"currency":"EUR"`, `"installation_cost":"100.00"`, `"annual_maintenance_cost":"10.50"`, `"expected_life_years":8`, `"active":true`}},
			{"buyer is forbidden", f.BuyerA.Admin, with("name", "x"), 403, nil},
			{"duplicate sku", f.Supplier.Admin, valid, 422, []string{`"field":"sku"`}},
			{"missing price", f.Supplier.Admin, with("unit_price", nil), 422, []string{`"field":"unit_price"`}},
			{"three decimals", f.Supplier.Admin, with("unit_price", "1.234"), 422, []string{`"field":"unit_price"`}},
			{"price as number", f.Supplier.Admin, with("unit_price", 12.5), 422, []string{`"field":"unit_price"`}},
			{"negative price", f.Supplier.Admin, with("unit_price", "-1.00"), 422, []string{`"field":"unit_price"`}},
			{"unknown currency", f.Supplier.Admin, with("currency", "XXX"), 422, []string{`"field":"currency"`}},
			{"bad service cost", f.Supplier.Admin, with("service_plan", map[string]any{"installation_cost": "abc"}), 422, []string{`"field":"service_plan.installation_cost"`}},
			{"missing name", f.Supplier.Admin, with("name", ""), 422, []string{`"field":"name"`}},
			{"unknown field", f.Supplier.Admin, with("version", 3), 422, []string{`"field":"version"`}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := s.Call("POST", "/products", c.who.Token, c.body).Expect(t, c.status)
				if miss, ok := testutil.Contains(string(r.Body), c.want...); !ok {
					t.Errorf("body lacks %s: %s", miss, r.Body)
				}
			})
		}

		list := s.Call("GET", "/products?q=fm-", f.Supplier.Admin.Token, nil).Expect(t, 200).Items(t)
		if len(list) != 1 {
			t.Fatalf("own catalogue search: %v", list)
		}
		id := list[0]["id"].(string)
		s.Call("GET", "/products", f.BuyerA.Admin.Token, nil).Expect(t, 403)
		s.Call("GET", "/products/"+id, f.Outsider.Admin.Token, nil).Expect(t, 404)

		// PATCH honours If-Match: the stale version is a 412 and changes nothing.
		patch := func(tag string, body any) *testutil.Response {
			return s.Do(testutil.Req{Method: "PATCH", Path: "/products/" + id, Token: f.Supplier.Member.Token, Body: body, Header: map[string]string{"If-Match": tag}})
		}
		r := patch(`"1"`, map[string]any{"unit_price": "1300.00", "active": false}).Expect(t, 200)
		if r.Header.Get("ETag") != `"2"` || !strings.Contains(string(r.Body), `"unit_price":"1300.00"`) {
			t.Fatalf("patch: %s %s", r.Header.Get("ETag"), r.Body)
		}
		patch(`"1"`, map[string]any{"unit_price": "1.00"}).Expect(t, 412)
		patch(`"2"`, map[string]any{"lead_time_days": -1}).Expect(t, 422)
		newProduct(t, s, f.Supplier.Admin, "OTHER-1", "1.00", nil)
		if r := patch(`"2"`, map[string]any{"sku": "OTHER-1"}).Expect(t, 422); fieldsOf(t, r) != "sku" {
			t.Errorf("duplicate sku on patch names %s", fieldsOf(t, r))
		}
		got := s.Call("GET", "/products/"+id, f.Supplier.Admin.Token, nil).Expect(t, 200)
		if !strings.Contains(string(got.Body), `"unit_price":"1300.00"`) || got.Header.Get("ETag") != `"2"` {
			t.Fatalf("after stale patch: %s", got.Body)
		}
		s.Do(testutil.Req{Method: "PATCH", Path: "/products/" + id, Token: f.BuyerA.Admin.Token, Body: map[string]any{"name": "x"}}).Expect(t, 403)
	})
}

func TestRelationshipCatalogue(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		path := "/relationships/" + f.RelA + "/products"

		buyer := s.Call("GET", path, f.BuyerA.Member.Token, nil).Expect(t, 200).Items(t)
		if len(buyer) != 3 {
			t.Fatalf("buyer sees %d products, want the 3 active ones of this supplier", len(buyer))
		}
		supplier := s.Call("GET", path, f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		if len(supplier) != 4 {
			t.Fatalf("supplier sees %d products, want 4", len(supplier))
		}
		s.Call("GET", path+"/"+c.Inactive, f.BuyerA.Member.Token, nil).Expect(t, 404)
		s.Call("GET", path+"/"+c.Other, f.BuyerA.Member.Token, nil).Expect(t, 404)

		// Search by SKU prefix and by name, case-insensitively; LIKE wildcards are literal.
		for q, want := range map[string]int{"fm": 1, "PRODUCT sp": 1, "product": 3, "%": 0, "_": 0} {
			items := s.Call("GET", path+"?q="+urlQuery(q), f.BuyerA.Member.Token, nil).Expect(t, 200).Items(t)
			if len(items) != want {
				t.Errorf("q=%q: %d items, want %d", q, len(items), want)
			}
		}

		// Cursor pagination walks every product exactly once.
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			var l struct {
				Items      []map[string]any `json:"items"`
				NextCursor string           `json:"next_cursor"`
			}
			s.Call("GET", path+"?limit=2&cursor="+cursor, f.BuyerA.Member.Token, nil).Expect(t, 200).Decode(t, &l)
			for _, it := range l.Items {
				if seen[it["id"].(string)] {
					t.Fatalf("product %v twice", it["id"])
				}
				seen[it["id"].(string)] = true
			}
			if cursor = l.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 3 {
			t.Fatalf("pagination saw %d products", len(seen))
		}
		s.Call("GET", path+"?cursor=garbage!", f.BuyerA.Member.Token, nil).Expect(t, 422)

		// A contract price for A shows to A only; B keeps the list price.
		cp := path + "/" + c.Machine + "/contract-price"
		s.Call("PUT", cp, f.BuyerA.Admin.Token, map[string]any{"unit_price": "1.00"}).Expect(t, 403)
		s.Call("PUT", cp, f.Supplier.Member.Token, map[string]any{"unit_price": "1.001"}).Expect(t, 422)
		s.Call("PUT", "/relationships/"+f.RelA+"/products/"+c.Other+"/contract-price", f.Supplier.Member.Token, map[string]any{"unit_price": "1.00"}).Expect(t, 404)
		r := s.Call("PUT", cp, f.Supplier.Member.Token, map[string]any{"unit_price": "110000.00"}).Expect(t, 200)
		if miss, ok := testutil.Contains(string(r.Body), `"unit_price":"110000.00"`, `"list_price":"125000.00"`, `"price_source":"contract"`); !ok {
			t.Fatalf("contract price lacks %s: %s", miss, r.Body)
		}
		a := s.Call("GET", path+"/"+c.Machine, f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)
		b := s.Call("GET", "/relationships/"+f.RelB+"/products/"+c.Machine, f.BuyerB.Member.Token, nil).Expect(t, 200).JSON(t)
		if a["unit_price"] != "110000.00" || b["unit_price"] != "125000.00" || b["price_source"] != "list" {
			t.Fatalf("A sees %v, B sees %v", a["unit_price"], b["unit_price"])
		}
		s.Call("DELETE", cp, f.Supplier.Member.Token, nil).Expect(t, 200)
		a = s.Call("GET", path+"/"+c.Machine, f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)
		if a["unit_price"] != "125000.00" {
			t.Fatalf("after removing the contract price A sees %v", a["unit_price"])
		}
	})
}

func urlQuery(q string) string {
	return strings.NewReplacer("%", "%25", " ", "%20", "_", "%5F").Replace(q)
}

func TestTCO(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		base := "/relationships/" + f.RelA + "/products/" + c.Machine + "/tco"
		cases := []struct {
			name   string
			query  string
			status int
			want   []string
		}{
			{"default years = expected life", "?quantity=2", 200, []string{`"quantity":2`, `"years":12`, `"acquisition":"250000.00"`,
				`"installation":"16000.00"`, `"maintenance_per_year":"9001.00"`, `"maintenance_total":"108012.00"`, `"total":"374012.00"`, `"cost_per_year":"31167.67"`}},
			{"explicit years", "?quantity=1&years=5", 200, []string{`"years":5`, `"maintenance_total":"22502.50"`, `"total":"155502.50"`, `"cost_per_year":"31100.50"`}},
			{"default quantity", "", 200, []string{`"quantity":1`, `"currency":"EUR"`}},
			{"quantity zero", "?quantity=0", 422, []string{`"field":"quantity"`}},
			{"quantity fraction", "?quantity=1.5", 422, []string{`"field":"quantity"`}},
			{"years zero", "?years=0", 422, []string{`"field":"years"`}},
			{"years absurd", "?years=1000", 422, []string{`"field":"years"`}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := s.Call("GET", base+tc.query, f.BuyerA.Member.Token, nil).Expect(t, tc.status)
				if miss, ok := testutil.Contains(string(r.Body), tc.want...); !ok {
					t.Errorf("lacks %s: %s", miss, r.Body)
				}
			})
		}
		// A price near the limit times a large quantity overflows: 422, not a wrong number.
		huge := newProduct(t, s, f.Supplier.Member, "HUGE", "90000000000000.00", nil)
		r := s.Call("GET", "/relationships/"+f.RelA+"/products/"+huge+"/tco?quantity=1000000", f.BuyerA.Member.Token, nil).Expect(t, 422)
		if fieldsOf(t, r) != "quantity" {
			t.Errorf("overflow names %s", fieldsOf(t, r))
		}
	})
}
