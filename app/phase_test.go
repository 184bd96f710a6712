package app_test

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari/asterisksim"
)

// phases collects what app.Config.ObservePhase is told.
type phases struct {
	mu  sync.Mutex
	got map[string][]time.Duration
}

func (p *phases) observe(phase string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.got == nil {
		p.got = map[string][]time.Duration{}
	}
	p.got[phase] = append(p.got[phase], d)
}

func (p *phases) of(phase string) []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Duration(nil), p.got[phase]...)
}

// phaseWorld is a world whose app tells p the phases it times, with alice
// logged in.
func phaseWorld(t *testing.T, p *phases) (*world, *app.Session, *sink) {
	t.Helper()
	w := newWorld(t, worldOpts{observePhase: p.observe})
	s, k := w.login("alice")
	return w, s, k
}

// TestPhasesOfAQueueCall: a caller who finds an agent Ready is timed from
// StasisStart to the offer, and the agent's Answer to the connection.
func TestPhasesOfAQueueCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var p phases
		w, s, k := phaseWorld(t, &p)
		w.ready(s, k)
		answer := w.sim.Inject(asterisksim.Fault{Method: "POST", Path: "/bridges/*/addChannel", Delay: 20 * time.Millisecond})
		cust := w.place(t, "100")
		offer := offerIn(t, k)
		w.answerAndTalk(t, s, k, offer, cust)
		if answer.Hits() != 1 {
			t.Fatalf("addChannel made %d times, want 1", answer.Hits())
		}
		if got := p.of(app.PhaseOffer); len(got) != 1 {
			t.Errorf("StasisStart → offer %v, want one", got)
		}
		if got := p.of(app.PhaseConnect); len(got) != 1 || got[0] < 20*time.Millisecond {
			t.Errorf("Answer → connected %v, want one of at least 20 ms (addChannel held that long)", got)
		}
		w.sim.Hangup(cust)
		endedWith(t, k, "caller_hangup")
	})
}

// TestOfferedWhileAsteriskAnswersTheCaller: a caller who finds an agent
// Ready is offered at once, while Asterisk is still answering them; the
// call bridge is made while the offer rings; an agent who answers before
// the caller's answer is done is connected right after it, and the caller
// never hears music. Both phases are timed on the app's clock.
func TestOfferedWhileAsteriskAnswersTheCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var p phases
		w, s, k := phaseWorld(t, &p)
		w.ready(s, k)
		answer := w.sim.Inject(asterisksim.Fault{Method: "POST", Path: "/channels/*/answer", Delay: 100 * time.Millisecond})
		music := w.sim.Inject(asterisksim.Fault{Method: "POST", Path: "/channels/*/moh", Count: -1})
		bridges := w.sim.Inject(asterisksim.Fault{Method: "POST", Path: "/bridges", Count: -1})
		cust := w.place(t, "100")
		offer := offerIn(t, k)
		synctest.Wait() // the answer's request reaches the simulator; the clock stands still
		if answer.Held() != 1 {
			t.Fatalf("offered after Asterisk answered the caller (answers held: %d)", answer.Held())
		}
		waitUntil(t, "the call bridge made while the offer rings", func() bool { return bridges.Hits() == 1 })
		w.answerAndTalk(t, s, k, offer, cust)
		if music.Hits() != 0 || bridges.Hits() != 1 {
			t.Errorf("music started %d times, bridges made %d times; want 0 and 1", music.Hits(), bridges.Hits())
		}
		if got := p.of(app.PhaseOffer); len(got) != 1 || got[0] != 0 {
			t.Errorf("StasisStart → offer %v, want one at once (0 on the fake clock)", got)
		}
		// the Answer waited for Asterisk's answer of the caller (100 ms)
		if got := p.of(app.PhaseConnect); len(got) != 1 || got[0] < 100*time.Millisecond || got[0] > 110*time.Millisecond {
			t.Errorf("Answer → connected %v, want one of about 100 ms", got)
		}
		w.sim.Hangup(cust)
		endedWith(t, k, "caller_hangup")
	})
}

// TestAnswerAfterMusic: a caller who waited with music is connected with
// the music stopped, and only a caller who found an agent Ready on arrival
// counts for StasisStart → offer.
func TestAnswerAfterMusic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var p phases
		w, s, k := phaseWorld(t, &p)
		cust := w.place(t, "100") // nobody Ready: waits with music
		w.onMusic(t, cust)
		time.Sleep(3 * time.Second)
		w.ready(s, k)
		offer := offerIn(t, k)
		w.onMusic(t, cust)
		w.answerAndTalk(t, s, k, offer, cust)
		if got := p.of(app.PhaseOffer); len(got) != 0 {
			t.Errorf("StasisStart → offer %v for a caller who waited in the queue, want none", got)
		}
		if got := p.of(app.PhaseConnect); len(got) != 1 {
			t.Errorf("Answer → connected %v, want one", got)
		}
		w.sim.Hangup(cust)
		endedWith(t, k, "caller_hangup")
	})
}
