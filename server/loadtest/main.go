// Command loadtest proves Rapport's speed against the ceiling of its own stack.
//
// It generates (or reuses) a dataset of organizations, relationships, products,
// a year of orders, tickets, ideas, forecasts and events; starts a bare
// Gin + GORM + SQLite server (the ceiling) and the real portal built from
// ./server as child processes on copies of it; drives both over real HTTP and
// websockets from this process; and prints one table in which every figure is
// also a ratio to the ceiling measured in the same run.
//
//	go run ./server/loadtest                      # 1M orders, 1,000 relationships
//	go run ./server/loadtest -short               # CI: small dataset, ~2 s per workload
//	go run ./server/loadtest -workloads read,place -duration 20s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// options are the harness's flags.
type options struct {
	size         Size
	duration     time.Duration
	workloads    map[string]bool
	conc         int
	wsClients    int
	cacheDir     string
	keep         bool
	syncMode     string
	short        bool
	listRate     float64
	wsRate       float64
	cpuProfile   bool
	out          string
	dataOnly     bool
	maxErrorRate float64
	analyze      bool
	settle       time.Duration
	rounds       int
}

const allWorkloads = "coldstart,read,list,place,mixed,ws"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-serve-ceiling" {
		if err := serveCeiling(os.Args[2], os.Args[3], os.Args[4], os.Args[5]); err != nil {
			fmt.Fprintln(os.Stderr, "ceiling:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 2 && os.Args[1] == "-serve-portal" {
		if err := servePortalProfiled(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "portal:", err)
			os.Exit(1)
		}
		return
	}
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	wl := fs.String("workloads", allWorkloads, "comma-separated workloads to run: "+allWorkloads)
	fs.IntVar(&o.size.Orders, "orders", 1_000_000, "orders in the dataset")
	fs.IntVar(&o.size.Rels, "rels", 1000, "relationships in the dataset")
	fs.IntVar(&o.size.ProductsPerSupplier, "products", 200, "products per supplier")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measurement time per workload")
	fs.IntVar(&o.conc, "concurrency", 16, "workers of the closed-loop workloads")
	fs.IntVar(&o.wsClients, "ws-clients", 1000, "websocket subscribers of the fan-out workload")
	fs.Float64Var(&o.listRate, "list-rate", 200, "constant offered rate of the list workload (req/s)")
	fs.Float64Var(&o.wsRate, "ws-rate", 0, "constant offered rate of the mixed load under fan-out (0: a third of the mixed closed-loop throughput)")
	cache, _ := os.UserCacheDir()
	fs.StringVar(&o.cacheDir, "cache", filepath.Join(cache, "rapport-loadtest"), "where generated datasets are kept between runs")
	fs.BoolVar(&o.keep, "keep", false, "keep the run folder (databases, server logs)")
	fs.StringVar(&o.syncMode, "sync", "FULL", "SQLite synchronous mode of both servers: FULL or NORMAL")
	fs.BoolVar(&o.short, "short", false, "CI mode: 20 relationships, 20,000 orders, 2 s per workload, 100 websocket clients")
	fs.BoolVar(&o.cpuProfile, "pprof", false, "run the portal in-process under a CPU profiler (same app, same settings) and print the profile's top functions")
	fs.StringVar(&o.out, "out", "", "also write the table (markdown) to this file")
	fs.BoolVar(&o.dataOnly, "data-only", false, "only generate (or find) the dataset and print its path")
	fs.DurationVar(&o.settle, "settle", 0, "wait this long after the portal is ready before measuring (lets start-up jobs such as the daily health snapshots finish)")
	fs.IntVar(&o.rounds, "rounds", 1, "measure the ceiling's insert (with the bare stack's group commit) and the portal's placement this many times in all, the extra rounds back to back after the full pass, and report each round's ratios and their medians")
	fs.BoolVar(&o.analyze, "analyze", false, "run ANALYZE on the run's copy first (what PRAGMA optimize would give a production database)")
	fs.Float64Var(&o.maxErrorRate, "max-error-rate", 0.01, "exit with status 1 when a workload's errors exceed this share of its requests")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.short {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		def := func(name string, apply func()) {
			if !set[name] {
				apply()
			}
		}
		def("orders", func() { o.size.Orders = 20_000 })
		def("rels", func() { o.size.Rels = 20 })
		def("products", func() { o.size.ProductsPerSupplier = 20 })
		def("duration", func() { o.duration = 2 * time.Second })
		def("ws-clients", func() { o.wsClients = 100 })
		def("list-rate", func() { o.listRate = 50 })
	}
	o.workloads = map[string]bool{}
	for _, w := range strings.Split(*wl, ",") {
		if w = strings.TrimSpace(w); w != "" {
			if !strings.Contains(","+allWorkloads+",", ","+w+",") {
				fmt.Fprintf(stderr, "unknown workload %q (have %s)\n", w, allWorkloads)
				return o, fmt.Errorf("bad workload")
			}
			o.workloads[w] = true
		}
	}
	o.syncMode = strings.ToUpper(o.syncMode)
	if o.size.Rels < 1 || o.size.Orders < o.size.Rels || o.size.ProductsPerSupplier < 3 {
		fmt.Fprintln(stderr, "need -rels ≥ 1, -orders ≥ -rels and -products ≥ 3")
		return o, fmt.Errorf("bad size")
	}
	return o, nil
}

func run(ctx context.Context, o options, stdout io.Writer) error {
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
	dbPath, man, err := cachedDataset(ctx, o.cacheDir, o.size, logf)
	if err != nil {
		return err
	}
	if o.dataOnly {
		fmt.Fprintln(stdout, dbPath)
		return nil
	}
	runDir, err := os.MkdirTemp("", "rapport-loadtest-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("run folder: %s", runDir)
	} else {
		defer os.RemoveAll(runDir)
	}
	h, err := newHarness(ctx, o, man, runDir, logf)
	if err != nil {
		return err
	}
	if err := h.prepare(ctx, dbPath); err != nil {
		return err
	}
	if err := h.measure(ctx); err != nil {
		return err
	}
	table := h.table()
	fmt.Fprint(stdout, table)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(table), 0o644); err != nil {
			return err
		}
	}
	return h.failures(o.maxErrorRate)
}

// moduleRoot finds the repository root (where go.mod is) to build ./server.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run the load test from inside the Rapport repository")
	}
	return filepath.Dir(mod), nil
}
