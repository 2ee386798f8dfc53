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
// with a CPU profile of its whole life written to profilePath on SIGTERM.
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
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	a.StartJobs()
	go func() { <-ctx.Done(); srv.Close() }()
	serveErr := srv.Serve(ln)
	pprof.StopCPUProfile()
	f.Close()
	if serveErr != http.ErrServerClosed {
		return fmt.Errorf("serve: %w", serveErr)
	}
	return a.Close(context.Background())
}
