package asterisksim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ccaas/ccaas/ari"
)

// Behaviour is how a simulated phone behind an endpoint answers an originate.
type Behaviour int

const (
	// BehaviourAnswer rings for Config.AnswerDelay, then answers: the channel enters Stasis.
	BehaviourAnswer Behaviour = iota
	// BehaviourBusy answers 486: ChannelHangupRequest cause 17, Dial BUSY, ChannelDestroyed 17.
	BehaviourBusy
	// BehaviourReject answers 603: cause 21 "Call Rejected", Dial NOANSWER.
	BehaviourReject
	// BehaviourNoAnswer rings until the originate timeout: then only ChannelDestroyed cause 19.
	BehaviourNoAnswer
	// BehaviourUnreachable: the endpoint exists but no phone is registered:
	// originate fails at once with 500 {"error":"Allocation failed"}.
	BehaviourUnreachable
)

func (b Behaviour) String() string {
	switch b {
	case BehaviourAnswer:
		return "answer"
	case BehaviourBusy:
		return "busy"
	case BehaviourReject:
		return "reject"
	case BehaviourNoAnswer:
		return "no-answer"
	case BehaviourUnreachable:
		return "unreachable"
	}
	return fmt.Sprintf("Behaviour(%d)", int(b))
}

// endpoint is a PJSIP endpoint with, possibly, a simulated phone registered.
type endpoint struct {
	tech, resource string
	context        string
	callerID       ari.CallerID
	webrtc         bool
	pushed         bool // created by push configuration (lives in memory, gone on restart)
	registered     bool
	behaviour      Behaviour
	contactURI     string
	channels       []string
}

func (e *endpoint) name() string { return e.tech + "/" + e.resource }

func (e *endpoint) snapshot() ari.Endpoint {
	state := "offline"
	if e.registered {
		state = "online"
	}
	return ari.Endpoint{Technology: e.tech, Resource: e.resource, State: state, ChannelIDs: append([]string{}, e.channels...)}
}

// normalizeEndpoint accepts "PJSIP/2001" or "2001".
func normalizeEndpoint(name string) (tech, resource string, ok bool) {
	if !strings.Contains(name, "/") {
		name = "PJSIP/" + name
	}
	return ari.SplitEndpoint(name)
}

// registerLocked: the phone REGISTERs. Endpoint subscribers get
// EndpointStateChange online, PeerStatusChange Reachable and
// ContactStatusChange NonQualified.
func (s *Sim) registerLocked(ep *endpoint) {
	if ep.registered {
		return
	}
	ep.registered = true
	ep.contactURI = fmt.Sprintf("sip:%s@127.0.0.1:%d;transport=ws;ob", ep.resource, 40000+s.nextOrder()%20000)
	s.contactEventsLocked(ep, ari.ContactReachable, "NonQualified")
}

// unregisterLocked: the phone is gone (un-REGISTER or a dead WebSocket).
// Its channels stay up.
func (s *Sim) unregisterLocked(ep *endpoint) {
	if !ep.registered {
		return
	}
	ep.registered = false
	s.contactEventsLocked(ep, ari.ContactUnreachable, ari.ContactRemoved)
}

func (s *Sim) contactEventsLocked(ep *endpoint, peerStatus, contactStatus string) {
	apps := s.endpointAppsLocked(ep.name())
	if len(apps) == 0 {
		return
	}
	snap := ep.snapshot()
	s.emitLocked(&ari.EndpointStateChange{EventBase: base(ari.EventEndpointStateChange), Endpoint: snap}, apps)
	s.emitLocked(&ari.PeerStatusChange{EventBase: base(ari.EventPeerStatusChange), Endpoint: snap, Peer: ari.Peer{PeerStatus: peerStatus}}, apps)
	s.emitLocked(&ari.ContactStatusChange{
		EventBase: base(ari.EventContactStatusChange),
		Endpoint:  snap,
		ContactInfo: ari.ContactInfo{
			URI: ep.contactURI, ContactStatus: contactStatus, AOR: ep.resource, RoundtripUsec: "0",
		},
	}, apps)
}

// REST handlers.

func (s *Sim) listEndpoints(q *request) response {
	tech := q.path["tech"]
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []ari.Endpoint{}
	for _, name := range sortedKeys(s.endpoints) {
		if ep := s.endpoints[name]; tech == "" || ep.tech == tech {
			out = append(out, ep.snapshot())
		}
	}
	if tech != "" && len(out) == 0 {
		return fail(http.StatusNotFound, "No Endpoints found - invalid tech "+tech)
	}
	return okJSON(out)
}

func (s *Sim) getEndpoint(q *request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := s.endpoints[q.path["tech"]+"/"+q.path["resource"]]
	if ep == nil {
		return fail(http.StatusNotFound, "Endpoint not found")
	}
	return okJSON(ep.snapshot())
}

// dropEndpointLocked forgets an endpoint (its push configuration was
// deleted); subscriptions to it vanish with it. Its channels stay up.
func (s *Sim) dropEndpointLocked(ep *endpoint) {
	delete(s.endpoints, ep.name())
	for _, a := range s.apps {
		delete(a.endpoints, ep.name())
	}
	for _, id := range slices.Clone(ep.channels) {
		if ch := s.channels[id]; ch != nil {
			ch.endpoint = ""
		}
	}
}
