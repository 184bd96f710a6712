// Command ccaas is the contact center: one binary that serves the agents'
// pages and runs the Stasis application against Asterisk's ARI.
//
//	ccaas serve    run against a real Asterisk
//	ccaas demo     run against the embedded Asterisk simulator with a demo tenant and simulated callers
//	ccaas migrate  create or upgrade the sqlite database and exit
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
	"strings"
	"syscall"
	"time"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	cchttp "github.com/ccaas/ccaas/http"
	"github.com/ccaas/ccaas/outbox"
	"github.com/ccaas/ccaas/sqlite"
	"github.com/ccaas/ccaas/webhook"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal now ends the process at once
	}()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ccaas:", err)
		}
		os.Exit(2)
	}
}

// adminCommands change the configuration in the database (admin.go).
var adminCommands = []string{"tenant add", "tenant set", "agent add", "queue add", "queue set", "reason add", "variable add", "webhook add", "webhook list", "webhook remove", "operator add"}

var usage = `usage: ccaas <command> [flags]

commands:
  serve     run the contact center against a real Asterisk (ARI)
  demo      run it against the embedded Asterisk simulator, with a demo tenant and simulated callers
  migrate   create or upgrade the sqlite database, then exit
  ` + strings.Join(adminCommands, " | ") + `
            change the configuration in the database (run "ccaas queue add -h")

Run "ccaas <command> -h" for the flags of a command.
`

// run runs one command until it is done or ctx ends.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	cfg := defaultConfig()
	cfg.fromEnv(os.Getenv)
	switch args[0] {
	case "tenant", "agent", "queue", "reason", "variable", "operator", "webhook":
		cfg.resolveDB(args[0], nil)
		return runAdmin(ctx, args[0], args[1:], cfg.DB, stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("ccaas "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs, args[0])
	switch args[0] {
	case "serve", "demo", "migrate":
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.resolveDB(args[0], os.UserCacheDir); err != nil {
		return err
	}
	if err := cfg.validate(args[0]); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	switch args[0] {
	case "migrate":
		db, err := sqlite.Open(ctx, cfg.DB)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database %s is up to date\n", cfg.DB)
		return db.Close()
	case "demo":
		return runDemo(ctx, cfg, log, stdout)
	}
	return runServe(ctx, cfg, log, stdout)
}

func runServe(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	metrics := cchttp.NewMetrics()
	client, err := ari.New(ari.Config{URL: cfg.ARIURL, Username: cfg.ARIUser, Password: cfg.ARIPassword, Application: cfg.ARIApp, Logger: log,
		Observe: metrics.ObserveARI})
	if err != nil {
		return err
	}
	if err := preflight(ctx, client, log, 10*time.Second); err != nil {
		return err
	}
	return serve(ctx, cfg, log, client, metrics, nil, func(_ *app.App, url string) {
		fmt.Fprintf(stdout, "ccaas is running: open %s\n", url)
	})
}

// serve runs the app and the web server until ctx ends; ready is called once
// the port is bound (binding before serving makes a busy port fail at start).
// metrics are the ones client reports its requests to (ari.Config.Observe).
func serve(ctx context.Context, cfg config, log *slog.Logger, client *ari.Client, metrics *cchttp.Metrics, demo cchttp.Demo, ready func(a *app.App, url string)) error {
	db, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	queueLog, closeQueueLog, err := openQueueLog(ctx, cfg.QueueLog, log)
	if err != nil {
		return err
	}
	defer closeQueueLog() // after the app has stopped (it logs its agents out)
	// against a real Asterisk the line waits for the browser phone to register;
	// the simulator's phones answer by themselves
	allow, _ := webhook.ParseAllow(cfg.WebhookAllow) // validated
	sender := outbox.New(outbox.Config{Store: db, Client: outbox.NewClient(allow), Log: log.With("part", "webhooks"), Finished: metrics.WebhookAttempt})
	a, err := app.New(app.Config{ARI: client, Store: db, Logger: log, Application: cfg.ARIApp, WaitForPhone: demo == nil,
		QueueLog: queueLog, CountEvent: metrics.CountEvent, LostRecords: metrics.LostRecords, ObservePhase: metrics.ObservePhase,
		OutboxWritten: sender.Wake, RecordingFailed: metrics.RecordingFailed,
		SessionIdle: cfg.SessionIdle, SessionMaxAge: cfg.SessionMax, MaxCalls: cfg.MaxCalls, MaxTenantCalls: cfg.MaxTenantCalls})
	if err != nil {
		return err
	}
	if err := a.Load(ctx); err != nil {
		return err
	}
	if err := seedToday(ctx, db, a, time.Now()); err != nil {
		log.Warn("the team view starts today's figures from zero", "err", err)
	}
	sipUpstream := cfg.SIPWSURL
	if demo != nil {
		sipUpstream = "" // the simulator answers the lines itself
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	handler := cchttp.New(cchttp.Config{Agents: a, Calls: db, Demo: demo, Logger: log, Version: version, SIP: a, SIPUpstream: sipUpstream, Store: db, Reloader: a,
		Metrics: metrics, Stats: a, MetricsToken: cfg.MetricsToken, PublicURL: cfg.PublicURL, SessionMaxAge: cfg.SessionMax,
		WebhookAllow: allow, OutboxWritten: sender.Wake, Recordings: a})
	web := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	appDone := make(chan error, 1)
	go func() { appDone <- a.Run(ctx) }()
	senderDone := make(chan struct{})
	go func() { defer close(senderDone); sender.Run(ctx) }()
	go func() {
		if err := client.RunEvents(ctx, a); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("ARI events stopped", "err", err)
		}
	}()
	webDone := make(chan error, 1)
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
		go func() { webDone <- web.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey) }()
	} else {
		go func() { webDone <- web.Serve(ln) }()
	}
	url := scheme + "://" + ln.Addr().String() + "/"
	log.Info("listening", "url", url)
	ready(a, url)
	select {
	case <-ctx.Done():
	case err := <-webDone:
		return fmt.Errorf("web server: %w", err)
	}
	log.Info("shutting down")
	<-appDone // ends every session (their sockets get "bye") before the web server goes
	<-senderDone
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return web.Shutdown(shutdown)
}
