package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// table renders every result as a markdown table: throughput and latency of
// the portal, and its ratio to the ceiling measured in this run.
func (h *harness) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nRapport load test — %d orders, %d relationships, synchronous=%s, %s per workload, %s, %s\n\n",
		h.o.size.Orders, h.o.size.Rels, h.o.syncMode, h.o.duration, cpuInfo(), time.Now().UTC().Format(time.RFC3339))
	b.WriteString("| workload | load | throughput/s | p50 | p95 | p99 | errors | ceiling | ratio | server peak RSS (phase) | server CPU per request | note |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range h.results {
		if r.Skipped {
			fmt.Fprintf(&b, "| %s | – | – | – | – | – | – | – | – | – | – | skipped: %s |\n", r.Name, r.Note)
			continue
		}
		thr, ceil, ratio := fmt.Sprintf("%.0f", r.Throughput()), "", ""
		if r.Elapsed == 0 {
			thr = "–"
		}
		if r.Ceiling != nil {
			if r.Elapsed == 0 || strings.Contains(r.Ceiling.Name, "broadcast") || strings.HasPrefix(r.Mode, "open") {
				// latency comparisons (cold start, fan-out, the same offered
				// rate): ratio of p99s, lower is better
				ceil = "p99 " + fmtDur(r.Ceiling.Pct(99))
				if r.Ceiling.Pct(99) > 0 {
					ratio = fmt.Sprintf("%.2f× p99", float64(r.Pct(99))/float64(r.Ceiling.Pct(99)))
				}
			} else {
				ceil = fmt.Sprintf("%.0f/s", r.Ceiling.Throughput())
				if r.Ceiling.Throughput() > 0 {
					ratio = fmt.Sprintf("%.0f%%", 100*r.Throughput()/r.Ceiling.Throughput())
				}
			}
		}
		note := r.Note
		if r.Errors > 0 {
			note = strings.TrimPrefix(note+"; first error: "+truncate(r.FirstErr, 120), "; ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %d | %s | %s | %.0f MB | %s | %s |\n",
			r.Name, r.Mode, thr, fmtDur(r.Pct(50)), fmtDur(r.Pct(95)), fmtDur(r.Pct(99)), r.Errors, ceil, ratio, float64(r.PeakRSSKB)/1024,
			fmtDur(r.CPUPerOp()), strings.ReplaceAll(note, "|", "/"))
	}
	if h.roundsNote != "" {
		b.WriteString("\n" + h.roundsNote + "\n")
	}
	b.WriteString("\nThe load generator shares the machine's cores with the server; absolute figures are noisy, ratios to the ceiling of the same run are the result.\n")
	return b.String()
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d.Microseconds()))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func cpuInfo() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	cores := strings.Count(string(b), "processor\t:")
	if err != nil || cores == 0 {
		return "unknown CPU"
	}
	return fmt.Sprintf("%d cores", cores)
}

// profile marks a profiled phase in the log (with -pprof the portal child
// profiles its whole life; run one workload at a time to attribute it).
func (h *harness) profile(phase string) func() {
	if h.o.cpuProfile {
		h.logf("profiling: %s", phase)
	}
	return func() {}
}

// goTool runs `go tool pprof -top` on a profile for the log.
func goTool(profile, bin string) string {
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=25", bin, profile).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("pprof %s: %v\n%s", filepath.Base(profile), err, out)
	}
	return string(out)
}

// failures reports workloads whose error share is over the limit, so CI fails
// when the harness or the portal breaks.
func (h *harness) failures(maxRate float64) error {
	var bad []string
	for _, r := range h.results {
		if r.Skipped || r.N == 0 {
			continue
		}
		if float64(r.Errors)/float64(r.N) > maxRate {
			bad = append(bad, fmt.Sprintf("%s: %d of %d failed (%s)", r.Name, r.Errors, r.N, truncate(r.FirstErr, 200)))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("workloads over the %.1f%% error limit:\n  %s", 100*maxRate, strings.Join(bad, "\n  "))
	}
	return nil
}
