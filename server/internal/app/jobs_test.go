package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/app"
	"github.com/rapport/rapport/server/internal/testutil"
)

// syncBuffer is a log sink the job goroutines and the test can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// guard bounds every wait of these tests: reaching it is the failure (a job
// that hangs), never a timing measured as a pass.
const guard = 10 * time.Second

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(guard):
		t.Fatalf("no %s within %v", what, guard)
		panic("unreachable")
	}
}

// TestJobDeadlineEndsAStuckRun: a run that waits on ctx the way a query on a
// stalled database does is ended by the job's deadline, logged with the job's
// name, and the job runs again at the next tick; a job beside it keeps
// running; Close still stops every job, cancelling a run under way at once.
func TestJobDeadlineEndsAStuckRun(t *testing.T) {
	var logs syncBuffer
	a, err := app.Open(context.Background(), testutil.Config(t, testutil.DB{Name: "sqlite"}), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// stuckJob counts its runs and waits in each until ctx ends.
	stuckJob := func(name string, interval, timeout time.Duration, started chan<- int, ended chan<- error) app.Job {
		var runs atomic.Int64
		return app.Job{Name: name, Interval: interval, Timeout: timeout, Run: func(ctx context.Context, _ time.Time) error {
			started <- int(runs.Add(1))
			<-ctx.Done()
			ended <- ctx.Err()
			return fmt.Errorf("stuck query: %w", ctx.Err())
		}}
	}
	started, ended := make(chan int, 1000), make(chan error, 1000)
	a.AddJob(stuckJob("stuck-on-the-database", 20*time.Millisecond, 50*time.Millisecond, started, ended))
	// Its deadline is far off, so only Close can end its run.
	heldStarted, heldEnded := make(chan int, 1), make(chan error, 1)
	a.AddJob(stuckJob("held-until-close", time.Hour, time.Hour, heldStarted, heldEnded))
	beside := make(chan struct{}, 1000)
	a.AddJob(app.Job{Name: "quick", Interval: 20 * time.Millisecond, Run: func(context.Context, time.Time) error {
		beside <- struct{}{}
		return nil
	}})
	a.StartJobs()

	for want := 1; want <= 3; want++ {
		if n := receive(t, started, "start of the stuck job"); n != want {
			t.Fatalf("run %d started, want run %d", n, want)
		}
		if err := receive(t, ended, "end of the stuck run"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("run %d ended with %v, want its deadline (context.DeadlineExceeded)", want, err)
		}
	}
	for range 3 {
		receive(t, beside, "run of the job beside the stuck one")
	}
	// A run's deadline is logged after its Run returns; a run still returning
	// when Close begins counts as stopped by Close and is rightly not logged.
	// So the third line is awaited before Close.
	for deadline := time.Now().Add(guard); countDeadlineLines(logs.String()) < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d deadline log lines within %v, want one per stuck run (at least 3):\n%s", countDeadlineLines(logs.String()), guard, logs.String())
		}
	}

	receive(t, heldStarted, "start of the held job")
	closed := make(chan error, 1)
	go func() { closed <- a.Close(context.Background()) }()
	if err := receive(t, heldEnded, "end of the held run at Close"); !errors.Is(err, context.Canceled) {
		t.Fatalf("the run under way at Close ended with %v, want context.Canceled", err)
	}
	if err := receive(t, closed, "Close to return"); err != nil {
		t.Fatalf("close: %v", err)
	}

	log := logs.String()
	deadlines := 0
	for line := range strings.Lines(log) {
		switch {
		case strings.Contains(line, deadlineLine):
			if _, ok := testutil.Contains(line, `"level":"ERROR"`, `"job":"stuck-on-the-database"`, `"deadline":50000000`, `"err":"stuck query: context deadline exceeded"`); !ok {
				t.Errorf("deadline log line without its level, job, deadline or error: %s", line)
			}
			deadlines++
		case strings.Contains(line, "held-until-close"), strings.Contains(line, `"job":"quick"`), strings.Contains(line, "background job failed"):
			t.Errorf("a run that did not reach its deadline, or was stopped by Close, was logged: %s", line)
		}
	}
	if deadlines < 3 {
		t.Errorf("%d deadline log lines, want one per stuck run (at least 3):\n%s", deadlines, log)
	}
}

// deadlineLine marks the log line of a run stopped at its deadline.
const deadlineLine = `"msg":"background job stopped at its deadline"`

// countDeadlineLines counts the log lines of runs stopped at their deadline.
func countDeadlineLines(log string) int { return strings.Count(log, deadlineLine) }
