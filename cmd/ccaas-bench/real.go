package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// A run against a real Asterisk (-ari): SIPp customers call DIDs through
// Asterisk's dialplan (pjsip_bench.conf and extensions_bench.conf of
// cmd/ccaas-bench/asterisk), the agents' lines are answered by a SIPp UAS,
// and each target puts caller and agent together:
//
//	ccaas     the product in a child process, as serve wires it; its agents are
//	          simulated browsers on the CTI WebSocket that answer every offer at once
//	minimal   the minimal ARI app (minimal.go), written only to compare
//	appqueue  Asterisk's own app_queue, Queue() with ringall (queues.conf)
//
// The time that counts is from the customer's INVITE (SIPp's message trace)
// to the customer sharing a bridge with an agent's channel (ChannelEnteredBridge
// seen by the bench's own ARI application, observer.go), the same clock for
// all three. docs/performance.md explains every figure.

// realOptions are the flags of a real-Asterisk run.
type realOptions struct {
	ariURL, ariUser, ariPassword string
	targets                      []string
	latency                      int           // calls one at a time per target
	gap                          time.Duration // after each call one at a time
	callLength                   time.Duration // from ACK to BYE in a ramp
	sip, sipFrom, sipp           string
	busy                         int    // CPUs stress-ng keeps busy during a second latency run
	results                      string // append the results as markdown tables to this file
	asteriskPID                  int
	latencyTenants               int // the latency run's set-up: tenants × agents
	latencyAgents                int
}

// realTarget is what puts callers and agents together.
type realTarget interface {
	name() string
	digit() byte // first digit of its DIDs (extensions_bench.conf)
	// up brings its agents' lines up and reports what that took.
	up(ctx context.Context) (linesReport, error)
	down()
	// appCPU is the CPU time of the application's process so far (false:
	// none, app_queue lives in Asterisk).
	appCPU() (time.Duration, bool)
	// take returns, by caller number, when StasisStart reached the app and
	// when the agent was offered the call (zero when the target has no
	// such thing), and the line ups and losses since the last take.
	take() (starts, offers map[string]time.Time, lineUps, lineDowns int)
	problems() map[string]int
}

// linesReport is how the agents' lines came up.
type linesReport struct {
	lines        int
	began        time.Time // first login (or first push)
	lastLogin    time.Time // the last login was answered (ccaas)
	allUp        time.Time // the last line came up
	loginsPerSec float64
}

func (l linesReport) String() string {
	s := fmt.Sprintf("%d lines up %s after the first login (%.0f lines/s)", l.lines, l.allUp.Sub(l.began).Round(time.Millisecond),
		float64(l.lines)/l.allUp.Sub(l.began).Seconds())
	if !l.lastLogin.IsZero() {
		s += fmt.Sprintf(", %s after the last login", l.allUp.Sub(l.lastLogin).Round(time.Millisecond))
	}
	return s
}

// realHarness is what every target shares: the Asterisk under test, the
// SIPp UAS, the observer.
type realHarness struct {
	o        options
	out      io.Writer
	dir      string
	pid      int
	uas      *sippUAS
	observer *observer
	runs     int // SIPp runs so far: each gets its own caller-number prefix

	// the markdown of -results: lines, one-at-a-time rows, ramp rows
	lineRows, latencyRows, rampRows []string
}

func realRun(ctx context.Context, o options, out io.Writer) error {
	r := o.real
	if r.ariPassword == "" {
		r.ariPassword = os.Getenv("CCAAS_BENCH_ARI_PASSWORD")
	}
	if r.ariPassword == "" {
		return errors.New("-ari needs the ARI password: -ari-password or CCAAS_BENCH_ARI_PASSWORD")
	}
	o.real = r
	sipp, err := exec.LookPath(r.sipp)
	if err != nil {
		return fmt.Errorf("SIPp (Debian package sip-tester): %w", err)
	}
	o.real.sipp = sipp
	h := &realHarness{o: o, out: out}
	if h.pid = r.asteriskPID; h.pid == 0 {
		if h.pid, err = listenerPID(r.ariURL); err != nil {
			return fmt.Errorf("finding Asterisk's process: %w", err)
		}
	}
	if err := h.checkAsterisk(ctx); err != nil {
		return err
	}
	if h.dir, err = os.MkdirTemp("", "ccaas-bench-real-"); err != nil {
		return err
	}
	defer func() {
		if o.keep {
			fmt.Fprintln(out, "kept", h.dir)
		} else {
			os.RemoveAll(h.dir)
		}
	}()
	if h.uas, err = startUAS(sipp, h.dir); err != nil {
		return err
	}
	defer h.uas.stop()
	if h.observer, err = startObserver(ctx, r.ariURL, r.ariUser, r.ariPassword); err != nil {
		return err
	}
	defer h.observer.close()
	for _, name := range r.targets {
		if err := h.runTarget(ctx, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if r.results != "" {
		if err := h.writeResults(r.results); err != nil {
			return err
		}
		fmt.Fprintln(out, "results appended to", r.results)
	}
	return nil
}

// writeResults appends the run's tables to file, with what they were
// measured on and the command.
func (h *realHarness) writeResults(file string) error {
	f, err := os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "\n## %s\n\n", time.Now().Format("2006-01-02 15:04"))
	printMachine(f)
	fmt.Fprintf(f, "\n`ccaas-bench %s`\n", strings.Join(os.Args[1:], " "))
	if len(h.lineRows) > 0 {
		fmt.Fprintf(f, "\n%s\n", strings.Join(h.lineRows, "\n"))
	}
	for _, rows := range [][]string{h.latencyRows, h.rampRows} {
		if len(rows) > 0 {
			fmt.Fprintf(f, "\n%s\n%s\n", tableHead, strings.Join(rows, "\n"))
		}
	}
	return nil
}

// checkAsterisk prints what is measured and checks the set-up.
func (h *realHarness) checkAsterisk(ctx context.Context) error {
	r := h.o.real
	client, err := ari.New(ari.Config{URL: r.ariURL, Username: r.ariUser, Password: r.ariPassword, Application: "bench-check"})
	if err != nil {
		return err
	}
	info, err := client.Info(ctx)
	if err != nil {
		return fmt.Errorf("ARI at %s: %w", r.ariURL, err)
	}
	version := "unknown version"
	if info.System != nil {
		version = info.System.Version
	}
	limit := fileLimit(h.pid)
	fmt.Fprintf(h.out, "Asterisk %s (pid %d, open files limit %d) at %s; SIP %s, customers from %s\n",
		version, h.pid, limit, r.ariURL, r.sip, r.sipFrom)
	if limit > 0 && limit < 65536 {
		fmt.Fprintf(h.out, "note: Asterisk may open only %d files (asterisk.conf asks for 65536; docs/deploy.md)\n", limit)
	}
	for _, t := range r.targets {
		if t == "appqueue" {
			mods, err := client.Modules(ctx)
			if err != nil {
				return err
			}
			loaded := false
			for _, m := range mods {
				if m.Name == "app_queue.so" && m.Status == "Running" {
					loaded = true
				}
			}
			if !loaded {
				return errors.New(`app_queue is not running in this Asterisk: "module load app_queue.so" (cmd/ccaas-bench/asterisk/README.md)`)
			}
		}
	}
	return nil
}

func (h *realHarness) newTarget(name string) (realTarget, error) {
	o := h.o
	lineFields := []ari.ConfigTuple{
		{Attribute: "transport", Value: "transport-udp"},
		{Attribute: "context", Value: "agents"},
		{Attribute: "disallow", Value: "all"},
		{Attribute: "allow", Value: "ulaw"},
		{Attribute: "direct_media", Value: "no"},
	}
	lineAOR := []ari.ConfigTuple{{Attribute: "contact", Value: fmt.Sprintf("sip:line@127.0.0.1:%d", h.uas.Port)}}
	switch name {
	case "ccaas":
		return &ccaasTarget{h: h, o: o, lineFields: lineFields, lineAOR: lineAOR}, nil
	case "minimal":
		return &minimalTarget{h: h, o: o, lineFields: lineFields, lineAOR: lineAOR}, nil
	case "appqueue":
		return &appQueueTarget{h: h, o: o, lineFields: lineFields, lineAOR: lineAOR}, nil
	}
	return nil, fmt.Errorf("unknown target %q (ccaas, minimal, appqueue)", name)
}

// runTarget measures one target: one call at a time (quiet, then busy),
// then the ramp.
func (h *realHarness) runTarget(ctx context.Context, name string) error {
	if h.o.real.latency > 0 {
		o := h.o
		o.tenants, o.agents = o.real.latencyTenants, o.real.latencyAgents
		if err := h.withTarget(ctx, name, o, func(t realTarget) error {
			if err := h.latency(ctx, t, o, "quiet"); err != nil {
				return err
			}
			if o.real.busy > 0 {
				stop, err := startStress(o.real.busy)
				if err != nil {
					return err
				}
				defer stop()
				return h.latency(ctx, t, o, fmt.Sprintf("busy (stress-ng --cpu %d at nice 19)", o.real.busy))
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if h.o.findMax {
		return h.withTarget(ctx, name, h.o, func(t realTarget) error { return h.ramp(ctx, t, h.o) })
	}
	return nil
}

func (h *realHarness) withTarget(ctx context.Context, name string, o options, f func(realTarget) error) error {
	saved := h.o
	h.o = o
	defer func() { h.o = saved }()
	t, err := h.newTarget(name)
	if err != nil {
		return err
	}
	fmt.Fprintf(h.out, "\n== %s: %d tenants × %d agents, load average %s\n", name, o.tenants, o.agents, loadAverage())
	before, _ := readProc(h.pid)
	rep, err := t.up(ctx)
	if err != nil {
		t.down()
		return err
	}
	after, _ := readProc(h.pid)
	fmt.Fprintf(h.out, "lines: %s\n", rep)
	fmt.Fprintf(h.out, "Asterisk per line: %.2f open files, %.2f threads (%d → %d files, %d → %d threads)\n",
		float64(after.Files-before.Files)/float64(rep.lines), float64(after.Threads-before.Threads)/float64(rep.lines),
		before.Files, after.Files, before.Threads, after.Threads)
	h.lineRows = append(h.lineRows, fmt.Sprintf("- %s, %d agents: %s; Asterisk per line %.2f files, %.2f threads",
		name, rep.lines, rep, float64(after.Files-before.Files)/float64(rep.lines), float64(after.Threads-before.Threads)/float64(rep.lines)))
	h.observer.take()
	t.take()
	err = f(t)
	t.down()
	return err
}

// dids are a target's DIDs, one per tenant.
func (h *realHarness) dids(t realTarget, tenants int) []string {
	out := make([]string, tenants)
	for i := range out {
		out[i] = fmt.Sprintf("%c%06d", t.digit(), i+1)
	}
	return out
}

// callResult is one customer's call.
type callResult struct {
	invite, start, offer, bridged time.Time
	refused                       bool
}

// callsOf joins what SIPp, the target and the observer saw of each call.
func (h *realHarness) callsOf(res uacResult, starts, offers, bridged map[string]time.Time) map[string]*callResult {
	calls := map[string]*callResult{}
	for num, at := range res.Invites {
		calls[num] = &callResult{invite: at, start: starts[num], offer: offers[num], bridged: bridged[num], refused: res.Refused[num]}
	}
	return calls
}

// stepFigures are the figures of one run of calls.
type stepFigures struct {
	label                           string
	rate                            float64 // offered, calls/s (0: one at a time)
	placed, bridged, refused        int
	sippFailed                      int
	wall                            time.Duration
	toBridged, toStart, toOffer     summary
	offerToBridged                  summary
	appCPU, astCPU                  time.Duration // per call
	appCores, astCores              float64
	maxFiles, maxThreads, fileLimit int
	lineUps, lineDowns              int
	problems                        map[string]int
	observerEvents                  int
	unbridged                       []string // a few calls that were never bridged, for a look at the traces
	load                            string   // the load average when it began
}

func (f stepFigures) failed() int { return f.placed - f.bridged }

func (h *realHarness) figures(t realTarget, label string, rate float64, res uacResult, s *procSampler, cpu0 time.Duration, wall time.Duration) stepFigures {
	starts, offers, ups, downs := t.take()
	bridged, events := h.observer.take()
	calls := h.callsOf(res, starts, offers, bridged)
	f := stepFigures{label: label, rate: rate, placed: len(calls), sippFailed: res.Failed, wall: wall,
		maxFiles: s.maxFiles, maxThreads: s.maxThreads, fileLimit: fileLimit(h.pid), lineUps: ups, lineDowns: downs,
		problems: t.problems(), observerEvents: events}
	var toBridged, toStart, toOffer, offerToBridged []time.Duration
	for _, num := range sortedKeys(calls) {
		c := calls[num]
		if c.refused {
			f.refused++
		}
		if c.bridged.IsZero() {
			if len(f.unbridged) < 5 && !c.refused {
				f.unbridged = append(f.unbridged, fmt.Sprintf("%s (INVITE %s)", num, c.invite.Format("15:04:05.000")))
			}
			continue
		}
		f.bridged++
		toBridged = append(toBridged, c.bridged.Sub(c.invite))
		if !c.start.IsZero() {
			toStart = append(toStart, c.start.Sub(c.invite))
			if !c.offer.IsZero() {
				toOffer = append(toOffer, c.offer.Sub(c.start))
				offerToBridged = append(offerToBridged, c.bridged.Sub(c.offer))
			}
		}
	}
	f.toBridged, f.toStart, f.toOffer, f.offerToBridged = summarize(toBridged), summarize(toStart), summarize(toOffer), summarize(offerToBridged)
	n := float64(max(f.placed, 1))
	f.astCPU = time.Duration(float64(s.cpu()) / n)
	f.astCores = float64(s.cpu()) / float64(wall)
	if cpu1, ok := t.appCPU(); ok {
		f.appCPU = time.Duration(float64(cpu1-cpu0) / n)
		f.appCores = float64(cpu1-cpu0) / float64(wall)
	}
	return f
}

func (f stepFigures) report(out io.Writer) {
	rate := "one at a time"
	if f.rate > 0 {
		rate = fmt.Sprintf("%.0f calls/s offered, %.1f/s bridged", f.rate, float64(f.bridged)/f.wall.Seconds())
	}
	fmt.Fprintf(out, "%s: %s; %d calls, %d bridged, %d failed (%d refused, SIPp failed %d)\n",
		f.label, rate, f.placed, f.bridged, f.failed(), f.refused, f.sippFailed)
	fmt.Fprintf(out, "  INVITE → bridged      %s\n", f.toBridged)
	if f.toStart.N > 0 {
		fmt.Fprintf(out, "  INVITE → StasisStart  %s\n", f.toStart)
	}
	if f.toOffer.N > 0 {
		fmt.Fprintf(out, "  StasisStart → offer   %s\n", f.toOffer)
		fmt.Fprintf(out, "  offer → bridged       %s\n", f.offerToBridged)
	}
	app := "—"
	if f.appCores > 0 {
		app = fmt.Sprintf("%s per call (%.2f cores)", ms(f.appCPU), f.appCores)
	}
	fmt.Fprintf(out, "  CPU                   app %s, Asterisk %s per call (%.2f cores)\n", app, ms(f.astCPU), f.astCores)
	fmt.Fprintf(out, "  Asterisk              at most %d open files (limit %d), %d threads\n", f.maxFiles, f.fileLimit, f.maxThreads)
	fmt.Fprintf(out, "  lines                 %d brought up (%.1f/s), %d lost\n", f.lineUps, float64(f.lineUps)/f.wall.Seconds(), f.lineDowns)
	if len(f.problems) > 0 {
		fmt.Fprintf(out, "  problems              %v\n", f.problems)
	}
	if len(f.unbridged) > 0 {
		fmt.Fprintf(out, "  never bridged, e.g.   %s\n", strings.Join(f.unbridged, ", "))
	}
}

// row is the figures as one markdown table row.
func (f stepFigures) row(target string) string {
	rate := "1 at a time"
	if f.rate > 0 {
		rate = fmt.Sprintf("%.0f → %.1f", f.rate, float64(f.bridged)/f.wall.Seconds())
	}
	phase := "—"
	if f.toOffer.N > 0 {
		phase = fmt.Sprintf("%.2f / %.2f / %.2f", msf(f.toStart.P50), msf(f.toOffer.P50), msf(f.offerToBridged.P50))
	}
	app := "—"
	if f.appCores > 0 {
		app = ms(f.appCPU)
	}
	return fmt.Sprintf("| %s | %s (load %s) | %s | %d (%d refused) | %.2f / %.2f / %.2f ms | %s | %s | %s | %d | %d | %.1f |",
		target, f.label, f.load, rate, f.failed(), f.refused, msf(f.toBridged.P50), msf(f.toBridged.P95), msf(f.toBridged.P99), phase,
		app, ms(f.astCPU), f.maxFiles, f.maxThreads, float64(f.lineUps)/f.wall.Seconds())
}

const tableHead = "| target | run | calls/s offered → bridged | failed | INVITE → bridged p50 / p95 / p99 | INVITE → StasisStart / → offer / → bridged p50 (ms) | app CPU/call | Asterisk CPU/call | Asterisk files (max) | threads (max) | lines up/s |\n| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// nextPrefix names a SIPp run's calls (three digits, so prefix and call
// number never run into each other).
func (h *realHarness) nextPrefix() string {
	h.runs++
	return fmt.Sprintf("%03d", 100+h.runs)
}

// latency places calls one at a time: each call is answered, bridged,
// talks for a moment, and the next starts after a gap.
func (h *realHarness) latency(ctx context.Context, t realTarget, o options, label string) error {
	r := o.real
	u := &uacRun{Prefix: h.nextPrefix(), DIDs: h.dids(t, o.tenants), Calls: r.latency, Limit: 1,
		Talk: 250 * time.Millisecond, Gap: r.gap, Local: r.sipFrom, Remote: r.sip, Dir: h.dir}
	load := loadAverage()
	fmt.Fprintf(h.out, "%s: %d calls one at a time, load average %s\n", label, r.latency, load)
	cpu0, _ := t.appCPU()
	s := startSampler(h.pid, 200*time.Millisecond)
	began := time.Now()
	if err := u.start(r.sipp); err != nil {
		s.end()
		return err
	}
	res, err := u.wait(ctx, time.Duration(r.latency)*(time.Second+r.gap)+30*time.Second)
	s.end()
	if err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond) // the last events
	f := h.figures(t, label, 0, res, s, cpu0, time.Since(began))
	f.load = load
	f.report(h.out)
	h.latencyRows = append(h.latencyRows, f.row(t.name()))
	return nil
}

// ramp places each step's rate for -step, calls lasting -call-length, and
// waits for every call of the step to end before the next.
func (h *realHarness) ramp(ctx context.Context, t realTarget, o options) error {
	r := o.real
	fmt.Fprintf(h.out, "ramp: steps of %s, calls of %s\n", o.stepDuration, r.callLength)
	best := 0.0
	for _, rate := range o.steps {
		label := fmt.Sprintf("%.0f/s", rate)
		u := &uacRun{Prefix: h.nextPrefix(), DIDs: h.dids(t, o.tenants), Rate: rate, Calls: int(rate * o.stepDuration.Seconds()),
			Talk: r.callLength, Local: r.sipFrom, Remote: r.sip, Dir: h.dir}
		cpu0, _ := t.appCPU()
		load := loadAverage()
		s := startSampler(h.pid, time.Second)
		began := time.Now()
		if err := u.start(r.sipp); err != nil {
			s.end()
			return err
		}
		res, err := u.wait(ctx, o.stepDuration+r.callLength+90*time.Second)
		s.end()
		if err != nil {
			return err
		}
		time.Sleep(time.Second)
		f := h.figures(t, label, rate, res, s, cpu0, time.Since(began))
		f.wall, f.load = o.stepDuration, load
		f.report(h.out)
		h.rampRows = append(h.rampRows, f.row(t.name()))
		if f.failed() == 0 && f.placed > 0 {
			best = rate
		}
		if f.failed() > f.placed/2 {
			break // far past the limit: the next step tells nothing new
		}
		time.Sleep(5 * time.Second) // let Asterisk settle
	}
	fmt.Fprintf(h.out, "%s: highest rate with no failed call: %.0f calls/s\n", t.name(), best)
	h.lineRows = append(h.lineRows, fmt.Sprintf("- %s: highest rate with no failed call %.0f calls/s", t.name(), best))
	return nil
}

// startStress keeps n CPUs busy at the lowest priority (stress-ng from
// Debian) until stopped. With the kernel's autogroups (Debian's default) a
// nice value counts only against the processes of the same session, and
// every session gets an equal share: stress-ng at nice 19 would still take
// half the machine from Asterisk, which runs in a session of its own. So
// stress-ng gets a session of its own, and that session the lowest share
// (/proc/PID/autogroup: nice 19).
func startStress(n int) (func(), error) {
	path, err := exec.LookPath("stress-ng")
	if err != nil {
		return nil, fmt.Errorf("-busy needs stress-ng (apt-get install stress-ng): %w", err)
	}
	cmd := exec.Command("nice", "-n", "19", path, "--cpu", fmt.Sprint(n), "--quiet")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	autogroup := fmt.Sprintf("/proc/%d/autogroup", cmd.Process.Pid)
	if err := os.WriteFile(autogroup, []byte("19"), 0); err != nil && !errors.Is(err, os.ErrNotExist) {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("-busy: lowering stress-ng's session (%s): %w", autogroup, err)
	}
	time.Sleep(2 * time.Second) // the load settles in
	return func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}, nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// realBook is what the ccaas agents' sockets saw against a real Asterisk.
type realBook struct {
	mu        sync.Mutex
	offers    map[string]time.Time
	answers   map[string]time.Time
	ups       []time.Time
	downs     int
	firstUp   time.Time
	lastUp    time.Time
	linesUp   int
	everUpped int
}

func newRealBook() *realBook {
	return &realBook{offers: map[string]time.Time{}, answers: map[string]time.Time{}}
}

func (r *realBook) offered(num string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.offers[num]; !ok {
		r.offers[num] = at
	}
}

func (r *realBook) answered(num string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers[num] = at
}

func (r *realBook) lineChanged(up bool, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if up {
		r.ups = append(r.ups, at)
		r.linesUp++
		if r.firstUp.IsZero() {
			r.firstUp = at
		}
		r.lastUp = at
		return
	}
	r.downs++
	r.linesUp--
}

func (r *realBook) take() (offers map[string]time.Time, ups, downs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	offers, ups, downs = r.offers, len(r.ups), r.downs
	r.offers, r.answers, r.ups, r.downs = map[string]time.Time{}, map[string]time.Time{}, nil, 0
	return offers, ups, downs
}

func (r *realBook) state() (up int, last time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.linesUp, r.lastUp
}

// sortedKeys is for stable output.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
