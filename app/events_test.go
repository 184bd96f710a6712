package app_test

import (
	"slices"
	"testing"
	"testing/synctest"

	"github.com/ccaas/ccaas/ari"
)

// The app asks Asterisk to hold back the events it never acts on, on every
// connect: after a restart Asterisk has forgotten the filter.
func TestEventFilterOnEveryConnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		filtered := func() bool {
			allowed, disallowed := w.sim.EventFilter("ccaas")
			return len(allowed) == 0 && slices.Contains(disallowed, ari.EventChannelVarset) &&
				slices.Contains(disallowed, ari.EventChannelEnteredBridge) && !slices.Contains(disallowed, ari.EventStasisStart)
		}
		waitUntil(t, "event filter set", filtered)
		w.sim.Restart()
		waitUntil(t, "filter forgotten by the restart", func() bool { _, d := w.sim.EventFilter("ccaas"); return len(d) == 0 })
		waitUntil(t, "event filter set again", filtered)
		// and calls still work with it
		s, k := w.login("alice")
		w.ready(s, k)
		w.talk(s, k, "1400")
	})
}
