package forecast

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

func TestParseCSVAcceptsSpreadsheetForms(t *testing.T) {
	in := "\uFEFFSKU,Period,Quantity\r\n\"PUMP-1\",2026-12,\"1200\"\r\n\r\n  VALVE-2 , 2027-01 ,+7\r\n"
	rows, bad, err := ParseCSV([]byte(in), 10)
	if err != nil || len(bad) > 0 {
		t.Fatalf("err %v, bad %v", err, bad)
	}
	want := []CSVRow{{2, "PUMP-1", "2026-12", 1200}, {4, "VALVE-2", "2027-01", 7}}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("rows = %v, want %v", rows, want)
	}
	// Columns in another order.
	rows, _, err = ParseCSV([]byte("quantity,sku,period\n5,A,2026-12\n"), 10)
	if err != nil || len(rows) != 1 || rows[0].SKU != "A" || rows[0].Quantity != 5 {
		t.Errorf("reordered columns: %v %v", rows, err)
	}
	// A quoted field spanning lines keeps the line where its row starts.
	rows, bad, _ = ParseCSV([]byte("sku,period,quantity\nA,2026-12,1\n\"B\nC\",2026-12,2\nD,2026-12,3\n"), 10)
	if len(rows) != 2 || len(bad) != 1 || bad[0].Line != 3 || rows[1].Line != 5 {
		t.Errorf("multi-line field: rows %v bad %v", rows, bad)
	}
}

func TestParseCSVBadRows(t *testing.T) {
	in := strings.Join([]string{
		"sku,period,quantity",
		"A,2026-12,10",          // 2 ok
		"B,2026-13,10",          // 3 bad month
		"C,2026-12,-4",          // 4 negative
		"D,2026-12,1.5",         // 5 not an integer
		"E,2026-12,1e3",         // 6 not an integer
		"A,2026-12,11",          // 7 duplicate of line 2
		"F,2026-12",             // 8 too few columns
		"G,2026-12,1,2",         // 9 too many columns
		",2026-12,1",            // 10 empty sku
		"H,2026-12,99999999999", // 11 beyond int32
		"I,Dec 2026,",           // 12 bad period and empty quantity: two problems
	}, "\n")
	rows, bad, err := ParseCSV([]byte(in), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Errorf("good rows = %v", rows)
	}
	want := map[int]string{3: "no month 13", 4: "negative", 5: "not a whole number", 6: "not a whole number",
		7: "repeats sku A and period 2026-12 of line 2", 8: "has 2 columns", 9: "has 4 columns", 10: "sku is empty",
		11: "larger than 2147483647", 12: "quantity is empty"}
	got := map[int][]string{}
	for _, b := range bad {
		got[b.Line] = append(got[b.Line], b.Message)
	}
	for line, msg := range want {
		if !strings.Contains(strings.Join(got[line], "; "), msg) {
			t.Errorf("line %d: %v, want %q", line, got[line], msg)
		}
	}
	if len(got[12]) != 2 {
		t.Errorf("line 12 must report both problems: %v", got[12])
	}
	var v *errs.ValidationError
	if !errors.As(LinesError(bad), &v) || v.Fields[0].Field != "line 3" {
		t.Errorf("LinesError = %v", LinesError(bad))
	}
}

func TestParseCSVWholeFileErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		in    string
		field string
	}{
		"empty":         {"", "file"},
		"only a BOM":    {"\uFEFF", "file"},
		"header only":   {"sku,period,quantity\r\n", "file"},
		"wrong header":  {"sku,month,qty\nA,2026-12,1\n", "header"},
		"extra column":  {"sku,period,quantity,note\nA,2026-12,1,x\n", "header"},
		"too many rows": {"sku,period,quantity\nA,2026-12,1\nB,2026-12,1\nC,2026-12,1\n", "file"},
		"broken header": {"sku,\"period,quantity\n", "header"},
	} {
		_, _, err := ParseCSV([]byte(tc.in), 2)
		var v *errs.ValidationError
		if !errors.As(err, &v) || v.Fields[0].Field != tc.field {
			t.Errorf("%s: err = %v, want a validation error on %s", name, err, tc.field)
		}
	}
	_, bad, err := ParseCSV([]byte("sku,period,quantity\nA,2026-12,1\nB,\"2026-12,1\n"), 10)
	if err != nil || len(bad) != 1 || bad[0].Line != 3 {
		t.Errorf("broken quoting: err %v bad %v", err, bad)
	}
}

// FuzzParseCSV checks that no input makes the parser panic, and that every row it
// accepts is valid on its own terms.
func FuzzParseCSV(f *testing.F) {
	for _, seed := range []string{
		"sku,period,quantity\nA,2026-12,1\n",
		"\uFEFFsku,period,quantity\r\n\"A\",\"2026-12\",\"1\"\r\n",
		"sku,period,quantity\n\"A\nB\",2026-12,1\n",
		"sku,period,quantity\nA,2026-12,\"1\n",
		"quantity,period,sku\n-1,2026-13,\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, bad, err := ParseCSV(data, 100)
		if err != nil {
			var v *errs.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("whole-file error is not a validation error: %v", err)
			}
			return
		}
		seen := map[[2]string]bool{}
		for _, r := range rows {
			if r.SKU == "" || r.Quantity < 0 || r.Quantity > MaxQuantity || r.Line < 2 {
				t.Fatalf("accepted a bad row: %+v", r)
			}
			if _, err := ParsePeriod(r.Period); err != nil {
				t.Fatalf("accepted a bad period: %+v", r)
			}
			if seen[[2]string{r.SKU, r.Period}] {
				t.Fatalf("accepted a duplicate: %+v", r)
			}
			seen[[2]string{r.SKU, r.Period}] = true
		}
		for _, b := range bad {
			if b.Message == "" {
				t.Fatalf("line error without a message: %+v", b)
			}
		}
	})
}
