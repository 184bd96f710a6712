package app

import (
	"context"
	"fmt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/queue"
)

// Reload reads a tenant's configuration again and applies it to the running
// tenant without a restart (a new tenant starts its loop). Calls in progress
// keep going; a changed wrapup time applies to the agent's next call; a
// removed agent who is logged in is logged out, and so is one whose password
// or role changed; calls waiting in a removed queue are ended politely.
func (a *App) Reload(ctx context.Context, id ccaas.TenantID) error {
	cfg, err := a.store.TenantConfig(ctx, id)
	if err != nil {
		return fmt.Errorf("reload tenant %d: %w", id, err)
	}
	a.mu.Lock()
	t := a.tenants[id]
	for did, tid := range a.dids {
		if tid == id {
			delete(a.dids, did)
		}
	}
	for _, q := range cfg.Queues {
		for _, did := range q.DIDs {
			a.dids[did] = id
		}
	}
	running := a.running
	a.mu.Unlock()
	if t == nil {
		a.addTenant(cfg)
		if err := a.loadTasks(ctx, a.tenant(id)); err != nil {
			return fmt.Errorf("reload tenant %d: %w", id, err)
		}
		if running {
			a.startLoop(a.tenant(id))
		}
		return nil
	}
	return t.ask(ctx, func(done chan error) any { return msgReload{cfg: cfg, done: done} })
}

type msgReload struct {
	cfg  ccaas.TenantConfig
	done chan error
}

// reload applies a new configuration inside the tenant loop.
func (t *tenant) reload(cfg ccaas.TenantConfig) {
	t.cfg.Tenant, t.cfg.Settings, t.cfg.Reasons, t.cfg.Variables = cfg.Tenant, cfg.Settings, cfg.Reasons, cfg.Variables
	t.cfg.Webhooks, t.cfg.Deleted = cfg.Webhooks, cfg.Deleted
	// t.log stays: a tenant's domain never changes, and operations running
	// outside the loop log with it (making a new one here raced with them)
	t.setScreenPop(cfg)

	t.room.reload(cfg)
	// queues: update in place (waiting calls hold pointers to them), add new ones
	keep := make(map[ccaas.QueueID]bool)
	t.dids = make(map[string]*ccaas.Queue)
	for _, nq := range cfg.Queues {
		keep[nq.ID] = true
		q := t.queues[nq.ID]
		if q == nil {
			q = new(ccaas.Queue)
			t.queues[nq.ID] = q
		}
		*q = nq
		for _, did := range q.DIDs {
			t.dids[did] = q
		}
		t.router.SetQueue(t.queueConfig(q))
	}
	for id, q := range t.queues {
		if keep[id] {
			continue
		}
		delete(t.queues, id)
		t.room.queueRemoved(id)
		for _, cid := range t.router.RemoveQueue(queue.ID(id)) {
			if c := t.calls[ccaas.CallID(cid)]; c != nil && !t.taskQueueRemoved(c) {
				t.log.Info("queue removed; waiting call ended politely", "queue", q.Name, "call", c.id)
				t.goodbye(c, ccaas.EndFailed)
			}
		}
	}

	// agents: new records, new memberships; removed agents are logged out,
	// and so are agents whose password or role changed since their login
	present := make(map[ccaas.AgentID]bool)
	var changed []*agent
	for _, na := range cfg.Agents {
		present[na.ID] = true
		ag := t.agents[na.ID]
		if ag == nil {
			ag = &agent{}
			t.agents[na.ID] = ag
		}
		if s := ag.session; s != nil && (s.Agent.PasswordHash != na.PasswordHash || s.Agent.Role != na.Role) {
			changed = append(changed, ag)
		}
		ag.cfg = na
		ag.queues = nil
	}
	for _, q := range cfg.Queues {
		for _, m := range q.Members {
			if ag := t.agents[m.Agent]; ag != nil {
				ag.queues = append(ag.queues, queue.Membership{Queue: queue.ID(q.ID), Skill: m.Skill})
			}
		}
	}
	for id, ag := range t.agents {
		if present[id] {
			t.syncRouting(ag)
			continue
		}
		if ag.session != nil {
			t.endSession(ag, cti.ByeRemoved)
		}
		delete(t.agents, id)
	}
	for _, ag := range changed {
		t.log.Info("session ended: the agent's password or role changed", "agent", ag.cfg.Username)
		t.endSession(ag, cti.ByeAccount)
	}
	// listening in on an agent who is no longer led ends
	for _, ag := range t.agents {
		if w := ag.watch; w != nil && !ag.cfg.Supervises(w.target.cfg) {
			t.stopWatch(ag, "stopped")
		}
	}
	t.codesChanged() // a wrapup waiting for a code nobody can give any more ends (disposition.go)
	t.emit(event.Configured{At: t.now(), Config: cfg})
	t.hoursChanged(true)
}
