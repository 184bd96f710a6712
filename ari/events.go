package ari

import (
	"encoding/json"
	"fmt"
)

// Event is any message of the events WebSocket.
type Event interface {
	// Base returns the fields every event has.
	Base() *EventBase
}

// EventBase holds the fields common to every ARI event.
type EventBase struct {
	Type        string `json:"type"`
	Application string `json:"application,omitempty"`
	Timestamp   Time   `json:"timestamp"`
	AsteriskID  string `json:"asterisk_id,omitempty"`
}

// Base implements Event.
func (b *EventBase) Base() *EventBase { return b }

// Event types we decode into typed structs; others arrive as *UnknownEvent.
const (
	EventStasisStart          = "StasisStart"
	EventStasisEnd            = "StasisEnd"
	EventChannelCreated       = "ChannelCreated"
	EventChannelDestroyed     = "ChannelDestroyed"
	EventChannelStateChange   = "ChannelStateChange"
	EventChannelHangupRequest = "ChannelHangupRequest"
	EventChannelEnteredBridge = "ChannelEnteredBridge"
	EventChannelLeftBridge    = "ChannelLeftBridge"
	EventChannelVarset        = "ChannelVarset"
	EventChannelDtmfReceived  = "ChannelDtmfReceived"
	EventChannelDialplan      = "ChannelDialplan"
	EventChannelCallerID      = "ChannelCallerId"
	EventChannelConnectedLine = "ChannelConnectedLine"
	EventChannelHold          = "ChannelHold"
	EventChannelUnhold        = "ChannelUnhold"
	EventBridgeCreated        = "BridgeCreated"
	EventBridgeDestroyed      = "BridgeDestroyed"
	EventDial                 = "Dial"
	EventPlaybackStarted      = "PlaybackStarted"
	EventPlaybackContinuing   = "PlaybackContinuing"
	EventPlaybackFinished     = "PlaybackFinished"
	EventEndpointStateChange  = "EndpointStateChange"
	EventContactStatusChange  = "ContactStatusChange"
	EventPeerStatusChange     = "PeerStatusChange"
	EventRecordingStarted     = "RecordingStarted"
	EventRecordingFinished    = "RecordingFinished"
	EventRecordingFailed      = "RecordingFailed"
)

// StasisStart: a channel entered our application.
type StasisStart struct {
	EventBase
	Args           []string `json:"args"`
	Channel        Channel  `json:"channel"`
	ReplaceChannel *Channel `json:"replace_channel,omitempty"`
}

// StasisEnd: a channel left our application.
type StasisEnd struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelCreated: a channel was created.
type ChannelCreated struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelDestroyed: a channel is gone. Sent only for channels the app was
// subscribed to from creation (originated ones).
type ChannelDestroyed struct {
	EventBase
	Cause     int     `json:"cause"`
	CauseTxt  string  `json:"cause_txt"`
	TechCause int     `json:"tech_cause,omitempty"`
	Channel   Channel `json:"channel"`
}

// ChannelStateChange: e.g. Ringing, Up.
type ChannelStateChange struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelHangupRequest: a hangup was asked for. Cause and Soft are absent for
// a far-end BYE.
type ChannelHangupRequest struct {
	EventBase
	Cause     int     `json:"cause,omitempty"`
	TechCause int     `json:"tech_cause,omitempty"`
	Soft      bool    `json:"soft,omitempty"`
	Channel   Channel `json:"channel"`
}

// ChannelEnteredBridge: a channel joined a bridge.
type ChannelEnteredBridge struct {
	EventBase
	Bridge  Bridge   `json:"bridge"`
	Channel *Channel `json:"channel,omitempty"`
}

// ChannelLeftBridge: a channel left a bridge.
type ChannelLeftBridge struct {
	EventBase
	Bridge  Bridge  `json:"bridge"`
	Channel Channel `json:"channel"`
}

// ChannelVarset: a channel variable changed. Channel is absent for globals.
type ChannelVarset struct {
	EventBase
	Variable string   `json:"variable"`
	Value    string   `json:"value"`
	Channel  *Channel `json:"channel,omitempty"`
}

// ChannelDtmfReceived: a DTMF digit arrived from the channel.
type ChannelDtmfReceived struct {
	EventBase
	Digit      string  `json:"digit"`
	DurationMs int     `json:"duration_ms"`
	Channel    Channel `json:"channel"`
}

// ChannelDialplan: a channel changed dialplan location.
type ChannelDialplan struct {
	EventBase
	Channel         Channel `json:"channel"`
	DialplanApp     string  `json:"dialplan_app"`
	DialplanAppData string  `json:"dialplan_app_data"`
}

// ChannelCallerID: a channel's caller id changed.
type ChannelCallerID struct {
	EventBase
	CallerPresentation    int     `json:"caller_presentation"`
	CallerPresentationTxt string  `json:"caller_presentation_txt"`
	Channel               Channel `json:"channel"`
}

// ChannelConnectedLine: a channel's connected line changed.
type ChannelConnectedLine struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelHold: the phone put the call on hold (SDP); not raised by ARI hold.
type ChannelHold struct {
	EventBase
	Channel    Channel `json:"channel"`
	MusicClass string  `json:"musicclass,omitempty"`
}

// ChannelUnhold: the phone took the call off hold.
type ChannelUnhold struct {
	EventBase
	Channel Channel `json:"channel"`
}

// BridgeCreated: a bridge was created (not sent for bridges the app creates).
type BridgeCreated struct {
	EventBase
	Bridge Bridge `json:"bridge"`
}

// BridgeDestroyed: a bridge is gone.
type BridgeDestroyed struct {
	EventBase
	Bridge Bridge `json:"bridge"`
}

// Dial statuses in Dial events.
const (
	DialRinging  = "RINGING"
	DialAnswer   = "ANSWER"
	DialBusy     = "BUSY"
	DialNoAnswer = "NOANSWER"
	DialCancel   = "CANCEL"
)

// Dial: progress of a dial (originate) attempt.
type Dial struct {
	EventBase
	Caller     *Channel `json:"caller,omitempty"`
	Peer       Channel  `json:"peer"`
	Forward    string   `json:"forward"`
	Forwarded  *Channel `json:"forwarded,omitempty"`
	DialString string   `json:"dialstring"`
	DialStatus string   `json:"dialstatus"`
}

// PlaybackStarted: a playback began.
type PlaybackStarted struct {
	EventBase
	Playback Playback `json:"playback"`
}

// PlaybackContinuing: a playback of several media finished one and goes
// on with the next (Playback.NextMediaURI); a PlaybackStarted follows.
type PlaybackContinuing struct {
	EventBase
	Playback Playback `json:"playback"`
}

// PlaybackFinished: a playback ended (state "done" or "failed").
type PlaybackFinished struct {
	EventBase
	Playback Playback `json:"playback"`
}

// EndpointStateChange: an endpoint went online or offline.
type EndpointStateChange struct {
	EventBase
	Endpoint Endpoint `json:"endpoint"`
}

// ContactStatusChange: a SIP contact registered, was removed, etc.
type ContactStatusChange struct {
	EventBase
	Endpoint    Endpoint    `json:"endpoint"`
	ContactInfo ContactInfo `json:"contact_info"`
}

// PeerStatusChange: a SIP peer became reachable or unreachable.
type PeerStatusChange struct {
	EventBase
	Endpoint Endpoint `json:"endpoint"`
	Peer     Peer     `json:"peer"`
}

// RecordingStarted: a live recording began writing (after a queued one
// before it on the same channel ended).
type RecordingStarted struct {
	EventBase
	Recording LiveRecording `json:"recording"`
}

// RecordingFinished: a live recording ended and is stored (state "done"),
// with its Duration; the stored recording has the same name.
type RecordingFinished struct {
	EventBase
	Recording LiveRecording `json:"recording"`
}

// RecordingFailed: a live recording could not go on; Recording.Cause says why.
type RecordingFailed struct {
	EventBase
	Recording LiveRecording `json:"recording"`
}

// UnknownEvent is an event type we do not decode; Raw holds its JSON.
type UnknownEvent struct {
	EventBase
	Raw json.RawMessage `json:"-"`
}

// DecodeEvent parses one events-socket message into its typed event.
func DecodeEvent(data []byte) (Event, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("decode ari event: %w", err)
	}
	if head.Type == "" {
		return nil, fmt.Errorf("decode ari event: missing type")
	}
	ev := newEvent(head.Type)
	if ev == nil {
		u := &UnknownEvent{Raw: append(json.RawMessage(nil), data...)}
		if err := json.Unmarshal(data, &u.EventBase); err != nil {
			return nil, fmt.Errorf("decode ari event %s: %w", head.Type, err)
		}
		return u, nil
	}
	if err := json.Unmarshal(data, ev); err != nil {
		return nil, fmt.Errorf("decode ari event %s: %w", head.Type, err)
	}
	return ev, nil
}

func newEvent(typ string) Event {
	switch typ {
	case EventStasisStart:
		return &StasisStart{}
	case EventStasisEnd:
		return &StasisEnd{}
	case EventChannelCreated:
		return &ChannelCreated{}
	case EventChannelDestroyed:
		return &ChannelDestroyed{}
	case EventChannelStateChange:
		return &ChannelStateChange{}
	case EventChannelHangupRequest:
		return &ChannelHangupRequest{}
	case EventChannelEnteredBridge:
		return &ChannelEnteredBridge{}
	case EventChannelLeftBridge:
		return &ChannelLeftBridge{}
	case EventChannelVarset:
		return &ChannelVarset{}
	case EventChannelDtmfReceived:
		return &ChannelDtmfReceived{}
	case EventChannelDialplan:
		return &ChannelDialplan{}
	case EventChannelCallerID:
		return &ChannelCallerID{}
	case EventChannelConnectedLine:
		return &ChannelConnectedLine{}
	case EventChannelHold:
		return &ChannelHold{}
	case EventChannelUnhold:
		return &ChannelUnhold{}
	case EventBridgeCreated:
		return &BridgeCreated{}
	case EventBridgeDestroyed:
		return &BridgeDestroyed{}
	case EventDial:
		return &Dial{}
	case EventPlaybackStarted:
		return &PlaybackStarted{}
	case EventPlaybackContinuing:
		return &PlaybackContinuing{}
	case EventPlaybackFinished:
		return &PlaybackFinished{}
	case EventEndpointStateChange:
		return &EndpointStateChange{}
	case EventContactStatusChange:
		return &ContactStatusChange{}
	case EventPeerStatusChange:
		return &PeerStatusChange{}
	case EventRecordingStarted:
		return &RecordingStarted{}
	case EventRecordingFinished:
		return &RecordingFinished{}
	case EventRecordingFailed:
		return &RecordingFailed{}
	}
	return nil
}
