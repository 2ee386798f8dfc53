package main

import "testing"

func TestRoundsSummaryGivesEachRatioAndTheirMedian(t *testing.T) {
	for _, tc := range []struct {
		ratios []float64
		want   string
	}{
		{nil, ""},
		{[]float64{0.9}, "Placement against the ceiling's durable insert, 1 round: 90%; median 90%."},
		{[]float64{0.9, 1.18}, "Placement against the ceiling's durable insert, 2 rounds: 90%, 118%; median 104%."},
		{[]float64{1.2, 0.75, 0.97}, "Placement against the ceiling's durable insert, 3 rounds: 120%, 75%, 97%; median 97%."},
	} {
		if got := roundsSummary("Placement against the ceiling's durable insert", tc.ratios); got != tc.want {
			t.Errorf("roundsSummary(%v) = %q, want %q", tc.ratios, got, tc.want)
		}
	}
}
