package asterisksim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// channelKind tells how a channel came to be; it decides which events the
// application gets when the channel ends.
type channelKind int

const (
	kindInbound    channelKind = iota // a customer through the dialplan into Stasis(): ends with StasisEnd
	kindOriginated                    // POST /channels: the app is subscribed from creation, so ChannelDestroyed too
	kindSnoop                         // POST /channels/{id}/snoop: ends with StasisEnd
)

type channel struct {
	id, name, protocolID string
	kind                 channelKind
	order                int
	state                string
	caller, connected    ari.CallerID
	dialplan             ari.DialplanCEP
	created              time.Time
	vars                 map[string]string
	endpoint             string // "PJSIP/1001"; "" for snoops
	pjsip                bool
	webrtc               bool
	local                bool // a Local channel's ;2 (its far end hangs up with cause 16)

	app         string   // the Stasis application it is in, or will enter when answered
	appArgs     []string // StasisStart args
	inStasis    bool
	wasInStasis bool

	dialstring string // originate: what follows "PJSIP/"
	context    string // originate: the endpoint's context

	bridge  string // bridge it is in
	pin     string // bridge it left by a bare addChannel move (see bridges.go)
	peerSet bool   // BRIDGEPEER is set (cleared with events when it leaves)

	mohClass string
	mohOn    bool
	held     bool
	muted    string // "", "in", "out", "both"
	dtmfSent string // digits sent to the far end through ARI, for tests

	snoopOf      string   // snoop: the channel spied on
	snoopSpy     string   // snoop: direction heard (in, out, both, none)
	snoopWhisper string   // snoop: direction spoken into
	snoops       []string // snoop channels spying on this one
	gone         bool
}

func (ch *channel) snapshot(channelVars []string) ari.Channel {
	c := ari.Channel{
		ID:           ch.id,
		Name:         ch.name,
		State:        ch.state,
		ProtocolID:   ch.protocolID,
		Caller:       ch.caller,
		Connected:    ch.connected,
		Dialplan:     ch.dialplan,
		CreationTime: ariTime(ch.created),
		Language:     "en",
	}
	if len(channelVars) > 0 {
		c.ChannelVars = make(map[string]string, len(channelVars))
		for _, name := range channelVars {
			c.ChannelVars[name] = ch.vars[name]
		}
	}
	return c
}

func (s *Sim) snapLocked(ch *channel) ari.Channel { return ch.snapshot(s.cfg.ChannelVars) }

// newChannelLocked numbers a channel like Asterisk: uniqueid
// "<epoch seconds>.<counter>" and name suffix "-<counter in hex>".
func (s *Sim) newChannelLocked(id, tech, resource string) *channel {
	n := s.seq
	s.seq++
	t := now()
	if id == "" {
		id = fmt.Sprintf("%d.%d", t.Unix(), n)
	}
	ch := &channel{
		id:      id,
		name:    fmt.Sprintf("%s/%s-%08x", tech, resource, n),
		order:   s.nextOrder(),
		created: t,
		vars:    make(map[string]string),
	}
	s.channels[id] = ch
	return ch
}

// idTakenLocked applies Asterisk 22's rule for client-chosen channel ids: an
// id that is a prefix of a live channel's id, or that a live id is a prefix
// of, is refused like a duplicate.
func (s *Sim) idTakenLocked(id string) bool {
	for other := range s.channels {
		if strings.HasPrefix(other, id) || strings.HasPrefix(id, other) {
			return true
		}
	}
	return false
}

// Lookups with ARI's answers.

func (s *Sim) channelLocked(id string) (*channel, *response) {
	return lookup(s.channels, id, "Channel not found")
}

// onChannel runs do with the request's channel.
func (s *Sim) onChannel(q *request, do func(*channel) response) response {
	return withLocked(s, s.channelLocked, q.path["channelId"], do)
}

// onControl runs do with the request's channel, which must be in Stasis.
func (s *Sim) onControl(q *request, do func(*channel) response) response {
	return withLocked(s, s.controlLocked, q.path["channelId"], do)
}

// controlLocked is Asterisk's find_control: the channel must exist and be
// in a Stasis application.
func (s *Sim) controlLocked(id string) (*channel, *response) {
	ch, resp := s.channelLocked(id)
	if resp != nil {
		return nil, resp
	}
	if !ch.inStasis {
		r := fail(http.StatusConflict, "Channel not in Stasis application")
		return nil, &r
	}
	return ch, nil
}

// Events of a channel.

func (s *Sim) emitChannelLocked(ev ari.Event, ch *channel) {
	s.emitLocked(ev, s.channelAppsLocked(ch))
}

func (s *Sim) setStateLocked(ch *channel, state string) {
	if ch.state == state {
		return
	}
	ch.state = state
	s.emitChannelLocked(&ari.ChannelStateChange{EventBase: base(ari.EventChannelStateChange), Channel: s.snapLocked(ch)}, ch)
}

func (s *Sim) setVarLocked(ch *channel, name, value string) {
	ch.vars[name] = value
	snap := s.snapLocked(ch)
	s.emitChannelLocked(&ari.ChannelVarset{EventBase: base(ari.EventChannelVarset), Variable: name, Value: value, Channel: &snap}, ch)
}

func (s *Sim) dialEventLocked(ch *channel, status string) {
	s.emitChannelLocked(&ari.Dial{
		EventBase:  base(ari.EventDial),
		Peer:       s.snapLocked(ch),
		DialString: ch.dialstring,
		DialStatus: status,
	}, ch)
}

// announceLocked tells the channel's endpoint subscribers that it exists:
// EndpointStateChange with the new channel, ChannelCreated, ChannelDialplan.
func (s *Sim) announceLocked(ch *channel, ep *endpoint) {
	apps := s.endpointAppsLocked(ch.endpoint)
	if ep == nil || len(apps) == 0 {
		return
	}
	s.emitLocked(&ari.EndpointStateChange{EventBase: base(ari.EventEndpointStateChange), Endpoint: ep.snapshot()}, apps)
	created := s.snapLocked(ch)
	created.ProtocolID = ""
	created.Dialplan.AppName, created.Dialplan.AppData = "", ""
	s.emitLocked(&ari.ChannelCreated{EventBase: base(ari.EventChannelCreated), Channel: created}, apps)
	s.emitLocked(&ari.ChannelDialplan{
		EventBase:       base(ari.EventChannelDialplan),
		Channel:         s.snapLocked(ch),
		DialplanApp:     ch.dialplan.AppName,
		DialplanAppData: ch.dialplan.AppData,
	}, apps)
}

// enterStasisLocked puts the channel into its application: StasisStart.
func (s *Sim) enterStasisLocked(ch *channel) {
	a := s.appLocked(ch.app)
	a.channels[ch.id]++
	ch.inStasis = true
	args := ch.appArgs
	if args == nil {
		args = []string{}
	}
	s.emitLocked(&ari.StasisStart{EventBase: base(ari.EventStasisStart), Args: args, Channel: s.snapLocked(ch)}, []string{ch.app})
}

func (s *Sim) leaveStasisLocked(ch *channel) {
	ch.inStasis = false
	ch.wasInStasis = true
	s.emitLocked(&ari.StasisEnd{EventBase: base(ari.EventStasisEnd), Channel: s.snapLocked(ch)}, []string{ch.app})
	if a := s.apps[ch.app]; a != nil {
		if a.channels[ch.id]--; a.channels[ch.id] <= 0 {
			delete(a.channels, ch.id)
		}
	}
}

// Hangup.

type hangupMode int

const (
	byARI        hangupMode = iota // DELETE /channels/{id}: ChannelHangupRequest cause 32 soft
	byFarEnd                       // the phone sent BYE: ChannelHangupRequest without cause
	byShutdown                     // Asterisk stops: ChannelHangupRequest cause 4 soft
	byTargetGone                   // a snoop whose target ended: no ChannelHangupRequest
)

// Q.850 causes with Asterisk's texts.
const (
	causeNormal   = 16
	causeBusy     = 17
	causeNoAnswer = 19
	causeRejected = 21
)

var causeText = map[int]string{
	1:   "Unallocated (unassigned) number",
	16:  "Normal Clearing",
	17:  "User busy",
	18:  "No user responding",
	19:  "User alerting, no answer",
	21:  "Call Rejected",
	26:  "Answered elsewhere",
	28:  "Invalid number format (incomplete number)",
	31:  "Normal, unspecified",
	34:  "Circuit/channel congestion",
	38:  "Network out of order",
	58:  "Bearer capability not available",
	127: "Interworking, unspecified",
}

// hangupReasons maps DELETE /channels/{id}?reason= to causes, as ARI does.
var hangupReasons = map[string]int{
	"normal": 16, "busy": 17, "congestion": 34, "no_answer": 19, "timeout": 18,
	"rejected": 21, "unallocated": 1, "normal_unspecified": 31, "number_incomplete": 28,
	"codec_mismatch": 58, "interworking": 127, "failure": 38, "answered_elsewhere": 26,
}

// rtpQOS are the ChannelVarset an answered PJSIP channel reports as it hangs
// up (its bridged peer gets the same values with the suffix BRIDGED).
var rtpQOS = [][2]string{
	{"RTPAUDIOQOS", "ssrc=0;themssrc=0;lp=0;rxjitter=0.000000;rxcount=0;txjitter=0.000000;txcount=0;rlp=0;rtt=0.000000;rxmes=0.000000;txmes=0.000000"},
	{"RTPAUDIOQOSJITTER", "minrxjitter=000.000000;maxrxjitter=000.000000;avgrxjitter=000.000000;stdevrxjitter=000.000000;mintxjitter=000.000000;maxtxjitter=000.000000;avgtxjitter=000.000000;stdevtxjitter=000.000000;"},
	{"RTPAUDIOQOSLOSS", "  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;  avgtxlost=000.000000;  stdevtxlost=000.000000;"},
	{"RTPAUDIOQOSRTT", "     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;     stdevrtt=000.000000;"},
	{"RTPAUDIOQOSMES", "   minrxmes=000.000000;   maxrxmes=000.000000;   avgrxmes=000.000000;   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;   avgtxmes=000.000000;   stdevtxmes=000.000000;"},
}

// hangupLocked ends a channel with the events Asterisk sends for it. Who
// receives what follows from the subscriptions: after StasisEnd only an
// originated channel is still subscribed, so only it reports
// STASISSTATUS=SUCCESS and ChannelDestroyed.
func (s *Sim) hangupLocked(ch *channel, mode hangupMode, cause int) {
	if ch.gone {
		return
	}
	ch.gone = true
	request := func() {
		ev := &ari.ChannelHangupRequest{EventBase: base(ari.EventChannelHangupRequest), Channel: s.snapLocked(ch)}
		switch {
		case mode == byFarEnd && ch.local:
			ev.Cause = causeNormal
		case mode == byARI:
			ev.Cause, ev.Soft = 32, true
		case mode == byShutdown:
			ev.Cause, ev.Soft = 4, true
		}
		s.emitChannelLocked(ev, ch)
	}

	if ch.kind == kindOriginated && !ch.inStasis && !ch.wasInStasis && ch.state != ari.StateUp {
		// Still dialling: the dial is cancelled.
		if mode != byTargetGone {
			request()
		}
		s.dialEventLocked(ch, ari.DialNoAnswer)
		s.destroyLocked(ch, cause, 0)
		return
	}

	if ch.state == ari.StateUp && ch.pjsip && (mode == byARI || mode == byFarEnd) {
		peer := s.bridgePeerLocked(ch)
		for _, q := range rtpQOS {
			s.setVarLocked(ch, q[0], q[1])
			if peer != nil && peer.pjsip {
				s.setVarLocked(peer, q[0]+"BRIDGED", q[1])
			}
		}
	}
	if mode != byTargetGone {
		request()
	}
	s.endRecordingsLocked(ch)
	s.endPlaybacksLocked(ch)
	if ch.bridge != "" {
		s.leaveBridgeLocked(ch)
	}
	if ch.inStasis {
		s.leaveStasisLocked(ch)
	}
	if ch.wasInStasis {
		s.setVarLocked(ch, "STASISSTATUS", "SUCCESS")
	}
	for _, id := range slices.Clone(ch.snoops) {
		if sn := s.channels[id]; sn != nil {
			s.hangupLocked(sn, byTargetGone, causeNormal)
		}
	}
	if ch.kind == kindOriginated {
		ch.dialplan = ari.DialplanCEP{Context: ch.context, Exten: "s", Priority: 1, AppName: "AppDial2", AppData: "(Outgoing Line)"}
	}
	s.destroyLocked(ch, cause, 0)
}

// destroyLocked sends ChannelDestroyed (to whoever is still subscribed) and
// forgets the channel.
func (s *Sim) destroyLocked(ch *channel, cause, techCause int) {
	ch.gone = true
	s.emitChannelLocked(&ari.ChannelDestroyed{
		EventBase: base(ari.EventChannelDestroyed),
		Cause:     cause,
		CauseTxt:  causeText[cause],
		TechCause: techCause,
		Channel:   s.snapLocked(ch),
	}, ch)
	if s.channels[ch.id] == ch {
		delete(s.channels, ch.id)
	}
	s.endedLocked(ch.id, cause)
	for _, a := range s.apps {
		delete(a.channels, ch.id)
	}
	if ch.snoopOf != "" {
		if target := s.channels[ch.snoopOf]; target != nil {
			target.snoops = slices.DeleteFunc(target.snoops, func(id string) bool { return id == ch.id })
		}
	}
	s.releasePinLocked(ch)
	if ep := s.endpoints[ch.endpoint]; ep != nil {
		ep.channels = slices.DeleteFunc(ep.channels, func(id string) bool { return id == ch.id })
		if apps := s.endpointAppsLocked(ch.endpoint); len(apps) > 0 {
			s.emitLocked(&ari.EndpointStateChange{EventBase: base(ari.EventEndpointStateChange), Endpoint: ep.snapshot()}, apps)
		}
	}
}

// Originate.

const variablesError = "Each value in 'variables' must be a string or an object with 'value' and optional 'report_events'"

// originateVars reads the originate body's "variables" object. A value must
// be a string or {"value": "...", "report_events": bool}; a "variables" that
// is not an object is ignored, as Asterisk does.
func originateVars(q *request) (map[string]string, *response) {
	raw, ok := q.body["variables"]
	if !ok {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil, nil
	}
	out := make(map[string]string, len(obj))
	for name, v := range obj {
		var str string
		if json.Unmarshal(v, &str) == nil && string(v) != "null" {
			out[name] = str
			continue
		}
		var wrapped struct {
			Value *string `json:"value"`
		}
		if json.Unmarshal(v, &wrapped) == nil && wrapped.Value != nil {
			out[name] = *wrapped.Value
			continue
		}
		r := fail(http.StatusBadRequest, variablesError)
		return nil, &r
	}
	return out, nil
}

// parseCallerID reads `"Name" <number>`, `Name <number>` or `number`.
func parseCallerID(s string) ari.CallerID {
	s = strings.TrimSpace(s)
	if open := strings.LastIndexByte(s, '<'); open >= 0 && strings.HasSuffix(s, ">") {
		name := strings.Trim(strings.TrimSpace(s[:open]), `"`)
		return ari.CallerID{Name: name, Number: s[open+1 : len(s)-1]}
	}
	return ari.CallerID{Number: s}
}

// dialTarget resolves the resource of "PJSIP/<resource>": an endpoint name,
// "endpoint/sip:uri" or "user@endpoint".
func (s *Sim) dialTargetLocked(tech, resource string) (ep *endpoint, viaURI bool) {
	if tech != "PJSIP" {
		return nil, false
	}
	name := resource
	if n, uri, found := strings.Cut(resource, "/"); found {
		if !strings.HasPrefix(uri, "sip:") && !strings.HasPrefix(uri, "sips:") {
			return nil, false
		}
		name, viaURI = n, true
	} else if _, host, found := strings.Cut(resource, "@"); found {
		name, viaURI = host, true
	}
	return s.endpoints["PJSIP/"+name], viaURI
}

// originate is POST /channels and POST /channels/{channelId}.
func (s *Sim) originate(q *request) response {
	vars, bad := originateVars(q)
	if bad != nil {
		return *bad
	}
	target := q.str("endpoint")
	if target == "" {
		return fail(http.StatusBadRequest, "Endpoint must be specified")
	}
	tech, resource, _ := strings.Cut(target, "/")
	if tech == "" || resource == "" {
		return fail(http.StatusBadRequest, "Invalid endpoint specified")
	}
	appName := q.str("app")
	if appName == "" {
		if q.str("extension") == "" {
			return fail(http.StatusBadRequest, "Application or extension must be specified")
		}
		return fail(http.StatusNotImplemented, "asterisksim: originate into the dialplan (extension without app) is not simulated")
	}
	id := q.path["channelId"]
	if id == "" {
		id = q.str("channelId")
	}
	timeout := q.int("timeout", 30)

	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" && s.idTakenLocked(id) {
		return fail(http.StatusConflict, "Channel with given unique ID already exists")
	}
	ep, viaURI := s.dialTargetLocked(tech, resource)
	if ep == nil || ep.behaviour == BehaviourUnreachable && !viaURI || !ep.registered && !viaURI {
		return allocationFailed()
	}

	ch := s.newChannelLocked(id, tech, ep.resource)
	ch.kind = kindOriginated
	ch.protocolID = newUUID()
	ch.state = ari.StateDown
	ch.caller = ep.callerID
	if cid := q.str("callerId"); cid != "" {
		ch.caller = parseCallerID(cid)
		ch.connected = ch.caller
	}
	ch.context = ep.context
	ch.dialplan = ari.DialplanCEP{Context: ep.context, Exten: "s", Priority: 1, AppName: "AppDial2", AppData: "(Outgoing Line)"}
	ch.endpoint, ch.pjsip, ch.webrtc = ep.name(), true, ep.webrtc
	ch.app, ch.appArgs = appName, splitArgs(q.str("appArgs"))
	ch.dialstring = resource
	for k, v := range vars {
		ch.vars[k] = v
	}
	ep.channels = append(ep.channels, ch.id)
	s.appLocked(appName).channels[ch.id]++ // originate subscribes the app from creation
	resp := okJSON(s.snapLocked(ch))

	s.announceLocked(ch, ep)
	s.dialEventLocked(ch, "")
	behaviour := ep.behaviour
	if viaURI && behaviour == BehaviourUnreachable {
		// A SIP URI nobody answers: no ringing, the dial times out.
		s.afterTimeoutLocked(ch, timeout)
		return resp
	}
	switch behaviour {
	case BehaviourAnswer:
		s.ringLocked(ch)
		s.afterLocked(s.cfg.AnswerDelay, func() {
			if s.channels[ch.id] == ch && !ch.gone {
				s.answerOriginatedLocked(ch)
			}
		})
	case BehaviourNoAnswer:
		s.ringLocked(ch)
		s.afterTimeoutLocked(ch, timeout)
	case BehaviourBusy:
		s.afterLocked(s.cfg.AnswerDelay, func() {
			s.dialFailedLocked(ch, causeBusy, 486, ari.DialBusy)
		})
	case BehaviourReject:
		s.afterLocked(s.cfg.AnswerDelay, func() {
			s.dialFailedLocked(ch, causeRejected, 603, ari.DialNoAnswer)
		})
	}
	return resp
}

func splitArgs(appArgs string) []string {
	if appArgs == "" {
		return []string{}
	}
	return strings.Split(appArgs, ",")
}

func (s *Sim) ringLocked(ch *channel) {
	s.setStateLocked(ch, ari.StateRinging)
	s.dialEventLocked(ch, ari.DialRinging)
}

// afterTimeoutLocked ends an unanswered originate after its timeout in
// seconds (none when not positive): only ChannelDestroyed 19, tech cause 480.
func (s *Sim) afterTimeoutLocked(ch *channel, seconds int) {
	if seconds <= 0 {
		return
	}
	s.afterLocked(time.Duration(seconds)*time.Second, func() {
		if s.channels[ch.id] == ch && !ch.gone && ch.state != ari.StateUp {
			s.destroyLocked(ch, causeNoAnswer, 480)
		}
	})
}

// dialFailedLocked: the callee answered the INVITE with a failure.
func (s *Sim) dialFailedLocked(ch *channel, cause, techCause int, status string) {
	if s.channels[ch.id] != ch || ch.gone {
		return
	}
	s.emitChannelLocked(&ari.ChannelHangupRequest{
		EventBase: base(ari.EventChannelHangupRequest), Cause: cause, TechCause: techCause, Channel: s.snapLocked(ch),
	}, ch)
	s.dialEventLocked(ch, status)
	s.destroyLocked(ch, cause, techCause)
}

// answerOriginatedLocked: the callee answered; the channel enters Stasis.
func (s *Sim) answerOriginatedLocked(ch *channel) {
	s.setStateLocked(ch, ari.StateUp)
	s.dialEventLocked(ch, ari.DialAnswer)
	ch.dialplan.AppName = "Stasis"
	ch.dialplan.AppData = strings.Join(append([]string{ch.app}, ch.appArgs...), ",")
	if !s.hasSocketLocked(ch.app) {
		// Stasis() fails when the application is not registered.
		s.setVarLocked(ch, "STASISSTATUS", "FAILED")
		s.hangupLocked(ch, byFarEnd, causeNormal)
		return
	}
	s.setVarLocked(ch, "STASISSTATUS", "")
	s.enterStasisLocked(ch)
}

// REST handlers.

func (s *Sim) listChannels(*request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.channelListLocked()
	if s.cfg.ListNewestFirst {
		slices.Reverse(list)
	}
	return okJSON(list)
}

func (s *Sim) channelListLocked() []ari.Channel {
	out := make([]ari.Channel, 0, len(s.channels))
	for _, ch := range byOrder(s.channels, func(ch *channel) int { return ch.order }) {
		out = append(out, s.snapLocked(ch))
	}
	return out
}

func (s *Sim) getChannel(q *request) response {
	return s.onChannel(q, func(ch *channel) response { return okJSON(s.snapLocked(ch)) })
}

func (s *Sim) hangupChannel(q *request) response {
	return s.onChannel(q, func(ch *channel) response {
		cause, bad := hangupCause(q)
		if bad != nil {
			return *bad
		}
		s.hangupLocked(ch, byARI, cause)
		return noContent()
	})
}

// hangupCause is the cause a hangup asks for with reason or reason_code
// (normal clearing without either).
func hangupCause(q *request) (int, *response) {
	reason, code := q.str("reason"), q.str("reason_code")
	invalid := fail(http.StatusBadRequest, "Invalid reason for hangup reason provided")
	switch {
	case reason != "" && code != "":
		r := fail(http.StatusBadRequest, "The reason and reason_code can't both be specified")
		return 0, &r
	case code != "":
		n, err := strconv.Atoi(code)
		if err != nil {
			return 0, &invalid
		}
		return n, nil
	case reason != "":
		n, known := hangupReasons[reason]
		if !known {
			return 0, &invalid
		}
		return n, nil
	}
	return causeNormal, nil
}

func (s *Sim) answerChannel(q *request) response {
	return s.onControl(q, func(ch *channel) response {
		s.setStateLocked(ch, ari.StateUp)
		return noContent()
	})
}

// ringChannel: POST/DELETE ring indicate ringing to the caller; no events.
func (s *Sim) ringChannel(q *request) response {
	return s.onControl(q, func(*channel) response { return noContent() })
}

// sendDTMF sends digits to the far end; no events.
func (s *Sim) sendDTMF(q *request) response {
	if q.str("dtmf") == "" {
		return fail(http.StatusBadRequest, "DTMF is required")
	}
	return s.onControl(q, func(ch *channel) response {
		ch.dtmfSent += q.str("dtmf")
		return noContent()
	})
}

func (s *Sim) muteChannel(q *request) response {
	return s.onControl(q, func(ch *channel) response {
		dir := q.str("direction")
		if dir == "" {
			dir = "both"
		}
		if dir != "both" && dir != "in" && dir != "out" {
			return fail(http.StatusBadRequest, "Invalid direction specified")
		}
		if q.method == http.MethodPost {
			ch.muted = dir
		} else {
			ch.muted = ""
		}
		return noContent()
	})
}

// holdChannel: ARI hold makes the held channel itself hear MOH; no events.
func (s *Sim) holdChannel(q *request) response {
	return s.onControl(q, func(ch *channel) response {
		ch.held = q.method == http.MethodPost
		return noContent()
	})
}

// channelMOH starts or stops music on hold on the channel; no events.
func (s *Sim) channelMOH(q *request) response {
	return s.onControl(q, func(ch *channel) response {
		ch.mohOn = q.method == http.MethodPost
		if ch.mohOn {
			ch.mohClass = mohClass(q)
		}
		return noContent()
	})
}

// mohClass is the music-on-hold class a request asks for.
func mohClass(q *request) string {
	if c := q.str("mohClass"); c != "" {
		return c
	}
	return "default"
}
