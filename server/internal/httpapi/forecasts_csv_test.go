package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

func fcImport(s *testutil.Server, relID string, a testutil.Actor, body, contentType string) *testutil.Response {
	s.T.Helper()
	return s.Do(testutil.Req{Method: "POST", Path: "/relationships/" + relID + "/forecasts/import", Token: a.Token, Body: body,
		Header: map[string]string{"Content-Type": contentType}})
}

// TestForecastCSVImport: a good file writes one revision and one event per
// product; each kind of bad row rejects the whole file, naming its line.
func TestForecastCSVImport(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		fcClock(s, time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC))
		fcProduct(t, s, f.Supplier, "PUMP-1")
		valve := fcProduct(t, s, f.Supplier, "VALVE-2")
		fcProduct(t, s, f.Outsider, "FOREIGN-1")
		base := fcLastSeq(t, s, f.RelA)

		good := "\uFEFFsku,period,quantity\r\nPUMP-1,2026-12,100\r\n\"PUMP-1\",\"2027-01\",\"120\"\r\nVALVE-2,2026-12,5\r\nPUMP-1,2026-11,90\r\n"
		res := fcImport(s, f.RelA, f.BuyerA.Member, good, "text/csv; charset=utf-8").Expect(t, 201).JSON(t)
		if res["rows"] != 4.0 || len(res["items"].([]any)) != 2 {
			t.Fatalf("import result = %v", res)
		}
		evs := fcEvents(t, s, f.Supplier.Admin, f.RelA, base, "")
		if len(evs) != 2 || evs[0]["type"] != "forecast.revised" || evs[1]["type"] != "forecast.revised" {
			t.Fatalf("one forecast.revised per product expected, got %v", evs)
		}
		if d := evs[0]["data"].(map[string]any); d["sku"] != "PUMP-1" || d["periods"] != 3.0 || d["source"] != "csv" {
			t.Errorf("event data = %v", d)
		}
		revs := s.Call("GET", "/relationships/"+f.RelA+"/forecasts/revisions?product_id="+valve.ID, f.BuyerA.Member.Token, nil).Expect(t, 200).Items(t)
		if len(revs) != 1 || fmt.Sprint(revs[0]["periods"]) != "[map[period:2026-12 quantity:5]]" {
			t.Errorf("imported revision = %v", revs)
		}

		written := fcCount(t, s, "forecast_periods", "1 = 1")
		seq := fcLastSeq(t, s, f.RelA)
		for _, tc := range []struct {
			name, body string
			fields     map[string]string // field → part of the message
		}{
			{"unknown sku", "sku,period,quantity\nPUMP-1,2026-12,1\nNOPE-9,2026-12,1\n", map[string]string{"line 3": "sku NOPE-9 is not a product"}},
			{"another supplier's sku", "sku,period,quantity\nFOREIGN-1,2026-12,1\n", map[string]string{"line 2": "not a product"}},
			{"bad period", "sku,period,quantity\nPUMP-1,2026-13,1\nPUMP-1,12/2026,1\n", map[string]string{"line 2": "no month 13", "line 3": "not a period"}},
			{"past period", "sku,period,quantity\nPUMP-1,2026-10,1\n", map[string]string{"line 2": "in the past"}},
			{"too far ahead", "sku,period,quantity\nPUMP-1,2029-12,1\n", map[string]string{"line 2": "more than 36 months"}},
			{"negative quantity", "sku,period,quantity\nPUMP-1,2026-12,-5\n", map[string]string{"line 2": "negative"}},
			{"non-integer quantity", "sku,period,quantity\nPUMP-1,2026-12,2.5\nVALVE-2,2026-12,lots\n", map[string]string{"line 2": "whole number", "line 3": "whole number"}},
			{"quantity beyond int32", "sku,period,quantity\nPUMP-1,2026-12,2147483648\n", map[string]string{"line 2": "larger than"}},
			{"duplicate sku and period", "sku,period,quantity\nPUMP-1,2026-12,1\nVALVE-2,2026-12,1\npump-1,2026-12,1\nPUMP-1,2026-12,2\n", map[string]string{"line 4": "sku pump-1 is not a product", "line 5": "of line 2"}},
			{"wrong column count", "sku,period,quantity\nPUMP-1,2026-12\nPUMP-1,2027-01,1,extra\n", map[string]string{"line 2": "2 columns", "line 3": "4 columns"}},
			{"wrong header", "product,month,qty\nPUMP-1,2026-12,1\n", map[string]string{"header": "sku"}},
			{"header only", "sku,period,quantity\n", map[string]string{"file": "no data rows"}},
			{"broken quotes", "sku,period,quantity\nPUMP-1,\"2026-12,1\n", map[string]string{"line 2": "not valid CSV"}},
			{"good rows do not save a bad one", "sku,period,quantity\nPUMP-1,2026-12,1\nVALVE-2,2027-01,1\nVALVE-2,2027-02,x\n", map[string]string{"line 4": "whole number"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := fcImport(s, f.RelA, f.BuyerA.Member, tc.body, "text/csv").Expect(t, 422)
				got := fcFields(t, r)
				for field, msg := range tc.fields {
					if !strings.Contains(got[field], msg) {
						t.Errorf("%s = %q, want %q (all: %v)", field, got[field], msg, got)
					}
				}
				if len(got) != len(tc.fields) {
					t.Errorf("errors %v, want exactly %v", got, tc.fields)
				}
			})
		}
		if fcCount(t, s, "forecast_periods", "1 = 1") != written || fcLastSeq(t, s, f.RelA) != seq {
			t.Fatal("a rejected import wrote something")
		}

		fcImport(s, f.RelA, f.BuyerA.Member, "sku,period,quantity\nPUMP-1,2026-12,1\n", "application/json").Expect(t, 415)
		fcImport(s, f.RelA, f.Supplier.Admin, "sku,period,quantity\nPUMP-1,2026-12,1\n", "text/csv").Expect(t, 403)

		var b strings.Builder
		b.WriteString("sku,period,quantity\n")
		for i := 0; i <= 50000; i++ {
			fmt.Fprintf(&b, "PUMP-1,2026-12,%d\n", i)
		}
		over := fcImport(s, f.RelA, f.BuyerA.Member, b.String(), "text/csv").Expect(t, 422)
		if !strings.Contains(fcFields(t, over)["file"], "more than 50000 rows") {
			t.Errorf("row limit: %s", over.Body)
		}
		huge := strings.Repeat("x", 17<<20)
		fcImport(s, f.RelA, f.BuyerA.Member, huge, "text/csv").Expect(t, 413)
		if fcCount(t, s, "forecast_periods", "1 = 1") != written {
			t.Fatal("a refused import wrote something")
		}
	})
}
