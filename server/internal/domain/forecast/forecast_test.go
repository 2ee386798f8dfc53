package forecast

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/errs"
)

var now = time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2026-01", true}, {"2026-12", true}, {"2026-13", false}, {"2026-00", false}, {"2026-1", false},
		{"26-01", false}, {"2026/01", false}, {"+026-01", false}, {"1999-12", false}, {"2026-0x", false}, {"", false},
	} {
		_, err := ParsePeriod(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParsePeriod(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
	p, _ := ParsePeriod("2026-11")
	if got := p.AddMonths(2).String(); got != "2027-01" {
		t.Errorf("2026-11 + 2 = %s", got)
	}
	if got := p.AddMonths(-11).String(); got != "2025-12" {
		t.Errorf("2026-11 - 11 = %s", got)
	}
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var v *errs.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("want a validation error, got %v", err)
	}
	out := map[string]string{}
	for _, f := range v.Fields {
		out[f.Field] = f.Message
	}
	return out
}

func TestSubmissionValidate(t *testing.T) {
	ok := Submission{ProductID: "p", Periods: []PeriodQuantity{{"2027-01", 5}, {"2026-11", 0}, {"2029-11", MaxQuantity}}}
	if err := ok.Validate(now); err != nil {
		t.Fatalf("valid submission: %v", err)
	}
	if ok.Periods[0].Period != "2026-11" || ok.Periods[2].Period != "2029-11" {
		t.Errorf("periods not sorted: %v", ok.Periods)
	}
	bad := Submission{Periods: []PeriodQuantity{
		{"2026-13", 1}, {"2026-10", 1}, {"2029-12", 1}, {"2027-02", -1}, {"2027-03", MaxQuantity + 1}, {"2027-03", 2},
	}}
	f := fieldsOf(t, bad.Validate(now))
	for field, want := range map[string]string{
		"product_id": "required", "periods[0].period": "no month 13", "periods[1].period": "in the past",
		"periods[2].period": "more than 36 months", "periods[3].quantity": "negative", "periods[4].quantity": "at most 2147483647",
		"periods[5].period": "repeats periods[4]",
	} {
		if !strings.Contains(f[field], want) {
			t.Errorf("%s = %q, want it to mention %q", field, f[field], want)
		}
	}
	empty := Submission{ProductID: "p"}
	if _, has := fieldsOf(t, empty.Validate(now))["periods"]; !has {
		t.Error("a submission without periods must name the field periods")
	}
}

func TestCompare(t *testing.T) {
	cur := Revision{Revision: 2, Periods: []PeriodQuantity{{"2026-12", 10}, {"2027-01", 30}}}
	prev := Revision{Revision: 1, Periods: []PeriodQuantity{{"2026-11", 5}, {"2026-12", 12}}}
	got := Compare(cur, &prev)
	if len(got) != 3 {
		t.Fatalf("changes = %+v", got)
	}
	if got[0].Period != "2026-11" || got[0].Quantity != nil || *got[0].Previous != 5 || got[0].Delta != nil {
		t.Errorf("dropped period: %+v", got[0])
	}
	if *got[1].Delta != -2 {
		t.Errorf("changed period delta = %d", *got[1].Delta)
	}
	if got[2].Previous != nil || *got[2].Quantity != 30 {
		t.Errorf("new period: %+v", got[2])
	}
	if first := Compare(prev, nil); len(first) != 2 || first[0].Previous != nil {
		t.Errorf("first revision: %+v", first)
	}
}

func TestAccuracyOf(t *testing.T) {
	acc := AccuracyOf([]Pair{{110, 100}, {90, 100}, {5, 0}})
	if acc.Periods != 3 || acc.MAPEPeriods != 2 || *acc.MAPE != 10 {
		t.Errorf("mape: %+v", acc)
	}
	if *acc.Bias != 1.67 {
		t.Errorf("bias = %v, want 1.67", *acc.Bias)
	}
	if *acc.BiasPercent != 2.5 {
		t.Errorf("bias_percent = %v, want 2.5", *acc.BiasPercent)
	}
	none := AccuracyOf(nil)
	if none.MAPE != nil || none.Bias != nil || none.Periods != 0 {
		t.Errorf("no pairs: %+v", none)
	}
	zero := AccuracyOf([]Pair{{3, 0}})
	if zero.MAPE != nil || *zero.Bias != 3 || zero.BiasPercent != nil {
		t.Errorf("zero actuals: %+v", zero)
	}
}

func TestBuild(t *testing.T) {
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	entries := []Entry{
		// Revision 1 (September) covers Oct and Nov; revision 2 (mid-October) changes Nov and adds Dec.
		{"p", KindForecast, 1, at(2026, 9, 20), "2026-10", 100},
		{"p", KindForecast, 1, at(2026, 9, 20), "2026-11", 100},
		{"p", KindForecast, 2, at(2026, 10, 16), "2026-11", 140},
		{"p", KindForecast, 2, at(2026, 10, 16), "2026-12", 80},
		{"p", KindCommit, 1, at(2026, 10, 20), "2026-11", 120},
		{"p", KindCommit, 1, at(2026, 10, 20), "2026-12", 90},
	}
	actuals := map[ActualKey]int64{{"p", "2026-10"}: 80, {"p", "2026-11"}: 130, {"p", "2026-09"}: 7}
	from, _ := ParsePeriod("2026-09")
	to, _ := ParsePeriod("2027-02")
	view := Build([]ProductRef{{ID: "p", SKU: "S", Name: "N"}}, entries, actuals, from, to, at(2026, 12, 3))
	rows := view[0].Periods
	if len(rows) != 4 {
		t.Fatalf("periods = %+v", rows)
	}
	sep, oct, nov, dec := rows[0], rows[1], rows[2], rows[3]
	if sep.Forecast != nil || sep.Actual != 7 {
		t.Errorf("actual-only period: %+v", sep)
	}
	if *oct.Forecast != 100 || oct.Previous != nil || oct.Commit != nil || oct.Gap != nil || oct.Actual != 80 {
		t.Errorf("October: %+v", oct)
	}
	if *nov.Forecast != 140 || *nov.Previous != 100 || *nov.Commit != 120 || *nov.Gap != 20 || nov.Actual != 130 {
		t.Errorf("November: %+v", nov)
	}
	if *dec.Forecast != 80 || *dec.Gap != -10 {
		t.Errorf("December: %+v", dec)
	}
	// Completed periods: Sep (no forecast: skipped), Oct (100 vs 80), Nov (as of Nov 1: revision 2,
	// 140 vs 130). December is not over yet.
	acc := view[0].Accuracy
	if acc.Periods != 2 || *acc.MAPE != 16.35 || *acc.Bias != 15 {
		t.Errorf("accuracy = %+v (mape %v bias %v)", acc, *acc.MAPE, *acc.Bias)
	}
	pairs := AccuracyPairs(entries, actuals, from, to, at(2026, 12, 3))
	if len(pairs) != 2 {
		t.Errorf("accuracy pairs = %+v", pairs)
	}
}
