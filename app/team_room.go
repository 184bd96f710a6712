package app

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/estimate"
	"github.com/ccaas/ccaas/event"
)

// What the supervisors' team view (team.go) and /metrics show of the
// waiting room: per queue, whether it is open and until when, the wait a
// caller entering now would be told, the callbacks and voicemails not done;
// and the list of voicemails nobody has closed.

// applyRoom reads the room's events for the team view: a queue opening or
// closing, a callback or voicemail coming or going changes the queues'
// rows; the voicemails and who handles them change the list.
func (v *teamView) applyRoom(ev event.Event) {
	if len(v.leaders) == 0 {
		return
	}
	switch e := ev.(type) {
	case event.QueueHoursChanged, event.CallbackQueued, event.CallbackEnded, event.CallbackDialled:
		v.queuesDirty = true
	case event.VoicemailLeft, event.VoicemailClosed:
		v.queuesDirty, v.voicemailsDirty = true, true
	case event.CallOffered:
		v.voicemailsDirty = v.voicemailsDirty || v.t.room.voicemails[ccaas.VoicemailID(e.Call)] != nil
	case event.AgentLeftCall:
		v.voicemailsDirty = v.voicemailsDirty || v.t.room.voicemails[ccaas.VoicemailID(e.Call)] != nil
	}
}

// fillQueueRow adds the room's part to a queue's row, whose members are
// counted already.
func (t *tenant) fillQueueRow(row *cti.TeamQueueView) {
	q := t.queues[row.ID]
	if q == nil {
		return
	}
	open, until := t.hoursNow(q.ID)
	row.Hours = cti.HoursView{Open: open, Until: timePtr(until)}
	// the row counts its members as queueStaff does (Busy: offered, on a
	// call or in wrapup), from the figures: no second pass over them
	if wait, ok := estimate.Wait(t.waitingIn(q.ID)+1, row.Ready, row.Ready+row.Busy, t.room.handles.average(q.ID)); ok {
		secs := int(wait / time.Second)
		row.EstimatedWaitSeconds = &secs
	}
	row.Callbacks = t.room.openCallbacks[q.ID]
	row.Voicemails = t.room.openVoicemails[q.ID]
}

func sameRoomRow(a, b cti.TeamQueueView) bool {
	eqTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	eqInt := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Hours.Open == b.Hours.Open && eqTime(a.Hours.Until, b.Hours.Until) && eqInt(a.EstimatedWaitSeconds, b.EstimatedWaitSeconds) &&
		a.Callbacks == b.Callbacks && a.Voicemails == b.Voicemails
}

// voicemailsFor is the list of open voicemails a supervisor sees: those of
// the queues their teams serve or their view shows, oldest first.
func (v *teamView) voicemailsFor(sup *agent) []cti.TeamVoicemailView {
	out := []cti.TeamVoicemailView{}
	for _, task := range v.t.room.voicemails {
		vm := task.vm
		if !v.servedBy(sup, vm.Queue) && !v.shown[sup][vm.Queue] {
			continue
		}
		row := cti.TeamVoicemailView{ID: vm.ID, Queue: vm.QueueName, Caller: cti.CallerView{Number: vm.Number, Name: vm.Name},
			LeftAt: vm.Left.UTC(), Seconds: vm.Seconds}
		if vm.Recording != "" {
			row.URL = recordingURL(vm.Recording)
		}
		if c := task.call; c != nil {
			for _, l := range c.legs {
				row.Agent = l.ag.cfg.Name
			}
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b cti.TeamVoicemailView) int {
		if c := a.LeftAt.Compare(b.LeftAt); c != 0 {
			return c
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	return out
}

// voicemailsChanged is the supervisor's list if it changed since they
// were last sent it, else nil.
func (v *teamView) voicemailsChanged(sup *agent) []cti.TeamVoicemailView {
	list := v.voicemailsFor(sup)
	key := voicemailsKey(list)
	if v.voicemailsSent[sup] == key {
		return nil
	}
	v.voicemailsSent[sup] = key
	return list
}

func voicemailsKey(list []cti.TeamVoicemailView) string {
	b, _ := json.Marshal(list)
	return string(b)
}

// fillStats adds the room's figures to a tenant's for /metrics.
func (t *tenant) fillStats(s *TenantStats) {
	for i := range s.Queues {
		qs := &s.Queues[i]
		q := t.queues[qs.Queue]
		if q == nil {
			continue
		}
		qs.Open = t.queueOpen(q.ID)
		qs.EstimatedWait, qs.Estimated = t.estimateAt(q, t.waitingIn(q.ID)+1)
		qs.Callbacks = t.room.openCallbacks[q.ID]
		qs.Voicemails = t.room.openVoicemails[q.ID]
	}
}

// talking: an agent talks on the call with someone: a customer, or another
// agent (a voicemail's agent talks only once they reached its caller).
func (c *call) talking() bool {
	return c.state == callConnected && (!c.isVoicemail() || c.voicemail.calledBack)
}
