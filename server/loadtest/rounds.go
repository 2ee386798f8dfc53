package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// placeRounds measures the ceiling's durable insert and the portal's order
// placement again, back to back, rounds-1 more times after the full
// measurement (-rounds). In one pass the ceiling's insert runs minutes before
// the portal's placement (the portal's start and -settle lie between them),
// and on a shared machine the cost of a write moves by tens of percent over
// minutes: one pass's ratio is then partly the machine's drift. Adjacent pairs
// each give a ratio of their own; the table gets every pair and their median.
// Both servers run alone, one after the other, on the run's database, as in
// the first pass; the portal's start-up jobs of the day are done by then.
func (h *harness) placeRounds(ctx context.Context) error {
	if h.o.rounds < 2 || !h.o.workloads["place"] || !h.features["orders"] {
		return nil
	}
	ratios := []float64{}
	if r := h.lastPlacement(); r != nil && r.Ceiling != nil && r.Ceiling.Throughput() > 0 {
		ratios = append(ratios, r.Throughput()/r.Ceiling.Throughput())
	}
	for round := 2; round <= h.o.rounds && ctx.Err() == nil; round++ {
		// Alternate which server goes first (the first pass ran the ceiling
		// first), so that a steady drift of the machine favours neither.
		var cw, r *Result
		var err error
		if round%2 == 0 {
			if r, err = h.placeRound(ctx, round); err == nil {
				cw, err = h.insertRound(ctx, round)
			}
		} else {
			if cw, err = h.insertRound(ctx, round); err == nil {
				r, err = h.placeRound(ctx, round)
			}
		}
		if err != nil {
			return err
		}
		r.Ceiling = cw
		h.record(cw, h.ceiling)
		h.record(r, h.portal)
		if cw.Throughput() > 0 {
			ratios = append(ratios, r.Throughput()/cw.Throughput())
		}
	}
	h.roundsNote = roundsSummary(ratios)
	h.logf("%s", h.roundsNote)
	return ctx.Err()
}

// insertRound starts a ceiling on the run's database, measures its durable
// insert and stops it.
func (h *harness) insertRound(ctx context.Context, round int) (*Result, error) {
	ceiling, _, err := h.startCeilingOn(ctx, fmt.Sprintf("ceiling-%d", round), h.dbPath)
	if err != nil {
		return nil, err
	}
	defer ceiling.stop()
	h.ceiling = ceiling
	return h.on(ceiling, func() *Result {
		return closedLoop(ctx, fmt.Sprintf("ceiling: JWT + single-row insert (round %d)", round), h.o.conc, h.o.duration, h.ceilingInsert)
	}), nil
}

// placeRound starts the portal on the run's database, measures its order
// placement and stops it.
func (h *harness) placeRound(ctx context.Context, round int) (*Result, error) {
	if _, err := h.startPortal(ctx); err != nil {
		return nil, err
	}
	defer h.portal.stop()
	return h.measurePlacement(ctx, fmt.Sprintf("place order (3 lines, idempotency key) (round %d)", round)), nil
}

// lastPlacement is the first pass's placement result, if it ran.
func (h *harness) lastPlacement() *Result {
	for i := len(h.results) - 1; i >= 0; i-- {
		if strings.HasPrefix(h.results[i].Name, "place order") && !h.results[i].Skipped {
			return h.results[i]
		}
	}
	return nil
}

// roundsSummary states each round's placement share of its ceiling's insert
// and their median.
func roundsSummary(ratios []float64) string {
	if len(ratios) == 0 {
		return ""
	}
	parts := make([]string, len(ratios))
	for i, r := range ratios {
		parts[i] = fmt.Sprintf("%.0f%%", 100*r)
	}
	sorted := slices.Clone(ratios)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		median = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	rounds := "rounds"
	if len(ratios) == 1 {
		rounds = "round"
	}
	return fmt.Sprintf("Placement against the ceiling's durable insert, %d %s: %s; median %.0f%%.", len(ratios), rounds, strings.Join(parts, ", "), 100*median)
}
