package app

import (
	"context"
	"errors"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/queue"
)

// Callbacks that keep their place. A waiting caller who presses 1 (once the
// queue offered it) confirms or keys in the number to call (menu.go); the
// callback is written to the store, and only then does the caller hear it
// was taken and hang up. The callback waits in the queue with the caller's
// arrival time and the queue's priority, as a call of its own
// (direction callback) that the router offers to a Ready agent. On Answer
// the app dials the customer through the tenant's trunk and bridges the
// agent's line, which hears ringing meanwhile (tasks.go). A customer who
// is busy or does not answer is dialled again after the queue's retry
// time, at most its number of attempts; then the callback ends as failed.
// Callbacks are rows: those waiting are queued again when ccaas starts.

// callbackArg is the Stasis argument of a customer called back.
const callbackArg = "callback"

// callbackTask is a callback not done yet.
type callbackTask struct {
	cb    ccaas.Callback
	call  *call       // the call that carries it to the agents
	retry *time.Timer // the wait before the next attempt
	ops   serial      // its store writes, in order
}

// saveCallback writes the caller's callback; once it is stored the caller
// hears it was taken and the call ends, the callback keeping its place.
func (t *tenant) saveCallback(c *call, number string) {
	m := c.menu
	m.step = stepSaving
	now := t.now()
	cb := ccaas.Callback{
		ID: ccaas.CallbackID(newID(kindCall, t.cfg.Tenant.ID)), Tenant: t.cfg.Tenant.ID, Queue: c.queue.ID, QueueName: c.queue.Name,
		Call: c.id, Number: number, Name: c.caller.Name, Data: modelData(c.data), Arrived: c.arrived, Requested: now,
		State: ccaas.CallbackWaiting,
	}
	if cb.Name == "" || number != c.caller.Number {
		cb.Name = "" // a name belongs to the caller's own number only
	}
	t.log.Info("callback: writing it", "call", c.id, "callback", cb.ID)
	t.store(&c.ops, "create callback", func(ctx context.Context, st ccaas.Store) error { return st.CreateCallback(ctx, cb) }, func(err error) {
		switch {
		case err != nil && c.state == callWaiting && c.customerUp && c.menu == m:
			t.leaveMenu(c, promptCallbackFailed)
		case err != nil:
		case c.state == callWaiting && c.customerUp && c.menu == m:
			c.menu = nil
			t.emit(event.CallLeftWithKey{At: t.now(), Call: c.id, Key: "1", Position: t.position(c)})
			t.queueCallback(cb, true)
			t.goodbyeWith(c, ccaas.EndCallback, promptCallbackThanks)
		case !c.customerUp || c.state == callEnded && c.endReason == ccaas.EndCallerHangup:
			// the caller hung up before the confirmation: what they asked
			// for is stored, and kept
			t.queueCallback(cb, true)
		default:
			// an agent took the call meanwhile: the callback is not needed
			cb.State, cb.Ended = ccaas.CallbackCancelled, t.now()
			t.store(&serial{}, "cancel callback", func(ctx context.Context, st ccaas.Store) error { return st.UpdateCallback(ctx, cb) }, nil)
		}
	})
}

// modelData is a call's attached data in the model's type.
func modelData(data []cti.DataItem) []ccaas.DataItem {
	out := make([]ccaas.DataItem, len(data))
	for i, d := range data {
		out[i] = ccaas.DataItem{Key: d.Key, Value: d.Value}
	}
	return out
}

func ctiData(data []ccaas.DataItem) []cti.DataItem {
	out := make([]cti.DataItem, len(data))
	for i, d := range data {
		out[i] = cti.DataItem{Key: d.Key, Value: d.Value}
	}
	return out
}

// queueCallback puts a callback in its queue with the caller's arrival
// time (new: told to the projections as queued), or waits for its retry
// time first.
func (t *tenant) queueCallback(cb ccaas.Callback, isNew bool) {
	q := t.queues[cb.Queue]
	if q == nil {
		t.log.Warn("callback of a removed queue: cancelled", "callback", cb.ID, "queue", cb.QueueName)
		cb.State, cb.Ended = ccaas.CallbackCancelled, t.now()
		t.store(&serial{}, "cancel callback", func(ctx context.Context, st ccaas.Store) error { return st.UpdateCallback(ctx, cb) }, nil)
		return
	}
	task := &callbackTask{cb: cb}
	c := &call{
		id: ccaas.CallID(cb.ID), direction: ccaas.DirCallback, caller: callerOf(cb.Number, cb.Name), queue: q,
		arrived: cb.Arrived, enteredQueue: cb.Requested, data: ctiData(cb.Data), callback: task,
	}
	task.call = c
	t.room.callbacks[cb.ID] = task
	t.calls[c.id] = c
	if isNew {
		t.emit(event.CallbackQueued{At: t.now(), Callback: cb})
	}
	if wait := cb.NextAt.Sub(t.now()); wait > 0 {
		t.callbackAside(c, wait)
		return
	}
	t.enqueueTask(c)
}

// enqueueTask puts a callback or a voicemail at its place in its queue.
func (t *tenant) enqueueTask(c *call) {
	c.state = callWaiting
	c.direct = false
	t.router.Enqueue(queue.CallID(c.id), queue.ID(c.queue.ID), c.arrived)
}

// callbackAside: a callback waits out its retry time out of the queue.
func (t *tenant) callbackAside(c *call, wait time.Duration) {
	task := c.callback
	c.state = callAside
	t.router.Remove(queue.CallID(c.id))
	id := task.cb.ID
	task.retry = time.AfterFunc(wait, func() { t.inbox.post(msgCallbackRetry{id: id}) })
}

type msgCallbackRetry struct{ id ccaas.CallbackID }

func (m msgCallbackRetry) handleIn(t *tenant) {
	task := t.room.callbacks[m.id]
	if task == nil || task.call.state != callAside {
		return
	}
	t.log.Info("callback: back in its queue for another attempt", "callback", m.id, "attempts", task.cb.Attempts)
	t.enqueueTask(task.call)
}

// callbackAttemptEnded: the customer was not reached (busy, no answer, a
// failure). The callback waits for its next attempt, or ends as failed.
func (t *tenant) callbackAttemptEnded(c *call, reason string) {
	task := c.callback
	cb := &task.cb
	q := c.queue
	now := t.now()
	if cb.Attempts < max(q.CallbackAttempts, 1) {
		cb.NextAt = now.Add(time.Duration(q.CallbackRetrySeconds) * time.Second)
		t.log.Info("callback: customer not reached; trying again later", "callback", cb.ID, "reason", reason, "attempt", cb.Attempts, "at", cb.NextAt)
		t.emit(event.CallbackEnded{At: now, Callback: *cb, Retry: cb.NextAt})
		t.writeCallback(task)
		c.customer, c.customerUp, c.customerIn, c.bridge, c.state = "", false, false, "", callAside
		t.callbackAside(c, cb.NextAt.Sub(now))
		return
	}
	t.log.Info("callback: customer not reached after every attempt", "callback", cb.ID, "attempts", cb.Attempts)
	cb.State, cb.Ended = ccaas.CallbackFailed, now
	t.finishCallback(task)
	c.customer = ""
	t.end(c, reason)
	t.armCallTimers(c)
	delete(t.calls, c.id)
}

// finishCallback writes a callback's end and forgets it.
func (t *tenant) finishCallback(task *callbackTask) {
	if task.retry != nil {
		task.retry.Stop()
	}
	delete(t.room.callbacks, task.cb.ID)
	t.emit(event.CallbackEnded{At: t.now(), Callback: task.cb})
	t.writeCallback(task)
}

func (t *tenant) writeCallback(task *callbackTask) {
	cb := task.cb
	t.store(&task.ops, "update callback", func(ctx context.Context, st ccaas.Store) error { return st.UpdateCallback(ctx, cb) }, nil)
}

// loadTasks queues the tenant's callbacks and voicemails that wait, as
// the store has them: at start, after a restart of ccaas.
func (a *App) loadTasks(ctx context.Context, t *tenant) error {
	cbs, err := a.store.OpenCallbacks(ctx, t.cfg.Tenant.ID)
	if err != nil {
		return err
	}
	vms, err := a.store.OpenVoicemails(ctx, t.cfg.Tenant.ID)
	if err != nil {
		return err
	}
	t.inbox.post(msgLoadTasks{callbacks: cbs, voicemails: vms})
	return nil
}

type msgLoadTasks struct {
	callbacks  []ccaas.Callback
	voicemails []ccaas.Voicemail
}

func (m msgLoadTasks) handleIn(t *tenant) {
	for _, cb := range m.callbacks {
		if _, known := t.room.callbacks[cb.ID]; !known {
			t.queueCallback(cb, true)
		}
	}
	for _, vm := range m.voicemails {
		if _, known := t.room.voicemails[vm.ID]; !known && vm.Recording != "" {
			t.queueVoicemail(vm)
		}
	}
	if n := len(m.callbacks) + len(m.voicemails); n > 0 {
		t.log.Info("callbacks and voicemails waiting since before a restart queued again", "callbacks", len(m.callbacks), "voicemails", len(m.voicemails))
	}
}

var errNoNumber = errors.New("the caller's number cannot be dialled")
