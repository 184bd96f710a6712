package asterisksim

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// Bridge technologies as Asterisk reports them. A mixing bridge of exactly
// two non-WebRTC PJSIP channels goes native_rtp once both are in.
const (
	techSimple    = "simple_bridge"
	techNativeRTP = "native_rtp"
	techHolding   = "holding_bridge"
)

type bridge struct {
	id, name string
	typ      string // "mixing" or "holding"
	tech     string
	order    int
	created  time.Time
	channels []string // in order of entry
	mohClass string
	mohOn    bool
}

func (b *bridge) snapshot() ari.Bridge {
	return ari.Bridge{
		ID:           b.id,
		Technology:   b.tech,
		BridgeType:   b.typ,
		BridgeClass:  "stasis",
		Creator:      "Stasis",
		Name:         b.name,
		Channels:     append([]string{}, b.channels...),
		CreationTime: ariTime(b.created),
		VideoMode:    "talker",
	}
}

// pendingDestroy is a BridgeDestroyed held back (see releasePinLocked).
type pendingDestroy struct {
	event *ari.BridgeDestroyed
	apps  []string
}

// The delayed BridgeDestroyed of Asterisk 22: a channel that leaves bridge X
// by a bare addChannel into Y keeps X referenced (its pin). If X is deleted
// meanwhile, DELETE answers 204 and X is gone from GET at once, but
// BridgeDestroyed is sent only when that channel next leaves a bridge (or
// ends). removeChannel before the move leaves no pin, so the event is prompt.

// releasePinLocked drops the channel's pin and sends the BridgeDestroyed it
// was holding back, if any.
func (s *Sim) releasePinLocked(ch *channel) {
	if ch.pin == "" {
		return
	}
	if p, ok := s.pending[ch.pin]; ok {
		delete(s.pending, ch.pin)
		s.emitLocked(p.event, p.apps)
	}
	ch.pin = ""
}

func (s *Sim) pinnedLocked(bridgeID string) bool {
	for _, ch := range s.channels {
		if ch.pin == bridgeID && !ch.gone {
			return true
		}
	}
	return false
}

// bridgePeerLocked is the other channel of a two-party bridge.
func (s *Sim) bridgePeerLocked(ch *channel) *channel {
	b := s.bridges[ch.bridge]
	if b == nil || len(b.channels) != 2 {
		return nil
	}
	for _, id := range b.channels {
		if id != ch.id {
			return s.channels[id]
		}
	}
	return nil
}

func (s *Sim) updateTechLocked(b *bridge) {
	if b.typ == "holding" {
		b.tech = techHolding
		return
	}
	b.tech = techSimple
	if len(b.channels) != 2 {
		return
	}
	for _, id := range b.channels {
		ch := s.channels[id]
		if ch == nil || !ch.pjsip || ch.webrtc {
			return
		}
	}
	b.tech = techNativeRTP
}

// joinBridgeLocked puts a channel into b, first taking it out of the bridge
// it is in (ChannelLeftBridge, then ChannelEnteredBridge, as Asterisk does for
// a bare addChannel, even when b is that same bridge).
func (s *Sim) joinBridgeLocked(ch *channel, b *bridge) {
	if ch.bridge != "" {
		from := ch.bridge
		s.leaveBridgeLocked(ch)
		if from != b.id {
			ch.pin = from
		}
	}
	b.channels = append(b.channels, ch.id)
	ch.bridge = b.id
	if ch.app != "" {
		if a := s.appLocked(ch.app); a.bridges[b.id] == 0 {
			a.bridges[b.id] = 1 // a channel of the app joining subscribes the app to the bridge
		}
	}
	snap := s.snapLocked(ch)
	s.emitLocked(&ari.ChannelEnteredBridge{EventBase: base(ari.EventChannelEnteredBridge), Bridge: b.snapshot(), Channel: &snap},
		s.bridgeChannelAppsLocked(ch, b.id))
	if b.typ == "mixing" && len(b.channels) == 2 {
		if peer := s.bridgePeerLocked(ch); peer != nil {
			s.pairLocked(ch, peer)
		}
	}
	s.updateTechLocked(b)
}

// pairLocked is what two channels meeting in a mixing bridge report:
// BRIDGEPEER / BRIDGEPVTCALLID on both, then ChannelConnectedLine on each
// whose connected line changes.
func (s *Sim) pairLocked(a, b *channel) {
	for _, p := range [][2]*channel{{a, b}, {b, a}} {
		s.setVarLocked(p[0], "BRIDGEPEER", p[1].name)
		s.setVarLocked(p[0], "BRIDGEPVTCALLID", p[1].protocolID)
		p[0].peerSet = true
	}
	for _, p := range [][2]*channel{{a, b}, {b, a}} {
		if p[0].connected != p[1].caller {
			p[0].connected = p[1].caller
			s.emitChannelLocked(&ari.ChannelConnectedLine{EventBase: base(ari.EventChannelConnectedLine), Channel: s.snapLocked(p[0])}, p[0])
		}
	}
}

// leaveBridgeLocked takes a channel out of its bridge: BRIDGEPEER cleared
// (if it was set), ChannelLeftBridge, then any BridgeDestroyed its pin held
// back.
func (s *Sim) leaveBridgeLocked(ch *channel) {
	b := s.bridges[ch.bridge]
	if ch.peerSet {
		s.setVarLocked(ch, "BRIDGEPEER", "")
		s.setVarLocked(ch, "BRIDGEPVTCALLID", "")
		ch.peerSet = false
	}
	ch.bridge = ""
	if b == nil {
		s.releasePinLocked(ch)
		return
	}
	b.channels = slices.DeleteFunc(b.channels, func(id string) bool { return id == ch.id })
	s.emitLocked(&ari.ChannelLeftBridge{EventBase: base(ari.EventChannelLeftBridge), Bridge: b.snapshot(), Channel: s.snapLocked(ch)},
		s.bridgeChannelAppsLocked(ch, b.id))
	s.releasePinLocked(ch)
	s.updateTechLocked(b)
}

// onBridge runs do with the request's bridge.
func (s *Sim) onBridge(q *request, do func(*bridge) response) response {
	return withLocked(s, s.bridgeLocked, q.path["bridgeId"], do)
}

func (s *Sim) bridgeLocked(id string) (*bridge, *response) {
	return lookup(s.bridges, id, "Bridge not found")
}

// REST handlers.

func (s *Sim) listBridges(*request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return okJSON(s.bridgeListLocked())
}

func (s *Sim) bridgeListLocked() []ari.Bridge {
	out := make([]ari.Bridge, 0, len(s.bridges))
	for _, b := range byOrder(s.bridges, func(b *bridge) int { return b.order }) {
		out = append(out, b.snapshot())
	}
	return out
}

var bridgeTypes = map[string]bool{
	"mixing": true, "holding": true, "dtmf_events": true, "proxy_media": true,
	"video_sfu": true, "video_single": true, "sdp_label": true,
}

// createBridge is POST /bridges and POST /bridges/{bridgeId}. No
// BridgeCreated is sent for bridges the app creates.
func (s *Sim) createBridge(q *request) response {
	id := q.path["bridgeId"]
	if id == "" {
		id = q.str("bridgeId")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" && s.bridges[id] != nil {
		return fail(http.StatusConflict, fmt.Sprintf("Bridge with id '%s' already exists", id))
	}
	if id == "" {
		id = newUUID()
	}
	typ := "mixing"
	for _, t := range q.list("type") {
		if !bridgeTypes[t] {
			return fail(http.StatusInternalServerError, fmt.Sprintf("Unable to create bridge. Possible duplicate bridge id '%s'", id))
		}
		if t == "holding" {
			typ = "holding"
		}
	}
	b := &bridge{id: id, name: q.str("name"), typ: typ, order: s.nextOrder(), created: now(), channels: []string{}}
	s.updateTechLocked(b)
	s.bridges[id] = b
	return okJSON(b.snapshot())
}

func (s *Sim) getBridge(q *request) response {
	return s.onBridge(q, func(b *bridge) response { return okJSON(b.snapshot()) })
}

func (s *Sim) deleteBridge(q *request) response {
	return s.onBridge(q, func(b *bridge) response {
		s.destroyBridgeLocked(b)
		return noContent()
	})
}

// destroyBridgeLocked empties and forgets a bridge; BridgeDestroyed goes to
// the subscribed applications now, or later if a channel still pins it.
func (s *Sim) destroyBridgeLocked(b *bridge) {
	recorded := s.endBridgeRecordingsLocked(b)
	for _, id := range slices.Clone(b.channels) {
		if ch := s.channels[id]; ch != nil {
			s.leaveBridgeLocked(ch)
		}
	}
	delete(s.bridges, b.id)
	for id, p := range s.playbacks {
		if p.bridge == b.id {
			delete(s.playbacks, id)
		}
	}
	apps := s.bridgeAppsLocked(b.id)
	for _, a := range s.apps {
		delete(a.bridges, b.id)
	}
	ev := &ari.BridgeDestroyed{EventBase: base(ari.EventBridgeDestroyed), Bridge: b.snapshot()}
	if recorded {
		return // its recorder holds it: Asterisk never reports it destroyed
	}
	if s.pinnedLocked(b.id) {
		s.pending[b.id] = pendingDestroy{event: ev, apps: apps}
		return
	}
	s.emitLocked(ev, apps)
}

// onBridgeChannels resolves addChannel/removeChannel's arguments with
// Asterisk's errors and runs do; every channel is checked before anything
// changes.
func (s *Sim) onBridgeChannels(q *request, do func(*bridge, []*channel) response) response {
	ids := q.list("channel")
	if len(ids) == 0 {
		return fail(http.StatusBadRequest, "Missing parameter channel")
	}
	return s.onBridge(q, func(b *bridge) response {
		chans := make([]*channel, 0, len(ids))
		for _, id := range ids {
			ch := s.channels[id]
			if ch == nil {
				return fail(http.StatusBadRequest, "Channel not found")
			}
			if !ch.inStasis {
				return fail(http.StatusUnprocessableEntity, "Channel not in Stasis application")
			}
			chans = append(chans, ch)
		}
		return do(b, chans)
	})
}

func (s *Sim) addChannel(q *request) response {
	return s.onBridgeChannels(q, func(b *bridge, chans []*channel) response {
		for _, ch := range chans {
			s.joinBridgeLocked(ch, b)
		}
		return noContent()
	})
}

func (s *Sim) removeChannel(q *request) response {
	return s.onBridgeChannels(q, func(b *bridge, chans []*channel) response {
		for _, ch := range chans {
			if ch.bridge != b.id {
				return fail(http.StatusUnprocessableEntity, "Channel not in this bridge")
			}
		}
		for _, ch := range chans {
			s.leaveBridgeLocked(ch)
		}
		return noContent()
	})
}

// bridgeMOH plays music on hold into the bridge (everybody hears it); no events.
func (s *Sim) bridgeMOH(q *request) response {
	return s.onBridge(q, func(b *bridge) response {
		if q.method == http.MethodPost {
			b.mohOn, b.mohClass = true, mohClass(q)
			return noContent()
		}
		if !b.mohOn {
			return fail(http.StatusConflict, "Bridge isn't playing music on hold")
		}
		b.mohOn = false
		return noContent()
	})
}
