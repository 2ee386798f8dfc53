// Command rapport is the Rapport supplier–customer collaboration portal: one
// binary that serves the API, the web page and the real-time stream.
//
//	rapport [serve] [-demo] [-config FILE]
//	rapport org create --name N --admin-email E --admin-password P
//	rapport demo
//	rapport migrate
//	rapport backup --to FILE
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rapport/rapport/server/internal/app"
	"github.com/rapport/rapport/server/internal/auth"
	"github.com/rapport/rapport/server/internal/config"
	"github.com/rapport/rapport/server/internal/demo"
	"github.com/rapport/rapport/server/internal/domain/account"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "rapport:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  rapport [serve] [-demo] [-config FILE]    serve the portal (default 127.0.0.1:8080)
  rapport org create --name N --admin-email E --admin-password P
  rapport demo [-config FILE]               seed the demo data and print the logins
  rapport migrate [-config FILE]            apply database migrations
  rapport backup --to FILE [-config FILE]   write a consistent online backup (SQLite)
  rapport healthcheck [-config FILE]        exit 0 when the local server is ready (container probe)
Settings come from RAPPORT_* environment variables (see configs/rapport.env.example).`

func run(args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, stdout, stderr)
	case "org":
		if len(args) == 0 || args[0] != "create" {
			return errors.New("usage: rapport org create --name N --admin-email E --admin-password P")
		}
		return orgCreate(args[1:], stdout, stderr)
	case "demo":
		return demoCmd(args, stdout, stderr)
	case "migrate":
		return migrateCmd(args, stderr)
	case "backup":
		return backupCmd(args, stdout, stderr)
	case "healthcheck":
		return healthcheck(args, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", os.Getenv("RAPPORT_CONFIG"), "optional KEY=VALUE configuration file")
	return fs, cfgPath
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level, _ := config.ParseLogLevel(cfg.LogLevel)
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func open(ctx context.Context, cfgPath string, stderr io.Writer) (*app.App, error) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	log := newLogger(cfg, stderr)
	log.Info("starting", "config", cfg)
	return app.Open(ctx, cfg, log)
}

func serve(args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("serve", stderr)
	withDemo := fs.Bool("demo", false, "seed the demo data (once) and print the demo logins")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := open(ctx, *cfgPath, stderr)
	if err != nil {
		return err
	}
	if *withDemo {
		logins, err := demo.Seed(ctx, a)
		if err != nil {
			a.Close(context.Background())
			return fmt.Errorf("demo: %w", err)
		}
		demo.PrintLogins(stdout, logins, a.Config.PublicOrigin)
	}
	return serveApp(ctx, a, stdout)
}

// serveApp serves until ctx ends, then shuts down gracefully: stop accepting,
// drain requests, close websockets with "going away", stop jobs, close the database.
func serveApp(ctx context.Context, a *app.App, stdout io.Writer) error {
	srv := &http.Server{
		Addr:              a.Config.Addr,
		Handler:           a.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		a.Close(context.Background())
		return err
	}
	a.StartJobs()
	a.Log.Info("serving", "addr", ln.Addr().String())
	fmt.Fprintf(stdout, "Rapport is serving on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		a.Close(context.Background())
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	return errors.Join(err, a.Close(shutdownCtx))
}

func orgCreate(args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("org create", stderr)
	name := fs.String("name", "", "organization name")
	email := fs.String("admin-email", "", "first admin's email")
	password := fs.String("admin-password", "", "first admin's password")
	adminName := fs.String("admin-name", "", "first admin's name (default: the email)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	nu := account.NewUser{Email: *email, Name: *adminName, Password: *password, Role: "admin", Department: "management"}
	nu.Normalize()
	if nu.Name == "" {
		nu.Name = nu.Email
	}
	if err := nu.Validate(); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("--name is required")
	}
	ctx := context.Background()
	a, err := open(ctx, *cfgPath, io.Discard)
	if err != nil {
		return err
	}
	defer a.Close(ctx)
	hash, err := auth.HashPassword(nu.Password)
	if err != nil {
		return err
	}
	org, _, err := a.Store.CreateOrg(ctx, *name, nu, hash)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, org.ID)
	return nil
}

func demoCmd(args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("demo", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	a, err := open(ctx, *cfgPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close(ctx)
	logins, err := demo.Seed(ctx, a)
	if err != nil {
		return err
	}
	demo.PrintLogins(stdout, logins, a.Config.PublicOrigin)
	return nil
}

func migrateCmd(args []string, stderr io.Writer) error {
	fs, cfgPath := newFlags("migrate", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	a, err := open(ctx, *cfgPath, stderr) // Open migrates
	if err != nil {
		return err
	}
	return a.Close(ctx)
}

func backupCmd(args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("backup", stderr)
	to := fs.String("to", "", "the backup file to write (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("--to FILE is required")
	}
	ctx := context.Background()
	a, err := open(ctx, *cfgPath, io.Discard)
	if err != nil {
		return err
	}
	defer a.Close(ctx)
	if err := a.Store.Backup(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", *to)
	return nil
}

// healthcheck asks the local server's /readyz; containers use it as their probe.
func healthcheck(args []string, stderr io.Writer) error {
	fs, cfgPath := newFlags("healthcheck", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := http.Client{Timeout: 3 * time.Second}
	res, err := client.Get("http://" + net.JoinHostPort(host, port) + "/readyz")
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s", res.Status)
	}
	return nil
}
