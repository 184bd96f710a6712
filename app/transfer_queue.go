package app

import (
	"context"
	"fmt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
)

// transferToQueue hands the customer blind to another queue of the tenant:
// the agent is released at once (to wrapup after an inbound queue call
// they answered, as after a blind transfer to an agent), the call's bridge
// goes, and the customer waits in the new queue with its music. The call
// keeps its original arrival time, as after an overflow: it is served
// before callers who arrived later, so a customer who already waited and
// talked does not start again at the back. The new queue's maximum wait
// counts from the transfer. Its attached data goes with it, and its offers
// say who transferred it (transferredBy).
func (t *tenant) transferToQueue(ag *agent, id ccaas.CallID, qid ccaas.QueueID) error {
	c, l, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	if err := t.transferable(c, l); err != nil {
		return err
	}
	q := t.queues[qid] // only the tenant's own: another tenant's id is no queue here
	switch {
	case q == nil:
		return fmt.Errorf("%w: there is no such queue; pick one from the directory", ErrNotAllowed)
	case c.queue == q:
		return fmt.Errorf("%w: the call came through %s already; pick another queue", ErrNotAllowed, q.Name)
	}
	c.endHold(t.now())
	c.transfers++
	c.transferredBy = &cti.AgentRef{Name: ag.cfg.Name, Extension: ag.cfg.Extension}
	t.log.Info("transfer to a queue", "call", c.id, "from", ag.cfg.Username, "queue", q.Name)
	t.emit(event.CallTransferred{At: t.now(), Call: c.id, From: ag.cfg.ID, Queue: q.ID, QueueName: q.Name})
	t.release(c, l, ccaas.EndTransferred) // the agent's line leaves the bridge first
	wasIn, bridge, customer := c.customerIn, c.bridge, c.customer
	c.bridge, c.customerIn, c.direct = "", false, false
	t.exec(&c.ops, "customer leaves for another queue", func(ctx context.Context) error {
		if wasIn {
			if err := ignoreNotInBridge(t.app.ari.RemoveChannel(ctx, bridge, customer)); err != nil {
				return err
			}
		}
		return ignoreGone(t.app.ari.DestroyBridge(ctx, bridge))
	}, nil) // the music of the new queue follows either way; a failure there says goodbye
	hadQueue := c.queue != nil
	t.wait(c, q) // the music of the new queue, after the bridge went
	if !hadQueue {
		t.startMusic(c, "music of the queue", nil) // wait plays the music of a change of queue only
	}
	return nil
}
