package asterisksim

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// Fault makes matching ARI requests fail or hang, to test how a client
// copes with an Asterisk that errs or stalls in the middle of a call flow.
// The events socket is never affected.
type Fault struct {
	// Method is the HTTP method to match; "" matches every method.
	Method string
	// Path is an ARI path below /ari, such as "/channels/*/moh"; each "*"
	// matches exactly one segment (an id).
	Path string
	// Status answers the request with this status and an ARI error body
	// instead of serving it: the request has no effect. 0 serves the request
	// normally (after Delay).
	Status int
	// Delay holds the request this long before it is answered. With Status
	// set, a client that gives up first (its timeout) ends the wait, and the
	// request is dropped: Asterisk never did it. With Status 0 the request is
	// served after the whole Delay even when its client is gone: a slow
	// Asterisk still does late what it was asked.
	Delay time.Duration
	// Count is how many matching requests the fault applies to: 0 means one,
	// a negative count every one until Remove.
	Count int
	// Skip lets this many matching requests through before the fault
	// applies (to fail the second of two alike requests of a flow).
	Skip int
}

// Injected is a fault armed with Inject.
type Injected struct {
	sim   *Sim
	fault Fault
	segs  []string
	left  int // requests still to hit; negative: unlimited
	skip  int // matching requests still to let through
	hits  int
	held  int // requests taken and not answered yet
}

// Inject arms a fault for the next matching requests. Faults are tried in
// the order they were injected; a request takes the first one that matches.
func (s *Sim) Inject(f Fault) *Injected {
	in := &Injected{sim: s, fault: f, segs: strings.Split(strings.Trim(f.Path, "/"), "/"), left: f.Count, skip: f.Skip}
	if in.left == 0 {
		in.left = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, in)
	s.mu.Unlock()
	return in
}

// Hits reports how many requests the fault has hit so far.
func (in *Injected) Hits() int {
	in.sim.mu.Lock()
	defer in.sim.mu.Unlock()
	return in.hits
}

// Held reports how many requests the fault has taken and not yet answered
// (those it delays): a request served late has had its effect once Held
// drops.
func (in *Injected) Held() int {
	in.sim.mu.Lock()
	defer in.sim.mu.Unlock()
	return in.held
}

// Remove disarms the fault; requests it is holding finish as armed.
func (in *Injected) Remove() {
	s := in.sim
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeFaultLocked(in)
}

func (s *Sim) removeFaultLocked(in *Injected) {
	for i, f := range s.faults {
		if f == in {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			return
		}
	}
}

func (in *Injected) matches(method string, segs []string) bool {
	if in.fault.Method != "" && !strings.EqualFold(in.fault.Method, method) {
		return false
	}
	if len(segs) != len(in.segs) {
		return false
	}
	for i, p := range in.segs {
		if p != "*" && p != segs[i] {
			return false
		}
	}
	return true
}

// takeFault returns the fault for this request, if any, and counts the hit;
// the caller calls release once the request is answered.
func (s *Sim) takeFault(method string, segs []string) *Injected {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.faults {
		if !in.matches(method, segs) {
			continue
		}
		if in.skip > 0 {
			in.skip--
			return nil
		}
		in.hits++
		in.held++
		if in.left > 0 {
			in.left--
			if in.left == 0 {
				s.removeFaultLocked(in)
			}
		}
		return in
	}
	return nil
}

func (in *Injected) release() {
	in.sim.mu.Lock()
	in.held--
	in.sim.mu.Unlock()
}

// applyFault carries out a fault on a request. It reports whether it
// answered the request; if not, the request is to be served as usual.
func (s *Sim) applyFault(w http.ResponseWriter, hr *http.Request, f *Fault) bool {
	if f.Delay > 0 {
		var clientGone <-chan struct{}
		if f.Status != 0 {
			// net/http notices a client that hung up only once the body
			// is read; the request is not served, so its body is not needed
			_, _ = io.Copy(io.Discard, io.LimitReader(hr.Body, maxRequestBody))
			clientGone = hr.Context().Done()
		}
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-clientGone:
		case <-s.stop:
		}
		t.Stop()
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	switch {
	case closed:
		writeResponse(w, fail(http.StatusServiceUnavailable, "Asterisk not booted"))
		return true
	case f.Status != 0:
		writeResponse(w, fail(f.Status, "asterisksim: injected fault: "+http.StatusText(f.Status)))
		return true
	}
	return false
}
