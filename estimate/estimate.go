// Package estimate tells a waiting caller how long they will wait. It is
// pure logic: the caller feeds it the queue's handle times and asks with
// what the queue is doing now.
//
// # Method
//
// A queue keeps an exponentially weighted moving average H of the handle
// time (talk, hold and wrapup) of its answered calls: each call moves H a
// fifth of the way to its own time (Alpha), so H follows the last ten or so
// calls and forgets a morning's long calls by the afternoon. Before the
// queue's first call, H is Prior.
//
// A caller at position p (1: next) of a queue with n working members (Ready
// or busy with a call or wrapup; Not Ready members take no calls) of whom r
// are Ready now waits for the p−r calls ahead of them that need an agent to
// come free: with n agents busy, one comes free every H/n on average, so the
// estimate is
//
//	wait = max(p − r, 0) × H / n
//
// With no working member there is no estimate (nobody may ever answer).
// The test TestSimulatedDay compares this with the waits of a simulated
// day's callers.
package estimate

import "time"

// Alpha is the weight of a new call's handle time in the average.
const Alpha = 0.2

// Prior is the handle time assumed before a queue's first call.
const Prior = 3 * time.Minute

// Handle is the moving average of a queue's handle times. The zero value is
// Prior until the first Add.
type Handle struct {
	avg   float64 // seconds
	calls int
}

// Add counts one answered call's handle time.
func (h *Handle) Add(d time.Duration) {
	if d < 0 {
		return
	}
	if h.calls == 0 {
		h.avg = d.Seconds()
	} else {
		h.avg += Alpha * (d.Seconds() - h.avg)
	}
	h.calls++
}

// Average is the current average handle time (Prior before any call).
func (h Handle) Average() time.Duration {
	if h.calls == 0 {
		return Prior
	}
	return time.Duration(h.avg * float64(time.Second))
}

// Calls is how many calls the average has seen.
func (h Handle) Calls() int { return h.calls }

// Wait estimates the wait of a caller at position (1: next) of a queue with
// working members, ready of them Ready, and an average handle time; false
// when no member works (no estimate).
func Wait(position, ready, working int, handle time.Duration) (time.Duration, bool) {
	if working <= 0 || position <= 0 {
		return 0, false
	}
	ahead := max(position-ready, 0)
	return time.Duration(int64(ahead) * int64(handle) / int64(working)), true
}

// Minutes is a wait as a caller hears it, "about N minutes": rounded up to
// whole minutes, never 0 (a caller about to be served still waits a moment).
func Minutes(d time.Duration) int {
	m := int((d + time.Minute - 1) / time.Minute)
	return max(m, 1)
}
