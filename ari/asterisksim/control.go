package asterisksim

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// CallSpec describes a PSTN customer dialling in.
type CallSpec struct {
	From, Name, DID string            // caller number and name, the dialled number
	Vars            map[string]string // set by dialplan Set() before Stasis (no ChannelVarset)
	App             string            // default "ccaas"
	// Local makes the customer a Local channel (Local/<DID>@from-pstn;2),
	// as the real-Asterisk tests and the customer-recording trace make
	// them: no SIP (no RTP quality variables when it ends), and its far end
	// hangs up with cause 16.
	Local bool
}

// PlaceCall makes a customer dial a DID: a dialplan channel from the trunk
// (id like "1795519600.12", name "PJSIP/pstn-0000000c", state Ring, context
// from-pstn) runs Stasis(<app>,inbound,<DID>): the application gets
// StasisStart with args ["inbound", DID]. It fails with ErrNoApp when no
// events socket serves the application, as Stasis() would.
func (s *Sim) PlaceCall(spec CallSpec) (string, error) {
	if spec.DID == "" {
		return "", fmt.Errorf("place call: %w: DID is required", ErrInvalidCall)
	}
	app := spec.App
	if app == "" {
		app = DefaultApp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", ErrClosed
	}
	if !s.hasSocketLocked(app) {
		return "", fmt.Errorf("place call to %s: %w: %s", spec.DID, ErrNoApp, app)
	}
	ep := s.endpoints[pstnEndpoint]
	var ch *channel
	if spec.Local {
		ch = s.newChannelLocked("", "Local", spec.DID+"@from-pstn")
		ch.name += ";2"
		ch.local = true
	} else {
		ch = s.newChannelLocked("", ep.tech, ep.resource)
		ch.protocolID = fmt.Sprintf("%d-%d@192.0.2.1", s.seq, randUint32()%100000)
		ch.endpoint, ch.pjsip = ep.name(), true
		ep.channels = append(ep.channels, ch.id)
	}
	ch.kind = kindInbound
	ch.state = ari.StateRing
	ch.caller = ari.CallerID{Name: spec.Name, Number: spec.From}
	if spec.Local {
		ch.connected = ch.caller // a Local channel's two halves are each other's connected line
	}
	ch.app, ch.appArgs = app, []string{"inbound", spec.DID}
	ch.dialplan = ari.DialplanCEP{
		Context: "from-pstn", Exten: spec.DID, Priority: int64(1 + len(spec.Vars)),
		AppName: "Stasis", AppData: app + ",inbound," + spec.DID,
	}
	for k, v := range spec.Vars {
		ch.vars[k] = v
	}
	s.announceLocked(ch, ep)
	s.enterStasisLocked(ch)
	return ch.id, nil
}

func randUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

// Hangup is the far end hanging up (a BYE): ChannelHangupRequest without
// cause, ChannelLeftBridge if bridged, StasisEnd, and ChannelDestroyed only
// for originated channels.
func (s *Sim) Hangup(channelID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return fmt.Errorf("hangup %s: %w", channelID, ErrNoChannel)
	}
	s.hangupLocked(ch, byFarEnd, causeNormal)
	return nil
}

// EndCause returns the cause a channel ended with, which is what its far end
// was told (17: busy, SIP 486; 16: a normal hang-up), for the last few
// thousand channels that ended; false for a channel that is up or unknown.
func (s *Sim) EndCause(channelID string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.ended[channelID]
	return c, ok
}

func (s *Sim) endedLocked(id string, cause int) {
	if _, ok := s.ended[id]; !ok {
		s.endedOrder = append(s.endedOrder, id)
	}
	s.ended[id] = cause
	if len(s.endedOrder) > endedKept {
		delete(s.ended, s.endedOrder[0])
		s.endedOrder = s.endedOrder[1:]
	}
}

// SendDTMF is a digit from the far end: ChannelDtmfReceived.
func (s *Sim) SendDTMF(channelID, digit string) error {
	if len(digit) != 1 || !strings.Contains("0123456789*#ABCD", digit) {
		return fmt.Errorf("dtmf %q: %w: one of 0-9 * # A-D", digit, ErrInvalidCall)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return fmt.Errorf("dtmf on %s: %w", channelID, ErrNoChannel)
	}
	s.emitChannelLocked(&ari.ChannelDtmfReceived{
		EventBase: base(ari.EventChannelDtmfReceived), Digit: digit, DurationMs: 100, Channel: s.snapLocked(ch),
	}, ch)
	s.recordingKeyLocked(ch, digit)
	return nil
}

// AddEndpoint adds a static endpoint (as if from pjsip.conf), such as
// "PJSIP/2001" ("2001" means the same). A phone is registered unless b is
// BehaviourUnreachable. Adding an existing endpoint changes its behaviour.
func (s *Sim) AddEndpoint(name string, b Behaviour) {
	tech, resource, ok := normalizeEndpoint(name)
	if !ok {
		s.log.Error("asterisksim: AddEndpoint: invalid endpoint name", "name", name)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := tech + "/" + resource
	ep := s.endpoints[key]
	if ep == nil {
		ep = &endpoint{tech: tech, resource: resource, context: "agents", callerID: ari.CallerID{Number: resource}}
		s.endpoints[key] = ep
	}
	ep.behaviour = b
	ep.registered = b != BehaviourUnreachable
	if ep.registered && ep.contactURI == "" {
		ep.contactURI = fmt.Sprintf("sip:%s@127.0.0.1:5060", resource)
	}
}

func (s *Sim) endpointLocked(name string) (*endpoint, error) {
	tech, resource, ok := normalizeEndpoint(name)
	if !ok {
		return nil, fmt.Errorf("endpoint %q: %w", name, ErrNoEndpoint)
	}
	ep := s.endpoints[tech+"/"+resource]
	if ep == nil {
		return nil, fmt.Errorf("endpoint %q: %w", name, ErrNoEndpoint)
	}
	return ep, nil
}

// SetBehaviour changes how the endpoint's phone answers later originates.
func (s *Sim) SetBehaviour(name string, b Behaviour) error {
	return s.onEndpoint(name, func(ep *endpoint) { ep.behaviour = b })
}

// onEndpoint runs do under the lock with the named endpoint.
func (s *Sim) onEndpoint(name string, do func(*endpoint)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, err := s.endpointLocked(name)
	if err != nil {
		return err
	}
	do(ep)
	return nil
}

// Unregister is the browser dying: its subscribers get EndpointStateChange
// offline, PeerStatusChange Unreachable and ContactStatusChange Removed;
// live channels of the endpoint stay Up (as in agent-line-drop), and
// originates to it fail with 500 until Register.
func (s *Sim) Unregister(name string) error {
	return s.onEndpoint(name, s.unregisterLocked)
}

// Register is the phone registering (again): EndpointStateChange online,
// PeerStatusChange Reachable, ContactStatusChange NonQualified. An endpoint
// whose behaviour was BehaviourUnreachable now answers (BehaviourAnswer).
func (s *Sim) Register(name string) error {
	return s.onEndpoint(name, func(ep *endpoint) {
		if ep.behaviour == BehaviourUnreachable {
			ep.behaviour = BehaviourAnswer
		}
		s.registerLocked(ep)
	})
}

// Restart is Asterisk restarting: every channel is hung up
// (ChannelHangupRequest cause 4 soft, ChannelLeftBridge, StasisEnd), the
// events sockets are dropped without a close frame once those events are
// written, and channels, bridges, applications, subscriptions and pushed
// configuration are forgotten. For Config.BootDelay the ARI is down (first
// half: connections dropped; second half: 503 "Asterisk not booted").
func (s *Sim) Restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	chans := make([]*channel, 0, len(s.channels))
	for _, ch := range s.channels {
		chans = append(chans, ch)
	}
	slices.SortFunc(chans, func(a, b *channel) int { return a.order - b.order })
	for _, ch := range chans {
		s.hangupLocked(ch, byShutdown, causeNormal)
	}
	for sess := range s.sessions {
		sess.drainAndDrop()
	}
	s.stopTimersLocked()
	s.gen++
	s.resetLocked()
	t := time.Now()
	s.startedAt = t
	s.bootStart, s.bootUntil = t, t.Add(s.cfg.BootDelay)
}

// Inspection.

// Channel returns the snapshot of a live channel.
func (s *Sim) Channel(id string) (ari.Channel, bool) {
	return snapshotOf(s, s.channels, id, s.snapLocked)
}

// Channels lists the live channels in creation order.
func (s *Sim) Channels() []ari.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channelListLocked()
}

// Bridge returns the snapshot of a bridge.
func (s *Sim) Bridge(id string) (ari.Bridge, bool) {
	return snapshotOf(s, s.bridges, id, (*bridge).snapshot)
}

// snapshotOf returns the snapshot of resource id, taken under the lock.
func snapshotOf[T, S any](s *Sim, m map[string]*T, id string, snap func(*T) S) (S, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x := m[id]; x != nil {
		return snap(x), true
	}
	var none S
	return none, false
}

// Bridges lists the bridges in creation order.
func (s *Sim) Bridges() []ari.Bridge {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bridgeListLocked()
}

// BridgeOf returns the id of the bridge the channel is in, "" if none.
func (s *Sim) BridgeOf(channelID string) string {
	return s.channelText(channelID, func(ch *channel) string { return ch.bridge })
}

// Muted returns the channel's mute direction ("" when not muted).
func (s *Sim) Muted(channelID string) string {
	return s.channelText(channelID, func(ch *channel) string { return ch.muted })
}

// DTMFSent returns the digits sent to the channel's far end so far.
func (s *Sim) DTMFSent(channelID string) string {
	return s.channelText(channelID, func(ch *channel) string { return ch.dtmfSent })
}

// channelText reads one text of a live channel, "" when there is none.
func (s *Sim) channelText(id string, text func(*channel) string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := s.channels[id]; ch != nil {
		return text(ch)
	}
	return ""
}

// MOH reports whether the channel hears music on hold and which class: its
// own MOH (POST …/moh), ARI hold (class "default"), or MOH played into its
// bridge. MOH makes no events in Asterisk; this is the only way to see it.
func (s *Sim) MOH(channelID string) (class string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	switch {
	case ch == nil:
		return "", false
	case ch.mohOn:
		return ch.mohClass, true
	case ch.held:
		return "default", true
	}
	if b := s.bridges[ch.bridge]; b != nil && b.mohOn {
		return b.mohClass, true
	}
	return "", false
}

// InStasis reports whether the channel is live and in a Stasis application.
func (s *Sim) InStasis(channelID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	return ch != nil && ch.inStasis
}

// Playing reports whether a playback is queued or playing to the channel,
// or to the bridge it is in.
func (s *Sim) Playing(channelID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return false
	}
	for _, p := range s.playbacks {
		if p.state != playQueued && p.state != playPlaying {
			continue
		}
		if p.channel == ch.id || (ch.bridge != "" && p.bridge == ch.bridge) {
			return true
		}
	}
	return false
}

// EventFilter returns the types on an application's event filter (PUT
// …/eventFilter): allowed and disallowed, in the order they were given.
func (s *Sim) EventFilter(app string) (allowed, disallowed []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[app]
	if a == nil {
		return nil, nil
	}
	types := func(list []any) []string {
		var out []string
		for _, it := range list {
			if obj, ok := it.(map[string]any); ok {
				if t, ok := obj["type"].(string); ok {
					out = append(out, t)
				}
			}
		}
		return out
	}
	return types(a.allowed), types(a.disallowed)
}
