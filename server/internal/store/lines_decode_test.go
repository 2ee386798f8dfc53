package store

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/order"
)

// The fast path must read what EncodeLines writes, including names that need
// escapes (which it hands to encoding/json).
func TestLinesRoundTrip(t *testing.T) {
	lines := []order.Line{
		{LineNo: 1, ProductID: "p1", SKU: "SKU-1", Name: "Bolt M8", Quantity: 5, UnitPrice: money.Amount(1234), LineTotal: money.Amount(6170)},
		{LineNo: 2, ProductID: "p2", SKU: "SKU-2", Name: "Rohr Ø 20 mm", Quantity: 1, UnitPrice: money.Amount(-5), LineTotal: money.Amount(-5)},
		{LineNo: 3, ProductID: "p3", SKU: "S\"3", Name: "quote \" and \\ and <tag> & \u2028", Quantity: 9007199254740993, UnitPrice: 0, LineTotal: 0},
	}
	for _, n := range []int{0, 1, 2, 3} {
		raw, err := EncodeLines(lines[:n])
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeLines([]byte(raw))
		if err != nil {
			t.Fatalf("%d lines: %v", n, err)
		}
		if !reflect.DeepEqual(got, lines[:n]) {
			t.Fatalf("%d lines: got %+v, want %+v", n, got, lines[:n])
		}
		_, fast := fastLines([]byte(raw))
		if want := n < 3; fast != want {
			t.Errorf("%d lines: fast path taken = %v, want %v", n, fast, want)
		}
	}
}

// FuzzParseLines holds the fast path to encoding/json: on any input, whenever
// it answers, its answer is encoding/json's.
func FuzzParseLines(f *testing.F) {
	for _, s := range []string{
		`[]`, `[{}]`, `[{"n":1,"p":"a","s":"b","m":"c","q":2,"u":3,"t":6}]`,
		`[{"n":1,"p":"a","s":"b","m":"c","q":2,"u":3,"t":6},{"n":2,"p":"x","s":"y","m":"Ø","q":-1,"u":0,"t":-0}]`,
		`[{"n":1,"n":2}]`, `[{"N":1}]`, `[{"q":1.5}]`, `[{"q":1e3}]`, `[{"q":01}]`, `[{"m":"a\"b"}]`, `[{"m":"a\\b"}]`, `[{"m":"\u00e9"}]`,
		`[{"q":99999999999999999999}]`, ` []`, `[{"m":"\xff"}]`, `[{"p":"a"},]`, `[{"x":1}]`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fast, ok := fastLines(raw)
		if !ok {
			return
		}
		var want []orderLineJSON
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("fast path read %q, which encoding/json refuses: %v", raw, err)
		}
		if !reflect.DeepEqual(fast, want) && !(len(fast) == 0 && len(want) == 0) {
			t.Fatalf("%q: fast path %+v, encoding/json %+v", raw, fast, want)
		}
	})
}

func BenchmarkDecodeLines(b *testing.B) {
	raw, err := EncodeLines([]order.Line{
		{LineNo: 1, ProductID: "01HZY3K9G2ABCDEFGHJKMNPQRS", SKU: "SKU-00017", Name: "Hydraulic pump 17", Quantity: 5, UnitPrice: 123400, LineTotal: 617000},
		{LineNo: 2, ProductID: "01HZY3K9G2ABCDEFGHJKMNPQRT", SKU: "SKU-00018", Name: "Hydraulic pump 18", Quantity: 2, UnitPrice: 99000, LineTotal: 198000},
		{LineNo: 3, ProductID: "01HZY3K9G2ABCDEFGHJKMNPQRV", SKU: "SKU-00019", Name: "Hydraulic pump 19", Quantity: 1, UnitPrice: 4500, LineTotal: 4500},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeLines([]byte(raw)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var lines []orderLineJSON
			if err := json.Unmarshal([]byte(raw), &lines); err != nil {
				b.Fatal(err)
			}
		}
	})
}
