package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	cchttp "github.com/ccaas/ccaas/http"
	"github.com/ccaas/ccaas/outbox"
	"github.com/ccaas/ccaas/sqlite"
)

// The product runs in a child process of the bench (this same binary,
// started with roleEnv=product), so that its CPU time, allocations, heap and
// RSS are the product's alone: the simulator and the thousands of simulated
// browsers stay in the parent.
const roleEnv = "CCAAS_BENCH_ROLE"

// childConfig is what the parent writes, as one JSON line, to the child's
// standard input. Closing that input stops the child.
type childConfig struct {
	DB          string `json:"db"`
	ARIURL      string `json:"ariURL"`
	ARIUser     string `json:"ariUser"`
	ARIPassword string `json:"ariPassword"`
	App         string `json:"app"`
	LogFile     string `json:"logFile"`
	LogLevel    string `json:"logLevel"`
	// CheckInvariants makes every tenant loop check its invariants after
	// every input (costly: for small runs and tests).
	CheckInvariants bool `json:"checkInvariants"`
	// Against a real Asterisk: the agents' lines are pushed with these
	// endpoint and AOR fields (UDP, the SIPp UAS as the contact) instead of
	// the WebRTC defaults, and Trace notes when each customer's StasisStart
	// arrived (GET /trace on the control server).
	LineFields []ari.ConfigTuple `json:"lineFields,omitempty"`
	LineAOR    []ari.ConfigTuple `json:"lineAOR,omitempty"`
	Trace      bool              `json:"trace,omitempty"`
	// MaxCalls, MaxTenantCalls: serve's --max-calls, --max-calls-per-tenant.
	MaxCalls       int `json:"maxCalls,omitempty"`
	MaxTenantCalls int `json:"maxTenantCalls,omitempty"`
	// Webhooks runs the webhook sender, allowed to reach loopback (the
	// bench's receiver), woken by the recorder as in serve.
	Webhooks bool `json:"webhooks"`
}

// childReady is the child's one line on standard output once it serves.
type childReady struct {
	HTTP    string `json:"http"`    // the product's web server, host:port
	Control string `json:"control"` // the bench-only control server (stats, floor, pprof)
}

// runProduct is the child: the same wiring as `ccaas serve` (sqlite, app,
// ARI events, metrics, the gin server with the same timeouts; no queue_log,
// which serve writes only when asked), plus a control server on another
// loopback port that only the bench talks to.
func runProduct(stdin io.Reader, stdout io.Writer) error {
	cfg, ctx, cancel, err := childStarts[childConfig]("product", stdin)
	if err != nil {
		return err
	}
	defer cancel()

	logOut := io.Discard
	if cfg.LogFile != "" {
		f, err := os.Create(cfg.LogFile)
		if err != nil {
			return err
		}
		defer f.Close()
		logOut = f // unbuffered, like serve's stderr: one write per record
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("product: log level %q: %w", cfg.LogLevel, err)
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))

	db, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	// our own keep-alive client (like ari's default), so the leak check can
	// close its idle connections before it counts goroutines
	ariHTTP := &http.Client{Transport: ariTransport()}
	metrics := cchttp.NewMetrics() // serve always keeps its metrics
	client, err := ari.New(ari.Config{URL: cfg.ARIURL, Username: cfg.ARIUser, Password: cfg.ARIPassword,
		Application: cfg.App, Logger: log, HTTPClient: ariHTTP, Observe: metrics.ObserveARI})
	if err != nil {
		return err
	}
	inv := &violations{}
	acfg := app.Config{ARI: client, Store: db, Logger: log, Application: cfg.App, CountEvent: metrics.CountEvent, ObservePhase: metrics.ObservePhase,
		LineFields: cfg.LineFields, LineAOR: cfg.LineAOR, MaxCalls: cfg.MaxCalls, MaxTenantCalls: cfg.MaxTenantCalls}
	if cfg.Webhooks {
		sender := outbox.New(outbox.Config{Store: db, Client: outbox.NewClient([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}), Log: log,
			Finished: metrics.WebhookAttempt})
		acfg.OutboxWritten = sender.Wake
		go sender.Run(ctx)
	}
	if cfg.CheckInvariants {
		acfg.CheckInvariants = inv.add
	}
	a, err := app.New(acfg)
	if err != nil {
		return err
	}
	if err := a.Load(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	web := &http.Server{
		Handler: cchttp.New(cchttp.Config{Agents: a, Calls: db, Logger: log, Version: "bench", SIP: a, Store: db, Reloader: a,
			Metrics: metrics, Stats: a}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ctl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	events := &eventCounter{next: a, counts: make(map[string]int64)}
	if cfg.Trace {
		events.starts = make(map[string]time.Time)
	}
	control := &http.Server{Handler: controlMux(client, ariHTTP, inv, events), ReadHeaderTimeout: 10 * time.Second}
	appDone := make(chan error, 1)
	go func() { appDone <- a.Run(ctx) }()
	go client.RunEvents(ctx, events)
	go web.Serve(ln)
	go control.Serve(ctl)
	for !client.Connected() {
		select {
		case <-ctx.Done():
			return errors.New("product: stopped before ARI connected")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := json.NewEncoder(stdout).Encode(childReady{HTTP: ln.Addr().String(), Control: ctl.Addr().String()}); err != nil {
		return err
	}
	<-ctx.Done()
	<-appDone
	shutdown, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	control.Close()
	return web.Shutdown(shutdown)
}

// ariTransport is the ari package's default: keep-alive with room for bursts.
func ariTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 64
	tr.MaxIdleConnsPerHost = 64
	return tr
}

// violations counts what Config.CheckInvariants reports.
type violations struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (v *violations) add(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.n++
	if len(v.first) < 5 {
		v.first = append(v.first, err.Error())
	}
}

func (v *violations) get() (int, []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.n, append([]string(nil), v.first...)
}

// eventCounter counts the ARI events the app is handed, by type, on the
// events reader goroutine (one map update per event); with starts, it also
// notes when each customer's StasisStart arrived, by caller number.
type eventCounter struct {
	next   ari.EventHandler
	mu     sync.Mutex
	counts map[string]int64
	starts map[string]time.Time
}

func (e *eventCounter) Connected()             { e.next.Connected() }
func (e *eventCounter) Disconnected(err error) { e.next.Disconnected(err) }
func (e *eventCounter) Event(ev ari.Event) {
	e.mu.Lock()
	e.counts[ev.Base().Type]++
	if s, ok := ev.(*ari.StasisStart); ok && e.starts != nil && len(s.Args) > 0 && s.Args[0] == "inbound" {
		e.starts[s.Channel.Caller.Number] = time.Now()
	}
	e.mu.Unlock()
	e.next.Event(ev)
}

// takeStarts returns the StasisStart times noted since the last call.
func (e *eventCounter) takeStarts() map[string]time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.starts
	if out != nil {
		e.starts = make(map[string]time.Time)
	}
	return out
}

func (e *eventCounter) read() map[string]int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.counts)
}
