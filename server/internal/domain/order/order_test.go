package order

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/product"
)

func TestParseQuantity(t *testing.T) {
	cases := map[string]int64{"1": 1, "1000000": 1000000, " 42 ": 42}
	for in, want := range cases {
		if got, ok := ParseQuantity(json.RawMessage(in)); !ok || got != want {
			t.Errorf("%q → %d %v, want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "1000001", "2.5", "3.0", "1e3", `"3"`, "null", "true", "99999999999999999999"} {
		if _, ok := ParseQuantity(json.RawMessage(bad)); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTransitions(t *testing.T) {
	cases := []struct {
		from, to Status
		ok       bool
	}{
		{Acknowledged, InProduction, true}, {InProduction, Shipped, true}, {Shipped, Delivered, true},
		{Acknowledged, Shipped, true}, {Submitted, InProduction, false}, {Shipped, InProduction, false},
		{Delivered, Shipped, false}, {Cancelled, Shipped, false}, {Rejected, Delivered, false}, {Shipped, Shipped, false},
	}
	for _, c := range cases {
		if got := CanAdvance(c.from, c.to); got != c.ok {
			t.Errorf("%s → %s: %v, want %v", c.from, c.to, got, c.ok)
		}
	}
	for s, want := range map[Status]bool{Submitted: true, Acknowledged: true, InProduction: true, Shipped: false, Delivered: false, Cancelled: false, Rejected: false} {
		if CanCancel(s) != want {
			t.Errorf("cancel from %s: %v", s, !want)
		}
	}
	for s, want := range map[Status]bool{Submitted: true, Acknowledged: false, Rejected: false} {
		if CanReject(s) != want {
			t.Errorf("reject from %s: %v", s, !want)
		}
	}
}

func TestPriceLinesExact(t *testing.T) {
	cat := map[string]product.Priced{
		"dime": {Product: product.Product{ID: "dime", SKU: "D", Currency: "EUR", Active: true, UnitPrice: 10}},
		"big":  {Product: product.Product{ID: "big", SKU: "B", Currency: "EUR", Active: true, UnitPrice: money.MaxAmount / 2}},
		"old":  {Product: product.Product{ID: "old", SKU: "O", Currency: "EUR", Active: false, UnitPrice: 1}},
		"usd":  {Product: product.Product{ID: "usd", SKU: "U", Currency: "USD", Active: true, UnitPrice: 1}},
	}
	lines, cur, total, err := PriceLines([]ItemRequest{{"dime", 3}}, cat)
	if err != nil || cur != "EUR" || total != 30 || money.Format(total, cur) != "0.30" || lines[0].LineTotal != 30 {
		t.Fatalf("0.10 × 3 = %s (%v)", money.Format(total, cur), err)
	}
	_, _, _, err = PriceLines([]ItemRequest{{"big", 3}, {"dime", 1}, {"old", 1}, {"usd", 1}, {"nope", 1}}, cat)
	var v *errs.ValidationError
	if !errors.As(err, &v) || len(v.Fields) != 4 {
		t.Fatalf("want four field errors, got %v", err)
	}
	want := []string{"lines[0].quantity", "lines[2].product_id", "lines[3].product_id", "lines[4].product_id"}
	for i, f := range v.Fields {
		if f.Field != want[i] {
			t.Errorf("error %d names %s, want %s", i, f.Field, want[i])
		}
	}
}

func TestCheckFutureDate(t *testing.T) {
	today := time.Date(2026, 3, 10, 23, 59, 0, 0, time.UTC)
	for s, ok := range map[string]bool{"2026-03-10": true, "2026-03-11": true, "2026-03-09": false, "2026-02-30": false, "10.03.2026": false, "2040-01-01": false} {
		var v errs.Validator
		CheckFutureDate(&v, "d", s, today)
		if (v.Err() == nil) != ok {
			t.Errorf("%s: ok=%v, want %v", s, v.Err() == nil, ok)
		}
	}
}
