package ari

import (
	"context"
	"net/http"
	"net/url"
)

// OriginateRequest describes a new outgoing channel (POST /channels). Set
// ChannelID to an id of our choosing so the channel's events can be matched
// before the originate call returns. Zero values are left out so Asterisk
// applies its defaults (Timeout 0 means Asterisk's 30 s; -1 means none).
type OriginateRequest struct {
	Endpoint       string // dial string, e.g. "PJSIP/1001"
	Extension      string // dialplan target instead of App
	Context        string
	Priority       int64
	Label          string
	App            string // Stasis app; defaults to the client's when Extension is empty too
	AppArgs        string // comma-separated; they arrive as StasisStart args
	CallerID       string // e.g. `"Queue support" <5550001>`
	Timeout        int    // seconds to wait for an answer
	ChannelID      string
	OtherChannelID string
	Originator     string // channel id whose codecs and linkedid the new channel takes
	Formats        string // e.g. "ulaw,alaw" when there is no Originator
	Variables      map[string]string
}

// originateBody is the JSON body Asterisk accepts for POST /channels; the
// traces send originate this way rather than as query parameters, which keeps
// caller ids and variables out of URLs and logs.
type originateBody struct {
	Endpoint       string            `json:"endpoint,omitempty"`
	Extension      string            `json:"extension,omitempty"`
	Context        string            `json:"context,omitempty"`
	Priority       int64             `json:"priority,omitempty"`
	Label          string            `json:"label,omitempty"`
	App            string            `json:"app,omitempty"`
	AppArgs        string            `json:"appArgs,omitempty"`
	CallerID       string            `json:"callerId,omitempty"`
	Timeout        int               `json:"timeout,omitempty"`
	ChannelID      string            `json:"channelId,omitempty"`
	OtherChannelID string            `json:"otherChannelId,omitempty"`
	Originator     string            `json:"originator,omitempty"`
	Formats        string            `json:"formats,omitempty"`
	Variables      map[string]string `json:"variables,omitempty"`
}

// Originate creates an outgoing channel. It answers as soon as the channel
// exists (state Down); answer, failure and StasisStart arrive as events. An
// unregistered endpoint fails at once with 500 "Allocation failed"
// (ErrServer), an id already in use with ErrConflict.
func (c *Client) Originate(ctx context.Context, req OriginateRequest) (*Channel, error) {
	app := req.App
	if app == "" && req.Extension == "" {
		app = c.app
	}
	body := originateBody{
		Endpoint:       req.Endpoint,
		Extension:      req.Extension,
		Context:        req.Context,
		Priority:       req.Priority,
		Label:          req.Label,
		App:            app,
		AppArgs:        req.AppArgs,
		CallerID:       req.CallerID,
		Timeout:        req.Timeout,
		ChannelID:      req.ChannelID,
		OtherChannelID: req.OtherChannelID,
		Originator:     req.Originator,
		Formats:        req.Formats,
		Variables:      req.Variables,
	}
	return postOne[Channel](ctx, c, "/channels", nil, body)
}

// ListChannels returns every channel Asterisk has, for reconciliation after
// the events socket reconnects.
func (c *Client) ListChannels(ctx context.Context) ([]Channel, error) {
	return getList[Channel](ctx, c, "/channels")
}

// GetChannel returns a channel's snapshot; ErrNotFound once it is gone.
func (c *Client) GetChannel(ctx context.Context, id string) (*Channel, error) {
	return getOne[Channel](ctx, c, "/channels/%s", id)
}

// Hangup hangs a channel up. reason is one of ARI's reasons (normal, busy,
// congestion, no_answer, ...); "" lets Asterisk pick normal clearing.
// Hanging up a channel that is already gone is ErrNotFound.
func (c *Client) Hangup(ctx context.Context, id, reason string) error {
	return c.op(ctx, http.MethodDelete, "/channels/%s", query("reason", reason), id)
}

// Answer answers a channel in our application (ErrConflict if it is not).
func (c *Client) Answer(ctx context.Context, id string) error {
	return c.channelOp(ctx, http.MethodPost, id, "answer", nil)
}

// Ring indicates ringing to a channel that is not answered yet.
func (c *Client) Ring(ctx context.Context, id string) error {
	return c.channelOp(ctx, http.MethodPost, id, "ring", nil)
}

// StopRing stops the ringing indication.
func (c *Client) StopRing(ctx context.Context, id string) error {
	return c.channelOp(ctx, http.MethodDelete, id, "ring", nil)
}

// StartMOH plays music on hold to the channel itself; class "" is the
// default class. Asterisk sends no event for it.
func (c *Client) StartMOH(ctx context.Context, id, class string) error {
	return c.channelOp(ctx, http.MethodPost, id, "moh", query("mohClass", class))
}

// StopMOH stops music on hold on the channel.
func (c *Client) StopMOH(ctx context.Context, id string) error {
	return c.channelOp(ctx, http.MethodDelete, id, "moh", nil)
}

// Hold indicates hold to the channel itself: that channel hears music, not
// its peer. To make a customer wait, take them out of the call bridge and use
// StartMOH or Hold on the customer's channel.
func (c *Client) Hold(ctx context.Context, id string) error {
	return c.channelOp(ctx, http.MethodPost, id, "hold", nil)
}

// Unhold removes the hold indication.
func (c *Client) Unhold(ctx context.Context, id string) error {
	return c.channelOp(ctx, http.MethodDelete, id, "hold", nil)
}

// Mute mutes a channel's audio; direction is "both", "in" or "out" ("" is
// Asterisk's default, both).
func (c *Client) Mute(ctx context.Context, id, direction string) error {
	return c.channelOp(ctx, http.MethodPost, id, "mute", query("direction", direction))
}

// Unmute undoes Mute for the given direction.
func (c *Client) Unmute(ctx context.Context, id, direction string) error {
	return c.channelOp(ctx, http.MethodDelete, id, "mute", query("direction", direction))
}

// SendDTMF sends DTMF digits (0-9, *, #, A-D; "," is a pause) to a channel.
func (c *Client) SendDTMF(ctx context.Context, id, dtmf string) error {
	return c.channelOp(ctx, http.MethodPost, id, "dtmf", query("dtmf", dtmf))
}

// GetVariable reads a channel variable or function, e.g. "CALLERID(num)".
// A variable that is not set is ErrNotFound, as is a channel that is gone.
func (c *Client) GetVariable(ctx context.Context, id, name string) (string, error) {
	p, err := resourcePath("/channels/%s/variable", id)
	if err != nil {
		return "", err
	}
	var v Variable
	if err := c.get(ctx, p, query("variable", name), &v); err != nil {
		return "", err
	}
	return v.Value, nil
}

// SetVariable sets a channel variable; value "" is sent, setting it empty.
func (c *Client) SetVariable(ctx context.Context, id, name, value string) error {
	q := query("variable", name)
	q.Set("value", value)
	return c.channelOp(ctx, http.MethodPost, id, "variable", q)
}

// PlayRequest is media to play on a channel or bridge. Media are URIs such as
// "sound:beep"; several play one after the other. Set PlaybackID to match
// PlaybackStarted/PlaybackFinished before the call returns.
type PlayRequest struct {
	Media      []string
	Lang       string
	PlaybackID string
}

// values encodes the request as ARI's play parameters.
func (r PlayRequest) values() (url.Values, error) {
	media, err := joinIDs("media", r.Media)
	if err != nil {
		return nil, err
	}
	q := query("lang", r.Lang, "playbackId", r.PlaybackID)
	q.Set("media", media)
	return q, nil
}

// Play starts media on a channel. The answer (201, state "queued") comes
// before the media does; an unknown sound still answers 201 and then finishes
// with state "failed".
func (c *Client) Play(ctx context.Context, channelID string, req PlayRequest) (*Playback, error) {
	return startOn[Playback](ctx, c, "/channels/%s/play", channelID, req)
}

// SnoopRequest describes a snoop channel for supervision: Spy is the
// direction heard (none, both, in, out), Whisper the direction spoken into.
// App defaults to the client's application.
type SnoopRequest struct {
	Spy     string
	Whisper string
	App     string
	AppArgs string
	SnoopID string
}

// Snoop creates a channel that listens to and/or whispers into channelID.
// The snoop channel enters Stasis (StasisStart) and ends with StasisEnd only,
// without ChannelDestroyed.
func (c *Client) Snoop(ctx context.Context, channelID string, req SnoopRequest) (*Channel, error) {
	p, err := resourcePath("/channels/%s/snoop", channelID)
	if err != nil {
		return nil, err
	}
	app := req.App
	if app == "" {
		app = c.app
	}
	q := query("spy", req.Spy, "whisper", req.Whisper, "app", app, "appArgs", req.AppArgs, "snoopId", req.SnoopID)
	return postOne[Channel](ctx, c, p, q, nil)
}

// channelOp is a body-less call on /channels/{id}/{op} answered with 204.
func (c *Client) channelOp(ctx context.Context, method, id, op string, q url.Values) error {
	return c.op(ctx, method, "/channels/%s/"+op, q, id)
}
