package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/domain/access"
)

// harness runs one measurement: the ceiling's phase, then the portal's.
type harness struct {
	o       options
	man     Manifest
	runDir  string
	logf    func(string, ...any)
	secret  string
	buyer   []string // access token of each relationship's buyer member
	buyerAd []string // … of its buyer admin
	supp    []string // … of its supplier's sales admin
	bin     string   // the portal binary
	self    string   // this program, for the ceiling child
	dbPath  string   // the run's copy of the dataset
	hot     []int    // relationships the websocket subscribers listen to

	ceiling *child
	portal  *child

	results      []*Result
	ceilRead     *Result
	ceilReadHalf *Result // the ceiling's read at a constant half of its throughput
	ceilWrite    *Result
	ceilBare     *Result // the bare stack's group-committed placement (ceiling_group.go)
	ceilWS       *Result
	ceilCold     time.Duration
	submitted    chan orderRef
	acked        chan orderRef
	features     map[string]bool // endpoints the portal under test offers
	profiles     int             // CPU profiles written (-pprof)
	roundsNote   string          // -rounds: each round's ratios and their medians
}

type orderRef struct {
	rel int
	id  string
}

func newHarness(ctx context.Context, o options, man Manifest, runDir string, logf func(string, ...any)) (*harness, error) {
	h := &harness{o: o, man: man, runDir: runDir, logf: logf, secret: "loadtest-" + newRunID() + newRunID(), features: map[string]bool{}}
	tokens, err := auth.NewTokens([]byte(h.secret), 15*time.Minute)
	if err != nil {
		return nil, err
	}
	for _, r := range man.Rels {
		b, err1 := tokens.Issue(access.Caller{UserID: r.BuyerUser, OrgID: r.BuyerOrgID, Role: access.RoleMember, Department: "purchasing"})
		ba, err2 := tokens.Issue(access.Caller{UserID: r.BuyerAdmin, OrgID: r.BuyerOrgID, Role: access.RoleAdmin, Department: "management"})
		s, err3 := tokens.Issue(access.Caller{UserID: r.SupplierUser, OrgID: r.SupplierOrgID, Role: access.RoleAdmin, Department: "sales"})
		if err := firstErr(err1, err2, err3); err != nil {
			return nil, err
		}
		h.buyer, h.buyerAd, h.supp = append(h.buyer, b), append(h.buyerAd, ba), append(h.supp, s)
	}
	for i := 0; i < min(10, len(man.Rels)); i++ {
		h.hot = append(h.hot, i*len(man.Rels)/min(10, len(man.Rels)))
	}
	// The pools hold what a run can use up (a full run changes a few thousand
	// orders' states), no more: a channel's buffer is scanned whole by every
	// garbage collection of this process, and 2×1M slots kept the load
	// generator's live heap at 55 MB (now 10–20 MB) and its collections long.
	h.submitted = make(chan orderRef, 1<<16)
	h.acked = make(chan orderRef, 1<<16)
	var refs []orderRef
	for i, r := range man.Rels {
		for _, id := range r.Submitted {
			refs = append(refs, orderRef{i, id})
		}
	}
	rand.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
	for _, r := range refs[:min(len(refs), cap(h.submitted))] {
		h.submitted <- r
	}
	for i, r := range man.Rels {
		for _, id := range r.Acknowledged {
			select {
			case h.acked <- orderRef{i, id}:
			default:
			}
		}
	}
	return h, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// prepare builds the portal and copies the dataset into the run folder.
func (h *harness) prepare(ctx context.Context, cached string) (err error) {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	h.bin = filepath.Join(h.runDir, "rapport")
	t0 := time.Now()
	build := exec.CommandContext(ctx, "go", "build", "-o", h.bin, "./server")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build ./server: %w", err)
	}
	h.logf("built the portal in %s", time.Since(t0).Round(time.Millisecond))
	if h.self, err = os.Executable(); err != nil {
		return err
	}
	data := filepath.Join(h.runDir, "data")
	defer func() {
		if err == nil && h.o.analyze {
			err = analyze(ctx, h.dbPath, h.logf)
		}
	}()
	if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	h.dbPath = filepath.Join(data, "rapport.db")
	t0 = time.Now()
	if err := copyFile(cached, h.dbPath); err != nil {
		return err
	}
	h.logf("copied and synced the dataset in %s", time.Since(t0).Round(time.Millisecond))
	return nil
}

// measure runs the ceiling's workloads, then the portal's.
func (h *harness) measure(ctx context.Context) error {
	if err := h.measureCeiling(ctx); err != nil {
		return err
	}
	if err := h.measurePortal(ctx); err != nil {
		return err
	}
	return h.placeRounds(ctx)
}

func (h *harness) startCeiling(ctx context.Context) error {
	c, cold, err := h.startCeilingOn(ctx, "ceiling", h.dbPath)
	if err != nil {
		return err
	}
	h.ceiling, h.ceilCold = c, cold
	return nil
}

// startCeilingOn starts a bare ceiling server named name on the database at dbPath.
func (h *harness) startCeilingOn(ctx context.Context, name, dbPath string) (*child, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	return startChild(ctx, name, h.self, []string{"-serve-ceiling", addr, dbPath, h.secret, h.o.syncMode}, nil, addr, filepath.Join(h.runDir, name+".log"))
}

func (h *harness) measureCeiling(ctx context.Context) error {
	if err := h.startCeiling(ctx); err != nil {
		return err
	}
	defer h.ceiling.stop()
	w := h.o.workloads
	if w["read"] || w["mixed"] {
		h.warm(ctx, h.ceilingRead)
		h.ceilRead = h.on(h.ceiling, func() *Result {
			return closedLoop(ctx, "ceiling: JWT + primary-key read", h.o.conc, h.o.duration, h.ceilingRead)
		})
		h.record(h.ceilRead, h.ceiling)
		if rate := h.ceilRead.Throughput() / 2; rate > 0 {
			// The open loop the portal gets, at the same rate; then the same
			// rate against a constant answer: the tail that the machine and
			// the load generator add by themselves.
			h.ceilReadHalf = h.on(h.ceiling, func() *Result {
				return openLoop(ctx, "ceiling: JWT + primary-key read at ½ its throughput", rate, h.o.duration, h.ceilingRead)
			})
			h.record(h.ceilReadHalf, h.ceiling)
			r := h.on(h.ceiling, func() *Result {
				return openLoop(ctx, "floor: constant answer, net/http only, same rate", rate, h.o.duration, h.floorRead)
			})
			h.record(r, h.ceiling)
		}
	}
	if w["place"] || w["mixed"] {
		h.ceilWrite = h.on(h.ceiling, func() *Result {
			return closedLoop(ctx, "ceiling: JWT + single-row insert", h.o.conc, h.o.duration, h.ceilingInsert)
		})
		h.record(h.ceilWrite, h.ceiling)
	}
	if w["place"] {
		h.ceilBare = h.groupReferences(ctx, h.ceilWrite, "")
	}
	if w["ws"] {
		h.ceilWS = h.on(h.ceiling, func() *Result { return h.ceilingFanout(ctx) })
		h.record(h.ceilWS, h.ceiling)
	}
	return nil
}

// watchRSS samples the server's resident set every 50 ms until the returned
// function is called, which returns the highest sample: the peak of that
// phase alone (VmHWM would carry an earlier phase's peak into later ones).
func watchRSS(c *child) func() int64 {
	stop := make(chan struct{})
	peak := make(chan int64)
	go func() {
		var m int64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			m = max(m, c.rssKB())
			select {
			case <-stop:
				peak <- m
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(stop); return <-peak }
}

// on runs one measured phase against c, recording c's peak RSS and the CPU
// time it used during it.
func (h *harness) on(c *child, phase func() *Result) *Result {
	stop := watchRSS(c)
	cpu := c.cpuTime()
	r := phase()
	r.ServerCPU = c.cpuTime() - cpu
	r.PeakRSSKB = stop()
	return r
}

// record remembers a result with the server's peak RSS during the phase
// (measured with watchRSS, or the process's lifetime peak when not watched).
func (h *harness) record(r *Result, c *child) {
	if r.PeakRSSKB == 0 {
		r.PeakRSSKB = c.peakRSSKB()
	}
	h.results = append(h.results, r)
	h.logf("%-48s %s: %8.0f/s p50 %v p99 %v errors %d %s", r.Name, r.Mode, r.Throughput(), r.Pct(50), r.Pct(99), r.Errors, truncate(r.FirstErr, 200))
}

// warm sends a second of requests so caches and connections are warm.
func (h *harness) warm(ctx context.Context, fn op) {
	closedLoop(ctx, "warm-up", h.o.conc, min(time.Second, h.o.duration/2), fn)
}

func (h *harness) startPortal(ctx context.Context) (time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return 0, err
	}
	env := []string{
		"RAPPORT_ADDR=" + addr, "RAPPORT_DATA_DIR=" + filepath.Dir(h.dbPath), "RAPPORT_DATABASE_URL=",
		"RAPPORT_JWT_SECRET=" + h.secret, "RAPPORT_PUBLIC_ORIGIN=http://" + addr, "RAPPORT_LOG_LEVEL=info",
		"RAPPORT_SQLITE_SYNCHRONOUS=" + h.o.syncMode, "RAPPORT_LOGIN_PER_MINUTE=100000",
		// The harness measures throughput, not the abuse limit: its buyers place
		// thousands of orders a second, which RAPPORT_ORDER_RATE would refuse.
		"RAPPORT_ORDER_RATE=0",
	}
	bin, args := h.bin, []string{"serve"}
	if h.o.cpuProfile {
		h.profiles++
		bin, args = h.self, []string{"-serve-portal", filepath.Join(h.runDir, fmt.Sprintf("portal-%d.pprof", h.profiles))}
	}
	c, cold, err := startChild(ctx, "portal", bin, args, env, addr, filepath.Join(h.runDir, "portal.log"))
	if err != nil {
		return 0, err
	}
	h.portal = c
	return cold, nil
}

func (h *harness) measurePortal(ctx context.Context) error {
	cold, err := h.startPortal(ctx)
	if err != nil {
		return err
	}
	defer func() {
		h.portal.stop()
		if h.o.cpuProfile {
			p := filepath.Join(h.runDir, fmt.Sprintf("portal-%d.pprof", h.profiles))
			fmt.Fprintf(os.Stderr, "CPU profile of the portal (%s):\n%s", p, goTool(p, h.self))
		}
	}()
	if h.o.workloads["coldstart"] {
		h.coldStart(ctx, cold)
	}
	if h.o.settle > 0 {
		h.logf("settling for %s", h.o.settle)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(h.o.settle):
		}
	}
	if h.o.cpuProfile {
		if err := h.portal.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
			return fmt.Errorf("start the portal's CPU profile: %w", err)
		}
	}
	h.probe(ctx)
	for _, step := range []struct {
		name string
		fn   func(context.Context)
	}{{"read", h.portalReads}, {"list", h.portalList}, {"place", h.portalPlace}, {"mixed", h.portalMixed}, {"ws", h.portalFanout}} {
		if h.o.workloads[step.name] && ctx.Err() == nil {
			step.fn(ctx)
		}
	}
	return ctx.Err()
}

// coldStart restarts the portal a few times on the dataset and reports the
// time from exec to the first 200 from /readyz (the first start also migrated).
func (h *harness) coldStart(ctx context.Context, first time.Duration) {
	r := &Result{Name: "cold start to /readyz", Mode: "exec → 200", Note: fmt.Sprintf("first start %v", first.Round(time.Millisecond))}
	for i := 0; i < 3; i++ {
		h.portal.stop()
		cold, err := h.startPortal(ctx)
		if err != nil {
			r.Errors++
			r.FirstErr = err.Error()
			break
		}
		r.N++
		r.Latencies = append(r.Latencies, cold)
	}
	sortDurations(r.Latencies)
	r.Elapsed = 0
	r.Ceiling = &Result{Name: "ceiling", N: 1, Latencies: []time.Duration{h.ceilCold}}
	h.record(r, h.portal)
}

// probe finds which capabilities the portal under test offers, so the harness
// measures what exists and says what it skipped.
func (h *harness) probe(ctx context.Context) {
	rel := h.man.Rels[0]
	base := h.portal.base + "/api/v1/relationships/" + rel.ID
	h.features["orders"] = call(ctx, "GET", base+"/orders/"+rel.Orders[0], h.buyer[0], "", 200, nil, nil) == nil
	h.features["tickets"] = call(ctx, "GET", base+"/tickets?limit=1", h.buyer[0], "", 200, nil, nil) == nil
	h.features["comments"] = call(ctx, "GET", base+"/comments?subject_type=order&subject_id="+rel.Orders[0], h.buyer[0], "", 200, nil, nil) == nil
	h.features["ws"] = call(ctx, "POST", h.portal.base+"/api/v1/ws/ticket", h.buyer[0], "", 201, nil, nil) == nil
	h.logf("portal offers: %v", h.features)
}

func (h *harness) skip(name, why string) {
	r := &Result{Name: name, Skipped: true, Note: why}
	h.results = append(h.results, r)
	h.logf("%s: skipped (%s)", name, why)
}

func (h *harness) portalReads(ctx context.Context) {
	if !h.features["orders"] {
		h.skip("authorized single-order read", "the portal has no GET …/orders/{id} yet")
		return
	}
	h.warm(ctx, h.orderRead)
	stopProf := h.profile("read")
	r := h.on(h.portal, func() *Result {
		return closedLoop(ctx, "authorized single-order read", h.o.conc, h.o.duration, h.orderRead)
	})
	stopProf()
	r.Ceiling = h.ceilRead
	h.record(r, h.portal)
	if h.ceilRead != nil && h.ceilRead.Throughput() > 0 {
		rate := h.ceilRead.Throughput() / 2
		o := h.on(h.portal, func() *Result {
			return openLoop(ctx, "authorized single-order read at ½ ceiling", rate, h.o.duration, h.orderRead)
		})
		o.Ceiling = h.ceilReadHalf
		h.record(o, h.portal)
	}
}

func (h *harness) portalList(ctx context.Context) {
	if !h.features["orders"] {
		h.skip("list 50 orders", "the portal has no GET …/orders yet")
		return
	}
	r := h.on(h.portal, func() *Result {
		return openLoop(ctx, fmt.Sprintf("list 50 orders (%d orders)", h.o.size.Orders), h.o.listRate, h.o.duration, h.orderList)
	})
	h.record(r, h.portal)
	c := h.on(h.portal, func() *Result {
		return closedLoop(ctx, fmt.Sprintf("list 50 orders (%d orders)", h.o.size.Orders), h.o.conc, h.o.duration, h.orderList)
	})
	h.record(c, h.portal)
}

func (h *harness) portalPlace(ctx context.Context) {
	if !h.features["orders"] {
		h.skip("place order (3 lines, idempotency key)", "the portal has no POST …/orders yet")
		return
	}
	stopProf := h.profile("place")
	r := h.measurePlacement(ctx, "place order (3 lines, idempotency key)")
	stopProf()
	r.Ceiling = h.ceilWrite
	r.Note = bareNote(r, h.ceilBare)
	h.record(r, h.portal)
}

// groupReferences measures the bare stack's group commit on the ceiling:
// its single-row insert, then the placement's rows (ceiling_group.go), each
// against insert, the ceiling's own durable insert measured just before.
// It returns the bare placement.
func (h *harness) groupReferences(ctx context.Context, insert *Result, suffix string) *Result {
	g := h.on(h.ceiling, func() *Result {
		return closedLoop(ctx, "ceiling: single-row insert, group-committed"+suffix, h.o.conc, h.o.duration, h.ceilingGroupInsert)
	})
	g.Ceiling = insert
	h.record(g, h.ceiling)
	b := h.on(h.ceiling, func() *Result {
		return closedLoop(ctx, "bare stack: the placement's rows, group-committed"+suffix, h.o.conc, h.o.duration, h.barePlace)
	})
	b.Ceiling = insert
	h.record(b, h.ceiling)
	return b
}

// bareNote adds placement's share of the bare stack's placement to its note.
func bareNote(r, bare *Result) string {
	if bare == nil || bare.Throughput() == 0 {
		return r.Note
	}
	note := fmt.Sprintf("%.0f%% of the bare stack's placement", 100*r.Throughput()/bare.Throughput())
	if r.Note == "" {
		return note
	}
	return r.Note + "; " + note
}

// measurePlacement places orders on the running portal in a closed loop and
// notes how many its committer wrote per commit.
func (h *harness) measurePlacement(ctx context.Context, name string) *Result {
	w0, c0 := h.groupCommits(ctx)
	r := h.on(h.portal, func() *Result {
		return closedLoop(ctx, name, h.o.conc, h.o.duration, h.placeOrder)
	})
	if w1, c1 := h.groupCommits(ctx); c1 > c0 {
		r.Note = fmt.Sprintf("group commit: %.0f writes in %.0f commits (%.1f per fsync)", w1-w0, c1-c0, (w1-w0)/(c1-c0))
	}
	return r
}

func (h *harness) portalMixed(ctx context.Context) {
	if !h.features["orders"] {
		h.skip("mixed 70/20/10", "the portal has no orders yet")
		return
	}
	r := h.on(h.portal, func() *Result {
		return closedLoop(ctx, "mixed 70% read / 20% change / 10% new", h.o.conc, h.o.duration, h.mixed)
	})
	r.Note = h.mixedNote()
	h.record(r, h.portal)
	if h.o.wsRate == 0 {
		h.o.wsRate = max(10, r.Throughput()/3) // below saturation: a saturated server measures its queue, not the fan-out
	}
}

// groupCommits reads the portal's group commit counters from /metrics (served
// to loopback clients); zeros when they cannot be read.
func (h *harness) groupCommits(ctx context.Context) (writes, commits float64) {
	req, err := http.NewRequestWithContext(ctx, "GET", h.portal.base+"/metrics", nil)
	if err != nil {
		return 0, 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, _ := strconv.ParseFloat(value, 64)
		switch name {
		case "rapport_store_group_commit_writes_total":
			writes = v
		case "rapport_store_group_commits_total":
			commits = v
		}
	}
	return writes, commits
}

func (h *harness) mixedNote() string {
	var parts []string
	for _, f := range []string{"tickets", "comments"} {
		if !h.features[f] {
			parts = append(parts, "no "+f+" endpoint: new "+f+" replaced by orders")
		}
	}
	return strings.Join(parts, "; ")
}

func sortDurations(d []time.Duration) {
	for i := 1; i < len(d); i++ {
		for j := i; j > 0 && d[j] < d[j-1]; j-- {
			d[j], d[j-1] = d[j-1], d[j]
		}
	}
}
