// Command ccaas-bench measures the contact center under load: the product
// (sqlite, app, web server) runs in a child process against the Asterisk
// simulator in this process, thousands of simulated browsers log in over
// HTTP and take calls over their CTI WebSockets, and customers call the
// tenants' DIDs at a target rate. See docs/performance.md.
//
//	ccaas-bench -find-max                 step the arrival rate up; report the highest sustained
//	ccaas-bench -rate 100 -duration 60s   one rate: latencies, ARI requests, CPU, allocations, memory
//	ccaas-bench -rate 100 -floor          the same, then bare ARI round trips for comparison
//	ccaas-bench -ws 5000                  5,000 CTI sockets: memory and delivery latency
//	ccaas-bench -soak 10m -rate 100       a long run that must end with nothing leaked
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are every flag.
type options struct {
	findMax   bool
	rate      float64
	duration  time.Duration
	warmup    time.Duration
	floor     bool
	floorN    int
	floorConc int
	ws        int
	soak      time.Duration

	tenants, agents int
	think, talk     time.Duration
	wrapEvery       int
	wrapupSeconds   int
	ringSeconds     int
	supervisors     bool
	record          bool // the queues record every call
	webhooks        bool // every tenant has a webhook wanting every event

	steps        []float64
	stepDuration time.Duration
	late         time.Duration
	maxOfferP99  time.Duration

	maxHeapGrowth float64
	logLevel      string
	invariants    bool
	cpuProfile    string
	memProfile    string
	keep          bool
	loginConc     int
	loginRate     float64       // logins per second (0: as fast as -login-conc goes)
	readyWait     time.Duration // how long the logins may take to be Ready
	maxCalls      int           // the product's --max-calls
	maxTenantCall int           // and --max-calls-per-tenant

	real realOptions // against a real Asterisk (-ari)
}

func defaultOptions() options {
	return options{
		duration: 60 * time.Second, warmup: 5 * time.Second, floorN: 10000, floorConc: 8,
		tenants: 20, agents: 100, think: 300 * time.Millisecond, talk: 2 * time.Second,
		wrapEvery: 2, wrapupSeconds: 1, ringSeconds: 20, supervisors: true,
		steps:        []float64{25, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 600, 700, 800},
		stepDuration: 20 * time.Second, late: time.Second, maxOfferP99: 250 * time.Millisecond,
		maxHeapGrowth: 0.10, logLevel: "info", loginConc: 16,
	}
}

func main() {
	switch role := os.Getenv(roleEnv); role {
	case "product", "minimal":
		run := runProduct
		if role == "minimal" {
			run = runMinimal
		}
		if err := run(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "ccaas-bench %s: %v\n", role, err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ccaas-bench:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	o := defaultOptions()
	fs := flag.NewFlagSet("ccaas-bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.BoolVar(&o.findMax, "find-max", false, "step the arrival rate up (-steps, each -step) and report the highest sustained rate")
	fs.Float64Var(&o.rate, "rate", 0, "calls per second for a fixed-rate run (or the soak's rate; default there 100)")
	fs.DurationVar(&o.duration, "duration", o.duration, "measured time of a fixed-rate run (after -warmup)")
	fs.DurationVar(&o.warmup, "warmup", o.warmup, "time at the rate before measuring")
	fs.BoolVar(&o.floor, "floor", false, "bare ARI round trips from the product process: after a -rate run with its request count and concurrency, or alone with -floor-n and -floor-c")
	fs.IntVar(&o.floorN, "floor-n", o.floorN, "round trips of a -floor run without -rate")
	fs.IntVar(&o.floorConc, "floor-c", o.floorConc, "concurrency of a -floor run without -rate")
	fs.IntVar(&o.ws, "ws", 0, "connect this many CTI WebSocket clients (agents in tenants of -agents each) and measure memory and delivery")
	fs.DurationVar(&o.soak, "soak", 0, "run this long at -rate (default 100 = half the 200 cps aim), then check for leaks; PASS/FAIL")
	fs.IntVar(&o.tenants, "tenants", o.tenants, "tenants")
	fs.IntVar(&o.agents, "agents", o.agents, "agents per tenant")
	fs.DurationVar(&o.think, "think", o.think, "mean time from offer to Answer (±50%)")
	fs.DurationVar(&o.talk, "talk", o.talk, "mean talk time before the agent hangs up (±50%)")
	fs.IntVar(&o.wrapEvery, "wrap-every", o.wrapEvery, "every n-th agent has -wrapup seconds of wrapup (0: nobody)")
	fs.IntVar(&o.wrapupSeconds, "wrapup", o.wrapupSeconds, "wrapup seconds of those agents")
	fs.IntVar(&o.ringSeconds, "ring", o.ringSeconds, "queue ring time in seconds")
	fs.BoolVar(&o.record, "record", false, "every tenant's queue records its calls (Asterisk's bridge recording, in the simulator)")
	fs.BoolVar(&o.webhooks, "webhooks", false, "every tenant has a webhook for every event, posted to a receiver in the bench over loopback")
	fs.BoolVar(&o.supervisors, "supervisors", o.supervisors, "a supervisor per tenant watches the team view (times state change → supervisor socket)")
	steps := fs.String("steps", joinRates(o.steps), "rates of -find-max, calls per second")
	fs.DurationVar(&o.stepDuration, "step", o.stepDuration, "time per -find-max step")
	fs.DurationVar(&o.late, "late", o.late, "a call offered later than this after it arrived while an agent was Ready has waited: the step fails")
	fs.DurationVar(&o.maxOfferP99, "max-offer-p99", o.maxOfferP99, "a -find-max step fails when the p99 of StasisStart→offer exceeds this")
	fs.Float64Var(&o.maxHeapGrowth, "max-heap-growth", o.maxHeapGrowth, "soak: allowed growth of the live heap, last minute over first (0.10 = 10%)")
	fs.StringVar(&o.logLevel, "log-level", o.logLevel, "the product's log level (debug, info, warn, error, off); logs go to a file in the run's temp dir")
	fs.BoolVar(&o.invariants, "invariants", false, "the product checks its tenant invariants after every input (slow; counts violations)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "save a CPU profile of the product over the measured window to this file")
	fs.StringVar(&o.memProfile, "memprofile", "", "save the product's heap profile once everyone is logged in to this file")
	fs.BoolVar(&o.keep, "keep", false, "keep the run's temp dir (database, product log)")
	fs.Float64Var(&o.loginRate, "login-rate", 0, "logins per second (0: as fast as -login-conc workers go)")
	fs.IntVar(&o.loginConc, "login-conc", o.loginConc, "logins (and line set-ups of the comparisons) in flight at once")
	fs.DurationVar(&o.readyWait, "ready-wait", 60*time.Second, "how long the agents may take to be Ready after the logins")
	fs.IntVar(&o.maxCalls, "max-calls", 0, "the product's --max-calls: callers beyond so many calls at once get busy (0: no limit)")
	fs.IntVar(&o.maxTenantCall, "max-calls-per-tenant", 0, "the product's --max-calls-per-tenant (0: no limit)")
	// against a real Asterisk (real.go)
	r := &o.real
	fs.StringVar(&r.ariURL, "ari", "", "run against the real Asterisk whose ARI this is (e.g. http://127.0.0.1:8088/ari); see docs/performance.md")
	fs.StringVar(&r.ariUser, "ari-user", "ccaas", "ARI user (-ari)")
	fs.StringVar(&r.ariPassword, "ari-password", "", "ARI password (-ari; default $CCAAS_BENCH_ARI_PASSWORD)")
	targets := fs.String("targets", "ccaas,minimal,appqueue", "what answers the calls (-ari): ccaas, minimal (the comparison's bare ARI app), appqueue (Asterisk's app_queue)")
	fs.IntVar(&r.latency, "latency", 0, "calls one at a time per target (-ari; default 200 without -find-max)")
	fs.IntVar(&r.latencyTenants, "latency-tenants", 1, "tenants of the one-at-a-time run (-ari)")
	fs.IntVar(&r.latencyAgents, "latency-agents", 10, "agents per tenant of the one-at-a-time run (-ari)")
	fs.DurationVar(&r.gap, "gap", 100*time.Millisecond, "pause after each call one at a time (-ari)")
	fs.DurationVar(&r.callLength, "call-length", 10*time.Second, "how long a customer of a -find-max step talks (-ari)")
	fs.StringVar(&r.sip, "sip", "127.0.0.1:5060", "Asterisk's SIP address (-ari)")
	fs.StringVar(&r.sipFrom, "sip-from", "127.0.0.2", "the SIPp customers' address, matched by pjsip_bench.conf (-ari)")
	fs.StringVar(&r.sipp, "sipp", "sipp", "the SIPp binary (-ari)")
	fs.IntVar(&r.busy, "busy", 0, "also run the one-at-a-time calls with stress-ng keeping this many CPUs busy at nice 19 (-ari)")
	fs.StringVar(&r.results, "results", "", "append the results as markdown tables to this file (-ari)")
	fs.IntVar(&r.asteriskPID, "asterisk-pid", 0, "Asterisk's process (-ari; default: the one listening on the ARI port)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if o.steps, err = parseRates(*steps); err != nil {
		return err
	}
	if r.ariURL != "" {
		r.targets = strings.Split(*targets, ",")
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["supervisors"] {
			o.supervisors = false // against a real Asterisk only when asked for
		}
		if r.latency == 0 && !o.findMax {
			r.latency = 200
		}
		if o.tenants < 1 || o.agents < 1 || o.stepDuration <= 0 || r.latencyTenants < 1 || r.latencyAgents < 1 {
			return errors.New("-tenants, -agents, -latency-tenants, -latency-agents and -step must be positive")
		}
		raiseFileLimit(out)
		printMachine(out)
		return realRun(ctx, o, out)
	}
	modes := 0
	for _, on := range []bool{o.findMax, o.ws > 0, o.soak > 0, o.rate > 0 && o.soak == 0, o.floor && o.rate == 0} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		fs.Usage()
		return errors.New("choose one of -find-max, -rate, -floor, -ws, -soak")
	}
	if o.tenants < 1 || o.agents < 1 || o.rate < 0 || o.duration <= 0 || o.stepDuration <= 0 {
		return errors.New("-tenants, -agents, -duration and -step must be positive")
	}
	raiseFileLimit(out)
	printMachine(out)
	switch {
	case o.findMax:
		return findMax(ctx, o, out)
	case o.ws > 0:
		return wsRun(ctx, o, out)
	case o.soak > 0:
		if o.rate == 0 {
			o.rate = 100
		}
		return soak(ctx, o, out)
	case o.rate > 0:
		_, err := fixedRate(ctx, o, out)
		return err
	}
	return floorOnly(ctx, o, out)
}

func parseRates(s string) ([]float64, error) {
	var out []float64
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("-steps: %q is not a positive rate", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func joinRates(rs []float64) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strings.Join(s, ",")
}

// raiseFileLimit lifts the soft limit on open files to the hard one: 5,000
// sockets need 10,000 descriptors between the two processes.
func raiseFileLimit(out io.Writer) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			fmt.Fprintln(out, "could not raise RLIMIT_NOFILE:", err)
		}
	}
	fmt.Fprintf(out, "open files limit: %d\n", l.Cur)
}
