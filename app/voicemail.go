package app

import (
	"context"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/queue"
)

// Voicemail to the queue. A caller leaves a message where the queue takes
// them: by pressing 2 while waiting, as the queue's closed action, or as its
// overflow. They hear a prompt, then Asterisk records their channel (a beep
// first; # or the queue's maximum length ends it). Once the message and its
// recording are written to the store, the caller hears thanks and is hung
// up, and the message waits in the queue with the caller's arrival time, a
// task offered to a Ready agent in turn (direction voicemail, tasks.go). A
// recording that fails leaves the caller in the queue with music, never in
// silence.

// voicemailTask is a message being left (leaving), or one that waits for
// an agent.
type voicemailTask struct {
	vm         ccaas.Voicemail
	leaving    bool   // the caller is hearing the prompt or being recorded
	recording  string // the recording's name while it is made
	call       *call  // the task's call, once stored
	calledBack bool   // an agent reached the caller on it
	ops        serial // its store writes, in order
}

// leaveMessage takes a caller out of the queue to leave a message: the
// prompt plays, then the recording starts (roomPlaybackDone).
func (t *tenant) leaveMessage(c *call, q *ccaas.Queue) {
	if !c.customerUp || c.customer == "" {
		return
	}
	t.router.Remove(queue.CallID(c.id))
	c.queue, c.state, c.menu = q, callAside, nil
	t.armCallTimers(c) // none while aside
	c.voicemail = &voicemailTask{leaving: true, vm: ccaas.Voicemail{
		ID: ccaas.VoicemailID(newID(kindCall, t.cfg.Tenant.ID)), Tenant: t.cfg.Tenant.ID, Queue: q.ID, QueueName: q.Name, Call: c.id,
		Number: c.caller.Number, Name: c.caller.Name, Data: modelData(c.data), Arrived: c.arrived, State: ccaas.VoicemailNew,
	}}
	if c.playback != "" {
		t.stopPrompt(c)
	}
	t.play(c, promptVoicemailIntro)
}

// recordMessage records the caller's channel (the prompt has ended).
func (t *tenant) recordMessage(c *call) {
	task := c.voicemail
	name := newID(kindRecording, t.cfg.Tenant.ID)
	task.recording = name
	t.room.recordings[name] = c
	customer, maxLen := c.customer, c.queue.VoicemailMaxSeconds
	t.exec(&c.ops, "record message", func(ctx context.Context) error {
		_, err := t.app.ari.RecordChannel(ctx, customer, ari.RecordRequest{Name: name, Format: RecordingFormat,
			MaxDurationSeconds: maxLen, IfExists: "fail", Beep: true, TerminateOn: "#"})
		return err
	}, func(err error) {
		if err != nil && t.room.recordings[name] == c {
			delete(t.room.recordings, name)
			t.messageFailed(c, err.Error())
		}
	})
}

// messageFailed: the message could not be recorded; the caller goes back to
// their place in the queue, told so, with music after.
func (t *tenant) messageFailed(c *call, cause string) {
	t.log.Warn("message not recorded; the caller goes back to the queue", "call", c.id, "cause", cause)
	q := c.queue
	t.emit(event.VoicemailFailed{At: t.now(), Call: c.id, Queue: q.ID, Cause: cause})
	c.voicemail = nil
	t.backFromMessage(c, promptVoicemailFailed)
}

// backFromMessage puts a caller who did not leave a message back at their
// place in the queue (its closed hours or not: they were let in), told why
// with media, music after.
func (t *tenant) backFromMessage(c *call, media []string) {
	if !c.customerUp || c.state != callAside {
		return
	}
	if c.enteredQueue.IsZero() {
		c.enteredQueue = t.now()
	}
	t.wait(c, c.queue)
	t.play(c, media)
}

// minMessage is the shortest message kept: less is a caller who pressed #
// at once, or hung up.
const minMessage = 1

// messageRecorded: the recording ended and is stored in Asterisk. The
// message is written to the store; then the caller (if still there) hears
// thanks and is hung up.
func (t *tenant) messageRecorded(c *call, rec ari.LiveRecording) {
	task := c.voicemail
	if task == nil {
		return
	}
	name := rec.Name
	if rec.Seconds() < minMessage {
		t.log.Info("empty message dropped", "call", c.id)
		t.deleteMessage(name, "delete empty message")
		c.voicemail = nil
		t.backFromMessage(c, promptVoicemailEmpty)
		return
	}
	task.leaving = false
	vm := task.vm
	vm.Left, vm.Recording, vm.Seconds = t.now(), ccaas.RecordingID(name), rec.Seconds()
	recording := ccaas.Recording{ID: vm.Recording, Tenant: vm.Tenant, Kind: ccaas.RecordingVoicemail, Call: c.id, Format: RecordingFormat,
		Seconds: vm.Seconds, Created: vm.Left}
	t.store(&task.ops, "create voicemail", func(ctx context.Context, st ccaas.Store) error { return st.CreateVoicemail(ctx, vm, recording) }, func(err error) {
		if err != nil {
			t.log.Error("message recorded but not stored; it is deleted", "call", c.id, "recording", name)
			t.deleteMessage(name, "delete unstored message")
			c.voicemail = nil
			t.backFromMessage(c, promptVoicemailFailed)
			return
		}
		t.log.Info("message left", "call", c.id, "voicemail", vm.ID, "seconds", vm.Seconds)
		t.emit(event.VoicemailLeft{At: t.now(), Voicemail: vm})
		t.queueVoicemail(vm)
		if c.customerUp && c.state == callAside {
			c.voicemail = nil
			t.goodbyeWith(c, ccaas.EndVoicemail, promptVoicemailThanks)
		}
	})
}

// deleteMessage deletes a message's recording in Asterisk that no
// voicemail keeps.
func (t *tenant) deleteMessage(name, what string) {
	t.exec(&serial{}, what, func(ctx context.Context) error {
		return ignoreGone(t.app.ari.DeleteStoredRecording(ctx, name))
	}, nil)
}

// asideEndReason is why a call out of its queue ends when its caller hangs
// up: they left a message (being recorded or stored), or they just hung up.
func (t *tenant) asideEndReason(c *call, reason string) string {
	if vm := c.voicemail; vm != nil && vm.recording != "" {
		return ccaas.EndVoicemail
	}
	return reason
}

// queueVoicemail puts a stored message at its place in its queue, as a
// task for the agents.
func (t *tenant) queueVoicemail(vm ccaas.Voicemail) {
	q := t.queues[vm.Queue]
	if q == nil {
		t.log.Warn("voicemail of a removed queue is not offered", "voicemail", vm.ID, "queue", vm.QueueName)
		return
	}
	task := &voicemailTask{vm: vm}
	c := &call{
		id: ccaas.CallID(vm.ID), direction: ccaas.DirVoicemail, caller: callerOf(vm.Number, vm.Name), queue: q,
		arrived: vm.Arrived, enteredQueue: vm.Left, data: ctiData(vm.Data), voicemail: task, recordings: []ccaas.RecordingID{vm.Recording},
	}
	task.call = c
	t.room.voicemails[vm.ID] = task
	t.calls[c.id] = c
	t.enqueueTask(c)
}

// closeVoicemail: the agent ended the voicemail's call; it is done.
func (t *tenant) closeVoicemail(c *call, agent ccaas.AgentID) {
	task := c.voicemail
	vm := &task.vm
	vm.State, vm.Agent, vm.Closed = ccaas.VoicemailClosed, agent, t.now()
	if task.calledBack {
		vm.State = ccaas.VoicemailCalledBack
	}
	t.finishVoicemail(task)
}

func (t *tenant) finishVoicemail(task *voicemailTask) {
	delete(t.room.voicemails, task.vm.ID)
	t.emit(event.VoicemailClosed{At: t.now(), Voicemail: task.vm})
	vm := task.vm
	t.store(&task.ops, "update voicemail", func(ctx context.Context, st ccaas.Store) error { return st.UpdateVoicemail(ctx, vm) }, nil)
}

// voicemailsDeleted: the retention deleted these recordings; their
// voicemails still waiting expire (the store marked them).
func (t *tenant) voicemailsDeleted(ids []ccaas.RecordingID) {
	for _, task := range t.room.voicemails {
		c := task.call
		if c == nil || c.state != callWaiting {
			continue
		}
		for _, id := range ids {
			if task.vm.Recording == id {
				task.vm.State, task.vm.Closed = ccaas.VoicemailExpired, t.now()
				delete(t.room.voicemails, task.vm.ID)
				t.emit(event.VoicemailClosed{At: t.now(), Voicemail: task.vm})
				t.router.Remove(queue.CallID(c.id))
				c.state = callEnded
				c.ends++
				delete(t.calls, c.id)
			}
		}
	}
}
