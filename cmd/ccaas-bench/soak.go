package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// goroutineSlack is how many more goroutines than at the start the product
// may have once settled: runtime helpers come and go.
const goroutineSlack = 5

// soak runs -rate for -soak in one-minute steps (each judged like a
// -find-max step and reported), then checks that nothing leaked: every call
// ended, no customer channels or call bridges left, the product's goroutines
// back to their count before the load (and before the logins once everyone
// logged out), and the live heap of the last minute within -max-heap-growth
// of the first minute's. Those checks make the PASS or FAIL.
func soak(ctx context.Context, o options, out io.Writer) error {
	b, err := start(ctx, o, out)
	if err != nil {
		return err
	}
	defer b.close()
	pre, err := b.prod.settle(true)
	if err != nil {
		return err
	}
	if err := b.loginAll(ctx, true, o.loginConc); err != nil {
		return err
	}
	if err := b.loginSupervisors(ctx); err != nil {
		return err
	}
	b.http.CloseIdleConnections()
	base, err := b.settleGoroutines(ctx, -1)
	if err != nil {
		return err
	}
	agents := b.loggedIn()
	fmt.Fprintf(out, "%d agents Ready, %d supervisors; product: %d goroutines before the logins, %d now; soak at %.0f calls/s for %s\n",
		len(b.agents), len(b.sups), pre.Goroutines, base.Goroutines, o.rate, o.soak)

	var steps []step
	for i, left := 0, o.soak; left > 0; i++ {
		d := min(left, time.Minute)
		steps = append(steps, step{window: i, rate: o.rate, duration: d})
		left -= d
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// the live heap every 10 s
	type heapSample struct {
		at   time.Time
		live uint64
	}
	var (
		mu      sync.Mutex
		samples []heapSample
	)
	sampling := make(chan struct{})
	go func() {
		defer close(sampling)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Second):
			}
			if st, err := b.prod.settle(false); err == nil {
				mu.Lock()
				samples = append(samples, heapSample{st.At, st.HeapLive})
				mu.Unlock()
			}
		}
	}()
	began := time.Now()
	done := make(chan stepDone)
	go b.placeSteps(ctx, steps, done)
	var failures []string
	slow := 0
	prev := b.problems.snapshot()
	for d := range done {
		time.Sleep(o.late + 500*time.Millisecond)
		res := b.evaluate(d, prev)
		prev = b.problems.snapshot()
		fmt.Fprintf(out, "minute %3d  %s\n", d.window+1, res.line())
		if !res.pass {
			slow++
		}
		b.book.forget(d.window)
		b.stateLat.forgetBefore(d.ended)
	}
	ended := time.Now()
	cancel()
	<-sampling
	check := func(ok bool, format string, args ...any) {
		verdict := "ok  "
		if !ok {
			verdict = "FAIL"
			failures = append(failures, fmt.Sprintf(format, args...))
		}
		fmt.Fprintf(out, "%s %s\n", verdict, fmt.Sprintf(format, args...))
	}
	fmt.Fprintln(out)
	// The verdict is about leaks; a minute that missed the -find-max bar is
	// reported (on a shared machine a neighbour's burst does that too).
	fmt.Fprintf(out, "%d of %d minutes missed the -find-max latency bar (see their lines)\n", slow, len(steps))
	ctx = context.Background()
	drainErr := b.drain(ctx, 30*time.Second+4*o.talk)
	placed, ended2 := b.book.counts()
	check(drainErr == nil, "every call ended: %d of %d", ended2, placed)
	left, err := b.waitClean(ctx, agents, 15*time.Second)
	check(err == nil, "simulator after the load: %s (want only the %d lines)", left, agents)
	st, err := b.settleGoroutines(ctx, base.Goroutines+goroutineSlack)
	check(err == nil, "product goroutines after the load: %d (before it: %d)", st.Goroutines, base.Goroutines)

	// the live heap: mean of the first minute against the last minute's
	mu.Lock()
	var first, last []uint64
	for _, s := range samples {
		if s.at.Sub(began) <= time.Minute {
			first = append(first, s.live)
		}
		if ended.Sub(s.at) <= time.Minute {
			last = append(last, s.live)
		}
	}
	mu.Unlock()
	if len(first) > 0 && len(last) > 0 && o.soak >= 2*time.Minute {
		f, l := mean(first), mean(last)
		check(l <= f*(1+o.maxHeapGrowth), "live heap: first minute %s, last minute %s (%+.1f%%, bound %+.0f%%)",
			mib(f), mib(l), 100*(l/f-1), 100*o.maxHeapGrowth)
	} else {
		fmt.Fprintln(out, "(heap growth is judged on soaks of 2 minutes or more)")
	}

	b.logoutAll()
	b.http.CloseIdleConnections()
	left, err = b.waitClean(ctx, 0, 15*time.Second)
	check(err == nil, "simulator after everyone logged out: %s", left)
	st, err = b.settleGoroutines(ctx, pre.Goroutines+goroutineSlack)
	check(err == nil, "product goroutines after everyone logged out: %d (before the logins: %d)", st.Goroutines, pre.Goroutines)
	if final, err := b.prod.stats(); err == nil {
		check(final.Violations == 0, "invariant violations: %d %v", final.Violations, final.Samples)
	}
	if len(failures) > 0 {
		fmt.Fprintln(out, "\nsoak FAIL")
		return fmt.Errorf("soak failed: %d checks", len(failures))
	}
	fmt.Fprintln(out, "\nsoak PASS")
	return nil
}

// settleGoroutines waits up to 15 s for the product's goroutines to drop to
// at most want (want < 0: just settle once and read).
func (b *bench) settleGoroutines(ctx context.Context, want int) (procStats, error) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := b.prod.settle(true)
		if err != nil || want < 0 || st.Goroutines <= want {
			return st, err
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("%d goroutines, want at most %d", st.Goroutines, want)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func mean(xs []uint64) float64 {
	var s float64
	for _, x := range xs {
		s += float64(x)
	}
	return s / float64(len(xs))
}
