package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// The minimal ARI application exists ONLY to compare: it is the yardstick of
// docs/performance.md ("On a real Asterisk"), never part of the product. It
// does what any ARI contact center must do at the least, with persistent
// agent lines as ccaas has them, and nothing else: no database, no queues,
// no agent states, no browser, no failure handling beyond putting a lost
// line back. A customer (Stasis(bench-minimal,<DID>)) is answered, given
// the longest idle line, and joined with it in a new mixing bridge; when the
// customer hangs up the bridge is destroyed, which lets the line go back to
// waiting in Stasis. A customer who finds no idle line hears music until
// one is free. It runs in a child process of the bench, so its CPU time is
// its own.

// minimalConfig is what the bench writes to the minimal app's standard input.
type minimalConfig struct {
	ARIURL      string            `json:"ariURL"`
	ARIUser     string            `json:"ariUser"`
	ARIPassword string            `json:"ariPassword"`
	Agents      int               `json:"agents"`
	LineFields  []ari.ConfigTuple `json:"lineFields"` // the endpoint's fields (transport, codecs …)
	LineAOR     []ari.ConfigTuple `json:"lineAOR"`    // the AOR's (the SIPp UAS's contact)
	Workers     int               `json:"workers"`    // line set-up requests in flight at once
}

const minimalApp = "bench-minimal"

type minimalLine struct {
	endpoint string
	channel  string
}

type minimal struct {
	cfg minimalConfig
	ari *ari.Client
	log *slog.Logger

	mu      sync.Mutex
	idle    []*minimalLine          // longest idle first
	lines   map[string]*minimalLine // line channel → line
	calls   map[string]*minimalCall // customer channel → call
	waiting []*minimalCall          // customers without a line, in arrival order
	starts  map[string]time.Time    // caller number → StasisStart arrival (taken by /trace)
	upAt    []time.Time             // when each line came up (taken by /lines)
	seq     atomic.Int64
	failed  atomic.Int64 // requests that failed
}

type minimalCall struct {
	customer string
	bridge   string
	line     *minimalLine
	gone     bool
}

// runMinimal is the child process of the minimal app.
func runMinimal(stdin io.Reader, stdout io.Writer) error {
	cfg, ctx, cancel, err := childStarts[minimalConfig]("minimal", stdin)
	if err != nil {
		return err
	}
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	client, err := ari.New(ari.Config{URL: cfg.ARIURL, Username: cfg.ARIUser, Password: cfg.ARIPassword,
		Application: minimalApp, Logger: log, HTTPClient: &http.Client{Transport: ariTransport()}})
	if err != nil {
		return err
	}
	m := &minimal{cfg: cfg, ari: client, log: log, lines: map[string]*minimalLine{}, calls: map[string]*minimalCall{},
		starts: map[string]time.Time{}}
	ctl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: m.controlMux(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ctl)
	defer srv.Close()
	go client.RunEvents(ctx, m)
	for !client.Connected() {
		select {
		case <-ctx.Done():
			return errors.New("minimal: stopped before ARI connected")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if _, err := client.FilterEvents(ctx, ari.EventFilter{Allowed: []string{ari.EventStasisStart, ari.EventStasisEnd}}); err != nil {
		return err
	}
	if err := json.NewEncoder(stdout).Encode(childReady{Control: ctl.Addr().String()}); err != nil {
		return err
	}
	<-ctx.Done()
	m.teardown()
	return nil
}

// controlMux: GET /stats (the process's counters), POST /lines (provision
// and originate the lines), GET /lines (when they came up), GET /trace (the
// StasisStart times since the last read).
func (m *minimal) controlMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		st := readProcStats()
		st.Violations = int(m.failed.Load())
		writeJSON(w, st)
	})
	mux.HandleFunc("POST /lines", func(w http.ResponseWriter, r *http.Request) {
		go m.provision(context.Background())
		writeJSON(w, "started")
	})
	mux.HandleFunc("GET /lines", func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		up := m.upAt
		m.upAt = nil
		m.mu.Unlock()
		writeJSON(w, up)
	})
	mux.HandleFunc("GET /trace", func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		st := m.starts
		m.starts = map[string]time.Time{}
		m.mu.Unlock()
		writeJSON(w, st)
	})
	return mux
}

// provision pushes an endpoint per agent and originates its line, Workers
// at a time.
func (m *minimal) provision(ctx context.Context) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(m.cfg.Workers, 1) {
		wg.Go(func() {
			for i := range jobs {
				ep := fmt.Sprintf("bm%05d", i+1)
				if _, err := m.ari.PutConfig(ctx, "res_pjsip", "aor", ep, m.cfg.LineAOR); err != nil {
					m.failed.Add(1)
					continue
				}
				fields := append([]ari.ConfigTuple{{Attribute: "aors", Value: ep}}, m.cfg.LineFields...)
				if _, err := m.ari.PutConfig(ctx, "res_pjsip", "endpoint", ep, fields); err != nil {
					m.failed.Add(1)
					continue
				}
				m.originate(ctx, &minimalLine{endpoint: ep})
			}
		})
	}
	for i := range m.cfg.Agents {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

func (m *minimal) originate(ctx context.Context, l *minimalLine) {
	l.channel = fmt.Sprintf("bml-%s-%08d", l.endpoint, m.seq.Add(1))
	m.mu.Lock()
	m.lines[l.channel] = l
	m.mu.Unlock()
	if _, err := m.ari.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/" + l.endpoint, App: minimalApp, AppArgs: "line",
		ChannelID: l.channel, Timeout: 30}); err != nil {
		m.failed.Add(1)
		m.mu.Lock()
		delete(m.lines, l.channel)
		m.mu.Unlock()
		time.AfterFunc(time.Second, func() { m.originate(context.Background(), l) })
	}
}

func (m *minimal) Connected()         {}
func (m *minimal) Disconnected(error) {}

// Event runs on the events reader goroutine; requests run on their own.
func (m *minimal) Event(ev ari.Event) {
	switch e := ev.(type) {
	case *ari.StasisStart:
		now := time.Now()
		m.mu.Lock()
		if l, ok := m.lines[e.Channel.ID]; ok {
			m.upAt = append(m.upAt, now)
			m.mu.Unlock()
			m.lineFree(l)
			return
		}
		c := &minimalCall{customer: e.Channel.ID}
		m.calls[c.customer] = c
		m.starts[e.Channel.Caller.Number] = now
		m.mu.Unlock()
		go m.arrive(c)
	case *ari.StasisEnd:
		m.mu.Lock()
		if l, ok := m.lines[e.Channel.ID]; ok {
			delete(m.lines, e.Channel.ID)
			for i, x := range m.idle {
				if x == l {
					m.idle = append(m.idle[:i], m.idle[i+1:]...)
					break
				}
			}
			m.mu.Unlock()
			time.AfterFunc(time.Second, func() { m.originate(context.Background(), l) })
			return
		}
		c, ok := m.calls[e.Channel.ID]
		if ok {
			delete(m.calls, e.Channel.ID)
			c.gone = true
		}
		m.mu.Unlock()
		if ok {
			go m.hungUp(c)
		}
	}
}

// arrive answers the customer and joins them with the longest idle line.
func (m *minimal) arrive(c *minimalCall) {
	ctx := context.Background()
	if err := m.ari.Answer(ctx, c.customer); err != nil {
		m.failed.Add(1)
		return
	}
	m.mu.Lock()
	if len(m.idle) == 0 {
		m.waiting = append(m.waiting, c)
		m.mu.Unlock()
		if err := m.ari.StartMOH(ctx, c.customer, ""); err != nil {
			m.failed.Add(1)
		}
		return
	}
	c.line = m.idle[0]
	m.idle = m.idle[1:]
	m.mu.Unlock()
	m.join(ctx, c, false)
}

func (m *minimal) join(ctx context.Context, c *minimalCall, music bool) {
	m.mu.Lock()
	c.bridge = "bmb-" + c.customer
	bridge, line := c.bridge, c.line
	m.mu.Unlock()
	if music {
		if err := m.ari.StopMOH(ctx, c.customer); err != nil {
			m.failed.Add(1)
		}
	}
	if _, err := m.ari.CreateBridge(ctx, ari.BridgeRequest{ID: bridge, Type: ari.BridgeMixing}); err != nil {
		m.failed.Add(1)
		m.hungUp(c) // the line goes back to the pool
		return
	}
	if err := m.ari.AddChannel(ctx, bridge, c.customer, line.channel); err != nil {
		m.failed.Add(1)
	}
	m.mu.Lock()
	gone := c.gone
	m.mu.Unlock()
	if gone { // hung up meanwhile: hungUp may have missed the bridge
		m.hungUp(c)
	}
}

// hungUp destroys the call's bridge (its line goes back to waiting in
// Stasis) and frees the line.
func (m *minimal) hungUp(c *minimalCall) {
	m.mu.Lock()
	bridge, l := c.bridge, c.line
	c.bridge, c.line = "", nil
	for i, w := range m.waiting {
		if w == c {
			m.waiting = append(m.waiting[:i], m.waiting[i+1:]...)
			break
		}
	}
	m.mu.Unlock()
	if bridge != "" {
		if err := m.ari.DestroyBridge(context.Background(), bridge); err != nil && !errors.Is(err, ari.ErrNotFound) {
			m.failed.Add(1)
		}
	}
	if l != nil {
		m.lineFree(l)
	}
}

// lineFree gives the line to the first waiting customer, or to the idle pool.
func (m *minimal) lineFree(l *minimalLine) {
	m.mu.Lock()
	if _, alive := m.lines[l.channel]; !alive {
		m.mu.Unlock()
		return
	}
	if len(m.waiting) > 0 {
		c := m.waiting[0]
		m.waiting = m.waiting[1:]
		c.line = l
		m.mu.Unlock()
		go m.join(context.Background(), c, true)
		return
	}
	m.idle = append(m.idle, l)
	m.mu.Unlock()
}

// teardown hangs up the lines and removes the endpoints.
func (m *minimal) teardown() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m.mu.Lock()
	var lines []*minimalLine
	for _, l := range m.lines {
		lines = append(lines, l)
	}
	m.lines = map[string]*minimalLine{}
	m.mu.Unlock()
	jobs := make(chan *minimalLine)
	var wg sync.WaitGroup
	for range max(m.cfg.Workers, 1) {
		wg.Go(func() {
			for l := range jobs {
				m.ari.Hangup(ctx, l.channel, "")
			}
		})
	}
	for _, l := range lines {
		jobs <- l
	}
	close(jobs)
	wg.Wait()
	for i := range m.cfg.Agents {
		ep := fmt.Sprintf("bm%05d", i+1)
		m.ari.DeleteConfig(ctx, "res_pjsip", "endpoint", ep)
		m.ari.DeleteConfig(ctx, "res_pjsip", "aor", ep)
	}
}
