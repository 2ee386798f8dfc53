package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// op is one request of a workload; it returns an error for any unexpected answer.
type op func(ctx context.Context, worker int) error

// Result is what one measured run of a workload produced.
type Result struct {
	Name      string
	Mode      string // "closed/16" or "open 500/s"
	N         int
	Errors    int
	Elapsed   time.Duration
	Latencies []time.Duration // sorted
	FirstErr  string
	Dropped   int // open loop: requests not sent because too many were in flight
	Note      string
	Skipped   bool
	PeakRSSKB int64
	ServerCPU time.Duration // CPU time the server used during the phase (0: not measured)
	Ceiling   *Result       // the same load against the bare ceiling, if comparable
}

// Throughput is successful requests per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.N-r.Errors) / r.Elapsed.Seconds()
}

// CPUPerOp is the server's CPU time per successful request (or delivery).
func (r *Result) CPUPerOp() time.Duration {
	if ok := r.N - r.Errors; ok > 0 && r.ServerCPU > 0 {
		return r.ServerCPU / time.Duration(ok)
	}
	return 0
}

// Pct returns the p-th percentile latency (p in 0..100) of all requests.
func (r *Result) Pct(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies)-1) * p / 100)
	return r.Latencies[i]
}

// recorder collects latencies and errors from many goroutines.
type recorder struct {
	mu       sync.Mutex
	lat      []time.Duration
	errors   int
	firstErr string
}

func (rc *recorder) add(d time.Duration, err error) {
	rc.mu.Lock()
	rc.lat = append(rc.lat, d)
	if err != nil {
		rc.errors++
		if rc.firstErr == "" {
			rc.firstErr = err.Error()
		}
	}
	rc.mu.Unlock()
}

// result sorts a copy of what was recorded so far (a fan-out phase is read
// while its listeners still run).
func (rc *recorder) result(name, mode string, elapsed time.Duration) *Result {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	lat := slices.Clone(rc.lat)
	slices.Sort(lat)
	return &Result{Name: name, Mode: mode, N: len(lat), Errors: rc.errors, Elapsed: elapsed, Latencies: lat, FirstErr: rc.firstErr}
}

// closedLoop runs conc workers, each sending its next request when the last
// one is answered, for d: it measures the maximum throughput.
func closedLoop(ctx context.Context, name string, conc int, d time.Duration, fn op) *Result {
	var rc recorder
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				err := fn(ctx, w)
				if ctx.Err() != nil && err != nil {
					return // cut off by the end of the run, not a failure
				}
				rc.add(time.Since(t0), err)
			}
		}()
	}
	wg.Wait()
	return rc.result(name, fmt.Sprintf("closed/%d", conc), time.Since(start))
}

// openLoop offers rate requests per second for d whatever the answers, and
// measures each latency from the moment the request was due, so a stalled
// server shows up in the percentiles (no coordinated omission).
func openLoop(ctx context.Context, name string, rate float64, d time.Duration, fn op) *Result {
	var rc recorder
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	var wg sync.WaitGroup
	var inflight atomic.Int64
	dropped := 0
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= d || ctx.Err() != nil {
			break
		}
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		if inflight.Load() > 2000 { // the server is not keeping up: not sent, counted apart
			dropped++
			continue
		}
		inflight.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer inflight.Add(-1)
			err := fn(ctx, i)
			rc.add(time.Since(due), err)
		}()
	}
	wg.Wait()
	r := rc.result(name, fmt.Sprintf("open %.0f/s", rate), time.Since(start))
	r.Dropped = dropped
	if dropped > 0 {
		r.Note = fmt.Sprintf("server fell behind: %d of %d offered requests not sent (over 2,000 in flight)", dropped, dropped+r.N)
	}
	return r
}

// client is the HTTP client of every workload: keep-alive connections enough
// for every worker.
var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, IdleConnTimeout: time.Minute, DisableCompression: true},
}

// call sends one request and checks the status (want 0: any 2xx); the body is
// read and dropped unless out is given.
func call(ctx context.Context, method, url, token string, body string, want int, hdr map[string]string, out *[]byte) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if (want == 0 && (resp.StatusCode < 200 || resp.StatusCode > 299)) || (want != 0 && resp.StatusCode != want) {
		return fmt.Errorf("%s %s: %d %s", method, shortPath(url), resp.StatusCode, truncate(string(b), 160))
	}
	if out != nil {
		*out = b
	}
	return nil
}

func shortPath(u string) string {
	if i := strings.Index(u, "/api/"); i >= 0 {
		return u[i:]
	}
	return u
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// newRunID is a random key (idempotency keys, ceiling row ids).
func newRunID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
