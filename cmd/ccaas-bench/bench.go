package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/ari/asterisksim"
)

// bench is one run: the simulated Asterisk and outside world in this
// process, the product in a child process, the agents' browsers as
// goroutines here.
type bench struct {
	opts    options
	out     io.Writer
	dir     string
	tenants []seedTenant

	sim    *asterisksim.Sim
	simSrv *http.Server
	simURL string
	meter  *ariMeter
	ari    *ari.Client // the bench's own look at the simulator (leak checks)

	hooks   *hookReceiver // -webhooks: the tenants' endpoint
	hookSrv *http.Server

	prod *product
	web  string // http://host:port of the product
	http *http.Client

	agents []*agentClient
	sups   []*agentClient // supervisors watching the team view
	ready  []atomic.Int32 // per tenant: agents whose last state is ready (as their sockets say)
	book   *callBook

	stateLat stateLatencies

	// against a real Asterisk (real.go): what the agents' sockets saw, and
	// when the last login was answered
	real      *realBook
	lastLogin time.Time

	nextTenant int // the placer's round robin over the tenants

	problems problems
}

// problems counts what went wrong on the client side, by kind.
type problems struct {
	mu     sync.Mutex
	counts map[string]int
}

func (p *problems) add(kind string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.counts == nil {
		p.counts = make(map[string]int)
	}
	p.counts[kind]++
}

func (p *problems) snapshot() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

// start seeds the database, starts the simulator and the product.
func start(ctx context.Context, opts options, out io.Writer) (*bench, error) {
	dir, err := os.MkdirTemp("", "ccaas-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{opts: opts, out: out, dir: dir, book: newCallBook()}
	ok := false
	defer func() {
		if !ok {
			b.close()
		}
	}()
	db := filepath.Join(dir, "bench.db")
	began := time.Now()
	hookURL := ""
	if opts.webhooks {
		b.hooks = &hookReceiver{}
		hl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		b.hookSrv = &http.Server{Handler: b.hooks, ReadHeaderTimeout: 10 * time.Second}
		go b.hookSrv.Serve(hl)
		hookURL = "http://" + hl.Addr().String() + "/hooks"
	}
	b.tenants, err = seed(ctx, db, opts.tenants, opts.agents, opts.wrapEvery, opts.wrapupSeconds, opts.ringSeconds, opts.supervisors, opts.record, hookURL)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	b.ready = make([]atomic.Int32, len(b.tenants))
	fmt.Fprintf(out, "seeded %d tenants × %d agents in %s (bcrypt MinCost)\n", opts.tenants, opts.agents, time.Since(began).Round(time.Millisecond))

	password := randomHex(16)
	b.sim = asterisksim.New(asterisksim.Config{
		Username: "ccaas", Password: password, AutoAnswerPushed: true,
		ChannelVars: []string{accountVar}, Logger: slog.New(slog.DiscardHandler),
	})
	b.meter = newARIMeter(b.sim)
	b.meter.onBridged = b.book.bridged
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b.simSrv = &http.Server{Handler: b.meter, ReadHeaderTimeout: 10 * time.Second}
	go b.simSrv.Serve(ln)
	b.simURL = "http://" + ln.Addr().String() + "/ari"
	b.ari, err = ari.New(ari.Config{URL: b.simURL, Username: "ccaas", Password: password, Application: "bench-check",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}

	logFile := ""
	if opts.logLevel != "off" {
		logFile = filepath.Join(dir, "product.log")
	}
	level := opts.logLevel
	if level == "off" {
		level = "error"
	}
	b.prod, err = startProduct(childConfig{DB: db, ARIURL: b.simURL, ARIUser: "ccaas", ARIPassword: password, App: "ccaas",
		LogFile: logFile, LogLevel: level, CheckInvariants: opts.invariants, MaxCalls: opts.maxCalls, MaxTenantCalls: opts.maxTenantCall,
		Webhooks: opts.webhooks}, os.Stderr)
	if err != nil {
		return nil, err
	}
	b.web = "http://" + b.prod.web
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	b.http = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ok = true
	return b, nil
}

// close stops everything and removes the temporary directory (unless -keep).
func (b *bench) close() {
	for _, a := range b.agents {
		a.close()
	}
	for _, s := range b.sups {
		s.close()
	}
	if b.prod != nil {
		if err := b.prod.stop(); err != nil {
			fmt.Fprintln(b.out, "product stop:", err)
		}
	}
	if b.sim != nil {
		b.sim.Close()
	}
	if b.hookSrv != nil {
		b.hookSrv.Close()
	}
	if b.simSrv != nil {
		b.simSrv.Close()
	}
	if b.real != nil {
		return // its directory belongs to the real-Asterisk run, which removes it
	}
	if b.opts.keep {
		fmt.Fprintln(b.out, "kept", b.dir)
		return
	}
	os.RemoveAll(b.dir)
}

// leftovers counts what the simulator still holds besides the logged-in
// agents' lines (which wait in no bridge): customer channels, bridges, and
// pushed PJSIP endpoints beyond one per line.
type leftovers struct {
	Channels, Lines, Bridges, Endpoints int
}

func (b *bench) leftovers(ctx context.Context) (leftovers, error) {
	var l leftovers
	for _, ch := range b.sim.Channels() {
		l.Channels++
		if strings.HasPrefix(ch.ID, "ln") {
			l.Lines++
		}
	}
	l.Bridges = len(b.sim.Bridges())
	eps, err := b.ari.ListEndpoints(ctx)
	if err != nil {
		return l, err
	}
	for _, ep := range eps {
		if ep.Resource != "pstn" {
			l.Endpoints++
		}
	}
	return l, nil
}

func (l leftovers) String() string {
	return fmt.Sprintf("%d channels (%d agent lines), %d bridges, %d pushed endpoints",
		l.Channels, l.Lines, l.Bridges, l.Endpoints)
}

// clean reports whether only the lines of n logged-in agents are left.
func (l leftovers) clean(n int) bool {
	return l.Channels == n && l.Lines == n && l.Bridges == 0 && l.Endpoints == n
}

// waitClean waits up to d for the simulator to hold only n agents' lines.
func (b *bench) waitClean(ctx context.Context, n int, d time.Duration) (leftovers, error) {
	deadline := time.Now().Add(d)
	for {
		l, err := b.leftovers(ctx)
		if err != nil || l.clean(n) || time.Now().After(deadline) {
			if err == nil && !l.clean(n) {
				err = errors.New("left over in the simulator: " + l.String())
			}
			return l, err
		}
		select {
		case <-ctx.Done():
			return l, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
