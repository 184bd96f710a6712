package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ccaas/ccaas/ari/asterisksim"
)

// callRec is one customer's call as the outside world saw it.
type callRec struct {
	seq     int64
	tenant  int
	window  int
	channel string
	// placed is taken just before PlaceCall, which emits StasisStart
	// synchronously: the event's own time is within microseconds after it.
	placed time.Time
	// readyAtArrival: some agent of the tenant was Ready (as their socket
	// said) when the call arrived, so the call should not wait at all.
	readyAtArrival bool

	// set later, under callBook.mu
	offered    time.Time // the offer reached the agent's socket
	answerSent time.Time // the agent's Answer command was written
	bridged    time.Time // the simulator put customer and line in the call bridge
	ended      time.Time // the agent's socket said the call ended
	endReason  string
}

// callBook keeps every call of the run.
type callBook struct {
	mu     sync.Mutex
	seq    int64
	bySeq  map[int64]*callRec
	byChan map[string]*callRec
	placed int
	ended  int
}

func newCallBook() *callBook {
	return &callBook{bySeq: make(map[int64]*callRec), byChan: make(map[string]*callRec)}
}

// callerNumber is the number a call comes from: it names the call, so an
// agent's offer can be matched to it.
func callerNumber(seq int64) string { return fmt.Sprintf("+1%010d", seq) }

func seqOfNumber(n string) (int64, bool) {
	s, ok := strings.CutPrefix(n, "+1")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

func (cb *callBook) add(tenant, window int, readyAtArrival bool, placed time.Time) *callRec {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	cb.seq++
	r := &callRec{seq: cb.seq, tenant: tenant, window: window, readyAtArrival: readyAtArrival, placed: placed}
	cb.bySeq[r.seq] = r
	cb.placed++
	return r
}

func (cb *callBook) setChannel(r *callRec, ch string) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	r.channel = ch
	cb.byChan[ch] = r
}

// byNumber finds the call a caller number names.
func (cb *callBook) byNumber(n string) *callRec {
	seq, ok := seqOfNumber(n)
	if !ok {
		return nil
	}
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return cb.bySeq[seq]
}

func (cb *callBook) update(r *callRec, f func(r *callRec)) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	f(r)
}

func (cb *callBook) end(r *callRec, reason string, at time.Time) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if r.ended.IsZero() {
		r.ended, r.endReason = at, reason
		cb.ended++
	}
}

// bridged is the meter's report of a successful addChannel: a customer put
// into a call bridge is connected.
func (cb *callBook) bridged(bridge string, channels []string, at time.Time) {
	if !strings.HasPrefix(bridge, "cb") || len(channels) < 2 {
		return // a line going home, or an agent joining alone
	}
	cb.mu.Lock()
	defer cb.mu.Unlock()
	for _, ch := range channels {
		if r := cb.byChan[ch]; r != nil && r.bridged.IsZero() {
			r.bridged = at
		}
	}
}

// counts returns how many calls were placed and ended.
func (cb *callBook) counts() (placed, ended int) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return cb.placed, cb.ended
}

// window returns copies of the calls placed in window w.
func (cb *callBook) window(w int) []callRec {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	var out []callRec
	for _, r := range cb.bySeq {
		if r.window == w {
			out = append(out, *r)
		}
	}
	return out
}

// forget drops the ended calls of window w, so a long soak keeps a bounded
// book (and window scans stay short).
func (cb *callBook) forget(w int) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	for seq, r := range cb.bySeq {
		if r.window == w && !r.ended.IsZero() {
			delete(cb.bySeq, seq)
			delete(cb.byChan, r.channel)
		}
	}
}

// placeCall makes one customer call the next tenant's DID (round robin).
// Only the placer goroutine calls it.
func (b *bench) placeCall(window int) {
	ti := b.nextTenant
	b.nextTenant = (b.nextTenant + 1) % len(b.tenants)
	t := b.tenants[ti]
	r := b.book.add(ti, window, b.ready[ti].Load() > 0, time.Now())
	ch, err := b.sim.PlaceCall(asterisksim.CallSpec{From: callerNumber(r.seq), Name: "Bench caller", DID: t.did,
		Vars: map[string]string{accountVar: fmt.Sprintf("ACC-%08d", r.seq)}})
	if err != nil {
		b.problems.add("place call: " + err.Error())
		b.book.end(r, "not placed", time.Now())
		return
	}
	b.book.setChannel(r, ch)
}

// step is one arrival rate held for a while.
type step struct {
	window   int
	rate     float64 // calls per second
	duration time.Duration
}

// stepDone is what the placer reports at the end of each step.
type stepDone struct {
	step
	began, ended time.Time
	placed       int
	prodBefore   procStats
	prodAfter    procStats
	meterBefore  meterReading
	meterAfter   meterReading
	driverBefore procStats
	driverAfter  procStats
}

// placeSteps places calls at each step's rate, evenly spaced, one step
// after the other without a pause, and reports each step's end with the
// counters around it. It stops early when ctx ends.
func (b *bench) placeSteps(ctx context.Context, steps []step, done chan<- stepDone) {
	defer close(done)
	for _, s := range steps {
		d := stepDone{step: s}
		var err error
		if d.prodBefore, err = b.prod.stats(); err != nil {
			b.problems.add("product stats: " + err.Error())
		}
		d.meterBefore, d.driverBefore = b.meter.read(), readProcStats()
		d.began = time.Now()
		interval := time.Duration(float64(time.Second) / s.rate)
		for i := 0; ; i++ {
			at := d.began.Add(time.Duration(i) * interval)
			if at.Sub(d.began) >= s.duration {
				break
			}
			if wait := time.Until(at); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			} else if ctx.Err() != nil {
				return
			}
			b.placeCall(s.window)
			d.placed++
		}
		// the step lasts its whole duration even if the last call came early
		if wait := time.Until(d.began.Add(s.duration)); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		d.ended = time.Now()
		d.meterAfter, d.driverAfter = b.meter.read(), readProcStats()
		if d.prodAfter, err = b.prod.stats(); err != nil {
			b.problems.add("product stats: " + err.Error())
		}
		select {
		case done <- d:
		case <-ctx.Done():
			return
		}
	}
}

// drain waits until every placed call has ended, up to d.
func (b *bench) drain(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		placed, ended := b.book.counts()
		if ended >= placed {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d calls did not end within %s", placed-ended, placed, d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
