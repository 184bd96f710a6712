package app

import (
	"context"
	"strings"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
)

type msgReconcile struct {
	asOf      time.Time       // when Asterisk was asked: anything newer is not judged
	channels  map[string]bool // channels Asterisk had then
	bridges   map[string]bool
	endpoints map[string]bool // PJSIP endpoints, by name
}

// reconcile asks Asterisk what it still has and hands that to every tenant.
// While Asterisk is still booting it asks again (503 until fully booted).
func (a *App) reconcile() {
	for attempt := range 20 {
		asOf := a.now()
		ctx, cancel := a.opContext()
		chans, err := a.ari.ListChannels(ctx)
		var (
			bridges   []ari.Bridge
			endpoints []ari.Endpoint
		)
		if err == nil {
			bridges, err = a.ari.ListBridges(ctx)
		}
		if err == nil {
			endpoints, err = a.ari.ListEndpoints(ctx)
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
		eps := make(map[string]bool, len(endpoints))
		for _, e := range endpoints {
			if e.Technology == "PJSIP" {
				eps[e.Resource] = true
			}
		}
		a.mu.RLock()
		ts := a.tenantList()
		a.mu.RUnlock()
		for _, t := range ts {
			t.inbox.post(msgReconcile{asOf: asOf, channels: live, bridges: bset, endpoints: eps})
		}
		a.log.Info("reconciled with Asterisk", "channels", len(live), "bridges", len(bset))
		return
	}
	a.log.Error("reconcile gave up: Asterisk did not list its channels")
}

// reconcile ends what Asterisk no longer has and keeps what lives: a call
// whose customer is gone ends; a line that is gone is lost (its call goes
// back to the queue or ends politely) and comes back; a line whose pushed
// endpoint is gone (after a restart Asterisk has forgotten it) is
// provisioned again from scratch, with the same SIP account so the browser
// phone's credentials stay valid. No agent stays in a call that does
// not exist. Only what existed before Asterisk was asked is judged: a call
// or a line that began since is not in the lists and is fine.
func (t *tenant) reconcile(m msgReconcile) {
	for _, c := range t.calls {
		if c.customer != "" && c.customerUp && c.arrived.Before(m.asOf) && !m.channels[c.customer] {
			delete(t.byChan, c.customer)
			t.log.Warn("reconcile: the customer's channel is gone", "call", c.id)
			t.callerGone(c, ccaas.EndCallerHangup)
		}
	}
	for _, ag := range t.agents {
		// listening in that lost its snoop or bridge ends; the supervisor
		// may start again (a watch whose step is still under way is left be)
		if w := ag.watch; w != nil && w.active && w.activeAt.Before(m.asOf) && (w.snoop != "" && !m.channels[w.snoop] || w.bridge != "" && !m.bridges[w.bridge]) {
			t.stopWatch(ag, "failed")
		}
		l := &ag.line
		if ag.session == nil || l.endpoint == "" {
			continue
		}
		if ch := l.channel; ch != "" && t.lines[ch] == ag && l.originated.Before(m.asOf) && !m.channels[ch] {
			delete(t.lines, ch)
			t.log.Warn("reconcile: the agent's line is gone", "agent", ag.cfg.Username)
			t.lineLost(ag, ch)
		}
		if l.provisioned.Before(m.asOf) && !m.endpoints[l.endpoint] {
			t.log.Warn("reconcile: the agent's SIP account is gone; provisioning the line again", "agent", ag.cfg.Username)
			t.provisionLine(ag)
		}
	}
}

// msgAdopt hands a tenant every caller found in Stasis at once: queued in
// one input, they keep their order among themselves whatever order Asterisk
// listed them in, even if an agent is already Ready.
type msgAdopt struct{ callers []adoptee }

type adoptee struct {
	channel ari.Channel
	did     string
}

// adopt runs once, when the app first reaches Asterisk: customers left in
// Stasis by an earlier run of the app (it restarted) are found again and
// queued with their original arrival time, so they keep their place; lines
// and bridges of that earlier run are removed (its sessions are gone, and
// agents log in again).
func (a *App) adopt() {
	ctx, cancel := a.opContext()
	defer cancel()
	chans, err := a.ari.ListChannels(ctx)
	if err != nil {
		a.log.Warn("adopt: cannot list Asterisk's channels", "err", err)
		return
	}
	bridges, err := a.ari.ListBridges(ctx)
	if err != nil {
		a.log.Warn("adopt: cannot list Asterisk's bridges", "err", err)
		return
	}
	// what this process made already (an agent who logged in at once) is not
	// the old process's: everything it made before the lists is known now
	mine := a.knownIDs(ctx)
	// first what the old process left of its sessions, so that callers are
	// out of its bridges before they are queued again
	for _, ch := range chans {
		if (isOurs(ch.ID, kindLine) || isOurs(ch.ID, kindSnoop)) && !mine[ch.ID] {
			if err := ignoreGone(a.ari.Hangup(ctx, ch.ID, "")); err != nil {
				a.log.Warn("adopt: hang up an old line", "channel", ch.ID, "err", err)
			}
		}
	}
	for _, b := range bridges {
		if (isOurs(b.ID, kindHomeBridge) || isOurs(b.ID, kindCallBridge) || isOurs(b.ID, kindMonitorBridge)) && !mine[b.ID] {
			if err := ignoreGone(a.ari.DestroyBridge(ctx, b.ID)); err != nil {
				a.log.Warn("adopt: destroy an old bridge", "bridge", b.ID, "err", err)
			}
		}
	}
	prefix := a.cfg.Application + ",inbound,"
	adopted := 0
	found := make(map[*tenant][]adoptee)
	for _, ch := range chans {
		if ch.Dialplan.AppName != "Stasis" || !strings.HasPrefix(ch.Dialplan.AppData, prefix) {
			continue
		}
		did := strings.TrimPrefix(ch.Dialplan.AppData, prefix)
		a.mu.RLock()
		tid, ok := a.dids[did]
		a.mu.RUnlock()
		if t := a.tenant(tid); ok && t != nil {
			a.adoptCustomer(ch.ID, tid)
			found[t] = append(found[t], adoptee{channel: ch, did: did})
			adopted++
		}
	}
	for t, callers := range found {
		t.inbox.post(msgAdopt{callers: callers})
	}
	if adopted > 0 {
		a.log.Info("found callers from before a restart", "calls", adopted)
	}
}

func isOurs(id, kind string) bool {
	_, ok := tenantOfID(id)
	return ok && strings.HasPrefix(id, kind)
}

// adoptCustomer registers an adopted customer's channel for event routing.
// It runs on its own goroutine, not the events reader's, so it takes the lock.
func (a *App) adoptCustomer(channel string, tid ccaas.TenantID) {
	a.adoptMu.Lock()
	a.adopted[channel] = tid
	a.adoptMu.Unlock()
}

// adopt queues the customers found in Stasis after a restart, each at their
// old place.
func (t *tenant) adopt(m msgAdopt) {
	for _, c := range m.callers {
		t.adoptCaller(c)
	}
}

func (t *tenant) adoptCaller(m adoptee) {
	if _, known := t.byChan[m.channel.ID]; known {
		return
	}
	q := t.dids[m.did]
	if q == nil {
		return
	}
	arrived := m.channel.CreationTime.Time
	if arrived.IsZero() {
		arrived = t.now()
	}
	c := &call{
		id:         ccaas.CallID(newID(kindCall, t.cfg.Tenant.ID)),
		direction:  ccaas.DirInbound,
		customer:   m.channel.ID,
		customerUp: true,
		caller:     m.channel.Caller,
		did:        m.did,
		queue:      q,
		arrived:    arrived,
		data:       []cti.DataItem{},
	}
	for _, v := range t.cfg.Variables {
		c.data = append(c.data, cti.DataItem{Key: v.Key, Value: m.channel.ChannelVars[v.Variable]})
	}
	c.adopted = true // already waiting: not a new entry into the queue
	t.calls[c.id] = c
	t.byChan[c.customer] = c
	t.log.Info("caller from before a restart queued again", "call", c.id, "caller", c.caller.Number, "waiting since", arrived)
	customer, class := c.customer, q.MOHClass
	t.exec(&c.ops, "music for an adopted caller", func(ctx context.Context) error {
		return t.app.ari.StartMOH(ctx, customer, class) // it may have been talking when the old process died
	}, nil)
	t.wait(c, q)
}

type msgKnownIDs struct {
	out  map[string]bool
	done chan error
}

// knownIDs are the channels and bridges this process's tenants made.
func (a *App) knownIDs(ctx context.Context) map[string]bool {
	a.mu.RLock()
	ts := a.tenantList()
	a.mu.RUnlock()
	all := make(map[string]bool)
	for _, t := range ts {
		ids := make(map[string]bool)
		if err := t.ask(ctx, func(done chan error) any { return msgKnownIDs{out: ids, done: done} }); err != nil {
			a.log.Warn("adopt: a tenant did not say what it made", "tenant", t.cfg.Tenant.Domain, "err", err)
		}
		for id := range ids {
			all[id] = true
		}
	}
	return all
}

func (t *tenant) knownIDs(out map[string]bool) {
	for _, ag := range t.agents {
		if id := ag.line.channel; id != "" {
			out[id] = true
		}
		if w := ag.watch; w != nil && w.bridge != "" {
			out[w.bridge] = true
		}
	}
	for _, c := range t.calls {
		if c.bridge != "" {
			out[c.bridge] = true
		}
	}
	for id := range t.snoops {
		out[id] = true
	}
}
