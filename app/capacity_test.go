package app_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
)

// TestCallersBeyondTheLimitGetBusy: with room for two calls, a third caller
// is refused at once with busy, before anything is done for them; the calls
// already there go on; the refusal is counted for /metrics and on the team
// view of the day; once a call ends, callers are taken again.
func TestCallersBeyondTheLimitGetBusy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   worldOpts
		reason string
	}{
		{name: "node", opts: worldOpts{maxCalls: 2}, reason: event.RefusedNode},
		{name: "tenant", opts: worldOpts{maxTenantCalls: 2}, reason: event.RefusedTenant},
		{name: "both, the node's first", opts: worldOpts{maxCalls: 2, maxTenantCalls: 2}, reason: event.RefusedNode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := supervisedWorld(t, tc.opts)
				_, kc, snap := w.loginWith("carol")
				board := newBoard(snap.Team)
				answers := w.sim.Inject(asterisksim.Fault{Method: "POST", Path: "/channels/*/answer", Count: -1})
				s, k := w.login("alice")
				w.ready(s, k)
				first, firstCust := w.talk(s, k, "100")
				second := w.place(t, "101") // waits: alice talks
				w.onMusic(t, second)
				third := w.place(t, "102")
				w.hungUp(t, third)
				if cause, ok := w.sim.EndCause(third); !ok || cause != 17 {
					t.Fatalf("the third caller's channel ended with cause %d (seen %v), want 17 (busy)", cause, ok)
				}
				if answers.Hits() != 2 {
					t.Fatalf("%d callers answered, want 2: the refused one must cost nothing but the busy", answers.Hits())
				}
				w.onMusic(t, second) // the calls already there go on
				board.until(t, kc, "one refused today", func(b *teamBoard) bool { return b.queues["Support"].Today.Refused == 1 })
				if d := board.queues["Support"].Today; d.Offered != 0 {
					t.Fatalf("today %+v: a refused caller is not an offered call", d)
				}
				stats, err := w.app.Stats(context.Background())
				if err != nil || len(stats) != 1 || stats[0].Refused[tc.reason] != 1 || len(stats[0].Refused) != 2 {
					t.Fatalf("stats %+v, %v: want one refused for %s", stats, err, tc.reason)
				}

				// the first call ends (it counts until Asterisk has hung its
				// caller up): the next caller is taken again
				ok(t, w, s, k, cti.Command{Cmd: cti.CmdHangup, Call: first})
				k.state(t, "ready")
				w.hungUp(t, firstCust)
				offer := offerIn(t, k)
				if offer.Call.Caller.Number != "101" {
					t.Fatalf("offered %q, want the waiting 101", offer.Call.Caller.Number)
				}
				w.app.Command(s, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
				k.call(t, "connected")
				fourth := w.place(t, "103")
				w.onMusic(t, fourth)
				if stats, _ := w.app.Stats(context.Background()); stats[0].Refused[tc.reason] != 1 {
					t.Fatalf("refused %v after a call ended, want still 1", stats[0].Refused)
				}
			})
		})
	}
}
