package crashtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

// tinyFS mounts a small tmpfs for the data folder, so the disk can really
// fill up or turn read-only under a running server. It needs root (CI runs as
// root); elsewhere the test is skipped and says why.
func tinyFS(t *testing.T, size string) string {
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a small filesystem (needs root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file until the filesystem is full.
func fill(t *testing.T, dir string) string {
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return path
		}
	}
}

// patchThreshold writes one relationship setting; it returns the answer.
func patchThreshold(t *testing.T, e *env, w world, days int) response {
	t.Helper()
	r, err := e.do(context.Background(), "PATCH", "/api/v1/relationships/"+w.rel, w.supplierTok, map[string]any{"silence_threshold_days": days}, nil)
	if err != nil {
		t.Fatalf("PATCH failed instead of answering: %v", err)
	}
	return r
}

// readsWork checks the read endpoints still answer 200.
func readsWork(t *testing.T, e *env, w world, when string) {
	t.Helper()
	for _, path := range []string{"/api/v1/relationships/" + w.rel, "/api/v1/relationships/" + w.rel + "/events?after_seq=0", "/api/v1/relationships"} {
		r, err := e.do(context.Background(), "GET", path, w.buyerTok, nil, nil)
		if err != nil || r.status != 200 {
			t.Errorf("%s: GET %s = %d %v %s", when, path, r.status, err, r.body)
		}
	}
}

// expectUnavailable checks a refused write: 503 problem+json with Retry-After,
// no SQL text.
func expectUnavailable(t *testing.T, r response, when string) {
	t.Helper()
	if r.status != 503 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("%s: write answered %d %q, want 503 problem+json: %s", when, r.status, r.header.Get("Content-Type"), r.body)
	}
	if r.status == 503 && r.header.Get("Retry-After") == "" {
		t.Errorf("%s: 503 without Retry-After", when)
	}
	if leak := sqlLeak(r.body); leak != "" {
		t.Errorf("%s: answer leaks %q: %s", when, leak, r.body)
	}
}

// lastThreshold reads the stored setting straight from the database.
func lastThreshold(t *testing.T, e *env, w world) int {
	s := e.openStore()
	defer s.Close()
	var days int
	if err := s.Writer().Raw(`SELECT silence_threshold_days FROM relationships WHERE id = ?`, w.rel).Scan(&days).Error; err != nil {
		t.Fatal(err)
	}
	checkIntegrity(t, s)
	checkEventLog(t, s.Writer())
	return days
}

// TestSQLiteDiskFull fills the data folder's filesystem under a running server:
// writes must fail with a 503 problem (never a 500, never SQL text), reads keep
// working, nothing written half, and writes resume once there is room again.
func TestSQLiteDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	e := newEnv(t, testutil.DB{Name: "sqlite"})
	e.dataDir = tinyFS(t, "16m")
	w := e.seed()
	srv := e.start()
	if r := patchThreshold(t, e, w, 41); r.status != 200 {
		t.Fatalf("write before the disk filled: %d %s", r.status, r.body)
	}
	filler := fill(t, e.dataDir)
	// The WAL may still have room in pages it already owns: write until it needs more.
	var refused response
	for i := 0; i < 500; i++ {
		r := patchThreshold(t, e, w, 50+i%50)
		if r.status != 200 {
			refused = r
			break
		}
	}
	expectUnavailable(t, refused, "disk full")
	readsWork(t, e, w, "disk full")
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "writes to work again after space was freed", func() bool { return patchThreshold(t, e, w, 42).status == 200 })
	readsWork(t, e, w, "after the disk was freed")
	srv.stop(t)
	if got := lastThreshold(t, e, w); got != 42 {
		t.Errorf("stored threshold %d, want 42 (the last acknowledged write)", got)
	}
}

// erofsShim compiles testdata/erofs_shim.c, the LD_PRELOAD library that turns
// the data folder read-only on demand (see the file). cgo needs a C compiler
// to build the server at all, so CI has one; elsewhere the test is skipped.
func erofsShim(t *testing.T) string {
	t.Helper()
	cc := strings.Fields(os.Getenv("CC"))
	if len(cc) == 0 {
		cc = []string{"cc"}
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		t.Skipf("no C compiler (%s) to build the read-only filesystem shim: %v", cc[0], err)
	}
	so := filepath.Join(t.TempDir(), "erofs_shim.so")
	args := append(cc[1:], "-shared", "-fPIC", "-o", so, filepath.Join("testdata", "erofs_shim.c"), "-ldl")
	if out, err := exec.Command(cc[0], args...).CombinedOutput(); err != nil {
		t.Fatalf("building the read-only filesystem shim: %v\n%s", err, out)
	}
	return so
}

// readOnlyFS makes e's server run with the shim preloaded on its data folder
// and returns the trigger file: the folder is read-only while it exists. calls
// narrows the fault to some calls ("": all; see the shim).
func readOnlyFS(t *testing.T, e *env, calls string) string {
	t.Helper()
	shim := erofsShim(t)
	dataDir, err := filepath.EvalSymlinks(e.dataDir) // the shim compares the paths in /proc/self/fd
	if err != nil {
		t.Fatal(err)
	}
	trigger := filepath.Join(t.TempDir(), "read-only")
	e.extra = append(e.extra, "LD_PRELOAD="+shim, "RAPPORT_FAULT_EROFS_TRIGGER="+trigger,
		"RAPPORT_FAULT_EROFS_DIR="+dataDir, "RAPPORT_FAULT_EROFS_CALLS="+calls, "RAPPORT_FAULT_EROFS_LOG=1")
	return trigger
}

// placeOrder places a one-line order; it returns the answer.
func placeOrder(t *testing.T, e *env, w world, po string) response {
	t.Helper()
	body := map[string]any{"po_number": po, "lines": []map[string]any{{"product_id": w.products[0], "quantity": 1}}}
	r, err := e.do(context.Background(), "POST", "/api/v1/relationships/"+w.rel+"/orders", w.buyerTok, body, map[string]string{"Idempotency-Key": po})
	if err != nil {
		t.Fatalf("POST order failed instead of answering: %v", err)
	}
	return r
}

// refusedOpen matches the shim's line for a write-mode open of the database file.
var refusedOpen = regexp.MustCompile(`erofs-shim: open\w* \S+/rapport\.db: EROFS`)

// TestSQLiteReadOnlyFS turns the data folder's filesystem read-only under a
// running server, then writable again: writes must fail with a 503 problem
// (never a 500, never SQL text), reads keep working, nothing is written half,
// and writes resume without a restart.
//
// The kernel refuses to remount a filesystem read-only while SQLite holds its
// files open for writing (EBUSY), so the fault is injected at the libc
// boundary instead: the server runs with testdata/erofs_shim.c preloaded, and
// while a trigger file exists every write, fsync, truncate, unlink and
// write-mode open SQLite makes under the data folder fails with EROFS, the
// error a read-only mount gives.
func TestSQLiteReadOnlyFS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	e := newEnv(t, testutil.DB{Name: "sqlite"})
	w := e.seed()
	trigger := readOnlyFS(t, e, "")
	srv := e.start()
	if r := patchThreshold(t, e, w, 41); r.status != 200 {
		t.Fatalf("write before the filesystem turned read-only: %d %s", r.status, r.body)
	}
	if r := placeOrder(t, e, w, "RO-BEFORE"); r.status != 201 {
		t.Fatalf("order before the filesystem turned read-only: %d %s", r.status, r.body)
	}

	if err := os.WriteFile(trigger, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // the first refusal must not leave the writer in a state that answers otherwise
		expectUnavailable(t, patchThreshold(t, e, w, 60+i), "read-only")
		expectUnavailable(t, placeOrder(t, e, w, "RO-REFUSED"), "read-only")
	}
	readsWork(t, e, w, "read-only")
	// Reads in parallel make the reader pool grow: connections opened now find
	// the database file refused for writing and open it read-only.
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 3; k++ {
				readsWork(t, e, w, "read-only, parallel reads")
			}
		}()
	}
	wg.Wait()
	// The burst leaves client connections dialed but never used; the server's
	// graceful stop would wait 5 s for each before counting it idle.
	httpClient.CloseIdleConnections()
	t.Logf("/readyz while read-only: %d; reader connections opened while read-only: %d",
		e.status("/readyz"), len(refusedOpen.FindAllString(srv.output(), -1)))
	if !strings.Contains(srv.output(), "erofs-shim: ") {
		t.Errorf("the shim refused no call: the 503s above did not come from the read-only filesystem\n%s", srv.output())
	}

	if err := os.Remove(trigger); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "writes to work again on a writable filesystem", func() bool { return patchThreshold(t, e, w, 42).status == 200 })
	if r := placeOrder(t, e, w, "RO-AFTER"); r.status != 201 {
		t.Errorf("order after the filesystem was writable again: %d %s", r.status, r.body)
	}
	readsWork(t, e, w, "after the filesystem was writable again")
	if t.Failed() {
		t.Logf("server log:\n%s", srv.output())
	}
	srv.stop(t)
	if got := lastThreshold(t, e, w); got != 42 {
		t.Errorf("stored threshold %d, want 42 (the last acknowledged write)", got)
	}
	s := e.openStore()
	defer s.Close()
	var pos []string
	if err := s.Reader().Raw(`SELECT po_number FROM orders WHERE relationship_id = ? ORDER BY po_number`, w.rel).Scan(&pos).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Join(pos, ",") != "RO-AFTER,RO-BEFORE" {
		t.Errorf("stored orders %v, want the two acknowledged ones (RO-AFTER, RO-BEFORE) and not the refused one", pos)
	}
}

// TestSQLiteReadOnlyAtSync turns the filesystem read-only between SQLite's
// write of a commit to the WAL and its fsync, so the commit fails after its
// frames, commit frame included, are already in the WAL file.
//
// First the server goes on: the refused order is a 503, and retried with its
// Idempotency-Key once the fault is gone it is placed (SQLite writes the next
// commit over the refused one's frames). Then the fault comes back, an order
// is refused and the server is killed: WAL recovery at the next start finds a
// whole commit in the file and replays it, so a write answered 503 may exist
// after a restart, as a commit whose answer was lost does on any database.
// What must hold: the refusals are 503s, the database is intact, and each
// refused order, retried with its key, exists exactly once.
func TestSQLiteReadOnlyAtSync(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server")
	}
	e := newEnv(t, testutil.DB{Name: "sqlite"})
	w := e.seed()
	trigger := readOnlyFS(t, e, "fsync,fdatasync")
	srv := e.start()
	if r := placeOrder(t, e, w, "SYNC-BEFORE"); r.status != 201 {
		t.Fatalf("order before the filesystem turned read-only: %d %s", r.status, r.body)
	}
	setFault := func(on bool) {
		t.Helper()
		var err error
		if on {
			err = os.WriteFile(trigger, nil, 0o600)
		} else {
			err = os.Remove(trigger)
		}
		if err != nil {
			t.Fatal(err)
		}
	}

	setFault(true)
	expectUnavailable(t, placeOrder(t, e, w, "SYNC-GOES-ON"), "read-only at the sync")
	readsWork(t, e, w, "read-only at the sync")
	if !strings.Contains(srv.output(), "erofs-shim: f") {
		t.Fatalf("the shim refused no sync: the 503 did not come from the read-only filesystem\n%s", srv.output())
	}
	setFault(false)
	if r := placeOrder(t, e, w, "SYNC-GOES-ON"); r.status != 201 || r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("the refused order retried with its key on the same server: %d (replayed %q) %s, want a new order",
			r.status, r.header.Get("Idempotent-Replayed"), r.body)
	}
	if r := patchThreshold(t, e, w, 43); r.status != 200 { // a shorter commit after it
		t.Errorf("write after the fault: %d %s", r.status, r.body)
	}

	setFault(true)
	expectUnavailable(t, placeOrder(t, e, w, "SYNC-KILLED"), "read-only at the sync")
	srv.kill()
	setFault(false)
	srv = e.start()
	replayed := e.countOrders(t, w, "SYNC-KILLED")
	r := placeOrder(t, e, w, "SYNC-KILLED")
	if r.status != 201 {
		t.Errorf("the refused order retried with its key after the restart: %d %s", r.status, r.body)
	}
	t.Logf("after the restart the refused order was there before its retry: %v (retry answered %d, Idempotent-Replayed %q)",
		replayed == 1, r.status, r.header.Get("Idempotent-Replayed"))
	if t.Failed() {
		t.Logf("server log:\n%s", srv.output())
	}
	srv.stop(t)
	for _, po := range []string{"SYNC-BEFORE", "SYNC-GOES-ON", "SYNC-KILLED"} {
		if n := e.countOrders(t, w, po); n != 1 {
			t.Errorf("%d orders %s, want 1", n, po)
		}
	}
	if got := lastThreshold(t, e, w); got != 43 { // also integrity_check and the event log
		t.Errorf("stored threshold %d, want 43 (the last acknowledged write)", got)
	}
}

// countOrders counts w's orders with the PO number po, straight from the database.
func (e *env) countOrders(t *testing.T, w world, po string) int64 {
	t.Helper()
	s := e.openStore()
	defer s.Close()
	var n int64
	if err := s.Reader().Raw(`SELECT COUNT(*) FROM orders WHERE relationship_id = ? AND po_number = ?`, w.rel, po).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
