// Package app wires a Rapport server together: configuration, database,
// migrations, tokens, the real-time hub, background jobs and the HTTP API.
// main and the tests both build servers through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rapport/rapport/frontend"
	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/config"
	"github.com/rapport/rapport/server/internal/httpapi"
	"github.com/rapport/rapport/server/internal/store"
)

// App is one running Rapport instance.
type App struct {
	Config  config.Config
	Log     *slog.Logger
	Store   *store.Store
	Tokens  *auth.Tokens
	API     *httpapi.API
	Handler http.Handler

	// Now is the clock of background jobs; tests replace it.
	Now func() time.Time

	jobs     []Job
	closers  []func(context.Context) error
	deps     httpapi.Deps
	stopJobs context.CancelFunc
	jobsDone sync.WaitGroup
}

// Job is a background task run every Interval (and once at start), each run
// under a deadline so that a run stuck on a database that stopped answering
// ends and the next tick runs the job again.
type Job struct {
	Name     string
	Interval time.Duration
	// Timeout bounds one run; zero means the Interval (a run may last until the
	// next one is due), but never less than minJobTimeout. Run must honour ctx.
	Timeout time.Duration
	Run     func(ctx context.Context, now time.Time) error
}

// minJobTimeout is the shortest default deadline of a run: short intervals
// (RAPPORT_JOB_INTERVAL may be 1s) must not cut ordinary runs short.
const minJobTimeout = time.Minute

// timeout is the deadline of one run of j.
func (j Job) timeout() time.Duration {
	if j.Timeout > 0 {
		return j.Timeout
	}
	return max(j.Interval, minJobTimeout)
}

// errRunDeadline marks a run that its deadline ended (already logged).
var errRunDeadline = errors.New("run reached its deadline")

// runOnce runs j once at now under its deadline. A run that reaches it is
// logged here (a database that stopped answering looks like this) and answers
// errRunDeadline; one stopped by ctx (shutdown) is not.
func (a *App) runOnce(ctx context.Context, j Job, now time.Time) error {
	timeout := j.timeout()
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := j.Run(runCtx, now)
	if err != nil && ctx.Err() == nil && errors.Is(runCtx.Err(), context.DeadlineExceeded) {
		a.Log.Error("background job stopped at its deadline", "job", j.Name, "deadline", timeout, "err", err)
		return fmt.Errorf("job %s: %w of %v: %w", j.Name, errRunDeadline, timeout, context.DeadlineExceeded)
	}
	if err != nil {
		return fmt.Errorf("job %s: %w", j.Name, err)
	}
	return nil
}

// Open connects the database, migrates it and builds the handler. Background
// jobs start only with StartJobs, so tests can drive them with their own clock.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.Default()
	}
	st, err := store.Open(store.Options{SQLitePath: cfg.SQLitePath(), DatabaseURL: cfg.DatabaseURL, Synchronous: cfg.SQLiteSync, Logger: log,
		StatementTimeout: cfg.RequestTimeout})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	key, err := auth.LoadOrCreateKey(cfg.JWTSecret, cfg.DataDir)
	if err != nil {
		st.Close()
		return nil, err
	}
	tokens, err := auth.NewTokens(key, cfg.AccessTTL)
	if err != nil {
		st.Close()
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Store: st, Tokens: tokens, Now: func() time.Time { return time.Now().UTC() }}
	static, err := fs.Sub(frontend.Files, "static")
	if err != nil {
		st.Close()
		return nil, err
	}
	a.deps = httpapi.Deps{Config: cfg, Store: st, Tokens: tokens, Log: log, Frontend: http.FS(static), Now: func() time.Time { return a.Now() }}
	a.AddJob(Job{Name: "database-optimize", Interval: 6 * time.Hour, Run: func(ctx context.Context, _ time.Time) error {
		return st.Optimize(ctx)
	}})
	for _, wire := range wiring {
		if err := wire(ctx, a); err != nil {
			a.Close(ctx)
			return nil, fmt.Errorf("wire: %w", err)
		}
	}
	a.API, a.Handler = httpapi.New(a.deps)
	return a, nil
}

// wiring lists each capability's setup (real-time hub, background jobs), in order.
var wiring []func(ctx context.Context, a *App) error

// AddJob registers a background job.
func (a *App) AddJob(j Job) { a.jobs = append(a.jobs, j) }

// AddCloser registers something to stop at shutdown, before the database closes.
func (a *App) AddCloser(fn func(context.Context) error) { a.closers = append(a.closers, fn) }

// Jobs lists the registered background jobs (tests run them by hand).
func (a *App) Jobs() []Job { return a.jobs }

// RunJobsOnce runs every job once at the given time (tests and the demo).
func (a *App) RunJobsOnce(ctx context.Context, now time.Time) error {
	var all []error
	for _, j := range a.jobs {
		if err := a.runOnce(ctx, j, now); err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

// StartJobs runs every job on its interval until Close, each run under its
// deadline (Job.Timeout); a run that fails or reaches it is logged and the job
// runs again at the next tick.
func (a *App) StartJobs() {
	ctx, cancel := context.WithCancel(context.Background())
	a.stopJobs = cancel
	for _, j := range a.jobs {
		a.jobsDone.Add(1)
		go func() {
			defer a.jobsDone.Done()
			t := time.NewTicker(j.Interval)
			defer t.Stop()
			for {
				if err := a.runOnce(ctx, j, a.Now()); err != nil && ctx.Err() == nil && !errors.Is(err, errRunDeadline) {
					a.Log.Error("background job failed", "job", j.Name, "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
}

// Close stops jobs and closers, then the database.
func (a *App) Close(ctx context.Context) error {
	if a.stopJobs != nil {
		a.stopJobs()
		a.jobsDone.Wait()
	}
	var all []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		all = append(all, a.closers[i](ctx))
	}
	all = append(all, a.Store.Close())
	return errors.Join(all...)
}
