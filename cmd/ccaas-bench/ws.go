package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// wsRun connects -ws CTI sockets (agents in tenants of -agents each), reports
// what they cost the product in memory, then measures delivery: every client
// asks for a state change at the same moment, and each times its own
// command → state message. A wave is what a shift start or a supervisor's
// "everyone Ready" looks like.
func wsRun(ctx context.Context, o options, out io.Writer) error {
	o.tenants = (o.ws + o.agents - 1) / o.agents
	b, err := start(ctx, o, out)
	if err != nil {
		return err
	}
	defer b.close()
	before, err := b.prod.settle(false)
	if err != nil {
		return err
	}
	began := time.Now()
	// only the first o.ws agents (the last tenant may be partly used)
	left := o.ws
	for i := range b.tenants {
		n := min(left, len(b.tenants[i].agents))
		b.tenants[i].agents = b.tenants[i].agents[:n]
		left -= n
	}
	if err := b.loginAll(ctx, false, o.loginConc); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d agents logged in, CTI sockets open, in %s\n", len(b.agents), time.Since(began).Round(time.Millisecond))
	after, err := b.prod.settle(false)
	if err != nil {
		return err
	}
	n := float64(len(b.agents))
	fmt.Fprintf(out, "product heap         %s → %s: %s per connected agent\n", mib(float64(before.HeapLive)), mib(float64(after.HeapLive)), kib((float64(after.HeapLive)-float64(before.HeapLive))/n))
	fmt.Fprintf(out, "product RSS          %s → %s: %s per connected agent\n", mib(float64(before.RSS)), mib(float64(after.RSS)), kib((float64(after.RSS)-float64(before.RSS))/n))
	fmt.Fprintf(out, "product goroutines   %d → %d\n", before.Goroutines, after.Goroutines)
	if o.memProfile != "" {
		if err := b.prod.heapProfile(o.memProfile); err != nil {
			fmt.Fprintln(out, "heap profile:", err)
		}
	}
	// the lines come up after the sockets open: let them, then the waves
	time.Sleep(2 * time.Second)
	for _, cmd := range []string{"ready", "not_ready", "ready", "not_ready"} {
		s, wall, err := b.wave(ctx, cmd)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "wave %-10s       %d sockets, command → state: %s; all delivered in %s\n", cmd, len(b.agents), s, wall.Round(time.Millisecond))
	}
	if p := b.problems.snapshot(); len(p) > 0 {
		return fmt.Errorf("client-side problems: %v", p)
	}
	return nil
}

// wave has every agent send cmd at once and waits for each one's state.
func (b *bench) wave(ctx context.Context, cmd string) (summary, time.Duration, error) {
	want := cmd
	lat := make([]time.Duration, len(b.agents))
	var wg sync.WaitGroup
	gate := make(chan struct{})
	errs := make(chan error, 1)
	for i, a := range b.agents {
		wg.Go(func() {
			<-gate
			got := a.expect(isState(want))
			a.send(map[string]string{"cmd": cmd})
			select {
			case d := <-got:
				lat[i] = d
			case <-time.After(30 * time.Second):
				select {
				case errs <- fmt.Errorf("%s: %s got no %s state within 30s", cmd, a.user, want):
				default:
				}
			case <-ctx.Done():
			}
		})
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	wall := time.Since(start)
	select {
	case err := <-errs:
		return summary{}, wall, err
	default:
	}
	return summarize(lat), wall, ctx.Err()
}
