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
	if os.Getenv(roleEnv) == "product" {
		if err := runProduct(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "ccaas-bench product:", err)
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
