package app

import (
	"slices"
	"strings"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/wrapup"
)

// directory is the agents' directory of their tenant: every agent's name,
// extension and presence, every queue's callers waiting and Ready members,
// for the transfer, consultation, conference and dial fields. It is a
// projection like the team view: the events mark rows dirty, and after
// each batch of inputs the agents who follow it get the rows that changed.
//
// Only agents who follow it (directory_open, while a field's list is open)
// are sent anything, and nothing is computed while nobody does: sent to
// every agent, each state change would cost as many messages as the
// tenant has agents.
type directory struct {
	t         *tenant
	figures   *figures
	followers map[*agent]bool
	dirty     map[ccaas.AgentID]bool
	queues    bool // a queue row may have changed
	full      bool // the configuration changed: everyone gets every row again
	queueSent map[ccaas.QueueID]cti.DirectoryQueueView
}

func newDirectory(t *tenant, f *figures) *directory {
	return &directory{t: t, figures: f, followers: make(map[*agent]bool), dirty: make(map[ccaas.AgentID]bool),
		queueSent: make(map[ccaas.QueueID]cti.DirectoryQueueView)}
}

// open: the agent follows the directory; they get all of it now.
func (d *directory) open(ag *agent) {
	if ag.sink == nil {
		return
	}
	d.followers[ag] = true
	ag.sink.Send(cti.Message{Type: cti.MsgDirectory, Directory: d.everything()})
}

// close: the agent stops following it (also when their socket closes).
func (d *directory) close(ag *agent) { delete(d.followers, ag) }

func (d *directory) apply(events []event.Event) {
	if len(d.followers) == 0 {
		return
	}
	for _, ev := range events {
		switch e := ev.(type) {
		case event.Configured:
			d.full = true
		case event.AgentChanged:
			d.dirty[e.Agent] = true
			if e.From == wrapup.Ready || e.To == wrapup.Ready {
				d.queues = true // a queue row counts the Ready members
			}
		case event.CallQueued, event.CallOffered, event.CallConnected, event.CallTimedOut, event.CallTransferred, event.CallEnded:
			d.queues = true // callers waiting
		}
	}
}

// flush sends the followers what changed since the last flush.
func (d *directory) flush() {
	if len(d.followers) == 0 {
		clear(d.dirty)
		d.queues, d.full = false, false
		return
	}
	if d.full {
		d.full, d.queues = false, false
		clear(d.dirty)
		all := d.everything()
		d.send(func(*agent) *cti.DirectoryView { return all })
		return
	}
	var changed cti.DirectoryView
	for id := range d.dirty {
		if ag := d.t.agents[id]; ag != nil {
			changed.Agents = append(changed.Agents, directoryAgent(ag))
		}
	}
	clear(d.dirty)
	if d.queues {
		d.queues = false
		for _, q := range d.queueRows() {
			if old, ok := d.queueSent[q.ID]; !ok || old != q {
				d.queueSent[q.ID] = q
				changed.Queues = append(changed.Queues, q)
			}
		}
	}
	if len(changed.Agents) == 0 && len(changed.Queues) == 0 {
		return
	}
	if changed.Queues == nil {
		changed.Queues = []cti.DirectoryQueueView{}
	}
	if changed.Agents == nil {
		changed.Agents = []cti.DirectoryAgentView{}
	}
	d.send(func(*agent) *cti.DirectoryView { return &changed })
}

func (d *directory) send(view func(*agent) *cti.DirectoryView) {
	for ag := range d.followers {
		if ag.sink == nil {
			delete(d.followers, ag)
			continue
		}
		ag.sink.Send(cti.Message{Type: cti.MsgDirectory, Directory: view(ag)})
	}
}

// everything is the whole directory, agents and queues by name.
func (d *directory) everything() *cti.DirectoryView {
	v := &cti.DirectoryView{Full: true, Agents: make([]cti.DirectoryAgentView, 0, len(d.t.agents))}
	for _, ag := range d.t.agents {
		v.Agents = append(v.Agents, directoryAgent(ag))
	}
	slices.SortFunc(v.Agents, func(a, b cti.DirectoryAgentView) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	v.Queues = d.queueRows()
	for _, q := range v.Queues {
		d.queueSent[q.ID] = q
	}
	return v
}

// queueRows are every queue's row, by name, from the figures /metrics
// shows (the team view counts alike).
func (d *directory) queueRows() []cti.DirectoryQueueView {
	stats := d.figures.queueStats() // ordered by name
	out := make([]cti.DirectoryQueueView, 0, len(stats))
	for _, qs := range stats {
		out = append(out, cti.DirectoryQueueView{ID: qs.Queue, Name: qs.Name, Waiting: qs.Waiting, Ready: qs.Members[wrapup.Ready.String()]})
	}
	return out
}

// directoryAgent is an agent as the directory shows them: only name,
// extension and presence.
func directoryAgent(ag *agent) cti.DirectoryAgentView {
	v := cti.DirectoryAgentView{Name: ag.cfg.Name, Extension: ag.cfg.Extension}
	switch s := ag.fsm.State(); s {
	case wrapup.Ready:
		v.Presence = cti.PresenceReady
	case wrapup.NotReady:
		v.Presence, v.Reason = cti.PresenceNotReady, ag.fsm.Reason()
	case wrapup.Offered, wrapup.Connecting, wrapup.Talking:
		v.Presence = cti.PresenceOnCall
	case wrapup.Wrapup:
		v.Presence = cti.PresenceWrapup
	default:
		v.Presence = cti.PresenceLoggedOut
	}
	return v
}
