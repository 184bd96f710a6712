package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// stepResult is what one step (a window of arrivals at one rate) measured.
type stepResult struct {
	stepDone
	achieved float64 // calls placed per second
	offer    summary // StasisStart → the offer in the agent's socket
	connect  summary // Answer written → customer and line in the call bridge (simulator)
	toAgent  summary // a state change → the agent's socket
	toSuper  summary // a state change → the supervisor's socket (team view)
	offered  int
	late     int // waited longer than -late while an agent of their tenant was Ready
	noReady  int // arrived when no agent of their tenant was Ready
	// mean StasisStart → offer of the first and the last third of the
	// step's calls: a backlog that builds up shows as growth
	firstThird, lastThird time.Duration
	problems              map[string]int // new client-side problems since the step before

	ariPerCall    float64
	ariShapes     map[string]float64 // per call
	ariConc       float64            // mean requests in flight at the simulator
	eventsPerCall float64            // ARI events the product decoded
	eventShapes   map[string]float64 // per call
	cpuPerCall    time.Duration      // product process
	allocsPerCall float64
	bytesPerCall  float64
	prodCores     float64
	driverCores   float64

	pass bool
	why  []string
}

// evaluate judges a step once its calls had time to be offered.
func (b *bench) evaluate(d stepDone, prevProblems map[string]int) stepResult {
	res := stepResult{stepDone: d, problems: map[string]int{}}
	wall := d.ended.Sub(d.began)
	res.achieved = float64(d.placed) / wall.Seconds()
	calls := b.book.window(d.window)
	sort.Slice(calls, func(i, j int) bool { return calls[i].placed.Before(calls[j].placed) })
	now := time.Now()
	var offers, connects []time.Duration
	var thirds [3][]time.Duration
	for i, c := range calls {
		if !c.readyAtArrival {
			res.noReady++
		}
		if c.offered.IsZero() {
			if c.readyAtArrival && now.Sub(c.placed) > b.opts.late {
				res.late++
			}
			continue
		}
		lat := c.offered.Sub(c.placed)
		offers = append(offers, lat)
		thirds[i*3/len(calls)] = append(thirds[i*3/len(calls)], lat)
		if c.readyAtArrival && lat > b.opts.late {
			res.late++
		}
		if !c.answerSent.IsZero() && !c.bridged.IsZero() {
			connects = append(connects, c.bridged.Sub(c.answerSent))
		}
	}
	res.offered = len(offers)
	res.toAgent = b.stateLat.between(&b.stateLat.agent, d.began, d.ended)
	res.toSuper = b.stateLat.between(&b.stateLat.supervisor, d.began, d.ended)
	res.offer, res.connect = summarize(offers), summarize(connects)
	res.firstThird, res.lastThird = summarize(thirds[0]).Mean, summarize(thirds[2]).Mean
	for k, v := range b.problems.snapshot() {
		if n := v - prevProblems[k]; n > 0 {
			res.problems[k] = n
		}
	}

	n := float64(max(d.placed, 1))
	res.ariPerCall = float64(d.meterAfter.Total-d.meterBefore.Total) / n
	res.ariShapes = map[string]float64{}
	for k, v := range d.meterAfter.Counts {
		if dv := v - d.meterBefore.Counts[k]; dv > 0 {
			res.ariShapes[k] = float64(dv) / n
		}
	}
	res.ariConc = float64(d.meterAfter.Busy-d.meterBefore.Busy) / float64(wall)
	res.eventShapes = map[string]float64{}
	for k, v := range d.prodAfter.Events {
		if dv := v - d.prodBefore.Events[k]; dv > 0 {
			res.eventShapes[k] = float64(dv) / n
			res.eventsPerCall += float64(dv) / n
		}
	}
	res.cpuPerCall = time.Duration(float64(d.prodAfter.CPU-d.prodBefore.CPU) / n)
	res.allocsPerCall = float64(d.prodAfter.AllocObjects-d.prodBefore.AllocObjects) / n
	res.bytesPerCall = float64(d.prodAfter.AllocBytes-d.prodBefore.AllocBytes) / n
	res.prodCores = float64(d.prodAfter.CPU-d.prodBefore.CPU) / float64(wall)
	res.driverCores = float64(d.driverAfter.CPU-d.driverBefore.CPU) / float64(wall)

	fail := func(format string, args ...any) { res.why = append(res.why, fmt.Sprintf(format, args...)) }
	if want := d.rate * d.duration.Seconds(); float64(d.placed) < 0.97*want {
		fail("the driver placed only %d of %.0f calls", d.placed, want)
	}
	if res.late > 0 {
		fail("%d calls waited over %s while an agent was Ready", res.late, b.opts.late)
	}
	if res.noReady > 0 {
		fail("%d calls arrived with no agent Ready in their tenant (agents exhausted: more -agents or less -talk)", res.noReady)
	}
	if res.offer.P99 > b.opts.maxOfferP99 {
		fail("offer p99 %s over %s", ms(res.offer.P99), ms(b.opts.maxOfferP99))
	}
	if len(thirds[0]) > 0 && res.lastThird > 2*res.firstThird+20*time.Millisecond {
		fail("offer latency grew within the step (%s → %s): a backlog", ms(res.firstThird), ms(res.lastThird))
	}
	if len(res.problems) > 0 {
		fail("client-side problems: %v", res.problems)
	}
	res.pass = len(res.why) == 0
	return res
}

// line prints a step's result on one line.
func (r stepResult) line() string {
	verdict := "PASS"
	if !r.pass {
		verdict = "FAIL: " + strings.Join(r.why, "; ")
	}
	return fmt.Sprintf("%5.0f cps: placed %d (%.1f/s), offer p50 %s p99 %s, connect p50 %s p99 %s, supervisor p99 %s, late %d, %.2f ARI req/call, product %.2f cores %s CPU/call %.0f allocs/call, driver %.2f cores: %s",
		r.rate, r.placed, r.achieved, ms(r.offer.P50), ms(r.offer.P99), ms(r.connect.P50), ms(r.connect.P99), ms(r.toSuper.P99), r.late,
		r.ariPerCall, r.prodCores, ms(r.cpuPerCall), r.allocsPerCall, r.driverCores, verdict)
}

// report prints a step's result in full.
func (r stepResult) report(out io.Writer) {
	fmt.Fprintf(out, "rate                 %.0f calls/s target, %.1f/s placed (%d calls in %s)\n", r.rate, r.achieved, r.placed, r.ended.Sub(r.began).Round(time.Millisecond))
	fmt.Fprintf(out, "StasisStart → offer  %s\n", r.offer)
	fmt.Fprintf(out, "Answer → bridged     %s\n", r.connect)
	fmt.Fprintf(out, "state → agent        %s\n", r.toAgent)
	fmt.Fprintf(out, "state → supervisor   %s\n", r.toSuper)
	fmt.Fprintf(out, "waited while Ready   %d   arrived with nobody Ready: %d\n", r.late, r.noReady)
	fmt.Fprintf(out, "ARI requests/call    %.2f (mean %.2f in flight at the simulator)\n", r.ariPerCall, r.ariConc)
	for _, k := range slices.Sorted(maps.Keys(r.ariShapes)) {
		fmt.Fprintf(out, "    %-42s %.2f\n", k, r.ariShapes[k])
	}
	fmt.Fprintf(out, "ARI events/call      %.2f\n", r.eventsPerCall)
	for _, k := range slices.Sorted(maps.Keys(r.eventShapes)) {
		fmt.Fprintf(out, "    %-42s %.2f\n", k, r.eventShapes[k])
	}
	fmt.Fprintf(out, "product CPU          %s per call (%.2f cores)\n", ms(r.cpuPerCall), r.prodCores)
	fmt.Fprintf(out, "product allocations  %.0f objects, %s per call\n", r.allocsPerCall, kib(r.bytesPerCall))
	fmt.Fprintf(out, "driver CPU           %.2f cores (simulator + browsers + customers)\n", r.driverCores)
	if len(r.problems) > 0 {
		fmt.Fprintf(out, "problems             %v\n", r.problems)
	}
}

// startLoad starts a run: the product, every agent logged in and Ready.
// It reports the memory the logins cost.
func startLoad(ctx context.Context, o options, out io.Writer) (*bench, error) {
	b, err := start(ctx, o, out)
	if err != nil {
		return nil, err
	}
	before, err := b.prod.settle(false)
	if err != nil {
		b.close()
		return nil, err
	}
	began := time.Now()
	if err := b.loginAll(ctx, true, o.loginConc); err != nil {
		b.close()
		return nil, err
	}
	after, err := b.prod.settle(false)
	if err != nil {
		b.close()
		return nil, err
	}
	n := float64(len(b.agents))
	fmt.Fprintf(out, "%d agents logged in over HTTP, CTI sockets open, Ready, in %s\n", len(b.agents), time.Since(began).Round(time.Millisecond))
	fmt.Fprintf(out, "memory per agent     %s heap, %s RSS (product: heap %s → %s, RSS %s → %s)\n",
		kib((float64(after.HeapLive)-float64(before.HeapLive))/n), kib((float64(after.RSS)-float64(before.RSS))/n),
		mib(float64(before.HeapLive)), mib(float64(after.HeapLive)), mib(float64(before.RSS)), mib(float64(after.RSS)))
	if o.memProfile != "" {
		if err := b.prod.heapProfile(o.memProfile); err != nil {
			fmt.Fprintln(out, "heap profile:", err)
		}
	}
	if err := b.loginSupervisors(ctx); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// fixedRate runs -warmup then -duration at -rate and reports the measured
// window; with -floor, the bare round trips follow.
func fixedRate(ctx context.Context, o options, out io.Writer) (stepResult, error) {
	b, err := startLoad(ctx, o, out)
	if err != nil {
		return stepResult{}, err
	}
	defer b.close()
	steps := []step{{window: 1, rate: o.rate, duration: o.duration}}
	if o.warmup > 0 {
		steps = append([]step{{window: 0, rate: o.rate, duration: o.warmup}}, steps...)
	}
	done := make(chan stepDone)
	go b.placeSteps(ctx, steps, done)
	profiled := make(chan error, 1)
	if o.cpuProfile == "" {
		profiled <- nil
	} else if o.warmup == 0 {
		go func() { profiled <- b.prod.cpuProfile(o.duration, o.cpuProfile) }()
	}
	var measured *stepDone
	var prev map[string]int
	for d := range done {
		if d.window == 0 {
			fmt.Fprintf(out, "warm-up: %d calls in %s\n", d.placed, d.ended.Sub(d.began).Round(time.Millisecond))
			prev = b.problems.snapshot()
			if o.cpuProfile != "" {
				go func() { profiled <- b.prod.cpuProfile(o.duration, o.cpuProfile) }()
			}
			continue
		}
		measured = &d
	}
	if measured == nil {
		return stepResult{}, ctx.Err()
	}
	drainErr := b.drain(ctx, 30*time.Second+4*o.talk)
	res := b.evaluate(*measured, prev)
	fmt.Fprintln(out)
	res.report(out)
	b.reportStorage(out)
	left, leftErr := b.waitClean(ctx, b.loggedIn(), 10*time.Second)
	fmt.Fprintf(out, "after the run        %s\n", left)
	if err := <-profiled; err != nil {
		fmt.Fprintln(out, "cpu profile:", err)
	} else if o.cpuProfile != "" {
		fmt.Fprintf(out, "cpu profile          %s (go tool pprof -top %s)\n", o.cpuProfile, o.cpuProfile)
	}
	if o.floor {
		n := int(float64(measured.meterAfter.Total - measured.meterBefore.Total))
		c := max(1, int(res.ariConc+0.5))
		fr, err := b.prod.floor(n, c)
		if err != nil {
			return res, err
		}
		printFloor(out, fr)
		fmt.Fprintf(out, "app / floor          CPU: %s per call = %.1f × the %.2f bare round trips it makes (%s each)\n",
			ms(res.cpuPerCall), float64(res.cpuPerCall)/(res.ariPerCall*float64(fr.CPU)/float64(fr.Requests)), res.ariPerCall, ms(fr.CPU/time.Duration(fr.Requests)))
		fmt.Fprintf(out, "                     Answer → bridged p50: %s = %.1f × 3 bare round trips (create bridge, stop MOH, addChannel)\n",
			ms(res.connect.P50), float64(res.connect.P50)/float64(3*fr.Latency.P50))
	}
	if drainErr != nil {
		return res, drainErr
	}
	if final, err := b.prod.stats(); err == nil && final.Violations > 0 {
		return res, fmt.Errorf("%d invariant violations, e.g. %v", final.Violations, final.Samples)
	}
	return res, leftErr
}

func printFloor(out io.Writer, fr floorResult) {
	fmt.Fprintf(out, "floor                %d GET /bridges/{id} with %d workers in %s (%.0f/s): %s\n",
		fr.Requests, fr.Concurrency, fr.Elapsed.Round(time.Millisecond), float64(fr.Requests)/fr.Elapsed.Seconds(), fr.Latency)
	fmt.Fprintf(out, "                     product CPU %s and %.0f allocs per round trip\n",
		ms(fr.CPU/time.Duration(max(fr.Requests, 1))), float64(fr.Allocs)/float64(max(fr.Requests, 1)))
}

// floorOnly runs the bare round trips alone (-floor without -rate).
func floorOnly(ctx context.Context, o options, out io.Writer) error {
	b, err := start(ctx, o, out)
	if err != nil {
		return err
	}
	defer b.close()
	fr, err := b.prod.floor(o.floorN, o.floorConc)
	if err != nil {
		return err
	}
	printFloor(out, fr)
	return nil
}

// findMax steps the rate up until a step fails; the highest passing step
// is the sustained maximum.
func findMax(ctx context.Context, o options, out io.Writer) error {
	b, err := startLoad(ctx, o, out)
	if err != nil {
		return err
	}
	defer b.close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	steps := make([]step, len(o.steps))
	for i, r := range o.steps {
		steps[i] = step{window: i, rate: r, duration: o.stepDuration}
	}
	done := make(chan stepDone)
	go b.placeSteps(ctx, steps, done)
	fmt.Fprintf(out, "\nsteps of %s; a step passes when no call waited over %s while an agent was Ready, offer p99 ≤ %s, no growth within the step\n",
		o.stepDuration, o.late, ms(o.maxOfferP99))
	best := 0.0
	prev := b.problems.snapshot()
	var results []stepResult
	for d := range done {
		// the step's last calls get their chance to be offered
		time.Sleep(o.late + 500*time.Millisecond)
		res := b.evaluate(d, prev)
		prev = b.problems.snapshot()
		b.book.forget(d.window)
		b.stateLat.forgetBefore(d.ended)
		results = append(results, res)
		fmt.Fprintln(out, res.line())
		if !res.pass {
			cancel()
			for range done {
			}
			break
		}
		best = d.rate
	}
	fmt.Fprintf(out, "\nhighest sustained rate: %.0f calls/s\n", best)
	for _, r := range results {
		if r.rate == best {
			fmt.Fprintln(out)
			r.report(out)
		}
	}
	if err := b.drain(context.Background(), 30*time.Second+4*o.talk); err != nil {
		fmt.Fprintln(out, "after the run:", err)
	}
	return nil
}
