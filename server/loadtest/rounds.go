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
// the first pass; the portal's start-up jobs of the day are done by then. Each
// round's ceiling also measures the bare stack's group-committed placement
// (ceiling_group.go), so the table gets that reference's rounds too.
func (h *harness) placeRounds(ctx context.Context) error {
	if h.o.rounds < 2 || !h.o.workloads["place"] || !h.features["orders"] {
		return nil
	}
	var toCeiling, bareToCeiling, toBare []float64
	add := func(r, bare, insert *Result) {
		if insert.Throughput() > 0 {
			toCeiling = append(toCeiling, r.Throughput()/insert.Throughput())
			if bare != nil {
				bareToCeiling = append(bareToCeiling, bare.Throughput()/insert.Throughput())
			}
		}
		if bare != nil && bare.Throughput() > 0 {
			toBare = append(toBare, r.Throughput()/bare.Throughput())
		}
	}
	if r := h.lastPlacement(); r != nil && r.Ceiling != nil {
		add(r, h.ceilBare, r.Ceiling)
	}
	for round := 2; round <= h.o.rounds && ctx.Err() == nil; round++ {
		// Alternate which server goes first (the first pass ran the ceiling
		// first), so that a steady drift of the machine favours neither.
		var cw, bare, r *Result
		var err error
		if round%2 == 0 {
			if r, err = h.placeRound(ctx, round); err == nil {
				cw, bare, err = h.insertRound(ctx, round)
			}
		} else {
			if cw, bare, err = h.insertRound(ctx, round); err == nil {
				r, err = h.placeRound(ctx, round)
			}
		}
		if err != nil {
			return err
		}
		r.Ceiling = cw
		r.Note = bareNote(r, bare)
		h.record(r, h.portal)
		add(r, bare, cw)
	}
	h.roundsNote = strings.Join(slices.DeleteFunc([]string{
		roundsSummary("Placement against the ceiling's durable insert", toCeiling),
		roundsSummary("The bare stack's group-committed placement against the ceiling's durable insert", bareToCeiling),
		roundsSummary("Placement against the bare stack's placement", toBare),
	}, func(s string) bool { return s == "" }), "\n")
	h.logf("%s", h.roundsNote)
	return ctx.Err()
}

// insertRound starts a ceiling on the run's database, measures its durable
// insert, then the bare stack's group commit (its placement is returned), and
// stops it.
func (h *harness) insertRound(ctx context.Context, round int) (insert, bare *Result, err error) {
	ceiling, _, err := h.startCeilingOn(ctx, fmt.Sprintf("ceiling-%d", round), h.dbPath)
	if err != nil {
		return nil, nil, err
	}
	defer ceiling.stop()
	h.ceiling = ceiling
	suffix := fmt.Sprintf(" (round %d)", round)
	insert = h.on(ceiling, func() *Result {
		return closedLoop(ctx, "ceiling: JWT + single-row insert"+suffix, h.o.conc, h.o.duration, h.ceilingInsert)
	})
	h.record(insert, ceiling)
	return insert, h.groupReferences(ctx, insert, suffix), nil
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

// roundsSummary states each round's ratio (what it is) and their median.
func roundsSummary(what string, ratios []float64) string {
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
	return fmt.Sprintf("%s, %d %s: %s; median %.0f%%.", what, len(ratios), rounds, strings.Join(parts, ", "), 100*median)
}
