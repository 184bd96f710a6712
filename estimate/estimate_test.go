package estimate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		position, ready, working int
		handle                   time.Duration
		want                     time.Duration
		ok                       bool
	}{
		{"next, an agent Ready", 1, 1, 3, 3 * time.Minute, 0, true},
		{"next, all busy", 1, 0, 3, 3 * time.Minute, time.Minute, true},
		{"third, one Ready", 3, 1, 4, 4 * time.Minute, 2 * time.Minute, true},
		{"tenth of two agents", 10, 0, 2, 5 * time.Minute, 25 * time.Minute, true},
		{"nobody works", 1, 0, 0, 3 * time.Minute, 0, false},
		{"no position", 0, 0, 3, 3 * time.Minute, 0, false},
	} {
		got, ok := Wait(tc.position, tc.ready, tc.working, tc.handle)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMinutes(t *testing.T) {
	for d, want := range map[time.Duration]int{
		0: 1, time.Second: 1, time.Minute: 1, time.Minute + time.Second: 2, 150 * time.Second: 3, 10 * time.Minute: 10, -time.Minute: 1,
	} {
		if got := Minutes(d); got != want {
			t.Errorf("Minutes(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestHandle(t *testing.T) {
	var h Handle
	if h.Average() != Prior || h.Calls() != 0 {
		t.Fatalf("before any call: %v", h.Average())
	}
	h.Add(100 * time.Second)
	if h.Average() != 100*time.Second {
		t.Fatalf("after the first call: %v, want that call's time", h.Average())
	}
	h.Add(200 * time.Second) // a fifth of the way to 200
	if h.Average() != 120*time.Second || h.Calls() != 2 {
		t.Fatalf("after the second: %v", h.Average())
	}
	h.Add(-time.Second) // not a handle time
	if h.Calls() != 2 {
		t.Fatal("a negative time was counted")
	}
}

// day is a simulated day of one queue, second by second from 08:00 to
// 18:00: callers arrive at random (Poisson) at a rate that changes every
// hour, agents start and stop working on the hour (one who stops finishes
// their call first), calls take a random time (lognormal talk, mean about 4
// minutes, and 15-45 s of wrapup), and callers who wait longer than their
// patience (exponential, mean 6 minutes) hang up. Callers are served in
// arrival order.
type day struct {
	arrivals []float64 // calls an hour, for each hour of the day
	staffing []int     // working agents, for each hour
}

type caller struct {
	arrived, patience int // seconds
	estimate          time.Duration
	estimated         bool
	appQueue          time.Duration // app_queue's estimate, for comparison
}

type agentSlot struct {
	busyUntil int // second its call and wrapup end; 0 idle
	handle    int
	leaving   bool
}

// outcome is what the day gives: for each answered caller who had to wait
// (no agent was Ready when they arrived, so they heard an estimate), the
// error of the estimate at entry against their real wait, and the same for
// app_queue's estimate.
type outcome struct {
	errs, appQueueErrs []float64 // |estimate − wait|, seconds
	waits              []float64
	answered, gone     int
	kept               int // callers answered within the minutes they heard (Minutes of the estimate)
}

func (d day) run(seed uint64) outcome {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	var (
		h        Handle
		holdtime float64 // app_queue's: q->holdtime = (3 × old + new) / 4 of the real waits
		queue    []caller
		agents   []*agentSlot
		out      outcome
	)
	working := func() []*agentSlot {
		var w []*agentSlot
		for _, a := range agents {
			if !a.leaving {
				w = append(w, a)
			}
		}
		return w
	}
	const dayLen = 10 * 3600
	for now := 0; now < dayLen; now++ {
		if now%3600 == 0 { // the staffing of the hour
			want := d.staffing[now/3600]
			for len(working()) < want {
				agents = append(agents, &agentSlot{})
			}
			for w := working(); len(w) > want; w = working() {
				// the idle ones stop first; a busy one finishes their call
				i := slices.IndexFunc(w, func(a *agentSlot) bool { return a.busyUntil == 0 })
				if i < 0 {
					i = 0
				}
				w[i].leaving = true
			}
		}
		for _, a := range agents {
			if a.busyUntil == now && a.busyUntil != 0 {
				h.Add(time.Duration(a.handle) * time.Second)
				a.busyUntil = 0
			}
		}
		agents = slices.DeleteFunc(agents, func(a *agentSlot) bool { return a.leaving && a.busyUntil == 0 })
		queue = slices.DeleteFunc(queue, func(c caller) bool {
			if now-c.arrived >= c.patience {
				out.gone++
				return true
			}
			return false
		})
		if rng.Float64() < d.arrivals[now/3600]/3600 {
			ready := 0
			for _, a := range working() {
				if a.busyUntil == 0 {
					ready++
				}
			}
			c := caller{arrived: now, patience: int(rng.ExpFloat64() * 360)}
			c.estimate, c.estimated = Wait(len(queue)+1, ready, len(working()), h.Average())
			c.appQueue = time.Duration(holdtime * float64(time.Second))
			queue = append(queue, c)
		}
		for _, a := range working() {
			if a.busyUntil != 0 || len(queue) == 0 {
				continue
			}
			c := queue[0]
			queue = queue[1:]
			wait := float64(now - c.arrived)
			holdtime = (3*holdtime + wait) / 4
			talk := math.Exp(math.Log(200)+0.6*rng.NormFloat64()) + 15 + 30*rng.Float64()
			a.handle = max(int(talk), 1)
			a.busyUntil = now + a.handle
			out.answered++
			out.waits = append(out.waits, wait)
			if c.estimated && c.estimate > 0 { // a caller told to wait (one with an agent Ready is offered at once)
				out.errs = append(out.errs, math.Abs(c.estimate.Seconds()-wait))
				out.appQueueErrs = append(out.appQueueErrs, math.Abs(c.appQueue.Seconds()-wait))
				if wait <= float64(60*Minutes(c.estimate)) {
					out.kept++
				}
			}
		}
	}
	return out
}

// waited are the real waits of the answered callers who had to wait.
func waited(o outcome) []float64 {
	var out []float64
	for _, w := range o.waits {
		if w > 0 {
			out = append(out, w)
		}
	}
	return out
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return math.NaN()
	}
	return s[len(s)/2]
}

func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(int(p*float64(len(s))), len(s)-1)]
}

// TestSimulatedDay compares the estimate each answered caller got at entry
// with the wait they really had, over ten simulated days (a busy morning, a
// lunch dip with fewer agents, a quieter afternoon), and with app_queue's
// announced hold time (an average of the last waits, the same for every
// position) on the same callers. `go test -run TestSimulatedDay -v
// ./estimate/` prints the figures; README ("Estimated wait") quotes them.
func TestSimulatedDay(t *testing.T) {
	d := day{
		arrivals: []float64{50, 90, 100, 80, 60, 70, 85, 70, 50, 35},
		staffing: []int{4, 6, 7, 6, 4, 5, 6, 6, 5, 4},
	}
	var all outcome
	for seed := range uint64(10) {
		o := d.run(seed + 1)
		all.errs = append(all.errs, o.errs...)
		all.appQueueErrs = append(all.appQueueErrs, o.appQueueErrs...)
		all.waits = append(all.waits, o.waits...)
		all.answered += o.answered
		all.gone += o.gone
		all.kept += o.kept
	}
	ours, theirs := median(all.errs), median(all.appQueueErrs)
	t.Logf("%d answered callers (%d hung up waiting); real wait: median %.0f s, 90th percentile %.0f s",
		all.answered, all.gone, median(all.waits), percentile(all.waits, 0.9))
	t.Logf("estimate at entry: median error %.0f s, 90th percentile %.0f s; median wait of those who waited %.0f s", ours, percentile(all.errs, 0.9), median(waited(all)))
	t.Logf("app_queue's hold time: median error %.0f s, 90th percentile %.0f s", theirs, percentile(all.appQueueErrs, 0.9))
	t.Logf("%d of them had to wait (no agent Ready as they arrived); %.0f%% were answered within the minutes they heard",
		len(all.errs), 100*float64(all.kept)/float64(len(all.errs)))
	if ours > 60 {
		t.Errorf("median error %.0f s: worse than a minute, the unit callers hear", ours)
	}
	if ours >= theirs {
		t.Errorf("median error %.0f s, not better than app_queue's %.0f s", ours, theirs)
	}
}
