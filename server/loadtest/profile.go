package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/rapport/rapport/server/internal/app"
	"github.com/rapport/rapport/server/internal/config"
)

// servePortalProfiled is the -pprof child: the same app as ./server (built by
// app.Open from the same RAPPORT_* settings, served with the same timeouts),
// with a CPU profile written to profilePath on SIGTERM. The profile starts on
// SIGUSR1, which the harness sends once start-up and -settle are over, so that
// start-up jobs (the day's health pass, a backlog of SLA breaches) do not hide
// the measured workloads.
func servePortalProfiled(profilePath string) error {
	cfg, err := config.Load("")
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	f, err := os.Create(profilePath)
	if err != nil {
		return err
	}
	started := make(chan os.Signal, 1)
	signal.Notify(started, syscall.SIGUSR1)
	profiling := make(chan error, 1)
	go func() {
		<-started
		profiling <- pprof.StartCPUProfile(f)
	}()
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	a.StartJobs()
	go func() { <-ctx.Done(); srv.Close() }()
	serveErr := srv.Serve(ln)
	select {
	case err := <-profiling:
		if err != nil {
			return err
		}
		pprof.StopCPUProfile()
	default:
	}
	f.Close()
	if serveErr != http.ErrServerClosed {
		return fmt.Errorf("serve: %w", serveErr)
	}
	return a.Close(context.Background())
}
