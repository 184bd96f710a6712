package ari

import (
	"context"
	"net/http"
	"net/url"
)

// BridgeRequest describes a new bridge. Choose ID yourself so the bridge's
// events can be matched before the create call returns. Type is
// BridgeMixing ("mixing") for calls or BridgeHolding ("holding") for
// channels that wait; "" is Asterisk's default (mixing).
type BridgeRequest struct {
	ID   string
	Type string
	Name string
}

// CreateBridge creates a bridge with query parameters, as the traces do. An
// id already in use is ErrConflict. No BridgeCreated event follows.
func (c *Client) CreateBridge(ctx context.Context, req BridgeRequest) (*Bridge, error) {
	q := query("bridgeId", req.ID, "type", req.Type, "name", req.Name)
	return postOne[Bridge](ctx, c, "/bridges", q, nil)
}

// ListBridges returns every bridge, for reconciliation after a reconnect.
func (c *Client) ListBridges(ctx context.Context) ([]Bridge, error) {
	return getList[Bridge](ctx, c, "/bridges")
}

// GetBridge returns a bridge's snapshot; ErrNotFound once it is gone.
func (c *Client) GetBridge(ctx context.Context, id string) (*Bridge, error) {
	return getOne[Bridge](ctx, c, "/bridges/%s", id)
}

// DestroyBridge deletes a bridge; its channels stay up. Remove a channel that
// was moved out by a bare AddChannel first, or BridgeDestroyed comes seconds
// late.
func (c *Client) DestroyBridge(ctx context.Context, id string) error {
	return c.op(ctx, http.MethodDelete, "/bridges/%s", nil, id)
}

// AddChannel puts channels into a bridge in one request. A channel that is in
// another bridge is moved (ChannelLeftBridge, then ChannelEnteredBridge). A
// gone channel is ErrBadRequest, one not in Stasis ErrUnprocessable.
func (c *Client) AddChannel(ctx context.Context, bridgeID string, channelIDs ...string) error {
	return c.bridgeChannels(ctx, bridgeID, "addChannel", channelIDs)
}

// RemoveChannel takes channels out of a bridge; a channel that is not in
// this bridge is ErrUnprocessable.
func (c *Client) RemoveChannel(ctx context.Context, bridgeID string, channelIDs ...string) error {
	return c.bridgeChannels(ctx, bridgeID, "removeChannel", channelIDs)
}

func (c *Client) bridgeChannels(ctx context.Context, bridgeID, op string, channelIDs []string) error {
	p, err := resourcePath("/bridges/%s/"+op, bridgeID)
	if err != nil {
		return err
	}
	list, err := joinIDs("channel", channelIDs)
	if err != nil {
		return err
	}
	return c.post(ctx, p, url.Values{"channel": {list}}, nil, nil)
}

// BridgeStartMOH plays music on hold into a bridge so every member hears it;
// class "" is the default class.
func (c *Client) BridgeStartMOH(ctx context.Context, bridgeID, class string) error {
	return c.op(ctx, http.MethodPost, "/bridges/%s/moh", query("mohClass", class), bridgeID)
}

// BridgeStopMOH stops a bridge's music on hold.
func (c *Client) BridgeStopMOH(ctx context.Context, bridgeID string) error {
	return c.op(ctx, http.MethodDelete, "/bridges/%s/moh", nil, bridgeID)
}

// BridgePlay plays media to every member of a bridge (e.g. a beep when a
// conference participant joins).
func (c *Client) BridgePlay(ctx context.Context, bridgeID string, req PlayRequest) (*Playback, error) {
	return startOn[Playback](ctx, c, "/bridges/%s/play", bridgeID, req)
}
