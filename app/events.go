package app

import (
	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
)

// Connected implements ari.EventHandler: the events socket is open. After a
// reconnect, events may have been lost (or Asterisk restarted and has
// nothing left): every tenant reconciles with what Asterisk has now.
func (a *App) Connected() {
	a.log.Info("ARI events connected")
	go a.filterEvents()
	if a.connectedBefore.Swap(true) {
		go a.reconcile()
	} else {
		go a.adopt()
	}
}

// ignoredEvents are the event types no tenant loop acts on. Asterisk sends
// about 21 events for a queue call, 16 of them of these types (variables set
// on bridging and hangup, connected line, state, bridge moves); held back at
// the source, they cost neither Asterisk nor us their JSON. A type the app
// starts to act on must leave this list (the simulator applies it too).
var ignoredEvents = []string{
	ari.EventChannelVarset, ari.EventChannelConnectedLine, ari.EventChannelStateChange,
	ari.EventChannelEnteredBridge, ari.EventChannelLeftBridge, ari.EventChannelHangupRequest,
	ari.EventBridgeCreated, ari.EventBridgeDestroyed, ari.EventChannelCreated, ari.EventChannelDialplan,
	ari.EventDial, ari.EventPlaybackStarted, ari.EventPlaybackContinuing, ari.EventEndpointStateChange, ari.EventPeerStatusChange,
}

// filterEvents asks Asterisk to hold back the ignored events. It is set on
// every connect: a restarted Asterisk has forgotten it. Without it (an
// Asterisk before 16.3) everything still works, at a higher cost.
func (a *App) filterEvents() {
	ctx, cancel := a.opContext()
	defer cancel()
	if _, err := a.ari.FilterEvents(ctx, ari.EventFilter{Disallowed: ignoredEvents}); err != nil {
		a.log.Warn("ARI event filter not set; every event will be decoded", "err", err)
	}
}

// Disconnected implements ari.EventHandler.
func (a *App) Disconnected(err error) { a.log.Warn("ARI events disconnected", "err", err) }

// Event implements ari.EventHandler. It runs on the events reader goroutine:
// it only finds the event's tenant and posts it there, never blocking.
func (a *App) Event(ev ari.Event) {
	if count := a.cfg.CountEvent; count != nil {
		count(eventType(ev))
	}
	tid, ok := a.route(ev)
	if !ok {
		return
	}
	if t := a.tenant(tid); t != nil {
		t.inbox.post(msgARI{ev: ev, at: a.now()})
	}
}

// eventType names an event for metrics: its ARI type, or "other" for types
// the ari package does not decode, so the names are a small fixed set
// whatever Asterisk sends.
func eventType(ev ari.Event) string {
	if _, ok := ev.(*ari.UnknownEvent); ok || ev.Base().Type == "" {
		return "other"
	}
	return ev.Base().Type
}

// route finds the tenant an event belongs to: from the ids we chose for our
// own channels and bridges, or from the DID a customer dialled.
func (a *App) route(ev ari.Event) (ccaas.TenantID, bool) {
	switch e := ev.(type) {
	case *ari.StasisStart:
		if len(e.Args) >= 2 && e.Args[0] == "inbound" {
			a.mu.RLock()
			tid, ok := a.dids[e.Args[1]]
			a.mu.RUnlock()
			if !ok {
				a.log.Warn("call to a number no queue has; hanging up", "did", e.Args[1], "channel", e.Channel.ID)
				go a.hangupStray(e.Channel.ID)
				return 0, false
			}
			a.customers[e.Channel.ID] = tid
			return tid, true
		}
		if tid, ok := a.channelTenant(e.Channel.ID); ok {
			return tid, true
		}
		a.log.Warn("unknown channel entered the application; hanging up", "channel", e.Channel.ID, "args", e.Args)
		go a.hangupStray(e.Channel.ID)
		return 0, false
	case *ari.StasisEnd:
		tid, ok := a.channelTenant(e.Channel.ID)
		delete(a.customers, e.Channel.ID)
		return tid, ok
	case *ari.ChannelDestroyed:
		return a.channelTenant(e.Channel.ID)
	case *ari.PlaybackFinished:
		return tenantOfID(e.Playback.ID)
	case *ari.ChannelDtmfReceived:
		return a.channelTenant(e.Channel.ID)
	case *ari.RecordingStarted:
		return tenantOfID(e.Recording.Name)
	case *ari.RecordingFinished:
		return tenantOfID(e.Recording.Name)
	case *ari.RecordingFailed:
		return tenantOfID(e.Recording.Name)
	case *ari.ContactStatusChange:
		return tenantOfID(e.Endpoint.Resource)
	}
	return 0, false
}

func (a *App) channelTenant(id string) (ccaas.TenantID, bool) {
	if tid, ok := a.customers[id]; ok {
		return tid, true
	}
	a.adoptMu.Lock()
	tid, ok := a.adopted[id]
	if ok {
		// from now on the reader owns it, like any customer it saw arrive
		delete(a.adopted, id)
		a.customers[id] = tid
	}
	a.adoptMu.Unlock()
	if ok {
		return tid, true
	}
	return tenantOfID(id)
}

func (a *App) hangupStray(id string) {
	ctx, cancel := a.opContext()
	defer cancel()
	if err := a.ari.Hangup(ctx, id, ""); err != nil {
		a.log.Warn("hang up stray channel", "channel", id, "err", err)
	}
}
