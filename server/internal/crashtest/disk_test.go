package crashtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// expectUnavailable checks a refused write: 503 problem+json, no SQL text.
func expectUnavailable(t *testing.T, r response, when string) {
	t.Helper()
	if r.status != 503 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("%s: write answered %d %q, want 503 problem+json: %s", when, r.status, r.header.Get("Content-Type"), r.body)
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
