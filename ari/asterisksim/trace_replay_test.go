package asterisksim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/internal/aritrace"
)

// TestTraceReplay plays every scenario recorded from a real Asterisk 22.11
// (testdata/traces; the README there describes them) against the simulator
// and compares, scenario by scenario, what the simulator answers and emits
// with what Asterisk did.
//
// How a scenario is replayed. The trace's lines are walked in order:
//   - `req`: the same request (method, path, query, body, auth) is sent to
//     the simulator; its status must be the recorded one, an error's JSON
//     body too, and a success must agree in what the app reads from it (see
//     project; the value of CHANNEL(name) is not compared: channel names
//     follow the SIP peers). While Asterisk restarts, the recording's pings
//     saw connection refused, a 404 HTML page (ARI not yet registered), 503
//     and 200; the simulator has no 404 phase, so a failed ping may be
//     refused or 503, and the 200 is polled for.
//   - `event`: the recorded event must come from the simulator's events
//     WebSocket; the walk waits for it (lockstep), so a request is sent only
//     after the events Asterisk had sent before it.
//   - `ws`: the events socket is opened (as the recording: app=ccaas,
//     subscribeAll=false), reopened after a restart, and the upgrade probes
//     are repeated (their status must match).
//   - what the driver made SIPp or the WebRTC phone do becomes a control call
//     of the simulator, placed just before the first event it caused: a
//     StasisStart(inbound) of an unknown channel is PlaceCall (caller and DID
//     from that event, dialplan variables from the traces' extensions.conf);
//     a ChannelHangupRequest without cause is the far end's BYE, Hangup (before
//     the RTPAUDIOQOS lines that precede it); ChannelDtmfReceived is SendDTMF;
//     PeerStatusChange Reachable/Unreachable is Register/Unregister (before the
//     EndpointStateChange that precedes it); the note "stop Asterisk" is
//     Restart. A SIPp UAS started by the driver sets the behaviour of the
//     sippagent endpoint for originates to its port (built-in uas: answer;
//     uas_busy: 486; uas_noanswer: rings; uas_603: 603; nothing listening: no
//     answer at all).
//   - an asterisk-log note "Started/Stopped music on hold … on channel X" is
//     checked against Sim.MOH for X (MOH makes no ARI event).
//
// Then a barrier (one more PlaceCall, whose StasisStart ends the stream) and
// the comparison: every recorded event must have come, and nothing else; the
// simulator's order must be the recorded one for each channel, bridge,
// playback and endpoint (its "subjects"), and events of different subjects
// may be swapped only if Asterisk sent them within reorderWindowMs of each
// other (REST answers and events race; see the README of the traces).
//
// Normalisation, applied to both streams:
//   - ids: Asterisk's own channel ids (1795519600.1, dialplan customers) and
//     generated playback ids are mapped to the simulator's (learned from
//     PlaceCall and from the "id" of REST answers); ids the client chose
//     (channelId, bridgeId, snoopId, playbackId) are the same on both sides.
//     Channel names, protocol ids and timestamps are not compared, nor
//     bridge technologies in events. A bridge's channels are compared as a
//     set: Asterisk lists them in the order of a hashed container.
//   - ChannelVarset RTPAUDIOQOS*BRIDGED is dropped: whether the bridged peer
//     gets it depends on which RTP instance is torn down first (in
//     webrtc-agent-line the first customer's hangup reports it, the next two
//     do not). RTPAUDIOQOS values (SSRCs, jitter) are not compared.
//   - BRIDGEPEER: only changes between set and cleared count. Asterisk sets it
//     in three identical rounds per join between two SIPp legs, one round with
//     a WebRTC leg, and re-sets it while an Announcer channel (bridge MOH or
//     bridge playback) is in the bridge; the simulator sets it once per join.
//     BRIDGEPVTCALLID is dropped (it follows BRIDGEPEER, but is empty for an
//     Announcer).
//   - Dial RINGING is dropped: its order against ChannelStateChange Ringing
//     varies between runs of the same Asterisk.
//   - ChannelStateChange Ringing of a channel that never rang in the trace is
//     accepted as an extra: the pion WebRTC test phone answers without 180
//     Ringing (JsSIP and SIPp send it; the simulated phone always rings).
//   - Endpoint-subscription duplicates are compared as they are: the
//     simulator duplicates the same events Asterisk does.
//   - Originate timeouts that ended a dial (ChannelDestroyed 19 without a
//     hangup request) are replayed as 1 s: the simulator's timer is wall
//     clock, and the recorded wait is the timeout itself.
//
// Scenario-specific differences are listed in replays, each with its reason.
func TestTraceReplay(t *testing.T) {
	for _, sc := range replays {
		t.Run(sc.name, func(t *testing.T) {
			if sc.skip != "" {
				t.Skip(sc.skip)
			}
			t.Parallel()
			p := newPlayer(t, sc, readReplayTrace(t, sc.name))
			p.run()
			p.compare()
		})
	}
}

const (
	// replayEventWait bounds the wait for one recorded event. It only
	// decides how long a replay that is going wrong takes to say so: the
	// replays run in parallel on real sockets, and 3 s was seen to pass by
	// on a 2-core machine at load 27 before an event that did come.
	replayEventWait = 15 * time.Second
	// reorderWindowMs: events of different subjects that Asterisk sent within
	// this many milliseconds of each other may come in the other order.
	reorderWindowMs = 50.0
	// barrierDID is the DID of the call that ends a replay.
	barrierDID = "0000000"
)

// difference is a known way the simulator differs from the recorded
// Asterisk in one scenario.
type difference struct {
	why string
	// req and status: the simulator answers request number req with status
	// (with a different body if otherBody).
	req, status int
	otherBody   bool
	// recorded and sim: the recorded event key is answered by the sim key;
	// recorded alone: Asterisk sent it and the simulator does not (only its
	// nth occurrence if nth > 0); sim alone: the simulator sends it and
	// Asterisk did not.
	recorded, sim string
	nth           int
}

type replay struct {
	name  string
	skip  string   // why the scenario is not replayed
	vars  []string // Config.ChannelVars (ari.conf channelvars)
	known []difference
}

// dialplanVars are the Set() of the traces' extensions.conf (README,
// "Configuration excerpts") for DIDs that run them before Stasis.
var dialplanVars = map[string]map[string]string{
	"5550600": {
		"CCAAS_FirstName": "José <b>Müller</b> ☎ 日本",
		"CCAAS_Account":   "ACC-000042",
		"CCAAS_Note":      `<b>VIP</b> & "quoted" 'single' ü`,
	},
}

var replays = []replay{
	{name: "inbound-queue-call"},
	{name: "agent-line-bridge-moves"},
	{name: "hold-resume"},
	{name: "originate-failures", known: []difference{
		{why: "the simulated phone has no 480 answer; uas_480 is replayed as a 603 (both map to no_answer in the app)",
			recorded: "ChannelHangupRequest fail-f-unavailable cause=19 tech=480", sim: "ChannelHangupRequest fail-f-unavailable cause=21 tech=603"},
		{why: "as above",
			recorded: "ChannelDestroyed fail-f-unavailable 19 User alerting, no answer tech=480", sim: "ChannelDestroyed fail-f-unavailable 21 Call Rejected tech=603"},
	}},
	{name: "errors", known: []difference{
		{why: "E5c: Asterisk answers a failing originate after a duplicate-id 409 with the same stale 409 (a bug); the simulator answers 500 Allocation failed",
			req: 39, status: 500},
		{why: "E9: the simulator finishes a hangup within the DELETE, so a second DELETE finds no channel (404); Asterisk answers 204 and reports a second ChannelHangupRequest",
			req: 73, status: 404},
		{why: "as above", recorded: "ChannelHangupRequest 1795519685.18 cause=32 soft", nth: 2},
	}},
	{name: "channel-vars"},
	{name: "channel-vars-ari-channelvars", vars: []string{"CCAAS_FirstName", "CCAAS_Account"}},
	{name: "snoop-monitor", known: []difference{
		{why: "Asterisk's answer to the second snoop is a snapshot taken before the snoop entered Stasis (empty dialplan app; the first answer and both StasisStart show Stasis): a race, not a behaviour",
			req: 11, status: 200, otherBody: true},
	}},
	{name: "dynamic-config"},
	{name: "dynamic-config-without-mapping",
		skip: "the simulator always behaves as with the shipped sorcery.conf (memory under config); without that mapping every PUT is 403"},
	{name: "webrtc-agent-line"},
	{name: "agent-line-drop"},
	{name: "customer-abandon"},
	{name: "agent-hangup-first"},
	{name: "customer-dtmf"},
	{name: "asterisk-restart"},
	{name: "customer-recording", vars: []string{"CCAAS_FirstName", "CCAAS_Account", "CCAAS_Note"}},
}

// replayLine is one line of a trace (format: testdata/traces/README.md),
// with its event decoded.
type replayLine struct {
	aritrace.Line
	ev ari.Event
}

func readReplayTrace(t *testing.T, name string) []replayLine {
	t.Helper()
	read, err := aritrace.Read(filepath.Join("testdata", "traces", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := make([]replayLine, len(read))
	for i, l := range read {
		lines[i].Line = l
		if l.Dir == "event" {
			if lines[i].ev, err = ari.DecodeEvent(l.Event); err != nil {
				t.Fatalf("%s line %d: %v", name, i+1, err)
			}
		}
	}
	return lines
}

// Event keys and subjects.

// eventKey renders an event for comparison, with ids passed through m. It
// reports the subjects whose order matters and false for events the
// normalisation drops regardless of context.
func eventKey(ev ari.Event, m func(string) string) (key string, subjects []string, keep bool) {
	switch v := ev.(type) {
	case *ari.StasisStart:
		k := fmt.Sprintf("StasisStart %s [%s] %s", m(v.Channel.ID), strings.Join(v.Args, ","), v.Channel.State)
		if len(v.Channel.ChannelVars) > 0 {
			k += " " + sortedVars(v.Channel.ChannelVars)
		}
		return k, []string{m(v.Channel.ID)}, true
	case *ari.StasisEnd:
		return "StasisEnd " + m(v.Channel.ID), []string{m(v.Channel.ID)}, true
	case *ari.ChannelStateChange:
		return "ChannelStateChange " + m(v.Channel.ID) + " " + v.Channel.State, []string{m(v.Channel.ID)}, true
	case *ari.Dial:
		if v.DialStatus == ari.DialRinging {
			return "", nil, false
		}
		return fmt.Sprintf("Dial %s %q", m(v.Peer.ID), v.DialStatus), []string{m(v.Peer.ID)}, true
	case *ari.ChannelVarset:
		id := ""
		if v.Channel != nil {
			id = m(v.Channel.ID)
		}
		switch {
		case v.Variable == "BRIDGEPVTCALLID", strings.HasPrefix(v.Variable, "RTPAUDIOQOS") && strings.HasSuffix(v.Variable, "BRIDGED"):
			return "", nil, false
		case strings.HasPrefix(v.Variable, "RTPAUDIOQOS"):
			return "ChannelVarset " + id + " " + v.Variable, []string{id}, true
		case v.Variable == "BRIDGEPEER":
			if v.Value == "" {
				return "ChannelVarset " + id + " BRIDGEPEER cleared", []string{id}, true
			}
			return "ChannelVarset " + id + " BRIDGEPEER set", []string{id}, true
		}
		return fmt.Sprintf("ChannelVarset %s %s=%s", id, v.Variable, v.Value), []string{id}, true
	case *ari.ChannelHangupRequest:
		return "ChannelHangupRequest " + m(v.Channel.ID) + hangupDetail(v), []string{m(v.Channel.ID)}, true
	case *ari.ChannelDestroyed:
		k := fmt.Sprintf("ChannelDestroyed %s %d %s", m(v.Channel.ID), v.Cause, v.CauseTxt) + techCause(v.TechCause)
		return k, []string{m(v.Channel.ID)}, true
	case *ari.ChannelEnteredBridge:
		return fmt.Sprintf("ChannelEnteredBridge %s %s %v", v.Bridge.ID, m(v.Channel.ID), mapSet(v.Bridge.Channels, m)),
			[]string{m(v.Channel.ID), v.Bridge.ID}, true
	case *ari.ChannelLeftBridge:
		return fmt.Sprintf("ChannelLeftBridge %s %s %v", v.Bridge.ID, m(v.Channel.ID), mapSet(v.Bridge.Channels, m)),
			[]string{m(v.Channel.ID), v.Bridge.ID}, true
	case *ari.BridgeDestroyed:
		return "BridgeDestroyed " + v.Bridge.ID, []string{v.Bridge.ID}, true
	case *ari.ChannelDtmfReceived:
		return fmt.Sprintf("ChannelDtmfReceived %s %s", m(v.Channel.ID), v.Digit), []string{m(v.Channel.ID)}, true
	case *ari.PlaybackStarted:
		return fmt.Sprintf("PlaybackStarted %s %s %s", m(v.Playback.ID), mapTarget(v.Playback.TargetURI, m), v.Playback.State),
			[]string{"playback:" + m(v.Playback.ID)}, true
	case *ari.PlaybackFinished:
		return fmt.Sprintf("PlaybackFinished %s %s %s", m(v.Playback.ID), mapTarget(v.Playback.TargetURI, m), v.Playback.State),
			[]string{"playback:" + m(v.Playback.ID)}, true
	case *ari.EndpointStateChange:
		return fmt.Sprintf("EndpointStateChange %s %s %v", v.Endpoint.Name(), v.Endpoint.State, mapAll(v.Endpoint.ChannelIDs, m)),
			[]string{"endpoint:" + v.Endpoint.Name()}, true
	case *ari.PeerStatusChange:
		return fmt.Sprintf("PeerStatusChange %s %s", v.Endpoint.Name(), v.Peer.PeerStatus), []string{"endpoint:" + v.Endpoint.Name()}, true
	case *ari.ContactStatusChange:
		return fmt.Sprintf("ContactStatusChange %s %s", v.Endpoint.Name(), v.ContactInfo.ContactStatus), []string{"endpoint:" + v.Endpoint.Name()}, true
	case *ari.ChannelCreated:
		return "ChannelCreated " + m(v.Channel.ID), []string{m(v.Channel.ID)}, true
	case *ari.ChannelDialplan:
		return fmt.Sprintf("ChannelDialplan %s %s", m(v.Channel.ID), v.DialplanApp), []string{m(v.Channel.ID)}, true
	case *ari.ChannelConnectedLine:
		return "ChannelConnectedLine " + m(v.Channel.ID), []string{m(v.Channel.ID)}, true
	case *ari.RecordingStarted:
		return recordingKey("RecordingStarted", v.Recording, m)
	case *ari.RecordingFinished:
		return recordingKey("RecordingFinished", v.Recording, m)
	case *ari.RecordingFailed:
		return recordingKey("RecordingFailed", v.Recording, m)
	}
	return ev.Base().Type, nil, true
}

// recordingKey renders a Recording* event without its duration: the
// trace's customer is a Local channel, which passes audio frames only while
// there is audio, so its durations are not a real call's.
func recordingKey(typ string, r ari.LiveRecording, m func(string) string) (string, []string, bool) {
	k := fmt.Sprintf("%s %s %s %s", typ, r.Name, mapTarget(r.TargetURI, m), r.State)
	if r.Cause != "" {
		k += " (" + r.Cause + ")"
	}
	return k, []string{"recording:" + r.Name}, true
}

func sortedVars(vars map[string]string) string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, vars[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func mapAll(ids []string, m func(string) string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, m(id))
	}
	return out
}

// mapSet is mapAll for a bridge's channels, which Asterisk lists in the
// order of a hashed string container, not by entry: compared as sets.
func mapSet(ids []string, m func(string) string) []string {
	out := mapAll(ids, m)
	slices.Sort(out)
	return out
}

func mapTarget(uri string, m func(string) string) string {
	if kind, id, ok := strings.Cut(uri, ":"); ok {
		return kind + ":" + m(id)
	}
	return uri
}

// peerFilter drops BRIDGEPEER events that do not change it between set and
// cleared; it keeps its state per stream.
type peerFilter map[string]bool

func (f peerFilter) keep(ev ari.Event) bool {
	v, ok := ev.(*ari.ChannelVarset)
	if !ok || v.Variable != "BRIDGEPEER" || v.Channel == nil {
		return true
	}
	set := v.Value != ""
	if f[v.Channel.ID] == set {
		return false
	}
	f[v.Channel.ID] = set
	return true
}

// The simulator's events, as the replay's WebSocket reader receives them.

type simEvent struct {
	ev      ari.Event
	matched int // index into player.rec, or -1
}

type feed struct {
	mu     sync.Mutex
	events []ari.Event
	closed bool // the current socket ended
	err    error
	wake   chan struct{}
}

func (f *feed) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// recEvent is a recorded event that the normalisation keeps.
type recEvent struct {
	line     int
	tms      float64
	key      string
	subjects []string
	matched  int // index into player.got, or -1
}

type player struct {
	t   *testing.T
	sc  replay
	sim *Sim
	srv *httptest.Server

	lines    []replayLine
	before   map[int][]func() // control calls to make before line i
	recOf    map[int]int      // line index → index into rec
	rec      []recEvent
	rang     map[string]bool // recorded channels that rang
	timeout1 map[int]bool    // requests replayed with originate timeout 1 s

	ids, rev map[string]string // recorded id ↔ simulated id
	names    map[string]string // recorded channel name → recorded id
	ports    map[string]Behaviour

	feed    *feed
	got     []simEvent // the simulator's events, normalised, in order
	simPeer peerFilter
	booting bool

	requests, controls int
	problems           []string
}

func newPlayer(t *testing.T, sc replay, lines []replayLine) *player {
	s := New(Config{ChannelVars: sc.vars})
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		_ = s.Close()
		srv.Close()
	})
	// Endpoints of the recording's pjsip.conf: the SIPp agent, the WebRTC
	// agent 1001 (registered before the scenarios start) and 1002 (registers
	// during agent-line-drop; unregistered elsewhere).
	s.AddEndpoint("PJSIP/sippagent", BehaviourAnswer)
	s.AddEndpoint("PJSIP/1001", BehaviourAnswer)
	s.AddEndpoint("PJSIP/1002", BehaviourUnreachable)
	p := &player{
		t: t, sc: sc, sim: s, srv: srv, lines: lines,
		before: make(map[int][]func()), recOf: make(map[int]int), rang: make(map[string]bool), timeout1: make(map[int]bool),
		ids: make(map[string]string), rev: make(map[string]string), names: make(map[string]string),
		ports:   map[string]Behaviour{"5070": BehaviourAnswer},
		feed:    &feed{wake: make(chan struct{}, 1)},
		simPeer: peerFilter{},
	}
	p.prepare()
	return p
}

func (p *player) problem(format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

// simID maps a recorded id to the simulator's; recID the other way.
func (p *player) simID(id string) string {
	if v, ok := p.ids[id]; ok {
		return v
	}
	return id
}

func (p *player) recID(id string) string {
	if v, ok := p.rev[id]; ok {
		return v
	}
	return id
}

func (p *player) learn(rec, sim string) {
	if rec == "" || sim == "" || rec == sim {
		return
	}
	p.ids[rec], p.rev[sim] = sim, rec
}

var (
	portRE    = regexp.MustCompile(`listening on 127\.0\.0\.1:(\d+)`)
	nobodyRE  = regexp.MustCompile(`nothing listens on 127\.0\.0\.1:(\d+)`)
	uriPortRE = regexp.MustCompile(`@127\.0\.0\.1:(\d+)`)
	mohOnRE   = regexp.MustCompile(`^Started music on hold, class '([^']*)', on channel '([^']*)'`)
	mohOffRE  = regexp.MustCompile(`^Stopped music on hold on (.*)$`)
)

// prepare normalises the recorded events and places the control calls.
func (p *player) prepare() {
	filter := peerFilter{}
	hungUp := map[string]bool{}
	seen := map[string]int{}
	for i, l := range p.lines {
		switch l.Dir {
		case "event":
			p.collectNames(l.Event)
			if v, ok := l.ev.(*ari.ChannelStateChange); ok && v.Channel.State == ari.StateRinging {
				p.rang[v.Channel.ID] = true
			}
			if v, ok := l.ev.(*ari.ChannelHangupRequest); ok {
				hungUp[v.Channel.ID] = true
			}
			if !filter.keep(l.ev) {
				continue
			}
			key, subjects, keep := eventKey(l.ev, func(s string) string { return s })
			if !keep {
				continue
			}
			seen[key]++
			if d, ok := p.knownRecorded(key); ok && d.sim == "" && (d.nth == 0 || d.nth == seen[key]) {
				continue // Asterisk sent it, the simulator does not (listed)
			}
			p.recOf[i] = len(p.rec)
			p.rec = append(p.rec, recEvent{line: i, tms: l.TMs, key: key, subjects: subjects, matched: -1})
			p.stimulus(i)
		case "resp":
			p.collectNames(l.Body)
		}
	}
	// Originates whose dial ended by its timeout are replayed with 1 s.
	for _, l := range p.lines {
		if v, ok := l.ev.(*ari.ChannelDestroyed); ok && v.Cause == causeNoAnswer && !hungUp[v.Channel.ID] {
			for _, r := range p.lines {
				if r.Dir == "req" && r.Method == "POST" && r.Path == "/channels" && bodyString(r.Body, "channelId") == v.Channel.ID {
					p.timeout1[r.ID] = true
				}
			}
		}
	}
}

// collectNames remembers channel names of the recording, for MOH notes.
func (p *player) collectNames(raw json.RawMessage) {
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			id, _ := x["id"].(string)
			name, _ := x["name"].(string)
			if _, isChannel := x["protocol_id"]; isChannel && id != "" && name != "" {
				p.names[name] = id
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var v any
	if json.Unmarshal(raw, &v) == nil {
		walk(v)
	}
}

func (p *player) knownRecorded(key string) (difference, bool) {
	for _, d := range p.sc.known {
		if d.recorded == key {
			return d, true
		}
	}
	return difference{}, false
}

// stimulus places the control call that makes the simulator produce the
// recorded event at line i, if that event was caused outside ARI.
func (p *player) stimulus(i int) {
	l := p.lines[i]
	at := func(j int, f func()) { p.before[j] = append(p.before[j], f) }
	// back walks from i over the preceding lines that belong to the same
	// burst (per keep) and notes.
	back := func(keep func(ari.Event) bool) int {
		j := i
		for j > 0 {
			prev := p.lines[j-1]
			if prev.Dir == "note" || prev.Dir == "event" && keep(prev.ev) {
				j--
				continue
			}
			break
		}
		for j < i && p.lines[j].Dir == "note" {
			j++
		}
		return j
	}
	switch v := l.ev.(type) {
	case *ari.StasisStart:
		if len(v.Args) < 2 || v.Args[0] != "inbound" {
			return
		}
		rec, caller, did, local := v.Channel.ID, v.Channel.Caller, v.Args[1], strings.HasPrefix(v.Channel.Name, "Local/")
		at(i, func() {
			id, err := p.sim.PlaceCall(CallSpec{From: caller.Number, Name: caller.Name, DID: did, Vars: dialplanVars[did], Local: local})
			if err != nil {
				p.problem("PlaceCall for %s: %v", rec, err)
				return
			}
			p.learn(rec, id)
		})
	case *ari.ChannelHangupRequest:
		// the far end's BYE, or the far end of a Local channel hanging up
		// (cause 16, not soft)
		if v.Cause != 0 && !(v.Cause == causeNormal && strings.HasPrefix(v.Channel.Name, "Local/")) || v.Soft || v.TechCause != 0 {
			return
		}
		rec := v.Channel.ID
		j := back(func(ev ari.Event) bool {
			vs, ok := ev.(*ari.ChannelVarset)
			return ok && strings.HasPrefix(vs.Variable, "RTPAUDIOQOS")
		})
		at(j, func() {
			if err := p.sim.Hangup(p.simID(rec)); err != nil {
				p.problem("far-end hangup of %s: %v", rec, err)
			}
		})
	case *ari.ChannelDtmfReceived:
		rec, digit := v.Channel.ID, v.Digit
		at(i, func() {
			if err := p.sim.SendDTMF(p.simID(rec), digit); err != nil {
				p.problem("DTMF on %s: %v", rec, err)
			}
		})
	case *ari.PeerStatusChange:
		name := v.Endpoint.Name()
		j := back(func(ev ari.Event) bool {
			es, ok := ev.(*ari.EndpointStateChange)
			return ok && es.Endpoint.Name() == name
		})
		register := v.Peer.PeerStatus == ari.ContactReachable
		at(j, func() {
			var err error
			if register {
				err = p.sim.Register(name)
			} else {
				err = p.sim.Unregister(name)
			}
			if err != nil {
				p.problem("register=%v %s: %v", register, name, err)
			}
		})
	}
}

func bodyString(raw json.RawMessage, field string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(m[field], &s)
	return s
}

// run walks the trace.
func (p *player) run() {
	opened := false
	for i := 0; i < len(p.lines); i++ {
		for _, f := range p.before[i] {
			f()
			p.controls++
		}
		l := p.lines[i]
		switch l.Dir {
		case "ws":
			switch l.State {
			case "connecting":
				if opened {
					p.reconnect()
				} else {
					p.connect()
					opened = true
				}
			case "probe_connecting":
				if i+1 < len(p.lines) && p.lines[i+1].State == "probe_failed" {
					p.probe(l.URL, p.lines[i+1].Status)
				}
			case "closed_by_server":
				p.awaitClose()
			}
		case "note":
			p.note(l)
		case "req":
			p.request(i)
		case "event":
			if r, ok := p.recOf[i]; ok {
				p.expect(r)
			}
		}
	}
	p.barrier()
}

func (p *player) wsURL(recorded string) string {
	u, err := url.Parse(recorded)
	if err != nil {
		p.t.Fatal(err)
	}
	return "ws" + strings.TrimPrefix(p.srv.URL, "http") + u.RequestURI()
}

func (p *player) connect() {
	u := p.wsURL("ws://127.0.0.1:8088/ari/events?app=ccaas&api_key=ccaas:ccaas&subscribeAll=false")
	conn, resp, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		p.t.Fatalf("events socket: %v (%v)", err, resp)
	}
	p.t.Cleanup(func() { _ = conn.Close() })
	f := p.feed
	f.mu.Lock()
	f.closed, f.err = false, nil
	f.mu.Unlock()
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			var ev ari.Event
			if err == nil {
				ev, err = ari.DecodeEvent(data)
			}
			f.mu.Lock()
			if err != nil {
				f.closed, f.err = true, err
			} else {
				f.events = append(f.events, ev)
			}
			f.mu.Unlock()
			f.signal()
			if err != nil {
				return
			}
		}
	}()
}

// reconnect opens the events socket again after a restart, retrying while
// the simulator boots.
func (p *player) reconnect() {
	p.pingUntil("simulator did not come back after the restart", func(status int, err error) bool {
		return err == nil && status == http.StatusOK
	})
	p.connect()
}

// pingUntil polls GET /asterisk/ping, as the recording's driver polled a
// booting Asterisk, until done says so; the test fails with what after
// replayEventWait.
func (p *player) pingUntil(what string, done func(status int, err error) bool) {
	deadline := time.Now().Add(replayEventWait)
	poll := time.NewTicker(2 * time.Millisecond)
	defer poll.Stop()
	for ; ; <-poll.C {
		status, _, err := rawGet(p.srv.URL + "/ari/asterisk/ping")
		if done(status, err) {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: %d %v", what, status, err)
		}
	}
}

// wait blocks until the events feed has news, false once deadline passed.
func (p *player) wait(deadline <-chan time.Time) bool {
	select {
	case <-p.feed.wake:
		return true
	case <-deadline:
		return false
	}
}

func (p *player) awaitClose() {
	deadline := time.After(replayEventWait)
	for {
		p.feed.mu.Lock()
		closed := p.feed.closed
		p.feed.mu.Unlock()
		if closed {
			return
		}
		if !p.wait(deadline) {
			p.problem("the events socket was not closed by the simulator's restart")
			return
		}
	}
}

func (p *player) probe(recorded string, want int) {
	conn, resp, err := websocket.DefaultDialer.Dial(p.wsURL(recorded), nil)
	if err == nil {
		_ = conn.Close()
		p.problem("probe %s: upgraded, want %d", recorded, want)
		return
	}
	if resp == nil || resp.StatusCode != want {
		p.problem("probe %s: %v (%v), want %d", recorded, err, resp, want)
	}
}

func (p *player) note(l replayLine) {
	switch {
	case l.Src == "driver" && strings.HasPrefix(l.Text, "stop Asterisk"):
		p.sim.Restart()
		p.booting = true
	case l.Src == "driver" && strings.HasPrefix(l.Text, "helper started:"):
		var d struct{ What string }
		_ = json.Unmarshal(l.Data, &d)
		if m := portRE.FindStringSubmatch(d.What); m != nil {
			b := BehaviourAnswer
			switch {
			case strings.Contains(d.What, "uas_busy.xml"):
				b = BehaviourBusy
			case strings.Contains(d.What, "uas_noanswer.xml"):
				b = BehaviourNoAnswer
			case strings.Contains(d.What, "uas_603.xml"), strings.Contains(d.What, "uas_480.xml"):
				b = BehaviourReject
			}
			p.ports[m[1]] = b
		}
	case l.Src == "driver" && nobodyRE.MatchString(l.Text):
		p.ports[nobodyRE.FindStringSubmatch(l.Text)[1]] = BehaviourUnreachable
	case l.Src == "asterisk-log":
		var name, class string
		on := false
		if m := mohOnRE.FindStringSubmatch(l.Text); m != nil {
			class, name, on = m[1], m[2], true
		} else if m := mohOffRE.FindStringSubmatch(l.Text); m != nil {
			name = m[1]
		} else {
			return
		}
		rec, known := p.names[name]
		if !known {
			return // an Announcer channel of bridge MOH: no channel of ours
		}
		gotClass, gotOn := p.sim.MOH(p.simID(rec))
		if gotOn != on || on && gotClass != class {
			p.problem("MOH on %s (%s): simulator %q %v, Asterisk log %q", rec, name, gotClass, gotOn, l.Text)
		}
	}
}

// request replays the request at line i and compares the answer with the
// recorded one.
func (p *player) request(i int) {
	l := p.lines[i]
	var want *replayLine
	for j := i + 1; j < len(p.lines); j++ {
		if p.lines[j].Dir == "resp" && p.lines[j].ID == l.ID {
			want = &p.lines[j]
			break
		}
	}
	if want == nil {
		p.t.Fatalf("request %d has no recorded answer", l.ID)
	}
	p.requests++
	if p.booting && l.Path == "/asterisk/ping" {
		p.bootPing(l, want)
		return
	}

	target := p.srv.URL + "/ari" + p.mapPath(l.Path)
	if len(l.Query) > 0 {
		q := url.Values{}
		for k, v := range l.Query {
			q.Set(k, p.mapList(v))
		}
		target += "?" + q.Encode()
	}
	var body io.Reader
	switch {
	case l.Body != nil:
		var v any
		if err := json.Unmarshal(l.Body, &v); err != nil {
			p.t.Fatal(err)
		}
		v = p.mapJSON(v)
		if p.timeout1[l.ID] {
			v.(map[string]any)["timeout"] = 1
		}
		data, _ := json.Marshal(v)
		body = bytes.NewReader(data)
	case l.BodyText != nil:
		body = strings.NewReader(*l.BodyText)
	}
	if strings.HasPrefix(l.Path, "/channels") && l.Method == "POST" && l.Body != nil {
		p.setCallee(bodyString(l.Body, "endpoint"))
	}
	req, err := http.NewRequest(l.Method, target, body)
	if err != nil {
		p.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case l.Text == "auth: none":
	case strings.HasPrefix(l.Text, "auth: basic "):
		user, pass, _ := strings.Cut(strings.TrimPrefix(l.Text, "auth: basic "), ":")
		req.SetBasicAuth(user, pass)
	default:
		req.SetBasicAuth("ccaas", "ccaas")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if want.Error == "" {
			p.problem("request %d %s %s: %v, want %d", l.ID, l.Method, l.Path, err, want.Status)
		}
		return
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	wantStatus, otherBody := want.Status, false
	for _, d := range p.sc.known {
		if d.req == l.ID {
			wantStatus, otherBody = d.status, d.otherBody
		}
	}
	if want.Error != "" {
		p.problem("request %d %s %s: status %d, Asterisk was unreachable (%s)", l.ID, l.Method, l.Path, resp.StatusCode, want.Error)
		return
	}
	if resp.StatusCode != wantStatus {
		p.problem("request %d %s %s: status %d %s, want %d %s", l.ID, l.Method, l.Path, resp.StatusCode, data, wantStatus, want.Body)
		return
	}
	if !otherBody && wantStatus == want.Status && wantStatus < 300 && want.Body != nil && l.Query["variable"] != "CHANNEL(name)" {
		var got, exp any
		_ = json.Unmarshal(want.Body, &exp)
		_ = json.Unmarshal(data, &got)
		if g, e := project(got, p.recID), project(exp, func(s string) string { return s }); !jsonEqual(g, e) {
			p.problem("request %d %s %s: answer %s, want %s", l.ID, l.Method, l.Path, mustJSON(g), mustJSON(e))
		}
	}
	if !otherBody && wantStatus == want.Status && wantStatus >= 400 && want.Body != nil {
		var got, exp any
		_ = json.Unmarshal(want.Body, &exp)
		if json.Unmarshal(data, &got) != nil || !jsonEqual(got, p.mapJSON(exp)) {
			p.problem("request %d %s %s: body %s, want %s", l.ID, l.Method, l.Path, data, want.Body)
		}
	}
	// Ids Asterisk generated (playbacks without playbackId) map to the
	// simulator's.
	var gotObj, recObj map[string]any
	if json.Unmarshal(data, &gotObj) == nil && json.Unmarshal(want.Body, &recObj) == nil {
		g, _ := gotObj["id"].(string)
		r, _ := recObj["id"].(string)
		p.learn(r, g)
	}
}

// bootPing replays a GET /asterisk/ping made while Asterisk restarts. The
// recording shows connection refused, then 404 (HTML: ARI not registered
// yet), then 503 "Asterisk not booted", then 200; the simulator has no 404
// phase and boots in Config.BootDelay, so a failure answer may be any of
// refused or 503, and the recorded 200 is polled for.
func (p *player) bootPing(l replayLine, want *replayLine) {
	if want.Status != http.StatusOK {
		status, _, err := rawGet(p.srv.URL + "/ari/asterisk/ping")
		if err == nil && status != http.StatusServiceUnavailable && status != http.StatusOK {
			p.problem("request %d during boot: %d, want refused or 503", l.ID, status)
		}
		return
	}
	p.pingUntil("simulator did not boot", func(status int, err error) bool {
		switch {
		case err == nil && status == http.StatusOK:
			p.booting = false
			return true
		case err == nil && status != http.StatusServiceUnavailable:
			p.problem("request %d during boot: %d, want 503 then 200", l.ID, status)
			return true
		}
		return false
	})
}

// setCallee gives the sippagent endpoint the behaviour of the SIPp UAS the
// originate reaches (by the port in its URI; the endpoint's own contact is
// port 5070).
func (p *player) setCallee(endpoint string) {
	if !strings.HasPrefix(endpoint, "PJSIP/sippagent") {
		return
	}
	port := "5070"
	if m := uriPortRE.FindStringSubmatch(endpoint); m != nil {
		port = m[1]
	}
	b, ok := p.ports[port]
	if !ok {
		b = BehaviourUnreachable
	}
	if err := p.sim.SetBehaviour("PJSIP/sippagent", b); err != nil {
		p.t.Fatal(err)
	}
}

func (p *player) mapPath(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(p.simID(s))
	}
	return strings.Join(segs, "/")
}

func (p *player) mapList(v string) string {
	items := strings.Split(v, ",")
	for i, it := range items {
		items[i] = p.simID(it)
	}
	return strings.Join(items, ",")
}

func (p *player) mapJSON(v any) any {
	switch x := v.(type) {
	case string:
		return p.mapList(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = p.mapJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = p.mapJSON(e)
		}
		return out
	}
	return v
}

// project keeps what the app reads from a successful answer, in recorded
// ids: a channel's state and dialplan application (not its name, protocol
// id, caller or times, which depend on the SIP peers and the clock), a
// bridge's type, technology and channels, a playback's media, target and
// state, an endpoint's state and channels, an application's subscriptions,
// a variable's value and pushed configuration in full.
func project(v any, m func(string) string) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			out = append(out, project(e, m))
		}
		return out
	case map[string]any:
		ids := func(key string) any {
			list, _ := x[key].([]any)
			out := make([]string, 0, len(list))
			for _, e := range list {
				s, _ := e.(string)
				out = append(out, m(s))
			}
			slices.Sort(out)
			return out
		}
		switch {
		case x["protocol_id"] != nil:
			dp, _ := x["dialplan"].(map[string]any)
			return map[string]any{"state": x["state"], "app_name": dp["app_name"], "app_data": dp["app_data"], "channelvars": x["channelvars"]}
		case x["bridge_type"] != nil:
			return map[string]any{"technology": x["technology"], "bridge_type": x["bridge_type"], "channels": ids("channels")}
		case x["media_uri"] != nil:
			target, _ := x["target_uri"].(string)
			return map[string]any{"media_uri": x["media_uri"], "target_uri": mapTarget(target, m), "state": x["state"]}
		case x["resource"] != nil:
			return map[string]any{"technology": x["technology"], "resource": x["resource"], "state": x["state"], "channel_ids": ids("channel_ids")}
		case x["endpoint_ids"] != nil:
			return map[string]any{"channel_ids": ids("channel_ids"), "bridge_ids": ids("bridge_ids"), "endpoint_ids": ids("endpoint_ids")}
		case x["attribute"] != nil:
			return x
		case x["target_uri"] != nil && x["format"] != nil:
			// a live recording; its state in a create's answer races with
			// RecordingStarted ("queued" or "recording")
			target, _ := x["target_uri"].(string)
			return map[string]any{"name": x["name"], "format": x["format"], "target_uri": mapTarget(target, m)}
		case len(x) == 2 && x["name"] != nil && x["format"] != nil:
			return x // a stored recording
		case len(x) == 1 && x["value"] != nil:
			return x
		}
		return nil
	}
	return v
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func jsonEqual(a, b any) bool {
	da, _ := json.Marshal(a)
	db, _ := json.Marshal(b)
	return bytes.Equal(da, db)
}

// pull moves what the socket received into p.sim, dropping what the
// normalisation drops (BRIDGEPEER rounds, per the simulator's own stream).
func (p *player) pull() (closed bool) {
	f := p.feed
	f.mu.Lock()
	events := f.events
	f.events = nil
	closed = f.closed
	f.mu.Unlock()
	for _, ev := range events {
		if _, _, keep := eventKey(ev, p.recID); keep && p.simPeer.keep(ev) {
			p.got = append(p.got, simEvent{ev: ev, matched: -1})
		}
	}
	return closed
}

// simKey is the key of a simulator event in recorded ids, with the listed
// substitutions applied backwards.
func (p *player) simKey(s simEvent) string {
	key, _, _ := eventKey(s.ev, p.recID)
	return key
}

func (p *player) wantKey(r recEvent) string {
	if d, ok := p.knownRecorded(r.key); ok && d.sim != "" {
		return d.sim
	}
	return r.key
}

// expect waits for the recorded event r to come from the simulator.
func (p *player) expect(r int) {
	want := p.wantKey(p.rec[r])
	deadline := time.After(replayEventWait)
	for {
		closed := p.pull()
		for j := range p.got {
			if p.got[j].matched < 0 && p.simKey(p.got[j]) == want {
				p.got[j].matched, p.rec[r].matched = r, j
				return
			}
		}
		if closed {
			return // counted as missing in compare
		}
		if !p.wait(deadline) {
			return
		}
	}
}

// barrier places one more call and reads up to its StasisStart: every event
// the simulator sent before it has then been received.
func (p *player) barrier() {
	p.pull()
	from := len(p.got)
	id, err := p.sim.PlaceCall(CallSpec{From: "barrier", DID: barrierDID})
	if err != nil {
		p.problem("barrier call: %v", err)
		return
	}
	deadline := time.After(replayEventWait)
	for {
		closed := p.pull()
		for j := from; j < len(p.got); j++ {
			// Channel ids restart after a Restart: the DID tells the barrier.
			if st, ok := p.got[j].ev.(*ari.StasisStart); ok && st.Channel.ID == id && slices.Equal(st.Args, []string{"inbound", barrierDID}) {
				p.got = slices.Delete(p.got, j, j+1)
				return
			}
		}
		if closed {
			p.problem("events socket closed before the barrier: %v", p.feed.err)
			return
		}
		if !p.wait(deadline) {
			p.problem("barrier call's StasisStart did not come")
			return
		}
	}
}

// compare reports missing and extra events and order differences.
func (p *player) compare() {
	for _, r := range p.rec {
		if r.matched < 0 {
			p.problem("missing (line %d, %.1f ms): %s", r.line+1, r.tms, p.wantKey(r))
		}
	}
	for _, s := range p.got {
		if s.matched >= 0 {
			continue
		}
		key := p.simKey(s)
		if v, ok := s.ev.(*ari.ChannelStateChange); ok && v.Channel.State == ari.StateRinging && !p.rang[p.recID(v.Channel.ID)] {
			continue // the pion phone answers without 180 Ringing
		}
		if p.knownSim(key) {
			continue
		}
		p.problem("extra: %s", key)
	}
	// Order: by the simulator's order, every pair the recording has the
	// other way round.
	type pair struct{ sim, rec int }
	var pairs []pair
	for j, s := range p.got {
		if s.matched >= 0 {
			pairs = append(pairs, pair{j, s.matched})
		}
	}
	sort.Slice(pairs, func(a, b int) bool { return pairs[a].sim < pairs[b].sim })
	for a := range pairs {
		for b := a + 1; b < len(pairs); b++ {
			ra, rb := p.rec[pairs[a].rec], p.rec[pairs[b].rec]
			if pairs[a].rec < pairs[b].rec {
				continue
			}
			if shared := sharedSubject(ra.subjects, rb.subjects); shared != "" {
				p.problem("order of %s: simulator sends %q before %q", shared, ra.key, rb.key)
			} else if gap := math.Abs(ra.tms - rb.tms); gap > reorderWindowMs {
				p.problem("order: simulator sends %q before %q, which Asterisk sent %.1f ms earlier", ra.key, rb.key, gap)
			}
		}
	}
	if len(p.problems) == 0 {
		p.t.Logf("%d requests, %d recorded events (normalised) matched, %d control calls", p.requests, len(p.rec), p.controls)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d differences from the recording:\n", p.sc.name, len(p.problems))
	for _, pr := range p.problems {
		fmt.Fprintf(&b, "  %s\n", pr)
	}
	b.WriteString("recorded (normalised):\n")
	for _, r := range p.rec {
		fmt.Fprintf(&b, "  %9.1f %s\n", r.tms, r.key)
	}
	b.WriteString("simulator (normalised):\n")
	for _, s := range p.got {
		fmt.Fprintf(&b, "  %s\n", p.simKey(s))
	}
	p.t.Error(b.String())
}

func (p *player) knownSim(key string) bool {
	for _, d := range p.sc.known {
		if d.sim == key && d.recorded == "" {
			return true
		}
	}
	return false
}

func sharedSubject(a, b []string) string {
	for _, s := range a {
		if slices.Contains(b, s) {
			return s
		}
	}
	return ""
}
