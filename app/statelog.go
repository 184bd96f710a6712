package app

import (
	"context"
	"time"

	"github.com/ccaas/ccaas/wrapup"
)

// stateLog appends agent state transitions to the store from its own
// goroutine, in batches, so a slow disk never holds up a tenant loop.
type stateLog struct {
	app   *App
	inbox *mailbox
}

func (a *App) logState(tenant TenantID, agent AgentID, tr wrapup.Transition) {
	a.states.inbox.post(StateChange{
		Tenant: tenant, Agent: agent, At: tr.At,
		From: tr.From.String(), To: tr.To.String(), Reason: tr.Reason, Pending: tr.Pending, Cause: tr.Input.String(),
	})
}

// run writes until ctx ends, then writes what is left.
func (l *stateLog) run(ctx context.Context) {
	for {
		select {
		case <-l.inbox.signal:
			l.flush()
		case <-ctx.Done():
			l.flush()
			return
		}
	}
}

func (l *stateLog) flush() {
	items := l.inbox.drain()
	if len(items) == 0 {
		return
	}
	changes := make([]StateChange, len(items))
	for i, it := range items {
		changes[i] = it.(StateChange)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.app.store.AppendStateLog(ctx, changes); err != nil {
		l.app.log.Error("agent state log lost rows", "rows", len(changes), "err", err)
	}
}
