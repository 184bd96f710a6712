package app

import (
	"time"

	"github.com/ccaas/ccaas/ari"
)

type msgReconcile struct {
	asOf     time.Time       // when Asterisk was asked: anything newer is not judged
	channels map[string]bool // channels Asterisk had then
	bridges  map[string]bool
}

// reconcile asks Asterisk what it still has and hands that to every tenant.
// While Asterisk is still booting it asks again (503 until fully booted).
func (a *App) reconcile() {
	for attempt := range 20 {
		asOf := a.now()
		ctx, cancel := a.opContext()
		chans, err := a.ari.ListChannels(ctx)
		var bridges []ari.Bridge
		if err == nil {
			bridges, err = a.ari.ListBridges(ctx)
		}
		cancel()
		if err != nil {
			a.log.Warn("reconcile: cannot list Asterisk's channels and bridges yet", "attempt", attempt+1, "err", err)
			time.Sleep(500 * time.Millisecond)
			continue
		}
		live := make(map[string]bool, len(chans))
		for _, ch := range chans {
			live[ch.ID] = true
		}
		bset := make(map[string]bool, len(bridges))
		for _, b := range bridges {
			bset[b.ID] = true
		}
		a.mu.RLock()
		ts := a.tenantList()
		a.mu.RUnlock()
		for _, t := range ts {
			t.inbox.post(msgReconcile{asOf: asOf, channels: live, bridges: bset})
		}
		a.log.Info("reconciled with Asterisk", "channels", len(live), "bridges", len(bset))
		return
	}
	a.log.Error("reconcile gave up: Asterisk did not list its channels")
}

// reconcile ends what Asterisk no longer has and keeps what lives: a call
// whose customer is gone ends; a line that is gone is lost (its call goes
// back to the queue or ends politely) and comes back; a line whose home
// bridge is gone is provisioned again from scratch (after a restart Asterisk
// has forgotten the pushed endpoint too), with the same SIP account so the
// browser phone's credentials stay valid. No agent stays in a call that does
// not exist. Only what existed before Asterisk was asked is judged: a call
// or a line that began since is not in the lists and is fine.
func (t *tenant) reconcile(m msgReconcile) {
	for _, c := range t.calls {
		if c.customer != "" && c.customerUp && c.arrived.Before(m.asOf) && !m.channels[c.customer] {
			delete(t.byChan, c.customer)
			t.log.Warn("reconcile: the customer's channel is gone", "call", c.id)
			t.callerGone(c, endCallerHangup)
		}
	}
	for _, ag := range t.agents {
		l := &ag.line
		if ag.session == nil || l.endpoint == "" {
			continue
		}
		if ch := l.channel; ch != "" && t.lines[ch] == ag && l.originated.Before(m.asOf) && !m.channels[ch] {
			delete(t.lines, ch)
			t.log.Warn("reconcile: the agent's line is gone", "agent", ag.cfg.Username)
			t.lineLost(ag, ch)
		}
		if l.provisioned.Before(m.asOf) && !m.bridges[l.home] {
			t.log.Warn("reconcile: the agent's home bridge is gone; provisioning the line again", "agent", ag.cfg.Username)
			t.provisionLine(ag)
		}
	}
}
