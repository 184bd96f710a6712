// Package ari is our client for Asterisk's REST Interface (ARI), written from
// the Asterisk 22 Swagger specification: typed REST calls that take a context,
// the events WebSocket with typed events and reconnection, and ARI's HTTP
// error statuses as typed errors.
//
// The model types in this file are shared with the Asterisk simulator
// (package asterisksim), so both sides speak the same JSON.
package ari

import (
	"encoding/json"
	"strings"
	"time"
)

// Channel states as Asterisk names them.
const (
	StateDown    = "Down"
	StateRsrvd   = "Rsrvd"
	StateOffHook = "OffHook"
	StateDialing = "Dialing"
	StateRing    = "Ring"
	StateRinging = "Ringing"
	StateUp      = "Up"
	StateBusy    = "Busy"
)

// Time is an ARI timestamp ("2026-11-24T11:26:40.080+0000").
// It marshals in Asterisk's own layout and parses RFC 3339 as well.
type Time struct{ time.Time }

// TimeLayout is the layout Asterisk uses for every Date field.
const TimeLayout = "2006-01-02T15:04:05.000-0700"

// MarshalJSON writes the time in Asterisk's layout.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(t.Format(TimeLayout))
}

// UnmarshalJSON accepts Asterisk's layout, RFC 3339 and the empty string.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range []string{TimeLayout, time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	v, err := time.Parse(time.RFC3339, s)
	t.Time = v
	return err
}

// CallerID is a name and number pair.
type CallerID struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

// DialplanCEP is a dialplan location: context, extension, priority.
type DialplanCEP struct {
	Context  string `json:"context"`
	Exten    string `json:"exten"`
	Priority int64  `json:"priority"`
	AppName  string `json:"app_name"`
	AppData  string `json:"app_data"`
}

// Channel is a snapshot of an Asterisk channel.
type Channel struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	State        string            `json:"state"`
	ProtocolID   string            `json:"protocol_id"`
	Caller       CallerID          `json:"caller"`
	Connected    CallerID          `json:"connected"`
	AccountCode  string            `json:"accountcode"`
	Dialplan     DialplanCEP       `json:"dialplan"`
	CreationTime Time              `json:"creationtime"`
	Language     string            `json:"language"`
	ChannelVars  map[string]string `json:"channelvars,omitempty"`
	CallerRDNIS  string            `json:"caller_rdnis,omitempty"`
	TenantID     string            `json:"tenantid,omitempty"`
}

// Bridge types accepted by POST /bridges.
const (
	BridgeMixing  = "mixing"
	BridgeHolding = "holding"
)

// Bridge is a snapshot of an Asterisk bridge.
type Bridge struct {
	ID            string            `json:"id"`
	Technology    string            `json:"technology"`
	BridgeType    string            `json:"bridge_type"`
	BridgeClass   string            `json:"bridge_class"`
	Creator       string            `json:"creator"`
	Name          string            `json:"name"`
	Channels      []string          `json:"channels"`
	CreationTime  Time              `json:"creationtime"`
	VideoMode     string            `json:"video_mode,omitempty"`
	VideoSourceID string            `json:"video_source_id,omitempty"`
	BridgeVars    map[string]string `json:"bridgevars,omitempty"`
}

// Endpoint is a snapshot of an endpoint such as PJSIP/1001.
type Endpoint struct {
	Technology string   `json:"technology"`
	Resource   string   `json:"resource"`
	State      string   `json:"state,omitempty"`
	ChannelIDs []string `json:"channel_ids"`
}

// Name is the endpoint's "tech/resource" form used in dial strings and event sources.
func (e Endpoint) Name() string { return e.Technology + "/" + e.Resource }

// Playback is a snapshot of a media playback.
type Playback struct {
	ID           string `json:"id"`
	MediaURI     string `json:"media_uri"`
	NextMediaURI string `json:"next_media_uri,omitempty"`
	TargetURI    string `json:"target_uri"`
	Language     string `json:"language,omitempty"`
	State        string `json:"state"`
}

// Recording states, as LiveRecording.State names them.
const (
	RecordingStateQueued    = "queued"    // asked for; it starts after the channel's earlier recordings
	RecordingStateRecording = "recording" // under way
	RecordingStatePaused    = "paused"
	RecordingStateDone      = "done"     // stored (also after a stop, the hang-up of the channel, the terminating key or the maximum length)
	RecordingStateFailed    = "failed"   // Cause says why; nothing is stored
	RecordingStateCanceled  = "canceled" // stopped and thrown away
)

// LiveRecording is a recording in progress on a channel or a bridge, as POST
// …/record answers it and the Recording* events carry it. Duration (whole
// seconds of audio written) is set on RecordingFinished, also when it is 0.
type LiveRecording struct {
	Name            string `json:"name"`
	Format          string `json:"format"`
	State           string `json:"state"`
	TargetURI       string `json:"target_uri"`
	Duration        *int   `json:"duration,omitempty"`
	TalkingDuration *int   `json:"talking_duration,omitempty"`
	SilenceDuration *int   `json:"silence_duration,omitempty"`
	Cause           string `json:"cause,omitempty"`
}

// Seconds is the recording's Duration, 0 when Asterisk did not say.
func (r LiveRecording) Seconds() int {
	if r.Duration == nil {
		return 0
	}
	return *r.Duration
}

// StoredRecording is a finished recording kept by Asterisk (in its
// recordings directory), which can be played, copied, fetched and deleted.
type StoredRecording struct {
	Name   string `json:"name"`
	Format string `json:"format"`
}

// ConfigTuple is one attribute of a dynamic configuration object.
type ConfigTuple struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
}

// Variable is the value of a channel variable.
type Variable struct {
	Value string `json:"value"`
}

// Module is a loaded Asterisk module.
type Module struct {
	Name         string `json:"name"`
	Description  string `json:"description"`
	UseCount     int    `json:"use_count"`
	Status       string `json:"status"`
	SupportLevel string `json:"support_level"`
}

// AsteriskPing answers GET /asterisk/ping.
type AsteriskPing struct {
	AsteriskID string `json:"asterisk_id"`
	Ping       string `json:"ping"`
	Timestamp  string `json:"timestamp"`
}

// SystemInfo names the running Asterisk.
type SystemInfo struct {
	Version  string `json:"version"`
	EntityID string `json:"entity_id"`
}

// StatusInfo says when Asterisk started and last reloaded.
type StatusInfo struct {
	StartupTime    Time `json:"startup_time"`
	LastReloadTime Time `json:"last_reload_time"`
}

// AsteriskInfo answers GET /asterisk/info (only the parts we read).
type AsteriskInfo struct {
	System *SystemInfo `json:"system,omitempty"`
	Status *StatusInfo `json:"status,omitempty"`
}

// Application describes a Stasis application and its subscriptions.
type Application struct {
	Name             string            `json:"name"`
	ChannelIDs       []string          `json:"channel_ids"`
	BridgeIDs        []string          `json:"bridge_ids"`
	EndpointIDs      []string          `json:"endpoint_ids"`
	DeviceNames      []string          `json:"device_names"`
	EventsAllowed    []EventTypeFilter `json:"events_allowed"`
	EventsDisallowed []EventTypeFilter `json:"events_disallowed"`
}

// EventTypeFilter is one item of an application's event filter.
type EventTypeFilter struct {
	Type string `json:"type"`
}

// ContactInfo describes a SIP contact in ContactStatusChange.
type ContactInfo struct {
	URI           string `json:"uri"`
	ContactStatus string `json:"contact_status"`
	AOR           string `json:"aor"`
	RoundtripUsec string `json:"roundtrip_usec,omitempty"`
}

// Contact statuses in ContactStatusChange.
const (
	ContactReachable    = "Reachable"
	ContactUnreachable  = "Unreachable"
	ContactNonQualified = "NonQualified"
	ContactRemoved      = "Removed"
	ContactUnknown      = "Unknown"
)

// Peer describes a SIP peer in PeerStatusChange.
type Peer struct {
	PeerStatus string `json:"peer_status"`
	Cause      string `json:"cause,omitempty"`
	Address    string `json:"address,omitempty"`
	Port       string `json:"port,omitempty"`
	Time       string `json:"time,omitempty"`
}

// SplitEndpoint splits "PJSIP/1001" into technology and resource.
func SplitEndpoint(name string) (tech, resource string, ok bool) {
	tech, resource, ok = strings.Cut(name, "/")
	return tech, resource, ok && tech != "" && resource != ""
}
